import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { createTestDatabase } from '@sentinel/common/testing/index';
import { ManagedProcess } from './process-group.ts';
import { type SeedResult, seedDemo } from './seed-demo.ts';
import { SERVICES, type ServiceName } from './services.ts';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../../..');

export type SystemOptions = {
  /** Services to start (default: all). */
  services?: ServiceName[];
  /** Port overrides, e.g. { PORT: '18080', INGEST_OPS_PORT: '19101' }; tests use these to stay off a running system. */
  ports?: Partial<Record<string, number>>;
  /** Extra env for every service (DATABASE_URL of a test database, tuned intervals, ...). */
  env?: Record<string, string>;
  /** RTSP port of the demo camera (started when seeding or when demoCamera is true). */
  rtspPort?: number;
  demoCamera?: boolean;
  /** Create the demo camera, a zone and a zone rule through the API (idempotent). */
  seed?: boolean | { cameraId?: string; rtspPath?: string };
  logDir?: string;
  progress?: (line: string) => void;
  /**
   * Tests: a fresh migrated database, free ports for every service, a random admin password and an
   * ingest worker group of its own (its cameras carry the tag `ingest:<group>`), so the system stays
   * apart from anything else running on the same NATS.
   */
  isolated?: boolean;
};

export type RunningSystem = {
  gatewayUrl: string;
  adminPassword: string;
  seed?: SeedResult;
  /** Tags a camera needs so this system's ingest workers take it (isolated mode). */
  cameraTags: string[];
  demoCameraUrl: string;
  databaseUrl: string;
  env: NodeJS.ProcessEnv;
  processes: Map<ServiceName, ManagedProcess>;
  /** Start one more instance of a service (scale-out and fault tests). */
  startExtra(name: ServiceName, env: Record<string, string>, label: string): Promise<ManagedProcess>;
  stop(): Promise<void>;
};

async function waitReady(url: string, proc: ManagedProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (!proc.running)
      throw new Error(`${proc.name} exited with code ${proc.exitCode} before it was ready (see its log)`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
      last = `${res.status} ${await res.text()}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${proc.name} not ready at ${url} after ${timeoutMs} ms: ${last}`);
}

/** Start the demo camera and every service, wait until each /readyz answers 200, seed the demo rule. */
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

