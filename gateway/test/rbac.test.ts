import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { can, type Permission, ROLES, type Role } from '@sentinel/common/auth/index';
import type { Gateway } from '../src/app.ts';
import {
  ADMIN_PASSWORD,
  client,
  createTestStack,
  login,
  startTestGateway,
  type TestStack,
} from './helpers.ts';

/** One probe per route: a request that changes nothing when allowed (invalid body or unknown id). */
const PROBES: Array<{ method: string; path: string; body?: unknown; perm: Permission | 'authenticated' }> = [
  { method: 'GET', path: '/api/v1/auth/me', perm: 'authenticated' },
  { method: 'GET', path: '/api/v1/users', perm: 'users:read' },
  { method: 'POST', path: '/api/v1/users', body: {}, perm: 'users:write' },
  {
    method: 'PATCH',
    path: '/api/v1/users/00000000-0000-0000-0000-000000000000',
    body: { role: 'viewer' },
    perm: 'users:write',
  },
  { method: 'DELETE', path: '/api/v1/users/00000000-0000-0000-0000-000000000000', perm: 'users:write' },
  { method: 'GET', path: '/api/v1/audit', perm: 'audit:read' },
  { method: 'GET', path: '/api/v1/cameras', perm: 'cameras:read' },
  { method: 'GET', path: '/api/v1/cameras/nope', perm: 'cameras:read' },
  { method: 'POST', path: '/api/v1/cameras', body: {}, perm: 'cameras:write' },
  { method: 'PATCH', path: '/api/v1/cameras/nope', body: { name: 'x' }, perm: 'cameras:write' },
  { method: 'DELETE', path: '/api/v1/cameras/nope', perm: 'cameras:write' },
  { method: 'POST', path: '/api/v1/cameras/nope/test', body: {}, perm: 'cameras:test' },
  { method: 'POST', path: '/api/v1/cameras/test', body: {}, perm: 'cameras:test' },
  { method: 'GET', path: '/api/v1/cameras/nope/live', perm: 'live:view' },
  { method: 'GET', path: '/api/v1/cameras/nope/snapshot', perm: 'snapshots:read' },
  { method: 'GET', path: '/api/v1/snapshot-urls?key=cam/latest.jpg', perm: 'snapshots:read' },
  { method: 'GET', path: '/api/v1/zones', perm: 'zones:read' },
  { method: 'POST', path: '/api/v1/zones', body: {}, perm: 'zones:write' },
  { method: 'PATCH', path: '/api/v1/zones/nope', body: {}, perm: 'zones:write' },
  { method: 'DELETE', path: '/api/v1/zones/nope', perm: 'zones:write' },
  { method: 'GET', path: '/api/v1/rules', perm: 'rules:read' },
  { method: 'POST', path: '/api/v1/rules', body: {}, perm: 'rules:write' },
  { method: 'POST', path: '/api/v1/rules/replay', body: {}, perm: 'rules:write' },
  { method: 'PATCH', path: '/api/v1/rules/nope', body: { enabled: false }, perm: 'rules:write' },
  { method: 'DELETE', path: '/api/v1/rules/nope', perm: 'rules:write' },
  { method: 'GET', path: '/api/v1/alerts', perm: 'alerts:read' },
  { method: 'GET', path: '/api/v1/alerts/nope', perm: 'alerts:read' },
  { method: 'POST', path: '/api/v1/alerts/nope/ack', body: {}, perm: 'alerts:write' },
  { method: 'POST', path: '/api/v1/alerts/nope/resolve', body: {}, perm: 'alerts:write' },
  { method: 'POST', path: '/api/v1/alerts/nope/mark-false', body: {}, perm: 'alerts:write' },
  { method: 'GET', path: '/api/v1/detections', perm: 'detections:read' },
  { method: 'GET', path: '/api/v1/detections/counts?from=1&to=2', perm: 'detections:read' },
  { method: 'GET', path: '/api/v1/tracks', perm: 'detections:read' },
  { method: 'GET', path: '/api/v1/push/subscriptions', perm: 'push:manage' },
  { method: 'GET', path: '/api/v1/push/vapid-public-key', perm: 'push:manage' },
  { method: 'GET', path: '/api/v1/models', perm: 'models:read' },
  { method: 'POST', path: '/api/v1/models/nope/activate', perm: 'models:write' },
  { method: 'POST', path: '/api/v1/assistant/query', body: { q: 'x' }, perm: 'assistant:query' },
  { method: 'GET', path: '/api/v1/annotation/tasks', perm: 'annotation:read' },
  { method: 'POST', path: '/api/v1/annotation/tasks/next', body: {}, perm: 'annotation:write' },
];

