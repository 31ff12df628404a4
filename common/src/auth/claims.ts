import { z } from 'zod';
import { roleSchema } from './roles.ts';

export const JWT_ISSUER = 'sentinel';
export const JWT_AUDIENCE = 'sentinel';
/** Access tokens live 15 minutes. */
export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
/** Refresh tokens live 7 days (rotated on every use). */
export const REFRESH_TOKEN_TTL_SECONDS = 7 * 24 * 3600;

/** Claims of an access token (HS256 JWT). `sub` is the user id (uuid). */
export const accessClaimsSchema = z.object({
  sub: z.string().min(1),
  /** username */
  name: z.string().min(1),
  role: roleSchema,
  typ: z.literal('access'),
  /** refresh-token family the token was issued from (absent for service tokens) */
  sid: z.string().optional(),
  iat: z.number().int(),
  exp: z.number().int(),
  iss: z.literal(JWT_ISSUER),
  aud: z.union([z.literal(JWT_AUDIENCE), z.array(z.string())]),
});
export type AccessClaims = z.infer<typeof accessClaimsSchema>;

/** The authenticated principal as services see it. */
export type AuthUser = { id: string; username: string; role: z.infer<typeof roleSchema> };

/**
 * Header the gateway sets when it proxies to the annotator/assistant: JSON of AuthUser.
 * Services trust it only from the gateway (loopback); otherwise they verify the bearer token.
 */
export const FORWARDED_USER_HEADER = 'x-sentinel-user';
