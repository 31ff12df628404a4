import { nonMaxSuppression } from './nms.ts';
import { classThresholds, labelOf } from './thresholds.ts';
import type { DecodeOptions, ModelDecoder, ModelDetection, RawOutputs } from './types.ts';

/**
 * Decoder for Ultralytics YOLO v8/v11 ONNX exports: one output [N, 4 + C, A] where each of the A
 * anchors holds cx, cy, w, h (input pixels) and C class scores (already sigmoid-ed, no objectness).
 * A transposed export [N, A, 4 + C] is accepted too (recognised by which axis equals 4 + labels).
 */
export class YoloDecoder implements ModelDecoder {
  readonly format = 'yolo' as const;
  readonly outputNames: readonly string[];

  constructor(outputName = 'output0') {
    this.outputNames = [outputName];
  }

  decode(outputs: RawOutputs, batchIndex: number, opts: DecodeOptions): ModelDetection[] {
    const out =
      outputs[this.outputNames[0]!] ??
      (Object.keys(outputs).length === 1 ? Object.values(outputs)[0] : undefined);
    if (!out)
      throw new Error(
        `YOLO decoder: output '${this.outputNames[0]}' missing (got ${Object.keys(outputs).join(', ') || 'none'})`,
      );
    if (out.dims.length !== 3)
      throw new Error(`YOLO decoder: expected a 3-D output [N,4+C,A], got [${out.dims.join(',')}]`);
    const [n, d1, d2] = out.dims as [number, number, number];
    if (batchIndex < 0 || batchIndex >= n)
      throw new Error(`YOLO decoder: batch index ${batchIndex} out of range 0..${n - 1}`);
    const classes = opts.labels.length;
    let channelsFirst: boolean;
    if (d1 === 4 + classes) channelsFirst = true;
    else if (d2 === 4 + classes) channelsFirst = false;
    else
      throw new Error(
        `YOLO decoder: output [${out.dims.join(',')}] does not have 4 + ${classes} (labels) channels on axis 1 or 2`,
      );
    const anchors = channelsFirst ? d2 : d1;
    const stride = 4 + classes;
    const base = batchIndex * stride * anchors;
    const data = out.data;
    // value of channel ch at anchor a
    const at = channelsFirst
      ? (ch: number, a: number) => data[base + ch * anchors + a]!
      : (ch: number, a: number) => data[base + a * stride + ch]!;
    const { perClass, min } = classThresholds(opts, classes);
    const dets: ModelDetection[] = [];
    for (let a = 0; a < anchors; a++) {
      let best = -1;
      let bestScore = Number.NEGATIVE_INFINITY;
      for (let c = 0; c < classes; c++) {
        const s = at(4 + c, a);
        if (s < min || s < perClass[c]! || s <= bestScore) continue;
        best = c;
        bestScore = s;
      }
      if (best < 0) continue;
      const cx = at(0, a);
      const cy = at(1, a);
      const w = at(2, a);
      const h = at(3, a);
      if (!(w > 0 && h > 0)) continue;
      const box = clipBox(cx - w / 2, cy - h / 2, w, h, opts.inputWidth, opts.inputHeight);
      if (!box) continue;
      dets.push({ classId: best, label: labelOf(opts.labels, best), score: bestScore, box });
    }
    return nonMaxSuppression(dets, opts.iouThreshold, opts.maxDetections);
  }
}

/** Clip an [x, y, w, h] box to the input; null when nothing is left. */
export function clipBox(
  x: number,
  y: number,
  w: number,
  h: number,
  width: number,
  height: number,
): [number, number, number, number] | null {
  const x1 = Math.max(0, x);
  const y1 = Math.max(0, y);
  const x2 = Math.min(width, x + w);
  const y2 = Math.min(height, y + h);
  if (x2 <= x1 || y2 <= y1) return null;
  return [x1, y1, x2 - x1, y2 - y1];
}
