/**
 * Model files: provisioning, registry, validation, input preprocessing (public surface for the runtime).
 *
 * - `buildSyntheticYoloModel(opts)` → bytes of a tiny deterministic YOLO-shaped ONNX model
 *   (input `images` [N,3,64,64], output `output0` [N,84,64]) for tests and benchmarks.
 */
export { buildSyntheticYoloModel, type SyntheticYoloOptions } from './synthetic-yolo.ts';
