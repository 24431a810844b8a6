// The OpenAI Batch API through the `openai` SDK: the requests as a JSONL file uploaded with purpose
// `batch`, a batch over it (24 h window), its status, and its output and error files read line by line.
// Shapes from openai-node (resources/batches.ts, files.ts) and the API reference's BatchRequestOutput.
import type { OpenAI as OpenAIClient } from 'openai';
import { kindForStatus } from '../providers/providerErrors';
import type { OpenAiProvider } from '../providers/openaiProvider';
import type { CallError } from '../types';
import type { BatchItem, BatchItemOutcome, BatchStatus } from './batchTypes';
import { jsonLines, SdkBatch, timeOf } from './sdkBatch';

type Batch = Awaited<ReturnType<OpenAIClient['batches']['retrieve']>>;

const RUNNING = new Set(['validating', 'in_progress', 'finalizing', 'cancelling']);

/** A batch as Assay reads it. */
function openAiBatchStatus(b: Batch): BatchStatus {
  const counts = b.request_counts ?? { total: 0, completed: 0, failed: 0 };
  const errors = (b.errors?.data ?? []).map((e) => `${e.line !== undefined && e.line !== null ? `line ${e.line}: ` : ''}${e.message ?? e.code ?? 'error'}`);
  return {
    phase: RUNNING.has(b.status) ? 'running' : 'ended',
    status: b.status,
    total: counts.total,
    done: counts.completed + counts.failed,
    failed: counts.failed,
    ...(b.status === 'failed' ? { error: errors.length > 0 ? errors.slice(0, 5).join('; ') : 'the batch failed' } : {}),
    createdAt: timeOf(b.created_at) ?? Date.now(),
    endedAt: timeOf(b.completed_at ?? b.expired_at ?? b.cancelled_at ?? b.failed_at),
  };
}

/** Per-request error codes of the error file (BatchRequestOutput.error.code). */
const LINE_ERRORS: Record<string, Pick<CallError, 'kind'> & { why: string }> = {
  batch_expired: { kind: 'timeout', why: 'the batch expired (24 h window) before this request ran' },
  batch_cancelled: { kind: 'cancelled', why: 'the batch was cancelled before this request ran' },
  request_timeout: { kind: 'timeout', why: 'the call to the model timed out' },
};

/** One line of an output or error file as an outcome; null when it is not one (no custom_id). */
function openAiOutcome(line: unknown): BatchItemOutcome | null {
  if (!line || typeof line !== 'object') return null;
  const l = line as { custom_id?: unknown; response?: { status_code?: number; body?: unknown } | null; error?: { code?: string; message?: string } | null };
  if (typeof l.custom_id !== 'string') return null;
  const customId = l.custom_id;
  const status = l.response?.status_code;
  if (l.response && typeof status === 'number' && status >= 200 && status < 300) return { customId, body: l.response.body };
  if (l.response && typeof status === 'number') {
    const body = l.response.body as { error?: { message?: string } } | undefined;
    return { customId, error: { kind: kindForStatus(status), status, message: body?.error?.message ?? `HTTP ${status}` } };
  }
  const code = l.error?.code ?? '';
  const known = LINE_ERRORS[code];
  const message = l.error?.message ?? known?.why ?? 'the batch gave no response for this request';
  return { customId, error: { kind: known?.kind ?? 'server', message: known ? `${known.why} (${code}): ${message}` : message } };
}

/** OpenAI's Batch API for kind `openai` endpoints (chat completions or the Responses API). */
export class OpenAiBatch extends SdkBatch<OpenAIClient, OpenAiProvider> {
  // Documented limits of one input file: 50,000 requests, 200 MB.
  readonly limits = { items: 50_000, bytes: 200 * 1024 * 1024 };

  /** Each item's request line, made once: sizing the batch and sending it both need it. */
  private readonly lines = new WeakMap<BatchItem, string>();

  private line(item: BatchItem): string {
    let line = this.lines.get(item);
    if (line === undefined) {
      line = JSON.stringify({ custom_id: item.customId, method: 'POST', url: this.provider.batchEndpoint, body: item.payload });
      this.lines.set(item, line);
    }
    return line;
  }

  itemBytes(item: BatchItem): number {
    return Buffer.byteLength(this.line(item)) + 1;
  }

  async submit(items: BatchItem[], signal: AbortSignal): Promise<string> {
    const { client } = await this.session();
    const text = items.map((i) => this.line(i)).join('\n') + '\n';
    const file = await client.files.create({ file: new File([text], 'assay-batch.jsonl', { type: 'application/jsonl' }), purpose: 'batch' }, { signal, maxRetries: 2 });
    const batch = await client.batches.create({ input_file_id: file.id, endpoint: this.provider.batchEndpoint, completion_window: '24h', metadata: { source: 'assay' } }, { signal, maxRetries: 2 });
    return batch.id;
  }

  async status(id: string, signal: AbortSignal): Promise<BatchStatus> {
    const { client } = await this.session();
    return openAiBatchStatus(await client.batches.retrieve(id, { signal, maxRetries: 2 }));
  }

  async *results(id: string, signal: AbortSignal): AsyncIterable<BatchItemOutcome> {
    const { client } = await this.session();
    const batch = await client.batches.retrieve(id, { signal, maxRetries: 2 });
    for (const fileId of [batch.output_file_id, batch.error_file_id]) {
      if (!fileId) continue;
      const response = await client.files.content(fileId, { signal, maxRetries: 2 });
      for await (const line of jsonLines(response.body as AsyncIterable<Uint8Array> | null)) {
        const outcome = openAiOutcome(line);
        if (outcome) yield outcome;
      }
    }
  }

  async cancel(id: string): Promise<void> {
    const { client } = await this.session();
    await client.batches.cancel(id, { maxRetries: 2 });
  }
}
