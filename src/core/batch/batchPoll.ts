// Waiting for a batch: status reads with exponential backoff up to a cap, progress with an ETA, and a
// bounded tolerance for status reads that fail (the batch keeps running at the provider meanwhile).
import { sleep } from '../run/retry';
import type { BatchBackend, BatchStatus } from './batchTypes';

/** How often a batch is asked for its status. */
export interface PollOptions {
  /** The first wait, in ms (default 1 s); each wait doubles the last. */
  firstDelayMs?: number;
  /** The longest wait (default 60 s). */
  maxDelayMs?: number;
  /** Status reads that may fail in a row before the wait gives up (default 8). */
  maxFailures?: number;
}

/** Where a wait ended. */
export type PollEnd = { status: BatchStatus } | { aborted: true } | { error: unknown };

/** The time left at the rate requests finished since `since` (ms), or null before any finished. */
export function etaMs(status: BatchStatus, since: { at: number; done: number }, now: number): number | null {
  const finished = status.done - since.done;
  if (finished <= 0 || now <= since.at) return null;
  return ((status.total - status.done) * (now - since.at)) / finished;
}

/** Polls `id` until it ends, `signal` aborts, or reads fail `maxFailures` times in a row. */
export async function pollBatch(backend: BatchBackend, id: string, signal: AbortSignal, options: PollOptions, onStatus: (status: BatchStatus) => void): Promise<PollEnd> {
  const max = options.maxDelayMs ?? 60_000;
  let delay = Math.min(options.firstDelayMs ?? 1_000, max);
  let failures = 0;
  for (;;) {
    if (signal.aborted) return { aborted: true };
    try {
      const status = await backend.status(id, signal);
      failures = 0;
      onStatus(status);
      if (status.phase === 'ended') return { status };
    } catch (err) {
      if (signal.aborted) return { aborted: true };
      if (++failures >= (options.maxFailures ?? 8)) return { error: err };
    }
    if (!(await sleep(delay, signal))) return { aborted: true };
    delay = Math.min(delay * 2, max);
  }
}
