import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, type HardExample } from '@sentinel/common';
import { type AuthUser, signAccessToken } from '@sentinel/common/auth/index';
import { createTestDatabase, uniqueId } from '@sentinel/common/testing/index';
import pg from 'pg';
import sharp from 'sharp';
import { loadAnnotatorConfig } from '../src/config.ts';
import { intakeHardExample } from '../src/intake/intake.ts';
import { type AnnotatorService, startAnnotator } from '../src/service.ts';

export const SECRET = new TextEncoder().encode('annotator-test-secret-0123456789-abcdefghij');

// biome-ignore lint/suspicious/noExplicitAny: test responses are read field by field
type ApiResponse = { status: number; json: any; bytes: Buffer; headers: Headers };

export type TestAnnotator = {
  svc: AnnotatorService;
  pool: pg.Pool;
  storageDir: string;
  token: (username: string, role?: AuthUser['role']) => Promise<string>;
  api: (
    method: string,
    path: string,
    opts?: { token?: string; body?: unknown; raw?: Uint8Array; contentType?: string },
  ) => Promise<ApiResponse>;
  addExample: (over?: Partial<HardExample>, jpeg?: Uint8Array) => Promise<number>;
  close: () => Promise<void>;
};

/** An annotator on a fresh database and storage folder, on a random loopback port. */
export async function startTestAnnotator(
  opts: { env?: Record<string, string>; intake?: false | { durable: string; filterSubject: string } } = {},
): Promise<TestAnnotator> {
  const db = await createTestDatabase();
  const storageDir = await mkdtemp(join(tmpdir(), 'annotator-test-'));
  const cfg = loadAnnotatorConfig({
    ...process.env,
    DATABASE_URL: db.url,
    ANNOTATOR_STORAGE_DIR: storageDir,
    LOG_LEVEL: 'warn',
    ...opts.env,
  });
  const logger = createLogger('annotator-test', process.env.TEST_LOG_LEVEL ?? 'silent');
  const svc = await startAnnotator(cfg, {
    logger,
    secret: SECRET,
    port: 0,
    intake:
      opts.intake === undefined
        ? false
        : opts.intake === false
          ? false
          : { ...opts.intake, deliverPolicy: 'new' },
  });
  const pool = new pg.Pool({ connectionString: db.url, max: 4 });
  const token = (username: string, role: AuthUser['role'] = 'annotator') =>
    signAccessToken({ id: `id-${username}`, username, role }, SECRET);
  const api: TestAnnotator['api'] = async (method, path, o = {}) => {
    const headers: Record<string, string> = {};
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    let body: BodyInit | undefined;
    if (o.raw) {
      headers['content-type'] = o.contentType ?? 'application/octet-stream';
      body = o.raw as unknown as BodyInit;
    } else if (o.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(o.body);
    }
    const res = await fetch(`${svc.url}/api/v1/annotation${path}`, { method, headers, body });
    const bytes = Buffer.from(await res.arrayBuffer());
    let json: unknown = null;
    if ((res.headers.get('content-type') ?? '').includes('json')) json = JSON.parse(bytes.toString('utf8'));
    return { status: res.status, json, bytes, headers: res.headers };
  };
  const addExample: TestAnnotator['addExample'] = async (over = {}, jpeg) => {
    const ex = sampleExample(over);
    const img = jpeg ?? (await testJpeg(ex.width, ex.height, Math.floor(Math.random() * 1e9)));
    const r = await intakeHardExample(
      { pool, images: svc.images, logger, dedupHamming: 6, dedupWindowSeconds: 600 },
      ex,
      img,
    );
    if (r.status !== 'created') throw new Error(`example not created: ${r.status}`);
    return r.taskId;
  };
  return {
    svc,
    pool,
    storageDir,
    token,
    api,
    addExample,
    close: async () => {
      await svc.stop();
      await pool.end();
      await db.drop();
      await rm(storageDir, { recursive: true, force: true });
    },
  };
}

export function sampleExample(over: Partial<HardExample> = {}): HardExample {
  const id = uniqueId('ex');
  return {
    cameraId: 'cam-test',
    frameId: `f-${id}`,
    capturedAt: Date.now(),
    trace: {},
    exampleId: id,
    reason: 'low_confidence',
    imageKey: `snap/${id}.jpg`,
    width: 320,
    height: 240,
    modelId: 'centernet-mbv3-coco',
    boxes: [{ label: 'person', classId: 0, score: 0.41, box: [0.1, 0.2, 0.2, 0.5] }],
    ...over,
  };
}

/**
 * A JPEG with distinct random rectangles (the seed picks them), so frames with different seeds
 * hash far apart and equal seeds are identical.
 */
export async function testJpeg(width: number, height: number, seed: number): Promise<Buffer> {
  let s = seed >>> 0 || 1;
  const rnd = () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const rects = Array.from({ length: 12 }, () => {
    const x = Math.floor(rnd() * width * 0.8);
    const y = Math.floor(rnd() * height * 0.8);
    const w = Math.floor(width * (0.1 + rnd() * 0.3));
    const h = Math.floor(height * (0.1 + rnd() * 0.3));
    const c = Math.floor(rnd() * 255);
    return `<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="rgb(${c},${255 - c},${(c * 7) % 255})"/>`;
  }).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="#808080"/>${rects}</svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer();
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type Box = { label: string; box: [number, number, number, number] };

/** Drive one task through annotation and review via the API. */
export async function annotateAndAccept(t: TestAnnotator, boxes: Box[]): Promise<number> {
  const a = await t.token('alice');
  const r = await t.token('rita');
  const task = (await t.api('POST', '/tasks/next', { token: a, body: {} })).json;
  const sub = await t.api('POST', `/tasks/${task.id}/submit`, {
    token: a,
    body: { version: task.version, boxes, noObjects: boxes.length === 0 },
  });
  assert.equal(sub.status, 200, JSON.stringify(sub.json));
  const rev = (await t.api('POST', '/tasks/next', { token: r, body: { stage: 'review' } })).json;
  assert.equal(rev.id, task.id);
  const acc = await t.api('POST', `/tasks/${rev.id}/review`, {
    token: r,
    body: { decision: 'accept', version: rev.version },
  });
  assert.equal(acc.status, 200);
  return task.id;
}
