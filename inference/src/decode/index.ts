/**
 * Decoding of raw model outputs into detections (public surface for the runtime).
 *
 * - `decoderFor(format, { outputName })` → a `ModelDecoder` (see types.ts): `decoder.outputNames` are the
 *   outputs to fetch from session.run; `decoder.decode(outputs, batchIndex, opts)` returns the detections of
 *   one batch element in model-input pixels, after per-class thresholds and class-aware NMS.
 *   'centernet' reads `tower_0/keypoints` + `tower_0/wh` (NHWC); 'yolo' reads one [N,4+C,A] output
 *   (default name `output0`; when the outputs hold a single tensor any name works).
 * - `defaultDecodeOptions(model)` fills DecodeOptions from a model's size and labels.
 * - `toSourceBox(box, letterbox, source)` maps a model-input box back to a normalised source box;
 *   `letterboxFor(source, target)` computes a letterbox.
 * - `applyObjectFilters(dets, filters, source)` applies min/max area, aspect ratio, min score and masks
 *   (`objectFiltersSchema` validates a camera's filters).
 * - `nonMaxSuppression`, `iou` for anything else that needs them.
 */
import { CenterNetDecoder } from './centernet.ts';
import type { DecodeOptions, ModelDecoder } from './types.ts';
import { YoloDecoder } from './yolo.ts';

export { CENTERNET_OUTPUTS, CENTERNET_TOP_K, CenterNetDecoder } from './centernet.ts';
export {
  applyObjectFilters,
  filterReason,
  type ObjectFilter,
  type ObjectFilters,
  type ObjectFiltersInput,
  objectFilterSchema,
  objectFiltersSchema,
} from './filters.ts';
export { type Letterbox, letterboxFor, toSourceBox } from './letterbox.ts';
export { iou, nonMaxSuppression } from './nms.ts';
export type { DecodeOptions, InputSpec, ModelDecoder, ModelDetection, RawOutputs } from './types.ts';
export { clipBox, YoloDecoder } from './yolo.ts';

export type ModelFormat = 'centernet' | 'yolo';

/** The decoder for a model format. For YOLO, `outputName` names its output (default `output0`). */
export function decoderFor(format: ModelFormat, opts: { outputName?: string } = {}): ModelDecoder {
  switch (format) {
    case 'centernet':
      return new CenterNetDecoder();
    case 'yolo':
      return new YoloDecoder(opts.outputName);
    default:
      throw new Error(`unknown model format '${String(format)}' (expected centernet or yolo)`);
  }
}

/** Sensible decode defaults for a model: score 0.4, IoU 0.5, at most 100 detections. */
export function defaultDecodeOptions(
  model: { inputWidth: number; inputHeight: number; labels: readonly string[] },
  overrides: Partial<DecodeOptions> = {},
): DecodeOptions {
  return {
    scoreThreshold: 0.4,
    iouThreshold: 0.5,
    maxDetections: 100,
    labels: model.labels,
    inputWidth: model.inputWidth,
    inputHeight: model.inputHeight,
    ...overrides,
  };
}
