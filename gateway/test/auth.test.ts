import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { signAccessToken } from '@sentinel/common/auth/index';
import pg from 'pg';
import type { Gateway } from '../src/app.ts';
import {
  ADMIN_PASSWORD,
  client,
  createTestStack,
  login,
  startTestGateway,
  type TestStack,
} from './helpers.ts';

describe('auth', () => {
  let stack: TestStack;
  let gw: Gateway;
  let api: ReturnType<typeof client>;
  let db: pg.Client;
  let adminToken: string;

  before(async () => {
    stack = await createTestStack();
    gw = await startTestGateway(stack, { GATEWAY_LOGIN_RATE_LIMIT_PER_MINUTE: '14' });
    api = client(gw.url);
    adminToken = (await login(gw.url, 'admin', ADMIN_PASSWORD)).accessToken;
    db = new pg.Client({ connectionString: stack.dbUrl });
    await db.connect();
  });
  after(async () => {
    await db.end();
    await gw.close();
    await stack.drop();
  });

  test('first start created admin with SENTINEL_ADMIN_PASSWORD; login returns a token pair; /me', async () => {
    const t = await login(gw.url, 'admin', ADMIN_PASSWORD);
    assert.ok(t.accessToken && t.refreshToken);
    const me = await api.get('/api/v1/auth/me', t.accessToken);
    assert.equal(me.status, 200);
    assert.equal(me.body.username, 'admin');
    assert.equal(me.body.role, 'admin');
    assert.ok(me.body.permissions.includes('users:write'));
    const { rows } = await db.query("SELECT action FROM audit_log WHERE action = 'auth.login'");
    assert.ok(rows.length >= 1, 'login is audited');
    const stored = await db.query('SELECT token_hash FROM refresh_tokens');
    assert.ok(
      stored.rows.every((r) => r.token_hash !== t.refreshToken),
      'refresh tokens are stored hashed',
    );
  });

  test('wrong password → 401 with error body; unknown user → same message', async () => {
    const a = await api.post('/api/v1/auth/login', { username: 'admin', password: 'nope' });
    const b = await api.post('/api/v1/auth/login', { username: 'ghost', password: 'nope' });
    assert.equal(a.status, 401);
    assert.equal(a.body.error.code, 'unauthorized');
    assert.equal(a.body.error.message, b.body.error.message);
    assert.ok(a.headers.get('x-request-id'));
  });

  test('no token → 401; garbage token → 401; expired token → 401 token_expired', async () => {
    assert.equal((await api.get('/api/v1/cameras')).status, 401);
    const bad = await api.get('/api/v1/cameras', 'not.a.jwt');
    assert.equal(bad.status, 401);
    assert.equal(bad.body.error.code, 'unauthorized');
    const secret = new TextEncoder().encode(stack.jwtSecret);
    const expired = await signAccessToken(
      { id: '00000000-0000-0000-0000-000000000000', username: 'admin', role: 'admin' },
      secret,
      {
        ttlSeconds: 60,
        now: Date.now() - 3600_000,
      },
    );
    const r = await api.get('/api/v1/cameras', expired);
    assert.equal(r.status, 401);
    assert.equal(r.body.error.code, 'token_expired');
    const foreign = await signAccessToken(
      { id: 'x', username: 'admin', role: 'admin' },
      new TextEncoder().encode('x'.repeat(40)),
    );
    assert.equal((await api.get('/api/v1/cameras', foreign)).status, 401, 'token signed with another secret');
  });

  test('refresh rotates; reusing an old refresh token revokes the whole family', async () => {
    const t0 = await login(gw.url, 'admin', ADMIN_PASSWORD);
    const r1 = await api.post('/api/v1/auth/refresh', { refreshToken: t0.refreshToken });
    assert.equal(r1.status, 200);
    assert.notEqual(r1.body.refreshToken, t0.refreshToken);
    assert.equal((await api.get('/api/v1/auth/me', r1.body.accessToken)).status, 200);
    const r2 = await api.post('/api/v1/auth/refresh', { refreshToken: r1.body.refreshToken });
    assert.equal(r2.status, 200);
    // theft: the first (already rotated) token is presented again
    const reuse = await api.post('/api/v1/auth/refresh', { refreshToken: t0.refreshToken });
    assert.equal(reuse.status, 401);
    assert.match(reuse.body.error.message, /already used/);
    // the latest legitimate token of that family is now dead too
    const after = await api.post('/api/v1/auth/refresh', { refreshToken: r2.body.refreshToken });
    assert.equal(after.status, 401);
    const { rows } = await db.query("SELECT 1 FROM audit_log WHERE action = 'auth.refresh_reuse_detected'");
    assert.ok(rows.length >= 1, 'reuse is audited');
    // another session of the same user is unaffected
    const other = await login(gw.url, 'admin', ADMIN_PASSWORD);
    assert.equal((await api.post('/api/v1/auth/refresh', { refreshToken: other.refreshToken })).status, 200);
  });

  test('logout revokes the refresh token family', async () => {
    const t = await login(gw.url, 'admin', ADMIN_PASSWORD);
    const out = await api.call('POST', '/api/v1/auth/logout', {
      token: t.accessToken,
      body: { refreshToken: t.refreshToken },
    });
    assert.equal(out.status, 200);
    assert.equal((await api.post('/api/v1/auth/refresh', { refreshToken: t.refreshToken })).status, 401);
    assert.equal((await api.post('/api/v1/auth/refresh', { refreshToken: 'unknown-token' })).status, 401);
  });

  test('malformed body → 400 with field paths; bad JSON → 400', async () => {
    const r = await api.post('/api/v1/auth/login', { username: '' });
    assert.equal(r.status, 400);
    assert.equal(r.body.error.code, 'validation_failed');
    const paths = r.body.error.details.map((d: { path: string }) => d.path).sort();
    assert.deepEqual(paths, ['body.password', 'body.username']);
    const j = await api.call('POST', '/api/v1/auth/login', { body: '{"username":', headers: {} });
    assert.equal(j.status, 400);
    assert.equal(j.body.error.code, 'bad_request');
  });

  test('body over the limit → 413', async () => {
    const r = await api.post(
      '/api/v1/cameras',
      { id: 'big', name: 'x'.repeat(1_100_000), url: 'rtsp://h/x' },
      adminToken,
    );
    assert.equal(r.status, 413);
    assert.equal(r.body.error.code, 'payload_too_large');
  });

  test('login attempts are rate limited per IP → 429 with Retry-After (Redis store)', async () => {
    let limited: Awaited<ReturnType<typeof api.post>> | undefined;
    for (let i = 0; i < 20 && !limited; i++) {
      const r = await api.post('/api/v1/auth/login', { username: 'admin', password: 'wrong' });
      if (r.status === 429) limited = r;
    }
    assert.ok(limited, 'got a 429 within 20 attempts');
    assert.equal(limited.body.error.code, 'rate_limited');
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
    const keys = await gw.ctx.redis.keys(`sentinel-rl:${stack.cluster}:*`);
    assert.ok(keys.length > 0, 'counters live in Redis');
  });

  test('security headers and request ids', async () => {
    const r = await fetch(`${gw.url}/healthz`, { headers: { 'x-request-id': 'abc-123' } });
    assert.equal(r.headers.get('x-request-id'), 'abc-123');
    assert.ok(r.headers.get('content-security-policy'));
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  });
});

