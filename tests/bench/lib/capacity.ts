import { connect } from '@nats-io/transport-node';
import { detectionBatchSchema, subjects } from '@sentinel/common';
import type { RunningSystem } from '../../../infra/local/system/launch.ts';
import { percentile } from '../../lib/percentiles.ts';
import { apiClient } from './api-client.ts';

export type CapacityStep = {
  stream: string;
  cameras: number;
  /** Detection batches per second per camera (min over cameras). */
  minFps: number;
  meanFps: number;
  /** capture → detections published, p95, first and second half of the window. */
  lagP95FirstMs: number;
  lagP95SecondMs: number;
  sustained: boolean;
};

/**
 * Largest N cameras kept in real time: add demo cameras one at a time (all on `rtspPath`), and for each N
 * measure over `windowS` seconds the detection batches per camera and the capture→publish lag. A step is
 * sustained when every camera gets ≥ 80 % of its 5 fps and the lag is not growing (second-half p95 ≤
 * first-half p95 × 1.5 + 250 ms) and stays under 3 s.
 */
export async function measureCapacity(
  system: RunningSystem,
  opts: {
    rtspPath: string;
    label: string;
    maxCameras: number;
    windowS: number;
    warmupS: number;
    say: (l: string) => void;
  },
): Promise<CapacityStep[]> {
  const api = apiClient(system.gatewayUrl, system.seed!.accessToken);
  const nc = await connect({ servers: new URL(String(system.env.NATS_URL ?? 'nats://127.0.0.1:4422')).host });
  const rtspBase = system.demoCameraUrl.replace(/\/demo$/, '');
  const steps: CapacityStep[] = [];
  const ids: string[] = [];
  try {
    for (let n = 1; n <= opts.maxCameras; n++) {
      const id = `cap-${opts.label}-${n}-${Date.now().toString(36)}`;
      await api('POST', '/cameras', {
        id,
        name: id,
        url: `${rtspBase}${opts.rtspPath}`,
        detectFps: 5,
        tags: system.cameraTags,
      });
      ids.push(id);
      await new Promise((r) => setTimeout(r, opts.warmupS * 1000));
      const seen = new Map<string, { at: number; lag: number }[]>(ids.map((c) => [c, []]));
      const subs = ids.map((c) =>
        nc.subscribe(subjects.detections(c), {
          callback: (_e, m) => {
            const b = detectionBatchSchema.safeParse(m.json());
            if (b.success)
              seen
                .get(c)!
                .push({ at: Date.now(), lag: (b.data.trace.publishedAt ?? Date.now()) - b.data.capturedAt });
          },
        }),
      );
      const start = Date.now();
      await new Promise((r) => setTimeout(r, opts.windowS * 1000));
      for (const s of subs) s.unsubscribe();
      const mid = start + (opts.windowS * 1000) / 2;
      const fps = ids.map((c) => seen.get(c)!.length / opts.windowS);
      const all = [...seen.values()].flat();
      const first = all.filter((s) => s.at < mid).map((s) => s.lag);
      const second = all.filter((s) => s.at >= mid).map((s) => s.lag);
      const step: CapacityStep = {
        stream: opts.label,
        cameras: n,
        minFps: +Math.min(...fps).toFixed(2),
        meanFps: +(fps.reduce((a, b) => a + b, 0) / fps.length).toFixed(2),
        lagP95FirstMs: percentile(first, 95),
        lagP95SecondMs: percentile(second, 95),
        sustained: false,
      };
      step.sustained =
        step.minFps >= 4 &&
        step.lagP95SecondMs <= step.lagP95FirstMs * 1.5 + 250 &&
        step.lagP95SecondMs < 3000;
      steps.push(step);
      opts.say(
        `capacity ${opts.label}: N=${n} min ${step.minFps} fps/camera, lag p95 ${step.lagP95FirstMs}→${step.lagP95SecondMs} ms: ${step.sustained ? 'sustained' : 'NOT sustained'}`,
      );
      if (!step.sustained) break;
    }
  } finally {
    for (const id of ids) await api('DELETE', `/cameras/${id}`).catch(() => {});
    await nc.close();
  }
  return steps;
}
