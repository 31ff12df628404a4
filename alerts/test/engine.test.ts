import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RuleEvaluator, type RuleOutput } from '@sentinel/common/rules/engine';
import { hold, type Obj, rule, script, walk, zone } from './helpers.ts';

const CAM = 'cam-e';
const T0 = Date.UTC(2026, 0, 5, 12, 0, 0); // a Monday, 12:00 UTC
const yard = zone('yard', CAM, 0.4, 0.4, 0.8, 0.8);

const run = (ev: RuleEvaluator, batches: ReturnType<typeof script>) => batches.flatMap((b) => ev.process(b));
function of<T extends RuleOutput['type']>(out: RuleOutput[], type: T) {
  return out.filter((o): o is Extract<RuleOutput, { type: T }> => o.type === type);
}

test('enter: fires once after the inertia frames, not on border flicker, and resolves after the object leaves', () => {
  const ev = new RuleEvaluator({
    rule: rule({ cameraIds: [CAM], condition: { type: 'enter', zoneId: 'yard' }, autoResolveSeconds: 1 }),
    zones: [yard],
  });
  const flicker: Obj[][] = [];
  for (let i = 0; i < 7; i++) flicker.push([{ id: 'a', p: i % 2 ? [0.45, 0.5] : [0.35, 0.5] }]);
  let out = run(ev, script(CAM, T0, flicker));
  assert.equal(of(out, 'open').length, 0, 'alternating in/out never satisfies 3 frames of inertia');
  out = run(ev, script(CAM, T0 + 2000, hold(3, [{ id: 'a', p: [0.5, 0.5] }])));
  const opened = of(out, 'open');
  assert.equal(opened.length, 1);
  assert.equal(opened[0]!.type === 'open' && opened[0]!.frameId, 'f2', 'fires on the 3rd frame inside');
  assert.match((opened[0] as { message: string }).message, /person entered yard/);
  out = run(ev, script(CAM, T0 + 3000, hold(12, [{ id: 'a', p: [0.2, 0.2] }])));
  const resolved = of(out, 'resolve');
  assert.equal(resolved.length, 1, 'resolved after leaving + autoResolveSeconds');
  assert.equal(resolved[0]!.alertId, opened[0]!.alertId);
});

test('label and score filters: a low-score person and a dog do not fire', () => {
  const ev = new RuleEvaluator({
    rule: rule({ cameraIds: [CAM], condition: { type: 'enter', zoneId: 'yard' } }),
    zones: [yard],
  });
  const out = run(
    ev,
    script(
      CAM,
      T0,
      hold(5, [
        { id: 'd', label: 'dog', p: [0.5, 0.5] },
        { id: 'p', p: [0.6, 0.6], score: 0.3 },
      ]),
    ),
  );
  assert.equal(of(out, 'open').length, 0);
});

test('exit: fires when the object leaves the zone, not when it enters', () => {
  const ev = new RuleEvaluator({
    rule: rule({ cameraIds: [CAM], condition: { type: 'exit', zoneId: 'yard' } }),
    zones: [yard],
  });
  const out = run(
    ev,
    script(CAM, T0, [...hold(4, [{ id: 'a', p: [0.5, 0.5] }]), ...hold(4, [{ id: 'a', p: [0.9, 0.9] }])]),
  );
  const opened = of(out, 'open');
  assert.equal(opened.length, 1);
  assert.equal((opened[0] as { frameId: string }).frameId, 'f6');
});

test('dwell: fires after T seconds inside, once per visit, re-arms after the object left', () => {
  const ev = new RuleEvaluator({
    rule: rule({
      cameraIds: [CAM],
      condition: { type: 'dwell', zoneId: 'yard', seconds: 3 },
      cooldownSeconds: 0,
    }),
    zones: [yard],
  });
  // enters at frame 2 (t=400 ms); 3 s later = frame 17
  let out = run(ev, script(CAM, T0, hold(30, [{ id: 'a', p: [0.5, 0.5] }])));
  let opened = of(out, 'open');
  assert.equal(opened.length, 1, 'once per visit');
  assert.equal((opened[0] as { frameId: string }).frameId, 'f17');
  out = run(
    ev,
    script(CAM, T0 + 10_000, [
      ...hold(4, [{ id: 'a', p: [0.1, 0.1] }]),
      ...hold(20, [{ id: 'a', p: [0.5, 0.5] }]),
    ]),
  );
  opened = of(out, 'open');
  assert.equal(opened.length, 1, 'a second visit fires again');
});

