import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { repoRoot } from '../config/index.ts';
import {
  ACCESS_TOKEN_TTL_SECONDS,
  type AccessClaims,
  type AuthUser,
  accessClaimsSchema,
  JWT_AUDIENCE,
  JWT_ISSUER,
} from './claims.ts';

/** Why a token was refused: 'expired' maps to 401 token_expired, 'invalid' to 401 unauthorized. */
export class TokenError extends Error {
  constructor(
    readonly reason: 'expired' | 'invalid',
    message: string,
  ) {
    super(message);
    this.name = 'TokenError';
  }
}

const secretCache = new Map<string, Uint8Array>();

/**
 * The HS256 secret: env SENTINEL_JWT_SECRET (>= 32 chars), else a random secret generated once into
 * `<dataDir>/jwt-secret` (mode 0600) so every local service (gateway, annotator, assistant) shares it.
 */
export function loadJwtSecret(
  opts: { env?: Record<string, string | undefined>; dataDir?: string } = {},
): Uint8Array {
  const env = opts.env ?? process.env;
  const fromEnv = env.SENTINEL_JWT_SECRET;
  if (fromEnv) {
    if (fromEnv.length < 32) throw new Error('SENTINEL_JWT_SECRET must be at least 32 characters');
    return new TextEncoder().encode(fromEnv);
  }
  const dataDir = resolve(repoRoot(), opts.dataDir ?? env.SENTINEL_DATA_DIR ?? '.data');
  const file = resolve(dataDir, 'jwt-secret');
  const cached = secretCache.get(file);
  if (cached) return cached;
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    try {
      writeFileSync(file, randomBytes(48).toString('base64url'), { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    chmodSync(file, 0o600);
  }
  const secret = new TextEncoder().encode(readFileSync(file, 'utf8').trim());
  secretCache.set(file, secret);
  return secret;
}

/** Sign a 15-minute access token for a user. */
export async function signAccessToken(
  user: AuthUser & { sessionId?: string },
  secret: Uint8Array,
  opts: { ttlSeconds?: number; now?: number } = {},
): Promise<string> {
  const now = Math.floor((opts.now ?? Date.now()) / 1000);
  const jwt = new SignJWT({
    name: user.username,
    role: user.role,
    typ: 'access',
    ...(user.sessionId ? { sid: user.sessionId } : {}),
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(user.id)
    .setIssuer(JWT_ISSUER)
    .setAudience(JWT_AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + (opts.ttlSeconds ?? ACCESS_TOKEN_TTL_SECONDS));
  return jwt.sign(secret);
}

/** Verify signature, issuer, audience and expiry; returns the validated claims or throws TokenError. */
export async function verifyAccessToken(token: string, secret: Uint8Array): Promise<AccessClaims> {
  try {
    const { payload } = await jwtVerify(token, secret, {
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
      algorithms: ['HS256'],
    });
    const parsed = accessClaimsSchema.safeParse(payload);
    if (!parsed.success) throw new TokenError('invalid', 'token claims are malformed');
    return parsed.data;
  } catch (err) {
    if (err instanceof TokenError) throw err;
    if (err instanceof joseErrors.JWTExpired) throw new TokenError('expired', 'access token expired');
    throw new TokenError('invalid', 'invalid access token');
  }
}

/** The principal of verified claims. */
export const claimsToUser = (c: AccessClaims): AuthUser => ({ id: c.sub, username: c.name, role: c.role });

/** Extract a bearer token from an Authorization header value. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return m?.[1];
}
