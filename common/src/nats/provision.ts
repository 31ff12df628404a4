import {
  DiscardPolicy,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { Objm } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import { kvBuckets, objectStores, streamNames } from './subjects.ts';

const ns = (ms: number) => ms * 1_000_000;
const DAY = 86_400_000;
const GiB = 1024 ** 3;

/** Stream definitions with limits. Durable data; frames are not here (core NATS). */
export const streamConfigs: Array<Partial<StreamConfig> & { name: string; subjects: string[] }> = [
  {
    name: streamNames.detections,
    subjects: ['detections.>'],
    max_age: ns(7 * DAY),
    max_bytes: 2 * GiB,
    duplicate_window: ns(120_000),
  },
  {
    name: streamNames.alerts,
    subjects: ['alerts.>'],
    max_age: ns(365 * DAY),
    max_bytes: 1 * GiB,
    duplicate_window: ns(120_000),
  },
  {
    name: streamNames.hardExamples,
    subjects: ['annotate.>'],
    max_age: ns(30 * DAY),
    max_bytes: 1 * GiB,
    duplicate_window: ns(120_000),
  },
  {
    name: streamNames.dlq,
    subjects: ['dlq.>'],
    max_age: ns(30 * DAY),
    max_bytes: 512 * 1024 ** 2,
    duplicate_window: ns(120_000),
  },
];

/** KV buckets: history and TTL. Leases expire so a dead worker's cameras move on. */
export const kvConfigs = [
  { name: kvBuckets.cameras, history: 5 },
  { name: kvBuckets.rules, history: 5 },
  { name: kvBuckets.models, history: 5 },
  { name: kvBuckets.cameraLeases, history: 1, ttl: 6_000 },
  { name: kvBuckets.cameraStatus, history: 1 },
];

export type ProvisionReport = { created: string[]; updated: string[]; unchanged: string[] };

/** Idempotently create or update every stream, KV bucket and object store. Safe to call at every start. */
export async function provisionJetStream(nc: NatsConnection): Promise<ProvisionReport> {
  const report: ProvisionReport = { created: [], updated: [], unchanged: [] };
  const jsm = await jetstreamManager(nc);
  for (const cfg of streamConfigs) {
    const wanted = {
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      discard: DiscardPolicy.Old,
      num_replicas: 1,
      ...cfg,
    };
    const existing = await jsm.streams.info(cfg.name).catch(() => null);
    if (!existing) {
      await jsm.streams.add(wanted);
      report.created.push(`stream ${cfg.name}`);
      continue;
    }
    const c = existing.config;
    const same =
      JSON.stringify(c.subjects) === JSON.stringify(wanted.subjects) &&
      c.max_age === wanted.max_age &&
      c.max_bytes === wanted.max_bytes &&
      c.duplicate_window === wanted.duplicate_window;
    if (same) report.unchanged.push(`stream ${cfg.name}`);
    else {
      await jsm.streams.update(cfg.name, {
        ...c,
        subjects: wanted.subjects,
        max_age: wanted.max_age,
        max_bytes: wanted.max_bytes,
        duplicate_window: wanted.duplicate_window,
      });
      report.updated.push(`stream ${cfg.name}`);
    }
  }
  const kvm = new Kvm(nc);
  for (const kv of kvConfigs) {
    const streamName = `KV_${kv.name}`;
    const existed = await jsm.streams.info(streamName).then(
      () => true,
      () => false,
    );
    await kvm.create(kv.name, { history: kv.history, ...(kv.ttl ? { ttl: kv.ttl } : {}) });
    (existed ? report.unchanged : report.created).push(`kv ${kv.name}`);
  }
  const objm = new Objm(nc);
  for (const name of Object.values(objectStores)) {
    const existed = await jsm.streams.info(`OBJ_${name}`).then(
      () => true,
      () => false,
    );
    await objm.create(name, { ttl: ns(7 * DAY), max_bytes: 2 * GiB } as never);
    (existed ? report.unchanged : report.created).push(`object store ${name}`);
  }
  return report;
}
