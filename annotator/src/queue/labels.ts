import { type AnnotationBox, COCO_LABELS, labelNameSchema } from '@sentinel/common';
import type { Pool } from 'pg';
import { ApiError, parseOr400 } from '../http/errors.ts';

/** COCO classes first (model order), then custom labels alphabetically. */
export async function listLabels(pool: Pool): Promise<{ coco: string[]; custom: string[] }> {
  const { rows } = await pool.query<{ name: string }>('SELECT name FROM annotation_labels ORDER BY name');
  return { coco: [...COCO_LABELS], custom: rows.map((r) => r.name) };
}

export async function addCustomLabel(pool: Pool, name: unknown, actor: string): Promise<string> {
  const label = parseOr400(labelNameSchema, name, 'body');
  if ((COCO_LABELS as readonly string[]).includes(label)) return label;
  await pool.query(
    'INSERT INTO annotation_labels (name, created_by) VALUES ($1, $2) ON CONFLICT DO NOTHING',
    [label, actor],
  );
  return label;
}

/**
 * Checks what the schema cannot: every label is known and every box covers at least one pixel of
 * the frame. Throws 400 with one detail per bad box.
 */
export async function checkBoxes(
  pool: Pool,
  boxes: readonly AnnotationBox[],
  frame: { width: number; height: number },
  path = 'body.boxes',
): Promise<void> {
  if (boxes.length === 0) return;
  const { coco, custom } = await listLabels(pool);
  const known = new Set([...coco, ...custom]);
  const details: Array<{ path: string; message: string }> = [];
  boxes.forEach((b, i) => {
    if (!known.has(b.label))
      details.push({
        path: `${path}.${i}.label`,
        message: `unknown label "${b.label}" (use a COCO class or add a custom label first)`,
      });
    const [, , w, h] = b.box;
    if (w * frame.width < 1 || h * frame.height < 1)
      details.push({
        path: `${path}.${i}.box`,
        message: `box is smaller than one pixel of the ${frame.width}x${frame.height} frame`,
      });
  });
  if (details.length > 0)
    throw new ApiError(
      400,
      'validation_failed',
      `invalid boxes: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`,
      { details },
    );
}
