import { nonMaxSuppression } from './nms.ts';
import { classThresholds, labelOf } from './thresholds.ts';
import type { DecodeOptions, ModelDecoder, ModelDetection, RawOutputs } from './types.ts';
import { clipBox } from './yolo.ts';

/** Output names of the converted CenterNet graph (the TF.js graph's own names). */
export const CENTERNET_OUTPUTS = { heatmap: 'tower_0/keypoints', sizes: 'tower_0/wh' } as const;

/** Candidates kept before NMS, as TopKV2 (k = 100) in the original graph. */
export const CENTERNET_TOP_K = 100;

/**
 * Decoder for the converted MobileNetV3 CenterNet (what `tower_0/detections` computes in the TF.js graph,
 * done here in TypeScript): `tower_0/keypoints` [N,H,W,C] are per-class centre heatmaps (sigmoid), and
 * `tower_0/wh` [N,H,W,4] the distances (input pixels) from the cell to the left, top, right and bottom
 * edges. A peak is a cell equal to the max of its 3x3 neighbourhood (3x3 max-pool, SAME padding); the
 * best 100 peaks become boxes x1 = x*stride - l, y1 = y*stride - t, x2 = x*stride + r, y2 = y*stride + b,
 * then per-class thresholds and class-aware NMS apply.
 */
export class CenterNetDecoder implements ModelDecoder {
  readonly format = 'centernet' as const;
  readonly outputNames: readonly string[] = [CENTERNET_OUTPUTS.heatmap, CENTERNET_OUTPUTS.sizes];

  decode(outputs: RawOutputs, batchIndex: number, opts: DecodeOptions): ModelDetection[] {
    const heat = outputs[CENTERNET_OUTPUTS.heatmap];
    const wh = outputs[CENTERNET_OUTPUTS.sizes];
    if (!heat || !wh)
      throw new Error(
        `CenterNet decoder: outputs ${this.outputNames.join(' and ')} required (got ${Object.keys(outputs).join(', ') || 'none'})`,
      );
    if (heat.dims.length !== 4 || wh.dims.length !== 4)
      throw new Error(
        `CenterNet decoder: expected NHWC heads, got [${heat.dims.join(',')}] and [${wh.dims.join(',')}]`,
      );
    const [n, H, W, C] = heat.dims as [number, number, number, number];
    if (wh.dims[0] !== n || wh.dims[1] !== H || wh.dims[2] !== W || wh.dims[3] !== 4)
      throw new Error(
        `CenterNet decoder: wh head [${wh.dims.join(',')}] does not match heatmap [${heat.dims.join(',')}]`,
      );
    if (batchIndex < 0 || batchIndex >= n)
      throw new Error(`CenterNet decoder: batch index ${batchIndex} out of range 0..${n - 1}`);
    if (C !== opts.labels.length)
      throw new Error(
        `CenterNet decoder: heatmap has ${C} classes but ${opts.labels.length} labels are configured`,
      );
    const strideX = opts.inputWidth / W;
    const strideY = opts.inputHeight / H;
    const { perClass, min } = classThresholds(opts, C);
    const hb = batchIndex * H * W * C;
    const hd = heat.data;
    const cands: Array<{ score: number; y: number; x: number; c: number }> = [];
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const cellBase = hb + (y * W + x) * C;
        for (let c = 0; c < C; c++) {
          const s = hd[cellBase + c]!;
          if (s < min || s < perClass[c]!) continue;
          if (!isPeak(hd, hb, H, W, C, y, x, c, s)) continue;
          cands.push({ score: s, y, x, c });
        }
      }
    }
    cands.sort((a, b) => b.score - a.score);
    const whd = wh.data;
    const wb = batchIndex * H * W * 4;
    const dets: ModelDetection[] = [];
    for (const k of cands.slice(0, CENTERNET_TOP_K)) {
      const o = wb + (k.y * W + k.x) * 4;
      const x1 = k.x * strideX - whd[o]!;
      const y1 = k.y * strideY - whd[o + 1]!;
      const x2 = k.x * strideX + whd[o + 2]!;
      const y2 = k.y * strideY + whd[o + 3]!;
      const box = clipBox(x1, y1, x2 - x1, y2 - y1, opts.inputWidth, opts.inputHeight);
      if (!box) continue;
      dets.push({ classId: k.c, label: labelOf(opts.labels, k.c), score: k.score, box });
    }
    return nonMaxSuppression(dets, opts.iouThreshold, opts.maxDetections);
  }
}

/** True when the value equals the max of its 3x3 neighbourhood in channel c (cells outside are ignored). */
function isPeak(
  d: Float32Array,
  base: number,
  H: number,
  W: number,
  C: number,
  y: number,
  x: number,
  c: number,
  s: number,
): boolean {
  for (let dy = -1; dy <= 1; dy++) {
    const yy = y + dy;
    if (yy < 0 || yy >= H) continue;
    for (let dx = -1; dx <= 1; dx++) {
      const xx = x + dx;
      if (xx < 0 || xx >= W || (dx === 0 && dy === 0)) continue;
      if (d[base + (yy * W + xx) * C + c]! > s) return false;
    }
  }
  return true;
}
