import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { KV } from '@nats-io/kv';
import type { CameraLease, NatsConnection } from '@sentinel/common';
import { uniqueId, waitFor } from '@sentinel/common/testing/index';
import { buckets, camera, connect, DemoServer, freePort, putCamera, readStatus } from './helpers.ts';

type Proc = { id: string; port: number; proc: ChildProcess; log: string[] };

/** One ingest worker as its own process (npm start), so it can be killed for real. */
async function spawnWorker(group: string, id: string): Promise<Proc> {
  const port = await freePort();
  const log: string[] = [];
  const proc = spawn(process.execPath, ['--import', 'tsx', resolve(import.meta.dirname, '../src/main.ts')], {
    cwd: resolve(import.meta.dirname, '..'),
    env: {
      ...process.env,
      UV_THREADPOOL_SIZE: '32',
      INGEST_GROUP: group,
      INGEST_WORKER_ID: id,
      INGEST_OPS_PORT: String(port),
      INGEST_MAX_CAMERAS: '8',
      INGEST_SNAPSHOT_FPS: '0',
      INGEST_WATCHDOG_MS: '6000',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout?.on('data', (d) => log.push(String(d)));
  proc.stderr?.on('data', (d) => log.push(String(d)));
  await waitFor(
    async () => {
      const r = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
      return r?.status === 200;
    },
    { timeoutMs: 20_000, label: `worker ${id} ready (${log.join('').slice(-500)})` },
  );
  return { id, port, proc, log };
}

describe('ownership: two workers split cameras and fail over', () => {
  const group = uniqueId('cl');
  const cams = Array.from({ length: 4 }, (_, i) => `cam${i}-${group}`);
  let server: DemoServer;
  let nc: NatsConnection;
  let kv: { cameras: KV; leases: KV; status: KV };
  const workers: Proc[] = [];

  const owners = async () => {
    const out = new Map<string, string>();
    for (const c of cams) {
      const e = await kv.leases.get(c);
      if (e?.operation === 'PUT') out.set(c, (e.json() as CameraLease).workerId);
    }
    return out;
  };

  before(async () => {
    server = await DemoServer.start();
    nc = await connect('ingest-cluster-test');
    kv = await buckets(nc);
    const [a, b] = await Promise.all([spawnWorker(group, `${group}-a`), spawnWorker(group, `${group}-b`)]);
    workers.push(a!, b!);
    for (const c of cams)
      await putCamera(
        kv.cameras,
        camera(group, c, server.url('demo'), { detectFps: 2, motion: { enabled: false } }),
      );
  });

  after(async () => {
    for (const w of workers) if (w.proc.exitCode === null) w.proc.kill('SIGKILL');
    for (const c of cams) {
      await kv.cameras.delete(c).catch(() => undefined);
      await kv.status.delete(c).catch(() => undefined);
      await kv.leases.delete(c).catch(() => undefined);
    }
    await nc?.close();
    await server?.stop();
  });

  test('cameras split between the two workers and all stream', async () => {
    const split = await waitFor(
      async () => {
        const o = await owners();
        const counts = new Set(o.values());
        return o.size === cams.length && counts.size === 2 ? o : undefined;
      },
      { timeoutMs: 20_000, label: 'both workers own cameras' },
    );
    for (const c of cams)
      await waitFor(async () => (await readStatus(kv.status, c))?.state === 'streaming', {
        timeoutMs: 15_000,
        label: `${c} streaming`,
      });
    for (const c of cams) assert.equal((await readStatus(kv.status, c))?.workerId, split.get(c));
    const metrics = await (await fetch(`http://127.0.0.1:${workers[0]!.port}/metrics`)).text();
    assert.match(metrics, /ingest_owned_cameras\{service="ingest"\} [1-4]/);
    assert.match(metrics, /ingest_camera_state\{camera="cam\d-[^"]+",state="streaming",service="ingest"\} 1/);
  });

  test('killing a worker moves its cameras to the survivor within 10 s', async () => {
    const before = await owners();
    const victim = workers[0]!;
    const survivor = workers[1]!;
    const moved = cams.filter((c) => before.get(c) === victim.id);
    assert.ok(moved.length > 0);
    const killedAt = Date.now();
    victim.proc.kill('SIGKILL');
    await waitFor(
      async () => {
        const o = await owners();
        return cams.every((c) => o.get(c) === survivor.id);
      },
      { timeoutMs: 10_000, intervalMs: 200, label: 'all leases on the survivor' },
    );
    for (const c of moved)
      await waitFor(
        async () => {
          const s = await readStatus(kv.status, c);
          return s?.workerId === survivor.id && s.state === 'streaming';
        },
        {
          timeoutMs: Math.max(1000, 10_000 - (Date.now() - killedAt)),
          intervalMs: 200,
          label: `${c} streaming on survivor`,
        },
      );
    const took = Date.now() - killedAt;
    assert.ok(took < 10_000, `failover took ${took} ms`);
  });

  test('a graceful stop hands cameras back at once', async () => {
    const survivor = workers[1]!;
    const exited = new Promise((r) => survivor.proc.once('exit', r));
    survivor.proc.kill('SIGTERM');
    await exited;
    assert.equal(survivor.proc.exitCode, 0, survivor.log.join('').slice(-1000));
    assert.equal((await owners()).size, 0, 'leases deleted on shutdown');
    for (const c of cams) {
      const st = await readStatus(kv.status, c);
      assert.equal(st?.state, 'offline');
      assert.equal(st?.detail, 'worker stopped');
    }
  });
});
