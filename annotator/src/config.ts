import { isAbsolute, resolve } from 'node:path';
import { parseEnv, repoRoot } from '@sentinel/common';
import { annotatorEnv } from '@sentinel/common/config/annotator';
import { baseEnv } from '@sentinel/common/config/base';
import { z } from 'zod';

export const annotatorConfigSchema = z.object({ ...baseEnv, ...annotatorEnv });
export type AnnotatorConfig = z.infer<typeof annotatorConfigSchema> & {
  /** Absolute folder holding images/, exports/ and models/ of the annotator. */
  storageDir: string;
  modelsDir: string;
};

export function loadAnnotatorConfig(env: Record<string, string | undefined> = process.env): AnnotatorConfig {
  const cfg = parseEnv(annotatorConfigSchema, env);
  const dataDir = resolve(repoRoot(), cfg.SENTINEL_DATA_DIR);
  const storageDir = isAbsolute(cfg.ANNOTATOR_STORAGE_DIR)
    ? cfg.ANNOTATOR_STORAGE_DIR
    : resolve(dataDir, cfg.ANNOTATOR_STORAGE_DIR);
  return {
    ...cfg,
    SENTINEL_DATA_DIR: dataDir,
    storageDir,
    modelsDir: resolve(repoRoot(), cfg.SENTINEL_MODELS_DIR),
  };
}
