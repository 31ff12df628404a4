import { isAbsolute, resolve } from 'node:path';
import { type Config, loadConfig } from '@sentinel/common';

export type AssistantConfig = Config & { rootDir: string; lancedbDir: string };

/** Typed, validated configuration (common/src/config/assistant.ts documents each variable). */
export function loadAssistantConfig(env: Record<string, string | undefined> = process.env): AssistantConfig {
  const cfg = loadConfig(env);
  const lancedbDir = isAbsolute(cfg.ASSISTANT_LANCEDB_DIR)
    ? cfg.ASSISTANT_LANCEDB_DIR
    : resolve(cfg.SENTINEL_DATA_DIR, cfg.ASSISTANT_LANCEDB_DIR);
  return { ...cfg, lancedbDir };
}
