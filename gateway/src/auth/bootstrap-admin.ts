import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Logger, Pool } from '@sentinel/common';
import { hashPassword } from './passwords.ts';

/**
 * First start: when there is no user at all, create `admin` with SENTINEL_ADMIN_PASSWORD, or with a
 * random password that is printed once and kept in <dataDir>/admin-password (0600).
 */
export async function ensureAdminUser(
  pool: Pool,
  opts: { password?: string; dataDir: string; logger: Logger },
): Promise<{ created: boolean; passwordFile?: string }> {
  const { rows } = await pool.query('SELECT count(*)::int AS n FROM users');
  if (rows[0].n > 0) return { created: false };
  const generated = !opts.password;
  const password = opts.password ?? randomBytes(15).toString('base64url');
  const hash = await hashPassword(password);
  const inserted = await pool.query(
    `INSERT INTO users (username, password_hash, role) VALUES ('admin', $1, 'admin')
     ON CONFLICT (username) DO NOTHING RETURNING id`,
    [hash],
  );
  if (inserted.rowCount === 0) return { created: false };
  await pool.query(
    `INSERT INTO audit_log (actor, action, entity, entity_id, details) VALUES ('system', 'user.bootstrap', 'user', $1, $2)`,
    [inserted.rows[0].id, JSON.stringify({ username: 'admin', generated })],
  );
  if (!generated) {
    opts.logger.info('created user admin with the password from SENTINEL_ADMIN_PASSWORD');
    return { created: true };
  }
  mkdirSync(opts.dataDir, { recursive: true });
  const file = resolve(opts.dataDir, 'admin-password');
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  // printed once on purpose (not through the logger, whose lines are shipped elsewhere)
  process.stdout.write(
    `\n[sentinel gateway] created user 'admin' with password: ${password}\n  (kept in ${file}, mode 0600; change it after logging in)\n\n`,
  );
  return { created: true, passwordFile: file };
}
