/**
 * Inference service: detects objects on camera frames (core NATS `frames.>`), tracks them and
 * publishes `detections.<cameraId>` (JetStream); mines hard examples. Ops: /healthz, /readyz, /metrics
 * on INFERENCE_OPS_PORT.
 */
import {
  connectNats,
  createLogger,
  loadConfig,
  provisionJetStream,
  Shutdown,
  startOpsServer,
} from '@sentinel/common';
import { InferenceService } from './service/inference-service.ts';
import { serviceOptions } from './service/settings.ts';

const logger = createLogger('inference');

async function main(): Promise<void> {
  const cfg = loadConfig();
  const shutdown = new Shutdown(logger).installSignalHandlers();
  const nc = await connectNats(cfg.NATS_URL, 'inference', logger);
  shutdown.add('nats', () => nc.drain());
  if (cfg.SENTINEL_PROVISION_NATS) await provisionJetStream(nc);
  const service = new InferenceService(nc, serviceOptions(cfg), logger);
  const ops = await startOpsServer({
    port: cfg.INFERENCE_OPS_PORT,
    logger,
    registry: service.metrics.registry,
    checks: service.readinessChecks(),
  });
  shutdown.add('ops server', () => ops.close());
  await service.start();
  shutdown.add('inference service', () => service.stop());
  logger.info({ opsPort: cfg.INFERENCE_OPS_PORT }, 'inference ready');
}

main().catch((err) => {
  logger.fatal({ err }, 'inference failed to start');
  process.exit(1);
});
