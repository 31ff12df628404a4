/**
 * Contract between model files (src/model, src/decode) and the runtime (src/runtime, src/batch, ...).
 * Owned jointly: change only by agreement.
 */

/** Named output tensors of one session.run, batch-major. */
export type RawOutputs = Record<string, { data: Float32Array; dims: readonly number[] }>;

/** A detection in model-input pixels (before undoing the letterbox). */
export type ModelDetection = {
  classId: number;
  label: string;
  score: number;
  /** [x, y, w, h] in model input pixels. */
  box: [number, number, number, number];
};

export type DecodeOptions = {
  /** Default minimum score. */
  scoreThreshold: number;
  /** Per-label minimum score overriding the default. */
  perClassThresholds?: Readonly<Record<string, number>>;
  /** IoU above which a lower-scored box of the same class is suppressed. */
  iouThreshold: number;
  maxDetections: number;
  labels: readonly string[];
  inputWidth: number;
  inputHeight: number;
};

/** Turns the outputs of one batch element into detections (after NMS). */
export interface ModelDecoder {
  readonly format: 'centernet' | 'yolo';
  /** Output names the session must fetch. */
  readonly outputNames: readonly string[];
  decode(outputs: RawOutputs, batchIndex: number, opts: DecodeOptions): ModelDetection[];
}

/** How to turn RGB24 pixels (already letterboxed to input size) into the model's input tensor. */
export type InputSpec = {
  inputName: string;
  layout: 'nhwc' | 'nchw';
  /** value = (pixel * scale - mean[c]) / std[c] */
  scale: number;
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
  width: number;
  height: number;
};
