import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { connectNats, createLogger, streamNames } from '@sentinel/common';
import { createTestDatabase, stackConfig, uniqueId, waitFor } from '@sentinel/common/testing/index';

const freePort = () =>
  new Promise<number>((res) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });

describe('service main: ops routes and graceful SIGTERM', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let storage: string;
  const durable = uniqueId('annotator-main').replace(/[^A-Za-z0-9_-]/g, '_');
  before(async () => {
    db = await createTestDatabase();
    storage = await mkdtemp(join(tmpdir(), 'annotator-main-'));
  });
  after(async () => {
    const nc = await connectNats(stackConfig().NATS_URL, 'annotator-main-test', createLogger('t', 'silent'));
    const jsm = await jetstreamManager(nc);
    await jsm.consumers.delete(streamNames.hardExamples, durable).catch(() => {});
    await nc.close();
    await db?.drop();
    if (storage) await rm(storage, { recursive: true, force: true });
  });

  it('serves /healthz, /readyz (postgres, redis, nats), /metrics, the web app path, then exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', resolve(import.meta.dirname, '../src/main.ts')],
      {
        env: {
          ...process.env,
          DATABASE_URL: db.url,
          ANNOTATOR_OPS_PORT: String(port),
          ANNOTATOR_STORAGE_DIR: storage,
          ANNOTATOR_INTAKE_DURABLE: durable,
          ANNOTATOR_INTAKE_DELIVER_POLICY: 'new',
          SENTINEL_JWT_SECRET: 'main-test-secret-0123456789-0123456789-abc',
          LOG_LEVEL: 'info',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      const base = `http://127.0.0.1:${port}`;
      await waitFor(async () => (await fetch(`${base}/healthz`)).ok, {
        timeoutMs: 30_000,
        label: `healthz\n${out}`,
      });
      const ready = await (await fetch(`${base}/readyz`)).json();
      assert.deepEqual(ready, { ok: true, checks: { postgres: 'ok', redis: 'ok', nats: 'ok' } });
      const metrics = await (await fetch(`${base}/metrics`)).text();
      assert.match(metrics, /# TYPE annotator_intake_messages_total counter/);
      assert.match(metrics, /service="annotator"/);
      const unauth = await fetch(`${base}/api/v1/annotation/tasks`);
      assert.equal(unauth.status, 401);
      const web = await fetch(`${base}/annotator/`);
      assert.ok(web.status === 200 || web.status === 503, `web app: ${web.status}`);
      child.kill('SIGTERM');
      const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 15_000))]);
      assert.equal(code, 0, out);
      assert.match(out, /shutting down/);
      assert.match(out, /"step":"annotator"/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
