import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { repoRoot } from './config/index.ts';

/**
 * Read `<dataDir>/<name>`, creating it once with `create()` (mode 0600, exclusive create so two
 * services starting together agree on one value). `dataDir` is resolved against the repository root.
 */
export function readOrCreateSecretFile(dataDir: string, name: string, create: () => string): string {
  const file = resolve(repoRoot(), dataDir, name);
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    try {
      writeFileSync(file, create(), { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  chmodSync(file, 0o600);
  return readFileSync(file, 'utf8').trim();
}

/** A random secret as base64url. */
export const randomSecret = (bytes = 32) => randomBytes(bytes).toString('base64url');
