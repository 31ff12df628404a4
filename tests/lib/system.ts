/**
 * `startSystem()` for the browser tests: the demo camera and every service (ingest, inference, alerts,
 * gateway) in isolation mode (a fresh database, free ports, an ingest worker group of its own) through
 * the launcher in infra/local/system. Cameras a test adds need `cameraTags` so this system's ingest takes them.
 */
import {
  startSystem as launch,
  type RunningSystem,
  type SystemOptions,
} from '../../infra/local/system/launch.ts';

export type System = Pick<
  RunningSystem,
  'gatewayUrl' | 'adminPassword' | 'cameraTags' | 'demoCameraUrl' | 'stop'
>;

export function startSystem(
  opts: Pick<SystemOptions, 'services' | 'env' | 'progress'> = {},
): Promise<System> {
  return launch({
    isolated: true,
    demoCamera: true,
    services: opts.services ?? ['gateway', 'alerts', 'inference', 'ingest'],
    ...(opts.env ? { env: opts.env } : {}),
    progress: opts.progress ?? ((line) => process.stderr.write(`  [system] ${line}\n`)),
  });
}
