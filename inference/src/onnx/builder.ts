import {
  type AttributeProtoObj,
  AttributeType,
  DataType,
  type DataTypeId,
  type Dim,
  encodeModel,
  type GraphProtoObj,
  type ModelProtoObj,
  type NodeProtoObj,
  type TensorProtoObj,
  type ValueInfoObj,
} from './proto.ts';

/** A typed attribute value: build with `attr.int(1)`, `attr.ints([1, 1])`, ... */
export type AttrValue =
  | { kind: 'int'; v: number }
  | { kind: 'ints'; v: readonly number[] }
  | { kind: 'float'; v: number }
  | { kind: 'floats'; v: readonly number[] }
  | { kind: 'string'; v: string }
  | { kind: 'tensor'; v: TensorProtoObj };

export const attr = {
  int: (v: number): AttrValue => ({ kind: 'int', v }),
  ints: (v: readonly number[]): AttrValue => ({ kind: 'ints', v }),
  float: (v: number): AttrValue => ({ kind: 'float', v }),
  floats: (v: readonly number[]): AttrValue => ({ kind: 'floats', v }),
  string: (v: string): AttrValue => ({ kind: 'string', v }),
  tensor: (v: TensorProtoObj): AttrValue => ({ kind: 'tensor', v }),
};

const utf8 = new TextEncoder();

function toAttribute(name: string, a: AttrValue): AttributeProtoObj {
  switch (a.kind) {
    case 'int':
      return { name, type: AttributeType.INT, i: a.v };
    case 'ints':
      return { name, type: AttributeType.INTS, ints: [...a.v] };
    case 'float':
      return { name, type: AttributeType.FLOAT, f: a.v };
    case 'floats':
      return { name, type: AttributeType.FLOATS, floats: [...a.v] };
    case 'string':
      return { name, type: AttributeType.STRING, s: utf8.encode(a.v) };
    case 'tensor':
      return { name, type: AttributeType.TENSOR, t: a.v };
  }
}

type TypedData = Float32Array | Int32Array | BigInt64Array | Uint8Array;

/** A TensorProto holding little-endian raw data. */
export function tensorProto(
  name: string,
  dataType: DataTypeId,
  dims: readonly number[],
  data: TypedData,
): TensorProtoObj {
  const count = dims.reduce((a, b) => a * b, 1);
  if (data.length !== count)
    throw new Error(`tensor ${name}: ${data.length} values for dims [${dims.join(',')}]`);
  return {
    name,
    dims: [...dims],
    data_type: dataType,
    raw_data: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)),
  };
}

function valueInfo(name: string, elemType: DataTypeId, dims: readonly Dim[]): ValueInfoObj {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) },
      },
    },
  };
}

/**
 * A small builder for ONNX graphs (default domain, opset 17 unless told otherwise).
 *
 *   const g = new GraphBuilder('tiny');
 *   const x = g.input('x', DataType.FLOAT, ['batch', 3, 8, 8]);
 *   const w = g.initializer('w', new Float32Array(...), [4, 3, 1, 1]);
 *   const y = g.node('Conv', [x, w], { kernel_shape: attr.ints([1, 1]) });
 *   g.output(y, DataType.FLOAT, ['batch', 4, 8, 8], 'y');
 *   const bytes = g.toBytes();
 */
export class GraphBuilder {
  private readonly nodes: NodeProtoObj[] = [];
  private readonly inits: TensorProtoObj[] = [];
  private readonly inputs: ValueInfoObj[] = [];
  private readonly outputs: ValueInfoObj[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  constructor(
    readonly name: string,
    readonly opset = 17,
  ) {}

  /** An unused value name with the given prefix (claimed when a node, input or initializer uses it). */
  fresh(prefix: string): string {
    let n = `${prefix}_${this.counter++}`;
    while (this.names.has(n)) n = `${prefix}_${this.counter++}`;
    return n;
  }

  private claim(name: string): string {
    if (this.names.has(name)) throw new Error(`duplicate value name ${name}`);
    this.names.add(name);
    return name;
  }

  input(name: string, elemType: DataTypeId, dims: readonly Dim[]): string {
    this.inputs.push(valueInfo(this.claim(name), elemType, dims));
    return name;
  }

  /** Mark `value` as a graph output; when `as` differs, an Identity renames it. */
  output(value: string, elemType: DataTypeId, dims: readonly Dim[], as = value): string {
    let name = value;
    if (as !== value) {
      this.claim(as);
      this.nodes.push({ name: `${as}/identity`, op_type: 'Identity', input: [value], output: [as] });
      name = as;
    }
    this.outputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  initializer(name: string, data: TypedData, dims: readonly number[], dataType?: DataTypeId): string {
    const dt =
      dataType ??
      (data instanceof Float32Array
        ? DataType.FLOAT
        : data instanceof Int32Array
          ? DataType.INT32
          : data instanceof BigInt64Array
            ? DataType.INT64
            : DataType.UINT8);
    this.inits.push(tensorProto(this.claim(name), dt, dims, data));
    return name;
  }

  /** A float32 constant (initializer) with a generated name. */
  constFloat(
    values: readonly number[] | Float32Array,
    dims: readonly number[] = [values.length],
    prefix = 'const',
  ): string {
    return this.initializer(this.fresh(prefix), Float32Array.from(values), dims);
  }

  /** An int64 constant (shapes, axes) with a generated name. */
  constInt64(values: readonly number[], dims: readonly number[] = [values.length], prefix = 'const'): string {
    return this.initializer(this.fresh(prefix), BigInt64Array.from(values.map((v) => BigInt(v))), dims);
  }

  /** Add a node with one output; returns the output name. */
  node(
    opType: string,
    inputs: readonly string[],
    attrs: Record<string, AttrValue> = {},
    outName?: string,
  ): string {
    return this.nodeMulti(opType, inputs, 1, attrs, outName ? [outName] : undefined)[0]!;
  }

  /** Add a node with several outputs; returns their names. Use '' in inputs for an omitted optional input. */
  nodeMulti(
    opType: string,
    inputs: readonly string[],
    outputCount: number,
    attrs: Record<string, AttrValue> = {},
    outNames?: readonly string[],
  ): string[] {
    const outs =
      outNames?.map((n) => this.claim(n)) ??
      Array.from({ length: outputCount }, () => this.claim(this.fresh(opType.toLowerCase())));
    this.nodes.push({
      name: this.fresh(`${opType}_node`),
      op_type: opType,
      input: [...inputs],
      output: outs,
      attribute: Object.entries(attrs).map(([k, v]) => toAttribute(k, v)),
    });
    return outs;
  }

  get nodeCount(): number {
    return this.nodes.length;
  }

  toGraph(): GraphProtoObj {
    return {
      name: this.name,
      node: this.nodes,
      initializer: this.inits,
      input: this.inputs,
      output: this.outputs,
    };
  }

  toModel(meta: Record<string, string> = {}, docString = ''): ModelProtoObj {
    return {
      ir_version: 8,
      opset_import: [{ domain: '', version: this.opset }],
      producer_name: 'sentinel-inference',
      producer_version: '0.1.0',
      doc_string: docString,
      graph: this.toGraph(),
      metadata_props: Object.entries(meta).map(([key, value]) => ({ key, value })),
    };
  }

  toBytes(meta: Record<string, string> = {}, docString = ''): Uint8Array {
    return encodeModel(this.toModel(meta, docString));
  }
}
