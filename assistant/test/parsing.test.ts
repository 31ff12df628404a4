import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CameraInfo, ZoneInfo } from '../src/data/catalog.ts';
import { findLabels, findPlaces, labelNoun } from '../src/planner/entities.ts';
import { parseQuestion } from '../src/planner/parse-question.ts';
import { parseTimeRange } from '../src/planner/time-parse.ts';

const NOW = Date.parse('2026-11-20T12:00:00Z'); // a Friday
const iso = (ms: number) => new Date(ms).toISOString();
const range = (text: string, tz = 'UTC') => {
  const r = parseTimeRange(text, NOW, tz);
  return r ? [iso(r.fromMs), iso(r.toMs)] : undefined;
};

const cameras: CameraInfo[] = [
  { id: 'cam-dock', name: 'Dock' },
  { id: 'cam-lot', name: 'Parking Lot' },
  { id: 'cam-front', name: 'Front Door' },
  { id: 'cam-garden', name: 'Back Garden' },
];
const zones: ZoneInfo[] = [
  { id: 'z-bay', cameraId: 'cam-dock', name: 'Loading bay', polygon: [] },
  { id: 'z-entrance', cameraId: 'cam-lot', name: 'Lot entrance', polygon: [] },
];

describe('time expressions', () => {
  it('reads days, day parts and clock times in UTC', () => {
    assert.deepEqual(range('how many people yesterday'), [
      '2026-11-19T00:00:00.000Z',
      '2026-11-20T00:00:00.000Z',
    ]);
    assert.deepEqual(range('cars today'), ['2026-11-20T00:00:00.000Z', '2026-11-20T12:00:00.000Z']);
    assert.deepEqual(range('anything last night'), ['2026-11-19T18:00:00.000Z', '2026-11-20T06:00:00.000Z']);
    assert.deepEqual(range('this morning'), ['2026-11-20T06:00:00.000Z', '2026-11-20T12:00:00.000Z']);
    assert.deepEqual(range('at 22:14 on Nov 19'), ['2026-11-19T22:14:00.000Z', '2026-11-19T22:15:00.000Z']);
    assert.deepEqual(range('at 10pm yesterday'), ['2026-11-19T22:00:00.000Z', '2026-11-19T23:00:00.000Z']);
    assert.deepEqual(range('what happened at 22:14 on the dock yesterday'), [
      '2026-11-19T22:14:00.000Z',
      '2026-11-19T22:15:00.000Z',
    ]);
  });

  it('reads ranges, rolling windows, since/before and past weekdays', () => {
    assert.deepEqual(range('between 10pm and 11pm yesterday'), [
      '2026-11-19T22:00:00.000Z',
      '2026-11-19T23:00:00.000Z',
    ]);
    assert.deepEqual(range('in the last 2 hours'), ['2026-11-20T10:00:00.000Z', '2026-11-20T12:00:00.000Z']);
    assert.deepEqual(range('over the past 30 minutes'), [
      '2026-11-20T11:30:00.000Z',
      '2026-11-20T12:00:00.000Z',
    ]);
    assert.deepEqual(range('last week'), ['2026-11-13T12:00:00.000Z', '2026-11-20T12:00:00.000Z']);
    assert.deepEqual(range('since 8am'), ['2026-11-20T08:00:00.000Z', '2026-11-20T12:00:00.000Z']);
    assert.deepEqual(range('before 8am today'), ['2026-11-20T00:00:00.000Z', '2026-11-20T08:00:00.000Z']);
    assert.deepEqual(range('on Monday'), ['2026-11-16T00:00:00.000Z', '2026-11-17T00:00:00.000Z']);
    assert.equal(range('how many cars on the dock'), undefined);
  });

  it('uses the configured time zone for day boundaries', () => {
    assert.deepEqual(range('yesterday', 'Europe/Berlin'), [
      '2026-11-18T23:00:00.000Z',
      '2026-11-19T23:00:00.000Z',
    ]);
    assert.deepEqual(range('at 22:14 on Nov 19', 'America/New_York'), [
      '2026-11-20T03:14:00.000Z',
      '2026-11-20T03:15:00.000Z',
    ]);
  });

  it('marks future ranges', () => {
    assert.equal(parseTimeRange('tomorrow', NOW, 'UTC')?.future, true);
    assert.equal(parseTimeRange('yesterday', NOW, 'UTC')?.future, false);
  });
});

describe('labels, cameras and zones', () => {
  it('maps synonyms and plurals to detector labels', () => {
    assert.deepEqual(findLabels('how many people came').labels, ['person']);
    assert.deepEqual(findLabels('any vehicles?').labels.sort(), ['bus', 'car', 'motorcycle', 'truck']);
    assert.deepEqual(findLabels('two trucks and a dog').labels.sort(), ['dog', 'truck']);
    assert.deepEqual(findLabels('a lorry').labels, ['truck']);
    assert.deepEqual(findLabels('someone with a cell phone').labels.sort(), ['cell phone', 'person']);
    assert.deepEqual(findLabels('the weather').labels, []);
    assert.equal(labelNoun('person', 2), 'people');
    assert.equal(labelNoun('bus', 3), 'buses');
    assert.equal(labelNoun('car', 1), 'car');
  });

  it('finds cameras and zones by exact, partial and misspelt names', () => {
    const names = (t: string) => {
      const p = findPlaces(t, cameras, zones);
      return { cameras: p.cameras.map((c) => c.id), zones: p.zones.map((z) => z.id) };
    };
    assert.deepEqual(names('people on the dock camera'), { cameras: ['cam-dock'], zones: [] });
    assert.deepEqual(names('cars in the parking lot'), { cameras: ['cam-lot'], zones: [] });
    assert.deepEqual(names('who crossed the lot entrance'), { cameras: [], zones: ['z-entrance'] });
    assert.deepEqual(names('anything in the garden'), { cameras: ['cam-garden'], zones: [] });
    assert.deepEqual(names('trucks in the loadng bay'), { cameras: [], zones: ['z-bay'] });
    assert.deepEqual(names('at the frnt door'), { cameras: ['cam-front'], zones: [] });
    assert.deepEqual(names('by camera cam-lot'), { cameras: ['cam-lot'], zones: [] });
    assert.deepEqual(names('how many people today'), { cameras: [], zones: [] });
  });

  it('classifies intents and flags questions beyond the data', () => {
    const q = (t: string) => parseQuestion(t, { cameras, zones, nowMs: NOW, timeZone: 'UTC' });
    assert.equal(q('How many cars today?').intent, 'count');
    assert.equal(q('How many alerts yesterday?').intent, 'count_alerts');
    assert.equal(q('When was a truck last seen?').intent, 'last_seen');
    assert.equal(q('When was the first person seen today?').intent, 'first_seen');
    assert.equal(q('Which camera saw the most people?').intent, 'which_camera');
    assert.equal(q('What was the busiest hour yesterday?').intent, 'busiest_hour');
    assert.equal(q('Is the dock camera online?').intent, 'camera_status');
    assert.equal(q('Show alerts on the front door').intent, 'list_alerts');
    assert.equal(q('Did anyone enter the loading bay?').intent, 'search');
    assert.equal(q('What colour was the car?').outOfScope, 'colours');
    assert.equal(q('Who was at the door?').outOfScope, "people's identities");
    assert.equal(q('How many unicorns today?').unknownObject, 'unicorns');
    assert.equal(q('How many cars today?').unknownObject, undefined);
    assert.equal(q('How many people on camera Garage?').unknownCamera, 'Garage');
    assert.equal(q('How many people on camera Dock?').unknownCamera, undefined);
  });
});
