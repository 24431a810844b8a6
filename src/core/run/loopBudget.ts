// Keeps a run from holding its thread's event loop. At concurrency 100 the answers of a local server come
// back together, and each one's continuation (evaluation, reporting, the next call) runs in the same turn of
// the loop: ~100 jobs back to back, hundreds of milliseconds during which the editor's extension host
// answers nothing else. A run that passes its jobs through `pass()` goes on only while the current turn has
// spent less than its budget; the jobs beyond wait for a later turn, in the order they arrived, so timers
// and I/O get their turn in between. The work done is the same, only interleaved.

/** A time budget per turn of the event loop, shared by the jobs of the runs that pass through it. */
export class LoopBudget {
  /** When this turn's first job passed; undefined until one passes (reset by a timer, i.e. in the next turn). */
  private sliceStart: number | undefined;
  private readonly waiters: Array<() => void> = [];

  /**
   * @param budgetMs how long the jobs of one turn may run before the rest wait for a later turn.
   * @param now      a monotonic clock in milliseconds (tests pass their own).
   */
  constructor(
    private readonly budgetMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Undefined when the job may go on now; else a promise that resolves in a later turn of the loop. */
  pass(): Promise<void> | undefined {
    if (this.waiters.length === 0 && this.hasTime()) return undefined;
    return new Promise<void>((resolve) => {
      this.waiters.push(resolve);
      // One immediate per waiter: Node runs the microtasks between immediates, so each released job runs
      // before the next one checks the budget.
      setImmediate(this.releaseOne);
    });
  }

  /** Whether the turn has time left; the first job of a turn always has (so every turn makes progress). */
  private hasTime(): boolean {
    const now = this.now();
    if (this.sliceStart === undefined) {
      this.sliceStart = now;
      // Timers run first in a turn of the loop: this one marks the next turn's start.
      setTimeout(this.endSlice, 0);
      return true;
    }
    return now - this.sliceStart < this.budgetMs;
  }

  private readonly endSlice = (): void => {
    this.sliceStart = undefined;
  };

  private readonly releaseOne = (): void => {
    // An immediate queued while the loop runs immediates waits for the next turn, as the budget wants.
    if (this.hasTime()) this.waiters.shift()?.();
    else setImmediate(this.releaseOne);
  };
}
