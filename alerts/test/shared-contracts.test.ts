import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { insertDetectionBatches, ruleSchema, zoneSchema } from '@sentinel/common';
import {
  loadUrlSigningSecret,
  signSnapshotUrl,
  verifySnapshotSignature,
} from '@sentinel/common/auth/signed-url';
import { signWebhookBody, verifyWebhookSignature } from '@sentinel/common/auth/webhook-signature';
import {
  AlertTransitionError,
  getAlert,
  listAlertEvents,
  listAlerts,
  markAlertFalsePositive,
  openAlert,
  transitionAlert,
} from '@sentinel/common/db/alerts-repo';
import { loadOrCreateVapidKeys } from '@sentinel/common/push/vapid';
import { replayRule } from '@sentinel/common/rules/replay';
import { loadRuleEntries } from '@sentinel/common/rules/rule-store';
import { loadRuleReferenceContext, validateRuleReferences } from '@sentinel/common/rules/validate-references';
import webpush from 'web-push';
import { hold, script, walk, zone } from './helpers.ts';
import { seedCamera, seedRule, seedZone, testDb } from './stack.ts';

let db: Awaited<ReturnType<typeof testDb>>;
before(async () => {
  db = await testDb();
});
after(async () => {
  await db.close();
});

const newAlert = (id: string) => ({
  id,
  dedupKey: `k-${id}`,
  ruleId: 'r',
  ruleName: 'R',
  cameraId: 'cam-1',
  trackId: 't1',
  label: 'person',
  severity: 'warning' as const,
  condition: 'enter',
  message: 'person entered yard',
  frameId: 'f1',
  capturedAt: 1_700_000_000_000,
  openedAt: 1_700_000_000_500,
  details: { box: [0.1, 0.1, 0.2, 0.2] },
});

test('alert lifecycle: open → acknowledged → resolved with events; invalid transitions and unknown ids are refused', async () => {
  const first = await openAlert(db.pool, newAlert('a1'));
  assert.equal(first.created, true);
  const again = await openAlert(db.pool, { ...newAlert('a1-retry'), dedupKey: 'k-a1' });
  assert.equal(again.created, false, 'same dedup key: no second alert');
  assert.equal(again.alert.id, 'a1');

  const ack = await transitionAlert(db.pool, 'a1', 'acknowledged', 'alice', { note: 'looking' });
  assert.equal(ack.event, 'acknowledged');
  assert.equal(ack.status, 'acknowledged');
  assert.equal(ack.actor, 'alice');
  assert.deepEqual(ack.box, [0.1, 0.1, 0.2, 0.2]);
  await assert.rejects(transitionAlert(db.pool, 'a1', 'acknowledged', 'bob'), (err: unknown) => {
    assert.ok(err instanceof AlertTransitionError);
    assert.equal(err.code, 'invalid_transition');
    assert.match(err.message, /already acknowledged/);
    return true;
  });
  await transitionAlert(db.pool, 'a1', 'resolved', 'bob');
  await assert.rejects(
    transitionAlert(db.pool, 'a1', 'acknowledged', 'bob'),
    /cannot go from resolved to acknowledged/,
  );
  await assert.rejects(transitionAlert(db.pool, 'nope', 'resolved', 'bob'), (err: unknown) => {
    assert.ok(err instanceof AlertTransitionError && err.code === 'not_found');
    return true;
  });
  const events = await listAlertEvents(db.pool, 'a1');
  assert.deepEqual(
    events.map((e) => [e.event, e.fromStatus, e.toStatus, e.actor]),
    [
      ['opened', null, 'open', 'system'],
      ['acknowledged', 'open', 'acknowledged', 'alice'],
      ['resolved', 'acknowledged', 'resolved', 'bob'],
    ],
  );
  const a = await getAlert(db.pool, 'a1');
  assert.ok(a?.acknowledgedAt && a.resolvedAt);

  const fp = await markAlertFalsePositive(db.pool, 'a1', 'carol');
  assert.equal(fp.alert.falsePositive, true);
  assert.equal(fp.feedback.kind, 'false_positive');
  assert.equal(fp.feedback.frameId, 'f1');
  await openAlert(db.pool, { ...newAlert('a2'), openedAt: 1_700_000_001_000 });
  const page1 = await listAlerts(db.pool, { limit: 1 });
  assert.deepEqual(
    page1.map((x) => x.id),
    ['a2'],
  );
  const page2 = await listAlerts(db.pool, {
    limit: 5,
    before: { openedAt: page1[0]!.openedAt, id: page1[0]!.id },
  });
  assert.deepEqual(
    page2.map((x) => x.id),
    ['a1'],
  );
  assert.deepEqual(
    (await listAlerts(db.pool, { falsePositive: true })).map((x) => x.id),
    ['a1'],
  );
  assert.deepEqual(
    (await listAlerts(db.pool, { status: ['open'] })).map((x) => x.id),
    ['a2'],
  );
});

