import { z } from 'zod';
import { PERMISSIONS, roleSchema } from '../auth/roles.ts';

export const loginRequestSchema = z.object({
  username: z.string().min(1, 'username is required').max(64),
  password: z.string().min(1, 'password is required').max(1024),
});
export type LoginRequest = z.infer<typeof loginRequestSchema>;

export const tokenPairSchema = z.object({
  accessToken: z.string(),
  refreshToken: z.string(),
  /** seconds until the access token expires */
  expiresIn: z.number().int(),
  tokenType: z.literal('Bearer'),
});
export type TokenPair = z.infer<typeof tokenPairSchema>;

export const refreshRequestSchema = z.object({ refreshToken: z.string().min(1).max(512) });
export const logoutRequestSchema = z.object({ refreshToken: z.string().min(1).max(512).optional() });

export const meResponseSchema = z.object({
  id: z.string(),
  username: z.string(),
  role: roleSchema,
  permissions: z.array(z.enum(PERMISSIONS)),
});
export type MeResponse = z.infer<typeof meResponseSchema>;
