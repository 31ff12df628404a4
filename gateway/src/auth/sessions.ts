import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from '@sentinel/common';
import type { TokenPair } from '@sentinel/common/api/index';
import {
  ACCESS_TOKEN_TTL_SECONDS,
  type AuthUser,
  REFRESH_TOKEN_TTL_SECONDS,
  type Role,
  signAccessToken,
} from '@sentinel/common/auth/index';
import { HttpError } from '../http/errors.ts';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const newRefreshToken = () => randomBytes(32).toString('base64url');

export type SessionMeta = { userAgent?: string; ip?: string };

async function insertRefresh(
  db: Pick<PoolClient, 'query'>,
  userId: string,
  familyId: string,
  meta: SessionMeta,
): Promise<{ id: string; token: string }> {
  const token = newRefreshToken();
  const { rows } = await db.query(
    `INSERT INTO refresh_tokens (user_id, family_id, token_hash, expires_at, user_agent, ip)
     VALUES ($1, $2, $3, now() + make_interval(secs => $4), $5, $6) RETURNING id`,
    [
      userId,
      familyId,
      sha256(token),
      REFRESH_TOKEN_TTL_SECONDS,
      meta.userAgent?.slice(0, 300) ?? null,
      meta.ip ?? null,
    ],
  );
  return { id: rows[0].id, token };
}

async function pair(
  user: AuthUser,
  familyId: string,
  refreshToken: string,
  secret: Uint8Array,
): Promise<TokenPair> {
  return {
    accessToken: await signAccessToken({ ...user, sessionId: familyId }, secret),
    refreshToken,
    expiresIn: ACCESS_TOKEN_TTL_SECONDS,
    tokenType: 'Bearer',
  };
}

/** Start a new session (token family) for a user who just logged in. */
export async function openSession(pool: Pool, user: AuthUser, secret: Uint8Array, meta: SessionMeta) {
  const familyId = randomUUID();
  const { token } = await insertRefresh(pool, user.id, familyId, meta);
  return { familyId, tokens: await pair(user, familyId, token, secret) };
}

export type RotateResult =
  | { ok: true; user: AuthUser; familyId: string; tokens: TokenPair }
  | {
      ok: false;
      reason: 'unknown' | 'expired' | 'reused' | 'user_disabled';
      userId?: string;
      familyId?: string;
    };

/**
 * Rotate a refresh token: the presented token is consumed and a new one of the same family is issued.
 * Presenting an already-used (or revoked) token is treated as theft: the whole family is revoked.
 */
export async function rotateRefreshToken(
  pool: Pool,
  presented: string,
  secret: Uint8Array,
  meta: SessionMeta,
): Promise<RotateResult> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query(
      `SELECT t.id, t.user_id, t.family_id, t.revoked_at, t.replaced_by, t.expires_at < now() AS expired,
              u.username, u.role, u.disabled
         FROM refresh_tokens t JOIN users u ON u.id = t.user_id
        WHERE t.token_hash = $1 FOR UPDATE OF t`,
      [sha256(presented)],
    );
    const row = rows[0];
    if (!row) {
      await client.query('ROLLBACK');
      return { ok: false, reason: 'unknown' };
    }
    if (row.revoked_at || row.replaced_by) {
      await client.query(
        'UPDATE refresh_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE family_id = $1',
        [row.family_id],
      );
      await client.query('COMMIT');
      return { ok: false, reason: 'reused', userId: row.user_id, familyId: row.family_id };
    }
    if (row.expired || row.disabled) {
      await client.query('UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1', [
        row.family_id,
      ]);
      await client.query('COMMIT');
      return { ok: false, reason: row.disabled ? 'user_disabled' : 'expired', userId: row.user_id };
    }
    const next = await insertRefresh(client, row.user_id, row.family_id, meta);
    await client.query('UPDATE refresh_tokens SET revoked_at = now(), replaced_by = $2 WHERE id = $1', [
      row.id,
      next.id,
    ]);
    await client.query('COMMIT');
    const user: AuthUser = { id: row.user_id, username: row.username, role: row.role as Role };
    return {
      ok: true,
      user,
      familyId: row.family_id,
      tokens: await pair(user, row.family_id, next.token, secret),
    };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

/** Revoke the family of a refresh token (logout). Returns the family id, if the token was known. */
export async function revokeFamilyOf(pool: Pool, presented: string, userId: string): Promise<string | null> {
  const { rows } = await pool.query(
    `UPDATE refresh_tokens SET revoked_at = coalesce(revoked_at, now())
      WHERE family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = $1 AND user_id = $2)
      RETURNING family_id`,
    [sha256(presented), userId],
  );
  return rows[0]?.family_id ?? null;
}

export async function revokeFamily(pool: Pool, familyId: string): Promise<void> {
  await pool.query(
    'UPDATE refresh_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE family_id = $1',
    [familyId],
  );
}

/** Revoke every session of a user (password/role change, disable). */
export async function revokeAllSessions(db: Pick<Pool, 'query'>, userId: string): Promise<void> {
  await db.query('UPDATE refresh_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE user_id = $1', [
    userId,
  ]);
}

export function refreshFailure(reason: Exclude<RotateResult, { ok: true }>['reason']): HttpError {
  const messages = {
    unknown: 'unknown refresh token',
    expired: 'refresh token expired; log in again',
    reused: 'refresh token was already used; the session has been revoked, log in again',
    user_disabled: 'user is disabled',
  } as const;
  return new HttpError(401, 'unauthorized', messages[reason]);
}
