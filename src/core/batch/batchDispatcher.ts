// A batch run's model calls. Every execution of the run hands its call here (or finishes without one);
// once all have, calls to providers with a batch API are sent as round 0 (batchRound.ts), the rest go to
// the engine live. Then the grader calls of model-graded assertions: each execution's are held until
// every execution either waits for a grader answer or is over, and go out together as the next round;
// a grader that asks again after its answer (g-eval) makes one more round. Graders without a batch API
// are asked live. A failed item worth another try is retried once, live. Ctrl+C (the signal) detaches:
// polling stops, the batches keep running, and `--resume` picks them up, round by round.
import { createHash } from 'node:crypto';
import type { PriceBook } from '../pricing/pricing';
import type { ProviderRegistry } from '../providers/providerRegistry';
import type { PreparedChat } from '../providers/providerTypes';
import type { CallOptions, Engine } from '../run/engine';
import type { ExecutionCalls, ExecutionKey, ModelCaller } from '../run/modelCaller';
import type { CallResult, ChatRequest } from '../types';
import { batchBackendFor } from './batchBackends';
import type { PollOptions } from './batchPoll';
import { BatchRound, type Group, type RoundHost } from './batchRound';
import type { BatchStatus } from './batchTypes';
import { DEFAULT_MAX_WORKING, ExecutionSlot, WorkGate } from './executionSlot';

/** A submitted batch, as stored with the run so that a resumed run finds it again. */
export interface BatchRef {
  /** The provider's name (`openai`, `anthropic`, an endpoint's name). */
  provider: string;
  /** Which slice of that provider's requests (sorted by custom id, split by the API's limits). */
  chunk: number;
  id: string;
  items: number;
  submittedAt: number;
  /** Which round: absent for the calls under test, 1, 2… for grader calls. */
  round?: number;
}

/** What a batch run reports as it goes (the CLI prints these). */
export type BatchEvent =
  | { type: 'live'; provider: string; reason: string; grader?: true }
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
  /** Executions of the whole run (every suite's): the batches go out when all have called or finished. */
  expected: number;
  /** Aborted on Ctrl+C: detaches (see above). */
  signal: AbortSignal;
  poll?: PollOptions;
  /** Batches an earlier process of this run submitted (every round's). */
  resumed?: readonly BatchRef[];
  /** Cancel the batches (a resumed run's) and keep what they finished; no retries, no new batch. */
  cancel?: boolean;
  /** Grader calls go through batches (default) or to the engine as they come. */
  graders?: 'batch' | 'live';
  /** Answered executions that may work at once (default `DEFAULT_MAX_WORKING`): bounds a large run's memory. */
  maxWorking?: number;
  /** Stores the run's batches (after each submission). */
  persist: (batches: readonly BatchRef[]) => Promise<void>;
  onEvent: (event: BatchEvent) => void;
}

/** A stable custom id for an execution: suite, case position, model and repeat (64 characters at most, [A-Za-z0-9_-]). */
function customIdOf(suite: number, key: ExecutionKey): string {
  const model = createHash('sha256').update(key.model).digest('hex').slice(0, 10);
  return `s${suite}-c${key.caseIndex}-m${model}-r${key.repeatIndex}`;
}

/** A grader request's custom id: its execution's, and a digest of what it asks. */
function graderIdOf(slot: ExecutionSlot, payload: unknown): string {
  return `${customIdOf(slot.suite, slot.key)}-g${createHash('sha256').update(JSON.stringify(payload)).digest('hex').slice(0, 12)}`;
}

/** Runs the model and grader calls of a batch run; `callerFor(i)` is suite i's `ModelCaller`. */
export class BatchDispatcher implements RoundHost {
  /** The batches submitted or resumed so far. */
  readonly batches: BatchRef[] = [];
  readonly gate: WorkGate;
  private outstanding: number;
  private readonly outputs = new Map<string, Group>();
  /** Grader requests for the next round, per endpoint. */
  private next = new Map<string, Group>();
  private queued = 0;
  /** Executions with requests in `next`, and executions over. */
  private waitingSlots = 0;
  private finishedSlots = 0;
  private rounds = 0;
  private roundsRunning = 0;
  private roundCheck: NodeJS.Immediate | undefined;
  private readonly liveNoted = new Set<string>();
  private detached = false;
  private detachReported = false;
  /** Resolves when the run detaches from its batches (their executions are then never answered). */
  readonly whenDetached: Promise<void>;
  private onDetached!: () => void;

  constructor(readonly options: BatchDispatcherOptions) {
    this.outstanding = options.expected;
    this.gate = new WorkGate(options.maxWorking ?? DEFAULT_MAX_WORKING);
    this.whenDetached = new Promise((resolve) => (this.onDetached = resolve));
  }

  callerFor(suite: number): ModelCaller {
    return { lanes: Number.POSITIVE_INFINITY, execution: (key) => this.execution(new ExecutionSlot(suite, key)) };
  }

