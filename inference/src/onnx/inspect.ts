import { decodeModel } from './proto.ts';

/** A graph input or output: element type id and dims (number, or a symbolic name for dynamic axes). */
export type TensorInfo = { name: string; elemType: number; dims: Array<number | string> };

export type ModelSummary = {
  irVersion: number;
  opset: number;
  producer: string;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  nodeCount: number;
  metadata: Record<string, string>;
};

/**
 * Decode an ONNX file's header information (no weights are interpreted). Throws a readable error when
 * the bytes are not an ONNX model.
 */
export function inspectModel(bytes: Uint8Array): ModelSummary {
  let model: ReturnType<typeof decodeModel>;
  try {
    model = decodeModel(bytes);
  } catch (err) {
    throw new Error(`not an ONNX model (protobuf decode failed: ${(err as Error).message})`);
  }
  if (!model.graph || !model.ir_version) throw new Error('not an ONNX model (no graph or ir_version)');
  const initNames = new Set(model.graph.initializer.map((t) => t.name));
  const info = (v: (typeof model.graph.input)[number]): TensorInfo => ({
    name: v.name,
    elemType: v.type?.tensor_type?.elem_type ?? 0,
    dims: (v.type?.tensor_type?.shape?.dim ?? []).map((d) =>
      d.dim_param ? d.dim_param : typeof d.dim_value === 'number' && d.dim_value > 0 ? d.dim_value : '?',
    ),
  });
  return {
    irVersion: model.ir_version,
    opset: model.opset_import.find((o) => !o.domain || o.domain === 'ai.onnx')?.version ?? 0,
    producer: model.producer_name,
    inputs: model.graph.input.filter((v) => !initNames.has(v.name)).map(info),
    outputs: model.graph.output.map(info),
    nodeCount: model.graph.node.length,
    metadata: Object.fromEntries((model.metadata_props ?? []).map((p) => [p.key, p.value])),
  };
}
