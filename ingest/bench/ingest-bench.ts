/**
 * Ingest benchmark: decode + scale throughput of our GStreamer pipelines (through gstreamer-superficial,
 * every frame letterboxed to the model size and pulled into Node) for N concurrent demo cameras, as a
 * ratio to a `gst-launch-1.0` decode-only baseline of the same H.264 stream, measured in the same run.
 *
 *   npm run bench:ingest -w ingest                 # short: 1080p, N = 1, 2, first 300 frames (~30-60 s)
 *   npm run bench:ingest -w ingest -- --long       # 720p and 1080p, N = 1, 2, 4, whole clip (795 frames)
 *   npm run bench:ingest -w ingest -- --cameras 1,2,3 --streams 1080
 *
 * Throughput is reported as frames/s (wall) and frames per CPU-second (per core: user + system time
 * of the processes doing the work). Results: tests/bench/results/ingest-<time>.{json,md}.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { MotionDetector } from '../src/motion/motion-detector.ts';
import { letterbox } from '../src/pipeline/describe.ts';
import { GstSession } from '../src/pipeline/gst-session.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const { values } = parseArgs({
  options: {
    long: { type: 'boolean', default: false },
    cameras: { type: 'string' },
    streams: { type: 'string' },
    width: { type: 'string', default: '512' },
    height: { type: 'string', default: '512' },
    frames: { type: 'string' },
  },
});
const W = Number(values.width);
const H = Number(values.height);
/** Frames decoded per camera and pass (identity eos-after); the clip has 795. */
const FRAMES = Number(values.frames ?? (values.long ? 100_000 : 300));
const limit = `identity eos-after=${FRAMES}`;
const cameraCounts = (values.cameras ?? (values.long ? '1,2,4' : '1,2')).split(',').map(Number);
const streams = (values.streams ?? (values.long ? '720,1080' : '1080')).split(',');
const STREAM_FILES: Record<string, { file: string; width: number; height: number }> = {
  native: { file: 'vtest-native.h264', width: 768, height: 576 },
  '720': { file: 'vtest-720.h264', width: 1280, height: 720 },
  '1080': { file: 'vtest-1080.h264', width: 1920, height: 1080 },
};

type Run = { frames: number; wallS: number; cpuS: number };

/** N parallel `gst-launch-1.0 ... avdec_h264 ! fakesink` processes; CPU from bash's `time` of the children. */
async function baseline(file: string, n: number): Promise<Run> {
  const cmd = Array.from(
    { length: n },
    () =>
      `gst-launch-1.0 -q filesrc location='${file}' ! h264parse ! ${limit} ! avdec_h264 ! fakesink sync=false &`,
  ).join(' ');
  const started = process.hrtime.bigint();
  const out = await new Promise<string>((res, rej) => {
    const p = spawn('bash', ['-c', `TIMEFORMAT='%U %S'; time ( ${cmd} wait )`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    p.stderr.on('data', (d) => {
      err += d;
    });
    p.on('exit', (code) => (code === 0 ? res(err) : rej(new Error(`gst-launch failed: ${err}`))));
  });
  const wallS = Number(process.hrtime.bigint() - started) / 1e9;
  const [u, s] = out.trim().split('\n').pop()!.split(' ').map(Number);
  return { frames: n * Math.min(FRAMES, framesIn(file)), wallS, cpuS: u! + s! };
}

/**
 * N in-process pipelines: decode, letterbox-scale to W x H RGB, pull into Node (optionally run motion).
 * `detectFps` adds the service's videorate before scaling (scale and pull only at the detect rate);
 * throughput then counts decoded frames, as the baseline does.
 */
async function ours(
  file: string,
  n: number,
  source: { width: number; height: number },
  motion: boolean,
  detectFps?: number,
): Promise<Run> {
  const cpu0 = process.cpuUsage();
  const started = process.hrtime.bigint();
  const lb = letterbox(source, { width: W, height: H });
  let frames = 0;
  await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<void>((res, rej) => {
          const detector = new MotionDetector({ threshold: 30, minArea: 0.0005, masks: [] });
          const s = new GstSession(
            `filesrc location="${file}" ! h264parse ! ${limit} ! avdec_h264 ` +
              (detectFps
                ? `! videorate drop-only=true max-rate=${detectFps} ! video/x-raw,framerate=${detectFps}/1 `
                : '') +
              '! videoconvertscale add-borders=true ' +
              `! video/x-raw,format=RGB,width=${W},height=${H},pixel-aspect-ratio=1/1 ! appsink name=sink max-buffers=2 drop=false sync=false`,
            {
              onFrame: (buf) => {
                frames++;
                if (motion) detector.detect(buf, W, lb.content);
              },
              onSnapshot: () => undefined,
              onError: (e) => {
                s.stop();
                rej(new Error(e.message));
              },
              onWarning: () => undefined,
              onEos: () => {
                s.stop();
                res();
              },
            },
          );
          s.start();
        }),
    ),
  );
  const wallS = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const decoded = detectFps ? n * Math.min(FRAMES, framesIn(file)) : frames;
  return { frames: decoded, wallS, cpuS: (cpu.user + cpu.system) / 1e6 };
}

