import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { uniqueId, waitFor } from '@sentinel/common/testing/index';
import type { Gateway } from '../src/app.ts';
import {
  ADMIN_PASSWORD,
  client,
  createTestStack,
  login,
  startTestGateway,
  type TestStack,
} from './helpers.ts';
import { startTcpProxy } from './tcp-proxy.ts';

describe('dependency outages: /readyz 503, clear 503 bodies, automatic recovery', () => {
  let stack: TestStack;
  let gw: Gateway;
  let pgProxy: Awaited<ReturnType<typeof startTcpProxy>>;
  let natsProxy: Awaited<ReturnType<typeof startTcpProxy>>;
  let token: string;

  before(async () => {
    stack = await createTestStack();
    const dbUrl = new URL(stack.dbUrl);
    pgProxy = await startTcpProxy(Number(dbUrl.port));
    dbUrl.port = String(pgProxy.port);
    const natsUrl = new URL(process.env.NATS_URL ?? 'nats://127.0.0.1:4422');
    natsProxy = await startTcpProxy(Number(natsUrl.port));
    natsUrl.port = String(natsProxy.port);
    gw = await startTestGateway({ ...stack, dbUrl: dbUrl.toString() }, { NATS_URL: natsUrl.toString() });
    token = (await login(gw.url, 'admin', ADMIN_PASSWORD)).accessToken;
  });
  after(async () => {
    await gw.close();
    await pgProxy.close();
    await natsProxy.close();
    await stack.drop();
  });

  test('PostgreSQL down → readyz 503 naming postgres, API 503 unavailable; back → 200', async () => {
    const api = client(gw.url);
    assert.equal((await api.get('/readyz')).status, 200);
    await pgProxy.cut();
    const ready = await api.get('/readyz');
    assert.equal(ready.status, 503);
    assert.equal(ready.body.ok, false);
    assert.notEqual(ready.body.checks.postgres, 'ok');
    assert.equal(ready.body.checks.nats, 'ok');
    const r = await api.get('/api/v1/cameras', token);
    assert.equal(r.status, 503, r.text);
    assert.equal(r.body.error.code, 'unavailable');
    assert.match(r.body.error.message, /database unavailable/);
    assert.ok(r.headers.get('retry-after'));
    await pgProxy.restore();
    await waitFor(async () => (await api.get('/readyz')).status === 200, {
      timeoutMs: 10_000,
      label: 'readyz back to 200',
    });
    assert.equal((await api.get('/api/v1/cameras', token)).status, 200);
  });

  test('NATS down → readyz 503 naming nats; reconnects by itself', async () => {
    const api = client(gw.url);
    await natsProxy.cut();
    const ready = await waitFor(
      async () => {
        const r = await api.get('/readyz');
        return r.status === 503 ? r : null;
      },
      { timeoutMs: 10_000, label: 'readyz 503' },
    );
    assert.notEqual(ready.body.checks.nats, 'ok');
    assert.equal(ready.body.checks.postgres, 'ok');
    // a config change cannot be mirrored to KV: clear 503 and nothing saved in PostgreSQL either
    const cam = uniqueId('out');
    const r = await api.post('/api/v1/cameras', { id: cam, name: 'x', url: 'rtsp://127.0.0.1:1/x' }, token);
    assert.equal(r.status, 503, r.text);
    assert.equal(r.body.error.code, 'unavailable');
    assert.match(r.body.error.message, /NATS/);
    assert.equal((await api.get(`/api/v1/cameras/${cam}`, token)).status, 404, 'rolled back');
    // reads that only need PostgreSQL keep working (live status is left out)
    const list = await api.get('/api/v1/cameras', token);
    assert.equal(list.status, 200);
    await natsProxy.restore();
    await waitFor(async () => (await api.get('/readyz')).status === 200, {
      timeoutMs: 15_000,
      label: 'readyz back to 200',
    });
  });
});
