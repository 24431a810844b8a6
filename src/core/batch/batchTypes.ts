// What the batch runner needs from a provider's batch API, whichever it is: submit a set of requests, read
// the batch's status, read its results item by item, cancel it. One unit per API (openaiBatch.ts,
// anthropicBatch.ts) in the registry of batchBackends.ts.
import type { CallError, CallResult } from '../types';
import type { PreparedChat } from '../providers/providerTypes';

/** One request of a batch: the exact payload a live call would send, under a key unique in the batch. */
export interface BatchItem {
  customId: string;
  payload: Record<string, unknown>;
}

/** A batch's state as its provider reports it. */
export interface BatchStatus {
  /** `running` while the provider works on it; `ended` once its results can be read (or it failed whole). */
  phase: 'running' | 'ended';
  /** The provider's word: validating, in_progress, finalizing, completed, expired, cancelling, cancelled, failed (OpenAI); in_progress, canceling, ended (Anthropic). */
  status: string;
  total: number;
  /** Requests finished so far, failed ones included. */
  done: number;
  failed: number;
  /** Why the whole batch failed (OpenAI's validation errors), when it did. */
  error?: string;
  /** When the provider created and ended the batch (ms since the epoch); `endedAt` null while it runs. */
  createdAt: number;
  endedAt: number | null;
}

/** What a batch answered for one request: the response body a live call would have got, or why not. */
export type BatchItemOutcome = { customId: string; body: unknown } | { customId: string; error: CallError };

/** A provider's batch API. Methods throw (SDK errors) when the API cannot be reached or refuses. */
export interface BatchBackend {
  /** Most requests and bytes of one batch (larger sets are split). */
  readonly limits: { items: number; bytes: number };
  /** The size of one item as it is sent, to split by `limits.bytes`. */
  itemBytes(item: BatchItem): number;
  /** Creates a batch of `items`; resolves to its id. */
  submit(items: BatchItem[], signal: AbortSignal): Promise<string>;
  status(id: string, signal: AbortSignal): Promise<BatchStatus>;
  /** Every result of an ended batch (order is the provider's). */
  results(id: string, signal: AbortSignal): AsyncIterable<BatchItemOutcome>;
  cancel(id: string): Promise<void>;
  /** One outcome as a call result, as a live call would have mapped it (redacted). */
  toResult(prepared: PreparedChat, outcome: BatchItemOutcome): Promise<CallResult>;
  /** A thrown SDK error as a call error. */
  describe(err: unknown, aborted: boolean): CallError;
}
