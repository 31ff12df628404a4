/**
 * Minimal system starter for the browser tests (the lead's full version replaces this file):
 * starts the demo camera (idempotent), creates a fresh migrated database, and runs ingest, inference,
 * alerts and the gateway as child processes on free ports against it. Ingest runs in its own worker group
 * (INGEST_GROUP) so it only takes cameras tagged `ingest:<group>` (see `cameraTags`) and stays apart from
 * any other stack on the same NATS.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { createTestDatabase, waitFor } from '@sentinel/common/testing/index';

const ROOT = resolve(import.meta.dirname, '../..');
export const ARTIFACTS = resolve(ROOT, 'tests/artifacts');

export type Service = 'ingest' | 'inference' | 'alerts' | 'gateway';
export type System = {
  gatewayUrl: string;
  adminPassword: string;
  /** Tags a test camera needs so this system's ingest worker takes it. */
  cameraTags: string[];
  /** RTSP URL of the demo camera (people walking). */
  demoCameraUrl: string;
  stop: () => Promise<void>;
};

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => res(port));
    });
  });
}

async function ready(url: string): Promise<boolean> {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return r.ok;
  } catch {
    return false;
  }
}

export async function startSystem(
  opts: { services?: Service[]; env?: Record<string, string> } = {},
): Promise<System> {
  const services = opts.services ?? ['ingest', 'inference', 'alerts', 'gateway'];
  const rtspPort = process.env.SENTINEL_RTSP_PORT ?? '8554';
  await promisify(execFile)('bash', [resolve(ROOT, 'infra/local/demo-camera/demo-camera.sh'), 'start'], {
    cwd: ROOT,
    timeout: 60_000,
  });
  const db = await createTestDatabase();
  const group = `browser${randomBytes(3).toString('hex')}`;
  const adminPassword = `Adm-${randomBytes(9).toString('base64url')}`;
  const gatewayPort = await freePort();
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  const ports: Record<Service, number> = {
    gateway: gatewayPort,
    ingest: await freePort(),
    inference: await freePort(),
    alerts: await freePort(),
  };
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    DATABASE_URL: db.url,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    SENTINEL_ENV: 'test',
    PORT: String(gatewayPort),
    SENTINEL_ADMIN_PASSWORD: adminPassword,
    INGEST_OPS_PORT: String(ports.ingest),
    INGEST_GROUP: group,
    INGEST_WORKER_ID: `${group}-ingest`,
    INFERENCE_OPS_PORT: String(ports.inference),
    ALERTS_OPS_PORT: String(ports.alerts),
    ALERTS_PUBLIC_BASE_URL: gatewayUrl,
    ...opts.env,
  };
  mkdirSync(resolve(ARTIFACTS, 'logs'), { recursive: true });
  const children: { name: Service; proc: ChildProcess }[] = [];
  const stop = async () => {
    await Promise.all(
      children.map(
        ({ proc }) =>
          new Promise<void>((res) => {
            if (proc.exitCode !== null || proc.signalCode !== null) return res();
            const kill = setTimeout(() => proc.kill('SIGKILL'), 10_000);
            proc.once('exit', () => {
              clearTimeout(kill);
              res();
            });
            proc.kill('SIGTERM');
          }),
      ),
    );
    await db.drop().catch(() => undefined);
  };
  try {
    for (const name of services) {
      const log = createWriteStream(resolve(ARTIFACTS, 'logs', `${name}.log`));
      const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        cwd: resolve(ROOT, name),
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      proc.stdout?.pipe(log);
      proc.stderr?.pipe(log);
      children.push({ name, proc });
    }
    for (const { name, proc } of children) {
      const url = `http://127.0.0.1:${ports[name]}/readyz`;
      await waitFor(
        async () => {
          if (proc.exitCode !== null)
            throw new Error(`${name} exited with ${proc.exitCode} (see tests/artifacts/logs/${name}.log)`);
          return ready(url);
        },
        { timeoutMs: 90_000, intervalMs: 500, label: `${name} ready at ${url}` },
      );
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    gatewayUrl,
    adminPassword,
    cameraTags: [`ingest:${group}`],
    demoCameraUrl: `rtsp://127.0.0.1:${rtspPort}/demo`,
    stop,
  };
}
