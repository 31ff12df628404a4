/**
 * Which model each camera runs, and the loaded models themselves.
 *
 * - The registry is KV `models` (key = model id, value = ModelInfo); the default model is the entry
 *   flagged `active`, else `defaultModelId` (with a built-in fallback entry when KV has none).
 * - A camera asks for a model (frame.modelId / camera.modelId, else the default). When that model is
 *   not loaded yet it is loaded in the background while the camera keeps its previous model; an
 *   unknown id or a file that fails to load is logged with a clear error, and the camera stays on its
 *   previous model (or the default). Nothing is dropped while switching.
 * - Hot swap: when a loaded model's entry changes (new file, size, labels...), the new version loads
 *   beside the old one; frames keep flowing to the old one until the new one is ready, then batches
 *   move over and the old sessions close once their running batches are done. A failed reload keeps
 *   the old version.
 */
import type { Logger, ModelInfo, NatsConnection } from '@sentinel/common';
import { kvBuckets, modelInfoSchema } from '@sentinel/common';
import { type LoadedModel, loadModel, type RuntimeOptions } from '../runtime/loaded-model.ts';
import { KvMirror } from './kv-mirror.ts';
import type { InferenceMetrics } from './metrics.ts';

export type ModelManagerOptions = {
  runtime: RuntimeOptions;
  defaultModelId: string;
  /** Registry entry used for `defaultModelId` when KV has none (the provisioned default model). */
  fallbackModels?: ModelInfo[];
  /** Use defaultModelId even when the registry flags another model active (tests, pinned workers). */
  pinDefault?: boolean;
  /** Wait before retrying a model that failed to load with the same entry. */
  retryMs?: number;
  /** Unload a model no camera used for this long (the default model stays). */
  unloadIdleMs?: number;
  /** Injectable loader (tests). */
  load?: typeof loadModel;
};

export type Lease = { model: LoadedModel; release: () => void };

type Failure = { fingerprint: string; message: string; at: number };

const fingerprint = (m: ModelInfo) =>
  JSON.stringify([m.file, m.format, m.inputWidth, m.inputHeight, m.labels, m.provider, m.sha256 ?? '']);

