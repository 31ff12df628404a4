import * as lancedb from '@lancedb/lancedb';
import { Field, FixedSizeList, Float32, Float64, List, Schema, Utf8 } from 'apache-arrow';
import type { EmbeddedEventDoc, EventDoc, EventFilter, ScoredEventDoc } from '../events/event-doc.ts';
import { type SearchRequest, sqlString, type VectorStore } from './vector-store.ts';

const COLUMNS_WITHOUT_VECTOR = [
  'id',
  'kind',
  'text',
  'cameraId',
  'cameraName',
  'labels',
  'zoneIds',
  'zoneNames',
  'startMs',
  'endMs',
  'alertId',
  'trackId',
  'snapshotKey',
  'severity',
  'status',
];

const strList = () => new List(new Field('item', new Utf8(), true));

function schemaFor(dim: number): Schema {
  return new Schema([
    new Field('id', new Utf8(), false),
    new Field('kind', new Utf8(), false),
    new Field('text', new Utf8(), false),
    new Field('cameraId', new Utf8(), false),
    new Field('cameraName', new Utf8(), false),
    new Field('labels', strList(), false),
    new Field('zoneIds', strList(), false),
    new Field('zoneNames', strList(), false),
    new Field('startMs', new Float64(), false),
    new Field('endMs', new Float64(), false),
    new Field('alertId', new Utf8(), false),
    new Field('trackId', new Utf8(), false),
    new Field('snapshotKey', new Utf8(), false),
    new Field('severity', new Utf8(), false),
    new Field('status', new Utf8(), false),
    new Field('vector', new FixedSizeList(dim, new Field('item', new Float32(), true)), false),
  ]);
}

const arr = (v: unknown): string[] => {
  if (!v) return [];
  if (Array.isArray(v)) return v.map(String);
  const maybe = v as { toArray?: () => unknown[] };
  return maybe.toArray ? Array.from(maybe.toArray(), String) : [];
};

function toRow(d: EmbeddedEventDoc): Record<string, unknown> {
  return {
    ...d,
    alertId: d.alertId ?? '',
    trackId: d.trackId ?? '',
    snapshotKey: d.snapshotKey ?? '',
    severity: d.severity ?? '',
    status: d.status ?? '',
  };
}

function fromRow(r: Record<string, unknown>): EventDoc {
  const s = (k: string) => (r[k] ? String(r[k]) : null);
  return {
    id: String(r.id),
    kind: r.kind as EventDoc['kind'],
    text: String(r.text),
    cameraId: String(r.cameraId),
    cameraName: String(r.cameraName),
    labels: arr(r.labels),
    zoneIds: arr(r.zoneIds),
    zoneNames: arr(r.zoneNames),
    startMs: Number(r.startMs),
    endMs: Number(r.endMs),
    alertId: s('alertId'),
    trackId: s('trackId'),
    snapshotKey: s('snapshotKey'),
    severity: s('severity'),
    status: s('status'),
  };
}

/** LanceDB filter expression (DataFusion SQL) for an event filter. */
export function lanceWhere(f: EventFilter | undefined): string | undefined {
  if (!f) return undefined;
  const parts: string[] = [];
  const list = (vs: string[]) => vs.map(sqlString).join(', ');
  if (f.cameraIds?.length) parts.push(`cameraId IN (${list(f.cameraIds)})`);
  if (f.kinds?.length) parts.push(`kind IN (${list(f.kinds)})`);
  if (f.labels?.length) parts.push(`array_has_any(labels, [${list(f.labels)}])`);
  if (f.zoneIds?.length) parts.push(`array_has_any(zoneIds, [${list(f.zoneIds)}])`);
  if (f.fromMs !== undefined) parts.push(`endMs >= ${Number(f.fromMs)}`);
  if (f.toMs !== undefined) parts.push(`startMs < ${Number(f.toMs)}`);
  return parts.length ? parts.join(' AND ') : undefined;
}

