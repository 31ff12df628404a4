import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LocalEmbedder } from '../src/embeddings/local-embedder.ts';
import type { EventDoc } from '../src/events/event-doc.ts';
import { EventIndex } from '../src/indexer/event-index.ts';
import { LanceDbStore } from '../src/store/lancedb-store.ts';
import type { VectorStore } from '../src/store/vector-store.ts';
import { WeaviateStore, weaviateWhere } from '../src/store/weaviate-store.ts';
import { startWeaviateDouble } from './doubles/weaviate-double.ts';

const H = 3_600_000;
const T0 = Date.parse('2026-11-19T00:00:00Z');
const doc = (id: string, over: Partial<EventDoc>): EventDoc => ({
  id,
  kind: 'track',
  text: '',
  cameraId: 'dock',
  cameraName: 'Dock',
  labels: ['person'],
  zoneIds: [],
  zoneNames: [],
  startMs: T0,
  endMs: T0 + 60_000,
  alertId: null,
  trackId: id.split(':').at(-1) ?? null,
  snapshotKey: null,
  severity: null,
  status: null,
  ...over,
});

const DOCS: EventDoc[] = [
  doc('track:dock:1', {
    text: "person entered zone 'Loading bay' on camera 'Dock' at 08:05",
    zoneIds: ['bay'],
    zoneNames: ['Loading bay'],
    startMs: T0 + 8 * H,
    endMs: T0 + 8 * H + 60_000,
  }),
  doc('track:dock:2', {
    text: "truck parked in zone 'Loading bay' on camera 'Dock'",
    labels: ['truck'],
    zoneIds: ['bay'],
    zoneNames: ['Loading bay'],
    startMs: T0 + 9 * H,
    endMs: T0 + 10 * H,
  }),
  doc('track:lot:3', {
    text: "car seen on camera 'Parking Lot' near the entrance",
    cameraId: 'lot',
    cameraName: 'Parking Lot',
    labels: ['car'],
    startMs: T0 + 12 * H,
    endMs: T0 + 12 * H + 30_000,
  }),
  doc('alert:A-9', {
    kind: 'alert',
    text: "person loitered in zone 'Porch' on camera 'Front Door', alert A-9",
    cameraId: 'front',
    cameraName: 'Front Door',
    zoneIds: ['porch'],
    zoneNames: ['Porch'],
    alertId: 'A-9',
    trackId: null,
    snapshotKey: 'front/A-9.jpg',
    severity: 'warning',
    status: 'open',
    startMs: T0 + 20 * H,
    endMs: T0 + 20 * H + 90_000,
  }),
  doc('track:dock:4', {
    text: "dog running on camera 'Dock'",
    labels: ['dog'],
    startMs: T0 + 23 * H,
    endMs: T0 + 23 * H + 10_000,
  }),
];

/** The behaviour both adapters must have, run against each. */
function storeContract(
  name: string,
  open: () => Promise<{ store: VectorStore; cleanup: () => Promise<void> }>,
) {
  describe(`${name} store`, () => {
    let store: VectorStore;
    let cleanup: () => Promise<void>;
    let index: EventIndex;
    before(async () => {
      ({ store, cleanup } = await open());
      index = new EventIndex(store, new LocalEmbedder(256));
      await index.init();
      await index.upsert(DOCS);
    });
    after(() => cleanup());

    it('stores documents with their metadata and replaces them by id', async () => {
      assert.equal(await store.count(), DOCS.length);
      const [a9] = await store.get(['alert:A-9']);
      assert.deepEqual(a9, DOCS[3]);
      await index.upsert([{ ...DOCS[3]!, status: 'resolved', endMs: T0 + 21 * H }]);
      assert.equal(await store.count(), DOCS.length);
      const [updated] = await store.get(['alert:A-9']);
      assert.equal(updated?.status, 'resolved');
      assert.equal(updated?.endMs, T0 + 21 * H);
      assert.deepEqual(await store.get(['nope']), []);
    });

    it('filters by camera, time overlap, labels, zones and kind', async () => {
      const ids = async (f: Parameters<VectorStore['list']>[0]) =>
        (await store.list(f, 50)).map((d) => d.id).sort();
      assert.deepEqual(await ids({ cameraIds: ['dock'] }), ['track:dock:1', 'track:dock:2', 'track:dock:4']);
      assert.deepEqual(await ids({ cameraIds: ['dock', 'lot'], labels: ['truck', 'car'] }), [
        'track:dock:2',
        'track:lot:3',
      ]);
      // Overlap: the truck (09:00-10:00) overlaps 09:30-11:00; the 08:05 person does not.
      assert.deepEqual(await ids({ fromMs: T0 + 9.5 * H, toMs: T0 + 11 * H }), ['track:dock:2']);
      assert.deepEqual(await ids({ zoneIds: ['bay'] }), ['track:dock:1', 'track:dock:2']);
      assert.deepEqual(await ids({ kinds: ['alert'] }), ['alert:A-9']);
      assert.deepEqual(await ids({ cameraIds: ["x' OR '1'='1"] }), []);
      const newestFirst = (await store.list({}, 2)).map((d) => d.id);
      assert.deepEqual(newestFirst, ['track:dock:4', 'alert:A-9']);
    });

    it('ranks by meaning and keywords within the filter', async () => {
      const top = await index.search('parked truck in the loading bay', undefined, 3);
      assert.equal(top[0]?.id, 'track:dock:2');
      const loiter = await index.search('loitering at the porch', undefined, 2);
      assert.equal(loiter[0]?.id, 'alert:A-9');
      const filtered = await index.search('parked truck in the loading bay', { labels: ['dog'] }, 5);
      assert.deepEqual(
        filtered.map((d) => d.id),
        ['track:dock:4'],
      );
      const none = await index.search('person', { cameraIds: ['garden'] }, 5);
      assert.deepEqual(none, []);
    });
  });
}

