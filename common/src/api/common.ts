import { z } from 'zod';

/** Query `limit` (1..200, default 50) and opaque `cursor` of every list route. */
export const pageQueryShape = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(512).optional(),
};

/** The list response shape: `{ items, nextCursor }` (nextCursor null on the last page). */
export const listResponse = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });
export type ListResponse<T> = { items: T[]; nextCursor: string | null };

/** A time in a query string: epoch milliseconds or an ISO-8601 date; parsed to epoch ms. */
export const timeParamSchema = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const ms = typeof v === 'number' ? v : /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(ms) || ms <= 0) {
    ctx.addIssue({ code: 'custom', message: 'must be epoch milliseconds or an ISO-8601 date' });
    return z.NEVER;
  }
  return ms;
});

/** Epoch ms in responses (null when not set). */
export const msSchema = z.number().int();
export const nullableMs = z.number().int().nullable();

/** `{ ok: true }` for actions without a body. */
export const okSchema = z.object({ ok: z.literal(true) });

/** Path param `:id` of most routes. */
export const idParamsSchema = z.object({ id: z.string().min(1).max(128) });
