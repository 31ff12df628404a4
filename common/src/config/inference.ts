import { z } from 'zod';
import { bool, nonNegativeInt, optionalString, port, positiveInt } from './env-types.ts';

const fraction = (def: number) =>
  z.coerce.number({ message: 'must be a number' }).min(0, 'must be >= 0').max(1, 'must be <= 1').default(def);

/** `label=score,label=score` (e.g. `person=0.5,car=0.6`) → { person: 0.5, car: 0.6 }. */
const labelScores = () =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      const out: Record<string, number> = {};
      for (const part of (v ?? '').split(',').map((p) => p.trim())) {
        if (!part) continue;
        const m = /^([^=\s]+)\s*=\s*([0-9.]+)$/.exec(part);
        const score = m ? Number(m[2]) : Number.NaN;
        if (!m || !(score >= 0 && score <= 1)) {
          ctx.addIssue({ code: 'custom', message: `'${part}' is not label=score with a score in 0..1` });
          return z.NEVER;
        }
        out[m[1]!] = score;
      }
      return out;
    });

/** `low,high` with 0 <= low < high <= 1. */
const band = (def: string) =>
  z
    .string()
    .default(def)
    .transform((v, ctx) => {
      const [lo, hi] = v.split(',').map((s) => Number(s.trim()));
      if (!(lo !== undefined && hi !== undefined && lo >= 0 && lo < hi && hi <= 1)) {
        ctx.addIssue({ code: 'custom', message: 'must be low,high with 0 <= low < high <= 1' });
        return z.NEVER;
      }
      return [lo, hi] as [number, number];
    });

/** Environment variables read by the inference service (documented in .env.example). */
export const inferenceEnv = {
  /** HTTP port of /healthz, /readyz and /metrics. */
  INFERENCE_OPS_PORT: port(9102),
  /** Worker threads (onnxruntime sessions) per loaded model. */
  INFERENCE_WORKERS: positiveInt(1),
  /** onnxruntime intra-op threads per session (the cores one inference may use). */
  INFERENCE_INTRA_OP_THREADS: positiveInt(2),
  /** onnxruntime inter-op threads per session. */
  INFERENCE_INTER_OP_THREADS: positiveInt(1),
  /** Execution provider: `auto` follows each model's registry entry; `cuda` falls back to cpu (logged). */
  INFERENCE_PROVIDER: z
    .enum(['auto', 'cpu', 'cuda'], { message: 'must be auto, cpu or cuda' })
    .default('auto'),
  /** Most frames (camera regions) in one batch. */
  INFERENCE_MAX_BATCH: positiveInt(4),
  /** Longest the oldest waiting frame waits for a fuller batch (≈ one frame interval at 5 fps); 0 = none. */
  INFERENCE_MAX_BATCH_DELAY_MS: nonNegativeInt(200),
  /** Frames captured longer ago than this are dropped, not detected (fresh over complete). */
  INFERENCE_MAX_FRAME_AGE_MS: positiveInt(500),
  /** Batches running at once per model; 0 = one per worker. */
  INFERENCE_MAX_IN_FLIGHT: nonNegativeInt(0),
  /** Model id used when the registry (KV `models`) names no active model. */
  INFERENCE_DEFAULT_MODEL_ID: z.string().min(1).default('centernet-mbv3-coco'),
  /** Minimum score of a published detection. */
  INFERENCE_MIN_SCORE: fraction(0.5),
  /** Per-label minimum scores overriding INFERENCE_MIN_SCORE, e.g. `person=0.5,car=0.6`. */
  INFERENCE_CLASS_THRESHOLDS: labelScores(),
  /** Boxes of one class overlapping more than this IoU are merged (NMS). */
  INFERENCE_NMS_IOU: fraction(0.5),
  /** Only these labels are published (comma-separated); empty = all. */
  INFERENCE_LABELS: optionalString(),
  /** Tracker: an unmatched moving object is kept this long (ms) before its track ends. */
  INFERENCE_TRACK_MAX_LOST_MS: positiveInt(2000),
  /** Tracker: the same for a stationary object (parked car behind a passing truck). */
  INFERENCE_TRACK_MAX_LOST_STATIONARY_MS: positiveInt(60_000),
  /** Tracker: time without moving before an object is flagged stationary. */
  INFERENCE_STATIONARY_MS: positiveInt(3000),
  /** Hard-example miner on/off. */
  INFERENCE_MINER_ENABLED: bool(true),
  /** Uncertainty band `low,high` for low-confidence examples. */
  INFERENCE_MINER_BAND: band('0.35,0.6'),
  /** Hard examples per camera per hour (automatic policies). */
  INFERENCE_MINER_MAX_PER_HOUR: nonNegativeInt(30),
  /** Minimum time between two automatic hard examples of one camera. */
  INFERENCE_MINER_MIN_INTERVAL_MS: nonNegativeInt(10_000),
};
