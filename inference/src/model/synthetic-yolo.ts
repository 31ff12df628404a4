import { COCO_LABELS } from '@sentinel/common';
import { attr, DataType, GraphBuilder } from '../onnx/index.ts';

export type SyntheticYoloOptions = {
  /** Square input size in pixels (multiple of `cell`). Default 64. */
  size?: number;
  /** Grid cell size in pixels: one anchor per cell. Default 8. */
  cell?: number;
  /** Number of classes. Default 80 (COCO). */
  classes?: number;
  /** Box width/height in pixels predicted at every anchor. Default 2 * cell. */
  boxSize?: number;
  inputName?: string;
  outputName?: string;
};

/**
 * A small, deterministic Ultralytics-YOLO-shaped ONNX model for tests and benchmarks:
 * input `images` [N,3,S,S] float (0..1, NCHW), output `output0` [N,4+C,A] with A = (S/cell)^2.
 *
 * Each anchor is one grid cell (row-major). Its box is centred on the cell with side `boxSize`.
 * Class scores come from the cell's mean colour: class 0 (person) = relu(R - G - B), class 2 (car) =
 * relu(B - R - G), class 1 = relu(G - R - B), every other class 0. So a pure red square in the image
 * gives `person` detections at those cells with score ≈ 1.
 */
export function buildSyntheticYoloModel(opts: SyntheticYoloOptions = {}): Uint8Array {
  const size = opts.size ?? 64;
  const cell = opts.cell ?? 8;
  const classes = opts.classes ?? COCO_LABELS.length;
  const boxSize = opts.boxSize ?? 2 * cell;
  if (size % cell !== 0) throw new Error('size must be a multiple of cell');
  if (classes < 3) throw new Error('need at least 3 classes');
  const grid = size / cell;
  const g = new GraphBuilder('synthetic-yolo');
  const x = g.input(opts.inputName ?? 'images', DataType.FLOAT, ['batch', 3, size, size]);
  const pooled = g.node('AveragePool', [x], {
    kernel_shape: attr.ints([cell, cell]),
    strides: attr.ints([cell, cell]),
  });
  // class scores: 1x1 conv over the pooled colour, then relu
  const w = new Float32Array(classes * 3);
  const colour = (c: number, r: number, gg: number, b: number) => w.set([r, gg, b], c * 3);
  colour(0, 1, -1, -1);
  colour(1, -1, 1, -1);
  colour(2, -1, -1, 1);
  const scores = g.node('Relu', [
    g.node(
      'Conv',
      [
        pooled,
        g.constFloat(w, [classes, 3, 1, 1], 'cls_w'),
        g.constFloat(new Float32Array(classes), [classes], 'cls_b'),
      ],
      {
        kernel_shape: attr.ints([1, 1]),
      },
    ),
  ]);
  // boxes: zero conv (gives the batch dimension) + a constant grid of cx, cy, w, h
  const zeros = g.node('Conv', [pooled, g.constFloat(new Float32Array(4 * 3), [4, 3, 1, 1], 'box_w')], {
    kernel_shape: attr.ints([1, 1]),
  });
  const grid4 = new Float32Array(4 * grid * grid);
  for (let r = 0; r < grid; r++)
    for (let c = 0; c < grid; c++) {
      const i = r * grid + c;
      grid4[i] = (c + 0.5) * cell;
      grid4[grid * grid + i] = (r + 0.5) * cell;
      grid4[2 * grid * grid + i] = boxSize;
      grid4[3 * grid * grid + i] = boxSize;
    }
  const boxes = g.node('Add', [zeros, g.constFloat(grid4, [1, 4, grid, grid], 'box_grid')]);
  const all = g.node('Concat', [boxes, scores], { axis: attr.int(1) });
  const out = g.node('Reshape', [all, g.constInt64([0, 4 + classes, -1])]);
  g.output(out, DataType.FLOAT, ['batch', 4 + classes, grid * grid], opts.outputName ?? 'output0');
  return g.toBytes({ format: 'yolo', generator: 'buildSyntheticYoloModel' });
}
