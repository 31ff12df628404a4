/**
 * Inference benchmark (`npm run bench:inference -w inference [-- --quick] [--threads N] [--model FILE]`).
 *
 * For the same model, batch size and onnxruntime threads, in one run:
 * - raw: onnxruntime on the main thread, input tensor prepared once, nothing else (the ceiling);
 * - ours: the service path — frames from B cameras through the dynamic batcher into a session worker
 *   thread (RGB24 → tensor, run, decode there), two batches in flight, boxes mapped back on the main
 *   thread; ratio = ours / raw images per second (target >= 0.9);
 * - naive: one frame at a time on the main thread (tensor, run, decode), what a simple service does.
 * Batch sizes 1, 2, 4, 8: images/s and latency. Also the longest event-loop stall of each path.
 * Writes JSON and a markdown table to tests/bench/results/ (inference.json, inference.md).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { COCO_LABELS, createLogger, type ModelInfo, repoRoot } from '@sentinel/common';
import * as ort from 'onnxruntime-node';
import { DynamicBatcher } from '../src/batch/batcher.ts';
import { frameToSourceNorm, modelToFrame, regionTransform } from '../src/batch/geometry.ts';
import { decoderFor, defaultDecodeOptions } from '../src/decode/index.ts';
import { defaultModelInfo } from '../src/model/default-model.ts';
import { buildSyntheticYoloModel } from '../src/model/index.ts';
import { inputSpecFor } from '../src/model/input-spec.ts';
import { toInputTensor } from '../src/model/preprocess.ts';
import { modelPath } from '../src/model/registry.ts';
import { loadModel } from '../src/runtime/loaded-model.ts';

type Args = { quick: boolean; threads: number; model?: string; synthetic: boolean; batches: number[] };

function parseArgs(argv: string[]): Args {
  const a: Args = { quick: false, threads: 2, synthetic: false, batches: [1, 2, 4, 8] };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i]!;
    if (v === '--quick') a.quick = true;
    else if (v === '--synthetic') a.synthetic = true;
    else if (v === '--threads') a.threads = Number(argv[++i]);
    else if (v === '--model') a.model = argv[++i];
    else if (v === '--batches') a.batches = argv[++i]!.split(',').map(Number);
    else
      throw new Error(
        `unknown argument ${v} (use --quick, --threads N, --model FILE, --synthetic, --batches 1,2,4,8)`,
      );
  }
  if (!(a.threads >= 1)) throw new Error('--threads must be >= 1');
  return a;
}

const log = (msg: string) => process.stdout.write(`[bench:inference] ${msg}\n`);
const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const round = (v: number, d = 1) => Math.round(v * 10 ** d) / 10 ** d;

type Measure = {
  images: number;
  seconds: number;
  latenciesMs: number[];
  maxLoopLagMs: number;
  /** Worker-side time outside session.run (tensor prep + decode), per batch. */
  overheadMs?: number[];
};
const summary = (m: Measure) => ({
  imagesPerSecond: round(m.images / m.seconds, 2),
  latencyP50Ms: round(pct(m.latenciesMs, 50)),
  latencyP95Ms: round(pct(m.latenciesMs, 95)),
  runs: m.latenciesMs.length,
  maxEventLoopStallMs: round(m.maxLoopLagMs),
  ...(m.overheadMs ? { workerPrepDecodeMsP50: round(pct(m.overheadMs, 50)) } : {}),
});

