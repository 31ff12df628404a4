/** FNV-1a 32-bit hash: stable across processes and versions (unlike any runtime hash). */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The alert worker that owns a camera: hash(cameraId) % count. */
export const partitionOf = (cameraId: string, count: number) => fnv1a(cameraId) % count;

export const ownsCamera = (cameraId: string, index: number, count: number) =>
  partitionOf(cameraId, count) === index;
