import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectNats, type NatsConnection } from '@sentinel/common';
import { createTestDatabase, stackConfig, uniqueId } from '@sentinel/common/testing/index';
import { runEvaluation } from '../eval/evaluate.ts';
import { Planner } from '../src/planner/planner.ts';
import { type Fixture, logger, scenarioFixture } from './fixture.ts';

let fx: Fixture;
let planner: Planner;
before(async () => {
  fx = await scenarioFixture();
  planner = new Planner(fx.ctx);
});
after(() => fx.close());

describe('offline planner: grounded answers only', () => {
  it('refuses questions about things Sentinel does not record, citing nothing', async () => {
    for (const [q, why] of [
      ['What colour was the car in the parking lot yesterday?', /not colours/],
      ['Who was the person at the front door?', /not people's identities/],
      ['What was the licence plate of the truck?', /not licence plates/],
      ['How fast was the car going?', /not speeds/],
      ['How many unicorns were seen today?', /can't count 'unicorns'/],
      ['How many people were seen on camera Garage?', /no camera named 'Garage'/],
      ['How many cars will come tomorrow?', /in the future/],
    ] as const) {
      const r = await planner.answer(q, fx.now);
      assert.match(r.answer, why, q);
      assert.deepEqual(r.citations, [], q);
      assert.doesNotMatch(r.answer, /\b\d+ (cars|people|trucks)\b/, q);
    }
  });

  it('says so when nothing matches, instead of inventing', async () => {
    const cases = [
      ['How many horses were seen yesterday?', /^No horses were seen yesterday/],
      ['When was a bicycle last seen?', /^No bicycles have been seen/],
      ['How many people were in the garden yesterday?', /^No people were seen on camera 'Back Garden'/],
      ['Any alerts in the last 30 minutes?', /^No alerts in the last 30 minutes/],
      [
        'Did anyone enter the porch between 2am and 3am today?',
        /^I found no recorded events matching that in zone 'Porch'/,
      ],
      ['What was the busiest hour for buses today?', /^No buses were seen today .*no busiest hour/],
    ] as const;
    for (const [q, re] of cases) {
      const r = await planner.answer(q, fx.now);
      assert.match(r.answer, re, `${q} → ${r.answer}`);
      assert.deepEqual(r.citations, [], q);
    }
  });

  it('cites exactly the events behind a count', async () => {
    const r = await planner.answer('How many trucks were seen today?', fx.now);
    assert.match(r.answer, /^2 trucks seen today/);
    assert.deepEqual(r.citations.map((c) => c.id).sort(), [
      `${fx.cameraId('dock')}:d7`,
      `${fx.cameraId('parking-lot')}:p9`,
    ]);
    assert.ok(r.citations.every((c) => c.type === 'track' && c.snapshotUrl === null));
  });
});

describe('golden set (eval/golden.json)', () => {
  let nc: NatsConnection;
  before(async () => {
    nc = await connectNats(stackConfig().NATS_URL, 'assistant-golden-test', logger);
  });
  after(() => nc.drain());

  it('the offline planner answers every golden question exactly and retrieves the relevant events', async () => {
    const db = await createTestDatabase();
    try {
      const report = await runEvaluation({ databaseUrl: db.url, nc, prefix: uniqueId('gt') });
      const failed = report.results
        .filter((r) => !r.exact)
        .map((r) => `${r.id}: ${r.failures.join('; ')} — ${r.answer}`);
      assert.deepEqual(failed, []);
      assert.ok(report.questions >= 30);
      assert.equal(report.intentAccuracy, 1);
      assert.equal(report.recallAt5, 1);
      assert.ok(report.recallAt5TextOnly >= 0.75, `text-only recall@5 ${report.recallAt5TextOnly}`);
    } finally {
      await db.drop();
    }
  });
});

describe('offline planner: several places', () => {
  it('counts over every named camera, and only those', async () => {
    const r = await planner.answer(
      'How many people were seen on the dock and the front door yesterday?',
      fx.now,
    );
    assert.match(r.answer, /^6 people seen on camera 'Dock' and 'Front Door' yesterday/);
    assert.match(r.answer, /By camera: 'Dock' 4, 'Front Door' 2\./);
  });
});
