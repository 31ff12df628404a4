/** Auth contracts. Node only (jwt.ts reads files); browsers import `auth/roles` and `auth/claims` directly. */
export * from './claims.ts';
export * from './jwt.ts';
export * from './roles.ts';