test('line_cross: direction matters; jitter on the line does not fire', () => {
  const line = {
    a: [0.5, 0] as [number, number],
    b: [0.5, 1] as [number, number],
    direction: 'left_to_right' as const,
  };
  const mk = () =>
    new RuleEvaluator({
      rule: rule({ cameraIds: [CAM], condition: { type: 'line_cross', line } }),
      zones: [],
    });
  // a→b points down the image; walking from x=0.8 to x=0.2 goes from its left (east) to its right (west)
  let ev = mk();
  let out = run(ev, script(CAM, T0, walk('a', [0.8, 0.5], [0.2, 0.5], 10)));
  assert.equal(of(out, 'open').length, 1, 'east → west is left_to_right for a downward line');
  assert.equal(of(out, 'open')[0]!.details.direction, 'left_to_right');
  ev = mk();
  out = run(ev, script(CAM, T0, walk('b', [0.2, 0.5], [0.8, 0.5], 10)));
  assert.equal(of(out, 'open').length, 0, 'the other direction does not fire');
  ev = mk();
  const jitter = Array.from({ length: 10 }, (_, i) => [
    { id: 'c', p: [0.5 + (i % 2 ? 0.001 : -0.001), 0.5] as [number, number] },
  ]);
  out = run(ev, script(CAM, T0, jitter));
  assert.equal(of(out, 'open').length, 0, 'within the margin of the line');
});

test('line_cross: passing beyond the end of the segment is not a crossing', () => {
  const line = {
    a: [0.5, 0] as [number, number],
    b: [0.5, 0.4] as [number, number],
    direction: 'any' as const,
  };
  const ev = new RuleEvaluator({
    rule: rule({ cameraIds: [CAM], condition: { type: 'line_cross', line } }),
    zones: [],
  });
  const out = run(ev, script(CAM, T0, walk('a', [0.8, 0.8], [0.2, 0.8], 8)));
  assert.equal(of(out, 'open').length, 0);
});

test('occupancy: N objects for T seconds fires once per camera, re-arms when the count drops', () => {
  const ev = new RuleEvaluator({
    rule: rule({
      cameraIds: [CAM],
      condition: { type: 'occupancy', zoneId: 'yard', count: 2, seconds: 2 },
      cooldownSeconds: 0,
      autoResolveSeconds: 1,
    }),
    zones: [yard],
  });
  const two = [
    { id: 'a', p: [0.5, 0.5] as [number, number] },
    { id: 'b', p: [0.6, 0.6] as [number, number] },
  ];
  let out = run(ev, script(CAM, T0, hold(8, [two[0]!])));
  assert.equal(of(out, 'open').length, 0, 'one object is not enough');
  out = run(ev, script(CAM, T0 + 2000, hold(20, two)));
  const opened = of(out, 'open');
  assert.equal(opened.length, 1);
  assert.equal((opened[0] as { trackId?: string }).trackId, undefined, 'a camera-level alert');
  assert.equal(opened[0]!.details.count, 2);
  out = run(ev, script(CAM, T0 + 6000, hold(25, [two[0]!])));
  assert.equal(of(out, 'resolve').length, 1, 'resolves when the count stays below N');
  out = run(ev, script(CAM, T0 + 10_000, hold(20, two)));
  assert.equal(of(out, 'open').length, 1, 're-armed');
});

test('sequence: zone A then zone B within T fires; B then A, or too slow, does not', () => {
  const a = zone('gate', CAM, 0.0, 0.0, 0.3, 1.0, 2);
  const b = zone('door', CAM, 0.7, 0.0, 1.0, 1.0, 2);
  const mk = () =>
    new RuleEvaluator({
      rule: rule({
        cameraIds: [CAM],
        condition: { type: 'sequence', zoneIds: ['gate', 'door'], withinSeconds: 3 },
      }),
      zones: [a, b],
    });
  let out = run(mk(), script(CAM, T0, walk('x', [0.1, 0.5], [0.9, 0.5], 12)));
  assert.equal(of(out, 'open').length, 1, 'A → B in ~2 s');
  assert.equal((of(out, 'open')[0] as { zoneId: string }).zoneId, 'door');
  out = run(mk(), script(CAM, T0, walk('y', [0.9, 0.5], [0.1, 0.5], 12)));
  assert.equal(of(out, 'open').length, 0, 'B → A');
  out = run(mk(), script(CAM, T0, walk('z', [0.1, 0.5], [0.9, 0.5], 40)));
  assert.equal(of(out, 'open').length, 0, 'A → B in ~6 s is too slow');
});

