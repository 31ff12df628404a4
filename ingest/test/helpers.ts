import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { type KV, Kvm } from '@nats-io/kv';
import {
  type CameraConfigInput,
  type CameraStatus,
  connectNats,
  createLogger,
  type FrameMeta,
  kvBuckets,
  type NatsConnection,
  provisionJetStream,
  readFrameHeaders,
  subjects,
} from '@sentinel/common';
import { stackConfig, uniqueId, waitFor } from '@sentinel/common/testing/index';
import type { RunnerSettings } from '../src/camera/camera-runner.ts';
import { createIngestMetrics } from '../src/metrics.ts';
import { IngestWorker, type WorkerOptions } from '../src/worker.ts';

export const ROOT = resolve(import.meta.dirname, '../..');
const DEMO_DIR = resolve(ROOT, 'infra/local/demo-camera');
export const logger = createLogger('ingest-test', process.env.TEST_LOG_LEVEL ?? 'warn');

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

/** The demo RTSP server (infra/local/demo-camera) on its own port, owned by this test file. */
export class DemoServer {
  private proc: ChildProcess | undefined;
  constructor(readonly port: number) {}

  static async start(port?: number): Promise<DemoServer> {
    execFileSync('bash', [resolve(DEMO_DIR, 'prepare-media.sh')], { stdio: 'inherit' });
    const s = new DemoServer(port ?? (await freePort()));
    await s.start();
    return s;
  }

  url(mount: string, cred?: string): string {
    return `rtsp://${cred ? `${cred}@` : ''}127.0.0.1:${this.port}/${mount}`;
  }

  async start(): Promise<void> {
    this.proc = spawn(
      '/usr/bin/python3',
      [
        resolve(DEMO_DIR, 'demo_camera.py'),
        '--port',
        String(this.port),
        '--media-dir',
        resolve(ROOT, '.data/demo'),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    this.proc.stdout?.on('data', (d) => {
      out += d;
    });
    this.proc.stderr?.on('data', (d) => {
      out += d;
    });
    await waitFor(() => out.includes('serving'), { timeoutMs: 15_000, label: `demo server start: ${out}` });
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    if (p.exitCode === null) p.kill('SIGKILL');
    this.proc = undefined;
  }
}

export async function connect(name: string): Promise<NatsConnection> {
  const nc = await connectNats(stackConfig().NATS_URL, name, logger);
  await provisionJetStream(nc);
  return nc;
}

export async function buckets(nc: NatsConnection): Promise<{ cameras: KV; leases: KV; status: KV }> {
  const kvm = new Kvm(nc);
  return {
    cameras: await kvm.open(kvBuckets.cameras),
    leases: await kvm.open(kvBuckets.cameraLeases),
    status: await kvm.open(kvBuckets.cameraStatus),
  };
}

/** Fast timings for tests. */
export const testSettings = (over: Partial<RunnerSettings> = {}): RunnerSettings => ({
  width: 512,
  height: 512,
  latencyMs: 150,
  connectTimeoutS: 3,
  snapshotFps: 1,
  snapshotQuality: 75,
  availableDecoders: new Set(),
  watchdogMs: 6000,
  backoffInitialMs: 500,
  backoffMaxMs: 2000,
  offlineAfterAttempts: 20,
  motionHoldMs: 0,
  disableGating: false,
  snapshotRing: 2,
  ...over,
});

export async function startWorker(
  nc: NatsConnection,
  group: string,
  over: Partial<WorkerOptions> = {},
): Promise<IngestWorker> {
  const w = new IngestWorker(
    nc,
    {
      workerId: uniqueId('w'),
      group,
      maxCameras: 8,
      settings: testSettings(),
      // A running inference service may answer our frames with detections: ignore tracks so gating
      // depends on motion alone here.
      trackHoldMs: 0,
      statusIntervalS: 2,
      liveRtp: new Map(),
      ...over,
    },
    logger,
    createIngestMetrics(),
  );
  await w.start();
  return w;
}

/** A camera config for the test group. */
export function camera(group: string, id: string, url: string, extra: Partial<CameraConfigInput> = {}) {
  return { id, name: id, url, tags: [`ingest:${group}`], ...extra };
}

export async function putCamera(kv: KV, cam: { id: string } & Record<string, unknown>): Promise<void> {
  await kv.put(cam.id, JSON.stringify(cam));
}

export async function readStatus(kv: KV, id: string): Promise<CameraStatus | undefined> {
  const e = await kv.get(id);
  return e && e.operation === 'PUT' ? (e.json() as CameraStatus) : undefined;
}

/** Wait until a camera's status matches. */
export async function waitStatus(
  kv: KV,
  id: string,
  pred: (s: CameraStatus) => boolean,
  timeoutMs = 20_000,
): Promise<CameraStatus> {
  let last: CameraStatus | undefined;
  try {
    return await waitFor(
      async () => {
        last = await readStatus(kv, id);
        return last && pred(last) ? last : undefined;
      },
      { timeoutMs, intervalMs: 200, label: `status of ${id}` },
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; last status: ${JSON.stringify(last)}`);
  }
}

export type ReceivedFrame = { meta: FrameMeta; bytes: number; at: number };

/** Collect frames published for a camera. */
export function collectFrames(nc: NatsConnection, cameraId: string) {
  const frames: ReceivedFrame[] = [];
  const sub = nc.subscribe(subjects.frames(cameraId), {
    callback: (_e, msg) => {
      frames.push({ meta: readFrameHeaders(msg.headers), bytes: msg.data.length, at: Date.now() });
    },
  });
  return { frames, stop: () => sub.unsubscribe() };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
