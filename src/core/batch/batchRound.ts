// One round of a batch run: the requests of each endpoint sorted by custom id, split by the API's limits,
// submitted (or, on resume, found again by round, endpoint and slice), polled, and answered from the
// results, which are read as a stream and let through the work gate. Round 0 holds the calls under test,
// rounds 1, 2… the grader calls their assertions make (a grader that asks twice, g-eval, takes two).
import type { PreparedChat, Provider } from '../providers/providerTypes';
import type { CallOptions } from '../run/engine';
import { isRetryable } from '../run/retry';
import type { CallError, CallResult, ChatRequest } from '../types';
import type { BatchDispatcherOptions, BatchRef } from './batchDispatcher';
import { etaMs, pollBatch } from './batchPoll';
import type { BatchBackend, BatchItem, BatchItemOutcome, BatchStatus } from './batchTypes';
import type { ExecutionSlot, WorkGate } from './executionSlot';

/** One request waiting for a batch's answer. */
export interface Pending {
  customId: string;
  request: ChatRequest;
  options: CallOptions;
  prepared: PreparedChat;
  slot: ExecutionSlot;
  resolve: (result: CallResult) => void;
}

/** One endpoint's requests of a round. */
export interface Group {
  provider: Provider;
  backend: BatchBackend;
  items: Pending[];
}

/** What a round shares with the dispatcher. */
export interface RoundHost {
  readonly options: BatchDispatcherOptions;
  /** Every batch of the run so far (stored together). */
  readonly batches: BatchRef[];
  readonly gate: WorkGate;
  /** The signal aborted while a batch was polled: its executions are left waiting. */
  detach(): void;
}

