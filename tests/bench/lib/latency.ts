import { alertEventSchema } from '@sentinel/common';
import type { Socket } from 'socket.io-client';
import type { RunningSystem } from '../../../infra/local/system/launch.ts';
import { summarize } from '../../lib/percentiles.ts';
import { connectSocket } from '../../lib/socket-client.ts';
import { apiClient } from './api-client.ts';

/**
 * Capture → alert received by a socket.io client, over the seeded zone rule with its cooldown set to 0,
 * for `seconds`. Every opened/updated alert event counts; latency = receipt time - capturedAt.
 */
export async function measureAlertLatency(system: RunningSystem, seconds: number, say: (l: string) => void) {
  const seed = system.seed!;
  const api = apiClient(system.gatewayUrl, seed.accessToken);
  const rule = await api<Record<string, unknown>>('GET', `/rules/${seed.ruleId}`);
  const { id: _id, createdAt: _c, updatedAt: _u, version: _v, ...body } = rule;
  await api('PUT', `/rules/${seed.ruleId}`, { ...body, cooldownSeconds: 0 });
  const socket = await connectSocket(system.gatewayUrl, seed.accessToken, ['alerts']);
  const samples: number[] = [];
  const hops: Record<string, number[]> = {
    decode: [],
    batch: [],
    infer: [],
    publish: [],
    rule: [],
    alert: [],
    deliver: [],
  };
  socket.on('alert', (payload: unknown) => {
    const now = Date.now();
    const parsed = alertEventSchema.safeParse(payload);
    if (!parsed.success || parsed.data.ruleId !== seed.ruleId) return;
    const e = parsed.data;
    if (e.event !== 'opened' && e.event !== 'updated') return;
    samples.push(now - e.capturedAt);
    const t = e.trace;
    const add = (k: string, a?: number, b?: number) =>
      a !== undefined && b !== undefined && hops[k]!.push(b - a);
    add('decode', e.capturedAt, t.decodedAt);
    add('batch', t.decodedAt, t.batchedAt);
    add('infer', t.batchedAt, t.inferredAt);
    add('publish', t.inferredAt, t.publishedAt);
    add('rule', t.publishedAt, t.ruleAt);
    add('alert', t.ruleAt, t.alertAt);
    add('deliver', t.alertAt, now);
  });
  for (let s = 0; s < seconds; s += 10) {
    await new Promise((r) => setTimeout(r, 10_000));
    say(`alert latency: ${samples.length} alerts after ${s + 10}/${seconds} s`);
  }
  socket.close();
  return {
    ...summarize(samples),
    samples,
    hopsP50: Object.fromEntries(Object.entries(hops).map(([k, v]) => [k, summarize(v).p50])),
  };
}

/** N socket.io clients in one camera room; delivery latency of `detections` events from their publish stamp. */
export async function measureFanout(
  system: RunningSystem,
  clients: number,
  seconds: number,
  say: (l: string) => void,
) {
  const seed = system.seed!;
  const sockets: Socket[] = [];
  for (let i = 0; i < clients; i++)
    sockets.push(await connectSocket(system.gatewayUrl, seed.accessToken, [`camera:${seed.cameraId}`]));
  say(`fan-out: ${clients} clients connected`);
  const delivery: number[] = [];
  let events = 0;
  for (const s of sockets)
    s.on('detections', (b: { trace?: { publishedAt?: number } }) => {
      events++;
      if (b.trace?.publishedAt) delivery.push(Date.now() - b.trace.publishedAt);
    });
  await new Promise((r) => setTimeout(r, seconds * 1000));
  for (const s of sockets) s.close();
  return {
    clients,
    seconds,
    events,
    eventsPerSecond: Math.round(events / seconds),
    deliveryMs: summarize(delivery),
  };
}
