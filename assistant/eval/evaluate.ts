import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kvm } from '@nats-io/kv';
import { createLogger, createPool, kvBuckets, type NatsConnection } from '@sentinel/common';
import type { AssistantCitation } from '@sentinel/common/api/assistant';
import { z } from 'zod';
import { snapshotUrlSigner } from '../src/citations/citations.ts';
import { CameraStatusReader } from '../src/data/camera-status.ts';
import { Catalog } from '../src/data/catalog.ts';
import { LocalEmbedder } from '../src/embeddings/local-embedder.ts';
import { indexAlertEvent } from '../src/indexer/alert-indexer.ts';
import { EventIndex } from '../src/indexer/event-index.ts';
import { TrackIndexer } from '../src/indexer/track-indexer.ts';
import { Planner } from '../src/planner/planner.ts';
import { LanceDbStore } from '../src/store/lancedb-store.ts';
import type { ToolContext } from '../src/tools/context.ts';
import { searchEvents } from '../src/tools/tools.ts';
import { SCENARIO_NOW, seedScenario } from './scenario.ts';

export const goldenSchema = z.object({
  now: z.iso.datetime(),
  timeZone: z.string(),
  questions: z
    .array(
      z.object({
        id: z.string(),
        question: z.string(),
        intent: z.string(),
        contains: z.array(z.string()).default([]),
        citations: z.array(z.string()).default([]),
        relevant: z.array(z.string()).optional(),
        refusal: z.boolean().default(false),
      }),
    )
    .min(30),
});
export type Golden = z.infer<typeof goldenSchema>;

export function loadGolden(path = join(import.meta.dirname, 'golden.json')): Golden {
  return goldenSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
}

export type QuestionResult = {
  id: string;
  question: string;
  answer: string;
  intentExpected: string;
  intentParsed: string;
  exact: boolean;
  failures: string[];
  recallAt5: number | null;
  /** Recall@5 of the same search with the question text only (no camera/zone/label/time filters). */
  recallAt5TextOnly: number | null;
  ms: number;
};

export type EvalReport = {
  questions: number;
  exactness: number;
  intentAccuracy: number;
  recallAt5: number;
  recallAt5TextOnly: number;
  recallQuestions: number;
  documents: number;
  results: QuestionResult[];
};

/**
 * Seed the scenario into a fresh database and LanceDB folder, index it with the real indexer code,
 * ask every golden question of the offline planner, and score answers and retrieval.
 */