test('rule reference validation: precise messages with paths', async () => {
  await seedCamera(db.pool, 'front');
  await seedCamera(db.pool, 'back');
  await seedZone(db.pool, zone('porch', 'front', 0.1, 0.1, 0.5, 0.5));
  await db.pool.query(
    `INSERT INTO models (id, file, format, input_width, input_height, labels) VALUES ('custom', 'x.onnx', 'yolo', 640, 640, '["forklift"]')`,
  );
  const ctx = await loadRuleReferenceContext(db.pool);
  const rule = ruleSchema.parse({
    id: 'r',
    name: 'r',
    cameraIds: ['front', 'back', 'garage'],
    labels: ['person', 'persn', 'forklift', 'unicorn'],
    condition: { type: 'sequence', zoneIds: ['porch', 'drive'], withinSeconds: 10 },
    schedule: {
      timezone: 'Europe/Paris',
      windows: [
        { days: [1, 1], start: '08:00', end: '12:00' },
        { days: [1], start: '11:00', end: '13:00' },
        { days: [2], start: '24:00', end: '05:00' },
      ],
    },
  });
  const issues = validateRuleReferences(rule, ctx);
  const msg = (path: string) => issues.filter((i) => i.path === path).map((i) => i.message);
  assert.deepEqual(msg('cameraIds.2'), ["unknown camera 'garage'"]);
  assert.deepEqual(msg('labels.1'), ["unknown object class 'persn' (did you mean 'person'?)"]);
  assert.deepEqual(msg('labels.3'), ["unknown object class 'unicorn'"]);
  assert.deepEqual(msg('labels.2'), [], 'custom model labels are known');
  assert.deepEqual(msg('condition.zoneIds.1'), ["unknown zone 'drive'"]);
  assert.match(msg('cameraIds')[0]!, /zone 'porch' exists only on camera 'front', not on 'back', 'garage'/);
  assert.deepEqual(msg('schedule.windows.0.days'), ['day Monday is listed more than once']);
  assert.deepEqual(msg('schedule.windows.2.start'), ['a window cannot start at 24:00 (use 00:00)']);
  assert.match(msg('schedule.windows.1')[0]!, /overlaps window 0 on Monday/);

  const good = ruleSchema.parse({
    id: 'g',
    name: 'g',
    cameraIds: ['front'],
    labels: ['person'],
    condition: { type: 'dwell', zoneId: 'porch', seconds: 30 },
    schedule: { timezone: 'America/New_York', windows: [{ days: [1, 2], start: '22:00', end: '06:00' }] },
  });
  assert.deepEqual(validateRuleReferences(good, ctx), []);
  const bad = zoneSchema.safeParse({
    id: 'bow',
    cameraId: 'front',
    name: 'bow tie',
    polygon: [
      [0, 0],
      [1, 1],
      [1, 0],
      [0, 1],
    ],
  });
  assert.equal(bad.success, false);
  assert.match(JSON.stringify(bad.error?.issues), /self-intersecting/);
});