  detach(): void {
    this.detached = true;
  }

  private execution(slot: ExecutionSlot): ExecutionCalls {
    return {
      call: (request, options) => this.call(slot, request, options),
      ...(this.options.graders === 'live' ? {} : { grade: (request: ChatRequest, options: CallOptions) => this.grade(slot, request, options) }),
      finish: () => this.finish(slot),
    };
  }

  /** The batch group a request joins, or why it runs live (undefined: it fails in the engine as it would live). */
  private groupFor(groups: Map<string, Group>, request: ChatRequest): { group: Group; prepared: PreparedChat } | { live?: { provider: string; reason: string } } {
    const provider = this.options.registry.resolve(request.model, request.params.api);
    if ('error' in provider) return {};
    const backend = batchBackendFor(provider);
    if ('live' in backend) return { live: { provider: provider.config.name, reason: backend.live } };
    const prepared = provider.prepare(request, false);
    if ('error' in prepared) return {};
    const group = groups.get(provider.endpointId) ?? { provider, backend: backend.backend, items: [] };
    groups.set(provider.endpointId, group);
    return { group, prepared };
  }

  private call(slot: ExecutionSlot, request: ChatRequest, options: CallOptions): Promise<CallResult> {
    slot.called = true;
    const to = this.groupFor(this.outputs, request);
    if (!('group' in to)) {
      if (to.live) this.noteLive(to.live.provider, to.live.reason, false);
      this.arrive();
      return this.options.engine.call(request, options);
    }
    return new Promise((resolve) => {
      slot.inBatch++;
      to.group.items.push({ customId: customIdOf(slot.suite, slot.key), request, options, prepared: to.prepared, slot, resolve });
      this.arrive();
    });
  }

  private grade(slot: ExecutionSlot, request: ChatRequest, options: CallOptions): Promise<CallResult> {
    // After its execution is over (a comparison across models), or once the run let go of its batches: live.
    if (slot.finished || this.detached) return this.options.engine.call(request, options);
    const to = this.groupFor(this.next, request);
    if (!('group' in to)) {
      if (to.live) this.noteLive(to.live.provider, to.live.reason, true);
      return this.options.engine.call(request, options);
    }
    return new Promise((resolve) => {
      to.group.items.push({ customId: graderIdOf(slot, to.prepared.payload), request, options, prepared: to.prepared, slot, resolve });
      this.queued++;
      if (slot.queued++ === 0) this.waitingSlots++;
      this.gate.idle(slot);
      this.checkRound();
    });
  }

  private finish(slot: ExecutionSlot): void {
    if (slot.finished) return;
    slot.finished = true;
    this.finishedSlots++;
    // A request it made on its way out (a comparison across the case's models) waits in the round, but the execution counts as over.
    if (slot.queued > 0) this.waitingSlots--;
    this.gate.idle(slot);
    if (!slot.called) this.arrive();
    this.checkRound();
  }

  private noteLive(provider: string, reason: string, grader: boolean): void {
    const key = `${grader ? 'grader' : 'call'} ${provider}`;
    if (this.liveNoted.has(key)) return;
    this.liveNoted.add(key);
    this.options.onEvent({ type: 'live', provider, reason, ...(grader ? { grader: true as const } : {}) });
  }

  private arrive(): void {
    if (--this.outstanding === 0) void this.runRound(0, this.outputs);
  }

  /**
   * The next grader round goes out when no round runs and every execution waits for it or is over. It
   * waits one turn of the event loop first, so that assertions of one case that ask together are in it.
   */
  private checkRound(): void {
    if (this.roundCheck || !this.roundDue()) return;
    this.roundCheck = setImmediate(() => {
      this.roundCheck = undefined;
      if (this.roundDue()) this.startGraderRound();
    });
  }

  private roundDue(): boolean {
    return this.roundsRunning === 0 && this.queued > 0 && !this.detached && this.waitingSlots + this.finishedSlots >= this.options.expected;
  }

  private startGraderRound(): void {
    const groups = this.next;
    this.next = new Map();
    for (const group of groups.values()) {
      for (const item of group.items) {
        item.slot.queued = 0;
        item.slot.inBatch++;
      }
    }
    this.queued = 0;
    this.waitingSlots = 0;
    void this.runRound(++this.rounds, groups);
  }

  private async runRound(round: number, groups: Map<string, Group>): Promise<void> {
    this.roundsRunning++;
    await new BatchRound(this, round).run(groups.values());
    groups.clear();
    this.roundsRunning--;
    // Reported once every slice has stopped, so the event names every batch submitted.
    if (this.detached) {
      if (this.detachReported) return;
      this.detachReported = true;
      this.options.onEvent({ type: 'detached', batches: [...this.batches] });
      this.onDetached();
      return;
    }
    this.checkRound();
  }
}
