// Anthropic Message Batches through `@anthropic-ai/sdk` (`client.messages.batches`): the requests inline
// as `{ custom_id, params }`, `processing_status` in_progress → canceling → ended, and the results JSONL
// whose entries are succeeded, errored, canceled or expired. Shapes from anthropic-sdk-typescript
// (resources/messages/batches.ts).
import type { Anthropic as AnthropicClient } from '@anthropic-ai/sdk';
import type { AnthropicProvider } from '../providers/anthropicProvider';
import { kindForErrorType } from '../providers/providerErrors';
import type { CallError } from '../types';
import type { BatchItem, BatchItemOutcome, BatchStatus } from './batchTypes';
import { SdkBatch, timeOf } from './sdkBatch';

type MessageBatch = Awaited<ReturnType<AnthropicClient['messages']['batches']['retrieve']>>;

/** A message batch as Assay reads it. */
function anthropicBatchStatus(b: MessageBatch): BatchStatus {
  const c = b.request_counts;
  const failed = c.errored + c.canceled + c.expired;
  const total = c.processing + c.succeeded + failed;
  return {
    phase: b.processing_status === 'ended' ? 'ended' : 'running',
    status: b.processing_status,
    total,
    done: total - c.processing,
    failed,
    createdAt: timeOf(b.created_at) ?? Date.now(),
    endedAt: timeOf(b.ended_at),
  };
}

/** One entry of the results file as an outcome; null when it is not one. */
function anthropicOutcome(entry: unknown): BatchItemOutcome | null {
  if (!entry || typeof entry !== 'object') return null;
  const e = entry as { custom_id?: unknown; result?: { type?: string; message?: unknown; error?: { error?: { type?: string; message?: string } } } };
  if (typeof e.custom_id !== 'string' || !e.result) return null;
  const customId = e.custom_id;
  const r = e.result;
  let error: CallError;
  switch (r.type) {
    case 'succeeded':
      return { customId, body: r.message };
    case 'errored': {
      const inner = r.error?.error;
      error = { kind: kindForErrorType(inner?.type), message: `${inner?.type ?? 'error'}: ${inner?.message ?? 'the request failed in the batch'}` };
      break;
    }
    case 'canceled':
      error = { kind: 'cancelled', message: 'the batch was cancelled before this request ran (canceled)' };
      break;
    case 'expired':
      error = { kind: 'timeout', message: 'the batch expired (24 h) before this request ran (expired)' };
      break;
    default:
      error = { kind: 'malformed', message: `unknown batch result type '${String(r.type)}'` };
  }
  return { customId, error };
}

/** Anthropic's Message Batches for kind `anthropic` endpoints. */
export class AnthropicBatch extends SdkBatch<AnthropicClient, AnthropicProvider> {
  // Documented limits of one batch: 100,000 requests or 256 MB, whichever comes first.
  readonly limits = { items: 100_000, bytes: 256 * 1024 * 1024 };

  itemBytes(item: BatchItem): number {
    return Buffer.byteLength(JSON.stringify({ custom_id: item.customId, params: item.payload })) + 1;
  }

  async submit(items: BatchItem[], signal: AbortSignal): Promise<string> {
    const { client } = await this.session();
    const requests = items.map((i) => ({ custom_id: i.customId, params: i.payload }));
    const batch = await client.messages.batches.create({ requests } as never, { signal, maxRetries: 2 });
    return batch.id;
  }

  async status(id: string, signal: AbortSignal): Promise<BatchStatus> {
    const { client } = await this.session();
    return anthropicBatchStatus(await client.messages.batches.retrieve(id, {}, { signal, maxRetries: 2 }));
  }

  async *results(id: string, signal: AbortSignal): AsyncIterable<BatchItemOutcome> {
    const { client } = await this.session();
    const decoder = await client.messages.batches.results(id, {}, { signal, maxRetries: 2 });
    for await (const entry of decoder) {
      const outcome = anthropicOutcome(entry);
      if (outcome) yield outcome;
    }
  }

  async cancel(id: string): Promise<void> {
    const { client } = await this.session();
    await client.messages.batches.cancel(id, {}, { maxRetries: 2 });
  }
}
