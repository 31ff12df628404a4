/**
 * `node --import tsx infra/docker/provision-nats.ts [--replicas N]`: create Sentinel's JetStream
 * streams, KV buckets and object store (the same idempotent provisioning every service runs at start),
 * then give each of them N replicas (default 1: unchanged). Run once per deployment by the compose
 * `migrate` service and the Kubernetes migrate Job, against a NATS cluster of at least N nodes.
 * Changing the replica count of an existing stream needs NATS 2.10 or later.
 */
import { jetstreamManager } from '@nats-io/jetstream';
import {
  connectNats,
  createLogger,
  kvBuckets,
  loadConfig,
  objectStores,
  provisionJetStream,
  streamNames,
} from '@sentinel/common';

/** Every stream the provisioning creates: the named streams plus the ones behind KV buckets and object stores. */
export function sentinelStreams(): string[] {
  return [
    ...Object.values(streamNames),
    ...Object.values(kvBuckets).map((b) => `KV_${b}`),
    ...Object.values(objectStores).map((o) => `OBJ_${o}`),
  ];
}

/** Parses `--replicas N` (1-5; JetStream allows at most 5). */
export function parseReplicas(argv: string[]): number {
  const i = argv.indexOf('--replicas');
  if (i === -1) return 1;
  const n = Number(argv[i + 1]);
  if (!Number.isInteger(n) || n < 1 || n > 5)
    throw new Error(`--replicas must be an integer 1-5, got ${argv[i + 1]}`);
  return n;
}

async function main(): Promise<void> {
  const logger = createLogger('provision-nats');
  const replicas = parseReplicas(process.argv.slice(2));
  const cfg = loadConfig();
  const nc = await connectNats(cfg.NATS_URL, 'provision-nats', logger);
  try {
    logger.info(await provisionJetStream(nc), 'jetstream provisioned');
    const jsm = await jetstreamManager(nc);
    for (const name of sentinelStreams()) {
      const info = await jsm.streams.info(name);
      if (info.config.num_replicas === replicas) {
        logger.info({ stream: name, replicas }, 'replicas unchanged');
        continue;
      }
      await jsm.streams.update(name, { ...info.config, num_replicas: replicas });
      logger.info({ stream: name, from: info.config.num_replicas, to: replicas }, 'replicas changed');
    }
  } finally {
    await nc.drain();
  }
}

if (import.meta.main) {
  main().catch((err) => {
    process.stderr.write(`provision-nats failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
