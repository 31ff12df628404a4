import weaviateModule, {
  ApiKey,
  type ConnectionParams,
  generateUuid5,
  type WeaviateClient,
  type WhereFilter,
} from 'weaviate-ts-client';

type WeaviateApp = { client: (params: ConnectionParams) => WeaviateClient };
/** The package's ESM build exports the app as default; its CJS-typed .d.ts hides that from tsc. */
const weaviate = ((weaviateModule as unknown as { default?: WeaviateApp }).default ??
  weaviateModule) as unknown as WeaviateApp;

import type { EmbeddedEventDoc, EventDoc, EventFilter, ScoredEventDoc } from '../events/event-doc.ts';
import type { SearchRequest, VectorStore } from './vector-store.ts';

const TEXT_PROPS = [
  'docId',
  'kind',
  'text',
  'cameraId',
  'cameraName',
  'alertId',
  'trackId',
  'snapshotKey',
  'severity',
  'status',
] as const;
const ARRAY_PROPS = ['labels', 'zoneIds', 'zoneNames'] as const;
const NUMBER_PROPS = ['startMs', 'endMs'] as const;
const FIELDS = [...TEXT_PROPS, ...ARRAY_PROPS, ...NUMBER_PROPS].join(' ');

/** The class definition: vectors come from our embedder (`vectorizer: none`). */
export function weaviateClassFor(className: string) {
  return {
    class: className,
    description: 'Sentinel event documents (alerts and tracks) for the assistant',
    vectorizer: 'none',
    vectorIndexConfig: { distance: 'cosine' },
    properties: [
      ...TEXT_PROPS.map((name) => ({
        name,
        dataType: ['text'],
        tokenization: name === 'text' || name === 'cameraName' ? 'word' : 'field',
        indexSearchable: name === 'text' || name === 'cameraName',
      })),
      ...ARRAY_PROPS.map((name) => ({
        name,
        dataType: ['text[]'],
        tokenization: name === 'zoneNames' ? 'word' : 'field',
      })),
      ...NUMBER_PROPS.map((name) => ({ name, dataType: ['number'] })),
    ],
  };
}

const anyOf = (path: string, values: string[]): WhereFilter =>
  values.length === 1
    ? { path: [path], operator: 'Equal', valueText: values[0] }
    : { operator: 'Or', operands: values.map((v) => ({ path: [path], operator: 'Equal', valueText: v })) };

/** Weaviate `where` filter for an event filter (camera, kind, labels, zones, time overlap). */
export function weaviateWhere(f: EventFilter | undefined): WhereFilter | undefined {
  if (!f) return undefined;
  const operands: WhereFilter[] = [];
  if (f.cameraIds?.length) operands.push(anyOf('cameraId', f.cameraIds));
  if (f.kinds?.length) operands.push(anyOf('kind', f.kinds));
  if (f.labels?.length)
    operands.push({ path: ['labels'], operator: 'ContainsAny', valueTextArray: f.labels });
  if (f.zoneIds?.length)
    operands.push({ path: ['zoneIds'], operator: 'ContainsAny', valueTextArray: f.zoneIds });
  if (f.fromMs !== undefined)
    operands.push({ path: ['endMs'], operator: 'GreaterThanEqual', valueNumber: f.fromMs });
  if (f.toMs !== undefined) operands.push({ path: ['startMs'], operator: 'LessThan', valueNumber: f.toMs });
  if (operands.length === 0) return undefined;
  return operands.length === 1 ? operands[0] : { operator: 'And', operands };
}

function fromObject(o: Record<string, unknown>): EventDoc {
  const s = (k: string) => (o[k] ? String(o[k]) : null);
  const a = (k: string) => (Array.isArray(o[k]) ? (o[k] as unknown[]).map(String) : []);
  return {
    id: String(o.docId),
    kind: o.kind as EventDoc['kind'],
    text: String(o.text ?? ''),
    cameraId: String(o.cameraId),
    cameraName: String(o.cameraName ?? o.cameraId),
    labels: a('labels'),
    zoneIds: a('zoneIds'),
    zoneNames: a('zoneNames'),
    startMs: Number(o.startMs),
    endMs: Number(o.endMs),
    alertId: s('alertId'),
    trackId: s('trackId'),
    snapshotKey: s('snapshotKey'),
    severity: s('severity'),
    status: s('status'),
  };
}

type GqlResult = {
  data?: Record<string, Record<string, Record<string, unknown>[]>>;
  errors?: { message: string }[];
};

/**
 * Weaviate adapter (weaviate-ts-client, REST + GraphQL). Object ids are UUIDv5 of the document id,
 * so re-imports replace. Batch imports check every object's result and fail listing the errors.
 * Search: hybrid (BM25 on `text` + our vector) when there is query text, else nearVector; both with
 * the `where` filter. Verified here only against the HTTP double in test/weaviate-double.ts.
 */
