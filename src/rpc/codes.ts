// JSON-RPC error codes for WcError codes. Standard codes where JSON-RPC has one; the rest sit in
// -32010..-32019, clear of the codes vscode-jsonrpc itself uses (-32001, -32002, -32096..-32099).
// The `data.code` of every error carries the WcError code name, so clients need not know numbers.

import type { ErrorCode } from '../errors.js';

export const RPC_ERROR_CODE: Record<ErrorCode, number> = {
  InvalidArgument: -32602, // JSON-RPC InvalidParams
  Internal: -32603, // JSON-RPC InternalError
  Cancelled: -32800, // LSP RequestCancelled
  NotFound: -32010,
  AlreadyExists: -32011,
  FailedPrecondition: -32012,
  Corrupt: -32013,
  DigestMismatch: -32014,
  Unsupported: -32015,
  PermissionDenied: -32016,
};

export const METHOD_NOT_FOUND = -32601;
