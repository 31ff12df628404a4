import { AckPolicy, DeliverPolicy, type JsMsg, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { createLogger, createPool, type Pool, type RuleInput, type Zone } from '@sentinel/common';
import { createTestDatabase, stackConfig, uniqueId } from '@sentinel/common/testing/index';

export const logger = createLogger('alerts-test', process.env.TEST_LOG_LEVEL ?? 'silent');

export async function natsConnect(): Promise<NatsConnection> {
  const u = new URL(stackConfig().NATS_URL);
  return connect({ servers: `${u.hostname}:${u.port}` });
}

/** A migrated test database with a pool; `close()` ends the pool and drops the database. */
export async function testDb(): Promise<{ url: string; pool: Pool; close: () => Promise<void> }> {
  const db = await createTestDatabase();
  const pool = createPool(db.url, { max: 5 });
  return {
    url: db.url,
    pool,
    close: async () => {
      await pool.end();
      await db.drop();
    },
  };
}

export async function seedCamera(pool: Pool, id: string) {
  await pool.query(`INSERT INTO cameras (id, name, config) VALUES ($1, $1, $2) ON CONFLICT (id) DO NOTHING`, [
    id,
    { id, name: id, url: 'rtsp://127.0.0.1:8554/x' },
  ]);
}

export async function seedZone(pool: Pool, z: Zone) {
  await pool.query(
    `INSERT INTO zones (id, camera_id, name, definition) VALUES ($1,$2,$3,$4)
     ON CONFLICT (id) DO UPDATE SET definition = EXCLUDED.definition, updated_at = now()`,
    [z.id, z.cameraId, z.name, z],
  );
}

export async function seedRule(pool: Pool, r: RuleInput & { id: string; name: string }) {
  await pool.query(
    `INSERT INTO rules (id, name, enabled, definition) VALUES ($1,$2,$3,$4)
     ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, enabled = EXCLUDED.enabled, definition = EXCLUDED.definition,
       version = rules.version + 1, updated_at = now()`,
    [r.id, r.name, r.enabled ?? true, r],
  );
}

/** A private KV bucket for rules (deleted by the returned function). */
export async function privateRulesBucket(
  nc: NatsConnection,
): Promise<{ name: string; remove: () => Promise<void> }> {
  const name = uniqueId('rules').replace(/-/g, '_');
  await new Kvm(nc).create(name, { history: 1 });
  return {
    name,
    remove: async () => {
      const jsm = await jetstreamManager(nc);
      await jsm.streams.delete(`KV_${name}`).catch(() => {});
    },
  };
}

/**
 * Collect messages of `stream` matching `filter` published from now on (an ephemeral ordered
 * consumer); `stop()` ends it.
 */
export async function collect(nc: NatsConnection, stream: string, filter: string) {
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  const name = uniqueId('collect');
  await jsm.consumers.add(stream, {
    name,
    filter_subject: filter,
    ack_policy: AckPolicy.None,
    deliver_policy: DeliverPolicy.New,
    inactive_threshold: 60_000_000_000,
  });
  const consumer = await js.consumers.get(stream, name);
  const msgs: JsMsg[] = [];
  const it = await consumer.consume();
  const done = (async () => {
    for await (const m of it) msgs.push(m);
  })();
  return {
    msgs,
    stop: async () => {
      await it.close();
      await done.catch(() => {});
      await jsm.consumers.delete(stream, name).catch(() => {});
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
