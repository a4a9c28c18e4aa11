/**
 * Error classification of Kubernetes API failures (apimachinery's IsNotFound/IsForbidden/…, Argo's
 * util/errors IsTransientErr, lifecycle §4): which failures are worth retrying.
 */
import { KubeApiError, KubeNetworkError } from './client.ts';
import type { Logger } from '../log.ts';

const reasonOf = (err: unknown): string | undefined => (err instanceof KubeApiError ? err.reason : undefined);
const statusOf = (err: unknown): number | undefined => (err instanceof KubeApiError ? err.status : undefined);

export const isNotFound = (err: unknown): boolean => reasonOf(err) === 'NotFound' || (statusOf(err) === 404 && reasonOf(err) === 'Unknown');
export const isAlreadyExists = (err: unknown): boolean => reasonOf(err) === 'AlreadyExists';
export const isForbidden = (err: unknown): boolean => reasonOf(err) === 'Forbidden' || (statusOf(err) === 403 && reasonOf(err) === 'Unknown');
export const isConflict = (err: unknown): boolean => reasonOf(err) === 'Conflict' || (statusOf(err) === 409 && reasonOf(err) === 'Unknown');

const TRANSIENT_NETWORK_TEXTS = [
  'unexpected error when reading response body',
  'stream error when reading response body',
  'Connection closed by foreign host',
  'net/http: TLS handshake timeout',
  'i/o timeout',
  'connection timed out',
  'connection reset by peer',
  'http2: client connection lost',
  'http2: server sent GOAWAY and closed the connection',
  'request did not complete within requested timeout',
  'connect: connection refused',
  'invalid connection',
];

function matchesPattern(text: string, env: NodeJS.ProcessEnv): boolean {
  const pattern = env.TRANSIENT_ERROR_PATTERN;
  if (!pattern) return false;
  try {
    return new RegExp(pattern).test(text);
  } catch {
    return false; // Go ignores an invalid pattern (regexp.MatchString error → false)
  }
}

/** Argo's isTransientErr: quota, 429, 5xx timeouts/unavailable, network errors, etcd, TRANSIENT_ERROR_PATTERN. */
export function isTransientError(err: unknown, env: NodeJS.ProcessEnv = process.env): boolean {
  if (err === null || err === undefined) return false;
  const text = err instanceof Error ? err.message : String(err);
  if (err instanceof KubeApiError) {
    if (err.reason === 'Forbidden' && text.includes('exceeded quota')) return true;
    if (err.reason === 'TooManyRequests' || err.status === 429) return true;
    if (err.reason === 'Conflict' && text.includes('Operation cannot be fulfilled on resourcequota')) return true;
    if (err.reason === 'InternalError' && text.includes('resource quota evaluation timed out')) return true;
    if (err.reason === 'ServerTimeout' || err.reason === 'Timeout' || err.status === 504) return true;
    if (err.reason === 'ServiceUnavailable' || err.status === 503) return true;
  }
  if (err instanceof KubeNetworkError) return true; // Go: *net.OpError / *url.Error EOF / DNS errors
  const code = (err as NodeJS.ErrnoException).code;
  if (code && ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH'].includes(code)) return true;
  if (TRANSIENT_NETWORK_TEXTS.some((t) => text.includes(t))) return true;
  if (/etcdserver: (leader changed|request timed out|too many requests)/.test(text)) return true;
  if (text.includes('client rate limiter Wait returned an error')) return true;
  if (text.includes('upper: no more rows in')) return true;
  if ((err as { transient?: unknown }).transient === true) return true;
  return matchesPattern(text, env);
}

/**
 * util/errors.IsTransientErr: the same decision, logged as Go logs every call with an error — `Transient error`
 * (info) or `Non-transient error` (warn), with the error. Used where argoexec calls IsTransientErr, not its quiet
 * variant, so the role's log (a resource template's archived main.log) reads the same.
 */
export function isTransientErrorLogged(err: unknown, log: Logger, env: NodeJS.ProcessEnv = process.env): boolean {
  if (err === null || err === undefined) return false;
  const transient = isTransientError(err, env);
  const error = err instanceof Error ? err.message : String(err);
  if (transient) log.info('Transient error', { error });
  else log.warn('Non-transient error', { error });
  return transient;
}
