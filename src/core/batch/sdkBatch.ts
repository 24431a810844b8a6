// What the OpenAI and Anthropic batch units share: the provider's SDK session (its key, client and
// redactor), mapping an outcome as a live call's response would be, and reading JSONL result files.
import type { Redactor } from '../redact';
import type { PreparedChat } from '../providers/providerTypes';
import type { SdkProvider } from '../providers/sdkProvider';
import type { CallError, CallResult } from '../types';
import type { BatchBackend, BatchItem, BatchItemOutcome, BatchStatus } from './batchTypes';

/** A batch API call that could not be made (no key): thrown, so the dispatcher fails the batch's items with it. */
class BatchSetupError extends Error {
  constructor(readonly error: CallError) {
    super(error.message);
  }
}

/** Base of the SDK-backed batch units. */
export abstract class SdkBatch<C, P extends SdkProvider<C>> implements BatchBackend {
  abstract readonly limits: { items: number; bytes: number };

  constructor(protected readonly provider: P) {}

  abstract itemBytes(item: BatchItem): number;
  abstract submit(items: BatchItem[], signal: AbortSignal): Promise<string>;
  abstract status(id: string, signal: AbortSignal): Promise<BatchStatus>;
  abstract results(id: string, signal: AbortSignal): AsyncIterable<BatchItemOutcome>;
  abstract cancel(id: string): Promise<void>;

  protected async session(): Promise<{ client: C; redactor: Redactor }> {
    const session = await this.provider.batchSession();
    if ('error' in session) throw new BatchSetupError(session.error);
    return session;
  }

  async toResult(prepared: PreparedChat, outcome: BatchItemOutcome): Promise<CallResult> {
    const { redactor } = await this.session();
    return this.provider.batchResult(prepared, 'error' in outcome ? { error: outcome.error } : { body: outcome.body }, redactor);
  }

  describe(err: unknown, aborted: boolean): CallError {
    if (err instanceof BatchSetupError) return err.error;
    return this.provider.classify(err, aborted);
  }
}

/** The JSON lines of a response body, parsed one by one as they arrive; a line that is not JSON is yielded as `undefined`. */
export async function* jsonLines(body: AsyncIterable<Uint8Array> | null): AsyncGenerator<unknown> {
  if (!body) return;
  const decoder = new TextDecoder();
  let rest = '';
  const parse = (line: string): unknown => {
    try {
      return JSON.parse(line) as unknown;
    } catch {
      return undefined;
    }
  };
  for await (const chunk of body) {
    const lines = (rest + decoder.decode(chunk, { stream: true })).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) if (line.trim() !== '') yield parse(line);
  }
  rest += decoder.decode();
  if (rest.trim() !== '') yield parse(rest.trim());
}

/** Seconds since the epoch (the APIs' unit) or an ISO date as ms; null when absent. */
export function timeOf(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v * 1000;
  if (typeof v === 'string') {
    const t = Date.parse(v);
    return Number.isNaN(t) ? null : t;
  }
  return null;
}
