import { type KV, Kvm } from '@nats-io/kv';
import { type CameraStatus, cameraStatusSchema, kvBuckets, type NatsConnection } from '@sentinel/common';

/** Reads camera states from NATS KV `camera-status` (written by ingest workers). */
export class CameraStatusReader {
  private kv: KV | undefined;

  constructor(private readonly nc: NatsConnection) {}

  private async bucket(): Promise<KV> {
    this.kv ??= await new Kvm(this.nc).open(kvBuckets.cameraStatus);
    return this.kv;
  }

  /** The status of each camera id; undefined when the camera never reported or the value is malformed. */
  async get(cameraIds: readonly string[]): Promise<Map<string, CameraStatus | undefined>> {
    const kv = await this.bucket();
    const out = new Map<string, CameraStatus | undefined>();
    await Promise.all(
      cameraIds.map(async (id) => {
        const entry = await kv.get(id);
        if (entry?.operation !== 'PUT') return out.set(id, undefined);
        let parsed: unknown;
        try {
          parsed = entry.json();
        } catch {
          return out.set(id, undefined);
        }
        const r = cameraStatusSchema.safeParse(parsed);
        out.set(id, r.success ? r.data : undefined);
      }),
    );
    return out;
  }
}
