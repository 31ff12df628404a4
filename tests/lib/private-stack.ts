import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const STACK = join(ROOT, 'infra/local/stack.sh');
const DEMO = join(ROOT, 'infra/local/demo-camera/demo-camera.sh');

/**
 * A throw-away NATS + PostgreSQL + Redis (+ demo camera) on other ports with data in a temp folder, started by
 * the project's own scripts, so fault tests can stop and restart them without touching the shared stack.
 */
export async function startPrivateStack(base = 24000) {
  const dataDir = await mkdtemp(join(tmpdir(), 'sentinel-fault-'));
  await chmod(dataDir, 0o755);
  const env = {
    ...process.env,
    SENTINEL_STACK_DATA: dataDir,
    SENTINEL_NATS_PORT: String(base + 422),
    SENTINEL_NATS_MONITOR_PORT: String(base + 822),
    SENTINEL_PG_PORT: String(base + 433),
    SENTINEL_REDIS_PORT: String(base + 380),
    SENTINEL_RTSP_PORT: String(base + 554),
  };
  const stack = (...args: string[]) => run('bash', [STACK, ...args], { env, timeout: 120_000 });
  const camera = (...args: string[]) =>
    run('bash', [DEMO, ...args, '--port', env.SENTINEL_RTSP_PORT], { env, timeout: 300_000 });
  await stack('up');
  await camera('start');
  return {
    env,
    urls: {
      NATS_URL: `nats://127.0.0.1:${env.SENTINEL_NATS_PORT}`,
      DATABASE_URL: `postgres://sentinel:sentinel@127.0.0.1:${env.SENTINEL_PG_PORT}/sentinel`,
      REDIS_URL: `redis://127.0.0.1:${env.SENTINEL_REDIS_PORT}`,
    },
    rtspPort: Number(env.SENTINEL_RTSP_PORT),
    stop: (service: 'nats' | 'postgres' | 'redis') => stack('down', service),
    start: (service: 'nats' | 'postgres' | 'redis') => stack('up', service),
    stopCamera: () => run('bash', [DEMO, 'stop'], { env, timeout: 60_000 }),
    startCamera: () => camera('start'),
    destroy: async () => {
      await run('bash', [DEMO, 'stop'], { env }).catch(() => {});
      await stack('down').catch(() => {});
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
