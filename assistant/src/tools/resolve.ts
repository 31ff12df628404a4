import type { CameraInfo, Catalog, ZoneInfo } from '../data/catalog.ts';

const norm = (s: string) => s.trim().toLowerCase();

/** Camera ids from ids or names (case-insensitive); unknown names are reported, not guessed. */
export async function resolveCameras(
  catalog: Catalog,
  refs: readonly string[] | undefined,
): Promise<{ cameras: CameraInfo[]; unknown: string[] }> {
  if (!refs?.length) return { cameras: [], unknown: [] };
  const all = await catalog.cameras();
  const cameras: CameraInfo[] = [];
  const unknown: string[] = [];
  for (const r of refs) {
    const c = all.find((x) => norm(x.id) === norm(r) || norm(x.name) === norm(r));
    if (c) cameras.push(c);
    else unknown.push(r);
  }
  return { cameras, unknown };
}

export async function resolveZones(
  catalog: Catalog,
  refs: readonly string[] | undefined,
): Promise<{ zones: ZoneInfo[]; unknown: string[] }> {
  if (!refs?.length) return { zones: [], unknown: [] };
  const all = await catalog.zones();
  const zones: ZoneInfo[] = [];
  const unknown: string[] = [];
  for (const r of refs) {
    const z = all.filter((x) => norm(x.id) === norm(r) || norm(x.name) === norm(r));
    if (z.length) zones.push(...z);
    else unknown.push(r);
  }
  return { zones, unknown };
}
