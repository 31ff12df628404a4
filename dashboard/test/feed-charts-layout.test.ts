import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AlertEvent } from '@sentinel/common/schemas/alert';
import {
  type AlertRow,
  allowedActions,
  applyAlertEvent,
  defaultFilter,
  filterToQuery,
  matchesFilter,
  timeAgo,
  upsertRow,
} from '../src/lib/alerts-feed.ts';
import { cameraDraftToPatch, newCameraDraft, validateCameraDraft } from '../src/lib/camera-form.ts';
import { bucketTimes, intervalFor, linePath, niceTicks, toSeries } from '../src/lib/charts.ts';
import { parsePushPayload, urlBase64ToUint8Array } from '../src/lib/push-keys.ts';
import { matchRoute } from '../src/lib/routes.ts';
import { fitLayout, pageOf, tileState } from '../src/lib/wall-layout.ts';

const event = (patch: Partial<AlertEvent> = {}): AlertEvent => ({
  cameraId: 'cam-a',
  frameId: 'f1',
  capturedAt: 1_000,
  trace: {},
  alertId: 'al_1',
  event: 'opened',
  status: 'open',
  ruleId: 'r1',
  ruleName: 'Door',
  severity: 'warning',
  condition: 'enter',
  label: 'person',
  message: 'person entered Door',
  actor: 'system',
  at: 1_200,
  ...patch,
});

describe('alert feed', () => {
  it('inserts opened alerts on top and applies later lifecycle events in place', () => {
    let list: AlertRow[] = [];
    list = applyAlertEvent(list, event());
    list = applyAlertEvent(list, event({ alertId: 'al_2', at: 2_000 }));
    assert.deepEqual(
      list.map((r) => r.id),
      ['al_2', 'al_1'],
    );
    list = applyAlertEvent(
      list,
      event({ event: 'acknowledged', status: 'acknowledged', at: 3_000, actor: 'bob' }),
    );
    assert.equal(list[1]!.status, 'acknowledged');
    assert.equal(list[1]!.acknowledgedAt, 3_000);
    assert.equal(list[1]!.openedAt, 1_200, 'opening time is kept');
    list = applyAlertEvent(list, event({ event: 'resolved', status: 'resolved', at: 4_000 }));
    assert.equal(list[1]!.resolvedAt, 4_000);
    assert.equal(list.length, 2);
  });

  it('replaces a row with the server answer, keeping the snapshot URL it had', () => {
    const list = applyAlertEvent([], event()).map((r) => ({ ...r, snapshotUrl: '/snap' }));
    const out = upsertRow(list, { ...list[0]!, status: 'acknowledged', snapshotUrl: null });
    assert.equal(out[0]!.status, 'acknowledged');
    assert.equal(out[0]!.snapshotUrl, '/snap');
  });

  it('filters by status, severity, camera, class, text and false positives', () => {
    const row = applyAlertEvent([], event())[0]!;
    const f = defaultFilter();
    assert.equal(matchesFilter(row, f), true);
    assert.equal(matchesFilter({ ...row, status: 'resolved' }, f), false);
    assert.equal(matchesFilter(row, { ...f, severity: ['critical'] }), false);
    assert.equal(matchesFilter(row, { ...f, cameraId: 'cam-b' }), false);
    assert.equal(matchesFilter(row, { ...f, label: 'car' }), false);
    assert.equal(matchesFilter(row, { ...f, text: 'DOOR' }), true);
    assert.equal(matchesFilter(row, { ...f, text: 'garage' }), false);
    assert.equal(matchesFilter({ ...row, falsePositive: true }, f), false);
    assert.deepEqual(filterToQuery(f), {
      status: 'open,acknowledged',
      severity: undefined,
      cameraId: undefined,
      label: undefined,
      falsePositive: 'false',
    });
  });

  it('offers only the lifecycle transitions that exist', () => {
    assert.deepEqual(allowedActions({ status: 'open', falsePositive: false }), {
      ack: true,
      resolve: true,
      markFalse: true,
    });
    assert.deepEqual(allowedActions({ status: 'acknowledged', falsePositive: false }), {
      ack: false,
      resolve: true,
      markFalse: true,
    });
    assert.deepEqual(allowedActions({ status: 'resolved', falsePositive: true }), {
      ack: false,
      resolve: false,
      markFalse: false,
    });
    assert.equal(timeAgo(0, 42_000), '42 s ago');
    assert.equal(timeAgo(0, 3 * 3600_000 + 5), '3 h ago');
  });
});

describe('history charts', () => {
  it('fills missing buckets with zero and orders series by total', () => {
    const times = bucketTimes(3_600_000 + 10, 4 * 3_600_000, 3_600_000);
    assert.deepEqual(times, [3_600_000, 7_200_000, 10_800_000]);
    const s = toSeries(
      [
        { bucket: 3_600_000, cameraId: 'a', label: 'car', count: 2 },
        { bucket: 10_800_000, cameraId: 'a', label: 'person', count: 5 },
        { bucket: 10_800_000, cameraId: 'b', label: 'person', count: 1 },
        { bucket: 99, cameraId: 'a', label: 'dog', count: 7 },
      ],
      times,
      'label',
    );
    assert.deepEqual(s, [
      { key: 'person', values: [0, 0, 6], total: 6 },
      { key: 'car', values: [2, 0, 0], total: 2 },
    ]);
    assert.deepEqual(
      toSeries([{ bucket: 3_600_000, cameraId: 'a', label: 'car', count: 2 }], times, 'cameraId').map(
        (x) => x.key,
      ),
      ['a'],
    );
  });

  it('picks nice axis ticks and API-compatible intervals', () => {
    assert.deepEqual(niceTicks(7), [0, 2, 4, 6, 8]);
    assert.deepEqual(niceTicks(100), [0, 25, 50, 75, 100]);
    assert.deepEqual(niceTicks(0), [0, 1]);
    assert.equal(intervalFor(86_400_000), 1800);
    assert.equal(intervalFor(6 * 3600_000), 900);
    assert.ok(intervalFor(7 * 86_400_000) % 60 === 0);
    const d = linePath([0, 10], 10, { width: 100, height: 50, left: 0, right: 0, top: 0, bottom: 0 });
    assert.equal(d, 'M0.0 50.0 L100.0 0.0');
  });
});

