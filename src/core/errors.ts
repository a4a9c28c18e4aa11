/**
 * Error types that decide the process exit status (lifecycle §1.3).
 *
 * - ExitCodeError: exit with `code` and write no termination message (the user's command exit status).
 * - ExitCodeWithCauseError: exit with `code` and write the message as termination message (exit 65 path).
 * - any other Error: termination message = message, exit 64.
 * - FatalError: log and exit 1 (Go's "fatal" log).
 * - PanicError: termination message = message, exit 2 (Go's CheckErr panic).
 *
 * Roles live in separately loaded bundles (src/cli/sea-chunk.ts), each with its own copy of these
 * classes, so callers classify errors with `exitKind()` — a tag on the object — never `instanceof`.
 */
export type ExitKind = 'exit-code' | 'exit-code-with-cause' | 'fatal' | 'panic';

export function exitKind(err: unknown): ExitKind | undefined {
  const kind = err && typeof err === 'object' && 'exitKind' in err ? (err as { exitKind: unknown }).exitKind : undefined;
  return kind === 'exit-code' || kind === 'exit-code-with-cause' || kind === 'fatal' || kind === 'panic' ? kind : undefined;
}
export class ExitCodeError extends Error {
  readonly code: number;
  exitKind: ExitKind = 'exit-code';
  constructor(code: number, message = `exit status ${code}`) {
    super(message);
    this.name = 'ExitCodeError';
    this.code = code;
  }
}

export class ExitCodeWithCauseError extends ExitCodeError {
  constructor(code: number, message: string) {
    super(code, message);
    this.name = 'ExitCodeWithCauseError';
    this.exitKind = 'exit-code-with-cause';
  }
}

export class FatalError extends Error {
  readonly exitKind: ExitKind = 'fatal';
  constructor(message: string) {
    super(message);
    this.name = 'FatalError';
  }
}

export class PanicError extends Error {
  readonly exitKind: ExitKind = 'panic';
  constructor(message: string) {
    super(message);
    this.name = 'PanicError';
  }
}

/** Text of an unknown thrown value. */
export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Node system errors carry `code` (ENOENT…); Go prints them as `<op> <path>: <strerror>`. */
export function errnoCode(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'code' in err && typeof (err as { code: unknown }).code === 'string') {
    return (err as { code: string }).code;
  }
  return undefined;
}

const STRERROR: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  EEXIST: 'file exists',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  ENOEXEC: 'exec format error',
  E2BIG: 'argument list too long',
  ETXTBSY: 'text file busy',
  ESRCH: 'no such process',
  EINVAL: 'invalid argument',
  ENAMETOOLONG: 'file name too long',
  ELOOP: 'too many levels of symbolic links',
  EMFILE: 'too many open files',
  EBUSY: 'device or resource busy',
  EXDEV: 'invalid cross-device link',
  ENOTEMPTY: 'directory not empty',
};

/** Go-style text of a system error: "no such file or directory" for ENOENT. */
export function strerror(err: unknown): string {
  const code = errnoCode(err);
  if (code && STRERROR[code]) return STRERROR[code];
  return errorText(err);
}

/** Go's *PathError text: `<op> <path>: <strerror>`. */
export function pathError(op: string, path: string, err: unknown): string {
  return `${op} ${path}: ${strerror(err)}`;
}
