/** Messages between the main thread and a session worker (structured clone; buffers transferred). */
import type { DecodeOptions, InputSpec, ModelDetection } from '../decode/types.ts';

export type ExecutionProvider = 'cpu' | 'cuda';

/** What a worker is started with (workerData). */
export type WorkerInit = {
  /** Absolute path of the .onnx file. */
  modelPath: string;
  provider: ExecutionProvider;
  intraOpThreads: number;
  interOpThreads: number;
  input: InputSpec;
  /** Decoder to run in the worker; absent: only raw outputs. */
  decoder?: { format: 'centernet' | 'yolo'; outputName?: string };
  /** Outputs to fetch when no decoder says which (default: all). */
  outputNames?: string[];
  /** Run one batch of zeros at start (catches wrong shapes before any frame is sent). */
  warmup: boolean;
  /** Decode options for the warm-up check. */
  warmupDecode?: DecodeOptions;
};

export type ReadyMessage = {
  type: 'ready';
  provider: ExecutionProvider;
  /** Why the requested provider was not used. */
  fallbackReason?: string;
  inputNames: string[];
  outputNames: string[];
  loadMs: number;
  warmupMs?: number;
};

export type InitErrorMessage = { type: 'init-error'; message: string };

/**
 * Run one batch: `pixels` holds `count` RGB24 pictures of input.width x input.height back to back.
 * With `decode` (one per image), detections come back; with `raw`, the output tensors.
 */
export type RunRequest = {
  type: 'run';
  id: number;
  pixels: ArrayBuffer;
  count: number;
  decode?: DecodeOptions[];
  raw?: boolean;
};

export type RunTimings = { prepMs: number; runMs: number; decodeMs: number };

export type RunResult = {
  type: 'result';
  id: number;
  detections?: ModelDetection[][];
  outputs?: Record<string, { data: Float32Array; dims: number[] }>;
  timings: RunTimings;
};

export type RunError = { type: 'run-error'; id: number; message: string };

export type WorkerToMain = ReadyMessage | InitErrorMessage | RunResult | RunError;
export type MainToWorker = RunRequest | { type: 'close' };
