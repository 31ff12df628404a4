import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';

/**
 * The TF.js reference for converted models: loads a graph model from disk with a small file IO handler
 * (tfjs-node is not available) and runs it on the pure-JS CPU backend. Slow: for validation only.
 */
export async function loadTfjsReference(modelJsonPath: string): Promise<tf.GraphModel> {
  await tf.setBackend('cpu');
  await tf.ready();
  const handler: tf.io.IOHandler = {
    load: async () => {
      const json = JSON.parse(await readFile(modelJsonPath, 'utf8'));
      const specs: tf.io.WeightsManifestEntry[] = [];
      const buffers: Buffer[] = [];
      for (const group of json.weightsManifest) {
        specs.push(...group.weights);
        for (const p of group.paths) buffers.push(await readFile(join(dirname(modelJsonPath), p)));
      }
      const all = Buffer.concat(buffers);
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        signature: json.signature,
        userDefinedMetadata: json.userDefinedMetadata,
        weightSpecs: specs,
        weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
      };
    },
  };
  return tf.loadGraphModel(handler);
}

/** Run the reference on one NHWC float input; returns each requested output's data and dims. */
export async function runTfjsReference(
  model: tf.GraphModel,
  input: Float32Array,
  shape: [number, number, number, number],
  outputs: readonly string[],
): Promise<Record<string, { data: Float32Array; dims: number[] }>> {
  const x = tf.tensor4d(input, shape, 'float32');
  try {
    const res = (await model.executeAsync(x, [...outputs])) as tf.Tensor | tf.Tensor[];
    const list = Array.isArray(res) ? res : [res];
    const out: Record<string, { data: Float32Array; dims: number[] }> = {};
    for (let i = 0; i < outputs.length; i++) {
      const t = list[i]!;
      out[outputs[i]!] = { data: (await t.data()) as Float32Array, dims: t.shape };
      t.dispose();
    }
    return out;
  } finally {
    x.dispose();
  }
}
