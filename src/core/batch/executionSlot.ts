// One execution of a batch run as the dispatcher follows it, and the gate that bounds how many executions
// the batches' answers set to work at once. A batch's results arrive as one burst (20,000 answers read
// from one file); handing them all over at once had every execution evaluate and queue its history rows
// together (a 20,000-case run peaked at ~800 MB). Through the gate, the results are read only as fast as
// the executions they answer finish, or stop to wait for a grader round.
import type { ExecutionKey } from '../run/modelCaller';

/** Answered executions that may work at once, by default: a live run's window at concurrency 100. */
export const DEFAULT_MAX_WORKING = 200;

/** Where one execution is. */
export class ExecutionSlot {
  /** It made its call under test (else it finished without one). */
  called = false;
  finished = false;
  /** Its grader requests that wait for the next round. */
  queued = 0;
  /** Its requests in a submitted batch, not answered yet. */
  inBatch = 0;
  /** Answered, and working (counted by the gate). */
  working = false;

  constructor(
    readonly suite: number,
    readonly key: ExecutionKey,
  ) {}
}

/** Lets batch answers through while fewer than `limit` executions they answered work. */
export class WorkGate {
  private working = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  /** Resolves once there is room for one more working execution. */
  room(): Promise<void> {
    if (this.working < this.limit) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** One of the slot's requests was answered: once its last is, it works. */
  answered(slot: ExecutionSlot): void {
    slot.inBatch = Math.max(0, slot.inBatch - 1);
    if (slot.inBatch > 0 || slot.working || slot.finished) return;
    slot.working = true;
    this.working++;
  }

  /** The slot stopped working: it waits for a grader round, or it is over. */
  idle(slot: ExecutionSlot): void {
    if (!slot.working) return;
    slot.working = false;
    this.working--;
    if (this.working < this.limit) this.waiting.shift()?.();
  }
}
