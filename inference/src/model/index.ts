/**
 * Model files: provisioning, registry, validation and input preprocessing (public surface for the runtime).
 *
 * Registry (table `models` + KV `models`, value = ModelInfo from common):
 * - `registerModel({ db, nc }, info, { activate?, activateIfNone? })`, `upsertModel`, `getModel`, `listModels`,
 *   `getActiveModel`, `activateModel(db, id)` (one active model), `publishModelsToKv(nc, models)`,
 *   `readModelFromKv(nc, id)`, `modelPath(info, modelsDir)` (absolute file path).
 * Default model:
 * - `ensureDefaultModel({ modelsDir, log })` converts models/centernet-mbv3-coco.onnx when missing/stale
 *   (sha256 manifest, models/manifest.json); `defaultModelInfo(sha)`, `DEFAULT_MODEL_ID`.
 * Validation (call before swapping a model in):
 * - `validateModelFile(path, format, { labels?, load? })` → `{ inputSpec, inputWidth, inputHeight, classes,
 *   outputNames, dynamicBatch }` or throws `ModelFileError` with a readable reason (corrupt bytes, wrong
 *   input/output shapes, label count mismatch, onnxruntime cannot load it).
 * Input:
 * - `inputSpecFor(model)` → InputSpec (centernet: NHWC raw 0..255 floats; yolo: NCHW /255).
 * - `fillInputTensor(dst, batchIndex, rgb24, spec)` writes one letterboxed RGB24 frame into a batch buffer;
 *   `toInputTensor(frames, spec)` → `{ data, dims }` for a whole batch.
 * - `loadLetterboxed(fileOrBuffer, w, h)` decodes an image with sharp and letterboxes it (black padding).
 * Other:
 * - `ImageDetector` (main-thread, for CLI/tests), `convertTfGraph` + `readTfjsGraph` (TF.js → ONNX),
 *   `buildSyntheticYoloModel(opts)` → bytes of a tiny deterministic YOLO-shaped model
 *   (input `images` [N,3,64,64], output `output0` [N,84,64]) for tests and benchmarks.
 */
export {
  CONVERTER_VERSION,
  centernetSource,
  DEFAULT_MODEL_FILE,
  DEFAULT_MODEL_ID,
  defaultModelInfo,
  type EnsureResult,
  ensureDefaultModel,
} from './default-model.ts';
export { type ImageDetection, ImageDetector } from './detector.ts';
export { type LetterboxedImage, loadLetterboxed } from './image.ts';
export { inputSpecFor } from './input-spec.ts';
export { type Manifest, type ManifestEntry, readManifest, sha256File } from './manifest.ts';
export { fillInputTensor, toInputTensor } from './preprocess.ts';
export {
  activateModel,
  getActiveModel,
  getModel,
  listModels,
  modelPath,
  type PoolLike,
  publishModelsToKv,
  type Queryable,
  readModelFromKv,
  registerModel,
  upsertModel,
} from './registry.ts';
export { buildSyntheticYoloModel, type SyntheticYoloOptions } from './synthetic-yolo.ts';
export { type ConvertOptions, type ConvertResult, convertTfGraph, UnsupportedOpError } from './tf-to-onnx.ts';
export { readTfjsGraph, type TfGraph } from './tfjs-graph.ts';
export { ModelFileError, type ValidatedModel, validateModelFile } from './validate.ts';
