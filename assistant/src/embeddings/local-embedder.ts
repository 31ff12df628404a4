import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Embedder, l2normalize } from './embedder.ts';

/** FNV-1a 32-bit hash. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** English function words carry no meaning for event search; they are dropped before hashing. */
const STOP_WORDS = new Set(
  'a an and any are as at be been by did do does for from had has have how i in is it its me my of on or our so than that the their them then there these this those to was we were what when where which who will with you your'.split(
    ' ',
  ),
);

/** Lower-case word tokens (letters and digits; apostrophes dropped; stop words removed). */
export function tokenize(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/['’]/g, '')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w && !STOP_WORDS.has(w));
}

/** Weighted features: word unigrams, word bigrams and character 3-grams of each word (with boundaries). */
export function features(text: string): Map<string, number> {
  const words = tokenize(text);
  const f = new Map<string, number>();
  const add = (k: string, w: number) => f.set(k, (f.get(k) ?? 0) + w);
  words.forEach((w, i) => {
    add(`w:${w}`, 1);
    if (i > 0) add(`b:${words[i - 1]} ${w}`, 0.5);
    const padded = `#${w}#`;
    if (padded.length > 3 && !/^\d+$/.test(w))
      for (let j = 0; j + 3 <= padded.length; j++) add(`c:${padded.slice(j, j + 3)}`, 0.25);
  });
  return f;
}

type DfState = { version: 1; dim: number; docs: number; df: number[] };

/**
 * Embedder that needs no model weights: features are hashed (signed) into `dim` buckets, weighted by
 * sublinear TF × IDF, and L2-normalised. Document frequencies are learned per bucket from every
 * indexed document and persisted to `statePath`, so rare words (camera and zone names, labels) weigh
 * more than the template words every event shares.
 */
export class LocalEmbedder implements Embedder {
  readonly name: string;
  private docs = 0;
  private readonly df: Float64Array;
  private dirty = false;

  constructor(
    readonly dim = 512,
    private readonly statePath?: string,
  ) {
    this.name = `local-hash-${dim}`;
    this.df = new Float64Array(dim);
    if (statePath) this.load(statePath);
  }

  private load(path: string) {
    try {
      const s = JSON.parse(readFileSync(path, 'utf8')) as DfState;
      if (s.version === 1 && s.dim === this.dim && Array.isArray(s.df)) {
        this.docs = s.docs;
        this.df.set(s.df);
      }
    } catch {
      /* no state yet */
    }
  }

  private bucketsOf(text: string): Map<number, number> {
    const buckets = new Map<number, number>();
    for (const [feat, weight] of features(text)) {
      const h = fnv1a(feat);
      const idx = h % this.dim;
      const sign = h & 0x80000000 ? -1 : 1;
      buckets.set(idx, (buckets.get(idx) ?? 0) + sign * weight);
    }
    return buckets;
  }

  private idf(idx: number): number {
    return Math.log((1 + this.docs) / (1 + this.df[idx]!)) + 1;
  }

  /** Count documents toward the IDF statistics. */
  observe(texts: string[]): void {
    for (const t of texts) {
      this.docs++;
      for (const idx of this.bucketsOf(t).keys()) this.df[idx]! += 1;
    }
    this.dirty = texts.length > 0 || this.dirty;
  }

  embedOne(text: string): number[] {
    const v = new Float64Array(this.dim);
    for (const [idx, raw] of this.bucketsOf(text)) {
      const tf = Math.sign(raw) * Math.log1p(Math.abs(raw));
      v[idx] = tf * this.idf(idx);
    }
    return l2normalize(v);
  }

  async embed(texts: string[], purpose: 'document' | 'query'): Promise<number[][]> {
    if (purpose === 'document') this.observe(texts);
    return texts.map((t) => this.embedOne(t));
  }

  async flush(): Promise<void> {
    if (!this.statePath || !this.dirty) return;
    const state: DfState = { version: 1, dim: this.dim, docs: this.docs, df: Array.from(this.df) };
    mkdirSync(dirname(this.statePath), { recursive: true });
    const tmp = `${this.statePath}.tmp`;
    writeFileSync(tmp, JSON.stringify(state));
    renameSync(tmp, this.statePath);
    this.dirty = false;
  }
}
