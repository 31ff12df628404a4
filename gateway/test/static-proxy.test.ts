import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FORWARDED_USER_HEADER } from '@sentinel/common/auth/index';
import type { Gateway } from '../src/app.ts';
import {
  ADMIN_PASSWORD,
  client,
  createTestStack,
  login,
  startTestGateway,
  type TestStack,
} from './helpers.ts';

describe('static dashboard with SPA fallback; assistant and annotator proxies', () => {
  let stack: TestStack;
  let gw: Gateway;
  let upstream: Server;
  const seen: Array<{ url: string; method: string; user: string | undefined; body: string }> = [];

  before(async () => {
    stack = await createTestStack();
    const dist = join(stack.dataDir, 'dist');
    mkdirSync(join(dist, 'assets'), { recursive: true });
    writeFileSync(join(dist, 'index.html'), '<!doctype html><div id="root">sentinel-dashboard</div>');
    writeFileSync(join(dist, 'assets', 'app.js'), 'console.log("app")');
    // one loopback HTTP server plays both upstream services
    upstream = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (d) => {
        body += d;
      });
      req.on('end', () => {
        seen.push({
          url: req.url ?? '',
          method: req.method ?? '',
          user: req.headers[FORWARDED_USER_HEADER] as string,
          body,
        });
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ answer: 'ok', path: req.url }));
      });
    });
    await new Promise<void>((ok) => upstream.listen(0, '127.0.0.1', ok));
    const up = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    gw = await startTestGateway(stack, {
      GATEWAY_DASHBOARD_DIR: dist,
      ASSISTANT_URL: up,
      ANNOTATOR_URL: up,
      GATEWAY_CORS_ORIGINS: 'https://ops.example.test',
    });
  });
  after(async () => {
    await gw.close();
    upstream.closeAllConnections();
    await new Promise((ok) => upstream.close(ok));
    await stack.drop();
  });

  test('dashboard files at /, SPA fallback for client routes, JSON 404 for API paths', async () => {
    const index = await fetch(`${gw.url}/`);
    assert.match(await index.text(), /sentinel-dashboard/);
    const js = await fetch(`${gw.url}/assets/app.js`);
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type') ?? '', /javascript/);
    const deep = await fetch(`${gw.url}/alerts/123`, { headers: { accept: 'text/html' } });
    assert.match(await deep.text(), /sentinel-dashboard/);
    const api = await fetch(`${gw.url}/api/v2/nothing`, { headers: { accept: 'text/html' } });
    assert.equal(api.status, 404);
    assert.equal(((await api.json()) as { error: { code: string } }).error.code, 'not_found');
  });

  test('CORS: only origins on the allow-list get CORS headers', async () => {
    const pre = (origin: string) =>
      fetch(`${gw.url}/api/v1/cameras`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'authorization',
        },
      });
    const ok = await pre('https://ops.example.test');
    assert.equal(ok.headers.get('access-control-allow-origin'), 'https://ops.example.test');
    const no = await pre('https://evil.example.test');
    assert.equal(no.headers.get('access-control-allow-origin'), null);
  });

  test('assistant and annotation requests are proxied with the forwarded user; roles enforced first', async () => {
    const token = (await login(gw.url, 'admin', ADMIN_PASSWORD)).accessToken;
    const api = client(gw.url);
    const q = await api.post('/api/v1/assistant/query', { question: 'who came in?' }, token);
    assert.equal(q.status, 200, q.text);
    assert.equal(q.body.path, '/query');
    const last = seen.at(-1);
    assert.equal(JSON.parse(last?.user ?? '{}').username, 'admin');
    assert.match(last?.body ?? '', /who came in/);
    const a = await api.get('/api/v1/annotation/tasks?stage=review', token);
    assert.equal(a.body.path, '/api/v1/annotation/tasks?stage=review');

    // a spoofed forwarded-user header is replaced by the real user
    await api.call('GET', '/api/v1/annotation/tasks', {
      token,
      headers: { [FORWARDED_USER_HEADER]: '{"id":"x","username":"mallory","role":"admin"}' },
    });
    assert.equal(JSON.parse(seen.at(-1)?.user ?? '{}').username, 'admin');

    const n = seen.length;
    assert.equal((await api.post('/api/v1/assistant/query', { question: 'x' })).status, 401);
    assert.equal(seen.length, n, 'unauthenticated requests never reach the upstream');
    const app = await fetch(`${gw.url}/annotator/index.html`);
    assert.equal(((await app.json()) as { path: string }).path, '/annotator/index.html');
  });
});