export class WeaviateStore implements VectorStore {
  readonly name = 'weaviate';
  private readonly client: WeaviateClient;

  constructor(
    url: string,
    private readonly className: string,
    apiKey?: string,
  ) {
    const u = new URL(url);
    this.client = weaviate.client({
      scheme: u.protocol.replace(':', ''),
      host: u.host,
      ...(apiKey ? { apiKey: new ApiKey(apiKey) } : {}),
    });
  }

  async init(_dim: number): Promise<void> {
    await this.client.misc.metaGetter().do();
    const schema = await this.client.schema.getter().do();
    if (!(schema.classes ?? []).some((c) => c.class === this.className))
      await this.client.schema.classCreator().withClass(weaviateClassFor(this.className)).do();
  }

  async upsert(docs: EmbeddedEventDoc[]): Promise<void> {
    if (docs.length === 0) return;
    let batcher = this.client.batch.objectsBatcher();
    for (const { vector, ...d } of docs) {
      batcher = batcher.withObject({
        class: this.className,
        id: generateUuid5(d.id),
        vector,
        properties: {
          docId: d.id,
          kind: d.kind,
          text: d.text,
          cameraId: d.cameraId,
          cameraName: d.cameraName,
          labels: d.labels,
          zoneIds: d.zoneIds,
          zoneNames: d.zoneNames,
          startMs: d.startMs,
          endMs: d.endMs,
          alertId: d.alertId ?? '',
          trackId: d.trackId ?? '',
          snapshotKey: d.snapshotKey ?? '',
          severity: d.severity ?? '',
          status: d.status ?? '',
        },
      });
    }
    const results = await batcher.do();
    const failures = results.flatMap((r) =>
      (r.result?.errors?.error ?? []).map((e) => `${r.properties?.docId ?? r.id}: ${e.message}`),
    );
    if (results.length !== docs.length)
      failures.push(`batch returned ${results.length} results for ${docs.length} objects`);
    if (failures.length)
      throw new Error(
        `weaviate batch import failed for ${failures.length} object(s): ${failures.join('; ')}`,
      );
  }

  private async get_(
    build: (g: ReturnType<WeaviateClient['graphql']['get']>) => typeof g,
    extra = '',
  ): Promise<Record<string, unknown>[]> {
    const g = build(
      this.client.graphql
        .get()
        .withClassName(this.className)
        .withFields(`${FIELDS} _additional { id ${extra} }`),
    );
    const res = (await g.do()) as GqlResult;
    if (res.errors?.length)
      throw new Error(`weaviate graphql: ${res.errors.map((e) => e.message).join('; ')}`);
    return res.data?.Get?.[this.className] ?? [];
  }

  async get(ids: string[]): Promise<EventDoc[]> {
    if (ids.length === 0) return [];
    const rows = await this.get_((g) => g.withWhere(anyOf('docId', ids)).withLimit(ids.length));
    return rows.map(fromObject);
  }

  async search(req: SearchRequest): Promise<ScoredEventDoc[]> {
    const where = weaviateWhere(req.filter);
    const text = req.text?.trim();
    const rows = await this.get_(
      (g) => {
        let q = text
          ? g.withHybrid({ query: text, vector: req.vector, alpha: 0.5, properties: ['text'] })
          : g.withNearVector({ vector: req.vector });
        if (where) q = q.withWhere(where);
        return q.withLimit(req.limit);
      },
      text ? 'score' : 'distance',
    );
    return rows.map((r) => {
      const add = (r._additional ?? {}) as { score?: string | number; distance?: number };
      const score = text ? Number(add.score ?? 0) : 1 - Number(add.distance ?? 1);
      return { ...fromObject(r), score };
    });
  }

  async list(filter: EventFilter, limit: number): Promise<EventDoc[]> {
    const where = weaviateWhere(filter);
    const rows = await this.get_((g) => {
      let q = g.withSort([{ path: ['startMs'], order: 'desc' }]).withLimit(limit);
      if (where) q = q.withWhere(where);
      return q;
    });
    return rows.map(fromObject);
  }

  async count(): Promise<number> {
    const res = (await this.client.graphql
      .aggregate()
      .withClassName(this.className)
      .withFields('meta { count }')
      .do()) as {
      data?: { Aggregate?: Record<string, { meta?: { count?: number } }[]> };
      errors?: { message: string }[];
    };
    if (res.errors?.length)
      throw new Error(`weaviate graphql: ${res.errors.map((e) => e.message).join('; ')}`);
    return res.data?.Aggregate?.[this.className]?.[0]?.meta?.count ?? 0;
  }

  async check(): Promise<void> {
    await this.client.misc.metaGetter().do();
  }

  async close(): Promise<void> {}
}
