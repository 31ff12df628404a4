import type { AuthUser } from '@sentinel/common/auth/index';
import type { FastifyRequest } from 'fastify';
import type { Pool } from 'pg';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Append a state change to audit_log (ARCHITECTURE §5). Never fails the request it records. */
export async function audit(
  pool: Pool,
  req: FastifyRequest,
  user: AuthUser,
  action: string,
  entity: string,
  entityId: string | number,
  details: Record<string, unknown> = {},
): Promise<void> {
  await pool
    .query(
      `INSERT INTO audit_log (actor_id, actor, action, entity, entity_id, details, request_id, ip)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        UUID.test(user.id) ? user.id : null,
        user.username,
        action,
        entity,
        String(entityId),
        JSON.stringify(details),
        req.id,
        req.ip,
      ],
    )
    .catch((err) => req.log.warn({ err }, 'audit log write failed'));
}
