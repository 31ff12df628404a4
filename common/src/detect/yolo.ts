import { nmsPerClass, type PixelDetection } from './nms.ts';

/**
 * Ultralytics YOLO (v8/v11) detection head: one output [N, 4 + classes, anchors] (or transposed
 * [N, anchors, 4 + classes]); rows are cx, cy, w, h in input pixels then one score per class (no
 * objectness). Returns detections of batch element `b` after per-class NMS.
 */
export function decodeYolo(
  data: Float32Array,
  dims: readonly number[],
  numClasses: number,
  opts: { scoreThreshold: number; iouThreshold: number; maxDetections: number; batchIndex?: number },
): PixelDetection[] {
  if (dims.length !== 3) throw new Error(`yolo output must have rank 3, got [${dims.join(', ')}]`);
  const features = 4 + numClasses;
  const transposed = dims[1] !== features && dims[2] === features;
  if (!transposed && dims[1] !== features)
    throw new Error(`yolo output [${dims.join(', ')}] does not have 4 + ${numClasses} features`);
  const anchors = transposed ? dims[1]! : dims[2]!;
  const base = (opts.batchIndex ?? 0) * features * anchors;
  const at = (f: number, a: number) => data[base + (transposed ? a * features + f : f * anchors + a)]!;
  const out: PixelDetection[] = [];
  for (let a = 0; a < anchors; a++) {
    let best = -1;
    let score = opts.scoreThreshold;
    for (let c = 0; c < numClasses; c++) {
      const s = at(4 + c, a);
      if (s >= score) {
        score = s;
        best = c;
      }
    }
    if (best < 0) continue;
    const cx = at(0, a);
    const cy = at(1, a);
    const w = at(2, a);
    const h = at(3, a);
    out.push({ classId: best, score, box: [cx - w / 2, cy - h / 2, w, h] });
  }
  return nmsPerClass(out, opts.iouThreshold, opts.maxDetections);
}
