/** `npm run nats:provision -w common`: create or update every stream, KV bucket and object store (idempotent). */

import { loadConfig } from '../config/index.ts';
import { createLogger } from '../logger.ts';
import { connectNats } from './connect.ts';
import { provisionJetStream } from './provision.ts';

const cfg = loadConfig();
const nc = await connectNats(cfg.NATS_URL, 'sentinel-provision', createLogger('provision', 'warn'));
const report = await provisionJetStream(nc);
await nc.close();
const line = (label: string, items: string[]) => (items.length ? `  ${label}: ${items.join(', ')}\n` : '');
process.stderr.write(
  `${line('created', report.created)}${line('updated', report.updated)}  ${report.unchanged.length} unchanged\n`,
);
