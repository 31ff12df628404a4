import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Frames of hard examples, copied out of the `snapshots` object store at intake: the object store
 * expires after 7 days, while hard examples live until exported (ARCHITECTURE §4).
 */
export class ImageStore {
  constructor(readonly dir: string) {}

  pathOf(exampleId: string): string {
    const h = createHash('sha256').update(exampleId).digest('hex');
    return join(this.dir, h.slice(0, 2), `${h}.jpg`);
  }

  async has(exampleId: string): Promise<boolean> {
    return stat(this.pathOf(exampleId)).then(
      () => true,
      () => false,
    );
  }

  /** Write atomically (temp file + rename), so a crash never leaves half a JPEG. */
  async put(exampleId: string, data: Uint8Array): Promise<string> {
    const path = this.pathOf(exampleId);
    await mkdir(join(path, '..'), { recursive: true });
    const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(tmp, data);
    await rename(tmp, path);
    return path;
  }

  async get(exampleId: string): Promise<Buffer | null> {
    return readFile(this.pathOf(exampleId)).catch(() => null);
  }
}
