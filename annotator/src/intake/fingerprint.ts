import sharp from 'sharp';
import { type Box, iou } from '../lib/boxes.ts';

/**
 * Difference hash (dHash) of a frame: grey 9x8 thumbnail, one bit per horizontal neighbour
 * comparison, 64 bits as 16 hex digits. Near-identical frames differ in a few bits.
 */
export async function frameHash(jpeg: Uint8Array): Promise<string> {
  const { data } = await sharp(jpeg)
    .greyscale()
    .resize(9, 8, { fit: 'fill', kernel: 'cubic' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  let bits = 0n;
  for (let y = 0; y < 8; y++)
    for (let x = 0; x < 8; x++) {
      bits = (bits << 1n) | (data[y * 9 + x]! > data[y * 9 + x + 1]! ? 1n : 0n);
    }
  return bits.toString(16).padStart(16, '0');
}

export function hamming(a: string, b: string): number {
  let x = BigInt(`0x${a}`) ^ BigInt(`0x${b}`);
  let n = 0;
  while (x > 0n) {
    n += Number(x & 1n);
    x >>= 1n;
  }
  return n;
}

type LabelledBox = { label: string; box: Box };

/** Same number of boxes, each matched one-to-one to a same-label box with IoU >= minIou. */
export function sameBoxes(a: readonly LabelledBox[], b: readonly LabelledBox[], minIou = 0.7): boolean {
  if (a.length !== b.length) return false;
  const used = new Set<number>();
  for (const x of a) {
    let best = -1;
    let bestIou = minIou;
    b.forEach((y, j) => {
      if (used.has(j) || y.label !== x.label) return;
      const v = iou(x.box, y.box);
      if (v >= bestIou) {
        bestIou = v;
        best = j;
      }
    });
    if (best < 0) return false;
    used.add(best);
  }
  return true;
}

/**
 * Two candidates of the same track are near-identical when their frames hash within `maxHamming`
 * bits and the model saw the same boxes (box-overlap fingerprint).
 */
export function isNearDuplicate(
  a: { hash: string; boxes: readonly LabelledBox[] },
  b: { hash: string; boxes: readonly LabelledBox[] },
  maxHamming: number,
): boolean {
  return hamming(a.hash, b.hash) <= maxHamming && sameBoxes(a.boxes, b.boxes);
}
