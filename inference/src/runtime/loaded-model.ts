/**
 * A registry model made runnable: its input spec, its decoder (run in the workers) and a pool of
 * sessions. Loading checks the file against the registry entry (input name, outputs, a warm-up batch
 * through the decoder), so a corrupt or wrong-shaped file fails here with a clear error, before any
 * camera is switched to it.
 */
import { access } from 'node:fs/promises';
import type { Logger, ModelInfo } from '@sentinel/common';
import { defaultDecodeOptions } from '../decode/index.ts';
import type { DecodeOptions, InputSpec } from '../decode/types.ts';
import { inputSpecFor } from '../model/input-spec.ts';
import { modelPath } from '../model/registry.ts';
import type { ExecutionProvider } from './protocol.ts';
import { SessionPool } from './session-pool.ts';

export type RuntimeOptions = {
  /** Worker threads (sessions) per model. */
  workers: number;
  intraOpThreads: number;
  interOpThreads: number;
  /** 'auto' follows the registry entry's provider. */
  provider: 'auto' | ExecutionProvider;
  modelsDir: string;
};

export type LoadedModel = {
  info: ModelInfo;
  /** Absolute file path. */
  path: string;
  spec: InputSpec;
  pool: SessionPool;
  provider: ExecutionProvider;
  /** Decode options for the model with overrides. */
  decodeOptions: (overrides?: Partial<DecodeOptions>) => DecodeOptions;
  loadedAt: number;
};

export async function loadModel(info: ModelInfo, opts: RuntimeOptions, logger: Logger): Promise<LoadedModel> {
  const path = modelPath(info, opts.modelsDir);
  try {
    await access(path);
  } catch {
    throw new Error(`model '${info.id}': file ${path} does not exist`);
  }
  const spec = inputSpecFor(info);
  const provider: ExecutionProvider = opts.provider === 'auto' ? info.provider : opts.provider;
  const decodeOptions = (overrides: Partial<DecodeOptions> = {}) => defaultDecodeOptions(info, overrides);
  const started = Date.now();
  let pool: SessionPool;
  try {
    pool = await SessionPool.create({
      modelPath: path,
      provider,
      intraOpThreads: opts.intraOpThreads,
      interOpThreads: opts.interOpThreads,
      input: spec,
      decoder: { format: info.format },
      workers: opts.workers,
      warmup: true,
      warmupDecode: decodeOptions(),
    });
  } catch (err) {
    throw new Error(`model '${info.id}': ${(err as Error).message}`);
  }
  if (pool.ready.fallbackReason)
    logger.warn(
      { modelId: info.id, requested: provider, provider: pool.provider, reason: pool.ready.fallbackReason },
      'execution provider fallback: using cpu',
    );
  logger.info(
    {
      modelId: info.id,
      file: path,
      provider: pool.provider,
      workers: pool.size,
      intraOpThreads: opts.intraOpThreads,
      loadMs: Date.now() - started,
      warmupMs: pool.ready.warmupMs === undefined ? undefined : Math.round(pool.ready.warmupMs),
    },
    'model loaded',
  );
  return { info, path, spec, pool, provider: pool.provider, decodeOptions, loadedAt: Date.now() };
}
