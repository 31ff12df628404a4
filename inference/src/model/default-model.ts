import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { COCO_LABELS, type ModelInfo } from '@sentinel/common';
import { CENTERNET_OUTPUTS } from '../decode/centernet.ts';
import { readManifest, sha256Bytes, sha256File, writeManifest } from './manifest.ts';
import { convertTfGraph } from './tf-to-onnx.ts';
import { readTfjsGraph } from './tfjs-graph.ts';

/** Bump when the converter's output for the same source changes, so cached files are rebuilt. */
export const CONVERTER_VERSION = 1;

export const DEFAULT_MODEL_ID = 'centernet-mbv3-coco';
export const DEFAULT_MODEL_FILE = 'centernet-mbv3-coco.onnx';

/** Registry entry of the default detector (the file lives in the models directory). */
export function defaultModelInfo(sha256?: string): ModelInfo {
  return {
    id: DEFAULT_MODEL_ID,
    file: DEFAULT_MODEL_FILE,
    format: 'centernet',
    inputWidth: 512,
    inputHeight: 512,
    labels: [...COCO_LABELS],
    provider: 'cpu',
    active: false,
    ...(sha256 ? { sha256 } : {}),
  };
}

/** The TF.js CenterNet shipped by @vladmandic/human. */
export function centernetSource(): { json: string; bin: string; package: string; version: string } {
  const require = createRequire(import.meta.url);
  // the package's exports hide package.json: resolve its entry point and walk up to the package folder
  let dir = dirname(require.resolve('@vladmandic/human'));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'models', 'centernet.json'))) {
    const up = dirname(dir);
    if (up === dir)
      throw new Error('cannot find @vladmandic/human/models/centernet.json (is the package installed?)');
    dir = up;
  }
  const version = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string })
    .version;
  const models = join(dir, 'models');
  return {
    json: join(models, 'centernet.json'),
    bin: join(models, 'centernet.bin'),
    package: '@vladmandic/human',
    version,
  };
}

export type EnsureResult = {
  path: string;
  sha256: string;
  /** True when the file was (re)converted in this call. */
  converted: boolean;
  /** Why it was converted, or why the cached file was kept. */
  reason: string;
};

/**
 * Make sure `<modelsDir>/centernet-mbv3-coco.onnx` exists and matches the manifest; convert it from the
 * npm package otherwise. Idempotent: a second call only hashes files.
 */
export async function ensureDefaultModel(opts: {
  modelsDir: string;
  force?: boolean;
  log?: (msg: string) => void;
}): Promise<EnsureResult> {
  const log = opts.log ?? (() => {});
  const src = centernetSource();
  const path = join(opts.modelsDir, DEFAULT_MODEL_FILE);
  const sourceSha = sha256Bytes(Buffer.concat([await readFile(src.json), await readFile(src.bin)]));
  const { manifest, problem } = await readManifest(opts.modelsDir);
  const entry = manifest.models[DEFAULT_MODEL_FILE];

  let reason: string;
  if (opts.force) reason = 'forced';
  else if (!existsSync(path)) reason = 'model file missing';
  else if (!entry) reason = problem ?? 'not in the manifest';
  else if (entry.converterVersion !== CONVERTER_VERSION)
    reason = `converter version changed (${entry.converterVersion} → ${CONVERTER_VERSION})`;
  else if (entry.source.sha256 !== sourceSha) reason = `source ${src.package} changed`;
  else {
    log(`checking sha256 of ${path}`);
    const actual = await sha256File(path);
    if (actual === entry.sha256) return { path, sha256: actual, converted: false, reason: 'up to date' };
    reason = 'sha256 does not match the manifest';
  }

  log(`converting ${src.package}@${src.version} centernet → ${path} (${reason})`);
  const t0 = Date.now();
  const graph = await readTfjsGraph(src.json);
  log(`read TF.js graph: ${graph.nodes.length} nodes, ${graph.weights.size} weights`);
  const result = convertTfGraph(graph, {
    outputs: [CENTERNET_OUTPUTS.heatmap, CENTERNET_OUTPUTS.sizes],
    metadata: {
      format: 'centernet',
      source: `${src.package}@${src.version}/models/centernet.json`,
      labels: JSON.stringify(COCO_LABELS),
    },
    onProgress: (done, total) => log(`  converted ${done}/${total} ops`),
  });
  await mkdir(opts.modelsDir, { recursive: true });
  const tmp = `${path}.${process.pid}.tmp.onnx`; // git-ignored like models/*.onnx
  await writeFile(tmp, result.bytes);
  await rename(tmp, path);
  const sha256 = sha256Bytes(result.bytes);
  if (
    entry &&
    entry.sha256 !== sha256 &&
    entry.converterVersion === CONVERTER_VERSION &&
    entry.source.sha256 === sourceSha
  )
    log(`note: the converted file's sha256 differs from the manifest's; the manifest is updated`);
  manifest.models[DEFAULT_MODEL_FILE] = {
    file: DEFAULT_MODEL_FILE,
    sha256,
    bytes: (await stat(path)).size,
    converterVersion: CONVERTER_VERSION,
    source: { package: src.package, version: src.version, sha256: sourceSha },
  };
  await writeManifest(opts.modelsDir, manifest);
  log(
    `wrote ${path} (${(result.bytes.length / 1e6).toFixed(1)} MB, ops ${Object.entries(result.ops)
      .map(([k, v]) => `${k}×${v}`)
      .join(' ')}) in ${Date.now() - t0} ms`,
  );
  return { path, sha256, converted: true, reason };
}