test('signed snapshot URLs and webhook signatures: valid, tampered, expired', () => {
  const secret = 's'.repeat(40);
  const url = new URL(signSnapshotUrl('https://x.test', 'cam/f 1.jpg', 2_000, secret));
  const args = [url.searchParams.get('expires')!, url.searchParams.get('sig')!] as const;
  assert.deepEqual(verifySnapshotSignature('cam/f 1.jpg', ...args, secret, 1_000), { ok: true });
  assert.deepEqual(verifySnapshotSignature('cam/f 1.jpg', ...args, secret, 3_000), {
    ok: false,
    reason: 'expired',
  });
  assert.deepEqual(verifySnapshotSignature('cam/f 1.jpg', '9999', args[1], secret, 1_000), {
    ok: false,
    reason: 'bad_signature',
  });
  assert.deepEqual(verifySnapshotSignature('cam/f 1.jpg', ...args, 'x'.repeat(40), 1_000), {
    ok: false,
    reason: 'bad_signature',
  });
  const body = '{"a":1}';
  const sig = signWebhookBody(body, 1000, 'k');
  assert.match(sig, /^sha256=[0-9a-f]{64}$/);
  assert.deepEqual(verifyWebhookSignature(body, { signature: sig, timestamp: '1000' }, 'k', { now: 2000 }), {
    ok: true,
  });
  assert.equal(
    verifyWebhookSignature('{"a":2}', { signature: sig, timestamp: '1000' }, 'k', { now: 2000 }).ok,
    false,
  );
  assert.deepEqual(verifyWebhookSignature(body, { signature: sig, timestamp: '1000' }, 'k', { now: 1e9 }), {
    ok: false,
    reason: 'stale',
  });
});

test('VAPID keys and URL-signing secret are generated once into the data dir with 0600', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vapid-'));
  try {
    const k1 = loadOrCreateVapidKeys(dir);
    const k2 = loadOrCreateVapidKeys(dir);
    assert.deepEqual(k1, k2);
    assert.equal(statSync(join(dir, 'vapid.json')).mode & 0o777, 0o600);
    assert.doesNotThrow(() => webpush.setVapidDetails('mailto:a@b.test', k1.publicKey, k1.privateKey));
    const s1 = loadUrlSigningSecret({ env: {}, dataDir: dir });
    assert.equal(s1, loadUrlSigningSecret({ env: {}, dataDir: dir }));
    assert.equal(statSync(join(dir, 'url-signing-secret')).mode & 0o777, 0o600);
    assert.equal(readFileSync(join(dir, 'url-signing-secret'), 'utf8'), s1);
    assert.throws(
      () => loadUrlSigningSecret({ env: { SENTINEL_URL_SIGNING_SECRET: 'short' } }),
      /at least 32/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('replay: a rule evaluated over stored detections (function and npm run rules:replay)', async () => {
  await seedCamera(db.pool, 'drive');
  await seedZone(db.pool, zone('lawn', 'drive', 0.4, 0.4, 0.8, 0.8));
  await seedRule(db.pool, {
    id: 'lawn-dwell',
    name: 'Loitering on the lawn',
    enabled: false,
    cameraIds: ['drive'],
    labels: ['person'],
    condition: { type: 'dwell', zoneId: 'lawn', seconds: 2 },
  });
  const t0 = Date.UTC(2026, 0, 5, 10, 0, 0);
  const frames = [
    ...script('drive', t0, [
      ...walk('p', [0.1, 0.5], [0.5, 0.5], 5),
      ...hold(20, [{ id: 'p', p: [0.5, 0.5] }]),
    ]),
    ...script('drive', t0 + 600_000, hold(5, [{ id: 'q', p: [0.5, 0.5] }])),
  ].map((b, i) => ({ ...b, frameId: `r${i}` }));
  await insertDetectionBatches(db.pool, frames);
  const { entries } = await loadRuleEntries(db.pool, ['lawn-dwell']);
  const result = await replayRule(db.pool, entries[0]!, { from: t0 - 1000, to: t0 + 3_600_000 });
  assert.equal(result.frames, 30);
  assert.equal(result.summary.opened, 1, 'q stayed 1 s only: one loiterer');
  const open = result.outputs.find((o) => o.type === 'open');
  assert.equal(open?.type === 'open' && open.trackId, 'p');
  assert.equal(result.summary.resolved, 1);

  const run = promisify(execFile);
  const { stdout } = await run(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli/rules-replay.ts',
      '--rule',
      'lawn-dwell',
      '--from',
      new Date(t0 - 1000).toISOString(),
      '--to',
      new Date(t0 + 3_600_000).toISOString(),
    ],
    {
      cwd: resolve(import.meta.dirname, '..'),
      env: { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'silent' },
    },
  );
  assert.match(stdout, /WOULD FIRE\s+drive\s+person has been in lawn for 2 s\s+\(track p\)/);
  assert.match(stdout, /summary: 1 alert\(s\) would open/);
});
