import { resolve } from 'node:path';
import { z } from 'zod';
import { alertsEnv } from './alerts.ts';
import { annotatorEnv } from './annotator.ts';
import { assistantEnv } from './assistant.ts';
import { baseEnv } from './base.ts';
import { ConfigError, formatZodIssues } from './errors.ts';
import { gatewayEnv } from './gateway.ts';
import { inferenceEnv } from './inference.ts';
import { ingestEnv } from './ingest.ts';

export * from './env-types.ts';
export { ConfigError, formatZodIssues } from './errors.ts';

/**
 * One zod schema over the environment. Service-specific sections are merged here so that
 * `.env.example` and the README table have one source. Add a section file per service.
 */
export const envSchema = z.object({
  ...baseEnv,
  ...ingestEnv,
  ...inferenceEnv,
  ...alertsEnv,
  ...gatewayEnv,
  ...annotatorEnv,
  ...assistantEnv,
});
export type Config = z.infer<typeof envSchema>;

/** Parse any zod object over env vars; throws ConfigError listing each bad variable. */
export function parseEnv<S extends z.ZodObject>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<S> {
  const cleaned: Record<string, string | undefined> = {};
  for (const key of Object.keys(schema.shape)) {
    const v = env[key];
    cleaned[key] = v === '' ? undefined : v;
  }
  const result = schema.safeParse(cleaned);
  if (!result.success) throw new ConfigError(formatZodIssues(result.error, cleaned));
  return result.data;
}

/** Base configuration with data and model directories resolved against the repository root. */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
): Config & { rootDir: string } {
  const cfg = parseEnv(envSchema, env);
  const rootDir = repoRoot();
  return {
    ...cfg,
    rootDir,
    SENTINEL_DATA_DIR: resolve(rootDir, cfg.SENTINEL_DATA_DIR),
    SENTINEL_MODELS_DIR: resolve(rootDir, cfg.SENTINEL_MODELS_DIR),
  };
}

/** The monorepo root (the folder holding common/). */
export function repoRoot(): string {
  return resolve(import.meta.dirname, '../../..');
}
