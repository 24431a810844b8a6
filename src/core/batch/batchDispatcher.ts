// A batch run's model calls. Every execution of the run hands its call here (or says it makes none);
// once all have, calls to providers with a batch API are grouped per endpoint, split by the API's limits,
// submitted (or, on resume, found again by their stored ids), polled, and answered from the results;
// the rest go to the engine live. A failed item worth another try is retried once, live. Ctrl+C (the
// signal) detaches: polling stops, the batches keep running, and `--resume` picks them up.
import { createHash } from 'node:crypto';
import type { PriceBook } from '../pricing/pricing';
import type { ProviderRegistry } from '../providers/providerRegistry';
import type { PreparedChat, Provider } from '../providers/providerTypes';
import type { CallOptions, Engine } from '../run/engine';
import type { ExecutionKey, ModelCaller } from '../run/modelCaller';
import { isRetryable } from '../run/retry';
import type { CallError, CallResult, ChatRequest } from '../types';
import { batchBackendFor } from './batchBackends';
import { etaMs, pollBatch, type PollOptions } from './batchPoll';
import type { BatchBackend, BatchItem, BatchItemOutcome, BatchStatus } from './batchTypes';

/** A submitted batch, as stored with the run so that a resumed run finds it again. */
export interface BatchRef {
  /** The provider's name (`openai`, `anthropic`, an endpoint's name). */
  provider: string;
  /** Which slice of that provider's requests (sorted by custom id, split by the API's limits). */
  chunk: number;
  id: string;
  items: number;
  submittedAt: number;
}

/** What a batch run reports as it goes (the CLI prints these). */
export type BatchEvent =
  | { type: 'live'; provider: string; reason: string }
  | { type: 'submitted'; batch: BatchRef; resumed: boolean }
  | { type: 'status'; batch: BatchRef; status: BatchStatus; etaMs: number | null }
  | { type: 'retrying'; batch: BatchRef; items: number }
  | { type: 'cancelling'; batch: BatchRef }
  | { type: 'detached'; batches: BatchRef[] }
  | { type: 'problem'; message: string };

export interface BatchDispatcherOptions {
  engine: Engine;
  registry: ProviderRegistry;
  pricing: PriceBook;
  /** Executions of the whole run (every suite's): the batches go out when all have called or skipped. */
  expected: number;
  /** Aborted on Ctrl+C: detaches (see above). */
  signal: AbortSignal;
  poll?: PollOptions;
  /** Batches an earlier process of this run submitted. */
  resumed?: readonly BatchRef[];
  /** Cancel the batches (a resumed run's) and keep what they finished; no retries. */
  cancel?: boolean;
  /** Stores the run's batches (after each submission). */
  persist: (batches: readonly BatchRef[]) => Promise<void>;
  onEvent: (event: BatchEvent) => void;
}

interface Pending {
  customId: string;
  request: ChatRequest;
  options: CallOptions;
  prepared: PreparedChat;
  resolve: (result: CallResult) => void;
}

interface Group {
  provider: Provider;
  backend: BatchBackend;
  items: Pending[];
}

/** A stable custom id for an execution: suite, case position, model and repeat (64 characters at most, [A-Za-z0-9_-]). */
export function customIdOf(suite: number, key: ExecutionKey): string {
  const model = createHash('sha256').update(key.model).digest('hex').slice(0, 10);
  return `s${suite}-c${key.caseIndex}-m${model}-r${key.repeatIndex}`;
}

