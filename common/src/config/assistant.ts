import { z } from 'zod';
import { optionalString, port, positiveInt, urlWithScheme } from './env-types.ts';

const optionalHttpUrl = () => urlWithScheme(['http', 'https']).optional();

/** Environment variables read by the assistant service (documented in .env.example). */
export const assistantEnv = {
  /** HTTP port of the assistant API (POST /query, /voice) and its /healthz /readyz /metrics. */
  ASSISTANT_PORT: port(9105),
  /** Interface the assistant binds to; 127.0.0.1 keeps it reachable only through the gateway. */
  ASSISTANT_HOST: z.string().min(1).default('127.0.0.1'),
  /** Vector store: 'lancedb' (embedded, on disk) or 'weaviate' (needs WEAVIATE_URL). */
  ASSISTANT_VECTOR_STORE: z
    .enum(['lancedb', 'weaviate'], { message: 'must be lancedb or weaviate' })
    .default('lancedb'),
  /** LanceDB folder; relative paths resolve against SENTINEL_DATA_DIR (default .data/lancedb). */
  ASSISTANT_LANCEDB_DIR: z.string().min(1).default('lancedb'),
  /** Weaviate base URL, e.g. http://weaviate:8080 (only with ASSISTANT_VECTOR_STORE=weaviate). */
  WEAVIATE_URL: optionalHttpUrl(),
  /** Weaviate API key (optional). */
  WEAVIATE_API_KEY: optionalString(),
  /** Weaviate class holding the event documents. */
  WEAVIATE_CLASS: z
    .string()
    .regex(/^[A-Z][A-Za-z0-9_]*$/, 'must be a Weaviate class name (starts with a capital letter)')
    .default('SentinelEvent'),
  /** Base URL of an OpenAI-compatible API (e.g. http://127.0.0.1:11434/v1); empty = offline mode. */
  ASSISTANT_OPENAI_BASE_URL: optionalHttpUrl(),
  /** API key for the OpenAI-compatible API (optional for local servers). */
  ASSISTANT_OPENAI_API_KEY: optionalString(),
  /** Embedding model; set (with a base URL) to use remote embeddings, empty = local hashed TF-IDF embedder. */
  ASSISTANT_EMBEDDING_MODEL: optionalString(),
  /** Base URL override for embeddings (defaults to ASSISTANT_OPENAI_BASE_URL). */
  ASSISTANT_EMBEDDING_BASE_URL: optionalHttpUrl(),
  /** Dimension of the local embedder's hashed vectors. */
  ASSISTANT_LOCAL_EMBEDDING_DIM: positiveInt(512),
  /** Chat model with tool calling; set (with a base URL) to answer with the LLM agent, empty = offline planner. */
  ASSISTANT_CHAT_MODEL: optionalString(),
  /** Base URL override for chat (defaults to ASSISTANT_OPENAI_BASE_URL). */
  ASSISTANT_CHAT_BASE_URL: optionalHttpUrl(),
  /** Transcription model for /voice (e.g. whisper-1); empty = voice answers 503. */
  ASSISTANT_TRANSCRIBE_MODEL: optionalString(),
  /** Base URL override for /v1/audio/* (defaults to ASSISTANT_OPENAI_BASE_URL). */
  ASSISTANT_AUDIO_BASE_URL: optionalHttpUrl(),
  /** Text-to-speech model for spoken replies (e.g. tts-1); empty = text replies only. */
  ASSISTANT_SPEECH_MODEL: optionalString(),
  /** Voice of the spoken reply. */
  ASSISTANT_SPEECH_VOICE: z.string().min(1).default('alloy'),
  /** IANA time zone used to read "yesterday", "at 10pm" and to print times in answers. */
  ASSISTANT_TIMEZONE: z
    .string()
    .refine(
      (tz) => {
        try {
          new Intl.DateTimeFormat('en-US', { timeZone: tz });
          return true;
        } catch {
          return false;
        }
      },
      { message: 'unknown IANA time zone' },
    )
    .default('UTC'),
  /** Largest accepted voice upload in bytes. */
  ASSISTANT_VOICE_MAX_BYTES: positiveInt(5 * 1024 * 1024),
  /** Longest accepted voice recording in seconds. */
  ASSISTANT_VOICE_MAX_SECONDS: positiveInt(30),
  /** Durable JetStream consumer name of the alert indexer. */
  ASSISTANT_INDEXER_CONSUMER: z.string().min(1).default('assistant-indexer'),
  /** Seconds between polls of the tracks table for finished tracks to index. */
  ASSISTANT_TRACK_POLL_SECONDS: positiveInt(15),
  /** A track is indexed once it has not been seen for this many seconds. */
  ASSISTANT_TRACK_SETTLE_SECONDS: positiveInt(10),
  /** Most tool-calling rounds of the LLM agent per question. */
  ASSISTANT_AGENT_MAX_ROUNDS: positiveInt(5),
};
