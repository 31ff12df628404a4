import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '@sentinel/common';
import { loadAssistantConfig } from '../src/config.ts';
import { LocalEmbedder } from '../src/embeddings/local-embedder.ts';
import { OpenAIEmbedder } from '../src/embeddings/openai-embedder.ts';
import { createAnswering, createEmbedder, createStore } from '../src/service.ts';
import { LanceDbStore } from '../src/store/lancedb-store.ts';
import { WeaviateStore } from '../src/store/weaviate-store.ts';

describe('assistant configuration', () => {
  it('defaults to the offline, embedded setup on 127.0.0.1:9105', () => {
    const cfg = loadAssistantConfig({ SENTINEL_DATA_DIR: '/tmp/sentinel-x' });
    assert.equal(cfg.ASSISTANT_PORT, 9105);
    assert.equal(cfg.ASSISTANT_HOST, '127.0.0.1');
    assert.equal(cfg.lancedbDir, '/tmp/sentinel-x/lancedb');
    assert.ok(createEmbedder(cfg) instanceof LocalEmbedder);
    assert.ok(createStore(cfg, createEmbedder(cfg)) instanceof LanceDbStore);
  });

  it('switches to remote embeddings, the agent, voice and Weaviate when configured', () => {
    const cfg = loadAssistantConfig({
      ASSISTANT_OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1',
      ASSISTANT_EMBEDDING_MODEL: 'nomic-embed-text',
      ASSISTANT_CHAT_MODEL: 'llama3.1',
      ASSISTANT_TRANSCRIBE_MODEL: 'whisper-1',
      ASSISTANT_VECTOR_STORE: 'weaviate',
      WEAVIATE_URL: 'http://127.0.0.1:8080',
    });
    assert.ok(createEmbedder(cfg) instanceof OpenAIEmbedder);
    assert.ok(createStore(cfg, createEmbedder(cfg)) instanceof WeaviateStore);
    const a = createAnswering(cfg, {
      pool: {} as never,
      index: {} as never,
      catalog: {} as never,
      logger: {} as never,
      snapshotUrl: () => null,
    });
    assert.equal(a.answerer.mode, 'agent');
    assert.ok(a.speech);
    assert.equal(a.speech.canSpeak, false);
  });

  it('names every invalid variable', () => {
    assert.throws(
      () =>
        loadAssistantConfig({
          ASSISTANT_VECTOR_STORE: 'pinecone',
          ASSISTANT_TIMEZONE: 'Mars/Olympus',
          WEAVIATE_URL: 'ftp://x',
        }),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.issues.some((i) => i.startsWith('ASSISTANT_VECTOR_STORE: must be lancedb or weaviate')) &&
        err.issues.some((i) => i.startsWith('ASSISTANT_TIMEZONE: unknown IANA time zone')) &&
        err.issues.some((i) => i.startsWith('WEAVIATE_URL: must be a URL')),
    );
    assert.throws(
      () => createStore(loadAssistantConfig({ ASSISTANT_VECTOR_STORE: 'weaviate' }), new LocalEmbedder(8)),
      /needs WEAVIATE_URL/,
    );
  });
});
