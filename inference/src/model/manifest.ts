import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';

/**
 * `models/manifest.json`: what each generated model file should hash to, and what it was made from.
 * A model is reused only when its file hashes to the manifest entry AND the entry's source hash and
 * converter version match the current ones; otherwise it is converted again.
 */
const entrySchema = z.object({
  file: z.string(),
  sha256: z.string().length(64),
  bytes: z.number().int().nonnegative(),
  converterVersion: z.number().int(),
  source: z.object({ package: z.string(), version: z.string(), sha256: z.string().length(64) }),
});
export type ManifestEntry = z.infer<typeof entrySchema>;

const manifestSchema = z.object({ version: z.literal(1), models: z.record(z.string(), entrySchema) });
export type Manifest = z.infer<typeof manifestSchema>;

export const MANIFEST_FILE = 'manifest.json';

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

export const sha256Bytes = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Read the manifest; a missing or unreadable one is empty (with the reason). */
export async function readManifest(modelsDir: string): Promise<{ manifest: Manifest; problem?: string }> {
  const path = join(modelsDir, MANIFEST_FILE);
  let raw: string;
  try {
    raw = await readFile(path, 'utf8');
  } catch {
    return { manifest: { version: 1, models: {} }, problem: 'no manifest yet' };
  }
  try {
    return { manifest: manifestSchema.parse(JSON.parse(raw)) };
  } catch (err) {
    return {
      manifest: { version: 1, models: {} },
      problem: `manifest unreadable (${(err as Error).message.slice(0, 200)})`,
    };
  }
}

/** Write atomically (tmp file + rename) with stable key order. */
export async function writeManifest(modelsDir: string, manifest: Manifest): Promise<void> {
  const path = join(modelsDir, MANIFEST_FILE);
  await mkdir(dirname(path), { recursive: true });
  const sorted = {
    version: 1,
    models: Object.fromEntries(Object.entries(manifest.models).sort(([a], [b]) => a.localeCompare(b))),
  };
  const tmp = join(modelsDir, `manifest.${process.pid}.json.tmp`); // git-ignored (models/*.json.tmp)
  await writeFile(tmp, `${JSON.stringify(sorted, null, 2)}\n`);
  await rename(tmp, path);
}
