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

  async upsert(docs: EventDoc[]): Promise<void> {
    if (docs.length === 0) return;
    const vectors = await this.embedder.embed(
      docs.map((d) => d.text),
      'document',
    );
    await this.store.upsert(docs.map((d, i) => ({ ...d, vector: vectors[i]! })));
  }

  async get(id: string): Promise<EventDoc | undefined> {
    return (await this.store.get([id]))[0];
  }

  async search(text: string, filter: EventFilter | undefined, limit: number): Promise<ScoredEventDoc[]> {
    const [vector] = await this.embedder.embed([text], 'query');
    return this.store.search({ vector: vector!, text, ...(filter ? { filter } : {}), limit });
  }
}
