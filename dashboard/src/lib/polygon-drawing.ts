/**
 * Drawing state for zones (closed polygons) and directed lines on a snapshot. Pure and immutable:
 * every operation returns a new draft. Hit tests work in element pixels (so a "10 px" handle radius is
 * the same on a wide and a tall picture) through the content rectangle of the picture.
 */
import { type Point, type Rect, toPixels } from './overlay-geometry.ts';

export type PolygonDraft = { points: Point[]; closed: boolean };
export type LineDraft = { a?: Point; b?: Point; direction: 'left_to_right' | 'right_to_left' | 'any' };

export const emptyPolygon = (): PolygonDraft => ({ points: [], closed: false });
export const emptyLine = (): LineDraft => ({ direction: 'any' });

/** Pixel distance between two normalised points on the picture. */
export function pixelDistance(p: Point, q: Point, rect: Rect): number {
  const [px, py] = toPixels(p, rect);
  const [qx, qy] = toPixels(q, rect);
  return Math.hypot(px - qx, py - qy);
}

/** Index of the vertex within `radiusPx` of p (the nearest), or -1. */
export function hitVertex(points: readonly Point[], p: Point, rect: Rect, radiusPx = 10): number {
  let best = -1;
  let bestD = radiusPx;
  points.forEach((v, i) => {
    const d = pixelDistance(v, p, rect);
    if (d <= bestD) {
      best = i;
      bestD = d;
    }
  });
  return best;
}

/**
 * A click while drawing: closes the polygon when it lands on the first vertex (with 3+ points; with fewer
 * it is ignored), ignores a click on the last vertex (double-click), otherwise appends a vertex. Clicks on a closed polygon do nothing.
 */
export function addVertex(draft: PolygonDraft, p: Point, rect: Rect, radiusPx = 10): PolygonDraft {
  if (draft.closed) return draft;
  const { points } = draft;
  if (points.length > 0 && pixelDistance(points[0]!, p, rect) <= radiusPx)
    return points.length >= 3 ? { points, closed: true } : draft;
  if (points.length > 0 && pixelDistance(points.at(-1)!, p, rect) <= radiusPx / 2) return draft;
  return { points: [...points, p], closed: false };
}

/** Close the polygon explicitly (Enter key / "Close" button); needs at least 3 points. */
export function closePolygon(draft: PolygonDraft): PolygonDraft {
  return draft.points.length >= 3 ? { points: draft.points, closed: true } : draft;
}

/** Drag a vertex to a new position. */
export function moveVertex(draft: PolygonDraft, index: number, p: Point): PolygonDraft {
  if (index < 0 || index >= draft.points.length) return draft;
  const points = draft.points.slice();
  points[index] = p;
  return { ...draft, points };
}

/** Remove a vertex; a closed polygon that drops below 3 points re-opens. */
export function removeVertex(draft: PolygonDraft, index: number): PolygonDraft {
  if (index < 0 || index >= draft.points.length) return draft;
  const points = draft.points.filter((_, i) => i !== index);
  return { points, closed: draft.closed && points.length >= 3 };
}

/** Insert a vertex after `index` (used by the edge mid-point handles of a closed polygon). */
export function insertVertex(draft: PolygonDraft, index: number, p: Point): PolygonDraft {
  const points = draft.points.slice();
  points.splice(index + 1, 0, p);
  return { ...draft, points };
}

/** Undo the last drawing step: re-open a closed polygon, else drop the last vertex. */
export function undo(draft: PolygonDraft): PolygonDraft {
  if (draft.closed) return { points: draft.points, closed: false };
  return { points: draft.points.slice(0, -1), closed: false };
}

/** Mid-points of each edge (closed polygon) as [afterIndex, point], for "add vertex" handles. */
export function edgeMidpoints(draft: PolygonDraft): [number, Point][] {
  const n = draft.points.length;
  const edges = draft.closed ? n : n - 1;
  const out: [number, Point][] = [];
  for (let i = 0; i < edges; i++) {
    const a = draft.points[i]!;
    const b = draft.points[(i + 1) % n]!;
    out.push([i, [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2]]);
  }
  return out;
}

/** A click while drawing a line: first click sets a, second sets b, a third starts over. */
export function addLinePoint(draft: LineDraft, p: Point): LineDraft {
  if (!draft.a || draft.b) return { a: p, direction: draft.direction };
  return { ...draft, b: p };
}

/** Cycle the crossing direction: any → left_to_right → right_to_left → any. */
export function cycleDirection(draft: LineDraft): LineDraft {
  const next = { any: 'left_to_right', left_to_right: 'right_to_left', right_to_left: 'any' } as const;
  return { ...draft, direction: next[draft.direction] };
}

/** Swap the endpoints (reverses which side is "left"). */
export function flipLine(draft: LineDraft): LineDraft {
  if (!draft.a || !draft.b) return draft;
  return { ...draft, a: draft.b, b: draft.a };
}
