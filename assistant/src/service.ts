import { join } from 'node:path';
import type { Logger, NatsConnection, Pool } from '@sentinel/common';
import type { Registry } from 'prom-client';
import { LlmAgent } from './agent/llm-agent.ts';
import { Answerer } from './answer/answerer.ts';
import { type SnapshotUrlFn, snapshotUrlSigner } from './citations/citations.ts';
import type { AssistantConfig } from './config.ts';
import { CameraStatusReader } from './data/camera-status.ts';
import type { Catalog } from './data/catalog.ts';
import type { Embedder } from './embeddings/embedder.ts';
import { LocalEmbedder } from './embeddings/local-embedder.ts';
import { OpenAIEmbedder } from './embeddings/openai-embedder.ts';
import type { EventIndex } from './indexer/event-index.ts';
import { Planner } from './planner/planner.ts';
import { LanceDbStore } from './store/lancedb-store.ts';
import type { VectorStore } from './store/vector-store.ts';
import { WeaviateStore } from './store/weaviate-store.ts';
import type { ToolContext } from './tools/context.ts';
import { SpeechClient } from './voice/speech-client.ts';

/** The embedder the configuration asks for: remote when a model and base URL are set, else local. */
export function createEmbedder(cfg: AssistantConfig): Embedder {
  const baseURL = cfg.ASSISTANT_EMBEDDING_BASE_URL ?? cfg.ASSISTANT_OPENAI_BASE_URL;
  if (cfg.ASSISTANT_EMBEDDING_MODEL && baseURL)
    return new OpenAIEmbedder({
      baseURL,
      model: cfg.ASSISTANT_EMBEDDING_MODEL,
      ...(cfg.ASSISTANT_OPENAI_API_KEY ? { apiKey: cfg.ASSISTANT_OPENAI_API_KEY } : {}),
    });
  const dim = cfg.ASSISTANT_LOCAL_EMBEDDING_DIM;
  return new LocalEmbedder(dim, join(cfg.lancedbDir, `local-embedder-${dim}.json`));
}

export function createStore(cfg: AssistantConfig, embedder: Embedder): VectorStore {
  if (cfg.ASSISTANT_VECTOR_STORE === 'weaviate') {
    if (!cfg.WEAVIATE_URL) throw new Error('ASSISTANT_VECTOR_STORE=weaviate needs WEAVIATE_URL');
    return new WeaviateStore(cfg.WEAVIATE_URL, cfg.WEAVIATE_CLASS, cfg.WEAVIATE_API_KEY);
  }
  return new LanceDbStore(cfg.lancedbDir, embedder.name);
}

/** Everything that answers questions, built from configuration and open connections. */
export function createAnswering(
  cfg: AssistantConfig,
  deps: {
    pool: Pool;
    nc?: NatsConnection;
    index: EventIndex;
    catalog: Catalog;
    logger: Logger;
    snapshotUrl?: SnapshotUrlFn;
  },
) {
  const ctx: ToolContext = {
    pool: deps.pool,
    index: deps.index,
    catalog: deps.catalog,
    ...(deps.nc ? { cameraStatus: new CameraStatusReader(deps.nc) } : {}),
    timeZone: cfg.ASSISTANT_TIMEZONE,
    snapshotUrl:
      deps.snapshotUrl ??
      snapshotUrlSigner({
        baseUrl: '',
        ttlSeconds: cfg.GATEWAY_SNAPSHOT_URL_TTL_SECONDS,
        dataDir: cfg.SENTINEL_DATA_DIR,
      }),
  };
  const planner = new Planner(ctx);
  const chatURL = cfg.ASSISTANT_CHAT_BASE_URL ?? cfg.ASSISTANT_OPENAI_BASE_URL;
  const agent =
    cfg.ASSISTANT_CHAT_MODEL && chatURL
      ? new LlmAgent(ctx, {
          baseURL: chatURL,
          model: cfg.ASSISTANT_CHAT_MODEL,
          maxRounds: cfg.ASSISTANT_AGENT_MAX_ROUNDS,
          logger: deps.logger,
          ...(cfg.ASSISTANT_OPENAI_API_KEY ? { apiKey: cfg.ASSISTANT_OPENAI_API_KEY } : {}),
        })
      : undefined;
  const audioURL = cfg.ASSISTANT_AUDIO_BASE_URL ?? cfg.ASSISTANT_OPENAI_BASE_URL;
  const speech =
    cfg.ASSISTANT_TRANSCRIBE_MODEL && audioURL
      ? new SpeechClient({
          baseURL: audioURL,
          transcribeModel: cfg.ASSISTANT_TRANSCRIBE_MODEL,
          voice: cfg.ASSISTANT_SPEECH_VOICE,
          ...(cfg.ASSISTANT_SPEECH_MODEL ? { speechModel: cfg.ASSISTANT_SPEECH_MODEL } : {}),
          ...(cfg.ASSISTANT_OPENAI_API_KEY ? { apiKey: cfg.ASSISTANT_OPENAI_API_KEY } : {}),
        })
      : undefined;
  return { ctx, planner, agent, speech, answerer: new Answerer(planner, agent, deps.logger) };
}

export type { Registry };
