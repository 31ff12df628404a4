import { loadConfig } from '../config/index.ts';
import { migrateUp } from './migrate.ts';

const cfg = loadConfig();
const applied = await migrateUp(cfg.DATABASE_URL, (m) => {
  if (/^(MIGRATION|### MIGRATION)/.test(m)) process.stderr.write(`  ${m.split('\n')[0]}\n`);
});
process.stderr.write(
  applied.length
    ? `  applied ${applied.length} migration(s): ${applied.join(', ')}\n`
    : '  database schema is up to date\n',
);
