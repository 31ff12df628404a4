import type { DetectionBatch, Rule, RuleInput, Zone } from '@sentinel/common';
import { ruleSchema, zoneSchema } from '@sentinel/common';

/** Scripted detections: one frame per step, 200 ms apart (5 fps) unless `at` is given. */
export type Obj = {
  id: string;
  label?: string;
  /** bottom-centre point; the box is 0.1 x 0.2 above it */
  p: [number, number];
  stationary?: boolean;
  score?: number;
};

export function frame(cameraId: string, n: number, at: number, objs: Obj[]): DetectionBatch {
  return {
    cameraId,
    frameId: `f${n}`,
    capturedAt: at,
    trace: {},
    modelId: 'test',
    source: { width: 1280, height: 720 },
    detections: objs.map((o) => ({
      label: o.label ?? 'person',
      classId: 0,
      score: o.score ?? 0.9,
      box: [o.p[0] - 0.05, o.p[1] - 0.2, 0.1, 0.2],
      trackId: o.id,
      trackState: 'confirmed',
      stationary: o.stationary ?? false,
      age: n,
    })),
  };
}

/** Build frames from a list of steps; step i is at t0 + i * dtMs. */
export function script(cameraId: string, t0: number, steps: Obj[][], dtMs = 200): DetectionBatch[] {
  return steps.map((objs, i) => frame(cameraId, i, t0 + i * dtMs, objs));
}

/** Repeat a step n times. */
export const hold = (n: number, objs: Obj[]): Obj[][] => Array.from({ length: n }, () => objs);

/** Linear walk of one object from a to b in n frames. */
export function walk(
  id: string,
  a: [number, number],
  b: [number, number],
  n: number,
  extra: Partial<Obj> = {},
) {
  return Array.from({ length: n }, (_, i) => [
    {
      id,
      p: [a[0] + ((b[0] - a[0]) * i) / (n - 1), a[1] + ((b[1] - a[1]) * i) / (n - 1)] as [number, number],
      ...extra,
    },
  ]);
}

/** A square zone [x0,x1] x [y0,y1]. */
export function zone(
  id: string,
  cameraId: string,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  inertia = 3,
): Zone {
  return zoneSchema.parse({
    id,
    cameraId,
    name: id,
    inertiaFrames: inertia,
    polygon: [
      [x0, y0],
      [x1, y0],
      [x1, y1],
      [x0, y1],
    ],
  });
}

export function rule(input: Partial<RuleInput> & Pick<RuleInput, 'condition' | 'cameraIds'>): Rule {
  return ruleSchema.parse({ id: 'r1', name: 'rule one', labels: ['person'], cooldownSeconds: 5, ...input });
}
