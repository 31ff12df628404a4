/**
 * `npm run detect -w inference -- [--json] [--threshold 0.4] [--model FILE --format centernet|yolo] IMAGE...`
 *
 * Runs the active model (table `models`, when PostgreSQL is reachable; else the default detector in the
 * models directory, provisioned if missing) on image files and prints, per image,
 * `{"image","detections":[{"label","score","box":[x,y,w,h]}]}` in image pixels (one JSON line per image
 * with --json, a readable table otherwise). A bad image is reported on stderr and the others still run;
 * the exit code is 1 when any image failed.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { COCO_LABELS, createPool, loadConfig, type ModelInfo } from '@sentinel/common';
import { defaultModelInfo, ensureDefaultModel } from '../model/default-model.ts';
import { ImageDetector } from '../model/detector.ts';
import { getActiveModel, modelPath } from '../model/registry.ts';

const USAGE =
  'usage: npm run detect -w inference -- [--json] [--threshold 0.4] [--model FILE --format centernet|yolo] IMAGE...';

async function activeModel(cfg: ReturnType<typeof loadConfig>): Promise<ModelInfo | null> {
  const pool = createPool(cfg.DATABASE_URL, { max: 1 });
  try {
    return await Promise.race([
      getActiveModel(pool),
      new Promise<null>((r) => setTimeout(() => r(null), 3000).unref()),
    ]);
  } catch {
    return null;
  } finally {
    await pool.end().catch(() => {});
  }
}

async function main(): Promise<number> {
  let args: ReturnType<typeof parse>;
  const parse = () =>
    parseArgs({
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        threshold: { type: 'string' },
        model: { type: 'string' },
        format: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  try {
    args = parse();
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (args.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  // npm runs workspace scripts inside the workspace folder: resolve paths from where the user ran npm
  const base = process.env.INIT_CWD ?? process.cwd();
  const images = args.positionals.map((p) => resolve(base, p));
  const shown = (abs: string) => args.positionals[images.indexOf(abs)] ?? abs;
  if (images.length === 0) {
    process.stderr.write(`no image given\n${USAGE}\n`);
    return 2;
  }
  const threshold = args.values.threshold === undefined ? undefined : Number(args.values.threshold);
  if (threshold !== undefined && !(threshold >= 0 && threshold <= 1)) {
    process.stderr.write(`--threshold must be a number between 0 and 1\n`);
    return 2;
  }
  const format = args.values.format ?? 'centernet';
  if (format !== 'centernet' && format !== 'yolo') {
    process.stderr.write(`--format must be centernet or yolo\n`);
    return 2;
  }

  const cfg = loadConfig();
  let file: string;
  let info: Pick<ModelInfo, 'format' | 'labels'> & { id: string };
  if (args.values.model) {
    file = resolve(base, args.values.model);
    info = { id: file, format, labels: [...COCO_LABELS] };
  } else {
    const active = await activeModel(cfg);
    if (active) {
      file = modelPath(active, cfg.SENTINEL_MODELS_DIR);
      info = active;
    } else {
      const log = (m: string) => process.stderr.write(`[detect] ${m}\n`);
      file = (await ensureDefaultModel({ modelsDir: cfg.SENTINEL_MODELS_DIR, log })).path;
      info = defaultModelInfo();
    }
  }

  let detector: ImageDetector;
  try {
    detector = await ImageDetector.open(file, info);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 1;
  }
  let failed = 0;
  try {
    for (const image of images) {
      try {
        const res = await detector.detectFile(
          image,
          threshold === undefined ? {} : { scoreThreshold: threshold },
        );
        const detections = res.detections.map((d) => ({
          label: d.label,
          score: Number(d.score.toFixed(4)),
          box: d.box.map((v) => Number(v.toFixed(1))) as [number, number, number, number],
        }));
        if (args.values.json)
          process.stdout.write(`${JSON.stringify({ image: shown(image), detections })}\n`);
        else {
          process.stdout.write(
            `${shown(image)} (${res.source.width}x${res.source.height}, model ${info.id}): ${detections.length} detections\n`,
          );
          if (detections.length > 0) {
            process.stdout.write(
              `  ${'label'.padEnd(16)} ${'score'.padStart(6)}  ${'x'.padStart(7)} ${'y'.padStart(7)} ${'w'.padStart(7)} ${'h'.padStart(7)}\n`,
            );
            for (const d of detections)
              process.stdout.write(
                `  ${d.label.padEnd(16)} ${d.score.toFixed(3).padStart(6)}  ${d.box.map((v) => v.toFixed(1).padStart(7)).join(' ')}\n`,
              );
          }
        }
      } catch (err) {
        failed++;
        process.stderr.write(`${shown(image)}: cannot detect (${(err as Error).message})\n`);
      }
    }
  } finally {
    await detector.close();
  }
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`detect failed: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
