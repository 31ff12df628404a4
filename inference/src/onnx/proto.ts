import protobuf from 'protobufjs';

/**
 * The subset of onnx.proto (https://github.com/onnx/onnx/blob/main/onnx/onnx.proto, proto3 field numbers)
 * that we need to write and inspect models: model, graph, node, attribute, tensor, value info.
 */
const ONNX_PROTO = `
syntax = "proto3";
package onnx;

message AttributeProto {
  enum AttributeType {
    UNDEFINED = 0; FLOAT = 1; INT = 2; STRING = 3; TENSOR = 4; GRAPH = 5;
    FLOATS = 6; INTS = 7; STRINGS = 8; TENSORS = 9; GRAPHS = 10;
  }
  string name = 1;
  string ref_attr_name = 21;
  string doc_string = 13;
  AttributeType type = 20;
  float f = 2;
  int64 i = 3;
  bytes s = 4;
  TensorProto t = 5;
  GraphProto g = 6;
  repeated float floats = 7;
  repeated int64 ints = 8;
  repeated bytes strings = 9;
  repeated TensorProto tensors = 10;
  repeated GraphProto graphs = 11;
}

message ValueInfoProto {
  string name = 1;
  TypeProto type = 2;
  string doc_string = 3;
}

message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  string name = 3;
  string op_type = 4;
  string domain = 7;
  repeated AttributeProto attribute = 5;
  string doc_string = 6;
}

message StringStringEntryProto {
  string key = 1;
  string value = 2;
}

message OperatorSetIdProto {
  string domain = 1;
  int64 version = 2;
}

message ModelProto {
  int64 ir_version = 1;
  repeated OperatorSetIdProto opset_import = 8;
  string producer_name = 2;
  string producer_version = 3;
  string domain = 4;
  int64 model_version = 5;
  string doc_string = 6;
  GraphProto graph = 7;
  repeated StringStringEntryProto metadata_props = 14;
}

message GraphProto {
  repeated NodeProto node = 1;
  string name = 2;
  repeated TensorProto initializer = 5;
  string doc_string = 10;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
  repeated ValueInfoProto value_info = 13;
}

message TensorProto {
  repeated int64 dims = 1;
  int32 data_type = 2;
  repeated float float_data = 4 [packed = true];
  repeated int32 int32_data = 5 [packed = true];
  repeated bytes string_data = 6;
  repeated int64 int64_data = 7 [packed = true];
  string name = 8;
  string doc_string = 12;
  bytes raw_data = 9;
  repeated double double_data = 10 [packed = true];
  repeated uint64 uint64_data = 11 [packed = true];
}

message TensorShapeProto {
  message Dimension {
    oneof value {
      int64 dim_value = 1;
      string dim_param = 2;
    }
    string denotation = 3;
  }
  repeated Dimension dim = 1;
}

message TypeProto {
  message Tensor {
    int32 elem_type = 1;
    TensorShapeProto shape = 2;
  }
  oneof value {
    Tensor tensor_type = 1;
  }
  string denotation = 6;
}
`;

const root = protobuf.parse(ONNX_PROTO, { keepCase: true }).root;

export const ModelProtoType = root.lookupType('onnx.ModelProto');

/** TensorProto.DataType values we use. */
export const DataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
  FLOAT16: 10,
} as const;
export type DataTypeId = (typeof DataType)[keyof typeof DataType];

export const AttributeType = {
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
} as const;

/** Plain-object shapes (keepCase field names) of the messages we write and read. */
export type TensorProtoObj = {
  name?: string;
  dims: number[];
  data_type: number;
  raw_data?: Uint8Array;
};

export type AttributeProtoObj = {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProtoObj;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
};

export type NodeProtoObj = {
  name?: string;
  op_type: string;
  domain?: string;
  input: string[];
  output: string[];
  attribute?: AttributeProtoObj[];
};

/** A dimension is a fixed size or a symbolic name (e.g. 'batch'). */
export type Dim = number | string;

export type ValueInfoObj = {
  name: string;
  type: {
    tensor_type: { elem_type: number; shape: { dim: Array<{ dim_value?: number; dim_param?: string }> } };
  };
};

export type GraphProtoObj = {
  name: string;
  node: NodeProtoObj[];
  initializer: TensorProtoObj[];
  input: ValueInfoObj[];
  output: ValueInfoObj[];
};

export type ModelProtoObj = {
  ir_version: number;
  opset_import: Array<{ domain: string; version: number }>;
  producer_name: string;
  producer_version: string;
  doc_string?: string;
  graph: GraphProtoObj;
  metadata_props?: Array<{ key: string; value: string }>;
};

/** Serialize a model object to ONNX protobuf bytes. */
export function encodeModel(model: ModelProtoObj): Uint8Array {
  const err = ModelProtoType.verify(model);
  if (err) throw new Error(`invalid ONNX model object: ${err}`);
  return ModelProtoType.encode(ModelProtoType.fromObject(model)).finish();
}

/** Parse ONNX bytes into a plain object (int64 as numbers, bytes as Uint8Array). Throws on corrupt input. */
export function decodeModel(bytes: Uint8Array): ModelProtoObj {
  const msg = ModelProtoType.decode(bytes);
  return ModelProtoType.toObject(msg, {
    longs: Number,
    bytes: Uint8Array,
    defaults: true,
    arrays: true,
    oneofs: false,
  }) as ModelProtoObj;
}