describe('camera wall', () => {
  it('pages cameras and fits the layout to the count', () => {
    const cams = Array.from({ length: 10 }, (_, i) => i);
    assert.deepEqual(pageOf(cams, 4, 2), { items: [8, 9], page: 2, pages: 3 });
    assert.equal(pageOf(cams, 4, 9).page, 2, 'clamped to the last page');
    assert.equal(pageOf([], 9, 0).pages, 1);
    assert.equal(fitLayout(1), 1);
    assert.equal(fitLayout(5), 9);
    assert.equal(fitLayout(40), 16);
  });

  it('derives the state badge from ingest status and the player', () => {
    assert.deepEqual(tileState({ state: 'streaming' }, 'playing'), { tone: 'ok', label: 'streaming' });
    assert.equal(
      tileState({ state: 'offline', reason: 'unauthorized' }, 'connecting').label,
      'offline · wrong credentials',
    );
    assert.equal(tileState({ state: 'reconnecting', reason: 'unreachable' }, 'stalled').tone, 'warn');
    assert.equal(tileState({ state: 'streaming' }, 'error').label, 'live view unavailable');
    assert.equal(tileState(null, 'connecting').label, 'no status');
    assert.equal(tileState({ state: 'streaming' }, 'playing', false).label, 'disabled');
  });
});

describe('routes and push', () => {
  it('matches deep links and refuses open redirects after login', () => {
    assert.deepEqual(matchRoute('/alerts/al_1'), { name: 'alert', id: 'al_1' });
    assert.deepEqual(matchRoute('/camera/front%20door'), { name: 'camera', id: 'front door' });
    assert.deepEqual(matchRoute('/rules/new/'), { name: 'rule', id: 'new' });
    assert.deepEqual(matchRoute('/login', '?next=%2Falerts%2Fx'), { name: 'login', next: '/alerts/x' });
    assert.deepEqual(matchRoute('/login', '?next=//evil.example'), { name: 'login' });
    assert.equal(matchRoute('/nope').name, 'notFound');
  });

  it('decodes the VAPID key and builds the notification deep link', () => {
    const key = urlBase64ToUint8Array(Buffer.from([4, 255, 254, 1]).toString('base64url'));
    assert.deepEqual([...key], [4, 255, 254, 1]);
    assert.deepEqual(
      parsePushPayload({ alertId: 'al_9', ruleName: 'Door', cameraId: 'cam', message: 'person entered' }),
      {
        title: 'Door · cam',
        body: 'person entered',
        url: '/alerts/al_9',
        tag: 'al_9',
        alertId: 'al_9',
      },
    );
    assert.equal(
      parsePushPayload({ title: 't', body: 'b', data: { url: 'https://evil.example/x?y=1' } }).url,
      '/x?y=1',
    );
    assert.equal(parsePushPayload(null).url, '/alerts');
    // The alerts notifier's payload (alerts/src/notifier/payload.ts): absolute deep link on the public base URL.
    const fromNotifier = parsePushPayload({
      title: 'Alert: Door',
      body: 'person entered Door (camera cam)',
      alertId: 'al_7',
      event: 'opened',
      severity: 'warning',
      camera: 'cam',
      label: 'person',
      rule: 'Door',
      time: '2026-11-21T10:00:00.000Z',
      snapshotUrl: 'http://127.0.0.1:8080/api/v1/snapshots/cam/x.jpg?expires=1&sig=s',
      url: 'http://127.0.0.1:8080/alerts/al_7',
    });
    assert.deepEqual(fromNotifier, {
      title: 'Alert: Door',
      body: 'person entered Door (camera cam)',
      url: '/alerts/al_7',
      tag: 'al_7',
      alertId: 'al_7',
      image: 'http://127.0.0.1:8080/api/v1/snapshots/cam/x.jpg?expires=1&sig=s',
    });
  });
});

describe('camera form', () => {
  it('validates with the shared camera schema', () => {
    const bad = validateCameraDraft({ ...newCameraDraft(), id: 'Front Door', name: '', url: 'ftp://x' });
    assert.equal(bad.ok, false);
    assert.ok(bad.errors.id?.[0]?.includes('a-z'));
    assert.ok(bad.errors.url?.[0]?.includes('unsupported scheme'));
    const good = validateCameraDraft({
      ...newCameraDraft(),
      id: 'front',
      name: 'Front',
      url: 'rtsp://10.0.0.2/s1',
      tags: 'a, b',
    });
    assert.equal(good.ok, true, JSON.stringify(good.errors));
    assert.deepEqual(good.value?.tags, ['a', 'b']);
    const patch = cameraDraftToPatch({ ...newCameraDraft(), id: 'front', name: 'Front', url: 'rtsp://h/s' });
    assert.equal('id' in patch, false);
    assert.equal('password' in patch, false, 'a blank password keeps the stored one');
  });
});
