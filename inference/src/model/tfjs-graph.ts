import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';

/**
 * Reader for TF.js graph models (model.json + weight shards): the topology as plain node objects and
 * every weight dequantized to float32 / int32 the same way TF.js does on load.
 */

const attrValueSchema = z.record(z.string(), z.unknown());
const nodeSchema = z.object({
  name: z.string(),
  op: z.string(),
  input: z.array(z.string()).optional(),
  attr: z.record(z.string(), attrValueSchema).optional(),
});
const weightSchema = z.object({
  name: z.string(),
  shape: z.array(z.number().int().nonnegative()),
  dtype: z.enum(['float32', 'int32', 'bool']),
  quantization: z
    .object({
      dtype: z.enum(['float16', 'uint8', 'uint16']),
      scale: z.number().optional(),
      min: z.number().optional(),
      original_dtype: z.string().optional(),
    })
    .optional(),
});
const modelJsonSchema = z.object({
  format: z.literal('graph-model'),
  signature: z
    .object({
      inputs: z.record(z.string(), z.unknown()).optional(),
      outputs: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
  modelTopology: z.object({ node: z.array(nodeSchema) }),
  weightsManifest: z.array(z.object({ paths: z.array(z.string()), weights: z.array(weightSchema) })),
});

export type TfNode = z.infer<typeof nodeSchema>;
export type TfWeight = {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool';
  data: Float32Array | Int32Array;
};
export type TfGraph = {
  nodes: TfNode[];
  weights: Map<string, TfWeight>;
  signatureInputs: string[];
  signatureOutputs: string[];
};

/** IEEE 754 half → float. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

export async function readTfjsGraph(modelJsonPath: string): Promise<TfGraph> {
  const json = modelJsonSchema.parse(JSON.parse(await readFile(modelJsonPath, 'utf8')));
  const weights = new Map<string, TfWeight>();
  for (const group of json.weightsManifest) {
    const shards = await Promise.all(group.paths.map((p) => readFile(join(dirname(modelJsonPath), p))));
    const buf = Buffer.concat(shards);
    let off = 0;
    for (const w of group.weights) {
      const count = w.shape.reduce((a, b) => a * b, 1);
      const q = w.quantization;
      const bytesPer = q ? (q.dtype === 'uint8' ? 1 : 2) : 4;
      const bytes = buf.subarray(off, off + count * bytesPer);
      if (bytes.length !== count * bytesPer) throw new Error(`weights of ${w.name} truncated`);
      off += count * bytesPer;
      let data: Float32Array | Int32Array;
      if (w.dtype === 'int32' && !q) {
        data = new Int32Array(count);
        for (let i = 0; i < count; i++) data[i] = bytes.readInt32LE(i * 4);
      } else if (!q) {
        data = new Float32Array(count);
        for (let i = 0; i < count; i++) data[i] = bytes.readFloatLE(i * 4);
      } else {
        const out = w.dtype === 'int32' ? new Int32Array(count) : new Float32Array(count);
        for (let i = 0; i < count; i++) {
          if (q.dtype === 'float16') out[i] = halfToFloat(bytes.readUInt16LE(i * 2));
          else {
            const v = q.dtype === 'uint8' ? bytes[i]! : bytes.readUInt16LE(i * 2);
            out[i] = v * (q.scale ?? 1) + (q.min ?? 0);
          }
        }
        data = out;
      }
      weights.set(w.name, { name: w.name, shape: w.shape, dtype: w.dtype, data });
    }
    if (off !== buf.length)
      throw new Error(`weight shards have ${buf.length - off} unexpected trailing bytes`);
  }
  return {
    nodes: json.modelTopology.node,
    weights,
    signatureInputs: Object.keys(json.signature?.inputs ?? {}),
    signatureOutputs: Object.keys(json.signature?.outputs ?? {}),
  };
}
