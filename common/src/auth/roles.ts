import { z } from 'zod';

/**
 * Roles and the permission matrix, as data. Browser-safe (no Node imports): the web apps use it to
 * hide what a user may not do; the gateway, annotator and assistant enforce it.
 */
export const ROLES = ['admin', 'operator', 'annotator', 'viewer'] as const;
export const roleSchema = z.enum(ROLES, { message: 'must be admin, operator, annotator or viewer' });
export type Role = z.infer<typeof roleSchema>;

export const PERMISSIONS = [
  'users:read',
  'users:write',
  'audit:read',
  'cameras:read',
  'cameras:write',
  'cameras:test',
  'zones:read',
  'zones:write',
  'rules:read',
  'rules:write',
  'alerts:read',
  /** ack, resolve, mark-false */
  'alerts:write',
  'detections:read',
  'snapshots:read',
  'live:view',
  'models:read',
  'models:write',
  /** manage one's own Web Push subscriptions */
  'push:manage',
  'annotation:read',
  'annotation:write',
  'annotation:review',
  'annotation:export',
  'assistant:query',
] as const;
export const permissionSchema = z.enum(PERMISSIONS);
export type Permission = z.infer<typeof permissionSchema>;

const viewer: Permission[] = [
  'cameras:read',
  'zones:read',
  'rules:read',
  'alerts:read',
  'detections:read',
  'snapshots:read',
  'live:view',
  'models:read',
  'push:manage',
  'assistant:query',
];

/** role → permissions. admin has every permission. */
export const PERMISSION_MATRIX: Readonly<Record<Role, readonly Permission[]>> = {
  admin: [...PERMISSIONS],
  operator: [...viewer, 'cameras:write', 'cameras:test', 'zones:write', 'rules:write', 'alerts:write'],
  annotator: [
    'cameras:read',
    'detections:read',
    'snapshots:read',
    'models:read',
    'annotation:read',
    'annotation:write',
    'annotation:review',
    'annotation:export',
  ],
  viewer,
};

/** True when the role grants the permission. */
export function can(role: Role, permission: Permission): boolean {
  return PERMISSION_MATRIX[role]?.includes(permission) ?? false;
}

/** Socket.io rooms: `camera:<id>` needs live:view, `alerts` needs alerts:read. */
export function roomPermission(room: string): Permission | undefined {
  if (room === 'alerts') return 'alerts:read';
  if (/^camera:[a-z0-9][a-z0-9_-]{0,62}$/.test(room)) return 'live:view';
  return undefined;
}