/**
 * Embedded vector store on disk. One table per embedder and dimension (`events_<embedder>_<dim>`),
 * so switching embedders never mixes vector spaces. Hybrid search = vector + BM25 full-text (FTS
 * index on `text`, rebuilt after writes when stale) fused with reciprocal rank fusion.
 */
export class LanceDbStore implements VectorStore {
  readonly name = 'lancedb';
  private db: lancedb.Connection | undefined;
  private table: lancedb.Table | undefined;
  private ftsStale = true;
  private ftsBuilding: Promise<void> | undefined;

  constructor(
    private readonly dir: string,
    private readonly tablePrefix: string,
  ) {}

  async init(dim: number): Promise<void> {
    this.db = await lancedb.connect(this.dir);
    const name = `events_${this.tablePrefix.replace(/[^A-Za-z0-9_]+/g, '_')}_${dim}`;
    this.table = await this.db.createEmptyTable(name, schemaFor(dim), { existOk: true });
    const indices = await this.table.listIndices();
    this.ftsStale = !indices.some((i) => i.columns.includes('text'));
  }

  private tbl(): lancedb.Table {
    if (!this.table) throw new Error('lancedb store not initialised');
    return this.table;
  }

  async upsert(docs: EmbeddedEventDoc[]): Promise<void> {
    if (docs.length === 0) return;
    await this.tbl()
      .mergeInsert('id')
      .whenMatchedUpdateAll()
      .whenNotMatchedInsertAll()
      .execute(docs.map(toRow));
    this.ftsStale = true;
  }

  async get(ids: string[]): Promise<EventDoc[]> {
    if (ids.length === 0) return [];
    const rows = await this.tbl()
      .query()
      .where(`id IN (${ids.map(sqlString).join(', ')})`)
      .toArray();
    return rows.map(fromRow);
  }

  /** (Re)build the full-text index when documents changed since the last build. */
  private async ensureFts(): Promise<boolean> {
    if (this.ftsStale) {
      this.ftsBuilding ??= (async () => {
        this.ftsStale = false;
        await this.tbl().createIndex('text', {
          config: lancedb.Index.fts({
            language: 'English',
            stem: true,
            removeStopWords: true,
            asciiFolding: true,
          }),
          replace: true,
        });
      })().finally(() => {
        this.ftsBuilding = undefined;
      });
      try {
        await this.ftsBuilding;
      } catch {
        this.ftsStale = true;
        return false;
      }
    }
    return true;
  }

  async search(req: SearchRequest): Promise<ScoredEventDoc[]> {
    const where = lanceWhere(req.filter);
    const text = req.text?.trim();
    if (text && (await this.ensureFts())) {
      try {
        let q = this.tbl()
          .query()
          .nearestTo(req.vector)
          .distanceType('cosine')
          .fullTextSearch(text)
          .rerank(await lancedb.rerankers.RRFReranker.create())
          .limit(req.limit);
        if (where) q = q.where(where);
        const rows = await q.toArray();
        return rows.map((r) => ({ ...fromRow(r), score: Number(r._relevance_score ?? 0) }));
      } catch {
        /* fall back to pure vector search (e.g. a query the FTS parser refuses) */
      }
    }
    let q = this.tbl().vectorSearch(req.vector).distanceType('cosine').limit(req.limit);
    if (where) q = q.where(where);
    const rows = await q.toArray();
    return rows.map((r) => ({ ...fromRow(r), score: 1 - Number(r._distance ?? 1) }));
  }

  async list(filter: EventFilter, limit: number): Promise<EventDoc[]> {
    let q = this.tbl()
      .query()
      .orderBy({ columnName: 'startMs', ascending: false })
      .limit(limit)
      .select(COLUMNS_WITHOUT_VECTOR);
    const where = lanceWhere(filter);
    if (where) q = q.where(where);
    return (await q.toArray()).map(fromRow);
  }

  async count(): Promise<number> {
    return this.tbl().countRows();
  }

  async check(): Promise<void> {
    await this.tbl().countRows();
  }

  async close(): Promise<void> {
    await this.ftsBuilding?.catch(() => {});
    this.table?.close();
    this.db?.close();
  }
}
