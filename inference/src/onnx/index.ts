/**
 * ONNX protobuf encoding and a small graph builder.
 *
 * - `GraphBuilder`, `attr`: build a graph node by node, then `toBytes()` gives a model file's bytes
 *   that onnxruntime can load (`InferenceSession.create(bytes)`).
 * - `DataType`: TensorProto element types.
 * - `encodeModel`/`decodeModel`: raw ModelProto (de)serialization; `inspectModel` summarises inputs/outputs.
 */
export { type AttrValue, attr, GraphBuilder, tensorProto } from './builder.ts';
export { inspectModel, type ModelSummary, type TensorInfo } from './inspect.ts';
export {
  DataType,
  type DataTypeId,
  type Dim,
  decodeModel,
  encodeModel,
  type ModelProtoObj,
} from './proto.ts';
