import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sleep, startTestAnnotator, type TestAnnotator } from './helpers.ts';

describe('annotation queue: leases, heartbeats, optimistic locking, review (real PostgreSQL)', () => {
  let t: TestAnnotator;
  let alice: string;
  let bob: string;
  let carol: string;
  let viewer: string;
  before(async () => {
    t = await startTestAnnotator({ env: { ANNOTATOR_LEASE_SECONDS: '2' } });
    alice = await t.token('alice');
    bob = await t.token('bob');
    carol = await t.token('carol');
    viewer = await t.token('vera', 'viewer');
  });
  after(async () => t?.close());

  it('refuses requests without a valid token or permission', async () => {
    assert.equal((await t.api('POST', '/tasks/next', { body: {} })).status, 401);
    const bad = await t.api('POST', '/tasks/next', { token: `${alice}x`, body: {} });
    assert.equal(bad.status, 401);
    assert.equal(bad.json.error.code, 'unauthorized');
    const v = await t.api('POST', '/tasks/next', { token: viewer, body: {} });
    assert.equal(v.status, 403);
    assert.match(v.json.error.message, /annotation:write/);
  });

  it('leases distinct tasks to concurrent annotators and returns 204 when the queue is empty', async () => {
    const ids = [await t.addExample(), await t.addExample(), await t.addExample()];
    const tokens = [alice, bob, carol, await t.token('dave')];
    const results = await Promise.all(
      tokens.map((tk) => t.api('POST', '/tasks/next', { token: tk, body: {} })),
    );
    const leased = results.filter((r) => r.status === 200).map((r) => r.json.id);
    assert.equal(leased.length, 3, 'three tasks for four annotators');
    assert.deepEqual([...leased].sort(), [...ids].sort());
    assert.equal(results.filter((r) => r.status === 204).length, 1);
    // Asking again returns the task one already holds (page reload), not a new one.
    const holder = results.findIndex((r) => r.status === 200);
    const again = await t.api('POST', '/tasks/next', { token: tokens[holder]!, body: {} });
    const first = results[holder]!.json;
    assert.equal(again.json.id, first.id);
    assert.equal(again.json.version, first.version, 'holding a lease does not bump the version');
    assert.equal(again.json.modelBoxes.length, 1, 'model boxes come as pre-annotations');
    assert.equal(again.json.modelBoxes[0].source, 'model');
    // Release everything for the next tests.
    for (const [i, r] of results.entries())
      if (r.status === 200)
        assert.equal(
          (
            await t.api('POST', `/tasks/${r.json.id}/release`, {
              token: tokens[i],
              body: { version: r.json.version },
            })
          ).status,
          200,
        );
  });

  it('heartbeats extend the lease; an expired lease returns the task to the queue and old writes get 409', async () => {
    const task = (await t.api('POST', '/tasks/next', { token: alice, body: {} })).json;
    const lease1 = task.leaseExpiresAt;
    await sleep(1200);
    const hb = await t.api('POST', `/tasks/${task.id}/heartbeat`, {
      token: alice,
      body: { version: task.version },
    });
    assert.equal(hb.status, 200);
    assert.ok(hb.json.leaseExpiresAt > lease1, 'heartbeat moves the lease forward');
    await sleep(1200);
    // Still leased thanks to the heartbeat (2 s lease, 2.4 s elapsed).
    const other = await t.api('POST', '/tasks/next', { token: bob, body: {} });
    assert.notEqual(other.json?.id, task.id);
    if (other.status === 200)
      await t.api('POST', `/tasks/${other.json.id}/release`, {
        token: bob,
        body: { version: other.json.version },
      });
    await sleep(2200);
    const late = await t.api('POST', `/tasks/${task.id}/heartbeat`, {
      token: alice,
      body: { version: task.version },
    });
    assert.equal(late.status, 409);
    assert.equal(late.json.error.reason, 'lease_expired');
    const lateSubmit = await t.api('POST', `/tasks/${task.id}/submit`, {
      token: alice,
      body: { version: task.version, boxes: [{ label: 'person', box: [0.1, 0.1, 0.2, 0.2] }] },
    });
    assert.equal(lateSubmit.status, 409);
    assert.equal(lateSubmit.json.error.reason, 'lease_expired');
    // Bob picks it up (the oldest task), which bumps the version: Alice's version is now stale.
    const taken = await t.api('POST', '/tasks/next', { token: bob, body: {} });
    assert.equal(taken.json.id, task.id);
    assert.ok(taken.json.version > task.version);
    const stale = await t.api('POST', `/tasks/${task.id}/submit`, {
      token: alice,
      body: { version: task.version, boxes: [{ label: 'person', box: [0.1, 0.1, 0.2, 0.2] }] },
    });
    assert.equal(stale.status, 409);
    assert.equal(stale.json.error.reason, 'stale_version');
    assert.equal(
      (
        await t.api('POST', `/tasks/${task.id}/release`, {
          token: bob,
          body: { version: taken.json.version },
        })
      ).status,
      200,
    );
  });

  it('concurrent submits of the same version: exactly one wins, the other gets 409 and nothing is lost', async () => {
    const task = (await t.api('POST', '/tasks/next', { token: carol, body: {} })).json;
    const body = (x: number) => ({
      version: task.version,
      boxes: [{ label: 'car', box: [x, 0.1, 0.2, 0.2] }],
    });
    const results = await Promise.all(
      [0.1, 0.3, 0.5].map((x) => t.api('POST', `/tasks/${task.id}/submit`, { token: carol, body: body(x) })),
    );
    const ok = results.filter((r) => r.status === 200);
    assert.equal(ok.length, 1);
    assert.equal(results.filter((r) => r.status === 409).length, 2);
    const { rows } = await t.pool.query('SELECT boxes FROM annotations WHERE task_id = $1', [task.id]);
    assert.equal(rows.length, 1, 'one annotation stored');
    assert.deepEqual(rows[0].boxes, ok[0]!.json.annotation.boxes);
    assert.equal(ok[0]!.json.stage, 'review');
  });

  it('rejects bad boxes with clear errors and keeps the lease', async () => {
    const task = (await t.api('POST', '/tasks/next', { token: alice, body: {} })).json;
    const submit = (boxes: unknown, extra = {}) =>
      t.api('POST', `/tasks/${task.id}/submit`, {
        token: alice,
        body: { version: task.version, boxes, ...extra },
      });
    const outside = await submit([{ label: 'person', box: [0.9, 0.1, 0.3, 0.2] }]);
    assert.equal(outside.status, 400);
    assert.match(outside.json.error.message, /inside the frame/);
    const zero = await submit([{ label: 'person', box: [0.1, 0.1, 0, 0.2] }]);
    assert.equal(zero.status, 400);
    assert.match(zero.json.error.message, /non-zero size/);
    const tiny = await submit([{ label: 'person', box: [0.1, 0.1, 0.001, 0.2] }]);
    assert.equal(tiny.status, 400);
    assert.match(tiny.json.error.message, /smaller than one pixel/);
    const unknown = await submit([{ label: 'unicorn', box: [0.1, 0.1, 0.2, 0.2] }]);
    assert.equal(unknown.status, 400);
    assert.equal(unknown.json.error.details[0].path, 'body.boxes.0.label');
    assert.match(unknown.json.error.message, /unknown label "unicorn"/);
    const empty = await submit([]);
    assert.equal(empty.status, 400);
    assert.match(empty.json.error.message, /noObjects/);
    // A custom label makes it valid.
    assert.equal((await t.api('POST', '/labels', { token: alice, body: { name: 'unicorn' } })).status, 201);
    const labels = await t.api('GET', '/labels', { token: alice });
    assert.ok(labels.json.custom.includes('unicorn'));
    assert.equal(labels.json.coco.length, 80);
    const good = await submit([{ label: 'unicorn', box: [0.1, 0.1, 0.2, 0.2] }]);
    assert.equal(good.status, 200, JSON.stringify(good.json));
  });

  it('review: reviewers never get their own work; reject sends it back with a comment; accept finishes it', async () => {
    // carol's and alice's annotations are in review. carol cannot review her own.
    const mine = await t.api('POST', '/tasks/next', { token: carol, body: { stage: 'review' } });
    assert.equal(mine.status, 200);
    assert.notEqual(mine.json.annotation.annotator, 'carol');
    const rev = mine.json;
    const noComment = await t.api('POST', `/tasks/${rev.id}/review`, {
      token: carol,
      body: { decision: 'reject', version: rev.version, comment: ' ' },
    });
    assert.equal(noComment.status, 400);
    const rejected = await t.api('POST', `/tasks/${rev.id}/review`, {
      token: carol,
      body: { decision: 'reject', version: rev.version, comment: 'the box misses the legs' },
    });
    assert.equal(rejected.status, 200);
    assert.equal(rejected.json.stage, 'rejected');
    assert.equal(rejected.json.comment, 'the box misses the legs');
    // The rejected task is first in the annotation queue, with its comment.
    const redo = await t.api('POST', '/tasks/next', { token: bob, body: {} });
    assert.equal(redo.json.id, rev.id);
    assert.equal(redo.json.comment, 'the box misses the legs');
    const resub = await t.api('POST', `/tasks/${rev.id}/submit`, {
      token: bob,
      body: { version: redo.json.version, boxes: [{ label: 'unicorn', box: [0.1, 0.1, 0.25, 0.3] }] },
    });
    assert.equal(resub.status, 200);
    // Bob cannot accept his own; carol can.
    const bobReview = await t.api('POST', '/tasks/next', { token: bob, body: { stage: 'review' } });
    assert.notEqual(bobReview.json?.id, rev.id);
    if (bobReview.status === 200)
      await t.api('POST', `/tasks/${bobReview.json.id}/release`, {
        token: bob,
        body: { version: bobReview.json.version },
      });
    let r = await t.api('POST', '/tasks/next', { token: carol, body: { stage: 'review' } });
    while (r.status === 200 && r.json.id !== rev.id) {
      await t.api('POST', `/tasks/${r.json.id}/skip`, { token: carol, body: { version: r.json.version } });
      r = await t.api('POST', '/tasks/next', { token: carol, body: { stage: 'review' } });
    }
    assert.equal(r.json.id, rev.id);
    const accepted = await t.api('POST', `/tasks/${rev.id}/review`, {
      token: carol,
      body: { decision: 'accept', version: r.json.version },
    });
    assert.equal(accepted.status, 200);
    assert.equal(accepted.json.stage, 'accepted');
    const again = await t.api('POST', `/tasks/${rev.id}/review`, {
      token: carol,
      body: { decision: 'accept', version: accepted.json.version },
    });
    assert.equal(again.status, 409);
    assert.equal(again.json.error.reason, 'wrong_stage');
  });

  it('reports per-annotator throughput and inter-annotator agreement', async () => {
    const s = await t.api('GET', '/stats', { token: alice });
    assert.equal(s.status, 200);
    const byName = Object.fromEntries(s.json.annotators.map((a: { annotator: string }) => [a.annotator, a]));
    assert.equal(byName.alice.annotations, 1);
    assert.equal(byName.bob.annotations, 1);
    assert.equal(byName.carol.annotations, 1);
    assert.equal(byName.carol.reviewsDone, 2);
    assert.equal(byName.bob.acceptanceRate, 1);
    assert.equal(byName.alice.acceptanceRate, 0);
    // alice [0.1,0.1,0.2,0.2] vs bob [0.1,0.1,0.25,0.3] on the same task: IoU 0.04/0.075 = 0.533 → agree (F1 = 1).
    assert.equal(s.json.agreement.tasks, 1);
    assert.equal(s.json.agreement.pairs[0].a, 'alice');
    assert.equal(s.json.agreement.pairs[0].b, 'bob');
    assert.equal(s.json.agreement.mean, 1);
    assert.equal(s.json.queue.accepted, 1);
    const audit = await t.pool.query(
      "SELECT action, actor, details FROM audit_log WHERE action LIKE 'annotation.review.%' ORDER BY id",
    );
    assert.deepEqual(
      audit.rows.map((r) => [r.action, r.actor]),
      [
        ['annotation.review.reject', 'carol'],
        ['annotation.review.accept', 'carol'],
      ],
    );
    assert.equal(audit.rows[0].details.comment, 'the box misses the legs');
  });

  it('skip: the skipper is never offered the task again, others are', async () => {
    const id = await t.addExample();
    const sam = await t.token('sam');
    const eve = await t.token('eve');
    // Take tasks until ours comes up (skipping older ones on the way), bounded.
    const leaseUntil = async (token: string, want: number) => {
      for (let i = 0; i < 10; i++) {
        const r = await t.api('POST', '/tasks/next', { token, body: {} });
        if (r.status !== 200) return null;
        if (r.json.id === want) return r.json;
        await t.api('POST', `/tasks/${r.json.id}/skip`, { token, body: { version: r.json.version } });
      }
      return null;
    };
    const mine = await leaseUntil(sam, id);
    assert.ok(mine, 'sam gets the new task');
    const skipped = await t.api('POST', `/tasks/${id}/skip`, { token: sam, body: { version: mine.version } });
    assert.equal(skipped.status, 200);
    assert.equal(skipped.json.assignee, null);
    const again = await t.api('POST', '/tasks/next', { token: sam, body: {} });
    assert.equal(again.status, 204, 'sam has skipped everything');
    const other = await leaseUntil(eve, id);
    assert.equal(other?.id, id, 'eve still gets it');
  });
});
