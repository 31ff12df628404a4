import type { KV } from '@nats-io/kv';
import type { ObjectStore } from '@nats-io/obj';
import type { Config, Logger, NatsConnection, Pool, Redis } from '@sentinel/common';
import type { Registry } from 'prom-client';
import type { LiveView } from './live/live-view.ts';

/** Gateway settings: the validated environment plus resolved paths. */
export type GatewayConfig = Config & { rootDir: string };

/** Everything routes and channels need; built once in main.ts (or by tests). */
export type GatewayContext = {
  cfg: GatewayConfig;
  logger: Logger;
  pool: Pool;
  nc: NatsConnection;
  redis: Redis;
  registry: Registry;
  jwtSecret: Uint8Array;
  urlSigningSecret: string;
  kv: { cameras: KV; rules: KV; models: KV; cameraStatus: KV };
  snapshots: ObjectStore;
  live: LiveView;
};