describe('RBAC permission matrix on every route', () => {
  let stack: TestStack;
  let gw: Gateway;
  const tokens = {} as Record<Role, string>;

  before(async () => {
    stack = await createTestStack();
    gw = await startTestGateway(stack);
    const admin = await login(gw.url, 'admin', ADMIN_PASSWORD);
    tokens.admin = admin.accessToken;
    const api = client(gw.url);
    for (const role of ROLES.filter((r) => r !== 'admin')) {
      const r = await api.post(
        '/api/v1/users',
        { username: `u-${role}`, password: 'long-enough-pw', role },
        admin.accessToken,
      );
      assert.equal(r.status, 201, r.text);
      tokens[role] = (await login(gw.url, `u-${role}`, 'long-enough-pw')).accessToken;
    }
  });
  after(async () => {
    await gw.close();
    await stack.drop();
  });

  for (const role of ROLES)
    test(`role ${role}`, async () => {
      const api = client(gw.url);
      const wrong: string[] = [];
      for (const p of PROBES) {
        const r = await api.call(p.method, p.path, {
          token: tokens[role],
          ...(p.body !== undefined ? { body: p.body } : {}),
        });
        const allowed = p.perm === 'authenticated' || can(role, p.perm);
        if (allowed && (r.status === 403 || r.status === 401))
          wrong.push(`${p.method} ${p.path}: ${r.status} but ${role} has ${p.perm}`);
        if (!allowed && r.status !== 403)
          wrong.push(`${p.method} ${p.path}: ${r.status}, expected 403 (${role} lacks ${p.perm})`);
        if (!allowed && r.body?.error?.code !== 'forbidden')
          wrong.push(`${p.method} ${p.path}: error code ${r.body?.error?.code}`);
      }
      assert.deepEqual(wrong, []);
    });

  test('every probe without a token → 401', async () => {
    const api = client(gw.url);
    for (const p of PROBES) {
      const r = await api.call(p.method, p.path, p.body !== undefined ? { body: p.body } : {});
      assert.equal(r.status, 401, `${p.method} ${p.path}`);
    }
  });

  test('a disabled user can no longer refresh; role changes revoke sessions', async () => {
    const api = client(gw.url);
    const t = await login(gw.url, 'u-viewer', 'long-enough-pw');
    const list = await api.get('/api/v1/users', tokens.admin);
    const viewer = list.body.items.find((u: { username: string }) => u.username === 'u-viewer');
    const p = await api.patch(`/api/v1/users/${viewer.id}`, { disabled: true }, tokens.admin);
    assert.equal(p.status, 200);
    assert.equal(p.body.disabled, true);
    assert.equal((await api.post('/api/v1/auth/refresh', { refreshToken: t.refreshToken })).status, 401);
    const l = await api.post('/api/v1/auth/login', { username: 'u-viewer', password: 'long-enough-pw' });
    assert.equal(l.status, 401);
  });

  test('admin cannot demote or delete itself (409); unknown user id → 404; bad uuid → 400', async () => {
    const api = client(gw.url);
    const me = await api.get('/api/v1/auth/me', tokens.admin);
    assert.equal(
      (await api.patch(`/api/v1/users/${me.body.id}`, { role: 'viewer' }, tokens.admin)).status,
      409,
    );
    assert.equal((await api.del(`/api/v1/users/${me.body.id}`, tokens.admin)).status, 409);
    assert.equal(
      (await api.get('/api/v1/users/00000000-0000-0000-0000-000000000000', tokens.admin)).status,
      404,
    );
    const bad = await api.get('/api/v1/users/not-a-uuid', tokens.admin);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.details[0].path, 'params.id');
    const dup = await api.post(
      '/api/v1/users',
      { username: 'u-operator', password: 'long-enough-pw', role: 'viewer' },
      tokens.admin,
    );
    assert.equal(dup.status, 409);
  });
});
