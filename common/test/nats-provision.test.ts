import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { kvBuckets, provisionJetStream, streamConfigs, streamNames } from '../src/index.ts';
import { stackConfig } from '../src/testing/index.ts';

let nc: NatsConnection;
before(async () => {
  nc = await connect({ servers: new URL(stackConfig().NATS_URL).host });
});
after(async () => nc.close());

test('provisioning creates every stream, KV bucket and object store, and a second run changes nothing', async () => {
  await provisionJetStream(nc);
  const jsm = await jetstreamManager(nc);
  const before = new Map<string, unknown>();
  for (const s of streamConfigs) {
    const info = await jsm.streams.info(s.name);
    assert.deepEqual(info.config.subjects, s.subjects);
    assert.ok(
      info.config.max_age > 0 && info.config.max_bytes > 0 && (info.config.duplicate_window ?? 0) > 0,
    );
    before.set(s.name, info.config);
  }
  for (const b of Object.values(kvBuckets)) assert.ok(await jsm.streams.info(`KV_${b}`));
  assert.ok(await jsm.streams.info('OBJ_snapshots'));

  const second = await provisionJetStream(nc);
  assert.deepEqual(second.created, []);
  assert.deepEqual(second.updated, []);
  for (const s of streamConfigs)
    assert.deepEqual((await jsm.streams.info(s.name)).config, before.get(s.name));
  assert.equal((await jsm.streams.info(`KV_${kvBuckets.cameraLeases}`)).config.max_age, 6_000 * 1_000_000);
  assert.ok(streamConfigs.some((s) => s.name === streamNames.dlq));
});
