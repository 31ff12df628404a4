import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import {
  createLogger,
  createMetricsRegistry,
  createPool,
  type DetectionBatch,
  repoRoot,
  streamNames,
  subjects,
} from '@sentinel/common';
import { createTestDatabase, stackConfig, uniqueId } from '@sentinel/common/testing/index';
import { HistoryWriter } from '../src/history-writer.ts';
import { createAlertsMetrics } from '../src/metrics.ts';

/**
 * History writer throughput: N detection batches are published to JetStream first (a backlog), then
 * the writer drains them into a fresh database. rows/s = detection rows inserted / drain time.
 * npm run bench:writer -w alerts -- [--frames 4000] [--per-frame 10] [--batch 500]
 */
const { values } = parseArgs({
  options: {
    frames: { type: 'string', default: '4000' },
    'per-frame': { type: 'string', default: '10' },
    batch: { type: 'string', default: '500' },
  },
});
const frames = Number(values.frames);
const perFrame = Number(values['per-frame']);
const batchSize = Number(values.batch);
const log = (m: string) => process.stderr.write(`${m}\n`);

const cfg = stackConfig();
const u = new URL(cfg.NATS_URL);
const nc = await connect({ servers: `${u.hostname}:${u.port}` });
const js = jetstream(nc);
const jsm = await jetstreamManager(nc);
const db = await createTestDatabase();
const pool = createPool(db.url, { max: 4 });
const cam = uniqueId('bench');
const metrics = createAlertsMetrics(createMetricsRegistry('alerts-bench'));
const writer = new HistoryWriter({
  js,
  jsm,
  db: pool,
  logger: createLogger('bench', 'warn'),
  metrics,
  consumerName: uniqueId('bench-writer'),
  filterSubject: subjects.detections(cam),
  batchSize,
});
try {
  log(`publishing ${frames} batches x ${perFrame} detections to ${subjects.detections(cam)} ...`);
  const t0 = Date.now() - frames * 200;
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < frames; i++) {
    const b: DetectionBatch = {
      cameraId: cam,
      frameId: `f${i}`,
      capturedAt: t0 + i * 200,
      trace: {},
      modelId: 'bench',
      source: { width: 1920, height: 1080 },
      detections: Array.from({ length: perFrame }, (_, k) => ({
        label: k % 3 ? 'person' : 'car',
        classId: k % 3 ? 0 : 2,
        score: 0.6 + (k % 4) / 10,
        box: [(k * 0.09) % 0.9, 0.3, 0.08, 0.2],
        trackId: `t${k}-${Math.floor(i / 100)}`,
        trackState: 'confirmed',
        stationary: k === 0,
        age: i,
      })),
    };
    pending.push(js.publish(subjects.detections(cam), JSON.stringify(b)));
    if (pending.length >= 256) await Promise.all(pending.splice(0));
    if (i % 1000 === 999) log(`  published ${i + 1}`);
  }
  await Promise.all(pending);
  const expected = frames * perFrame;
  log('draining with the history writer ...');
  const started = performance.now();
  await writer.start();
  let last = 0;
  while (writer.rowsWritten < expected) {
    await new Promise((r) => setTimeout(r, 100));
    if (writer.rowsWritten - last >= 10_000) {
      last = writer.rowsWritten;
      log(`  ${writer.rowsWritten} / ${expected} rows`);
    }
    if (performance.now() - started > 300_000) throw new Error('writer did not drain within 5 minutes');
  }
  const seconds = (performance.now() - started) / 1000;
  const stored = (await pool.query('SELECT count(*)::int AS n FROM detections')).rows[0].n;
  const result = {
    bench: 'alerts-history-writer',
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model },
    frames,
    detectionsPerFrame: perFrame,
    batchSize,
    rows: stored,
    seconds: Math.round(seconds * 1000) / 1000,
    rowsPerSecond: Math.round(stored / seconds),
    messagesPerSecond: Math.round(frames / seconds),
  };
  const dir = resolve(repoRoot(), 'tests/bench/results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(resolve(dir, 'alerts-writer.json'), `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  if (stored !== expected) throw new Error(`expected ${expected} rows, found ${stored}`);
} finally {
  await writer.stop();
  await jsm.consumers.delete(streamNames.detections, writer.consumerName).catch(() => {});
  await pool.end();
  await db.drop();
  await nc.close();
}
