/**
 * A pool of worker threads, each holding one onnxruntime session of the same model. Requests go to an
 * idle worker, else wait in a FIFO queue. A worker that dies is replaced; its request fails with a
 * clear error and the pool goes on.
 */
import { Worker } from 'node:worker_threads';
import type { DecodeOptions, ModelDetection } from '../decode/types.ts';
import type {
  ExecutionProvider,
  ReadyMessage,
  RunResult,
  RunTimings,
  WorkerInit,
  WorkerToMain,
} from './protocol.ts';

export type PoolOptions = Omit<WorkerInit, 'warmup'> & {
  workers: number;
  warmup?: boolean;
  /** Longest a worker may take to load the model. */
  loadTimeoutMs?: number;
};

export type DetectResult = { detections: ModelDetection[][]; timings: RunTimings };
export type RawResult = {
  outputs: Record<string, { data: Float32Array; dims: number[] }>;
  timings: RunTimings;
};

type Job = {
  pixels: ArrayBuffer;
  count: number;
  decode?: DecodeOptions[];
  raw?: boolean;
  resolve: (r: RunResult) => void;
  reject: (e: Error) => void;
};

type Slot = { worker: Worker; busy?: { id: number; job: Job }; ready: ReadyMessage };

const WORKER_URL = new URL('./session-worker.ts', import.meta.url);

/** Worker threads need the TypeScript loader when we run from sources. */
function workerExecArgv(): string[] {
  if (import.meta.url.endsWith('.ts')) return ['--import', import.meta.resolve('tsx')];
  return [];
}

function spawn(init: WorkerInit, timeoutMs: number): Promise<{ worker: Worker; ready: ReadyMessage }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_URL, { workerData: init, execArgv: workerExecArgv() });
    const timer = setTimeout(() => {
      void worker.terminate();
      reject(new Error(`loading ${init.modelPath} took longer than ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (m: WorkerToMain) => {
      if (m.type === 'ready') {
        cleanup();
        resolve({ worker, ready: m });
      } else if (m.type === 'init-error') {
        cleanup();
        void worker.terminate();
        reject(new Error(m.message));
      }
    };
    const onError = (err: Error) => {
      cleanup();
      reject(new Error(`session worker failed while loading ${init.modelPath}: ${err.message}`));
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new Error(`session worker exited (${code}) while loading ${init.modelPath}`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}

export class SessionPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  private readonly init: WorkerInit;

  private constructor(
    private readonly opts: PoolOptions,
    readonly ready: ReadyMessage,
  ) {
    this.init = { ...opts, warmup: false };
  }

  /** Start `workers` sessions in parallel; rejects (and stops them all) when any fails to load. */
  static async create(opts: PoolOptions): Promise<SessionPool> {
    if (!(opts.workers >= 1)) throw new Error('workers must be >= 1');
    const init: WorkerInit = { ...opts, warmup: opts.warmup ?? true };
    const timeout = opts.loadTimeoutMs ?? 120_000;
    const started = await Promise.allSettled(
      Array.from({ length: opts.workers }, () => spawn(init, timeout)),
    );
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) {
      for (const s of started) if (s.status === 'fulfilled') await s.value.worker.terminate();
      throw (failed as PromiseRejectedResult).reason;
    }
    const ok = started as Array<PromiseFulfilledResult<{ worker: Worker; ready: ReadyMessage }>>;
    const pool = new SessionPool(opts, ok[0]!.value.ready);
    for (const s of ok) pool.attach(s.value.worker, s.value.ready);
    return pool;
  }

  get provider(): ExecutionProvider {
    return this.ready.provider;
  }

  get size(): number {
    return this.slots.length;
  }

  /** Requests running or waiting. */
  get load(): number {
    return this.queue.length + this.slots.filter((s) => s.busy).length;
  }

  /** Run the detector on `count` model-sized RGB24 pictures packed in `pixels`; one DecodeOptions each. */
  async detect(pixels: ArrayBuffer, count: number, decode: DecodeOptions[]): Promise<DetectResult> {
    const r = await this.submit({ pixels, count, decode });
    return { detections: r.detections ?? [], timings: r.timings };
  }

  /** The raw output tensors (benchmarks, validation). */
  async runRaw(pixels: ArrayBuffer, count: number): Promise<RawResult> {
    const r = await this.submit({ pixels, count, raw: true });
    return { outputs: r.outputs ?? {}, timings: r.timings };
  }

  /** Stop the workers after the running requests; waiting ones fail. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('session pool closed'));
    await Promise.all(
      this.slots.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.worker.once('exit', () => resolve());
            s.worker.postMessage({ type: 'close' });
            setTimeout(() => void s.worker.terminate(), 5000).unref();
          }),
      ),
    );
  }

  private submit(job: Omit<Job, 'resolve' | 'reject'>): Promise<RunResult> {
    if (this.closed) return Promise.reject(new Error('session pool closed'));
    return new Promise<RunResult>((resolve, reject) => {
      this.queue.push({ ...job, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.busy) continue;
      const job = this.queue.shift()!;
      const id = this.nextId++;
      slot.busy = { id, job };
      slot.worker.postMessage(
        { type: 'run', id, pixels: job.pixels, count: job.count, decode: job.decode, raw: job.raw },
        [job.pixels],
      );
    }
  }

  private attach(worker: Worker, ready: ReadyMessage): void {
    const slot: Slot = { worker, ready };
    this.slots.push(slot);
    worker.on('message', (m: WorkerToMain) => {
      if ((m.type !== 'result' && m.type !== 'run-error') || slot.busy?.id !== m.id) return;
      const { job } = slot.busy;
      slot.busy = undefined;
      if (m.type === 'result') job.resolve(m);
      else job.reject(new Error(m.message));
      this.dispatch();
    });
    worker.on('error', () => undefined); // 'exit' follows
    worker.on('exit', (code) => {
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots.splice(i, 1);
      if (slot.busy) slot.busy.job.reject(new Error(`session worker exited (${code}) during a run`));
      if (this.closed) return;
      // Replace the dead worker so the pool keeps its size.
      spawn({ ...this.init, warmup: false }, this.opts.loadTimeoutMs ?? 120_000).then(
        (s) => {
          if (this.closed) void s.worker.terminate();
          else {
            this.attach(s.worker, s.ready);
            this.dispatch();
          }
        },
        () => {
          if (this.slots.length === 0)
            for (const job of this.queue.splice(0)) job.reject(new Error('no session worker left'));
        },
      );
    });
  }
}
