import type { Redis } from '@sentinel/common';

/**
 * Fixed-window rate limit in Redis (INCR + PEXPIRE, atomic in one MULTI): true when this event is
 * within `limit` per `windowMs` for `key`. Shared by every notifier process.
 */
export async function allow(redis: Redis, key: string, limit: number, windowMs = 60_000): Promise<boolean> {
  const window = Math.floor(Date.now() / windowMs);
  const k = `sentinel:ratelimit:${key}:${window}`;
  const res = await redis
    .multi()
    .incr(k)
    .pexpire(k, windowMs * 2)
    .exec();
  const count = Number(res?.[0]?.[1] ?? 0);
  return count <= limit;
}
