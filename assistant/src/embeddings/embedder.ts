/** Turns texts into vectors. 'document' texts are indexed, 'query' texts are searched with. */
export interface Embedder {
  /** Short stable name; stores keep one table per embedder name and dimension. */
  readonly name: string;
  embed(texts: string[], purpose: 'document' | 'query'): Promise<number[][]>;
  /** Persist learned state (if any). */
  flush?(): Promise<void>;
}

/** L2-normalise in place; a zero vector stays zero. */
export function l2normalize(v: Float64Array | number[]): number[] {
  let sum = 0;
  for (const x of v) sum += x * x;
  const n = Math.sqrt(sum);
  return Array.from(v, (x) => (n > 0 ? x / n : 0));
}
