/**
 * The protobuf messages of Hadoop's client RPC (RpcHeader, IpcConnectionContext, ProtobufRpcEngine, the
 * ClientNamenodeProtocol calls we make) and of the data-transfer protocol (OpReadBlock, OpWriteBlock, packets,
 * acks): only the fields a client needs, written here from the wire format (field numbers and types as Hadoop
 * 3.x defines them). Every field is `optional` so that a server leaving one out never fails a decode; unknown
 * fields are skipped. Parsed once by protobufjs (docs/decisions.md D23).
 */
import protobuf from 'protobufjs';

const SCHEMA = `
syntax = "proto2";
package hdfs;

message RpcRequestHeaderProto {
  optional int32 rpcKind = 1;
  optional int32 rpcOp = 2;
  optional sint32 callId = 3;
  optional bytes clientId = 4;
  optional sint32 retryCount = 5 [default = -1];
}
message RpcResponseHeaderProto {
  optional uint32 callId = 1;
  optional int32 status = 2;
  optional uint32 serverIpcVersionNum = 3;
  optional string exceptionClassName = 4;
  optional string errorMsg = 5;
  optional int32 errorDetail = 6;
  optional bytes clientId = 7;
  optional sint32 retryCount = 8;
}
message UserInformationProto {
  optional string effectiveUser = 1;
  optional string realUser = 2;
}
message IpcConnectionContextProto {
  optional UserInformationProto userInfo = 2;
  optional string protocol = 3;
}
message RequestHeaderProto {
  optional string methodName = 1;
  optional string declaringClassProtocolName = 2;
  optional uint64 clientProtocolVersion = 3;
}
message TokenProto {
  optional bytes identifier = 1;
  optional bytes password = 2;
  optional string kind = 3;
  optional string service = 4;
}

message ExtendedBlockProto {
  optional string poolId = 1;
  optional uint64 blockId = 2;
  optional uint64 generationStamp = 3;
  optional uint64 numBytes = 4;
}
message DatanodeIDProto {
  optional string ipAddr = 1;
  optional string hostName = 2;
  optional string datanodeUuid = 3;
  optional uint32 xferPort = 4;
  optional uint32 infoPort = 5;
  optional uint32 ipcPort = 6;
  optional uint32 infoSecurePort = 7;
}
message DatanodeInfoProto {
  optional DatanodeIDProto id = 1;
  optional uint64 capacity = 2;
  optional uint64 dfsUsed = 3;
  optional uint64 remaining = 4;
  optional uint64 blockPoolUsed = 5;
  optional uint64 lastUpdate = 6;
  optional uint32 xceiverCount = 7;
  optional string location = 8;
  optional uint64 nonDfsUsed = 9;
  optional int32 adminState = 10;
}
message LocatedBlockProto {
  optional ExtendedBlockProto b = 1;
  optional uint64 offset = 2;
  repeated DatanodeInfoProto locs = 3;
  optional bool corrupt = 4;
  optional TokenProto blockToken = 5;
  repeated int32 storageTypes = 7;
  repeated string storageIDs = 8;
}
message LocatedBlocksProto {
  optional uint64 fileLength = 1;
  repeated LocatedBlockProto blocks = 2;
  optional bool underConstruction = 3;
  optional LocatedBlockProto lastBlock = 4;
  optional bool isLastBlockComplete = 5;
}
message FsPermissionProto {
  optional uint32 perm = 1;
}
message HdfsFileStatusProto {
  optional int32 fileType = 1;
  optional bytes path = 2;
  optional uint64 length = 3;
  optional FsPermissionProto permission = 4;
  optional string owner = 5;
  optional string group = 6;
  optional uint64 modification_time = 7;
  optional uint64 access_time = 8;
  optional bytes symlink = 9;
  optional uint32 block_replication = 10;
  optional uint64 blocksize = 11;
  optional LocatedBlocksProto locations = 12;
  optional uint64 fileId = 13;
  optional int32 childrenNum = 14;
}
message FsServerDefaultsProto {
  optional uint64 blockSize = 1;
  optional uint32 bytesPerChecksum = 2;
  optional uint32 writePacketSize = 3;
  optional uint32 replication = 4;
  optional uint32 fileBufferSize = 5;
  optional bool encryptDataTransfer = 6;
  optional uint64 trashInterval = 7;
  optional int32 checksumType = 8;
}
message DirectoryListingProto {
  repeated HdfsFileStatusProto partialListing = 1;
  optional uint32 remainingEntries = 2;
}

message GetFileInfoRequestProto { optional string src = 1; }
message GetFileInfoResponseProto { optional HdfsFileStatusProto fs = 1; }
message GetListingRequestProto {
  optional string src = 1;
  optional bytes startAfter = 2;
  optional bool needLocation = 3;
}
message GetListingResponseProto { optional DirectoryListingProto dirList = 1; }
message GetBlockLocationsRequestProto {
  optional string src = 1;
  optional uint64 offset = 2;
  optional uint64 length = 3;
}
message GetBlockLocationsResponseProto { optional LocatedBlocksProto locations = 1; }
message GetServerDefaultsRequestProto {}
message GetServerDefaultsResponseProto { optional FsServerDefaultsProto serverDefaults = 1; }
message MkdirsRequestProto {
  optional string src = 1;
  optional FsPermissionProto masked = 2;
  optional bool createParent = 3;
}
message MkdirsResponseProto { optional bool result = 1; }
message CreateRequestProto {
  optional string src = 1;
  optional FsPermissionProto masked = 2;
  optional string clientName = 3;
  optional uint32 createFlag = 4;
  optional bool createParent = 5;
  optional uint32 replication = 6;
  optional uint64 blockSize = 7;
}
message CreateResponseProto { optional HdfsFileStatusProto fs = 1; }
message AddBlockRequestProto {
  optional string src = 1;
  optional string clientName = 2;
  optional ExtendedBlockProto previous = 3;
  repeated DatanodeInfoProto excludeNodes = 4;
  optional uint64 fileId = 5;
}
message AddBlockResponseProto { optional LocatedBlockProto block = 1; }
message AbandonBlockRequestProto {
  optional ExtendedBlockProto b = 1;
  optional string src = 2;
  optional string holder = 3;
  optional uint64 fileId = 4;
}
message AbandonBlockResponseProto {}
message CompleteRequestProto {
  optional string src = 1;
  optional string clientName = 2;
  optional ExtendedBlockProto last = 3;
  optional uint64 fileId = 4;
}
message CompleteResponseProto { optional bool result = 1; }
message DeleteRequestProto {
  optional string src = 1;
  optional bool recursive = 2;
}
message DeleteResponseProto { optional bool result = 1; }
message RenameRequestProto {
  optional string src = 1;
  optional string dst = 2;
}
message RenameResponseProto { optional bool result = 1; }
message RenewLeaseRequestProto { optional string clientName = 1; }
message RenewLeaseResponseProto {}

message BaseHeaderProto {
  optional ExtendedBlockProto block = 1;
  optional TokenProto token = 2;
}
message ClientOperationHeaderProto {
  optional BaseHeaderProto baseHeader = 1;
  optional string clientName = 2;
}
message ChecksumProto {
  optional int32 type = 1;
  optional uint32 bytesPerChecksum = 2;
}
message OpReadBlockProto {
  optional ClientOperationHeaderProto header = 1;
  optional uint64 offset = 2;
  optional uint64 len = 3;
  optional bool sendChecksums = 4;
}
message OpWriteBlockProto {
  optional ClientOperationHeaderProto header = 1;
  repeated DatanodeInfoProto targets = 2;
  optional int32 stage = 4;
  optional uint32 pipelineSize = 5;
  optional uint64 minBytesRcvd = 6;
  optional uint64 maxBytesRcvd = 7;
  optional uint64 latestGenerationStamp = 8;
  optional ChecksumProto requestedChecksum = 9;
}
message ReadOpChecksumInfoProto {
  optional ChecksumProto checksum = 1;
  optional uint64 chunkOffset = 2;
}
message BlockOpResponseProto {
  optional int32 status = 1;
  optional string firstBadLink = 2;
  optional ReadOpChecksumInfoProto readOpChecksumInfo = 4;
  optional string message = 5;
}
message ClientReadStatusProto { optional int32 status = 1; }
message PacketHeaderProto {
  optional sfixed64 offsetInBlock = 1;
  optional sfixed64 seqno = 2;
  optional bool lastPacketInBlock = 3;
  optional sfixed32 dataLen = 4;
  optional bool syncBlock = 5;
}
message PipelineAckProto {
  optional sint64 seqno = 1;
  repeated int32 reply = 2;
  optional uint64 downstreamAckTimeNanos = 3;
  repeated uint32 flag = 4 [packed = true];
}
`;

