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

/** Candidates kept before NMS by the CenterNet heads decoder (TopKV2 k = 100 in the original graph). */
export const CENTERNET_TOP_K = 100;

/**
 * CenterNet raw heads, as converted from the @vladmandic/human TF.js graph (what inference/src/decode does):
 * `heat` [N, H, W, C] per-class centre heatmaps (after sigmoid), `wh` [N, H, W, 4] distances in input
 * pixels from the cell to the left, top, right and bottom edges. A peak is a cell equal to the max of
 * its 3x3 neighbourhood; the best 100 peaks become x1 = x·stride − l, y1 = y·stride − t,
 * x2 = x·stride + r, y2 = y·stride + b; then per-class NMS.
 */
export function decodeCenternetHeads(
  heat: { data: Float32Array; dims: readonly number[] },
  wh: { data: Float32Array; dims: readonly number[] },
  opts: {
    inputWidth: number;
    inputHeight: number;
    scoreThreshold: number;
    iouThreshold: number;
    maxDetections: number;
    batchIndex?: number;
  },
): PixelDetection[] {
  if (heat.dims.length !== 4 || wh.dims.length !== 4 || wh.dims[3] !== 4)
    throw new Error(`centernet heads must be [N,H,W,C] and [N,H,W,4], got [${heat.dims}] and [${wh.dims}]`);
  const [, H, W, C] = heat.dims as [number, number, number, number];
  if (wh.dims[1] !== H || wh.dims[2] !== W) throw new Error('centernet wh head does not match the heatmap');
  const b = opts.batchIndex ?? 0;
  const hb = b * H * W * C;
  const d = heat.data;
  const peak = (y: number, x: number, c: number, s: number) => {
    for (let dy = -1; dy <= 1; dy++)
      for (let dx = -1; dx <= 1; dx++) {
        const yy = y + dy;
        const xx = x + dx;
        if ((dx || dy) && yy >= 0 && yy < H && xx >= 0 && xx < W && d[hb + (yy * W + xx) * C + c]! > s)
          return false;
      }
    return true;
  };
  const cands: Array<{ s: number; y: number; x: number; c: number }> = [];
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++)
      for (let c = 0; c < C; c++) {
        const s = d[hb + (y * W + x) * C + c]!;
        if (s >= opts.scoreThreshold && peak(y, x, c, s)) cands.push({ s, y, x, c });
      }
  cands.sort((p, q) => q.s - p.s);
  const sx = opts.inputWidth / W;
  const sy = opts.inputHeight / H;
  const wb = b * H * W * 4;
  const out: PixelDetection[] = [];
  for (const k of cands.slice(0, CENTERNET_TOP_K)) {
    const o = wb + (k.y * W + k.x) * 4;
    const x1 = Math.max(0, k.x * sx - wh.data[o]!);
    const y1 = Math.max(0, k.y * sy - wh.data[o + 1]!);
    const x2 = Math.min(opts.inputWidth, k.x * sx + wh.data[o + 2]!);
    const y2 = Math.min(opts.inputHeight, k.y * sy + wh.data[o + 3]!);
    if (x2 > x1 && y2 > y1) out.push({ classId: k.c, score: k.s, box: [x1, y1, x2 - x1, y2 - y1] });
  }
  return nmsPerClass(out, opts.iouThreshold, opts.maxDetections);
}