/** Test pictures: noise with a few bright rectangles, so decoders have work. */
function pictures(count: number, w: number, h: number): Uint8Array[] {
  return Array.from({ length: count }, (_, k) => {
    const px = new Uint8Array(w * h * 3);
    let seed = 1234 + k;
    for (let i = 0; i < px.length; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      px[i] = seed & 0x3f;
    }
    for (let y = h / 4; y < h / 2; y++)
      for (let x = w / 4; x < w / 2; x++) px.fill(220, (y * w + x) * 3, (y * w + x) * 3 + 3);
    return px;
  });
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const root = repoRoot();
  const modelsDir = resolve(root, process.env.SENTINEL_MODELS_DIR ?? 'models');
  let info: ModelInfo;
  let dir = modelsDir;
  if (args.synthetic) {
    dir = join(tmpdir(), 'sentinel-bench');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'synthetic-320.onnx'), buildSyntheticYoloModel({ size: 320, cell: 8 }));
    info = {
      id: 'synthetic-yolo-320',
      file: 'synthetic-320.onnx',
      format: 'yolo',
      inputWidth: 320,
      inputHeight: 320,
      labels: [...COCO_LABELS],
      provider: 'cpu',
      active: false,
    };
  } else {
    info = args.model
      ? { ...defaultModelInfo(), id: 'bench', file: resolve(args.model) }
      : defaultModelInfo();
  }
  const file = modelPath(info, dir);
  const spec = inputSpecFor(info);
  const decoder = decoderFor(info.format);
  const decodeOpts = defaultDecodeOptions(info, { scoreThreshold: 0.1 });
  const minSeconds = args.quick ? 0 : 4;
  const minRuns = args.quick ? 1 : 3;
  log(
    `model ${info.id} (${file}), input ${spec.width}x${spec.height}, ${args.threads} intra-op threads, ${cpus().length} cores${args.quick ? ', quick' : ''}`,
  );

  // --- raw onnxruntime on the main thread -------------------------------------------------------
  log('loading the raw session');
  const raw = await ort.InferenceSession.create(file, {
    intraOpNumThreads: args.threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    executionProviders: ['cpu'],
  });
  const fetches = decoder.outputNames.filter((n) => raw.outputNames.includes(n));
  const fetchNames = fetches.length > 0 ? fetches : [...raw.outputNames];
  // --- our path: worker thread session behind the dynamic batcher --------------------------------
  log('starting the session worker');
  const loaded = await loadModel(
    info,
    { workers: 1, intraOpThreads: args.threads, interOpThreads: 1, provider: 'cpu', modelsDir: dir },
    createLogger('bench', 'warn'),
  );
  const frameMeta = {
    width: spec.width,
    height: spec.height,
    source: { width: spec.width, height: spec.height },
    letterbox: { scale: 1, padX: 0, padY: 0 },
  };
  const transform = regionTransform([0, 0, spec.width, spec.height], spec.width, spec.height);
  const imgs = pictures(8, spec.width, spec.height);

  const lagMonitor = () => {
    const h = monitorEventLoopDelay({ resolution: 10 });
    h.enable();
    return () => {
      h.disable();
      return h.max / 1e6;
    };
  };

  async function measureRaw(batch: number, runs: number): Promise<Measure> {
    const t = toInputTensor(
      Array.from({ length: batch }, (_, i) => imgs[i % imgs.length]!),
      spec,
    );
    const feeds = { [spec.inputName]: new ort.Tensor('float32', t.data, t.dims) };
    const lat: number[] = [];
    const stop = lagMonitor();
    const t0 = performance.now();
    for (let i = 0; i < runs; i++) {
      const r0 = performance.now();
      await raw.run(feeds, fetchNames);
      lat.push(performance.now() - r0);
    }
    const seconds = (performance.now() - t0) / 1000;
    return { images: batch * runs, seconds, latenciesMs: lat, maxLoopLagMs: stop() };
  }

  async function measureOurs(batch: number, runs: number): Promise<Measure> {
    const lat: number[] = [];
    const overhead: number[] = [];
    let submitted = 0;
    let done = 0;
    let finish: () => void = () => undefined;
    const finished = new Promise<void>((r) => {
      finish = r;
    });
    type Frame = { cameraId: string; capturedAt: number; pixels: Uint8Array };
    // One frame from each of `batch` cameras makes a full batch; a new round is fed when a batch
    // completes, so two batches are always in flight and the worker never waits for the main thread.
    const feed = () => {
      submitted++;
      for (let c = 0; c < batch; c++)
        batcher.push({ cameraId: `cam${c}`, capturedAt: Date.now(), pixels: imgs[c % imgs.length]! });
    };
    const batcher = new DynamicBatcher<Frame>(
      { maxBatchSize: batch, maxDelayMs: 0, maxFrameAgeMs: 600_000, maxInFlight: 2, activeWindowMs: 0 },
      async (b) => {
        const bytes = spec.width * spec.height * 3;
        const packed = new Uint8Array(b.items.length * bytes);
        for (const [i, f] of b.items.entries()) packed.set(f.pixels, i * bytes);
        const r0 = performance.now();
        const r = await loaded.pool.detect(
          packed.buffer,
          b.items.length,
          b.items.map(() => decodeOpts),
        );
        lat.push(performance.now() - r0);
        overhead.push(r.timings.prepMs + r.timings.decodeMs);
        // Back to source coordinates, as the service does.
        for (const dets of r.detections)
          for (const d of dets) frameToSourceNorm(modelToFrame(d.box, transform), frameMeta);
        done++;
        if (submitted < runs) feed();
        if (done >= runs) finish();
      },
    );
    const stop = lagMonitor();
    const t0 = performance.now();
    feed();
    if (runs > 1) feed();
    await finished;
    const seconds = (performance.now() - t0) / 1000;
    const maxLoopLagMs = stop();
    await batcher.close();
    return { images: batch * done, seconds, latenciesMs: lat, maxLoopLagMs, overheadMs: overhead };
  }

  async function measureNaive(frames: number): Promise<Measure> {
    const lat: number[] = [];
    const stop = lagMonitor();
    const t0 = performance.now();
    for (let i = 0; i < frames; i++) {
      const r0 = performance.now();
      const t = toInputTensor([imgs[i % imgs.length]!], spec);
      const out = await raw.run({ [spec.inputName]: new ort.Tensor('float32', t.data, t.dims) }, fetchNames);
      const outputs = Object.fromEntries(
        fetchNames.map((n) => [n, { data: out[n]!.data as Float32Array, dims: [...out[n]!.dims] }]),
      );
      decoder.decode(outputs, 0, decodeOpts);
      lat.push(performance.now() - r0);
    }
    const seconds = (performance.now() - t0) / 1000;
    return { images: frames, seconds, latenciesMs: lat, maxLoopLagMs: stop() };
  }

  const merge = (a: Measure, b: Measure): Measure => ({
    images: a.images + b.images,
    seconds: a.seconds + b.seconds,
    latenciesMs: [...a.latenciesMs, ...b.latenciesMs],
    maxLoopLagMs: Math.max(a.maxLoopLagMs, b.maxLoopLagMs),
    ...(a.overheadMs || b.overheadMs
      ? { overheadMs: [...(a.overheadMs ?? []), ...(b.overheadMs ?? [])] }
      : {}),
  });
  const empty = (): Measure => ({ images: 0, seconds: 0, latenciesMs: [], maxLoopLagMs: 0 });

  const rows: Array<{
    batch: number;
    raw: ReturnType<typeof summary>;
    ours: ReturnType<typeof summary>;
    ratio: number;
  }> = [];
  for (const batch of args.batches) {
    log(`batch ${batch}: warm-up`);
    await measureRaw(batch, 1);
    await measureOurs(batch, 1);
    // Interleave short rounds so load from other processes hits both paths alike.
    let r = empty();
    let o = empty();
    let round_ = 0;
    while (round_ < minRuns || r.seconds + o.seconds < 2 * minSeconds) {
      round_++;
      r = merge(r, await measureRaw(batch, 1));
      o = merge(o, await measureOurs(batch, 2));
      log(
        `batch ${batch} round ${round_}: raw ${(r.images / r.seconds).toFixed(2)} img/s, ours ${(o.images / o.seconds).toFixed(2)} img/s`,
      );
      if (round_ >= 50) break;
    }
    const row = {
      batch,
      raw: summary(r),
      ours: summary(o),
      ratio: round(o.images / o.seconds / (r.images / r.seconds), 3),
    };
    rows.push(row);
    log(`batch ${batch}: ratio ${row.ratio}`);
  }
  log('naive baseline: one frame at a time on the main thread');
  await measureNaive(1);
  const naive = summary(
    await measureNaive(args.quick ? 2 : Math.max(4, Math.ceil(rows[0]?.raw.imagesPerSecond ?? 4) * 4)),
  );
  await loaded.pool.close();
  await raw.release();

  const best = rows.reduce((a, b) => (b.ours.imagesPerSecond > a.ours.imagesPerSecond ? b : a), rows[0]!);
  const result = {
    benchmark: 'inference',
    at: new Date().toISOString(),
    quick: args.quick,
    model: { id: info.id, file, format: info.format, input: [spec.width, spec.height] },
    threads: { intraOp: args.threads, interOp: 1 },
    machine: { cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version },
    provider: loaded.provider,
    target: { ratio: 0.9 },
    rows,
    naive,
    summary: {
      minRatio: Math.min(...rows.map((r) => r.ratio)),
      meetsTarget: rows.every((r) => r.ratio >= 0.9),
      bestBatch: best.batch,
      bestImagesPerSecond: best.ours.imagesPerSecond,
      speedupOverNaive: round(best.ours.imagesPerSecond / naive.imagesPerSecond, 2),
    },
  };
  const md = [
    `# Inference benchmark (${result.at})`,
    '',
    `Model \`${info.id}\` (${info.format}, ${spec.width}x${spec.height}), provider ${loaded.provider}, ${args.threads} intra-op threads, ${cpus().length} cores (${result.machine.cpu})${args.quick ? ', **quick run**' : ''}.`,
    '',
    '| batch | raw img/s | ours img/s | ratio (≥ 0.9) | raw p50 ms/batch | ours p50 ms/batch | worker prep+decode ms | ours stall ms |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.batch} | ${r.raw.imagesPerSecond} | ${r.ours.imagesPerSecond} | ${r.ratio} | ${r.raw.latencyP50Ms} | ${r.ours.latencyP50Ms} | ${r.ours.workerPrepDecodeMsP50 ?? '-'} | ${r.ours.maxEventLoopStallMs} |`,
    ),
    '',
    `Naive (one frame at a time on the main thread): ${naive.imagesPerSecond} img/s, p50 ${naive.latencyP50Ms} ms, event loop stalled up to ${naive.maxEventLoopStallMs} ms.`,
    `Best: batch ${best.batch} at ${best.ours.imagesPerSecond} img/s, ${result.summary.speedupOverNaive}x naive. Lowest ratio ${result.summary.minRatio}.`,
    '',
    '`ours` latency is submit → result with two batches in flight (it includes waiting for the previous batch).',
    '`worker prep+decode` is the time the worker spends outside session.run per batch (RGB24 → tensor, decode):',
    'the part of the pipeline that raw onnxruntime does not do; it does not depend on machine load as much as img/s.',
    '',
  ].join('\n');
  const outDir = join(root, 'tests', 'bench', 'results');
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, 'inference.json'), `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(join(outDir, 'inference.md'), md);
  process.stdout.write(`\n${md}\n`);
  log(`wrote ${join(outDir, 'inference.json')} and inference.md`);
}

main().catch((err) => {
  process.stderr.write(`[bench:inference] failed: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