test('cooldown per track and de-duplication per camera: a second person joins the open alert', () => {
  const ev = new RuleEvaluator({
    rule: rule({ cameraIds: [CAM], condition: { type: 'enter', zoneId: 'yard' }, cooldownSeconds: 30 }),
    zones: [yard],
  });
  const out = run(
    ev,
    script(CAM, T0, [
      ...hold(4, [{ id: 'a', p: [0.5, 0.5] }]),
      ...hold(4, [{ id: 'a', p: [0.1, 0.1] }]),
      ...hold(4, [
        { id: 'a', p: [0.5, 0.5] },
        { id: 'b', p: [0.6, 0.6] },
      ]),
    ]),
  );
  assert.equal(of(out, 'open').length, 1);
  const upd = of(out, 'update');
  assert.equal(upd.length, 1, 'track b joins the open alert');
  assert.equal((upd[0] as { trackId: string }).trackId, 'b');
  const sup = of(out, 'suppressed');
  assert.deepEqual(
    sup.map((s) => (s as { reason: string }).reason),
    ['cooldown'],
    'track a re-entering within its cooldown is suppressed',
  );
});

test('parked car: alerts once, stays quiet across new track ids, re-arms after it drives away', () => {
  const ev = new RuleEvaluator({
    rule: rule({
      cameraIds: [CAM],
      labels: ['car'],
      condition: { type: 'enter', zoneId: 'yard' },
      cooldownSeconds: 10,
      stationaryRearmSeconds: 5,
      autoResolveSeconds: 2,
    }),
    zones: [yard],
  });
  const car = (id: string, stationary: boolean, p: [number, number] = [0.6, 0.6]): Obj => ({
    id,
    label: 'car',
    p,
    stationary,
  });
  const steps: Obj[][] = [
    ...walk('c1', [0.2, 0.6], [0.6, 0.6], 10, { label: 'car' }),
    ...hold(20, [car('c1', true)]),
  ];
  // detector flicker: the tracker loses the car and re-acquires it under a new id, every 10 s, for 10 minutes
  let out = run(ev, script(CAM, T0, steps));
  assert.equal(of(out, 'open').length, 1, 'the arriving car alerts once');
  let t = T0 + steps.length * 200;
  let n = 2;
  for (let cycle = 0; cycle < 60; cycle++) {
    out = run(ev, script(CAM, t, [[], [], ...hold(48, [car(`c${n}`, cycle % 2 === 0)])]));
    assert.equal(of(out, 'open').length, 0, `no re-alert for re-acquired track c${n}`);
    t += 10_000;
    n++;
  }
  // it drives away, the place stays empty past stationaryRearmSeconds, then another car parks there
  out = run(
    ev,
    script(CAM, t, [...walk(`c${n - 1}`, [0.6, 0.6], [0.95, 0.95], 10, { label: 'car' }), ...hold(40, [])]),
  );
  assert.equal(of(out, 'open').length, 0);
  t += 50 * 200;
  out = run(
    ev,
    script(CAM, t, [
      ...walk('new', [0.2, 0.6], [0.6, 0.6], 10, { label: 'car' }),
      ...hold(5, [car('new', true)]),
    ]),
  );
  assert.equal(of(out, 'open').length, 1, 'a car arriving after the place re-armed alerts');
});

