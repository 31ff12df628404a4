import type { KV } from '@nats-io/kv';
import {
  type CameraConfig,
  cameraConfigSchema,
  cameraStatusSchema,
  type Pool,
  publicCamera,
} from '@sentinel/common';
import type { CameraResponse } from '@sentinel/common/api/index';

type Queryable = Pick<Pool, 'query'>;

export type CameraRow = { id: string; config: unknown; version: number; created_at: Date; updated_at: Date };

export async function getCameraRow(db: Queryable, id: string): Promise<CameraRow | undefined> {
  const { rows } = await db.query(
    'SELECT id, config, version, created_at, updated_at FROM cameras WHERE id = $1',
    [id],
  );
  return rows[0];
}

/** Stored config (with credentials): for the KV mirror and probing only, never for responses. */
export const storedConfig = (row: CameraRow): CameraConfig =>
  cameraConfigSchema.parse({ ...(row.config as object), id: row.id });

const dec = new TextDecoder();

/** Current status from KV `camera-status` (null when none, unreadable, or NATS is slow to answer). */
export async function cameraStatus(kv: KV, id: string, timeoutMs = 1000) {
  try {
    let timer: NodeJS.Timeout | undefined;
    const e = await Promise.race([
      kv.get(id),
      new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
    if (e?.operation !== 'PUT') return null;
    const r = cameraStatusSchema.safeParse(JSON.parse(dec.decode(e.value)));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

/** A camera as the API returns it: publicCamera() (no credentials) + bookkeeping + status. */
export function toCameraResponse(row: CameraRow, status: CameraResponse['status']): CameraResponse {
  const pub = publicCamera(storedConfig(row));
  return {
    ...pub,
    version: row.version,
    createdAt: row.created_at.getTime(),
    updatedAt: row.updated_at.getTime(),
    status,
  };
}

/** Mirror one camera (full config, credentials included: ingest needs them) into KV `cameras`. */
export async function mirrorCamera(kv: KV, config: CameraConfig | null, id: string): Promise<void> {
  if (config) await kv.put(id, new TextEncoder().encode(JSON.stringify(config)));
  else await kv.delete(id);
}
