import { spawn } from 'node:child_process';
import {
  ConfigError,
  checkNats,
  connectNats,
  createLogger,
  provisionJetStream,
  Shutdown,
  startOpsServer,
} from '@sentinel/common';
import { createIngestMetrics } from './metrics.ts';
import { loadIngestConfig, threadPoolSize, workerOptions } from './settings.ts';
import { IngestWorker } from './worker.ts';

const logger = createLogger('ingest');

let cfg: ReturnType<typeof loadIngestConfig>;
try {
  cfg = loadIngestConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    logger.fatal(err.message);
    process.exit(2);
  }
  throw err;
}

// Every waiting appsink pull and bus poll holds a libuv pool thread. The pool size is read once, when
// the pool starts (before this module runs), so re-run this process with a large enough pool.
const needed = threadPoolSize(cfg.INGEST_MAX_CAMERAS);
if (Number(process.env.UV_THREADPOOL_SIZE ?? 4) < needed) {
  logger.info({ UV_THREADPOOL_SIZE: needed }, 'restarting with a libuv thread pool sized for the cameras');
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, UV_THREADPOOL_SIZE: String(needed) },
  });
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  await run();
}

async function run(): Promise<void> {
  const shutdown = new Shutdown(logger, 15_000).installSignalHandlers();
  const metrics = createIngestMetrics();
  const nc = await connectNats(cfg.NATS_URL, `ingest-${process.pid}`, logger);
  shutdown.add('nats', () => nc.drain());
  if (cfg.SENTINEL_PROVISION_NATS) {
    const report = await provisionJetStream(nc);
    logger.info(report, 'jetstream provisioned');
  }
  const worker = new IngestWorker(nc, workerOptions(cfg), logger, metrics);
  const ops = await startOpsServer({
    port: cfg.INGEST_OPS_PORT,
    logger,
    registry: metrics.registry,
    checks: {
      nats: () => checkNats(nc),
      catalog: () => {
        if (!worker.catalogReady) throw new Error('camera catalog not loaded yet');
      },
    },
  });
  shutdown.add('ops-http', () => ops.close());
  await worker.start();
  shutdown.add('worker', () => worker.stop());
  logger.info({ workerId: worker.workerId, opsPort: cfg.INGEST_OPS_PORT }, 'ingest ready');
}
