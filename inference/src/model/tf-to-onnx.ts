import { attr, DataType, GraphBuilder } from '../onnx/index.ts';
import type { TfGraph, TfNode, TfWeight } from './tfjs-graph.ts';

/**
 * TF.js graph → ONNX converter for convolutional detectors (MobileNet-style backbones and heads).
 *
 * The TF graph is NHWC; the ONNX graph runs NCHW internally: the input is transposed once after the
 * placeholder and each requested output is transposed back, so inputs and outputs keep the TF names,
 * layouts and shapes, with the batch axis made dynamic ('batch'). Shapes are tracked through the graph
 * to compute explicit SAME paddings and resize scales.
 *
 * Supported TF ops: Placeholder, Const, Identity, Conv2D, _FusedConv2D, DepthwiseConv2dNative,
 * FusedDepthwiseConv2dNative (fused BiasAdd + Relu/Relu6/Elu/Sigmoid/LeakyRelu), BiasAdd, Add, AddV2, Sub,
 * Mul, RealDiv, Maximum, Minimum, Relu, Relu6, Sigmoid, Tanh, Elu, LeakyRelu, Mean, ResizeBilinear,
 * ResizeNearestNeighbor, ConcatV2, MaxPool, AvgPool. Anything else raises an error naming the op, so
 * pick outputs whose subgraph stays inside this set.
 */

export type ConvertOptions = {
  /** TF output names to export (default: the signature's outputs). */
  outputs?: readonly string[];
  /** Model metadata stored in the ONNX file. */
  metadata?: Record<string, string>;
  /** Called every `every` converted nodes with (done, total). */
  onProgress?: (done: number, total: number) => void;
};

export type ConvertResult = {
  bytes: Uint8Array;
  inputName: string;
  /** NHWC input shape with the batch axis as 'batch'. */
  inputShape: Array<number | string>;
  outputs: Array<{ name: string; shape: Array<number | string> }>;
  /** Count of each TF op converted. */
  ops: Record<string, number>;
};

type Shape = Array<number | 'batch'>;
/** A converted value: its ONNX name, and its shape in ONNX layout (NCHW for rank 4). */
type Val = { name: string; shape: Shape };

const NHWC_TO_NCHW_AXIS = [0, 2, 3, 1];

export class UnsupportedOpError extends Error {
  constructor(node: TfNode, detail = '') {
    super(`cannot convert TF op ${node.op} (node ${node.name})${detail ? `: ${detail}` : ''}`);
    this.name = 'UnsupportedOpError';
  }
}

// ---- TF attribute helpers ----
type AttrJson = Record<string, unknown>;
const a = (n: TfNode, key: string): AttrJson | undefined => n.attr?.[key] as AttrJson | undefined;
const attrInts = (n: TfNode, key: string): number[] | undefined =>
  ((a(n, key)?.list as { i?: string[] } | undefined)?.i ?? undefined)?.map(Number);
const attrStr = (n: TfNode, key: string): string | undefined => {
  const s = a(n, key)?.s as string | undefined;
  return s === undefined ? undefined : Buffer.from(s, 'base64').toString('utf8');
};
const attrStrList = (n: TfNode, key: string): string[] =>
  ((a(n, key)?.list as { s?: string[] } | undefined)?.s ?? []).map((s) =>
    Buffer.from(s, 'base64').toString('utf8'),
  );
const attrBool = (n: TfNode, key: string): boolean => Boolean(a(n, key)?.b);
const attrFloat = (n: TfNode, key: string): number | undefined => {
  const f = a(n, key)?.f;
  return f === undefined ? undefined : Number(f);
};

/** Input reference "name:1" / "^ctrl" → producer name and output index. */
function parseRef(ref: string): { node: string; index: number; control: boolean } {
  const control = ref.startsWith('^');
  const r = control ? ref.slice(1) : ref;
  const m = /^(.*):(\d+)$/.exec(r);
  return m ? { node: m[1]!, index: Number(m[2]), control } : { node: r, index: 0, control };
}

/** SAME padding of TF: total = max((ceil(in/s)-1)*s + (k-1)*d + 1 - in, 0), extra at the end. */
function samePads(inSize: number, k: number, s: number, d: number): [number, number, number] {
  const out = Math.ceil(inSize / s);
  const total = Math.max((out - 1) * s + (k - 1) * d + 1 - inSize, 0);
  const begin = Math.floor(total / 2);
  return [begin, total - begin, out];
}

