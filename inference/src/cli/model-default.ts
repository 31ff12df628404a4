/**
 * `npm run model:default -w inference [-- --force]`: provision the default detector.
 * Converts models/centernet-mbv3-coco.onnx from @vladmandic/human when missing or stale (sha256
 * manifest), validates it, then registers it (table `models` + KV `models`) when PostgreSQL and NATS
 * are reachable; without them the registration is skipped with a note (the file is still ready).
 */
import { connect } from '@nats-io/transport-node';
import { createPool, loadConfig } from '@sentinel/common';
import { DEFAULT_MODEL_ID, defaultModelInfo, ensureDefaultModel } from '../model/default-model.ts';
import { registerModel } from '../model/registry.ts';
import { validateModelFile } from '../model/validate.ts';

const log = (msg: string) => process.stdout.write(`[model:default] ${msg}\n`);

async function main() {
  const cfg = loadConfig();
  const force = process.argv.includes('--force');
  const res = await ensureDefaultModel({ modelsDir: cfg.SENTINEL_MODELS_DIR, force, log });
  log(`${res.converted ? 'converted' : 'cached'}: ${res.path} sha256=${res.sha256} (${res.reason})`);
  const v = await validateModelFile(res.path, 'centernet', { labels: defaultModelInfo().labels });
  log(
    `validated: input ${v.inputWidth}x${v.inputHeight}, ${v.classes} classes, outputs ${v.outputNames.join(', ')}`,
  );

  const info = defaultModelInfo(res.sha256);
  const pool = createPool(cfg.DATABASE_URL, { max: 1 });
  try {
    await pool.query('select 1');
  } catch (err) {
    log(`note: PostgreSQL unreachable (${(err as Error).message}); registration skipped`);
    await pool.end().catch(() => {});
    return;
  }
  let nc: Awaited<ReturnType<typeof connect>> | undefined;
  try {
    const u = new URL(cfg.NATS_URL);
    nc = await connect({ servers: `${u.hostname}:${u.port || 4222}`, name: 'model-default', timeout: 3000 });
  } catch (err) {
    log(`note: NATS unreachable (${(err as Error).message}); KV mirror skipped`);
  }
  try {
    const saved = await registerModel({ db: pool, nc }, info, { activateIfNone: true });
    log(
      `registered ${DEFAULT_MODEL_ID} (active=${saved.active})${nc ? ' in table models and KV models' : ' in table models'}`,
    );
  } catch (err) {
    const msg = (err as Error).message;
    if (/relation "models" does not exist/.test(msg))
      log('note: table models missing (run npm run db:migrate); registration skipped');
    else if (/stream not found|bucket not found|no responders/i.test(msg))
      log(`note: KV models not provisioned (${msg}); registered in table models only`);
    else throw err;
  } finally {
    await nc?.close().catch(() => {});
    await pool.end().catch(() => {});
  }
}

main().catch((err) => {
  process.stderr.write(`[model:default] failed: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
