import { Redis } from 'ioredis';

export { Redis } from 'ioredis';

/** Redis client that retries forever with capped backoff and never throws on connect. */
export function createRedis(url: string, opts: { lazyConnect?: boolean; name?: string } = {}): Redis {
  return new Redis(url, {
    connectionName: opts.name,
    lazyConnect: opts.lazyConnect ?? false,
    maxRetriesPerRequest: 2,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    enableOfflineQueue: true,
  });
}

export async function checkRedis(redis: Redis): Promise<void> {
  const pong = await redis.ping();
  if (pong !== 'PONG') throw new Error(`unexpected redis ping reply ${pong}`);
}
