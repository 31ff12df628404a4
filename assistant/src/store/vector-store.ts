import type { EmbeddedEventDoc, EventDoc, EventFilter, ScoredEventDoc } from '../events/event-doc.ts';

export type SearchRequest = {
  vector: number[];
  /** The raw query text, for the keyword half of hybrid search (when the store has one). */
  text?: string;
  filter?: EventFilter;
  limit: number;
};

/** Where event documents live. Two adapters: LanceDB (embedded, default) and Weaviate. */
export interface VectorStore {
  readonly name: string;
  /** Create the table/class when missing. `dim` is the embedding dimension. */
  init(dim: number): Promise<void>;
  /** Insert or replace documents by id. */
  upsert(docs: EmbeddedEventDoc[]): Promise<void>;
  get(ids: string[]): Promise<EventDoc[]>;
  /** Nearest documents (hybrid with keywords where supported) that match the filter, best first. */
  search(req: SearchRequest): Promise<ScoredEventDoc[]>;
  /** Documents matching the filter, newest first (no ranking). */
  list(filter: EventFilter, limit: number): Promise<EventDoc[]>;
  count(): Promise<number>;
  /** Readiness check. */
  check(): Promise<void>;
  close(): Promise<void>;
}

/** SQL-ish string literal (single quotes doubled) for filter expressions. */
export const sqlString = (v: string) => `'${v.replace(/'/g, "''")}'`;