/** Splits items (in order) into slices within `limits`. */
function sliceItems<T extends BatchItem>(items: readonly T[], limits: BatchBackend['limits'], bytesOf: (item: T) => number): T[][] {
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

type Item = Pending & BatchItem;

const YIELD_EVERY = 64;

/** Runs the groups of one round. */
export class BatchRound {
  constructor(
    private readonly host: RoundHost,
    readonly round: number,
  ) {}

  private get options(): BatchDispatcherOptions {
    return this.host.options;
  }

  async run(groups: Iterable<Group>): Promise<void> {
    await Promise.all([...groups].map((g) => this.runGroup(g)));
  }

  private async runGroup(group: Group): Promise<void> {
    const seen = new Map<string, number>();
    for (const item of group.items) {
      // Two requests with one key (a model listed twice in a suite, a grader asked the same twice): told apart by a number, in the order they came.
      const n = seen.get(item.customId) ?? 0;
      seen.set(item.customId, n + 1);
      if (n > 0) item.customId = `${item.customId}-${n}`;
    }
    const items = group.items.map((p): Item => Object.assign(p, { payload: p.prepared.payload }));
    group.items = [];
    items.sort((a, b) => (a.customId < b.customId ? -1 : a.customId > b.customId ? 1 : 0));
    const slices = sliceItems(items, group.backend.limits, (i) => group.backend.itemBytes(i));
    items.length = 0;
    await Promise.all(slices.map((slice, chunk) => this.runSlice(group, chunk, slice)));
  }

  private async runSlice(group: Group, chunk: number, items: Item[]): Promise<void> {
    const { backend } = group;
    const name = group.provider.config.name;
    let ref = this.options.resumed?.find((b) => (b.round ?? 0) === this.round && b.provider === name && b.chunk === chunk);
    const resumed = ref !== undefined;
    if (!ref && (this.options.signal.aborted || this.options.cancel)) {
      // Stopped before this batch went out, or a cancel of a run that never submitted it: nothing is submitted.
      for (const item of items) await this.settle(backend, item, { customId: item.customId, error: { kind: 'cancelled', message: 'Cancelled before the batch was submitted' } }, null, null, false);
      return;
    }
    if (!ref) {
      try {
        const id = await backend.submit(items, new AbortController().signal);
        ref = { provider: name, chunk, id, items: items.length, submittedAt: Date.now(), ...(this.round > 0 ? { round: this.round } : {}) };
      } catch (err) {
        const error = backend.describe(err, false);
        await Promise.all(items.map((item) => this.settle(backend, item, { customId: item.customId, error: { ...error, message: `the batch was not created: ${error.message}` } }, null, null)));
        return;
      }
    }
    this.host.batches.push(ref);
    if (!resumed) await this.options.persist(this.host.batches).catch((err: unknown) => this.problem(`the batch ${ref.id} was not recorded in history (--resume will not find it): ${String(err)}`));
    this.options.onEvent({ type: 'submitted', batch: ref, resumed });
    if (this.options.cancel) await this.cancelBatch(backend, ref);

    const since = { at: Date.now(), done: -1 };
    const end = await pollBatch(backend, ref.id, this.options.signal, this.options.poll ?? {}, (status) => {
      if (since.done < 0) since.done = status.done;
      this.options.onEvent({ type: 'status', batch: ref, status, etaMs: etaMs(status, since, Date.now()) });
    });
    if ('aborted' in end) {
      this.host.detach();
      return;
    }
    if ('error' in end) {
      const error = backend.describe(end.error, false);
      const message = `cannot read the status of batch ${ref.id} (it may still be running; --resume picks it up): ${error.message}`;
      await Promise.all(items.map((item) => this.settle(backend, item, { customId: item.customId, error: { kind: error.kind, message } }, ref, null, false)));
      return;
    }
    await this.readResults(backend, ref, end.status, items, resumed);
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

  /** Answers the slice's requests from the results file, one at a time as the work gate lets them through. */
  private async readResults(backend: BatchBackend, ref: BatchRef, status: BatchStatus, items: Item[], resumed: boolean): Promise<void> {
    const open = new Map(items.map((i) => [i.customId, i]));
    items.length = 0;
    const settling = new Set<Promise<void>>();
    const track = (p: Promise<void>): void => {
      settling.add(p);
      void p.then(() => settling.delete(p));
    };
    if (status.error !== undefined) {
      for (const item of open.values()) track(this.settle(backend, item, { customId: item.customId, error: { kind: 'bad_request', message: `batch ${ref.id} failed: ${status.error}` } }, ref, status, false));
      await Promise.all(settling);
      return;
    }
    let retries = 0;
    let read = 0;
    try {
      for await (const outcome of backend.results(ref.id, new AbortController().signal)) {
        const item = open.get(outcome.customId);
        if (!item) continue;
        open.delete(outcome.customId);
        if (this.retriesLive(outcome)) retries++;
        await this.host.gate.room();
        if (++read % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
        track(this.settle(backend, item, outcome, ref, status));
      }
    } catch (err) {
      this.problem(`batch ${ref.id}: reading its results failed: ${backend.describe(err, false).message}`);
    }
    if (retries > 0) this.options.onEvent({ type: 'retrying', batch: ref, items: retries });
    if (resumed && this.round > 0 && open.size > 0) {
      // A resumed grader round whose assertions asked in another order than the first time: those requests are asked live.
      this.problem(`${open.size} grader request${open.size === 1 ? ' was' : 's were'} not in the resumed batch ${ref.id}; asked live at the standard price`);
      for (const item of open.values()) track(this.answerLive(item));
    } else {
      for (const item of open.values()) track(this.settle(backend, item, { customId: item.customId, error: { kind: 'malformed', message: `batch ${ref.id} returned no result for this request` } }, ref, status, false));
    }
    await Promise.all(settling);
  }

  /** A failure worth another try is asked again live, unless the run cancels its batches. */
  private retriesLive(outcome: BatchItemOutcome): boolean {
    return 'error' in outcome && worthRetrying(outcome.error) && !this.options.cancel;
  }

  private async answerLive(item: Pending): Promise<void> {
    this.host.gate.answered(item.slot);
    item.resolve(await this.options.engine.call(item.request, item.options));
  }

  /** Answers one request: the batch's outcome priced at the batch rate, or a live retry of a failure worth one. */
  private async settle(backend: BatchBackend, item: Pending, outcome: BatchItemOutcome, ref: BatchRef | null, status: BatchStatus | null, retry = true): Promise<void> {
    if (retry && this.retriesLive(outcome)) return this.answerLive(item);
    this.host.gate.answered(item.slot);
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