describe('first start without SENTINEL_ADMIN_PASSWORD', () => {
  test('creates admin with a random password kept in <data>/admin-password (0600)', async () => {
    const stack = await createTestStack();
    const gw = await startTestGateway(stack, { SENTINEL_ADMIN_PASSWORD: '' });
    try {
      const file = join(stack.dataDir, 'admin-password');
      assert.equal(statSync(file).mode & 0o777, 0o600);
      const password = readFileSync(file, 'utf8').trim();
      assert.ok(password.length >= 16);
      const t = await login(gw.url, 'admin', password);
      assert.ok(t.accessToken);
    } finally {
      await gw.close();
      await stack.drop();
    }
  });
});

describe('API rate limit per user (Redis store)', () => {
  test('one user hitting the limit gets 429 + Retry-After; another user on the same IP does not', async () => {
    const stack = await createTestStack();
    const gw = await startTestGateway(stack, { GATEWAY_RATE_LIMIT_PER_MINUTE: '6' });
    try {
      const api = client(gw.url);
      const admin = (await login(gw.url, 'admin', ADMIN_PASSWORD)).accessToken;
      assert.equal(
        (
          await api.post(
            '/api/v1/users',
            { username: 'second', password: 'long-enough-pw', role: 'viewer' },
            admin,
          )
        ).status,
        201,
      );
      const other = (await login(gw.url, 'second', 'long-enough-pw')).accessToken;
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) statuses.push((await api.get('/api/v1/cameras', admin)).status);
      assert.ok(
        statuses.slice(0, 4).every((s) => s === 200),
        statuses.join(','),
      );
      assert.equal(statuses.at(-1), 429);
      const limited = await api.get('/api/v1/cameras', admin);
      assert.ok(Number(limited.headers.get('retry-after')) > 0);
      assert.equal((await api.get('/api/v1/cameras', other)).status, 200, 'limits are per user');
    } finally {
      await gw.close();
      await stack.drop();
    }
  });
});
