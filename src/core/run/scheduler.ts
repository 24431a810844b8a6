// Admission control for calls: a global concurrency limit, per-endpoint limits, and per-endpoint adaptive
// limits that halve on HTTP 429 and grow back one step per round of successes (AIMD). Waiters are served
// oldest first across endpoints; retries go ahead of new work on their endpoint.
import { onAbort } from './abortListeners';

/** A granted place to run one attempt. Give it back with `release`. */
export interface Slot {
  readonly endpoint: string;
  /** The endpoint's limit generation when granted, so a burst of 429s halves the limit once, not per call. */
  readonly epoch: number;
}

/** How an attempt ended, as far as the limits care. */
export type SlotOutcome = 'ok' | 'rate_limited' | 'failed';

/** A snapshot for status displays and tests. */
export interface SchedulerStats {
  running: number;
  queued: number;
  limit: number;
  endpoints: { endpoint: string; running: number; queued: number; limit: number }[];
}

interface Waiter {
  seq: number;
  resolve: (slot: Slot | null) => void;
  /** Removes the waiter's abort listener. */
  stopListening: (() => void) | undefined;
  done: boolean;
}

interface EndpointState {
  name: string;
  /** The configured ceiling (`maxConcurrency`), Infinity when none. */
  max: number;
  /** The adaptive limit, ≤ max. */
  limit: number;
  running: number;
  epoch: number;
  okSinceChange: number;
  retries: Waiter[];
  retryHead: number;
  fresh: Waiter[];
  freshHead: number;
  queued: number;
}

/** The concurrency gate the engine puts every attempt through. */
export class Scheduler {
  private readonly endpoints = new Map<string, EndpointState>();
  private running = 0;
  private seq = 0;

  constructor(private limit: number) {
    this.limit = Math.max(1, Math.floor(limit));
  }

  /** Changes the global limit (the `assay.concurrency` setting); takes effect for the next grants. */
  setConcurrency(limit: number): void {
    this.limit = Math.max(1, Math.floor(limit));
    this.pump();
  }

  /** Sets an endpoint's own ceiling (its `maxConcurrency`); `undefined` for none. */
  configureEndpoint(endpoint: string, maxConcurrency: number | undefined): void {
    const ep = this.state(endpoint);
    const max = maxConcurrency !== undefined && maxConcurrency >= 1 ? Math.floor(maxConcurrency) : Infinity;
    if (ep.max !== max) {
      ep.max = max;
      ep.limit = max;
      this.pump();
    }
  }

  /** A sequence number for a new job: older jobs are served first. */
  nextSeq(): number {
    return ++this.seq;
  }

  /**
   * Waits for a slot on `endpoint`. Resolves to `null` when `signal` aborts first. `retry` puts the
   * waiter ahead of new work on its endpoint; `seq` orders waiters across endpoints.
   */
  acquire(endpoint: string, options: { signal?: AbortSignal; retry?: boolean; seq?: number } = {}): Promise<Slot | null> {
    const ep = this.state(endpoint);
    if (options.signal?.aborted) return Promise.resolve(null);
    if (this.running < this.limit && ep.running < ep.limit && ep.queued === 0) return Promise.resolve(this.grant(ep));
    return new Promise<Slot | null>((resolve) => {
      const waiter: Waiter = { seq: options.seq ?? this.nextSeq(), resolve, stopListening: undefined, done: false };
      if (options.signal) {
        waiter.stopListening = onAbort(options.signal, () => {
          if (waiter.done) return;
          waiter.done = true;
          ep.queued--;
          resolve(null);
        });
      }
      if (options.retry) ep.retries.push(waiter);
      else ep.fresh.push(waiter);
      ep.queued++;
    });
  }

  /** Returns a slot. `rate_limited` halves the endpoint's limit; `ok` grows it back step by step. */
  release(slot: Slot, outcome: SlotOutcome): void {
    const ep = this.state(slot.endpoint);
    if (outcome === 'rate_limited' && slot.epoch === ep.epoch) {
      ep.limit = Math.max(1, Math.floor(Math.min(ep.limit, ep.running, this.limit) / 2));
      ep.epoch++;
      ep.okSinceChange = 0;
    } else if (outcome === 'ok' && ep.limit < ep.max) {
      if (++ep.okSinceChange >= ep.limit) {
        ep.okSinceChange = 0;
        ep.limit++;
        // Fully recovered: no longer below the global limit, so stop tracking a number of our own.
        if (ep.max === Infinity && ep.limit >= this.limit) ep.limit = Infinity;
      }
    }
    ep.running--;
    this.running--;
    this.pump();
  }

  stats(): SchedulerStats {
    let queued = 0;
    const endpoints = [...this.endpoints.values()].map((ep) => {
      queued += ep.queued;
      return { endpoint: ep.name, running: ep.running, queued: ep.queued, limit: Math.min(ep.limit, this.limit) };
    });
    return { running: this.running, queued, limit: this.limit, endpoints };
  }

  private state(endpoint: string): EndpointState {
    let ep = this.endpoints.get(endpoint);
    if (!ep) {
      ep = { name: endpoint, max: Infinity, limit: Infinity, running: 0, epoch: 0, okSinceChange: 0, retries: [], retryHead: 0, fresh: [], freshHead: 0, queued: 0 };
      this.endpoints.set(endpoint, ep);
    }
    return ep;
  }

  private grant(ep: EndpointState): Slot {
    ep.running++;
    this.running++;
    return { endpoint: ep.name, epoch: ep.epoch };
  }

  /** The next live waiter of an endpoint without removing it. */
  private peek(ep: EndpointState): Waiter | undefined {
    while (ep.retryHead < ep.retries.length && ep.retries[ep.retryHead]!.done) ep.retryHead++;
    if (ep.retryHead < ep.retries.length) return ep.retries[ep.retryHead];
    while (ep.freshHead < ep.fresh.length && ep.fresh[ep.freshHead]!.done) ep.freshHead++;
    return ep.freshHead < ep.fresh.length ? ep.fresh[ep.freshHead] : undefined;
  }

  private take(ep: EndpointState): Waiter {
    const fromRetries = ep.retryHead < ep.retries.length;
    const w = fromRetries ? ep.retries[ep.retryHead++]! : ep.fresh[ep.freshHead++]!;
    if (fromRetries && ep.retryHead > 256 && ep.retryHead * 2 > ep.retries.length) {
      ep.retries = ep.retries.slice(ep.retryHead);
      ep.retryHead = 0;
    }
    if (!fromRetries && ep.freshHead > 256 && ep.freshHead * 2 > ep.fresh.length) {
      ep.fresh = ep.fresh.slice(ep.freshHead);
      ep.freshHead = 0;
    }
    return w;
  }

  private pump(): void {
    while (this.running < this.limit) {
      let best: EndpointState | undefined;
      let bestSeq = Infinity;
      for (const ep of this.endpoints.values()) {
        if (ep.queued === 0 || ep.running >= ep.limit) continue;
        const w = this.peek(ep);
        const seq = w === undefined ? Infinity : ep.retryHead < ep.retries.length ? -Infinity : w.seq;
        if (seq < bestSeq) {
          best = ep;
          bestSeq = seq;
        }
      }
      if (!best) return;
      const waiter = this.take(best);
      waiter.done = true;
      best.queued--;
      waiter.stopListening?.();
      waiter.resolve(this.grant(best));
    }
  }
}
