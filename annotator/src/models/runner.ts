import {
  decodeCenternetDetections,
  decodeCenternetHeads,
  decodeYolo,
  type PixelDetection,
} from '@sentinel/common/detect/index';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { ApiError } from '../http/errors.ts';

export type ModelFormat = 'centernet' | 'yolo';

/** What the annotator learned about a model file by opening and running it once. */
export type ModelSpec = {
  format: ModelFormat;
  inputName: string;
  inputType: 'float32' | 'uint8' | 'int32';
  layout: 'nchw' | 'nhwc';
  inputWidth: number;
  inputHeight: number;
  /**
   * Outputs to fetch: yolo [N, 4+C, A]; centernet either the raw heads (heatmap [N,H,W,C] then wh
   * [N,H,W,4], as our TF.js → ONNX converter emits) or a decoded head [N, K, 6].
   */
  outputNames: string[];
  outputDims: number[][];
  centernetMode?: 'heads' | 'decoded';
  labels: string[];
};

export type FrameDetection = { label: string; score: number; box: [number, number, number, number] };

const DEFAULT_SIZE: Record<ModelFormat, number> = { yolo: 640, centernet: 512 };

const bad = (message: string) =>
  new ApiError(400, 'validation_failed', message, { details: [{ path: 'model', message }] });

/**
 * Open an ONNX file with onnxruntime-node, check it is a detector of the given format with the
 * expected outputs (by running it once on a blank input) and return its spec. Every failure is a
 * 400 with a message saying what was expected.
 */
export async function inspectModel(
  file: string,
  format: ModelFormat,
  labels: string[],
): Promise<{ spec: ModelSpec; session: ort.InferenceSession }> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(file, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  } catch (err) {
    const msg = (err as Error).message.split('\n')[0]!.slice(0, 300);
    throw bad(`not a loadable ONNX model: ${msg}`);
  }
  try {
    if (session.inputNames.length !== 1)
      throw bad(`a detector has exactly one input (the image); this model has ${session.inputNames.length}`);
    const meta = session.inputMetadata[0];
    const inputName = session.inputNames[0]!;
    const shape = meta?.isTensor ? meta.shape : [];
    const type = meta?.isTensor ? meta.type : 'float32';
    if (shape.length !== 4)
      throw bad(`the input ${inputName} must be a 4-D image tensor, got [${shape.join(', ')}]`);
    if (type !== 'float32' && type !== 'uint8' && type !== 'int32')
      throw bad(`the input ${inputName} has type ${type}; expected float32, uint8 or int32`);
    const layout = shape[1] === 3 ? 'nchw' : shape[3] === 3 ? 'nhwc' : format === 'yolo' ? 'nchw' : 'nhwc';
    const dim = (v: number | string | undefined) =>
      typeof v === 'number' && v > 0 ? v : DEFAULT_SIZE[format];
    const inputHeight = dim(layout === 'nchw' ? shape[2] : shape[1]);
    const inputWidth = dim(layout === 'nchw' ? shape[3] : shape[2]);
    const partial = { format, inputName, inputType: type, layout, inputWidth, inputHeight, labels } as const;
    const feeds = { [inputName]: blankInput(partial) };
    let outputs: ort.InferenceSession.ReturnType;
    try {
      outputs = await session.run(feeds);
    } catch (err) {
      throw bad(
        `the model failed on a ${inputWidth}x${inputHeight} input: ${(err as Error).message.slice(0, 300)}`,
      );
    }
    const found = Object.entries(outputs).map(([name, t]) => ({ name, dims: [...t.dims] }));
    const describe = found.map((o) => `${o.name} [${o.dims.join(', ')}]`).join(', ');
    let picked: Array<{ name: string; dims: number[] }>;
    let centernetMode: ModelSpec['centernetMode'];
    if (format === 'yolo') {
      const f = 4 + labels.length;
      const pick = found.find((o) => o.dims.length === 3 && (o.dims[1] === f || o.dims[2] === f));
      if (!pick)
        throw bad(
          `a yolo model needs an output [N, 4 + ${labels.length} = ${f}, anchors]; this one has ${describe}`,
        );
      picked = [pick];
    } else {
      const heats = found.filter((o) => o.dims.length === 4 && o.dims[3] === labels.length);
      const heat = heats.find((o) => o.name.includes('keypoints')) ?? heats[0];
      const wh = heat
        ? found.find(
            (o) =>
              o !== heat &&
              o.dims.length === 4 &&
              o.dims[3] === 4 &&
              o.dims[1] === heat.dims[1] &&
              o.dims[2] === heat.dims[2],
          )
        : undefined;
      const decoded = found.filter((o) => o.dims.length === 3 && o.dims[2] === 6);
      const det = decoded.find((o) => o.name.includes('detections')) ?? decoded[0];
      if (heat && wh) {
        picked = [heat, wh];
        centernetMode = 'heads';
      } else if (det) {
        picked = [det];
        centernetMode = 'decoded';
      } else
        throw bad(
          `a centernet model needs heads [N, H, W, ${labels.length}] + [N, H, W, 4], or a decoded output [N, K, 6] (x1, y1, x2, y2, score, class); this one has ${describe}`,
        );
    }
    return {
      spec: {
        ...partial,
        outputNames: picked.map((o) => o.name),
        outputDims: picked.map((o) => o.dims),
        ...(centernetMode ? { centernetMode } : {}),
      },
      session,
    };
  } catch (err) {
    await session.release().catch(() => {});
    throw err;
  }
}

