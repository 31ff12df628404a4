import { z } from 'zod';
import { bool, optionalString, urlWithScheme } from './env-types.ts';

/** Variables every service reads. */
export const baseEnv = {
  SENTINEL_ENV: z
    .enum(['development', 'test', 'production'], { message: 'must be development, test or production' })
    .default('development'),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { message: 'must be a pino level' })
    .default('info'),
  SENTINEL_DATA_DIR: z.string().min(1).default('.data'),
  SENTINEL_MODELS_DIR: z.string().min(1).default('models'),
  NATS_URL: urlWithScheme(['nats', 'tls', 'ws', 'wss'], 'nats://127.0.0.1:4422'),
  DATABASE_URL: urlWithScheme(
    ['postgres', 'postgresql'],
    'postgres://sentinel:sentinel@127.0.0.1:5433/sentinel',
  ),
  REDIS_URL: urlWithScheme(['redis', 'rediss'], 'redis://127.0.0.1:6380'),
  SENTINEL_PROVISION_NATS: bool(true),
  /** Interface the ops servers (/healthz, /readyz, /metrics) of ingest, inference and alerts bind to; 0.0.0.0 in containers so Prometheus can scrape them. */
  OPS_HOST: z.string().min(1).default('127.0.0.1'),
  /** HMAC secret for signed snapshot URLs (>= 32 chars). Unset: generated once into <data>/url-signing-secret (0600). */
  SENTINEL_URL_SIGNING_SECRET: optionalString(),
};
