import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ruleSchema } from '@sentinel/common/schemas/rule';
import {
  errorsAt,
  newRuleDraft,
  newZoneDraft,
  parseNumber,
  type RuleDraft,
  ruleToDraft,
  slug,
  validateRuleDraft,
  validateZoneDraft,
  type ZoneDraft,
} from '../src/lib/rule-form.ts';

const square = [
  [0.1, 0.1],
  [0.5, 0.1],
  [0.5, 0.5],
  [0.1, 0.5],
] as const;
const zone = (id: string, cameraId: string) => ({
  id,
  cameraId,
  name: id,
  polygon: square.map((p) => [p[0], p[1]] as [number, number]),
  inertiaFrames: 3,
});
/** What the editor knows from GET /cameras and GET /zones. */
const zones = {
  cameraIds: ['cam-a', 'cam-b'],
  zones: [zone('zone-door', 'cam-a'), zone('zone-yard', 'cam-a'), zone('zone-other', 'cam-b')],
};
const draft = (patch: Partial<RuleDraft> = {}): RuleDraft => ({
  ...newRuleDraft('cam-a'),
  name: 'Door watch',
  zoneId: 'zone-door',
  ...patch,
});
const zoneDraft = (patch: Partial<ZoneDraft> = {}): ZoneDraft => ({
  ...newZoneDraft('cam-a'),
  name: 'Door',
  polygon: { points: [...square], closed: true },
  ...patch,
});

describe('rule editor validation (shared zod schema)', () => {
  it('accepts a complete enter rule and applies the schema defaults', () => {
    const v = validateRuleDraft(draft(), zones);
    assert.equal(v.ok, true, JSON.stringify(v.errors));
    if (!v.ok) return;
    assert.deepEqual(v.value.condition, { type: 'enter', zoneId: 'zone-door' });
    assert.equal(v.value.cooldownSeconds, 60);
    assert.equal(v.value.minScore, 0.5);
    assert.ok(ruleSchema.safeParse(v.value).success, 'the produced body passes the gateway schema');
  });

  it('puts each schema message next to its field', () => {
    const v = validateRuleDraft(draft({ name: '', labels: [], cameraIds: [], minScore: '1.5' }), zones);
    assert.equal(v.ok, false);
    assert.deepEqual(errorsAt(v.errors, 'name'), ['is required']);
    assert.deepEqual(errorsAt(v.errors, 'labels'), ['pick at least one object class']);
    assert.ok(errorsAt(v.errors, 'cameraIds').includes('pick at least one camera'));
    assert.deepEqual(errorsAt(v.errors, 'minScore'), ['must be ≤ 1']);
  });

  it('reports non-numbers and blanks in number fields precisely', () => {
    const v = validateRuleDraft(
      draft({ conditionType: 'dwell', seconds: 'abc', cooldownSeconds: '-5' }),
      zones,
    );
    assert.equal(v.ok, false);
    assert.deepEqual(errorsAt(v.errors, 'condition.seconds'), ['must be a number']);
    assert.deepEqual(errorsAt(v.errors, 'cooldownSeconds'), ['must be ≥ 0']);
    const blank = validateRuleDraft(draft({ conditionType: 'dwell', seconds: '' }), zones);
    assert.deepEqual(errorsAt(blank.errors, 'condition.seconds'), ['is required']);
    const zero = validateRuleDraft(draft({ conditionType: 'dwell', seconds: '0' }), zones);
    assert.deepEqual(errorsAt(zero.errors, 'condition.seconds'), ['must be > 0 seconds']);
  });

  it('requires a zone, and one that belongs to the watched camera (gateway reference checks)', () => {
    assert.deepEqual(errorsAt(validateRuleDraft(draft({ zoneId: '' }), zones).errors, 'condition.zoneId'), [
      'pick a zone',
    ]);
    const wrongCam = validateRuleDraft(draft({ zoneId: 'zone-other' }), zones);
    assert.match(
      errorsAt(wrongCam.errors, 'condition.zoneId')[0]!,
      /camera 'cam-b', which the rule does not watch/,
    );
    const gone = validateRuleDraft(draft({ zoneId: 'zone-deleted' }), zones);
    assert.deepEqual(errorsAt(gone.errors, 'condition.zoneId'), ["unknown zone 'zone-deleted'"]);
    const twoCams = validateRuleDraft(draft({ cameraIds: ['cam-a', 'cam-b'] }), zones);
    assert.match(errorsAt(twoCams.errors, 'cameraIds', true)[0]!, /make one rule per camera/);
    const typo = validateRuleDraft(draft({ labels: ['persn'] }), zones);
    assert.deepEqual(errorsAt(typo.errors, 'labels'), [
      "unknown object class 'persn' (did you mean 'person'?)",
    ]);
    assert.equal(validateRuleDraft(draft({ zoneId: 'zone-deleted' })).ok, true, 'no references known yet');
  });

  it('rejects a sequence through the same zone twice', () => {
    const v = validateRuleDraft(
      draft({ conditionType: 'sequence', zoneId: 'zone-door', zoneId2: 'zone-door', seconds: '30' }),
      zones,
    );
    assert.ok(errorsAt(v.errors, 'condition.zoneIds').includes('sequence needs two different zones'));
    const ok = validateRuleDraft(
      draft({ conditionType: 'sequence', zoneId: 'zone-door', zoneId2: 'zone-yard', seconds: '30' }),
      zones,
    );
    assert.equal(ok.ok, true, JSON.stringify(ok.errors));
  });

  it('asks for the line to be drawn, and rejects a zero-length line', () => {
    const none = validateRuleDraft(draft({ conditionType: 'line_cross', line: { direction: 'any' } }), zones);
    assert.ok(
      errorsAt(none.errors, 'condition.line').includes('draw the line on the snapshot (click two points)'),
    );
    const half = validateRuleDraft(
      draft({ conditionType: 'line_cross', line: { a: [0.1, 0.1], direction: 'any' } }),
      zones,
    );
    assert.ok(errorsAt(half.errors, 'condition.line').includes('click the second point of the line'));
    const dot = validateRuleDraft(
      draft({ conditionType: 'line_cross', line: { a: [0.2, 0.2], b: [0.2, 0.2], direction: 'any' } }),
      zones,
    );
    assert.deepEqual(errorsAt(dot.errors, 'condition.line.b'), ['line endpoints must differ']);
    const good = validateRuleDraft(
      draft({
        conditionType: 'line_cross',
        line: { a: [0.2, 0.2], b: [0.8, 0.3], direction: 'left_to_right' },
      }),
      zones,
    );
    assert.equal(good.ok, true, JSON.stringify(good.errors));
  });

  it('validates the schedule windows and time zone', () => {
    const v = validateRuleDraft(
      draft({
        scheduleEnabled: true,
        timezone: 'Mars/Olympus',
        windows: [
          { days: [], start: '25:00', end: '07:00' },
          { days: [1], start: '08:00', end: '08:00' },
        ],
      }),
      zones,
    );
    assert.deepEqual(errorsAt(v.errors, 'schedule.timezone'), ['unknown IANA time zone']);
    assert.deepEqual(errorsAt(v.errors, 'schedule.windows.0.days'), ['pick at least one day']);
    assert.deepEqual(errorsAt(v.errors, 'schedule.windows.0.start'), ['must be HH:MM (00:00-24:00)']);
    assert.deepEqual(errorsAt(v.errors, 'schedule.windows.1.end'), [
      'window start and end are equal (empty window)',
    ]);
    const overlap = validateRuleDraft(
      draft({
        scheduleEnabled: true,
        timezone: 'UTC',
        windows: [
          { days: [1], start: '08:00', end: '12:00' },
          { days: [1], start: '11:00', end: '13:00' },
        ],
      }),
      zones,
    );
    assert.match(errorsAt(overlap.errors, 'schedule.windows.1', true)[0]!, /overlaps window 0 on Monday/);
    const none = validateRuleDraft(draft({ scheduleEnabled: true, timezone: 'UTC', windows: [] }), zones);
    assert.deepEqual(errorsAt(none.errors, 'schedule.windows'), [
      'schedule has no windows; omit the schedule to arm always',
    ]);
  });

  it('round-trips a stored rule through the form', () => {
    const stored = ruleSchema.parse({
      id: 'r1',
      name: 'Loiter',
      cameraIds: ['cam-a'],
      labels: ['person', 'dog'],
      condition: { type: 'occupancy', zoneId: 'zone-yard', count: 3, seconds: 5 },
      schedule: { timezone: 'Europe/Paris', windows: [{ days: [0, 6], start: '00:00', end: '24:00' }] },
      cooldownSeconds: 120,
    });
    const v = validateRuleDraft(ruleToDraft(stored), zones);
    assert.equal(v.ok, true, JSON.stringify(v.errors));
    if (v.ok) assert.deepEqual(v.value, stored);
  });

  it('parses number inputs without losing junk', () => {
    assert.equal(parseNumber(' 2.5 '), 2.5);
    assert.equal(parseNumber(''), undefined);
    assert.ok(Number.isNaN(parseNumber('2,5')!));
    assert.equal(slug('Front Door #2'), 'front-door-2');
  });
});