function blankInput(s: Pick<ModelSpec, 'inputType' | 'layout' | 'inputWidth' | 'inputHeight'>): ort.Tensor {
  const n = 3 * s.inputWidth * s.inputHeight;
  const dims =
    s.layout === 'nchw' ? [1, 3, s.inputHeight, s.inputWidth] : [1, s.inputHeight, s.inputWidth, 3];
  if (s.inputType === 'uint8') return new ort.Tensor('uint8', new Uint8Array(n), dims);
  if (s.inputType === 'int32') return new ort.Tensor('int32', new Int32Array(n), dims);
  return new ort.Tensor('float32', new Float32Array(n), dims);
}

/**
 * Runs one model on JPEG frames and returns detections in normalised frame coordinates. Both formats
 * are letterboxed (scaled to fit, centred, black bars) like the inference runtime does; YOLO gets NCHW
 * RGB / 255, CenterNet NHWC RGB 0..255 (as @vladmandic/human feeds it).
 */
export class ModelRunner {
  constructor(
    private readonly session: ort.InferenceSession,
    readonly spec: ModelSpec,
    private readonly opts = { scoreThreshold: 0.25, iouThreshold: 0.45, maxDetections: 100 },
  ) {}

  static async open(file: string, format: ModelFormat, labels: string[]): Promise<ModelRunner> {
    const { spec, session } = await inspectModel(file, format, labels);
    return new ModelRunner(session, spec);
  }

  async detect(jpeg: Uint8Array): Promise<FrameDetection[]> {
    const s = this.spec;
    const img = sharp(jpeg).removeAlpha();
    const meta = await img.metadata();
    const iw = meta.width ?? 1;
    const ih = meta.height ?? 1;
    const k = Math.min(s.inputWidth / iw, s.inputHeight / ih);
    const nw = Math.max(1, Math.round(iw * k));
    const nh = Math.max(1, Math.round(ih * k));
    const pad = { x: Math.floor((s.inputWidth - nw) / 2), y: Math.floor((s.inputHeight - nh) / 2) };
    const scale = { x: nw / iw, y: nh / ih };
    const pixels = await img
      .resize(nw, nh, { fit: 'fill', kernel: 'linear' })
      .extend({
        left: pad.x,
        top: pad.y,
        right: s.inputWidth - nw - pad.x,
        bottom: s.inputHeight - nh - pad.y,
        background: { r: 0, g: 0, b: 0 },
      })
      .toColourspace('srgb')
      .raw()
      .toBuffer();
    const out = await this.session.run({ [s.inputName]: this.toTensor(pixels) }, s.outputNames);
    const get = (name: string) => {
      const t = out[name]!;
      const data = t.data instanceof Float32Array ? t.data : Float32Array.from(t.data as ArrayLike<number>);
      return { data, dims: t.dims };
    };
    const first = get(s.outputNames[0]!);
    let dets: PixelDetection[];
    if (s.format === 'yolo') dets = decodeYolo(first.data, first.dims, s.labels.length, this.opts);
    else if (s.centernetMode === 'heads')
      dets = decodeCenternetHeads(first, get(s.outputNames[1]!), {
        ...this.opts,
        inputWidth: s.inputWidth,
        inputHeight: s.inputHeight,
      });
    else dets = decodeCenternetDetections(first.data, first.dims, this.opts);
    const clamp = (v: number) => Math.min(1, Math.max(0, v));
    return dets
      .filter((d) => d.classId < s.labels.length)
      .map((d) => {
        const x1 = clamp((d.box[0] - pad.x) / scale.x / iw);
        const y1 = clamp((d.box[1] - pad.y) / scale.y / ih);
        const x2 = clamp((d.box[0] + d.box[2] - pad.x) / scale.x / iw);
        const y2 = clamp((d.box[1] + d.box[3] - pad.y) / scale.y / ih);
        return {
          label: s.labels[d.classId]!,
          score: d.score,
          box: [x1, y1, x2 - x1, y2 - y1] as [number, number, number, number],
        };
      })
      .filter((d) => d.box[2] > 0 && d.box[3] > 0);
  }

  private toTensor(rgb: Buffer): ort.Tensor {
    const s = this.spec;
    const hw = s.inputWidth * s.inputHeight;
    if (s.layout === 'nhwc') {
      const dims = [1, s.inputHeight, s.inputWidth, 3];
      if (s.inputType === 'uint8') return new ort.Tensor('uint8', new Uint8Array(rgb), dims);
      if (s.inputType === 'int32') return new ort.Tensor('int32', Int32Array.from(rgb), dims);
      return new ort.Tensor('float32', Float32Array.from(rgb), dims);
    }
    const f = new Float32Array(3 * hw);
    for (let i = 0; i < hw; i++) {
      f[i] = rgb[i * 3]! / 255;
      f[hw + i] = rgb[i * 3 + 1]! / 255;
      f[2 * hw + i] = rgb[i * 3 + 2]! / 255;
    }
    return new ort.Tensor('float32', f, [1, 3, s.inputHeight, s.inputWidth]);
  }

  async close(): Promise<void> {
    await this.session.release().catch(() => {});
  }
}
