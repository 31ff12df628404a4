import type { InputSpec } from '../decode/types.ts';

/**
 * How each model format wants its input (the runtime letterboxes frames to inputWidth x inputHeight first):
 * - centernet (converted from @vladmandic/human): NHWC float pixels 0..255, no normalisation — human feeds
 *   the image tensor cast to float32 straight into the graph (src/object/centernet.ts: resizeBilinear then
 *   execute), and the first convolution works on raw pixel values.
 * - yolo (Ultralytics export): NCHW, pixels / 255, input named `images` unless the file says otherwise.
 */
export function inputSpecFor(model: {
  format: 'centernet' | 'yolo';
  inputWidth: number;
  inputHeight: number;
  inputName?: string;
}): InputSpec {
  if (model.format === 'centernet')
    return {
      inputName: model.inputName ?? 'tower_0/images',
      layout: 'nhwc',
      scale: 1,
      mean: [0, 0, 0],
      std: [1, 1, 1],
      width: model.inputWidth,
      height: model.inputHeight,
    };
  return {
    inputName: model.inputName ?? 'images',
    layout: 'nchw',
    scale: 1 / 255,
    mean: [0, 0, 0],
    std: [1, 1, 1],
    width: model.inputWidth,
    height: model.inputHeight,
  };
}
