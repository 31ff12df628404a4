import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, loadConfig } from '@sentinel/common';
import { createTestDatabase, uniqueId } from '@sentinel/common/testing/index';
import { type Gateway, startGateway } from '../src/app.ts';

export const ADMIN_PASSWORD = 'admin-password-for-tests';

export type TestStack = {
  dbUrl: string;
  dataDir: string;
  jwtSecret: string;
  cluster: string;
  drop: () => Promise<void>;
};

/** A migrated database, a temp data dir, a shared JWT secret and a unique cluster key for one test file. */
export async function createTestStack(): Promise<TestStack> {
  const db = await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'sentinel-gw-'));
  return {
    dbUrl: db.url,
    dataDir,
    jwtSecret: randomBytes(32).toString('hex'),
    cluster: uniqueId('gw'),
    drop: async () => {
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Start a gateway on an ephemeral port against the test stack. */
export function startTestGateway(stack: TestStack, env: Record<string, string> = {}): Promise<Gateway> {
  const cfg = loadConfig({
    ...process.env,
    SENTINEL_ENV: 'test',
    DATABASE_URL: stack.dbUrl,
    SENTINEL_DATA_DIR: stack.dataDir,
    SENTINEL_JWT_SECRET: stack.jwtSecret,
    SENTINEL_ADMIN_PASSWORD: ADMIN_PASSWORD,
    SENTINEL_PROVISION_NATS: 'true',
    LIVE_TRANSPORT: 'jsmpeg',
    GATEWAY_DASHBOARD_DIR: join(stack.dataDir, 'no-dashboard'),
    ASSISTANT_URL: 'http://127.0.0.1:9',
    ANNOTATOR_URL: 'http://127.0.0.1:9',
    ...env,
  });
  // port 0: an ephemeral port (the env schema only accepts 1-65535)
  return startGateway(
    { ...cfg, PORT: 0 },
    {
      logger: createLogger('gateway-test', process.env.TEST_LOG_LEVEL ?? 'silent'),
      adapterKey: stack.cluster,
      alertsQueue: `${stack.cluster}-alerts`,
    },
  );
}

/** A tiny JSON HTTP client. */
export function client(base: string) {
  const call = async (
    method: string,
    path: string,
    opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
        ...opts.headers,
      },
      ...(opts.body !== undefined
        ? { body: typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body) }
        : {}),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON */
    }
    // biome-ignore lint/suspicious/noExplicitAny: test convenience
    return { status: res.status, headers: res.headers, body: json as any, text };
  };
  return {
    get: (p: string, token?: string) => call('GET', p, { ...(token ? { token } : {}) }),
    post: (p: string, body?: unknown, token?: string) =>
      call('POST', p, { body, ...(token ? { token } : {}) }),
    put: (p: string, body?: unknown, token?: string) => call('PUT', p, { body, ...(token ? { token } : {}) }),
    patch: (p: string, body?: unknown, token?: string) =>
      call('PATCH', p, { body, ...(token ? { token } : {}) }),
    del: (p: string, token?: string) => call('DELETE', p, { ...(token ? { token } : {}) }),
    call,
  };
}

export async function login(base: string, username: string, password: string) {
  const r = await client(base).post('/api/v1/auth/login', { username, password });
  if (r.status !== 200) throw new Error(`login ${username} failed: ${r.status} ${r.text}`);
  return r.body as { accessToken: string; refreshToken: string };
}