const frameCache = new Map<string, number>();
function framesIn(file: string): number {
  if (!frameCache.has(file)) {
    const out = execFileSync(
      'ffprobe',
      [
        '-v',
        'error',
        '-count_packets',
        '-select_streams',
        'v:0',
        '-show_entries',
        'stream=nb_read_packets',
        '-of',
        'csv=p=0',
        file,
      ],
      { encoding: 'utf8' },
    );
    frameCache.set(file, Number(out.trim()));
  }
  return frameCache.get(file)!;
}

const fmt = (r: Run) => ({
  frames: r.frames,
  wallS: Math.round(r.wallS * 100) / 100,
  cpuS: Math.round(r.cpuS * 100) / 100,
  fps: Math.round((r.frames / r.wallS) * 10) / 10,
  fpsPerCore: Math.round((r.frames / r.cpuS) * 10) / 10,
});

async function main() {
  execFileSync('bash', [resolve(ROOT, 'infra/local/demo-camera/prepare-media.sh')], { stdio: 'inherit' });
  const results: Array<Record<string, unknown>> = [];
  const cores = availableParallelism();
  console.error(
    `ingest bench: ${cores} cores (${cpus()[0]?.model}), model size ${W}x${H}, cameras ${cameraCounts.join(',')}, ` +
      `streams ${streams.join(',')}, up to ${FRAMES} frames per camera`,
  );
  for (const stream of streams) {
    const spec = STREAM_FILES[stream];
    if (!spec) throw new Error(`unknown stream ${stream} (native, 720, 1080)`);
    const file = resolve(ROOT, '.data/demo', spec.file);
    for (const n of cameraCounts) {
      console.error(`  ${stream}p x${n}: gst-launch decode-only baseline ...`);
      const b = fmt(await baseline(file, n));
      console.error(`  ${stream}p x${n}: ours (decode + scale + pull) ...`);
      const o = fmt(await ours(file, n, spec, false));
      console.error(`  ${stream}p x${n}: ours + motion detection ...`);
      const m = fmt(await ours(file, n, spec, true));
      console.error(`  ${stream}p x${n}: service path (decode all, videorate 5 fps, scale, motion) ...`);
      const d = fmt(await ours(file, n, spec, true, 5));
      const row = {
        stream: `${spec.width}x${spec.height}`,
        cameras: n,
        baseline: b,
        decodeScale: o,
        decodeScaleMotion: m,
        servicePath5fps: d,
        ratioPerCoreServicePath: Math.round((d.fpsPerCore / b.fpsPerCore) * 1000) / 1000,
        ratioPerCore: Math.round((o.fpsPerCore / b.fpsPerCore) * 1000) / 1000,
        ratioPerCoreWithMotion: Math.round((m.fpsPerCore / b.fpsPerCore) * 1000) / 1000,
        ratioWall: Math.round((o.fps / b.fps) * 1000) / 1000,
      };
      results.push(row);
      console.error(
        `    baseline ${b.fps} fps (${b.fpsPerCore}/core) | ours ${o.fps} fps (${o.fpsPerCore}/core) ratio ${row.ratioPerCore} | +motion ${m.fps} fps ratio ${row.ratioPerCoreWithMotion} | service path ${d.fps} decoded fps ratio ${row.ratioPerCoreServicePath}`,
      );
    }
  }
  const dir = resolve(ROOT, 'tests/bench/results');
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const report = {
    bench: 'ingest',
    at: new Date().toISOString(),
    cores,
    cpu: cpus()[0]?.model,
    modelSize: [W, H],
    framesPerCamera: FRAMES,
    results,
  };
  writeFileSync(resolve(dir, `ingest-${stamp}.json`), `${JSON.stringify(report, null, 2)}\n`);
  const md = [
    `# Ingest benchmark (${report.at})`,
    '',
    `${cores} cores, ${report.cpu}; frames letterboxed to ${W}x${H} RGB and pulled into Node; baseline = \`gst-launch-1.0 filesrc ! h264parse ! avdec_h264 ! fakesink\` on the same stream in the same run. Per core = frames per CPU-second (user + system).`,
    '',
    'Service path = what a camera costs in the service: every frame decoded, videorate to 5 fps, then scale, pull and motion (counted in decoded frames).',
    '',
    '| stream | cameras | baseline fps | baseline /core | ours fps | ours /core | ratio /core | + motion fps | ratio /core + motion | service path decoded fps | ratio /core service path |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...results.map((r) => {
      const b = r.baseline as ReturnType<typeof fmt>;
      const o = r.decodeScale as ReturnType<typeof fmt>;
      const m = r.decodeScaleMotion as ReturnType<typeof fmt>;
      const d = r.servicePath5fps as ReturnType<typeof fmt>;
      return `| ${r.stream} | ${r.cameras} | ${b.fps} | ${b.fpsPerCore} | ${o.fps} | ${o.fpsPerCore} | ${r.ratioPerCore} | ${m.fps} | ${r.ratioPerCoreWithMotion} | ${d.fps} | ${r.ratioPerCoreServicePath} |`;
    }),
    '',
  ].join('\n');
  writeFileSync(resolve(dir, `ingest-${stamp}.md`), md);
  console.log(md);
  console.error(`results: tests/bench/results/ingest-${stamp}.{json,md}`);
}

await main();
