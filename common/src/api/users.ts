import { z } from 'zod';
import { roleSchema } from '../auth/roles.ts';
import { nullableMs } from './common.ts';

export const usernameSchema = z
  .string()
  .regex(/^[a-z0-9_.-]{2,64}$/, 'must be 2-64 chars of a-z, 0-9, _ . or -');
export const passwordSchema = z.string().min(10, 'must be at least 10 characters').max(1024);

export const userSchema = z.object({
  id: z.string(),
  username: z.string(),
  role: roleSchema,
  disabled: z.boolean(),
  createdAt: z.number().int(),
  updatedAt: nullableMs,
});
export type User = z.infer<typeof userSchema>;

export const createUserRequestSchema = z.object({
  username: usernameSchema,
  password: passwordSchema,
  role: roleSchema,
});
export type CreateUserRequest = z.infer<typeof createUserRequestSchema>;

/** Any subset; changing password or role or disabling revokes the user's refresh tokens. */
export const updateUserRequestSchema = z
  .object({ password: passwordSchema, role: roleSchema, disabled: z.boolean() })
  .partial()
  .refine((v) => Object.keys(v).length > 0, { message: 'nothing to update' });
export type UpdateUserRequest = z.infer<typeof updateUserRequestSchema>;

export const changeOwnPasswordRequestSchema = z.object({
  currentPassword: z.string().min(1),
  newPassword: passwordSchema,
});

export const auditEntrySchema = z.object({
  id: z.number().int(),
  at: z.number().int(),
  actor: z.string(),
  actorId: z.string().nullable(),
  action: z.string(),
  entity: z.string(),
  entityId: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  requestId: z.string().nullable(),
  ip: z.string().nullable(),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;
