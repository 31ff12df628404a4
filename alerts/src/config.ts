import { ConfigError, loadConfig } from '@sentinel/common';

export type AlertsConfig = ReturnType<typeof loadConfig> & { dataDir: string; roles: Set<string> };

const ROLES = ['rules', 'writer', 'notifier'];

/** Base + alerts env (common/src/config/alerts.ts), with cross-field checks. */
export function loadAlertsConfig(env: Record<string, string | undefined> = process.env): AlertsConfig {
  const c = loadConfig(env);
  const issues: string[] = [];
  if (c.ALERTS_WORKER_INDEX >= c.ALERTS_WORKER_COUNT)
    issues.push(`ALERTS_WORKER_INDEX: must be < ALERTS_WORKER_COUNT (got ${c.ALERTS_WORKER_INDEX})`);
  const roles = c.ALERTS_ROLES.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = roles.filter((r) => !ROLES.includes(r));
  if (bad.length) issues.push(`ALERTS_ROLES: unknown role(s) ${bad.join(', ')} (use ${ROLES.join(', ')})`);
  if (issues.length) throw new ConfigError(issues);
  return { ...c, dataDir: c.SENTINEL_DATA_DIR, roles: new Set(roles) };
}
