// One error type for the whole backend. The code is stable API: the RPC layer maps it to a
// JSON-RPC error code and the PowerShell module to an ErrorCategory and FullyQualifiedErrorId.

export const ERROR_CODES = [
  'NotFound',
  'AlreadyExists',
  'FailedPrecondition',
  'InvalidArgument',
  'Corrupt',
  'DigestMismatch',
  'Unsupported',
  'PermissionDenied',
  'Cancelled',
  'Internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Details that travel with an error: the path or key involved, an offset into the input, OS error numbers. */
export interface ErrorData {
  path?: string;
  key?: string;
  entry?: string;
  offset?: number;
  operation?: string;
  win32?: number;
  hresult?: number;
  [extra: string]: unknown;
}

export class WcError extends Error {
  readonly code: ErrorCode;
  readonly data: ErrorData;

  constructor(code: ErrorCode, message: string, data: ErrorData = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WcError';
    this.code = code;
    this.data = data;
  }
}

export function isWcError(e: unknown): e is WcError {
  return e instanceof WcError;
}

/** Shorthand for the most common case: bytes that do not parse. */
export function corrupt(message: string, data: ErrorData = {}): WcError {
  return new WcError('Corrupt', message, data);
}

export function invalidArgument(message: string, data: ErrorData = {}): WcError {
  return new WcError('InvalidArgument', message, data);
}

export function cancelled(message = 'the operation was cancelled', data: ErrorData = {}): WcError {
  return new WcError('Cancelled', message, data);
}

/** Node's fs errors carry errno codes; translate the ones users meet into our codes. */
export function fromNodeError(e: unknown, path?: string): WcError {
  if (isWcError(e)) return e;
  const err = e as NodeJS.ErrnoException;
  const where = path ?? err?.path;
  const data: ErrorData = where ? { path: where } : {};
  switch (err?.code) {
    case 'ENOENT':
      return new WcError('NotFound', `not found: ${where ?? err.message}`, data, { cause: e });
    case 'EEXIST':
      return new WcError('AlreadyExists', `already exists: ${where ?? err.message}`, data, { cause: e });
    case 'EACCES':
    case 'EPERM':
      return new WcError('PermissionDenied', `permission denied: ${where ?? err.message}`, data, { cause: e });
    case 'ENOTDIR':
    case 'EISDIR':
      return new WcError('FailedPrecondition', `${err.message}`, data, { cause: e });
    case 'ABORT_ERR':
      return cancelled(undefined, data);
    default:
      return new WcError('Internal', err?.message ?? String(e), data, { cause: e });
  }
}
