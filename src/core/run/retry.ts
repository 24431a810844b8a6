// The one retry layer (the SDKs run with `maxRetries: 0`): which failures are worth another attempt, and
// how long to wait before it.
import type { CallError } from '../types';
import { onAbort } from './abortListeners';

/** How the engine retries. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Backoff base: attempt n waits a random time in [0, base·2^(n-1)] ("full jitter"). */
  baseDelayMs: number;
  /** Upper bound of any wait, the server's `Retry-After` included. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 30_000 };

const RETRY_STATUS = new Set([408, 409, 429]);

/**
 * Whether a failure may succeed on another attempt: HTTP 408, 409, 429 and 5xx, and connection errors.
 * Our own per-request timeout is not retried (the user chose how long to wait), nor is anything the
 * request itself got wrong.
 */
export function isRetryable(error: CallError): boolean {
  if (error.status !== undefined) return RETRY_STATUS.has(error.status) || error.status >= 500;
  return error.kind === 'network' || error.kind === 'server' || error.kind === 'rate_limit';
}

/**
 * The wait before attempt `attempt + 1` (attempt counts from 1): the server's hint when it gave one,
 * otherwise full-jitter exponential backoff; never more than `maxDelayMs`.
 */
export function retryDelayMs(policy: RetryPolicy, attempt: number, retryAfterMs: number | null, random: () => number = Math.random): number {
  if (retryAfterMs !== null) return Math.min(Math.max(0, retryAfterMs), policy.maxDelayMs);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}

/** Resolves after `ms`, or to `false` at once when `signal` aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve(false);
      return;
    }
    const stop = signal
      ? onAbort(signal, () => {
          clearTimeout(timer);
          resolve(false);
        })
      : undefined;
    const timer = setTimeout(() => {
      stop?.();
      resolve(true);
    }, ms);
  });
}
