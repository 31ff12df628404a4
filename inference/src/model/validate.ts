import { readFile } from 'node:fs/promises';
import ort from 'onnxruntime-node';
import { CENTERNET_OUTPUTS } from '../decode/centernet.ts';
import type { InputSpec } from '../decode/types.ts';
import { inspectModel, type TensorInfo } from '../onnx/index.ts';
import { inputSpecFor } from './input-spec.ts';

/** A model file that cannot be used, with a reason a person can act on. */
export class ModelFileError extends Error {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`model file ${file}: ${reason}`);
    this.name = 'ModelFileError';
  }
}

export type ValidatedModel = {
  inputSpec: InputSpec;
  inputWidth: number;
  inputHeight: number;
  /** Class count the outputs imply. */
  classes: number;
  /** Output names to fetch. */
  outputNames: string[];
  /** The batch axis is dynamic (any batch size works). */
  dynamicBatch: boolean;
};

const fmt = (t: TensorInfo) => `${t.name} [${t.dims.join(',')}]`;
const isDyn = (d: number | string | undefined) => typeof d === 'string';

/**
 * Check that a file is an ONNX model of the given format before anyone swaps it in: the bytes decode,
 * the input and outputs have the shapes the format's decoder needs (and `labels` fit the class count,
 * when given), and — unless `load: false` — onnxruntime can create a session from it.
 * Throws ModelFileError with the reason.
 */
export async function validateModelFile(
  file: string,
  format: 'centernet' | 'yolo',
  opts: { labels?: readonly string[]; load?: boolean } = {},
): Promise<ValidatedModel> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new ModelFileError(
      file,
      `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
  if (bytes.length === 0) throw new ModelFileError(file, 'is empty');
  let summary: ReturnType<typeof inspectModel>;
  try {
    summary = inspectModel(bytes);
  } catch (err) {
    throw new ModelFileError(file, (err as Error).message);
  }
  const inputs = summary.inputs;
  if (inputs.length !== 1)
    throw new ModelFileError(
      file,
      `expected exactly one input, found ${inputs.length} (${inputs.map(fmt).join(', ')})`,
    );
  const input = inputs[0]!;
  if (input.dims.length !== 4) throw new ModelFileError(file, `input ${fmt(input)} is not 4-D`);
  let result: ValidatedModel;
  if (format === 'centernet') {
    const [, h, w, c] = input.dims;
    if (c !== 3 || typeof h !== 'number' || typeof w !== 'number')
      throw new ModelFileError(
        file,
        `centernet input must be NHWC [N,H,W,3] with fixed H and W, got ${fmt(input)}`,
      );
    const heat = summary.outputs.find((o) => o.name === CENTERNET_OUTPUTS.heatmap);
    const wh = summary.outputs.find((o) => o.name === CENTERNET_OUTPUTS.sizes);
    if (!heat || !wh)
      throw new ModelFileError(
        file,
        `centernet model needs outputs ${CENTERNET_OUTPUTS.heatmap} and ${CENTERNET_OUTPUTS.sizes}; it has ${summary.outputs.map(fmt).join(', ') || 'none'}`,
      );
    if (
      heat.dims.length !== 4 ||
      wh.dims.length !== 4 ||
      wh.dims[3] !== 4 ||
      typeof heat.dims[3] !== 'number'
    )
      throw new ModelFileError(file, `centernet heads have the wrong shape: ${fmt(heat)}, ${fmt(wh)}`);
    result = {
      inputSpec: inputSpecFor({ format, inputWidth: w, inputHeight: h, inputName: input.name }),
      inputWidth: w,
      inputHeight: h,
      classes: heat.dims[3],
      outputNames: [heat.name, wh.name],
      dynamicBatch: isDyn(input.dims[0]),
    };
  } else {
    const [, c, h, w] = input.dims;
    if (c !== 3 || typeof h !== 'number' || typeof w !== 'number')
      throw new ModelFileError(
        file,
        `yolo input must be NCHW [N,3,H,W] with fixed H and W, got ${fmt(input)}`,
      );
    if (summary.outputs.length < 1) throw new ModelFileError(file, 'has no outputs');
    const out = summary.outputs[0]!;
    const [, d1, d2] = out.dims;
    if (out.dims.length !== 3 || typeof d1 !== 'number' || typeof d2 !== 'number')
      throw new ModelFileError(file, `yolo output must be [N,4+C,A], got ${fmt(out)}`);
    // without labels assume the Ultralytics layout [N, 4 + C, A]; with labels either axis may hold 4 + C
    const classes = opts.labels ? opts.labels.length : d1 - 4;
    if (d1 !== 4 + classes && d2 !== 4 + classes)
      throw new ModelFileError(file, `yolo output ${fmt(out)} does not have 4 + ${classes} channels`);
    if (classes < 1) throw new ModelFileError(file, `yolo output ${fmt(out)} has no class channels`);
    result = {
      inputSpec: inputSpecFor({ format, inputWidth: w, inputHeight: h, inputName: input.name }),
      inputWidth: w,
      inputHeight: h,
      classes,
      outputNames: [out.name],
      dynamicBatch: isDyn(input.dims[0]),
    };
  }
  if (opts.labels && opts.labels.length !== result.classes)
    throw new ModelFileError(
      file,
      `has ${result.classes} classes but ${opts.labels.length} labels were given`,
    );
  if (opts.load !== false) {
    try {
      const s = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'disabled' });
      await s.release();
    } catch (err) {
      throw new ModelFileError(file, `onnxruntime cannot load it (${(err as Error).message.split('\n')[0]})`);
    }
  }
  return result;
}