export class ModelManager {
  private readonly mirror: KvMirror<ModelInfo>;
  private readonly loaded = new Map<string, LoadedModel>();
  private readonly loadedPrint = new Map<string, string>();
  private readonly loading = new Map<string, Promise<void>>();
  private readonly failures = new Map<string, Failure>();
  private readonly users = new Map<LoadedModel, number>();
  private readonly cameraModel = new Map<string, string>();
  private readonly lastUsed = new Map<string, number>();
  private readonly warned = new Map<string, number>();
  private readonly fetching = new Set<string>();
  private gcTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly opts: ModelManagerOptions,
    private readonly logger: Logger,
    private readonly metrics?: InferenceMetrics,
  ) {
    this.mirror = new KvMirror<ModelInfo>(
      kvBuckets.models,
      (key, raw) => {
        const info = modelInfoSchema.parse(raw);
        if (info.id !== key) throw new Error(`entry id '${info.id}' differs from its key`);
        return info;
      },
      logger,
      (c) => this.onEntryChange(c.key, c.value),
    );
  }

  /** Load the registry, then the default model (waits for it; a failure is logged, not thrown). */
  async start(nc: NatsConnection): Promise<void> {
    await this.mirror.start(nc);
    await this.preload(this.defaultModelId());
    const every = Math.min(60_000, this.opts.unloadIdleMs ?? 300_000);
    this.gcTimer = setInterval(() => this.unloadIdle(), every);
    this.gcTimer.unref();
  }

  /** The model id cameras get when they ask for none. */
  defaultModelId(): string {
    if (this.opts.pinDefault) return this.opts.defaultModelId;
    for (const [, info] of this.mirror.entries()) if (info.active) return info.id;
    return this.opts.defaultModelId;
  }

  info(id: string): ModelInfo | undefined {
    return this.mirror.get(id) ?? this.opts.fallbackModels?.find((m) => m.id === id);
  }

  /** Loaded model ids with their providers. */
  loadedModels(): Array<{ id: string; provider: string; since: number }> {
    return [...this.loaded.values()].map((m) => ({ id: m.info.id, provider: m.provider, since: m.loadedAt }));
  }

  /** Model id a camera's frames go to now (undefined: no usable model). Starts loading what is asked. */
  route(cameraId: string, requested?: string): string | undefined {
    const want = requested ?? this.defaultModelId();
    const now = Date.now();
    if (this.loaded.has(want)) {
      const before = this.cameraModel.get(cameraId);
      if (before !== want) {
        this.cameraModel.set(cameraId, want);
        if (before) this.logger.info({ cameraId, from: before, to: want }, 'camera switched model');
      }
      this.lastUsed.set(want, now);
      return want;
    }
    this.request(want, cameraId);
    const previous = this.cameraModel.get(cameraId);
    const fallback = previous && this.loaded.has(previous) ? previous : this.defaultModelId();
    if (this.loaded.has(fallback)) {
      this.lastUsed.set(fallback, now);
      return fallback;
    }
    return undefined;
  }

  /** Take the current version of a model for one batch; release when done. */
  acquire(id: string): Lease | undefined {
    const model = this.loaded.get(id);
    if (!model) return undefined;
    this.users.set(model, (this.users.get(model) ?? 0) + 1);
    let released = false;
    return {
      model,
      release: () => {
        if (released) return;
        released = true;
        this.users.set(model, (this.users.get(model) ?? 1) - 1);
      },
    };
  }

  /** Readiness: the default model is loaded (else the reason). */
  checkReady(): void {
    const id = this.defaultModelId();
    if (this.loaded.has(id)) return;
    const f = this.failures.get(id);
    if (f) throw new Error(f.message);
    if (this.loading.has(id)) throw new Error(`model '${id}' is loading`);
    throw new Error(`model '${id}' is not loaded`);
  }

  /** Load a model now (if known) and wait; errors are recorded, not thrown. */
  async preload(id: string): Promise<void> {
    if (!this.info(id)) await this.mirror.fetch(id).catch(() => undefined);
    this.request(id);
    await this.loading.get(id);
  }

  /** Last load error of a model, if any. */
  failure(id: string): string | undefined {
    return this.failures.get(id)?.message;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.gcTimer) clearInterval(this.gcTimer);
    this.mirror.stop();
    await Promise.allSettled([...this.loading.values()]);
    await Promise.all([...this.loaded.values()].map((m) => m.pool.close()));
    this.loaded.clear();
  }

  private request(id: string, cameraId?: string): void {
    if (this.closed || this.loading.has(id)) return;
    const info = this.info(id);
    if (!info) {
      if (!this.fetching.has(id)) {
        // The watcher may not have delivered it yet: ask the server once.
        this.fetching.add(id);
        void this.mirror
          .fetch(id)
          .catch(() => undefined)
          .then((found) => {
            setTimeout(() => this.fetching.delete(id), 5000).unref();
            if (found) this.request(id, cameraId);
            else this.warnOnce(`unknown:${id}:${cameraId ?? ''}`, id, 'unknown', cameraId);
          });
      }
      return;
    }
    const print = fingerprint(info);
    if (this.loadedPrint.get(id) === print) return;
    const failed = this.failures.get(id);
    if (failed && failed.fingerprint === print && Date.now() - failed.at < (this.opts.retryMs ?? 60_000))
      return;
    const load = this.opts.load ?? loadModel;
    const job = load(info, this.opts.runtime, this.logger)
      .then((model) => {
        if (this.closed) return model.pool.close();
        const old = this.loaded.get(id);
        this.loaded.set(id, model);
        this.loadedPrint.set(id, print);
        this.failures.delete(id);
        this.lastUsed.set(id, Date.now());
        this.metrics?.modelLoaded.set({ model: id, provider: model.provider }, 1);
        if (old) {
          this.logger.info({ modelId: id }, 'model hot-swapped: new version serving');
          if (old.provider !== model.provider)
            this.metrics?.modelLoaded.remove({ model: id, provider: old.provider });
          void this.retire(old);
        }
      })
      .catch((err: Error) => {
        this.failures.set(id, { fingerprint: print, message: err.message, at: Date.now() });
        this.metrics?.modelErrors.inc({ model: id, kind: 'load' });
        const keeping = this.loaded.has(id)
          ? 'the previous version keeps serving'
          : 'cameras keep their previous model';
        this.logger.error({ modelId: id, err: err.message }, `model failed to load; ${keeping}`);
      })
      .finally(() => this.loading.delete(id));
    this.loading.set(id, job);
  }

  private warnOnce(key: string, modelId: string, kind: string, cameraId?: string): void {
    const now = Date.now();
    if (now - (this.warned.get(key) ?? 0) < 60_000) return;
    this.warned.set(key, now);
    this.metrics?.modelErrors.inc({ model: modelId, kind });
    const keeps = cameraId ? this.cameraModel.get(cameraId) : undefined;
    this.logger.error(
      { modelId, cameraId, keeping: keeps ?? this.defaultModelId() },
      `unknown model id '${modelId}': not in KV ${kvBuckets.models}; the camera keeps its previous model`,
    );
  }

  private onEntryChange(id: string, info: ModelInfo | undefined): void {
    if (!info) return; // removed: a loaded version keeps serving until idle
    if (this.loaded.has(id) && this.loadedPrint.get(id) !== fingerprint(info)) {
      this.logger.info({ modelId: id }, 'model entry changed: loading the new version beside the old one');
      this.request(id);
    } else if (id === this.defaultModelId() && !this.loaded.has(id)) this.request(id);
  }

  /** Close an old version once no batch uses it. */
  private async retire(old: LoadedModel): Promise<void> {
    const deadline = Date.now() + 60_000;
    while ((this.users.get(old) ?? 0) > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    this.users.delete(old);
    await old.pool.close();
  }

  private unloadIdle(): void {
    const idle = this.opts.unloadIdleMs ?? 300_000;
    const now = Date.now();
    const keep = this.defaultModelId();
    for (const [id, model] of this.loaded) {
      if (id === keep || now - (this.lastUsed.get(id) ?? 0) < idle) continue;
      this.loaded.delete(id);
      this.loadedPrint.delete(id);
      this.metrics?.modelLoaded.remove({ model: id, provider: model.provider });
      this.logger.info({ modelId: id }, 'model unloaded (unused)');
      void this.retire(model);
    }
  }
}
