import { createLogger, loadConfig, Shutdown } from '@sentinel/common';
import { startGateway } from './app.ts';

const logger = createLogger('gateway');
try {
  const cfg = loadConfig();
  const gateway = await startGateway(cfg, { logger });
  new Shutdown(logger).add('gateway', () => gateway.close()).installSignalHandlers();
} catch (err) {
  logger.fatal({ err }, 'gateway failed to start');
  process.exit(1);
}
