/**
 * A tiny ONNX writer for tests: hand-encodes the protobuf of a graph whose output is a constant
 * (plus 0 x mean(input), so the image input is really consumed). Lets tests build YOLO-shaped
 * detectors with known boxes, and models with the wrong outputs, without any model download.
 */
const enc = new TextEncoder();

function varint(n: number | bigint): number[] {
  let v = BigInt(n);
  const out: number[] = [];
  while (v > 127n) {
    out.push(Number((v & 127n) | 128n));
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}
const key = (field: number, wire: number) => varint((field << 3) | wire);
const vInt = (field: number, n: number) => [...key(field, 0), ...varint(n)];
const vBytes = (field: number, b: Uint8Array | number[]) => [...key(field, 2), ...varint(b.length), ...b];
const vStr = (field: number, s: string) => vBytes(field, enc.encode(s));

function tensor(name: string, dims: number[], values: Float32Array): number[] {
  return [
    ...dims.flatMap((d) => vInt(1, d)),
    ...vInt(2, 1), // FLOAT
    ...vStr(8, name),
    ...vBytes(9, new Uint8Array(values.buffer, values.byteOffset, values.byteLength)),
  ];
}

function valueInfo(name: string, dims: Array<number | string>): number[] {
  const shape = dims.flatMap((d) => vBytes(1, typeof d === 'number' ? vInt(1, d) : vStr(2, d)));
  const tensorType = [...vInt(1, 1), ...vBytes(2, shape)];
  return [...vStr(1, name), ...vBytes(2, vBytes(1, tensorType))];
}

function node(op: string, inputs: string[], outputs: string[], attrs: number[][] = []): number[] {
  return [
    ...inputs.flatMap((i) => vStr(1, i)),
    ...outputs.flatMap((o) => vStr(2, o)),
    ...vStr(3, `${op}_${outputs[0]}`),
    ...vStr(4, op),
    ...attrs.flatMap((a) => vBytes(5, a)),
  ];
}

/** Model: input `images` [inputDims], output `outputName` = constant `values` of `outputDims`. */
export function constantModel(opts: {
  inputDims: number[];
  outputName?: string;
  outputDims: number[];
  values: Float32Array;
}): Uint8Array {
  const out = opts.outputName ?? 'output0';
  const keepdims0 = [...vStr(1, 'keepdims'), ...vInt(20, 2), ...vInt(3, 0)];
  const graph = [
    ...vBytes(1, node('ReduceMean', ['images'], ['m'], [keepdims0])),
    ...vBytes(1, node('Mul', ['m', 'zero'], ['mz'])),
    ...vBytes(1, node('Add', ['pred', 'mz'], [out])),
    ...vStr(2, 'test-graph'),
    ...vBytes(5, tensor('pred', opts.outputDims, opts.values)),
    ...vBytes(5, tensor('zero', [], new Float32Array([0]))),
    ...vBytes(11, valueInfo('images', opts.inputDims)),
    ...vBytes(12, valueInfo(out, opts.outputDims)),
  ];
  const model = [
    ...vInt(1, 8),
    ...vStr(2, 'sentinel-tests'),
    ...vBytes(7, graph),
    ...vBytes(8, [...vStr(1, ''), ...vInt(2, 13)]),
  ];
  return Uint8Array.from(model);
}

/** Model with several constant outputs (e.g. CenterNet heads), input `images` consumed as above. */
export function constantOutputsModel(opts: {
  inputDims: number[];
  outputs: Array<{ name: string; dims: number[]; values: Float32Array }>;
}): Uint8Array {
  const keepdims0 = [...vStr(1, 'keepdims'), ...vInt(20, 2), ...vInt(3, 0)];
  const graph = [
    ...vBytes(1, node('ReduceMean', ['images'], ['m'], [keepdims0])),
    ...vBytes(1, node('Mul', ['m', 'zero'], ['mz'])),
    ...opts.outputs.flatMap((o, i) => vBytes(1, node('Add', [`c${i}`, 'mz'], [o.name]))),
    ...vStr(2, 'test-graph'),
    ...opts.outputs.flatMap((o, i) => vBytes(5, tensor(`c${i}`, o.dims, o.values))),
    ...vBytes(5, tensor('zero', [], new Float32Array([0]))),
    ...vBytes(11, valueInfo('images', opts.inputDims)),
    ...opts.outputs.flatMap((o) => vBytes(12, valueInfo(o.name, o.dims))),
  ];
  return Uint8Array.from([
    ...vInt(1, 8),
    ...vStr(2, 'sentinel-tests'),
    ...vBytes(7, graph),
    ...vBytes(8, [...vStr(1, ''), ...vInt(2, 13)]),
  ]);
}

/** A YOLO-shaped model [1, 4 + classes, anchors] that always predicts `boxes` (input pixels, cx cy w h). */
export function yoloModel(
  input: number,
  numClasses: number,
  boxes: Array<{ cls: number; score: number; cx: number; cy: number; w: number; h: number }>,
): Uint8Array {
  const anchors = Math.max(4, boxes.length);
  const f = 4 + numClasses;
  const v = new Float32Array(f * anchors);
  boxes.forEach((b, a) => {
    v[0 * anchors + a] = b.cx;
    v[1 * anchors + a] = b.cy;
    v[2 * anchors + a] = b.w;
    v[3 * anchors + a] = b.h;
    v[(4 + b.cls) * anchors + a] = b.score;
  });
  return constantModel({ inputDims: [1, 3, input, input], outputDims: [1, f, anchors], values: v });
}
