import { type Box, iou } from '../lib/boxes.ts';

export type GroundTruth = { imageId: string; label: string; box: Box };
export type Prediction = GroundTruth & { score: number };

export type ApResult = {
  /** Mean of per-class AP over the classes that have ground truth; 0 when there is none. */
  mAP: number;
  perClass: Record<string, number>;
  /** Ground-truth boxes per class. */
  support: Record<string, number>;
};

/**
 * Average precision of one class, Pascal VOC 2010+ / COCO style "all points": predictions sorted by
 * score; each is a true positive when its best-IoU ground truth in the same image reaches the
 * threshold and was not matched before (a second hit on it is a false positive); AP is the area under
 * the precision envelope (precision made monotonically non-increasing) over recall.
 */
export function averagePrecision(
  gts: readonly GroundTruth[],
  preds: readonly Prediction[],
  iouThreshold = 0.5,
): number {
  if (gts.length === 0) return 0;
  const byImage = new Map<string, Array<{ box: Box; matched: boolean }>>();
  for (const g of gts) {
    const list = byImage.get(g.imageId) ?? [];
    list.push({ box: g.box, matched: false });
    byImage.set(g.imageId, list);
  }
  const sorted = [...preds].sort((a, b) => b.score - a.score);
  const tp: number[] = [];
  const fp: number[] = [];
  for (const p of sorted) {
    const cands = byImage.get(p.imageId) ?? [];
    let best = -1;
    let bestIou = 0;
    cands.forEach((g, i) => {
      const v = iou(p.box, g.box);
      if (v > bestIou) {
        bestIou = v;
        best = i;
      }
    });
    if (best >= 0 && bestIou >= iouThreshold && !cands[best]!.matched) {
      cands[best]!.matched = true;
      tp.push(1);
      fp.push(0);
    } else {
      tp.push(0);
      fp.push(1);
    }
  }
  const recall: number[] = [];
  const precision: number[] = [];
  let ctp = 0;
  let cfp = 0;
  for (let i = 0; i < sorted.length; i++) {
    ctp += tp[i]!;
    cfp += fp[i]!;
    recall.push(ctp / gts.length);
    precision.push(ctp / (ctp + cfp));
  }
  // Envelope: precision at recall r = max precision at any recall >= r.
  const mrec = [0, ...recall, 1];
  const mpre = [0, ...precision, 0];
  for (let i = mpre.length - 2; i >= 0; i--) mpre[i] = Math.max(mpre[i]!, mpre[i + 1]!);
  let ap = 0;
  for (let i = 1; i < mrec.length; i++)
    if (mrec[i] !== mrec[i - 1]) ap += (mrec[i]! - mrec[i - 1]!) * mpre[i]!;
  return ap;
}

/** mAP@iouThreshold over every class present in the ground truth. */
export function meanAveragePrecision(
  gts: readonly GroundTruth[],
  preds: readonly Prediction[],
  iouThreshold = 0.5,
): ApResult {
  const classes = [...new Set(gts.map((g) => g.label))].sort();
  const perClass: Record<string, number> = {};
  const support: Record<string, number> = {};
  for (const c of classes) {
    const g = gts.filter((x) => x.label === c);
    support[c] = g.length;
    perClass[c] = averagePrecision(
      g,
      preds.filter((p) => p.label === c),
      iouThreshold,
    );
  }
  const mAP = classes.length ? classes.reduce((s, c) => s + perClass[c]!, 0) / classes.length : 0;
  return { mAP, perClass, support };
}