storeContract('lancedb', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sentinel-lance-'));
  const store = new LanceDbStore(dir, 'test');
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

let weaviate: Awaited<ReturnType<typeof startWeaviateDouble>>;
storeContract('weaviate (HTTP double)', async () => {
  weaviate = await startWeaviateDouble();
  return { store: new WeaviateStore(weaviate.url, 'SentinelEventTest'), cleanup: () => weaviate.close() };
});

describe('weaviate adapter wire behaviour', () => {
  it('creates the class with vectorizer none once and calls the documented endpoints', async () => {
    const w = await startWeaviateDouble();
    try {
      const store = new WeaviateStore(w.url, 'SentinelEvent');
      await store.init(4);
      await store.init(4);
      const cls = w.classes.get('SentinelEvent');
      assert.equal(cls?.vectorizer, 'none');
      assert.ok(cls?.properties?.some((p) => p.name === 'startMs' && p.dataType[0] === 'number'));
      assert.equal(w.requests.filter((r) => r.method === 'POST' && r.url === '/v1/schema').length, 1);
      assert.ok(w.requests.some((r) => r.url === '/v1/meta'));
    } finally {
      await w.close();
    }
  });

  it('fails a batch import listing each rejected object', async () => {
    const w = await startWeaviateDouble();
    try {
      const store = new WeaviateStore(w.url, 'SentinelEvent');
      await store.init(3);
      await store.upsert([{ ...DOCS[0]!, vector: [1, 0, 0] }]);
      await assert.rejects(
        store.upsert([
          { ...DOCS[1]!, vector: [0, 1, 0] },
          { ...DOCS[2]!, vector: [0, 1] },
        ]),
        (err: Error) =>
          err.message.includes('1 object(s)') &&
          err.message.includes('track:lot:3') &&
          err.message.includes('length 2'),
      );
      assert.equal(await store.count(), 2);
    } finally {
      await w.close();
    }
  });

  it('builds where filters for camera, labels and time range', () => {
    assert.deepEqual(weaviateWhere({ cameraIds: ['dock'], labels: ['car', 'truck'], fromMs: 10, toMs: 20 }), {
      operator: 'And',
      operands: [
        { path: ['cameraId'], operator: 'Equal', valueText: 'dock' },
        { path: ['labels'], operator: 'ContainsAny', valueTextArray: ['car', 'truck'] },
        { path: ['endMs'], operator: 'GreaterThanEqual', valueNumber: 10 },
        { path: ['startMs'], operator: 'LessThan', valueNumber: 20 },
      ],
    });
    assert.equal(weaviateWhere({}), undefined);
  });
});

describe('local embedder', () => {
  it('is deterministic, L2-normalised and needs no weights', async () => {
    const e = new LocalEmbedder(256);
    const [a, b] = await e.embed(
      ['person entered the loading bay', 'person entered the loading bay'],
      'query',
    );
    assert.deepEqual(a, b);
    assert.equal(a!.length, 256);
    assert.ok(Math.abs(Math.hypot(...a!) - 1) < 1e-9);
    const [zero] = await e.embed([''], 'query');
    assert.ok(zero!.every((x) => x === 0));
  });

  it('places related texts closer than unrelated ones, and learns IDF from documents', async () => {
    const e = new LocalEmbedder(512);
    const dot = (x: number[], y: number[]) => x.reduce((s, v, i) => s + v * y[i]!, 0);
    const corpus = Array.from(
      { length: 20 },
      (_, i) => `person seen on camera 'Dock' at 08:${String(i).padStart(2, '0')}, track ${i}`,
    );
    corpus.push("truck parked in zone 'Loading bay' on camera 'Dock'");
    await e.embed(corpus, 'document');
    const [q, truck, person] = await e.embed(['parked truck', corpus.at(-1)!, corpus[0]!], 'query');
    assert.ok(dot(q!, truck!) > dot(q!, person!) + 0.1);
    // Template words shared by every document weigh less than the rare ones.
    const [seen] = await e.embed(['seen camera'], 'query');
    const [parked] = await e.embed(['parked loading'], 'query');
    assert.ok(dot(parked!, truck!) > dot(seen!, truck!));
  });

  it('persists its document frequencies', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sentinel-emb-'));
    try {
      const path = join(dir, 'df.json');
      const a = new LocalEmbedder(64, path);
      await a.embed(['alpha beta', 'alpha gamma', 'alpha delta'], 'document');
      await a.flush();
      const b = new LocalEmbedder(64, path);
      const fresh = new LocalEmbedder(64);
      assert.deepEqual(await b.embed(['beta'], 'query'), await a.embed(['beta'], 'query'));
      assert.notDeepEqual(await fresh.embed(['alpha beta'], 'query'), await a.embed(['alpha beta'], 'query'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