const root = protobuf.parse(SCHEMA, { keepCase: true }).root;

/** Data-transfer status codes (datatransfer.proto `Status`), by number. */
export const STATUS_NAMES = [
  'SUCCESS', 'ERROR', 'ERROR_CHECKSUM', 'ERROR_INVALID', 'ERROR_EXISTS', 'ERROR_ACCESS_TOKEN', 'CHECKSUM_OK',
  'ERROR_UNSUPPORTED', 'OOB_RESTART', 'OOB_RESERVED1', 'OOB_RESERVED2', 'OOB_RESERVED3', 'IN_PROGRESS', 'ERROR_BLOCK_PINNED',
];
/** RpcResponseHeaderProto.RpcErrorCodeProto names, by number. */
export const RPC_ERROR_CODES: Record<number, string> = {
  1: 'ERROR_APPLICATION', 2: 'ERROR_NO_SUCH_METHOD', 3: 'ERROR_NO_SUCH_PROTOCOL', 4: 'ERROR_RPC_SERVER',
  5: 'ERROR_SERIALIZING_RESPONSE', 6: 'ERROR_RPC_VERSION_MISMATCH', 10: 'FATAL_UNKNOWN', 11: 'FATAL_UNSUPPORTED_SERIALIZATION',
  12: 'FATAL_INVALID_RPC_HEADER', 13: 'FATAL_DESERIALIZING_REQUEST', 14: 'FATAL_VERSION_MISMATCH', 15: 'FATAL_UNAUTHORIZED',
};
export const FILE_TYPE_DIR = 1;
export const CHECKSUM_NULL = 0;
export const CHECKSUM_CRC32 = 1;
export const CHECKSUM_CRC32C = 2;
export const STAGE_PIPELINE_SETUP_CREATE = 6;

