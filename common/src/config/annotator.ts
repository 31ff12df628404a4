import { z } from 'zod';
import { nonNegativeInt, port, positiveInt } from './env-types.ts';

/** Environment variables read by the annotator service (documented in .env.example). */
export const annotatorEnv = {
  /** HTTP port of the annotator: its API (/api/v1/annotation/*), web app (/annotator/) and ops routes. */
  ANNOTATOR_OPS_PORT: port(9104),
  /** Interface the annotator listens on (the gateway proxies to it). */
  ANNOTATOR_HOST: z.string().min(1).default('127.0.0.1'),
  /** Seconds a task stays leased to an annotator without a heartbeat before it returns to the queue. */
  ANNOTATOR_LEASE_SECONDS: positiveInt(120),
  /** Durable JetStream consumer name of the hard-example intake on annotate.candidates.>. */
  ANNOTATOR_INTAKE_DURABLE: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 chars of letters, digits, _ or -')
    .default('annotator-intake'),
  /**
   * Where a new intake consumer starts: `all` (default) also takes the candidates already in the
   * HARD_EXAMPLES stream, `new` only those published from now on. An existing durable keeps its position.
   */
  ANNOTATOR_INTAKE_DELIVER_POLICY: z.enum(['all', 'new'], { message: 'must be all or new' }).default('all'),
  /** Hamming distance (of 64) between frame hashes at or under which two frames of one track are near-identical. */
  ANNOTATOR_DEDUP_HAMMING: nonNegativeInt(6),
  /** Seconds back in time to look for near-identical frames of the same track. */
  ANNOTATOR_DEDUP_WINDOW_SECONDS: positiveInt(600),
  /** Folder (relative to SENTINEL_DATA_DIR unless absolute) for copied frames, export zips and uploaded models. */
  ANNOTATOR_STORAGE_DIR: z.string().min(1).default('annotator'),
  /** Largest accepted ONNX model upload, in megabytes. */
  ANNOTATOR_MAX_MODEL_MB: positiveInt(512),
};
