import { ConfigError, createLogger, Shutdown } from '@sentinel/common';
import { loadJwtSecret } from '@sentinel/common/auth/index';
import { loadAnnotatorConfig } from './config.ts';
import { startAnnotator } from './service.ts';

/** Annotator service: hard-example intake, annotation queue API, web app, exports, model registry. */
const logger = createLogger('annotator');
try {
  const cfg = loadAnnotatorConfig();
  const secret = loadJwtSecret({ dataDir: cfg.SENTINEL_DATA_DIR });
  const svc = await startAnnotator(cfg, { logger, secret });
  new Shutdown(logger).add('annotator', () => svc.stop()).installSignalHandlers();
  logger.info({ url: `${svc.url}/annotator/`, storage: cfg.storageDir }, 'annotator ready');
} catch (err) {
  if (err instanceof ConfigError) logger.fatal(err.message);
  else logger.fatal({ err }, 'annotator failed to start');
  process.exit(1);
}
