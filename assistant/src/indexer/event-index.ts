import type { Embedder } from '../embeddings/embedder.ts';
import type { EventDoc, EventFilter, ScoredEventDoc } from '../events/event-doc.ts';
import type { VectorStore } from '../store/vector-store.ts';

/** Embeds and stores event documents; searches them with the same embedder. */
export class EventIndex {
  constructor(
    readonly store: VectorStore,
    readonly embedder: Embedder,
  ) {}

  /** Probe the embedder for its dimension and create the store's table/class. */
  async init(): Promise<void> {
    const [probe] = await this.embedder.embed(['dimension probe'], 'query');
    if (!probe?.length) throw new Error(`embedder ${this.embedder.name} returned an empty vector`);
    await this.store.init(probe.length);
  }

  /**
   * Embed and store documents. Only documents new to the store count as 'document' embeddings (which
   * feed the local embedder's IDF statistics); updates of an indexed event (an alert resolving, a track
   * coming back) are embedded without counting them twice.
   */
  async upsert(docs: EventDoc[]): Promise<void> {
    if (docs.length === 0) return;
    const known = new Set((await this.store.get(docs.map((d) => d.id))).map((d) => d.id));
    const fresh = docs.filter((d) => !known.has(d.id));
    const updated = docs.filter((d) => known.has(d.id));
    const [freshVectors, updatedVectors] = await Promise.all([
      fresh.length
        ? this.embedder.embed(
            fresh.map((d) => d.text),
            'document',
          )
        : Promise.resolve([]),
      updated.length
        ? this.embedder.embed(
            updated.map((d) => d.text),
            'query',
          )
        : Promise.resolve([]),
    ]);
    await this.store.upsert([
      ...fresh.map((d, i) => ({ ...d, vector: freshVectors[i]! })),
      ...updated.map((d, i) => ({ ...d, vector: updatedVectors[i]! })),
    ]);
  }

  async get(id: string): Promise<EventDoc | undefined> {
    return (await this.store.get([id]))[0];
  }

  async search(text: string, filter: EventFilter | undefined, limit: number): Promise<ScoredEventDoc[]> {
    const [vector] = await this.embedder.embed([text], 'query');
    return this.store.search({ vector: vector!, text, ...(filter ? { filter } : {}), limit });
  }
}