test('schedule: armed only inside the window in its own time zone (across midnight UTC)', () => {
  // 22:00-06:00 in Asia/Tokyo (UTC+9) on Monday night = Monday 13:00 UTC .. Monday 21:00 UTC
  const r = rule({
    cameraIds: [CAM],
    condition: { type: 'enter', zoneId: 'yard' },
    schedule: { timezone: 'Asia/Tokyo', windows: [{ days: [1], start: '22:00', end: '06:00' }] },
  });
  const fires = (at: number) => {
    const ev = new RuleEvaluator({ rule: r, zones: [yard] });
    const out = run(ev, script(CAM, at, hold(4, [{ id: 'a', p: [0.5, 0.5] }])));
    return of(out, 'open').length === 1
      ? 'fired'
      : (of(out, 'suppressed')[0] as { reason: string } | undefined)?.reason;
  };
  assert.equal(fires(Date.UTC(2026, 0, 5, 12, 59)), 'schedule', 'Mon 21:59 Tokyo');
  assert.equal(fires(Date.UTC(2026, 0, 5, 13, 0)), 'fired', 'Mon 22:00 Tokyo');
  assert.equal(
    fires(Date.UTC(2026, 0, 5, 16, 0)),
    'fired',
    'Tue 01:00 Tokyo (Monday night window, past local midnight)',
  );
  assert.equal(fires(Date.UTC(2026, 0, 5, 20, 59)), 'fired', 'Tue 05:59 Tokyo');
  assert.equal(fires(Date.UTC(2026, 0, 5, 21, 0)), 'schedule', 'Tue 06:00 Tokyo');
  assert.equal(fires(Date.UTC(2026, 0, 6, 13, 30)), 'schedule', 'Tue 22:30 Tokyo: Tuesday is not armed');
});

test('schedule follows daylight saving time (Europe/Berlin)', () => {
  const r = rule({
    cameraIds: [CAM],
    condition: { type: 'enter', zoneId: 'yard' },
    schedule: {
      timezone: 'Europe/Berlin',
      windows: [{ days: [0, 1, 2, 3, 4, 5, 6], start: '08:00', end: '09:00' }],
    },
  });
  const fires = (at: number) => {
    const ev = new RuleEvaluator({ rule: r, zones: [yard] });
    return of(run(ev, script(CAM, at, hold(4, [{ id: 'a', p: [0.5, 0.5] }]))), 'open').length;
  };
  assert.equal(fires(Date.UTC(2026, 0, 15, 7, 30)), 1, 'winter: 08:30 CET = 07:30 UTC');
  assert.equal(fires(Date.UTC(2026, 6, 15, 7, 30)), 0, 'summer: 07:30 UTC is 09:30 CEST');
  assert.equal(fires(Date.UTC(2026, 6, 15, 6, 30)), 1, 'summer: 08:30 CEST = 06:30 UTC');
});

test('redelivered frames return the same outputs; older frames are ignored', () => {
  const ev = new RuleEvaluator({
    rule: rule({ cameraIds: [CAM], condition: { type: 'enter', zoneId: 'yard' } }),
    zones: [yard],
  });
  const frames = script(CAM, T0, hold(4, [{ id: 'a', p: [0.5, 0.5] }]));
  const first = run(ev, frames);
  const again = ev.process(frames[2]!);
  assert.deepEqual(
    again,
    first.filter((o) => o.type === 'open'),
  );
  assert.deepEqual(ev.process({ ...frames[0]!, frameId: 'old', capturedAt: T0 - 1000 }), []);
});

test('an alert resolved by an operator is forgotten: the next person opens a new alert instead of joining it', () => {
  const ev = new RuleEvaluator({
    rule: rule({ cameraIds: [CAM], condition: { type: 'enter', zoneId: 'yard' }, cooldownSeconds: 60 }),
    zones: [yard],
  });
  const first = of(run(ev, script(CAM, T0, hold(4, [{ id: 'a', p: [0.5, 0.5] }]))), 'open');
  assert.equal(first.length, 1);
  assert.equal(ev.forget(CAM, first[0]!.alertId), true);
  const out = run(
    ev,
    script(
      CAM,
      T0 + 2000,
      hold(4, [
        { id: 'a', p: [0.5, 0.5] },
        { id: 'b', p: [0.6, 0.6] },
      ]),
    ),
  );
  assert.equal(of(out, 'update').length, 0);
  const second = of(out, 'open');
  assert.equal(second.length, 1, 'b opens its own alert');
  assert.equal(second[0]!.trackId, 'b');
  assert.deepEqual(ev.openAlerts(CAM), [second[0]!.alertId]);
});
