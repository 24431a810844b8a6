// Turns what the SDKs throw into `CallError` data, and reads the server's retry hints.
import type { CallError, ErrorKind } from '../types';
import { EventTooLargeError, ResponseTooLargeError } from './httpTransport';

/** The SDK error classes a provider passes in (from the lazily loaded module, so `instanceof` works). */
export interface SdkErrorClasses {
  /** `OpenAIError` / `AnthropicError`: every error the SDK raises on purpose. */
  base: abstract new (...args: never[]) => Error;
  apiError: abstract new (...args: never[]) => Error;
  userAbort: abstract new (...args: never[]) => Error;
  connection: abstract new (...args: never[]) => Error;
  connectionTimeout: abstract new (...args: never[]) => Error;
}

/** The error kind for an HTTP status. */
export function kindForStatus(status: number): ErrorKind {
  if (status === 401 || status === 402 || status === 403) return 'auth';
  if (status === 404) return 'not_found';
  if (status === 408) return 'timeout';
  if (status === 429) return 'rate_limit';
  if (status === 409 || status >= 500) return 'server';
  return 'bad_request';
}

/** Error kinds of provider error types that arrive without an HTTP status (inside a stream, in a batch's results). */
const EVENT_KINDS: Record<string, ErrorKind> = {
  overloaded_error: 'server',
  api_error: 'server',
  rate_limit_error: 'rate_limit',
  authentication_error: 'auth',
  permission_error: 'auth',
  not_found_error: 'not_found',
  invalid_request_error: 'bad_request',
  request_too_large: 'bad_request',
  timeout_error: 'timeout',
};

/** The error kind for a provider's error type (`overloaded_error`…); `server` for one it does not know. */
export function kindForErrorType(type: string | undefined): ErrorKind {
  return (type !== undefined ? EVENT_KINDS[type] : undefined) ?? 'server';
}

/**
 * Milliseconds the server asked us to wait: `retry-after-ms` (OpenAI, Azure), else `Retry-After` as
 * seconds (decimals allowed) or an HTTP date. `null` when absent or unreadable.
 */
export function parseRetryAfter(headers: { get(name: string): string | null } | undefined | null, now: number = Date.now()): number | null {
  if (!headers) return null;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '') {
    const n = Number(ms);
    if (Number.isFinite(n) && n >= 0) return n;
  }
  const ra = headers.get('retry-after');
  if (ra === null || ra.trim() === '') return null;
  const trimmed = ra.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - now);
}

/** A classified failure and the retry hint that came with it. */
export interface ClassifiedError {
  error: CallError;
  retryAfterMs: number | null;
}

function errorType(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const b = body as { type?: unknown; error?: { type?: unknown } };
  if (b.error && typeof b.error === 'object' && typeof b.error.type === 'string') return b.error.type;
  return typeof b.type === 'string' ? b.type : undefined;
}

/**
 * Classifies an error thrown while calling an SDK. `aborted` says whether our own signal fired, so an
 * abort is `cancelled` however the SDK reported it (the engine relabels its timeouts). Errors that are
 * neither the SDK's nor the network's are bugs and are rethrown.
 */
export function classifySdkError(err: unknown, sdk: SdkErrorClasses, aborted: boolean, where: string): ClassifiedError {
  if (aborted || err instanceof sdk.userAbort || (err instanceof Error && err.name === 'AbortError')) {
    return { error: { kind: 'cancelled', message: 'Cancelled' }, retryAfterMs: null };
  }
  const tooLarge = findInCauses(err, (e) => e instanceof ResponseTooLargeError || e instanceof EventTooLargeError);
  if (tooLarge) return { error: { kind: 'malformed', message: `${where}: ${tooLarge.message}` }, retryAfterMs: null };
  if (err instanceof sdk.connectionTimeout) {
    return { error: { kind: 'timeout', message: `No response from ${where} in time` }, retryAfterMs: null };
  }
  if (err instanceof sdk.connection) {
    const cause = (err as Error & { cause?: unknown }).cause;
    const detail = cause instanceof Error ? describeNetworkError(cause) : err.message;
    return { error: { kind: 'network', message: `Could not reach ${where}: ${detail}` }, retryAfterMs: null };
  }
  if (err instanceof sdk.apiError) {
    const e = err as Error & { status?: number; headers?: Headers; error?: unknown };
    if (typeof e.status === 'number') {
      return { error: { kind: kindForStatus(e.status), message: e.message, status: e.status }, retryAfterMs: parseRetryAfter(e.headers) };
    }
    const type = errorType(e.error);
    return { error: { kind: kindForErrorType(type), message: e.message }, retryAfterMs: null };
  }
  if (err instanceof SyntaxError) {
    return { error: { kind: 'malformed', message: `${where} sent data that is not valid JSON: ${err.message}` }, retryAfterMs: null };
  }
  if (err instanceof sdk.base) {
    return { error: { kind: 'bad_request', message: err.message }, retryAfterMs: null };
  }
  if (err instanceof TypeError && /fetch failed|terminated|socket|ECONN|EPIPE|network/i.test(err.message + String((err as { cause?: unknown }).cause ?? ''))) {
    return { error: { kind: 'network', message: `Connection to ${where} failed: ${describeNetworkError(err)}` }, retryAfterMs: null };
  }
  if (err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' && /^(E[A-Z]+|UND_ERR)/.test((err as NodeJS.ErrnoException).code!)) {
    return { error: { kind: 'network', message: `Connection to ${where} failed: ${describeNetworkError(err)}` }, retryAfterMs: null };
  }
  throw err;
}

/** A short description of a network error: the message plus the system error code when there is one. */
export function describeNetworkError(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  const cause = (err as { cause?: unknown }).cause;
  const inner = cause instanceof Error && cause !== err ? ` (${describeNetworkError(cause)})` : '';
  return `${err.message}${code && !err.message.includes(code) ? ` [${code}]` : ''}${inner}`;
}

/** The first error in `err`'s cause chain (itself included) that `test` accepts. */
function findInCauses(err: unknown, test: (e: Error) => boolean): Error | undefined {
  const seen = new Set<unknown>();
  for (let e = err; e instanceof Error && !seen.has(e); e = (e as { cause?: unknown }).cause) {
    seen.add(e);
    if (test(e)) return e;
  }
  return undefined;
}