export function convertTfGraph(graph: TfGraph, opts: ConvertOptions = {}): ConvertResult {
  const byName = new Map(graph.nodes.map((n) => [n.name, n]));
  const outputs = opts.outputs ?? graph.signatureOutputs;
  if (outputs.length === 0) throw new Error('no outputs to convert');
  for (const o of outputs) if (!byName.has(o)) throw new Error(`output ${o} is not a node of the graph`);

  // nodes needed for the outputs, in dependency order
  const order: TfNode[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string) => {
    const st = state.get(name);
    if (st === 'done') return;
    if (st === 'visiting') throw new Error(`cycle in graph at ${name}`);
    const node = byName.get(name);
    if (!node) throw new Error(`graph references missing node ${name}`);
    state.set(name, 'visiting');
    for (const ref of node.input ?? []) {
      const r = parseRef(ref);
      if (!r.control) visit(r.node);
    }
    state.set(name, 'done');
    order.push(node);
  };
  for (const o of outputs) visit(o);

  const placeholders = order.filter((n) => n.op === 'Placeholder');
  if (placeholders.length !== 1)
    throw new Error(`expected one input placeholder, found ${placeholders.length}`);

  const g = new GraphBuilder('converted');
  const vals = new Map<string, Val>();
  const ops: Record<string, number> = {};
  let done = 0;
  const total = order.filter((n) => n.op !== 'Const').length;

  const weightOf = (ref: string, user: TfNode): TfWeight => {
    const r = parseRef(ref);
    const w = graph.weights.get(r.node);
    if (!w) throw new UnsupportedOpError(user, `input ${ref} must be a constant`);
    return w;
  };
  const isConst = (ref: string) => graph.weights.has(parseRef(ref).node);
  const val = (ref: string, user: TfNode): Val => {
    const r = parseRef(ref);
    const v = vals.get(r.index ? `${r.node}:${r.index}` : r.node);
    if (!v) throw new UnsupportedOpError(user, `input ${ref} was not converted`);
    return v;
  };
  /** A constant operand of an elementwise op, reshaped to broadcast against an NCHW tensor of rank `rank`. */
  const constOperand = (w: TfWeight, rank: number): Val => {
    const data = Float32Array.from(w.data);
    if (w.shape.length === 0 || w.data.length === 1) return { name: g.constFloat(data, []), shape: [] };
    if (rank === 4 && w.shape.length === 1)
      return { name: g.constFloat(data, [w.shape[0]!, 1, 1]), shape: [w.shape[0]!, 1, 1] };
    if (rank === 4 && w.shape.length === 4) {
      const [n0, h, wd, c] = w.shape as [number, number, number, number];
      const t = new Float32Array(data.length);
      for (let i = 0; i < n0; i++)
        for (let y = 0; y < h; y++)
          for (let x = 0; x < wd; x++)
            for (let ch = 0; ch < c; ch++)
              t[((i * c + ch) * h + y) * wd + x] = data[((i * h + y) * wd + x) * c + ch]!;
      return { name: g.constFloat(t, [n0, c, h, wd]), shape: [n0, c, h, wd] };
    }
    return { name: g.constFloat(data, w.shape), shape: [...w.shape] };
  };
  const broadcast = (x: Shape, y: Shape): Shape => {
    const r = Math.max(x.length, y.length);
    const out: Shape = [];
    for (let i = 0; i < r; i++) {
      const dx = x[x.length - r + i] ?? 1;
      const dy = y[y.length - r + i] ?? 1;
      out.push(dx === 1 ? dy : dx);
    }
    return out;
  };

  const activation = (name: string, v: Val, node: TfNode, alpha?: number): Val => {
    switch (name) {
      case 'Relu':
        return { name: g.node('Relu', [v.name]), shape: v.shape };
      case 'Relu6':
        return {
          name: g.node('Clip', [v.name, g.constFloat([0], []), g.constFloat([6], [])]),
          shape: v.shape,
        };
      case 'Elu':
        return { name: g.node('Elu', [v.name]), shape: v.shape };
      case 'Sigmoid':
        return { name: g.node('Sigmoid', [v.name]), shape: v.shape };
      case 'Tanh':
        return { name: g.node('Tanh', [v.name]), shape: v.shape };
      case 'LeakyRelu':
        return { name: g.node('LeakyRelu', [v.name], { alpha: attr.float(alpha ?? 0.2) }), shape: v.shape };
      default:
        throw new UnsupportedOpError(node, `fused activation ${name}`);
    }
  };

  const conv = (node: TfNode, depthwise: boolean, fused: boolean): Val => {
    const [xRef, fRef, ...extra] = node.input ?? [];
    const x = val(xRef!, node);
    const f = weightOf(fRef!, node);
    if ((attrStr(node, 'data_format') ?? 'NHWC') !== 'NHWC')
      throw new UnsupportedOpError(node, 'only NHWC is supported');
    const [kh, kw, cin, cout] = f.shape as [number, number, number, number];
    const strides = attrInts(node, 'strides') ?? [1, 1, 1, 1];
    const dil = attrInts(node, 'dilations') ?? [1, 1, 1, 1];
    const padding = attrStr(node, 'padding') ?? 'VALID';
    const [, inC, inH, inW] = x.shape as [number | 'batch', number, number, number];
    if (typeof inH !== 'number' || typeof inW !== 'number')
      throw new UnsupportedOpError(node, 'unknown spatial size');
    if (inC !== cin) throw new UnsupportedOpError(node, `input has ${inC} channels, filter expects ${cin}`);
    // TF HWIO (or HW,in,multiplier) → ONNX OIHW (or [in*mult,1,kh,kw] with group = in)
    const outC = depthwise ? cin * cout : cout;
    const w = new Float32Array(outC * (depthwise ? 1 : cin) * kh * kw);
    const src = f.data;
    for (let y = 0; y < kh; y++)
      for (let xx = 0; xx < kw; xx++)
        for (let i = 0; i < cin; i++)
          for (let o = 0; o < cout; o++) {
            const s = src[((y * kw + xx) * cin + i) * cout + o]!;
            if (depthwise) w[((i * cout + o) * kh + y) * kw + xx] = s;
            else w[((o * cin + i) * kh + y) * kw + xx] = s;
          }
    const inputs = [x.name, g.constFloat(w, [outC, depthwise ? 1 : cin, kh, kw], 'weight')];
    let pads = [0, 0, 0, 0];
    let outH: number;
    let outW: number;
    if (padding === 'SAME') {
      const [pt, pb, oh] = samePads(inH, kh, strides[1]!, dil[1]!);
      const [pl, pr, ow] = samePads(inW, kw, strides[2]!, dil[2]!);
      pads = [pt, pl, pb, pr];
      outH = oh;
      outW = ow;
    } else if (padding === 'VALID') {
      outH = Math.floor((inH - ((kh - 1) * dil[1]! + 1)) / strides[1]!) + 1;
      outW = Math.floor((inW - ((kw - 1) * dil[2]! + 1)) / strides[2]!) + 1;
    } else throw new UnsupportedOpError(node, `padding ${padding}`);
    const fusedOps = fused ? attrStrList(node, 'fused_ops') : [];
    let rest = fusedOps;
    if (fusedOps[0] === 'BiasAdd') {
      const b = weightOf(extra[0]!, node);
      if (b.data.length !== outC)
        throw new UnsupportedOpError(node, `bias has ${b.data.length} values for ${outC} channels`);
      inputs.push(g.constFloat(Float32Array.from(b.data), [outC], 'bias'));
      rest = fusedOps.slice(1);
    } else if (fusedOps.length > 0) throw new UnsupportedOpError(node, `fused ops ${fusedOps.join(',')}`);
    let out: Val = {
      name: g.node('Conv', inputs, {
        kernel_shape: attr.ints([kh, kw]),
        strides: attr.ints([strides[1]!, strides[2]!]),
        dilations: attr.ints([dil[1]!, dil[2]!]),
        pads: attr.ints(pads),
        group: attr.int(depthwise ? cin : 1),
      }),
      shape: [x.shape[0]!, outC, outH, outW],
    };
    for (const act of rest) out = activation(act, out, node, attrFloat(node, 'leakyrelu_alpha'));
    return out;
  };

  const nchwAxis = (axis: number, rank: number) => {
    const ax = axis < 0 ? axis + rank : axis;
    return rank === 4 ? NHWC_TO_NCHW_AXIS[ax]! : ax;
  };

  const pool = (node: TfNode, kind: 'MaxPool' | 'AveragePool'): Val => {
    const x = val(node.input![0]!, node);
    const k = attrInts(node, 'ksize') ?? [1, 1, 1, 1];
    const s = attrInts(node, 'strides') ?? [1, 1, 1, 1];
    const padding = attrStr(node, 'padding') ?? 'VALID';
    const [, c, inH, inW] = x.shape as [number | 'batch', number, number, number];
    let pads = [0, 0, 0, 0];
    let outH = Math.floor((inH - k[1]!) / s[1]!) + 1;
    let outW = Math.floor((inW - k[2]!) / s[2]!) + 1;
    if (padding === 'SAME') {
      const [pt, pb, oh] = samePads(inH, k[1]!, s[1]!, 1);
      const [pl, pr, ow] = samePads(inW, k[2]!, s[2]!, 1);
      pads = [pt, pl, pb, pr];
      outH = oh;
      outW = ow;
    }
    const attrs: Record<string, ReturnType<typeof attr.int>> = {
      kernel_shape: attr.ints([k[1]!, k[2]!]),
      strides: attr.ints([s[1]!, s[2]!]),
      pads: attr.ints(pads),
    };
    // TF AvgPool SAME divides by the count of real (unpadded) cells
    if (kind === 'AveragePool') attrs.count_include_pad = attr.int(0);
    return { name: g.node(kind, [x.name], attrs), shape: [x.shape[0]!, c, outH, outW] };
  };

  for (const node of order) {
    if (node.op === 'Const') continue;
    ops[node.op] = (ops[node.op] ?? 0) + 1;
    let out: Val;
    const ins = node.input ?? [];
    switch (node.op) {
      case 'Placeholder': {
        const dims = (
          (a(node, 'shape')?.shape as { dim?: Array<{ size?: string }> } | undefined)?.dim ?? []
        ).map((d) => Number(d.size ?? -1));
        if (dims.length !== 4 || dims.slice(1).some((d) => d <= 0))
          throw new UnsupportedOpError(
            node,
            `input must be [N,H,W,C] with known H, W, C (got [${dims.join(',')}])`,
          );
        g.input(node.name, DataType.FLOAT, ['batch', dims[1]!, dims[2]!, dims[3]!]);
        out = {
          name: g.node('Transpose', [node.name], { perm: attr.ints([0, 3, 1, 2]) }),
          shape: ['batch', dims[3]!, dims[1]!, dims[2]!],
        };
        break;
      }
      case 'Identity':
        out = val(ins[0]!, node);
        break;
      case 'Conv2D':
      case '_FusedConv2D':
        out = conv(node, false, node.op === '_FusedConv2D');
        break;
      case 'DepthwiseConv2dNative':
      case 'FusedDepthwiseConv2dNative':
        out = conv(node, true, node.op === 'FusedDepthwiseConv2dNative');
        break;
      case 'BiasAdd':
      case 'Add':
      case 'AddV2':
      case 'Sub':
      case 'Mul':
      case 'RealDiv':
      case 'Maximum':
      case 'Minimum': {
        const onnxOp = {
          BiasAdd: 'Add',
          Add: 'Add',
          AddV2: 'Add',
          Sub: 'Sub',
          Mul: 'Mul',
          RealDiv: 'Div',
          Maximum: 'Max',
          Minimum: 'Min',
        }[node.op]!;
        const [r0, r1] = [ins[0]!, ins[1]!];
        if (isConst(r0) && isConst(r1)) throw new UnsupportedOpError(node, 'both operands constant');
        const tensorRank = (isConst(r0) ? val(r1, node) : val(r0, node)).shape.length;
        const x = isConst(r0) ? constOperand(weightOf(r0, node), tensorRank) : val(r0, node);
        const y = isConst(r1) ? constOperand(weightOf(r1, node), tensorRank) : val(r1, node);
        out = { name: g.node(onnxOp, [x.name, y.name]), shape: broadcast(x.shape, y.shape) };
        break;
      }
      case 'Relu':
      case 'Relu6':
      case 'Sigmoid':
      case 'Tanh':
      case 'Elu':
        out = activation(node.op, val(ins[0]!, node), node);
        break;
      case 'LeakyRelu':
        out = activation('LeakyRelu', val(ins[0]!, node), node, attrFloat(node, 'alpha'));
        break;
      case 'Mean': {
        const x = val(ins[0]!, node);
        const axes = Array.from(weightOf(ins[1]!, node).data).map((ax) => nchwAxis(ax, x.shape.length));
        const keep = attrBool(node, 'keep_dims');
        const shape = keep
          ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d))
          : x.shape.filter((_, i) => !axes.includes(i));
        if (!keep && x.shape.length === 4)
          throw new UnsupportedOpError(node, 'Mean without keep_dims on a 4-D tensor');
        out = {
          name: g.node('ReduceMean', [x.name], { axes: attr.ints(axes), keepdims: attr.int(keep ? 1 : 0) }),
          shape,
        };
        break;
      }
      case 'ResizeBilinear':
      case 'ResizeNearestNeighbor': {
        const x = val(ins[0]!, node);
        const size = Array.from(weightOf(ins[1]!, node).data);
        const [, c, inH, inW] = x.shape as [number | 'batch', number, number, number];
        const alignCorners = attrBool(node, 'align_corners');
        const halfPixel = attrBool(node, 'half_pixel_centers');
        const linear = node.op === 'ResizeBilinear';
        const ctm = alignCorners
          ? 'align_corners'
          : halfPixel
            ? linear
              ? 'half_pixel'
              : 'tf_half_pixel_for_nn'
            : 'asymmetric';
        const scales = g.constFloat([1, 1, size[0]! / inH, size[1]! / inW], [4], 'scales');
        const rattrs: Record<string, ReturnType<typeof attr.string>> = {
          mode: attr.string(linear ? 'linear' : 'nearest'),
          coordinate_transformation_mode: attr.string(ctm),
        };
        if (!linear) rattrs.nearest_mode = attr.string(halfPixel ? 'round_prefer_ceil' : 'floor');
        out = {
          name: g.node('Resize', [x.name, '', scales], rattrs),
          shape: [x.shape[0]!, c, size[0]!, size[1]!],
        };
        break;
      }
      case 'ConcatV2': {
        const parts = ins.slice(0, -1).map((r) => val(r, node));
        const rank = parts[0]!.shape.length;
        const axis = nchwAxis(Number(weightOf(ins[ins.length - 1]!, node).data[0]), rank);
        const shape = [...parts[0]!.shape];
        shape[axis] = parts.reduce((s, p) => s + (p.shape[axis] as number), 0);
        out = {
          name: g.node(
            'Concat',
            parts.map((p) => p.name),
            { axis: attr.int(axis) },
          ),
          shape,
        };
        break;
      }
      case 'MaxPool':
        out = pool(node, 'MaxPool');
        break;
      case 'AvgPool':
        out = pool(node, 'AveragePool');
        break;
      default:
        throw new UnsupportedOpError(node);
    }
    vals.set(node.name, out);
    done++;
    if (opts.onProgress && (done % 25 === 0 || done === total)) opts.onProgress(done, total);
  }

  const outInfo: ConvertResult['outputs'] = [];
  for (const o of outputs) {
    const v = vals.get(o)!;
    let name: string;
    let shape: Shape;
    if (v.shape.length === 4) {
      const [n, c, h, w] = v.shape;
      shape = [n!, h!, w!, c!];
      name = g.node('Transpose', [v.name], { perm: attr.ints([0, 2, 3, 1]) }, o);
    } else {
      shape = v.shape;
      name = g.node('Identity', [v.name], {}, o);
    }
    g.output(name, DataType.FLOAT, shape);
    outInfo.push({ name: o, shape });
  }
  const ph = placeholders[0]!;
  const inShape = vals.get(ph.name)!.shape;
  return {
    bytes: g.toBytes(opts.metadata ?? {}),
    inputName: ph.name,
    inputShape: [inShape[0]!, inShape[2]!, inShape[3]!, inShape[1]!],
    outputs: outInfo,
    ops,
  };
}
