// Coalesces run progress into at most one webview message per panel per animation frame: streaming four
// columns at 100 tokens/s would otherwise post 400 messages a second. No `vscode` here, so the unit tests
// and the benchmark run it as it ships.
import type { ColumnResult, RunFailure, RunUpdate } from '../../shared/playgroundProtocol';

/** One frame at 60 Hz. */
export const FRAME_MS = 1000 / 60;

/** Timer functions, replaceable in tests. */
export interface CoalescerClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const systemClock: CoalescerClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

interface Pending {
  started?: RunUpdate['started'];
  deltas: Map<string, string[]>;
  reasoning: Map<string, string[]>;
  finished: ColumnResult[];
  failure?: RunFailure;
  done?: RunUpdate['done'];
}

/**
 * Collects run events and sends them as one `RunUpdate[]` batch, never sooner than `intervalMs` after the
 * previous batch. A single timer per panel, armed only while something is pending.
 */
export class RunUpdateCoalescer {
  private readonly pending = new Map<string, Pending>();
  private timer: unknown;
  private lastSent = -Infinity;
  private disposed = false;
  /** Batches sent so far. */
  messages = 0;

  constructor(
    private readonly send: (updates: RunUpdate[]) => void,
    private readonly intervalMs: number = FRAME_MS,
    private readonly clock: CoalescerClock = systemClock,
  ) {}

  started(runId: string, columnIds: string[], fileHash: string): void {
    this.entry(runId).started = { columnIds, fileHash };
    this.schedule();
  }

  delta(runId: string, columnId: string, text: string): void {
    this.append(this.entry(runId).deltas, columnId, text);
  }

  /** Reasoning that streamed, kept apart from the text. */
  reasoning(runId: string, columnId: string, text: string): void {
    this.append(this.entry(runId).reasoning, columnId, text);
  }

  finished(runId: string, result: ColumnResult): void {
    this.entry(runId).finished.push(result);
    this.schedule();
  }

  failed(runId: string, failure: RunFailure): void {
    this.entry(runId).failure = failure;
    this.schedule();
  }

  done(runId: string, status: NonNullable<RunUpdate['done']>['status']): void {
    this.entry(runId).done = { status };
    this.schedule();
  }

  /** Sends whatever is pending now (the timer's callback; also for tests and disposal). */
  flush(): void {
    if (this.timer !== undefined) {
      this.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.pending.size === 0 || this.disposed) return;
    const updates: RunUpdate[] = [];
    for (const [runId, p] of this.pending) {
      const u: RunUpdate = { runId };
      if (p.started) u.started = p.started;
      if (p.deltas.size > 0) u.deltas = joined(p.deltas);
      if (p.reasoning.size > 0) u.reasoningDeltas = joined(p.reasoning);
      if (p.finished.length > 0) u.finished = p.finished;
      if (p.failure) u.failure = p.failure;
      if (p.done) u.done = p.done;
      updates.push(u);
    }
    this.pending.clear();
    this.lastSent = this.clock.now();
    this.messages++;
    this.send(updates);
  }

  dispose(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
    this.disposed = true;
  }

  private append(to: Map<string, string[]>, columnId: string, text: string): void {
    if (text === '') return;
    const list = to.get(columnId);
    if (list) list.push(text);
    else to.set(columnId, [text]);
    this.schedule();
  }

  private entry(runId: string): Pending {
    let p = this.pending.get(runId);
    if (!p) {
      p = { deltas: new Map(), reasoning: new Map(), finished: [] };
      this.pending.set(runId, p);
    }
    return p;
  }

  private schedule(): void {
    if (this.timer !== undefined || this.disposed) return;
    const wait = Math.max(0, this.lastSent + this.intervalMs - this.clock.now());
    // Even with no wait, a zero timer lets everything arriving in this turn join the batch.
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      // Timers may fire a little early (millisecond granularity, cached loop time): never beat the interval.
      if (this.clock.now() < this.lastSent + this.intervalMs) this.schedule();
      else this.flush();
    }, Math.ceil(wait));
  }
}

function joined(parts: Map<string, string[]>): Record<string, string> {
  return Object.fromEntries([...parts].map(([id, list]) => [id, list.join('')]));
}
