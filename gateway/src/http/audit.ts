import type { Pool } from '@sentinel/common';
import type { FastifyRequest } from 'fastify';

type Queryable = Pick<Pool, 'query'>;

/** Append one audit_log row for a state change made by the request's user. */
export async function audit(
  db: Queryable,
  req: FastifyRequest,
  action: string,
  entity: string,
  entityId: string | null,
  details: Record<string, unknown> = {},
  actorOverride?: { id: string | null; name: string },
): Promise<void> {
  const actor =
    actorOverride ??
    (req.user ? { id: req.user.id, name: req.user.username } : { id: null, name: 'anonymous' });
  await db.query(
    `INSERT INTO audit_log (actor_id, actor, action, entity, entity_id, details, request_id, ip)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [actor.id, actor.name, action, entity, entityId, JSON.stringify(details), String(req.id), req.ip],
  );
}
