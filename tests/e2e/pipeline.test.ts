/**
 * End to end: demo camera → ingest → inference → alerts → gateway → a socket.io client receives an alert
 * for a person entering the seeded zone; latency is taken from the trace stamps the messages carry.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type AlertEvent, alertEventSchema } from '@sentinel/common';
import type { Socket } from 'socket.io-client';
import { type RunningSystem, startSystem } from '../../infra/local/system/launch.ts';
import { connectSocket } from '../lib/socket-client.ts';

let system: RunningSystem;
let socket: Socket | undefined;

before(async () => {
  system = await startSystem({
    isolated: true,
    services: ['gateway', 'alerts', 'inference', 'ingest'],
    seed: { cameraId: `e2e-${Date.now().toString(36)}` },
    progress: (l) => process.stderr.write(`  [e2e] ${l}\n`),
  });
});

after(async () => {
  socket?.close();
  await system?.stop();
});

test('a person entering the seeded zone reaches a socket.io client as an alert, with per-hop trace stamps', async () => {
  const seed = system.seed!;
  socket = await connectSocket(system.gatewayUrl, seed.accessToken, ['alerts']);
  const received: { event: AlertEvent; receivedAt: number }[] = [];
  const first = new Promise<void>((resolve) => {
    socket!.on('alert', (payload: unknown) => {
      const receivedAt = Date.now();
      const event = alertEventSchema.parse(payload);
      if (event.ruleId !== seed.ruleId) return;
      received.push({ event, receivedAt });
      if (event.event === 'opened') resolve();
    });
  });
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(
      () => reject(new Error('no alert within 120 s (see tests/artifacts/logs/*.log)')),
      120_000,
    ).unref(),
  );
  await Promise.race([first, timeout]);

  const { event, receivedAt } = received.find((r) => r.event.event === 'opened')!;
  assert.equal(event.cameraId, seed.cameraId);
  assert.equal(event.label, 'person');
  assert.equal(event.condition, 'enter');
  assert.equal(event.zoneId, seed.zoneId);
  assert.ok(event.trackId, 'the alert names the track');

  // Every hop stamped, in pipeline order, all after capture and before the client saw it.
  const t = event.trace;
  const hops = [
    event.capturedAt,
    t.decodedAt,
    t.batchedAt,
    t.inferredAt,
    t.publishedAt,
    t.ruleAt,
    t.alertAt,
    t.emittedAt,
  ];
  assert.ok(
    hops.every((v) => typeof v === 'number'),
    `missing trace stamps: ${JSON.stringify(t)}`,
  );
  for (let i = 1; i < hops.length; i++)
    assert.ok(hops[i]! >= hops[i - 1]!, `hop ${i} out of order: ${JSON.stringify(t)}`);
  const latencyMs = receivedAt - event.capturedAt;
  assert.ok(latencyMs >= 0 && latencyMs < 10_000, `capture → client latency ${latencyMs} ms`);
  process.stderr.write(
    `  [e2e] capture→client ${latencyMs} ms (decode ${t.decodedAt! - event.capturedAt}, batch ${t.batchedAt! - t.decodedAt!}, ` +
      `infer ${t.inferredAt! - t.batchedAt!}, publish ${t.publishedAt! - t.inferredAt!}, rule ${t.ruleAt! - t.publishedAt!}, ` +
      `alert ${t.alertAt! - t.ruleAt!}, emit ${t.emittedAt! - t.alertAt!}, deliver ${receivedAt - t.emittedAt!})\n`,
  );

  // The alert is also stored, with its lifecycle, and can be acknowledged through the API.
  const ack = await fetch(`${system.gatewayUrl}/api/v1/alerts/${event.alertId}/ack`, {
    method: 'POST',
    headers: { authorization: `Bearer ${seed.accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({}),
  });
  assert.equal(ack.status, 200, await ack.text());
  const detail = await fetch(`${system.gatewayUrl}/api/v1/alerts/${event.alertId}`, {
    headers: { authorization: `Bearer ${seed.accessToken}` },
  }).then((r) => r.json());
  assert.equal(detail.status, 'acknowledged');
});
