/** Pure box geometry in image pixels ([x, y, w, h], origin top-left). */
export type PxBox = [number, number, number, number];
export type Handle = 'nw' | 'n' | 'ne' | 'e' | 'se' | 's' | 'sw' | 'w';
export const HANDLES: Handle[] = ['nw', 'n', 'ne', 'e', 'se', 's', 'sw', 'w'];

/** Clamp a box into a W x H image, keeping its size where possible. */
export function clampMove(b: PxBox, W: number, H: number): PxBox {
  const w = Math.min(b[2], W);
  const h = Math.min(b[3], H);
  return [Math.min(Math.max(0, b[0]), W - w), Math.min(Math.max(0, b[1]), H - h), w, h];
}

/** Box from two corners, clipped to the image. */
export function fromCorners(x1: number, y1: number, x2: number, y2: number, W: number, H: number): PxBox {
  const cx1 = Math.min(Math.max(0, Math.min(x1, x2)), W);
  const cy1 = Math.min(Math.max(0, Math.min(y1, y2)), H);
  const cx2 = Math.min(Math.max(0, Math.max(x1, x2)), W);
  const cy2 = Math.min(Math.max(0, Math.max(y1, y2)), H);
  return [cx1, cy1, cx2 - cx1, cy2 - cy1];
}

/** Drag a handle of `b` to (x, y); the opposite edge stays put. */
export function resize(b: PxBox, handle: Handle, x: number, y: number, W: number, H: number): PxBox {
  let x1 = b[0];
  let y1 = b[1];
  let x2 = b[0] + b[2];
  let y2 = b[1] + b[3];
  if (handle.includes('w')) x1 = x;
  if (handle.includes('e')) x2 = x;
  if (handle.includes('n')) y1 = y;
  if (handle.includes('s')) y2 = y;
  return fromCorners(x1, y1, x2, y2, W, H);
}

export function handlePoint(b: PxBox, h: Handle): [number, number] {
  const x = h.includes('w') ? b[0] : h.includes('e') ? b[0] + b[2] : b[0] + b[2] / 2;
  const y = h.includes('n') ? b[1] : h.includes('s') ? b[1] + b[3] : b[1] + b[3] / 2;
  return [x, y];
}

export const handleCursor: Record<Handle, string> = {
  nw: 'nwse-resize',
  se: 'nwse-resize',
  ne: 'nesw-resize',
  sw: 'nesw-resize',
  n: 'ns-resize',
  s: 'ns-resize',
  e: 'ew-resize',
  w: 'ew-resize',
};

/** Normalised ↔ pixels, rounded to 1e-5 so they survive JSON without drifting outside [0, 1]. */
export const toNorm = (b: PxBox, W: number, H: number): PxBox => {
  const r = (v: number) => Math.round(v * 1e5) / 1e5;
  const x = r(b[0] / W);
  const y = r(b[1] / H);
  return [x, y, Math.min(r(b[2] / W), 1 - x), Math.min(r(b[3] / H), 1 - y)];
};
export const toPx = (b: readonly number[], W: number, H: number): PxBox => [
  b[0]! * W,
  b[1]! * H,
  b[2]! * W,
  b[3]! * H,
];