/** Splits items (in order) into slices within `limits`. */
export function sliceItems<T extends BatchItem>(items: readonly T[], limits: BatchBackend['limits'], bytesOf: (item: T) => number): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = bytesOf(item);
    if (current.length > 0 && (current.length >= limits.items || bytes + size > limits.bytes)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** Failures a live retry may fix: the retryable ones, and requests the batch never ran in time. */
function worthRetrying(error: CallError): boolean {
  return error.kind === 'timeout' || isRetryable(error);
}

/** Runs the model calls of a batch run; `callerFor(i)` is suite i's `ModelCaller`. */
export class BatchDispatcher {
  private outstanding: number;
  private readonly groups = new Map<string, Group>();
  private readonly liveNoted = new Set<string>();
  private readonly batches: BatchRef[] = [];
  private detached = false;
  /** Resolves when the run detaches from its batches (their executions are then never answered). */
  readonly whenDetached: Promise<void>;
  private onDetached!: () => void;

  constructor(private readonly options: BatchDispatcherOptions) {
    this.outstanding = options.expected;
    this.whenDetached = new Promise((resolve) => (this.onDetached = resolve));
  }

  /** The batches submitted or resumed so far. */
  get submitted(): readonly BatchRef[] {
    return this.batches;
  }

  callerFor(suite: number): ModelCaller {
    return {
      lanes: Number.POSITIVE_INFINITY,
      call: (request, options, key) => this.call(suite, request, options, key),
      skip: () => this.arrive(),
    };
  }

  private call(suite: number, request: ChatRequest, options: CallOptions, key: ExecutionKey): Promise<CallResult> {
    const { engine, registry } = this.options;
    const provider = registry.resolve(request.model, request.params.api);
    const backend = 'error' in provider ? undefined : batchBackendFor(provider);
    // Unresolvable or unpreparable requests fail in the engine exactly as they would live.
    const prepared = 'error' in provider ? undefined : provider.prepare(request, false);
    if ('error' in provider || !backend || !prepared || 'error' in prepared || 'live' in backend) {
      if (backend && 'live' in backend && !('error' in provider)) this.noteLive(provider.config.name, backend.live);
      this.arrive();
      return engine.call(request, options);
    }
    return new Promise((resolve) => {
      const group = this.groups.get(provider.endpointId) ?? { provider, backend: backend.backend, items: [] };
      this.groups.set(provider.endpointId, group);
      group.items.push({ customId: customIdOf(suite, key), request, options, prepared, resolve });
      this.arrive();
    });
  }

  private noteLive(provider: string, reason: string): void {
    if (this.liveNoted.has(provider)) return;
    this.liveNoted.add(provider);
    this.options.onEvent({ type: 'live', provider, reason });
  }

  private arrive(): void {
    if (--this.outstanding === 0) void this.dispatch();
  }

  private async dispatch(): Promise<void> {
    await Promise.all([...this.groups.values()].map((g) => this.runGroup(g)));
    // Reported once every slice has stopped, so the event names every batch submitted.
    if (this.detached) {
      this.options.onEvent({ type: 'detached', batches: [...this.batches] });
      this.onDetached();
    }
  }

  private async runGroup(group: Group): Promise<void> {
    const seen = new Map<string, number>();
    for (const item of group.items) {
      // Two executions with one key (a model listed twice in a suite): told apart by a number, in the order they called.
      const n = seen.get(item.customId) ?? 0;
      seen.set(item.customId, n + 1);
      if (n > 0) item.customId = `${item.customId}-${n}`;
    }
    const sorted = [...group.items].sort((a, b) => (a.customId < b.customId ? -1 : a.customId > b.customId ? 1 : 0));
    const items = sorted.map((p) => ({ ...p, payload: p.prepared.payload }));
    const slices = sliceItems(items, group.backend.limits, (i) => group.backend.itemBytes(i));
    await Promise.all(slices.map((slice, chunk) => this.runSlice(group, chunk, slice)));
  }

  private async runSlice(group: Group, chunk: number, items: (Pending & BatchItem)[]): Promise<void> {
    const { backend } = group;
    const name = group.provider.config.name;
    let ref = this.options.resumed?.find((b) => b.provider === name && b.chunk === chunk);
    const resumed = ref !== undefined;
    if (!ref && (this.options.signal.aborted || this.options.cancel)) {
      // Stopped before this batch went out, or a cancel of a run that never submitted it: nothing is submitted.
      for (const item of items) item.resolve(await backend.toResult(item.prepared, { customId: item.customId, error: { kind: 'cancelled', message: 'Cancelled before the batch was submitted' } }));
      return;
    }
    if (!ref) {
      try {
        const id = await backend.submit(items, new AbortController().signal);
        ref = { provider: name, chunk, id, items: items.length, submittedAt: Date.now() };
      } catch (err) {
        const error = backend.describe(err, false);
        await Promise.all(items.map((item) => this.settle(backend, item, { customId: item.customId, error: { ...error, message: `the batch was not created: ${error.message}` } }, null, null)));
        return;
      }
    }
    this.batches.push(ref);
    if (!resumed) await this.options.persist(this.batches).catch((err: unknown) => this.problem(`the batch ${ref.id} was not recorded in history (--resume will not find it): ${String(err)}`));
    this.options.onEvent({ type: 'submitted', batch: ref, resumed });
    if (this.options.cancel) await this.cancelBatch(backend, ref);

    const since = { at: Date.now(), done: -1 };
    const end = await pollBatch(backend, ref.id, this.options.signal, this.options.poll ?? {}, (status) => {
      if (since.done < 0) since.done = status.done;
      this.options.onEvent({ type: 'status', batch: ref, status, etaMs: etaMs(status, since, Date.now()) });
    });
    if ('aborted' in end) {
      this.detached = true;
      return;
    }
    if ('error' in end) {
      const error = backend.describe(end.error, false);
      const message = `cannot read the status of batch ${ref.id} (it may still be running; --resume picks it up): ${error.message}`;
      await Promise.all(items.map((item) => this.settle(backend, item, { customId: item.customId, error: { kind: error.kind, message } }, ref, null, false)));
      return;
    }
    await this.readResults(backend, ref, end.status, items);
  }

  private async cancelBatch(backend: BatchBackend, ref: BatchRef): Promise<void> {
    this.options.onEvent({ type: 'cancelling', batch: ref });
    try {
      await backend.cancel(ref.id);
    } catch (err) {
      // An ended batch cannot be cancelled: its results are read as they are.
      this.problem(`cancel batch ${ref.id}: ${backend.describe(err, false).message}`);
    }
  }

  private async readResults(backend: BatchBackend, ref: BatchRef, status: BatchStatus, items: (Pending & BatchItem)[]): Promise<void> {
    const open = new Map(items.map((i) => [i.customId, i]));
    const settling: Promise<void>[] = [];
    if (status.error !== undefined) {
      for (const item of items) settling.push(this.settle(backend, item, { customId: item.customId, error: { kind: 'bad_request', message: `batch ${ref.id} failed: ${status.error}` } }, ref, status, false));
      await Promise.all(settling);
      return;
    }
    let retries = 0;
    try {
      for await (const outcome of backend.results(ref.id, new AbortController().signal)) {
        const item = open.get(outcome.customId);
        if (!item) continue;
        open.delete(outcome.customId);
        if ('error' in outcome && worthRetrying(outcome.error) && !this.options.cancel) retries++;
        settling.push(this.settle(backend, item, outcome, ref, status));
      }
    } catch (err) {
      this.problem(`batch ${ref.id}: reading its results failed: ${backend.describe(err, false).message}`);
    }
    if (retries > 0) this.options.onEvent({ type: 'retrying', batch: ref, items: retries });
    for (const item of open.values()) {
      settling.push(this.settle(backend, item, { customId: item.customId, error: { kind: 'malformed', message: `batch ${ref.id} returned no result for this request` } }, ref, status, false));
    }
    await Promise.all(settling);
  }

  /** Answers one execution: the batch's outcome priced at the batch rate, or a live retry of a failure worth one. */
  private async settle(backend: BatchBackend, item: Pending, outcome: BatchItemOutcome, ref: BatchRef | null, status: BatchStatus | null, retry = true): Promise<void> {
    if (retry && 'error' in outcome && worthRetrying(outcome.error) && !this.options.cancel) {
      item.resolve(await this.options.engine.call(item.request, item.options));
      return;
    }
    const result = await backend.toResult(item.prepared, outcome);
    result.attempts = 1;
    // A batch call's latency is the batch's turnaround: when it ended, less when it was submitted.
    if (status && ref) result.latencyMs = Math.max(0, (status.endedAt ?? Date.now()) - ref.submittedAt);
    if (!result.error) result.cost = this.options.pricing.batchCost(result.model, result.usage);
    item.resolve(result);
  }

  private problem(message: string): void {
    this.options.onEvent({ type: 'problem', message });
  }
}
