import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Pool, PoolClient } from 'pg';
import { z } from 'zod';
import { kvBuckets } from '../nats/subjects.ts';
import { type Rule, ruleSchema, type Zone, zoneSchema } from '../schemas/rule.ts';
import { zoneFromRow } from './validate-references.ts';

type Queryable = Pool | PoolClient;

/**
 * Value in KV `rules` (key = rule id, ':' written as '='): the rule plus the zones it refers to, so a
 * rule worker hot-reloads from one watch. PostgreSQL stays the source of truth: after any rule OR
 * zone change call `mirrorRulesToKv(db, nc)` (all rules; cheap) or with the affected rule ids.
 */
export const ruleKvEntrySchema = z.object({
  rule: ruleSchema,
  zones: z.array(zoneSchema),
  version: z.number().int(),
  updatedAt: z.number().int(),
});
export type RuleKvEntry = z.infer<typeof ruleKvEntrySchema>;

export const ruleKvKey = (ruleId: string) => ruleId.replaceAll(':', '=');

/** The zones a rule's condition refers to. */
export function ruleZoneIds(rule: Rule): string[] {
  const c = rule.condition;
  if (c.type === 'line_cross') return [];
  if (c.type === 'sequence') return [...c.zoneIds];
  return [c.zoneId];
}

/** A `rules` row as a Rule (columns id, name, enabled win over the definition). Throws on an invalid row. */
export function ruleFromRow(r: { id: string; name: string; enabled: boolean; definition: unknown }): Rule {
  return ruleSchema.parse({ ...(r.definition as object), id: r.id, name: r.name, enabled: r.enabled });
}

/** Every rule with its zones from PostgreSQL (or only `ruleIds`). Invalid rows are reported, not thrown. */
export async function loadRuleEntries(
  db: Queryable,
  ruleIds?: string[],
): Promise<{ entries: RuleKvEntry[]; invalid: Array<{ id: string; error: string }> }> {
  const rules = await db.query(
    `SELECT id, name, enabled, definition, version, updated_at FROM rules ${ruleIds ? 'WHERE id = ANY($1::text[])' : ''}`,
    ruleIds ? [ruleIds] : [],
  );
  const zoneRows = await db.query('SELECT id, camera_id, name, definition FROM zones');
  const zones = new Map<string, Zone>();
  for (const r of zoneRows.rows) {
    const z = zoneFromRow(r);
    if (z) zones.set(z.id, z);
  }
  const entries: RuleKvEntry[] = [];
  const invalid: Array<{ id: string; error: string }> = [];
  for (const r of rules.rows) {
    try {
      const rule = ruleFromRow(r);
      entries.push({
        rule,
        zones: ruleZoneIds(rule).flatMap((id) => (zones.has(id) ? [zones.get(id)!] : [])),
        version: r.version,
        updatedAt: r.updated_at.getTime(),
      });
    } catch (err) {
      invalid.push({ id: r.id, error: (err as Error).message });
    }
  }
  return { entries, invalid };
}

/**
 * Mirror rules (with their zones) from PostgreSQL into KV `rules`; deletes KV keys of rules that no
 * longer exist (all of them when `ruleIds` is omitted, else only among `ruleIds`).
 */
export async function mirrorRulesToKv(
  db: Queryable,
  nc: NatsConnection,
  ruleIds?: string[],
  /** KV bucket (default `rules`; tests use their own). */
  bucket: string = kvBuckets.rules,
): Promise<{ put: number; deleted: number; invalid: Array<{ id: string; error: string }> }> {
  const kv = await new Kvm(nc).open(bucket);
  const { entries, invalid } = await loadRuleEntries(db, ruleIds);
  const enc = new TextEncoder();
  let put = 0;
  for (const e of entries) {
    const key = ruleKvKey(e.rule.id);
    const value = JSON.stringify(e);
    const cur = await kv.get(key);
    if (cur?.operation === 'PUT' && cur.string() === value) continue; // unchanged: no watch event
    await kv.put(key, enc.encode(value));
    put++;
  }
  const keep = new Set(entries.map((e) => ruleKvKey(e.rule.id)));
  const candidates = ruleIds
    ? ruleIds.map(ruleKvKey)
    : await (async () => {
        const keys: string[] = [];
        for await (const k of await kv.keys()) keys.push(k);
        return keys;
      })();
  let deleted = 0;
  for (const k of candidates)
    if (!keep.has(k) && !invalid.some((i) => ruleKvKey(i.id) === k)) {
      if (await kv.get(k).then((v) => v && v.operation === 'PUT')) {
        await kv.delete(k);
        deleted++;
      }
    }
  return { put, deleted, invalid };
}
