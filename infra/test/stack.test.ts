import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const stackSh = resolve(import.meta.dirname, '../local/stack.sh');

/** A second, throw-away stack on other ports, so the project's running stack is untouched. */
const ports = {
  SENTINEL_NATS_PORT: '14422',
  SENTINEL_NATS_MONITOR_PORT: '18422',
  SENTINEL_PG_PORT: '15433',
  SENTINEL_REDIS_PORT: '16380',
};
let dataDir: string;
const squatters: Server[] = [];

const listen = (port: number) =>
  new Promise<Server | undefined>((res) => {
    const s = createServer();
    s.once('error', () => res(undefined)); // already taken by a real system service: fine, that is the point
    s.listen(port, '127.0.0.1', () => res(s));
  });

const stack = (arg: string, extra: Record<string, string> = {}) =>
  run('bash', [stackSh, arg], {
    env: { ...process.env, ...ports, ...extra, SENTINEL_STACK_DATA: dataDir },
    timeout: 120_000,
  });

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'sentinel-stack-'));
  // Postgres runs as the 'postgres' user when we are root: it must be able to enter the folder.
  await run('chmod', ['755', dataDir]);
  for (const p of [4222, 5432, 6379]) {
    const s = await listen(p);
    if (s) squatters.push(s);
  }
});

after(async () => {
  await stack('down').catch(() => {});
  for (const s of squatters) s.close();
  await rm(dataDir, { recursive: true, force: true });
});

test('the stack starts and reports healthy while the default system ports are occupied', async () => {
  const up = await stack('up');
  assert.match(up.stderr, /stack is up/);
  const status = await stack('status');
  assert.match(status.stdout, /nats\s+healthy/);
  assert.match(status.stdout, /postgres\s+healthy/);
  assert.match(status.stdout, /redis\s+healthy/);
  // idempotent: a second up changes nothing and says so
  const again = await stack('up');
  assert.match(again.stderr, /nats: already running/);
  assert.match(again.stderr, /postgres: already running/);
});

test('an occupied project port gives one clear line and exits non-zero', async () => {
  await stack('down');
  const squat = await listen(14999);
  assert.ok(squat, 'test port 14999 free');
  try {
    await assert.rejects(
      stack('up', { SENTINEL_REDIS_PORT: '14999' }),
      (err: { stderr: string; code: number }) => {
        assert.equal(err.code, 1);
        assert.match(
          err.stderr,
          /redis: port 14999 is already used by another process \(not ours\)\. .*SENTINEL_REDIS_PORT/,
        );
        return true;
      },
    );
  } finally {
    squat.close();
  }
});

test('stale pid files are detected and replaced, data is kept', async () => {
  await stack('down');
  await mkdir(join(dataDir, 'run'), { recursive: true });
  await writeFile(join(dataDir, 'run', 'nats.pid'), '999999\n');
  await writeFile(join(dataDir, 'run', 'redis.pid'), '999998\n');
  const up = await stack('up');
  assert.match(up.stderr, /nats: removing stale pid file/);
  assert.match(up.stderr, /redis: removing stale pid file/);
  assert.match((await stack('status')).stdout, /redis\s+healthy/);
});

test('status of a stopped stack exits non-zero and names what is down', async () => {
  await stack('down');
  await assert.rejects(stack('status'), (err: { stdout: string }) => {
    assert.match(err.stdout, /nats\s+DOWN/);
    assert.match(err.stdout, /postgres\s+DOWN/);
    return true;
  });
});
