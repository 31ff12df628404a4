import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { COCO_LABELS, createPool, kvBuckets, type ModelInfo, type Pool } from '@sentinel/common';
import { createTestDatabase, stackConfig, uniqueId } from '@sentinel/common/testing/index';
import {
  activateModel,
  getActiveModel,
  getModel,
  listModels,
  modelPath,
  readModelFromKv,
  registerModel,
} from '../../src/model/index.ts';

describe('model registry (table models + KV models)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: Pool;
  let nc: NatsConnection;
  const ids = [uniqueId('m'), uniqueId('m')];
  const model = (id: string, over: Partial<ModelInfo> = {}): ModelInfo => ({
    id,
    file: `${id}.onnx`,
    format: 'yolo',
    inputWidth: 640,
    inputHeight: 640,
    labels: [...COCO_LABELS],
    provider: 'cpu',
    active: false,
    ...over,
  });

  before(async () => {
    db = await createTestDatabase();
    pool = createPool(db.url, { max: 3 });
    const u = new URL(stackConfig().NATS_URL);
    nc = await connect({ servers: `${u.hostname}:${u.port}` });
  });
  after(async () => {
    const kv = await new Kvm(nc).open(kvBuckets.models);
    for (const id of ids) await kv.purge(id).catch(() => {});
    await nc?.close();
    await pool?.end();
    await db?.drop();
  });

  it('registers models, keeps exactly one active, and mirrors them to KV', async () => {
    const first = await registerModel({ db: pool, nc }, model(ids[0]!), { activateIfNone: true });
    assert.equal(first.active, true, 'first model becomes active when none is');
    const second = await registerModel(
      { db: pool, nc },
      model(ids[1]!, { format: 'centernet', inputWidth: 512 }),
      {
        activateIfNone: true,
      },
    );
    assert.equal(second.active, false, 'an active model already exists');
    assert.equal((await getActiveModel(pool))?.id, ids[0]);

    await activateModel(pool, ids[1]!);
    const all = await listModels(pool);
    assert.deepEqual(
      all.map((m) => [m.id, m.active]),
      [
        [ids[0], false],
        [ids[1], true],
      ],
    );
    await assert.rejects(activateModel(pool, 'no-such-model'), /unknown model id 'no-such-model'/);
    assert.equal((await getActiveModel(pool))?.id, ids[1], 'a failed activation changes nothing');

    // re-registering updates the row (and KV) without touching the active flag
    await registerModel(
      { db: pool, nc },
      model(ids[1]!, { format: 'centernet', inputWidth: 320, sha256: 'a'.repeat(64) }),
    );
    const updated = await getModel(pool, ids[1]!);
    assert.equal(updated?.inputWidth, 320);
    assert.equal(updated?.active, true);
    assert.equal(updated?.sha256, 'a'.repeat(64));

    const kv0 = await readModelFromKv(nc, ids[0]!);
    const kv1 = await readModelFromKv(nc, ids[1]!);
    assert.equal(kv0?.active, false);
    assert.equal(kv1?.active, true);
    assert.equal(kv1?.inputWidth, 320);
    assert.equal(await readModelFromKv(nc, uniqueId('absent')), null);
  });

  it('validates what it stores and resolves file paths', async () => {
    await assert.rejects(registerModel({ db: pool }, model('Bad Id!')), /must be 1-63 chars/);
    await assert.rejects(registerModel({ db: pool }, { ...model(uniqueId('m')), labels: [] }), /labels/);
    assert.equal(modelPath({ file: 'x.onnx' }, '/models'), '/models/x.onnx');
    assert.equal(modelPath({ file: '/abs/y.onnx' }, '/models'), '/abs/y.onnx');
  });
});