export async function runEvaluation(opts: {
  databaseUrl: string;
  nc?: NatsConnection;
  prefix: string;
  golden?: Golden;
  log?: (line: string) => void;
}): Promise<EvalReport> {
  const golden = opts.golden ?? loadGolden();
  const log = opts.log ?? (() => {});
  const pool = createPool(opts.databaseUrl, { max: 4 });
  const dir = mkdtempSync(join(tmpdir(), 'sentinel-assistant-eval-'));
  const statusKeys: string[] = [];
  const kv = opts.nc ? await new Kvm(opts.nc).open(kvBuckets.cameraStatus) : undefined;
  try {
    log('seeding scenario (cameras, zones, tracks, alerts, detections)');
    const { scenario, alertEvents } = await seedScenario(pool, opts.prefix);
    const embedder = new LocalEmbedder(512);
    const store = new LanceDbStore(dir, embedder.name);
    const index = new EventIndex(store, embedder);
    await index.init();
    const catalog = new Catalog(pool);
    const logger = createLogger('assistant-eval', 'warn');
    log(`indexing ${alertEvents.length} alert events and the tracks table`);
    for (const e of alertEvents) await indexAlertEvent(index, catalog, e, golden.timeZone);
    await new TrackIndexer(pool, index, catalog, {
      timeZone: golden.timeZone,
      settleSeconds: 1,
      pollSeconds: 60,
      logger,
    }).indexOnce();
    const documents = await store.count();

    if (kv) {
      const now = SCENARIO_NOW;
      const put = async (key: Parameters<Scenario['cameraId']>[0], value: Record<string, unknown>) => {
        const id = scenario.cameraId(key);
        statusKeys.push(id);
        await kv.put(
          id,
          JSON.stringify({
            cameraId: id,
            workerId: 'eval',
            since: now - 4 * 3_600_000,
            updatedAt: now,
            reconnects: 0,
            ...value,
          }),
        );
      };
      await put('front-door', { state: 'streaming', fps: 5 });
      await put('dock', { state: 'streaming', fps: 5 });
      await put('parking-lot', { state: 'offline', reason: 'unreachable' });
    }
    const ctx: ToolContext = {
      pool,
      index,
      catalog,
      ...(opts.nc ? { cameraStatus: new CameraStatusReader(opts.nc) } : {}),
      timeZone: golden.timeZone,
      snapshotUrl: snapshotUrlSigner({
        baseUrl: '',
        ttlSeconds: 600,
        secret: 'eval-url-signing-secret-0123456789abcdef',
      }),
    };
    const planner = new Planner(ctx);
    const nowMs = Date.parse(golden.now);
    const mapId = (ref: string) =>
      ref.replace(
        /^(track:)([a-z-]+):/,
        (_m, t: string, cam: string) => `${t}${scenario.cameraId(cam as never)}:`,
      );
    const citationKey = (c: AssistantCitation) => `${c.type}:${c.id}`;

    const results: QuestionResult[] = [];
    for (const q of golden.questions) {
      const started = performance.now();
      const r = await planner.answer(q.question, nowMs);
      const failures: string[] = [];
      const lower = r.answer.toLowerCase();
      for (const s of q.contains) if (!lower.includes(s.toLowerCase())) failures.push(`missing "${s}"`);
      const cited = new Set(r.citations.map(citationKey));
      for (const c of q.citations) if (!cited.has(mapId(c))) failures.push(`not cited: ${c}`);
      if (q.refusal && r.citations.length) failures.push('a refusal must not cite events');
      let recall: number | null = null;
      let recallText: number | null = null;
      if (q.relevant?.length) {
        const relevant = q.relevant;
        const score = (top: { data: unknown }) => {
          const got = new Set((top.data as { events: { ref: string }[] }).events.map((e) => e.ref));
          return relevant.filter((id) => got.has(mapId(id))).length / relevant.length;
        };
        recall = score(await planner.retrieve(q.question, r.parsed, 5));
        recallText = score(await searchEvents(ctx, { query: q.question, limit: 5 }));
      }
      results.push({
        id: q.id,
        question: q.question,
        answer: r.answer,
        intentExpected: q.intent,
        intentParsed: r.parsed.intent,
        exact: failures.length === 0,
        failures,
        recallAt5: recall,
        recallAt5TextOnly: recallText,
        ms: Math.round(performance.now() - started),
      });
      log(`${failures.length ? 'FAIL' : 'ok  '} ${q.id}${failures.length ? `: ${failures.join('; ')}` : ''}`);
    }
    const withRecall = results.filter((r) => r.recallAt5 !== null);
    await embedder.flush();
    await store.close();
    return {
      questions: results.length,
      exactness: results.filter((r) => r.exact).length / results.length,
      intentAccuracy: results.filter((r) => r.intentExpected === r.intentParsed).length / results.length,
      recallAt5: withRecall.reduce((s, r) => s + (r.recallAt5 ?? 0), 0) / Math.max(1, withRecall.length),
      recallAt5TextOnly:
        withRecall.reduce((s, r) => s + (r.recallAt5TextOnly ?? 0), 0) / Math.max(1, withRecall.length),
      recallQuestions: withRecall.length,
      documents,
      results,
    };
  } finally {
    if (kv) for (const k of statusKeys) await kv.purge(k).catch(() => {});
    await pool.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

type Scenario = Awaited<ReturnType<typeof seedScenario>>['scenario'];