/** A plain object of a message: 64-bit integers as numbers (block ids, lengths: all below 2^53), bytes as Buffers. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Msg = Record<string, any>;

const types = new Map<string, protobuf.Type>();
function type(name: string): protobuf.Type {
  let t = types.get(name);
  if (!t) {
    t = root.lookupType(`hdfs.${name}`);
    types.set(name, t);
  }
  return t;
}

export function encode(name: string, value: Msg): Uint8Array {
  const t = type(name);
  return t.encode(t.fromObject(value)).finish();
}

export function decode(name: string, bytes: Uint8Array): Msg {
  const t = type(name);
  return t.toObject(t.decode(bytes), { longs: Number, enums: Number, bytes: Buffer, defaults: false }) as Msg;
}

/** `varint(len) || message`, as Hadoop's writeDelimitedTo. */
export function encodeDelimited(name: string, value: Msg): Buffer {
  const body = encode(name, value);
  return Buffer.concat([uvarint(body.length), body]);
}

export function uvarint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
}

/** Reads a uvarint at `off`: [value, bytes used], or undefined when `buf` ends first. */
export function readUvarint(buf: Uint8Array, off = 0): [number, number] | undefined {
  let v = 0;
  let mul = 1;
  for (let i = off; i < buf.length && i < off + 10; i++) {
    const b = buf[i] as number;
    v += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) return [v, i - off + 1];
    mul *= 128;
  }
  return undefined;
}
