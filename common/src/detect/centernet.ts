import { nmsPerClass, type PixelDetection } from './nms.ts';

/**
 * CenterNet decoded head (`tower_0/detections` of the @vladmandic/human model): [N, K, 6] rows of
 * x1, y1, x2, y2, score, classId (0-based COCO index) in input pixels. Returns batch element `b`
 * after per-class NMS.
 */
export function decodeCenternetDetections(
  data: Float32Array,
  dims: readonly number[],
  opts: { scoreThreshold: number; iouThreshold: number; maxDetections: number; batchIndex?: number },
): PixelDetection[] {
  if (dims.length !== 3 || dims[2] !== 6)
    throw new Error(`centernet detections output must be [N, K, 6], got [${dims.join(', ')}]`);
  const k = dims[1]!;
  const base = (opts.batchIndex ?? 0) * k * 6;
  const out: PixelDetection[] = [];
  for (let i = 0; i < k; i++) {
    const o = base + i * 6;
    const score = data[o + 4]!;
    const cls = data[o + 5]!;
    if (!(score >= opts.scoreThreshold) || !Number.isFinite(cls) || cls < 0) continue;
    const x1 = data[o]!;
    const y1 = data[o + 1]!;
    const x2 = data[o + 2]!;
    const y2 = data[o + 3]!;
    if (!(x2 > x1 && y2 > y1)) continue;
    out.push({ classId: Math.round(cls), score, box: [x1, y1, x2 - x1, y2 - y1] });
  }
  return nmsPerClass(out, opts.iouThreshold, opts.maxDetections);
}
