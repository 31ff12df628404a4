import type { Pool } from '@sentinel/common';
import { z } from 'zod';

export type Point = readonly [number, number];
export type CameraInfo = { id: string; name: string };
export type ZoneInfo = { id: string; cameraId: string; name: string; polygon: Point[] };

const pointSchema = z.tuple([z.number(), z.number()]);
const zoneDefinitionSchema = z.object({ polygon: z.array(pointSchema).min(3) }).loose();

/** Camera and zone names from PostgreSQL, cached for a few seconds (names change rarely). */
export class Catalog {
  private cache: { at: number; cameras: CameraInfo[]; zones: ZoneInfo[] } | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly ttlMs = 30_000,
  ) {}

  private async load() {
    if (this.cache && Date.now() - this.cache.at < this.ttlMs) return this.cache;
    const [cams, zones] = await Promise.all([
      this.pool.query<{ id: string; name: string; config_name: string | null }>(
        "SELECT id, name, config->>'name' AS config_name FROM cameras ORDER BY id",
      ),
      this.pool.query<{ id: string; camera_id: string; name: string; definition: unknown }>(
        'SELECT id, camera_id, name, definition FROM zones ORDER BY id',
      ),
    ]);
    this.cache = {
      at: Date.now(),
      cameras: cams.rows.map((r) => ({ id: r.id, name: r.config_name || r.name || r.id })),
      zones: zones.rows.map((r) => {
        const def = zoneDefinitionSchema.safeParse(r.definition);
        return {
          id: r.id,
          cameraId: r.camera_id,
          name: r.name,
          polygon: def.success ? def.data.polygon : [],
        };
      }),
    };
    return this.cache;
  }

  async cameras(): Promise<CameraInfo[]> {
    return (await this.load()).cameras;
  }

  async zones(): Promise<ZoneInfo[]> {
    return (await this.load()).zones;
  }

  async cameraName(id: string): Promise<string> {
    return (await this.cameras()).find((c) => c.id === id)?.name ?? id;
  }

  async zone(id: string): Promise<ZoneInfo | undefined> {
    return (await this.zones()).find((z) => z.id === id);
  }

  /** Forget the cache (tests, or after a known change). */
  invalidate(): void {
    this.cache = undefined;
  }
}
