// Runs untrusted work — a user's JavaScript, a regular expression that could backtrack without end —
// in worker threads under a time and a memory limit. A worker that runs past its task's time, runs out of
// memory or whose run is cancelled is terminated (the only way to stop a synchronous loop) and replaced
// on demand; the caller gets an outcome, never a hang. Workers are few and long-lived, and each runs one
// task at a time, so a limit hit is charged to the task that was running and to no other.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { SANDBOX_WORKER_SOURCE } from './sandboxWorkerSource';

/** Work a sandbox worker can do. Inputs and results cross threads by structured clone. */
export type SandboxTask =
  | { kind: 'javascript'; code: string; output: unknown; context: unknown }
  | { kind: 'javascript-file'; url: string; path: string; exportName?: string; output: unknown; context: unknown; sources?: Record<string, string> }
  | { kind: 'regex'; source: string; text: string }
  /** One pattern (with flags) against each text: the list of whether each matches. */
  | { kind: 'regex-each'; source: string; flags: string; texts: string[] };

/** How a sandboxed task ended. */
export type SandboxOutcome =
  | { ok: true; value: unknown }
  | {
      ok: false;
      /**
       * `timeout`, `memory`: a limit was hit and the worker terminated; `aborted`: the run was cancelled;
       * `threw`: the task's own code threw; `invalid`: a result or input that cannot cross threads, or a
       * file without the function; `crashed`: the worker ended by itself (e.g. `process.exit`).
       */
      kind: 'timeout' | 'memory' | 'aborted' | 'threw' | 'invalid' | 'crashed';
      message: string;
    };

/** Limits of one sandboxed task. */
export interface SandboxRunOptions {
  /** Wall-clock limit, counted from when a worker starts the task (time in the queue is not counted). */
  timeoutMs: number;
  /** Heap limit of the worker that runs it (old generation), in megabytes. */
  memoryMb: number;
  signal?: AbortSignal;
}

interface Pending {
  id: number;
  task: SandboxTask;
  timeoutMs: number;
  signal?: AbortSignal;
  onAbort?: () => void;
  resolve(outcome: SandboxOutcome): void;
}

interface Slot {
  worker: Worker;
  online: boolean;
  current?: Pending;
  timer?: NodeJS.Timeout;
  idleTimer?: NodeJS.Timeout;
}

/** An idle worker is kept this long for the next task, then ends (a new one starts in ~50 ms). */
const IDLE_MS = 30_000;

class SandboxPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;

  constructor(
    private readonly size: number,
    private readonly memoryMb: number,
  ) {}

  run(task: SandboxTask, timeoutMs: number, signal: AbortSignal | undefined): Promise<SandboxOutcome> {
    if (signal?.aborted) return Promise.resolve(aborted());
    return new Promise((resolve) => {
      const pending: Pending = { id: this.nextId++, task, timeoutMs, signal, resolve };
      if (signal) {
        pending.onAbort = () => {
          const queued = this.queue.indexOf(pending);
          if (queued >= 0) {
            this.queue.splice(queued, 1);
            this.settle(pending, aborted());
            return;
          }
          const slot = this.slots.find((s) => s.current === pending);
          if (slot) this.fail(slot, aborted());
        };
        signal.addEventListener('abort', pending.onAbort, { once: true });
      }
      this.queue.push(pending);
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => !s.current);
      if (!slot) {
        if (this.slots.length >= this.size) return;
        slot = this.spawn();
      }
      this.dispatch(slot, this.queue.shift()!);
    }
  }

  private spawn(): Slot {
    const worker = new Worker(SANDBOX_WORKER_SOURCE, {
      eval: true,
      resourceLimits: { maxOldGenerationSizeMb: this.memoryMb },
    });
    const slot: Slot = { worker, online: false };
    worker.on('online', () => {
      slot.online = true;
      if (slot.current) this.startTimer(slot);
    });
    worker.on('message', (m: { id: number } & SandboxOutcome) => {
      if (!slot.current || slot.current.id !== m.id) return;
      const { id: _id, ...outcome } = m;
      this.finish(slot, outcome as SandboxOutcome);
    });
    worker.on('error', (e: Error & { code?: string }) => {
      const outcome: SandboxOutcome =
        e.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? { ok: false, kind: 'memory', message: `it used more than ${this.memoryMb} MB of memory` }
          : { ok: false, kind: 'crashed', message: e.message };
      this.fail(slot, outcome);
    });
    worker.on('exit', (code) => this.fail(slot, { ok: false, kind: 'crashed', message: `its worker thread exited (code ${code})` }));
    this.slots.push(slot);
    return slot;
  }

  private dispatch(slot: Slot, pending: Pending): void {
    clearTimeout(slot.idleTimer);
    slot.current = pending;
    slot.worker.ref();
    try {
      slot.worker.postMessage({ id: pending.id, ...pending.task });
    } catch (e) {
      this.finish(slot, { ok: false, kind: 'invalid', message: `its input cannot be passed to the sandbox (${(e as Error).message})` });
      return;
    }
    if (slot.online) this.startTimer(slot);
  }

  private startTimer(slot: Slot): void {
    const pending = slot.current!;
    slot.timer = setTimeout(() => {
      if (slot.current === pending) this.fail(slot, { ok: false, kind: 'timeout', message: `it did not finish within ${pending.timeoutMs} ms` });
    }, pending.timeoutMs);
  }

  /** The task ended and the worker is fine: it takes the next task or idles. */
  private finish(slot: Slot, outcome: SandboxOutcome): void {
    const pending = slot.current;
    clearTimeout(slot.timer);
    slot.current = undefined;
    if (pending) this.settle(pending, outcome);
    if (!this.slots.includes(slot)) return;
    slot.worker.unref();
    slot.idleTimer = setTimeout(() => {
      if (!slot.current) this.remove(slot);
    }, IDLE_MS);
    slot.idleTimer.unref();
    this.pump();
  }

  /** The worker is lost (limit hit, cancelled, crashed): its task gets `outcome`, the worker is terminated. */
  private fail(slot: Slot, outcome: SandboxOutcome): void {
    const pending = slot.current;
    clearTimeout(slot.timer);
    slot.current = undefined;
    this.remove(slot);
    if (pending) this.settle(pending, outcome);
    this.pump();
  }

  private remove(slot: Slot): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots.splice(i, 1);
    clearTimeout(slot.idleTimer);
    slot.worker.removeAllListeners();
    // An 'error' after the listeners are gone must not become an uncaught exception.
    slot.worker.on('error', () => {});
    void slot.worker.terminate();
  }

  private settle(pending: Pending, outcome: SandboxOutcome): void {
    if (pending.onAbort) pending.signal?.removeEventListener('abort', pending.onAbort);
    pending.resolve(outcome);
  }
}

function aborted(): SandboxOutcome {
  return { ok: false, kind: 'aborted', message: 'cancelled' };
}

const pools = new Map<number, SandboxPool>();

/** Workers per pool: a few, so that one slow task does not hold up the rest, but no more than the machine has cores for. */
const POOL_SIZE = Math.max(2, Math.min(4, availableParallelism()));

/** Runs `task` in a sandbox worker within `options`' limits. Never throws or rejects. */
export function runSandboxed(task: SandboxTask, options: SandboxRunOptions): Promise<SandboxOutcome> {
  let pool = pools.get(options.memoryMb);
  if (!pool) {
    pool = new SandboxPool(POOL_SIZE, options.memoryMb);
    pools.set(options.memoryMb, pool);
  }
  return pool.run(task, options.timeoutMs, options.signal);
}
