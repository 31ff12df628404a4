import { createHash } from 'node:crypto';
import { type AnnotationBox, COCO_LABELS } from '@sentinel/common';
import type { Pool } from 'pg';

export type DatasetImage = {
  taskId: number;
  exampleId: string;
  cameraId: string;
  width: number;
  height: number;
  /** File stem used in every format (safe on any filesystem). */
  stem: string;
  split: 'train' | 'val';
  boxes: AnnotationBox[];
};

export type Dataset = { images: DatasetImage[]; categories: string[] };

export type Manifest = {
  name: string;
  format: string;
  createdAt: string;
  valFraction: number;
  seed: string;
  categories: string[];
  images: { train: number; val: number; total: number; noObjects: number };
  boxes: { train: number; val: number; total: number };
  perLabel: Record<string, { train: number; val: number }>;
};

/** Accepted tasks with their final (latest) annotation. */
export async function loadAcceptedDataset(pool: Pool, valFraction: number, seed: string): Promise<Dataset> {
  const { rows } = await pool.query<{
    task_id: string;
    example_id: string;
    camera_id: string;
    width: number;
    height: number;
    boxes: AnnotationBox[];
  }>(
    `SELECT t.id AS task_id, h.id AS example_id, h.camera_id, h.width, h.height, a.boxes
       FROM annotation_tasks t
       JOIN hard_examples h ON h.id = t.hard_example_id
       JOIN LATERAL (SELECT boxes FROM annotations WHERE task_id = t.id ORDER BY id DESC LIMIT 1) a ON true
      WHERE t.stage = 'accepted' ORDER BY t.id`,
  );
  const images = rows.map((r) => ({
    taskId: Number(r.task_id),
    exampleId: r.example_id,
    cameraId: r.camera_id,
    width: r.width,
    height: r.height,
    stem: `${r.camera_id}_${String(r.task_id).padStart(8, '0')}`,
    boxes: r.boxes,
  }));
  return { images: assignSplit(images, valFraction, seed), categories: categoriesOf(images) };
}

/** Position in [0, 1) from a hash of seed + example id: the same inputs always give the same split. */
export function splitKey(seed: string, exampleId: string): number {
  return createHash('sha256').update(`${seed}\u0000${exampleId}`).digest().readUInt32BE(0) / 2 ** 32;
}

/** Deterministic train/val split; with valFraction > 0 and 2+ images the val split is never empty. */
export function assignSplit<T extends { exampleId: string }>(
  images: T[],
  valFraction: number,
  seed: string,
): Array<T & { split: 'train' | 'val' }> {
  const keyed = images.map((im) => ({ im, k: splitKey(seed, im.exampleId) }));
  const out = keyed.map(({ im, k }) => ({
    ...im,
    split: (k < valFraction ? 'val' : 'train') as 'train' | 'val',
  }));
  if (valFraction > 0 && out.length >= 2) {
    const lowest = (pick: 'train' | 'val', cmp: (a: number, b: number) => boolean) => {
      let best = -1;
      keyed.forEach(({ k }, i) => {
        if (out[i]!.split === pick && (best < 0 || cmp(k, keyed[best]!.k))) best = i;
      });
      return best;
    };
    if (!out.some((x) => x.split === 'val')) out[lowest('train', (a, b) => a < b)]!.split = 'val';
    if (!out.some((x) => x.split === 'train')) out[lowest('val', (a, b) => a > b)]!.split = 'train';
  }
  return out;
}

/** Labels used in the dataset: COCO classes in model order, then custom labels alphabetically. */
export function categoriesOf(images: ReadonlyArray<{ boxes: readonly AnnotationBox[] }>): string[] {
  const used = new Set(images.flatMap((im) => im.boxes.map((b) => b.label)));
  const coco = COCO_LABELS.filter((l) => used.has(l));
  const custom = [...used].filter((l) => !(COCO_LABELS as readonly string[]).includes(l)).sort();
  return [...coco, ...custom];
}

export function buildManifest(
  ds: Dataset,
  meta: { name: string; format: string; valFraction: number; seed: string },
): Manifest {
  const perLabel: Manifest['perLabel'] = Object.fromEntries(
    ds.categories.map((c) => [c, { train: 0, val: 0 }]),
  );
  const images = { train: 0, val: 0, total: ds.images.length, noObjects: 0 };
  const boxes = { train: 0, val: 0, total: 0 };
  for (const im of ds.images) {
    images[im.split]++;
    if (im.boxes.length === 0) images.noObjects++;
    for (const b of im.boxes) {
      boxes[im.split]++;
      boxes.total++;
      perLabel[b.label]![im.split]++;
    }
  }
  return { ...meta, createdAt: new Date().toISOString(), categories: ds.categories, images, boxes, perLabel };
}

/** Normalised [x, y, w, h] → absolute pixel [x, y, w, h], clamped to the frame, 2 decimals. */
export function toPixels(
  box: readonly number[],
  width: number,
  height: number,
): [number, number, number, number] {
  const r = (v: number) => Math.round(v * 100) / 100;
  const x = Math.max(0, Math.min(width, box[0]! * width));
  const y = Math.max(0, Math.min(height, box[1]! * height));
  const w = Math.max(0, Math.min(width - x, box[2]! * width));
  const h = Math.max(0, Math.min(height - y, box[3]! * height));
  return [r(x), r(y), r(w), r(h)];
}
