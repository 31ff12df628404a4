import type { InputSpec } from '../decode/types.ts';

/**
 * Write one RGB24 picture (already at spec.width x spec.height) into a float tensor buffer at batch
 * position `index`, following the spec: value = (pixel * scale - mean[c]) / std[c], NHWC or NCHW.
 */
export function fillInputTensor(dst: Float32Array, index: number, rgb: Uint8Array, spec: InputSpec): void {
  const plane = spec.width * spec.height;
  if (rgb.length !== plane * 3)
    throw new Error(
      `frame has ${rgb.length} bytes, expected ${plane * 3} (${spec.width}x${spec.height} RGB24)`,
    );
  const base = index * plane * 3;
  if (base + plane * 3 > dst.length) throw new Error(`batch index ${index} does not fit the tensor`);
  const { scale } = spec;
  const [m0, m1, m2] = spec.mean;
  const [s0, s1, s2] = spec.std;
  if (spec.layout === 'nhwc') {
    if (scale === 1 && m0 === 0 && m1 === 0 && m2 === 0 && s0 === 1 && s1 === 1 && s2 === 1) {
      for (let i = 0; i < rgb.length; i++) dst[base + i] = rgb[i]!;
      return;
    }
    for (let p = 0, i = 0; p < plane; p++, i += 3) {
      dst[base + i] = (rgb[i]! * scale - m0) / s0;
      dst[base + i + 1] = (rgb[i + 1]! * scale - m1) / s1;
      dst[base + i + 2] = (rgb[i + 2]! * scale - m2) / s2;
    }
  } else {
    for (let p = 0, i = 0; p < plane; p++, i += 3) {
      dst[base + p] = (rgb[i]! * scale - m0) / s0;
      dst[base + plane + p] = (rgb[i + 1]! * scale - m1) / s1;
      dst[base + 2 * plane + p] = (rgb[i + 2]! * scale - m2) / s2;
    }
  }
}

/** A batch tensor buffer and its dims for a list of RGB24 pictures. */
export function toInputTensor(
  frames: readonly Uint8Array[],
  spec: InputSpec,
): { data: Float32Array; dims: [number, number, number, number] } {
  const n = frames.length;
  const data = new Float32Array(n * spec.width * spec.height * 3);
  for (let i = 0; i < n; i++) fillInputTensor(data, i, frames[i]!, spec);
  const dims: [number, number, number, number] =
    spec.layout === 'nhwc' ? [n, spec.height, spec.width, 3] : [n, 3, spec.height, spec.width];
  return { data, dims };
}
