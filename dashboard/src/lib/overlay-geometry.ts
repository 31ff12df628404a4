/**
 * Geometry of the overlay drawn over a live video or a snapshot. Pure functions, no DOM: the
 * components measure the element and pass numbers in.
 *
 * Detections, zones and lines are in normalised coordinates of the source frame (0..1, origin top-left).
 * The picture is shown with `object-fit: contain`: scaled uniformly to fit the element and centred, so
 * there may be bars left/right (pillarbox) or top/bottom (letterbox). Everything maps through the
 * content rectangle returned by {@link containRect}.
 */

export type Point = readonly [number, number];
export type NormBox = readonly [number, number, number, number];
export type Rect = { x: number; y: number; width: number; height: number };

/** Content rectangle of a `mediaW x mediaH` picture fitted with object-fit: contain into the element. */
export function containRect(elementW: number, elementH: number, mediaW: number, mediaH: number): Rect {
  if (!(elementW > 0 && elementH > 0)) return { x: 0, y: 0, width: 0, height: 0 };
  if (!(mediaW > 0 && mediaH > 0)) return { x: 0, y: 0, width: elementW, height: elementH };
  const scale = Math.min(elementW / mediaW, elementH / mediaH);
  const width = mediaW * scale;
  const height = mediaH * scale;
  return { x: (elementW - width) / 2, y: (elementH - height) / 2, width, height };
}

/** Normalised point → element pixels. */
export function toPixels(p: Point, rect: Rect): [number, number] {
  return [rect.x + p[0] * rect.width, rect.y + p[1] * rect.height];
}

/** Normalised [x, y, w, h] box → pixel rectangle inside the element. */
export function boxToPixels(box: NormBox, rect: Rect): Rect {
  const [x, y] = toPixels([box[0], box[1]], rect);
  return { x, y, width: box[2] * rect.width, height: box[3] * rect.height };
}

/**
 * Element pixels (e.g. a pointer event's offsetX/offsetY) → normalised point, clamped to the picture.
 * Returns null when the point lies in the bars outside the picture by more than `slack` pixels.
 */
export function toNormalised(px: number, py: number, rect: Rect, slack = 0): [number, number] | null {
  if (rect.width <= 0 || rect.height <= 0) return null;
  if (px < rect.x - slack || px > rect.x + rect.width + slack) return null;
  if (py < rect.y - slack || py > rect.y + rect.height + slack) return null;
  const clamp = (v: number) => Math.min(1, Math.max(0, v));
  return [round4(clamp((px - rect.x) / rect.width)), round4(clamp((py - rect.y) / rect.height))];
}

const round4 = (v: number) => Math.round(v * 10_000) / 10_000;

/** SVG path data of a closed polygon (`M x y L ... Z`), or of an open polyline when `closed` is false. */
export function polygonPath(points: readonly Point[], rect: Rect, closed = true): string {
  if (points.length === 0) return '';
  const parts = points.map((p, i) => {
    const [x, y] = toPixels(p, rect);
    return `${i === 0 ? 'M' : 'L'}${fmt(x)} ${fmt(y)}`;
  });
  return closed && points.length > 2 ? `${parts.join(' ')} Z` : parts.join(' ');
}

const fmt = (v: number) => (Math.round(v * 10) / 10).toString();

/** The point of a box that decides zone membership (same rule as the alerts engine): bottom-centre. */
export function anchorPoint(box: NormBox): [number, number] {
  return [box[0] + box[2] / 2, box[1] + box[3]];
}

/** Ray-casting point-in-polygon on normalised coordinates. */
export function insidePolygon(p: Point, poly: readonly Point[]): boolean {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const a = poly[i]!;
    const b = poly[j]!;
    if (a[1] > p[1] !== b[1] > p[1] && p[0] < ((b[0] - a[0]) * (p[1] - a[1])) / (b[1] - a[1]) + a[0])
      inside = !inside;
  }
  return inside;
}

/** Ids of the zones whose polygon holds the box's anchor point (to highlight occupied zones). */
export function occupiedZones(
  boxes: readonly NormBox[],
  zones: readonly { id: string; polygon: readonly Point[] }[],
): Set<string> {
  const hit = new Set<string>();
  for (const zone of zones) {
    if (boxes.some((b) => insidePolygon(anchorPoint(b), zone.polygon))) hit.add(zone.id);
  }
  return hit;
}

/**
 * Where to put a box's label: above the box when it fits inside the picture, else just inside its top
 * edge. Returns the label's top-left corner in element pixels.
 */
export function labelPosition(box: Rect, labelHeight: number, rect: Rect): { x: number; y: number } {
  const above = box.y - labelHeight;
  const y = above >= rect.y ? above : box.y;
  const x = Math.max(rect.x, Math.min(box.x, rect.x + rect.width - 1));
  return { x, y };
}

export type LineDirection = 'left_to_right' | 'right_to_left' | 'any';

/**
 * Geometry to draw a directed line a→b in pixels: the segment, and arrows across it showing which way
 * a crossing counts. Image coordinates have y pointing down, so the "left" side of a→b (as one stands at a
 * looking at b) is the side of the normal (dy, -dx).
 * Direction 'left_to_right' → arrow from the left side to the right side; 'any' → both arrows.
 */
export function directedLineGeometry(
  a: Point,
  b: Point,
  direction: LineDirection,
  rect: Rect,
  arrowLength = 24,
): { a: [number, number]; b: [number, number]; arrows: { from: [number, number]; to: [number, number] }[] } {
  const pa = toPixels(a, rect);
  const pb = toPixels(b, rect);
  const dx = pb[0] - pa[0];
  const dy = pb[1] - pa[1];
  const len = Math.hypot(dx, dy) || 1;
  // Unit normal pointing to the left of a→b in screen space (y down): rotate (dx,dy) by -90°.
  const left: [number, number] = [dy / len, -dx / len];
  const mid: [number, number] = [(pa[0] + pb[0]) / 2, (pa[1] + pb[1]) / 2];
  const half = arrowLength / 2;
  const at = (s: number): [number, number] => [mid[0] + left[0] * s, mid[1] + left[1] * s];
  const leftToRight = { from: at(half), to: at(-half) };
  const rightToLeft = { from: at(-half), to: at(half) };
  const arrows =
    direction === 'left_to_right'
      ? [leftToRight]
      : direction === 'right_to_left'
        ? [rightToLeft]
        : [leftToRight, rightToLeft];
  return { a: pa, b: pb, arrows };
}

/** Which side of a→b a point lies on: 'left', 'right' or 'on' (normalised image coordinates, y down). */
export function sideOfLine(a: Point, b: Point, p: Point): 'left' | 'right' | 'on' {
  // cross((b-a),(p-a)) > 0 means counter-clockwise in a y-up frame, which is clockwise (right) with y down.
  const c = (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]);
  if (Math.abs(c) < 1e-12) return 'on';
  return c > 0 ? 'right' : 'left';
}

/** Box centres of a track's history → SVG polyline points string (for the track path on a snapshot). */
export function trackPathPoints(boxes: readonly NormBox[], rect: Rect): string {
  return boxes
    .map((b) => {
      const [x, y] = toPixels(anchorPoint(b), rect);
      return `${fmt(x)},${fmt(y)}`;
    })
    .join(' ');
}

/** A stable, distinguishable colour per label (HSL from a string hash). */
export function labelColour(label: string): string {
  let h = 0;
  for (let i = 0; i < label.length; i++) h = (h * 31 + label.charCodeAt(i)) >>> 0;
  if (label === 'person') return 'hsl(140 85% 55%)';
  return `hsl(${h % 360} 85% 60%)`;
}
