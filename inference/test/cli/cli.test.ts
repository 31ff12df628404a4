import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createPool, type Pool } from '@sentinel/common';
import { createTestDatabase } from '@sentinel/common/testing/index';
import sharp from 'sharp';
import {
  buildSyntheticYoloModel,
  centernetSource,
  DEFAULT_MODEL_FILE,
  DEFAULT_MODEL_ID,
  getModel,
  registerModel,
  sha256File,
} from '../../src/model/index.ts';

const WORKSPACE = join(import.meta.dirname, '../..');
const HUMAN_ASSETS = join(dirname(centernetSource().json), '../assets');
const UNREACHABLE_NATS = 'nats://127.0.0.1:1';
const UNREACHABLE_PG = 'postgres://sentinel:sentinel@127.0.0.1:1/none';

function run(script: string, args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(WORKSPACE, 'src/cli', script), ...args], {
    cwd: WORKSPACE,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('npm run model:default', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: Pool;
  let dir: string;
  before(async () => {
    db = await createTestDatabase();
    pool = createPool(db.url, { max: 1 });
    dir = mkdtempSync(join(tmpdir(), 'models-'));
  });
  after(async () => {
    await pool?.end();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('converts once with progress, registers, then reuses the cached file; reconverts a tampered one', async () => {
    const env = { SENTINEL_MODELS_DIR: dir, DATABASE_URL: db.url, NATS_URL: UNREACHABLE_NATS };
    const first = run('model-default.ts', [], env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /converting @vladmandic\/human@[\d.]+ centernet .* \(model file missing\)/);
    assert.match(first.stdout, /converted 239\/239 ops/);
    assert.match(first.stdout, /validated: input 512x512, 80 classes/);
    assert.match(first.stdout, /NATS unreachable .*KV mirror skipped/);
    assert.match(first.stdout, /registered centernet-mbv3-coco \(active=true\) in table models/);
    const file = join(dir, DEFAULT_MODEL_FILE);
    const sha = await sha256File(file);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    assert.equal(manifest.models[DEFAULT_MODEL_FILE].sha256, sha);
    const row = await getModel(pool, DEFAULT_MODEL_ID);
    assert.equal(row?.sha256, sha);
    assert.equal(row?.format, 'centernet');
    assert.equal(row?.active, true);

    const mtime = statSync(file).mtimeMs;
    const second = run('model-default.ts', [], env);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /cached: .* \(up to date\)/);
    assert.doesNotMatch(second.stdout, /converting/);
    assert.equal(statSync(file).mtimeMs, mtime, 'file untouched');

    appendFileSync(file, 'tampered');
    const third = run('model-default.ts', [], env);
    assert.equal(third.code, 0, third.stderr);
    assert.match(third.stdout, /converting .*\(sha256 does not match the manifest\)/);
    assert.equal(await sha256File(file), sha, 'the same bytes as the first conversion');
  });

  it('still provisions the file when PostgreSQL is unreachable, skipping registration with a note', () => {
    const r = run('model-default.ts', [], {
      SENTINEL_MODELS_DIR: dir,
      DATABASE_URL: UNREACHABLE_PG,
      NATS_URL: UNREACHABLE_NATS,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /PostgreSQL unreachable .*registration skipped/);
  });
});

describe('npm run detect', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: Pool;
  let dir: string;
  let frame: string;
  before(async () => {
    db = await createTestDatabase();
    pool = createPool(db.url, { max: 1 });
    dir = mkdtempSync(join(tmpdir(), 'detect-'));
    frame = join(dir, 'vtest.jpg');
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-ss',
      '2',
      '-i',
      '/usr/share/doc/opencv-doc/examples/data/vtest.avi',
      '-frames:v',
      '1',
      frame,
    ]);
  });
  after(async () => {
    await pool?.end();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints detections in image pixels as JSON, one line per image, and reports bad images', () => {
    const bad = join(dir, 'broken.jpg');
    writeFileSync(bad, 'not a jpeg at all');
    // DATABASE_URL without an active model → the default detector (provisioned into a private dir)
    const r = run('detect.ts', ['--json', frame, bad, join(HUMAN_ASSETS, 'samples.jpg')], {
      DATABASE_URL: db.url,
      SENTINEL_MODELS_DIR: join(dir, 'models'),
    });
    assert.equal(r.code, 1, 'one image failed');
    assert.match(r.stderr, /broken\.jpg: cannot detect/);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(lines.length, 2);
    const [vtest, samples] = lines;
    assert.equal(vtest.image, frame);
    const persons = vtest.detections.filter((d: { label: string }) => d.label === 'person');
    assert.ok(persons.length >= 4, r.stdout);
    for (const d of vtest.detections) {
      assert.deepEqual(Object.keys(d).sort(), ['box', 'label', 'score']);
      const [x, y, w, h] = d.box;
      assert.ok(x >= 0 && y >= 0 && w > 0 && h > 0 && x + w <= 768.1 && y + h <= 576.1, JSON.stringify(d));
      assert.ok(d.score >= 0.4 && d.score <= 1);
    }
    assert.ok(samples.detections.some((d: { label: string }) => d.label === 'person'));
  });

  it('runs the active model from the registry (a YOLO export) and maps boxes back through the letterbox', async () => {
    const modelFile = join(dir, 'yolo.onnx');
    writeFileSync(modelFile, buildSyntheticYoloModel({ size: 64, cell: 8 }));
    await registerModel(
      { db: pool },
      {
        id: 'synthetic-yolo',
        file: modelFile,
        format: 'yolo',
        inputWidth: 64,
        inputHeight: 64,
        labels: (await import('@sentinel/common')).COCO_LABELS.slice(),
        provider: 'cpu',
        active: false,
      },
      { activate: true },
    );
    // 256x128 grey picture, red square at x 96..127, y 32..63: letterboxed to 64x64 at scale 1/4,
    // pad 16 px top → model cell (row 3, col 3), box centre (28, 28) side 16 → image [80, 16, 64, 64]
    const img = join(dir, 'red.png');
    const raw = Buffer.alloc(256 * 128 * 3, 40);
    for (let y = 32; y < 64; y++) for (let x = 96; x < 128; x++) raw.set([255, 0, 0], (y * 256 + x) * 3);
    await sharp(raw, { raw: { width: 256, height: 128, channels: 3 } })
      .png()
      .toFile(img);
    const r = run('detect.ts', [img], { DATABASE_URL: db.url });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /red\.png \(256x128, model synthetic-yolo\): 1 detections/);
    // (the edges of the square blend with the grey when resized, so the score is a little under 1)
    assert.match(r.stdout, /person\s+0\.9\d\d\s+80\.0\s+16\.0\s+64\.0\s+64\.0/);
    const j = run('detect.ts', ['--json', '--threshold', '0.5', img], { DATABASE_URL: db.url });
    const dets = JSON.parse(j.stdout).detections;
    assert.equal(dets.length, 1);
    assert.equal(dets[0].label, 'person');
    assert.ok(dets[0].score > 0.9);
    assert.deepEqual(dets[0].box, [80, 16, 64, 64]);
  });

  it('explains bad arguments', () => {
    const none = run('detect.ts', [], {});
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no image given/);
    const thr = run('detect.ts', ['--threshold', '7', frame], {});
    assert.equal(thr.code, 2);
    assert.match(thr.stderr, /--threshold must be a number between 0 and 1/);
    const badModel = run('detect.ts', ['--model', join(dir, 'nope.onnx'), frame], {});
    assert.equal(badModel.code, 1);
    assert.match(badModel.stderr, /nope\.onnx: cannot be read \(ENOENT\)/);
  });
});
