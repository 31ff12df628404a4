import { loadConfig } from '@sentinel/common';
import { loadUrlSigningSecret } from '@sentinel/common/auth/signed-url';
import { loadOrCreateVapidKeys } from '@sentinel/common/push/vapid';
import { randomSecret, readOrCreateSecretFile } from '@sentinel/common/secret-file';

/** Setup step: create (once) the VAPID keys, webhook secret and URL-signing secret in the data dir; print the public key. */
const cfg = loadConfig();
const keys = loadOrCreateVapidKeys(cfg.SENTINEL_DATA_DIR);
if (!cfg.ALERTS_WEBHOOK_SECRET)
  readOrCreateSecretFile(cfg.SENTINEL_DATA_DIR, 'webhook-secret', () => randomSecret(32));
loadUrlSigningSecret({ dataDir: cfg.SENTINEL_DATA_DIR });
process.stderr.write(`  VAPID keys, webhook and URL-signing secrets ready in ${cfg.SENTINEL_DATA_DIR}\n`);
process.stdout.write(`${keys.publicKey}\n`);
