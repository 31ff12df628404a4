/**
 * Minimal, dependency-free detection decoders for services that must run a model outside the
 * inference pipeline (the annotator's shadow evaluation). The inference service keeps its own
 * optimised decoders in inference/src/decode; these follow the same output conventions.
 */
export * from './centernet.ts';
export * from './nms.ts';
export * from './yolo.ts';