describe('zone editor validation', () => {
  it('accepts a closed square', () => {
    const v = validateZoneDraft(zoneDraft());
    assert.equal(v.ok, true, JSON.stringify(v.errors));
    if (v.ok) assert.equal(v.value.inertiaFrames, 3);
  });
  it('asks to finish an unclosed polygon', () => {
    const open = validateZoneDraft(zoneDraft({ polygon: { points: [...square], closed: false } }));
    assert.deepEqual(errorsAt(open.errors, 'polygon'), [
      'close the polygon: click its first point or press Enter',
    ]);
    const two = validateZoneDraft(zoneDraft({ polygon: { points: square.slice(0, 2), closed: false } }));
    assert.deepEqual(errorsAt(two.errors, 'polygon'), ['click at least 1 more point(s) on the snapshot']);
  });
  it('rejects a self-intersecting (bow-tie) polygon and a missing name', () => {
    const bowtie = validateZoneDraft(
      zoneDraft({
        name: '',
        polygon: {
          points: [
            [0.1, 0.1],
            [0.5, 0.5],
            [0.5, 0.1],
            [0.1, 0.5],
          ],
          closed: true,
        },
      }),
    );
    assert.equal(bowtie.ok, false);
    assert.equal(errorsAt(bowtie.errors, 'name').length, 1);
    // zod runs the polygon refinement only once the object's fields parse, so fix the name first.
    const named = validateZoneDraft(
      zoneDraft({
        polygon: {
          points: [
            [0.1, 0.1],
            [0.5, 0.5],
            [0.5, 0.1],
            [0.1, 0.5],
          ],
          closed: true,
        },
      }),
    );
    assert.deepEqual(errorsAt(named.errors, 'polygon'), ['polygon is self-intersecting']);
  });
  it('rejects inertia out of range', () => {
    const v = validateZoneDraft(zoneDraft({ inertiaFrames: '99' }));
    assert.equal(errorsAt(v.errors, 'inertiaFrames').length, 1);
  });
});