export async function startSystem(opts: SystemOptions = {}): Promise<RunningSystem> {
  const say = opts.progress ?? (() => {});
  const group = `sys${randomBytes(3).toString('hex')}`;
  const logDir = opts.logDir ?? join(ROOT, opts.isolated ? `tests/artifacts/logs/${group}` : '.data/logs');
  await mkdir(logDir, { recursive: true });
  const isolation: Record<string, string> = {};
  let dropDb = async () => {};
  if (opts.isolated) {
    const db = await createTestDatabase();
    dropDb = db.drop;
    Object.assign(isolation, {
      DATABASE_URL: db.url,
      SENTINEL_ENV: 'test',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
      SENTINEL_ADMIN_PASSWORD: `Adm-${randomBytes(9).toString('base64url')}`,
      INGEST_GROUP: group,
      INGEST_WORKER_ID: `${group}-ingest`,
      ASSISTANT_INDEXER_CONSUMER: `${group}-assistant-indexer`,
      ANNOTATOR_INTAKE_DURABLE: `${group}-annotator-intake`,
    });
  }
  const portEnv: Record<string, string> = {};
  for (const s of SERVICES)
    portEnv[s.portVar] = String(
      opts.ports?.[s.portVar] ?? (opts.isolated ? await freePort() : s.defaultPort),
    );
  for (const [k, v] of Object.entries(opts.ports ?? {})) if (v !== undefined) portEnv[k] = String(v);
  const gatewayUrl = `http://127.0.0.1:${portEnv.PORT}`;
  const rtspPort = opts.rtspPort ?? Number(process.env.SENTINEL_RTSP_PORT ?? 8554);
  const adminPassword =
    opts.env?.SENTINEL_ADMIN_PASSWORD ??
    isolation.SENTINEL_ADMIN_PASSWORD ??
    process.env.SENTINEL_ADMIN_PASSWORD ??
    '';
  const cameraTags = isolation.INGEST_GROUP ? [`ingest:${isolation.INGEST_GROUP}`] : [];
  const baseEnv: NodeJS.ProcessEnv = {
    ...process.env,
    ...isolation,
    ...portEnv,
    ASSISTANT_URL: `http://127.0.0.1:${portEnv.ASSISTANT_PORT}`,
    ANNOTATOR_URL: `http://127.0.0.1:${portEnv.ANNOTATOR_OPS_PORT}`,
    ALERTS_PUBLIC_BASE_URL: gatewayUrl,
    ...(adminPassword ? { SENTINEL_ADMIN_PASSWORD: adminPassword } : {}),
    ...opts.env,
  };

  if (opts.demoCamera ?? Boolean(opts.seed)) {
    say(`demo camera: rtsp://127.0.0.1:${rtspPort}/demo`);
    await run(
      'bash',
      [join(ROOT, 'infra/local/demo-camera/demo-camera.sh'), 'start', '--port', String(rtspPort)],
      {
        env: { ...process.env, SENTINEL_RTSP_PORT: String(rtspPort) },
        timeout: 300_000,
      },
    );
  }

  const processes = new Map<ServiceName, ManagedProcess>();
  const extras: ManagedProcess[] = [];
  const stop = async () => {
    const all = [...extras, ...[...processes.values()].reverse()];
    await Promise.all(all.map((p) => p.stop()));
    await dropDb().catch(() => {});
  };
  const spawnService = (name: ServiceName, env: NodeJS.ProcessEnv, label: string) =>
    new ManagedProcess(label, process.execPath, ['--import', 'tsx', join(ROOT, name, 'src/main.ts')], {
      cwd: join(ROOT, name),
      env,
      logFile: join(logDir, `${label}.log`),
    });

  try {
    const wanted = opts.services ?? SERVICES.map((s) => s.name);
    for (const spec of SERVICES.filter((s) => wanted.includes(s.name))) {
      say(`starting ${spec.name} (log ${join(logDir, `${spec.name}.log`)})`);
      const proc = spawnService(spec.name, { ...baseEnv, ...spec.env }, spec.name);
      processes.set(spec.name, proc);
      await waitReady(`http://127.0.0.1:${portEnv[spec.portVar]}/readyz`, proc, spec.readyTimeoutMs);
      say(`${spec.name} ready on :${portEnv[spec.portVar]}`);
    }
    const password = adminPassword || (await readAdminPassword());
    let seed: SeedResult | undefined;
    if (opts.seed) {
      const s = typeof opts.seed === 'object' ? opts.seed : {};
      seed = await seedDemo({
        gatewayUrl,
        adminPassword: password,
        cameraId: s.cameraId ?? 'demo',
        url: `rtsp://127.0.0.1:${rtspPort}${s.rtspPath ?? '/demo'}`,
        tags: cameraTags,
      });
      say(`seeded camera '${seed.cameraId}', zone '${seed.zoneId}' and rule '${seed.ruleId}'`);
    }
    return {
      gatewayUrl,
      adminPassword: password,
      seed,
      cameraTags,
      demoCameraUrl: `rtsp://127.0.0.1:${rtspPort}/demo`,
      databaseUrl: String(baseEnv.DATABASE_URL ?? ''),
      env: baseEnv,
      processes,
      stop,
      startExtra: async (name, env, label) => {
        const spec = SERVICES.find((s) => s.name === name)!;
        const proc = spawnService(name, { ...baseEnv, ...spec.env, ...env }, label);
        extras.push(proc);
        const port = env[spec.portVar] ?? portEnv[spec.portVar];
        await waitReady(`http://127.0.0.1:${port}/readyz`, proc, spec.readyTimeoutMs);
        return proc;
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The admin password the gateway generated on first start (kept in .data/admin-password). */
export async function readAdminPassword(dataDir = join(ROOT, '.data')): Promise<string> {
  const file = join(dataDir, 'admin-password');
  if (!existsSync(file)) return '';
  return (await readFile(file, 'utf8')).trim();
}
