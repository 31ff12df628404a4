import type { ModelInfo } from '@sentinel/common';
import ort from 'onnxruntime-node';
import { decoderFor, defaultDecodeOptions } from '../decode/index.ts';
import { toSourceBox } from '../decode/letterbox.ts';
import type { DecodeOptions, InputSpec, ModelDecoder, RawOutputs } from '../decode/types.ts';
import { loadLetterboxed } from './image.ts';
import { toInputTensor } from './preprocess.ts';
import { validateModelFile } from './validate.ts';

/** A detection in source-image pixels: box = [x, y, w, h]. */
export type ImageDetection = {
  label: string;
  classId: number;
  score: number;
  box: [number, number, number, number];
};

/**
 * A simple main-thread detector for one-off use (CLI, validation tests): file → letterbox → session → decode
 * → boxes in image pixels. The service uses worker-thread sessions instead.
 */
export class ImageDetector {
  private constructor(
    readonly model: Pick<ModelInfo, 'format' | 'labels' | 'inputWidth' | 'inputHeight'>,
    readonly spec: InputSpec,
    private readonly session: ort.InferenceSession,
    private readonly decoder: ModelDecoder,
  ) {}

  static async open(
    file: string,
    model: Pick<ModelInfo, 'format' | 'labels'>,
    opts: { intraOpNumThreads?: number } = {},
  ): Promise<ImageDetector> {
    const v = await validateModelFile(file, model.format, { labels: model.labels, load: false });
    const session = await ort.InferenceSession.create(file, {
      executionProviders: ['cpu'],
      ...(opts.intraOpNumThreads ? { intraOpNumThreads: opts.intraOpNumThreads } : {}),
    });
    return new ImageDetector(
      { ...model, inputWidth: v.inputWidth, inputHeight: v.inputHeight },
      v.inputSpec,
      session,
      decoderFor(model.format, { outputName: v.outputNames[0] }),
    );
  }

  /** Raw outputs for one letterboxed RGB24 picture at the model's input size. */
  async runRaw(rgb: Uint8Array): Promise<RawOutputs> {
    const x = toInputTensor([rgb], this.spec);
    const res = await this.session.run({ [this.spec.inputName]: new ort.Tensor('float32', x.data, x.dims) }, [
      ...this.decoder.outputNames,
    ]);
    return Object.fromEntries(
      Object.entries(res).map(([k, t]) => [k, { data: t.data as Float32Array, dims: t.dims }]),
    );
  }

  async detectFile(
    file: string | Buffer,
    overrides: Partial<DecodeOptions> = {},
  ): Promise<{
    source: { width: number; height: number };
    detections: ImageDetection[];
  }> {
    const img = await loadLetterboxed(file, this.spec.width, this.spec.height);
    const outputs = await this.runRaw(img.rgb);
    const dets = this.decoder.decode(outputs, 0, defaultDecodeOptions(this.model, overrides));
    const detections: ImageDetection[] = [];
    for (const d of dets) {
      const nb = toSourceBox(d.box, img.letterbox, img.source);
      if (!nb) continue;
      detections.push({
        label: d.label,
        classId: d.classId,
        score: d.score,
        box: [
          nb[0] * img.source.width,
          nb[1] * img.source.height,
          nb[2] * img.source.width,
          nb[3] * img.source.height,
        ],
      });
    }
    return { source: img.source, detections };
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
