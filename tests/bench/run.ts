/**
 * `npm run bench` (`-- --quick` for a short run): every benchmark measured in one run on this machine.
 * Writes tests/bench/results/latest.json, latest.md and SVG charts. Targets are reported, not asserted.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { startSystem } from '../../infra/local/system/launch.ts';
import { type CapacityStep, measureCapacity } from './lib/capacity.ts';
import { measureAlertLatency, measureFanout } from './lib/latency.ts';
import { renderReport } from './lib/report.ts';
import { newestResult, RESULTS, runScript } from './lib/sub-bench.ts';
import { histogramSvg, lineSvg } from './lib/svg-chart.ts';

const quick = process.argv.includes('--quick');
const say = (l: string) => process.stderr.write(`\x1b[1;34m[bench]\x1b[0m ${l}\n`);
mkdirSync(RESULTS, { recursive: true });
const started = Date.now();
const machine = {
  cores: cpus().length,
  cpu: cpus()[0]?.model ?? 'unknown',
  node: process.version,
  provider: 'cpu',
};
const errors: string[] = [];
const step = async <T>(name: string, fn: () => Promise<T>): Promise<T | undefined> => {
  say(`── ${name}`);
  try {
    return await fn();
  } catch (err) {
    errors.push(`${name}: ${(err as Error).message}`);
    say(`\x1b[31m${name} failed:\x1b[0m ${(err as Error).message}`);
    return undefined;
  }
};

// 1. Inference: raw onnxruntime vs our worker-thread path vs naive, batches 1/2/4/8.
const inference = await step('inference: raw onnxruntime vs pipeline vs naive', async () => {
  await runScript('inference', 'bench:inference', quick ? ['--quick'] : [], 'inference');
  return newestResult('inference') as {
    rows: {
      batch: number;
      raw: { imagesPerSecond: number };
      ours: { imagesPerSecond: number; latencyP50Ms: number };
      ratio: number;
    }[];
    naive?: { imagesPerSecond: number };
  };
});
const pipelineBatch = Number(process.env.INFERENCE_MAX_BATCH ?? 4);
const atBatch = inference?.rows.find((r) => r.batch === pipelineBatch) ?? inference?.rows[0];

// 2. Ingest decode vs gst-launch decode-only baseline.
const ingest = await step('ingest: decode + scale vs gst-launch-1.0 baseline', async () => {
  await runScript('ingest', 'bench:ingest', quick ? [] : ['--long'], 'ingest');
  return newestResult('ingest-') as { results: Record<string, unknown>[] };
});

// 3. History writer rows/s.
const writer = await step('alerts: history writer rows/s', async () => {
  await runScript('alerts', 'bench:writer', [], 'writer');
  return newestResult('alerts-writer') as { rowsPerSecond: number; rows: number };
});

// 4-6. The whole pipeline: alert latency, socket.io fan-out, cameras sustained.
let latency: Awaited<ReturnType<typeof measureAlertLatency>> | undefined;
let fanout: Awaited<ReturnType<typeof measureFanout>> | undefined;
const capacity: CapacityStep[] = [];
await step('pipeline: e2e latency, fan-out, capacity', async () => {
  const system = await startSystem({
    isolated: true,
    services: ['gateway', 'alerts', 'inference', 'ingest'],
    seed: { cameraId: `bench-${Date.now().toString(36)}` },
    env: { LOG_LEVEL: 'warn', GATEWAY_RATE_LIMIT_PER_MINUTE: '100000' },
    progress: say,
  });
  try {
    latency = await step('capture → alert at a socket.io client', () =>
      measureAlertLatency(system, quick ? 60 : 180, say),
    );
    fanout = await step('socket.io fan-out to 200 clients', () =>
      measureFanout(system, 200, quick ? 15 : 30, say),
    );
    (await system.processes.get('ingest')) && (await new Promise((r) => setTimeout(r, 1000)));
    for (const [label, path, max] of quick
      ? ([['720p', '/demo-720', 3]] as const)
      : ([
          ['720p', '/demo-720', 6],
          ['1080p', '/demo-1080', 6],
        ] as const)) {
      const steps = await step(`cameras sustained (${label})`, () =>
        measureCapacity(system, {
          rtspPath: path,
          label,
          maxCameras: max,
          windowS: quick ? 16 : 30,
          warmupS: quick ? 8 : 12,
          say,
        }),
      );
      capacity.push(...(steps ?? []));
    }
  } finally {
    await system.stop();
  }
});

const sustained = (label: string) => {
  let n = 0;
  for (const s of capacity.filter((c) => c.stream === label)) if (s.sustained) n = s.cameras;
  return n;
};
const result = {
  at: new Date().toISOString(),
  quick,
  machine,
  durationSeconds: Math.round((Date.now() - started) / 1000),
  pipelineOverheadRatio: atBatch ? { batch: atBatch.batch, ratio: atBatch.ratio, target: 0.9 } : null,
  inference: inference ?? null,
  e2eLatencyMs: latency
    ? {
        p50: latency.p50,
        p95: latency.p95,
        p99: latency.p99,
        n: latency.n,
        hopsP50: latency.hopsP50,
        target: { p99: 500 },
      }
    : null,
  camerasSustained: {
    '720p': sustained('720p'),
    '1080p': quick ? null : sustained('1080p'),
    steps: capacity,
    fpsPerCamera: 5,
  },
  ingestDecode: ingest ?? null,
  socketFanout: fanout ?? null,
  historyWriter: writer ? { rowsPerSecond: writer.rowsPerSecond, rows: writer.rows } : null,
  errors,
};
writeFileSync(join(RESULTS, 'latest.json'), `${JSON.stringify(result, null, 2)}\n`);
if (latency?.samples.length)
  writeFileSync(
    join(RESULTS, 'latency.svg'),
    histogramSvg(latency.samples, { title: 'Capture → alert at socket.io client', xLabel: 'ms' }),
  );
if (capacity.length)
  writeFileSync(
    join(RESULTS, 'capacity.svg'),
    lineSvg(
      [...new Set(capacity.map((c) => c.stream))].map((s) => ({
        name: `${s} mean fps/camera`,
        points: capacity.filter((c) => c.stream === s).map((c) => [c.cameras, c.meanFps] as [number, number]),
      })),
      {
        title: 'Detection throughput vs cameras (target 5 fps each)',
        xLabel: 'cameras',
        yLabel: 'fps per camera',
      },
    ),
  );
writeFileSync(join(RESULTS, 'latest.md'), renderReport(result));
say(`done in ${result.durationSeconds} s: tests/bench/results/latest.{json,md}, latency.svg, capacity.svg`);
if (errors.length) say(`\x1b[33m${errors.length} part(s) failed:\x1b[0m ${errors.join(' | ')}`);
