// The run engine: every model call goes through here. It resolves the provider, serves and fills the
// cache (collapsing identical concurrent calls), admits the call through the scheduler, applies the
// per-request timeout, retries what is worth retrying, prices the result and reports progress as
// events. It has no UI: the playground, the Test Explorer and the CLI subscribe to `events`.
import { setMaxListeners } from 'node:events';
import { PriceBook } from '../pricing/pricing';
import type { ProviderRegistry } from '../providers/providerRegistry';
import type { EmbeddingResult, LogSink, ModelListResult, ModerationResult, PreparedChat, Provider } from '../providers/providerTypes';
import { blankResult } from '../providers/sdkProvider';
import { estimateStoppedUsage } from './stoppedUsage';
import type { CallError, CallResult, ChatRequest, ModelRef } from '../types';
import { cacheKey, MemoryResponseCache, type ResponseCache } from './cache';
import { onAbort } from './abortListeners';
import { Emitter, type EventMap } from './emitter';
import { DEFAULT_RETRY_POLICY, isRetryable, retryDelayMs, sleep, type RetryPolicy } from './retry';
import { Scheduler } from './scheduler';
import type { LoopBudget } from './loopBudget';

/** What the engine is built from; everything but the registry has a default. */
export interface EngineOptions {
  registry: ProviderRegistry;
  /** Calls in flight at once, across all endpoints (`assay.concurrency`). Default 4. */
  concurrency?: number;
  /** Per-attempt limit in ms (`assay.requestTimeoutSeconds` × 1000). Default 120 000. */
  requestTimeoutMs?: number;
  /** Where `useCache` calls are cached. Default: an in-memory LRU. */
  cache?: ResponseCache;
  /** Prices (`assay.pricing` over the built-in table). */
  pricing?: PriceBook;
  retry?: Partial<RetryPolicy>;
  /** Jitter source, for reproducible tests. */
  random?: () => number;
  log?: LogSink;
  /** Spreads the starts of calls over turns of the event loop (the editor's extension host must stay responsive). */
  loopBudget?: LoopBudget;
}

/** Per-call options. */
export interface CallOptions {
  /** Cancels the call wherever it is: queued, in flight, or waiting to retry. */
  signal?: AbortSignal;
  /** Stream the answer (deltas through `onDelta` and `delta` events). Default false. */
  stream?: boolean;
  /** Serve from and fill the cache; identical concurrent calls collapse into one. Default false. */
  useCache?: boolean;
  /** Receives text deltas as they arrive. */
  onDelta?: (text: string) => void;
  /**
   * Receives reasoning (summary or thinking) deltas as they arrive, apart from the text. Only calls that
   * reach the provider stream it: a cached or collapsed answer brings its reasoning in the result.
   */
  onReasoning?: (text: string) => void;
  /** Free text echoed in the `queued` event, so subscribers can tell jobs apart (e.g. a test case id). */
  tag?: string;
}

/** Describes a job when it is queued. */
export interface JobInfo {
  id: number;
  kind: 'chat' | 'embed';
  model: ModelRef;
  stream: boolean;
  useCache: boolean;
  tag?: string;
}

/** Engine events, as listener argument lists. */
export interface EngineEvents extends EventMap {
  queued: [job: JobInfo];
  /** An attempt got a slot and was sent (attempt counts from 1). */
  started: [jobId: number, attempt: number];
  delta: [jobId: number, text: string];
  /** An attempt failed and another follows after `delayMs`. */
  retrying: [jobId: number, attempt: number, delayMs: number, error: CallError];
  /** The job's final result: a `CallResult` for chat jobs, an `EmbeddingResult` for embed jobs. */
  finished: [jobId: number, result: CallResult | EmbeddingResult | ModerationResult];
}

/** Settings that may change while the engine lives. */
export interface EngineSettings {
  registry?: ProviderRegistry;
  concurrency?: number;
  requestTimeoutMs?: number;
  pricing?: PriceBook;
}

interface SharedCall {
  promise: Promise<CallResult>;
  controller: AbortController;
  waiters: number;
  partial: string;
}

const ABORTED = Symbol('aborted');

/** Resolves to `ABORTED` as soon as `signal` aborts, else to `promise`'s value. */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T | typeof ABORTED> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.resolve(ABORTED);
  return new Promise((resolve, reject) => {
    const stop = onAbort(signal, () => resolve(ABORTED));
    promise.then(
      (v) => {
        stop();
        resolve(v);
      },
      (err: unknown) => {
        stop();
        reject(err);
      },
    );
  });
}

const sharedSignals = new WeakSet<AbortSignal>();

/**
 * One run's signal is shared by all its jobs. The engine's own waits (queue, attempt, retry wait) share one
 * listener through `onAbort`, but other code given the signal (sandboxed assertions, script providers)
 * listens once per job: that is by design, so Node's "possible leak" warning past 10 listeners is off for it.
 */
function allowManyListeners(signal: AbortSignal | undefined): void {
  if (signal && !sharedSignals.has(signal)) {
    sharedSignals.add(signal);
    setMaxListeners(0, signal);
  }
}

/** Runs model calls; one per extension host (or CLI process). */
export class Engine {
  readonly events = new Emitter<EngineEvents>();
  private registry: ProviderRegistry;
  private pricing: PriceBook;
  private timeoutMs: number;
  private readonly scheduler: Scheduler;
  private readonly cache: ResponseCache;
  private readonly retry: RetryPolicy;
  private readonly random: () => number;
  private readonly log: LogSink | undefined;
  private readonly loopBudget: LoopBudget | undefined;
  private readonly inflight = new Map<string, SharedCall>();
  private readonly configured = new WeakSet<Provider>();
  private jobIds = 0;

  constructor(options: EngineOptions) {
    this.registry = options.registry;
    this.pricing = options.pricing ?? new PriceBook();
    this.timeoutMs = options.requestTimeoutMs ?? 120_000;
    this.scheduler = new Scheduler(options.concurrency ?? 4);
    this.cache = options.cache ?? new MemoryResponseCache();
    this.retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.random = options.random ?? Math.random;
    this.log = options.log;
    this.loopBudget = options.loopBudget;
  }

  /** Applies changed settings; calls already in flight keep what they started with. */
  configure(settings: EngineSettings): void {
    if (settings.registry) this.registry = settings.registry;
    if (settings.pricing) this.pricing = settings.pricing;
    if (settings.requestTimeoutMs !== undefined) this.timeoutMs = settings.requestTimeoutMs;
    if (settings.concurrency !== undefined) this.scheduler.setConcurrency(settings.concurrency);
  }

  /** Running and queued work, overall and per endpoint. */
  stats(): ReturnType<Scheduler['stats']> {
    return this.scheduler.stats();
  }

  /** Calls a model. Always resolves: failures, timeouts and cancellation come back as `result.error`. */
  async call(request: ChatRequest, options: CallOptions = {}): Promise<CallResult> {
    const id = ++this.jobIds;
    const stream = options.stream === true;
    const useCache = options.useCache === true;
    if (this.events.has('queued')) {
      this.events.emit('queued', { id, kind: 'chat', model: request.model, stream, useCache, ...(options.tag !== undefined ? { tag: options.tag } : {}) });
    }
    const resolved = this.registry.resolve(request.model, request.params.api);
    if ('error' in resolved) return this.finish(id, this.failed(request.model, null, resolved.error));
    const prepared = resolved.prepare(request, stream);
    if ('error' in prepared) return this.finish(id, this.failed(request.model, null, prepared.error));
    const signal = options.signal;
    allowManyListeners(signal);
    const onDelta = this.deltaSink(id, options.onDelta);
    if (!useCache) return this.finish(id, await this.run(id, resolved, prepared, signal, onDelta, stream ? options.onReasoning : undefined));

    if (signal?.aborted) return this.finish(id, this.failed(request.model, prepared.payload, { kind: 'cancelled', message: 'Cancelled' }));
    // showThinking changes the result's text but not the payload: it keys the answer apart.
    const key = cacheKey(resolved.endpointId, request.params.showThinking ? { ...prepared.payload, '(showThinking)': true } : prepared.payload);
    const cached = await this.cacheGet(key);
    if (cached && !cached.error) {
      if (stream && onDelta && cached.text !== '') onDelta(cached.text);
      return this.finish(id, { ...cached, cacheHit: true });
    }

    let shared = this.inflight.get(key);
    const joined = shared !== undefined;
    if (!shared) {
      const controller = new AbortController();
      const call: SharedCall = { controller, waiters: 0, partial: '', promise: Promise.resolve(null as unknown as CallResult) };
      const sharedDelta = (text: string): void => {
        call.partial += text;
        if (onDelta && !signal?.aborted) onDelta(text);
      };
      call.promise = this.run(id, resolved, prepared, controller.signal, stream ? sharedDelta : undefined, stream ? options.onReasoning : undefined)
        .then(async (result) => {
          if (!result.error) await this.cacheSet(key, result);
          return result;
        })
        .finally(() => this.inflight.delete(key));
      this.inflight.set(key, call);
      shared = call;
    }
    shared.waiters++;
    const outcome = await raceAbort(shared.promise, signal);
    shared.waiters--;
    if (outcome === ABORTED) {
      if (shared.waiters === 0) shared.controller.abort();
      const result = this.failed(request.model, prepared.payload, { kind: 'cancelled', message: 'Cancelled' });
      result.text = shared.partial;
      return this.finish(id, result);
    }
    if (!joined) return this.finish(id, outcome);
    // A collapsed duplicate made no call of its own.
    if (stream && onDelta && outcome.text !== '') onDelta(outcome.text);
    return this.finish(id, { ...outcome, cacheHit: !outcome.error });
  }

  /** Embeds `texts` with `ref` (the `similar` assertion). Scheduled and retried like chat calls; never cached. */
  async embed(ref: ModelRef, texts: string[], options: { signal?: AbortSignal; tag?: string } = {}): Promise<EmbeddingResult> {
    const id = ++this.jobIds;
    if (this.events.has('queued')) {
      this.events.emit('queued', { id, kind: 'embed', model: ref, stream: false, useCache: false, ...(options.tag !== undefined ? { tag: options.tag } : {}) });
    }
    allowManyListeners(options.signal);
    const fail = (error: CallError): EmbeddingResult => ({ model: ref, vectors: [], usage: null, cost: null, latencyMs: 0, error });
    const provider = this.registry.resolve(ref);
    if ('error' in provider) return this.finish(id, fail(provider.error));
    if (texts.length === 0) return this.finish(id, { model: ref, vectors: [], usage: null, cost: 0, latencyMs: 0 });
    const outcome = await this.attempts(id, provider, options.signal, false, (signal, timeoutMs) =>
      provider.embed(ref.model, texts, { signal, timeoutMs }).then((o) => ({ ...o, error: o.result.error })),
    );
    if (outcome === ABORTED) return this.finish(id, fail({ kind: 'cancelled', message: 'Cancelled' }));
    const result = outcome.value.result;
    if (!result.error) result.cost = this.pricing.embeddingCost(ref, result.usage ? result.usage.inputTokens : null);
    return this.finish(id, result);
  }

  /** Classifies `text` with a moderation model (the `moderation` assertion). Scheduled and retried like chat calls; never cached. */
  async moderate(ref: ModelRef, text: string, options: { signal?: AbortSignal; tag?: string } = {}): Promise<ModerationResult> {
    const id = ++this.jobIds;
    if (this.events.has('queued')) {
      this.events.emit('queued', { id, kind: 'embed', model: ref, stream: false, useCache: false, ...(options.tag !== undefined ? { tag: options.tag } : {}) });
    }
    allowManyListeners(options.signal);
    const fail = (error: CallError): ModerationResult => ({ model: ref, flags: [], latencyMs: 0, error });
    const provider = this.registry.resolve(ref);
    if ('error' in provider) return this.finish(id, fail(provider.error));
    const moderate = provider.moderate?.bind(provider);
    if (!moderate) return this.finish(id, fail({ kind: 'bad_request', message: `${ref.provider} has no moderation API: name an OpenAI moderation model, e.g. openai:moderation:omni-moderation-latest` }));
    const outcome = await this.attempts(id, provider, options.signal, false, (signal, timeoutMs) => moderate(ref.model, text, { signal, timeoutMs }).then((o) => ({ ...o, error: o.result.error })));
    if (outcome === ABORTED) return this.finish(id, fail({ kind: 'cancelled', message: 'Cancelled' }));
    return this.finish(id, outcome.value.result);
  }

  /** Lists the models an endpoint offers (for pickers and completion); not scheduled, not retried. */
  async listModels(providerName: string, options: { signal?: AbortSignal } = {}): Promise<ModelListResult> {
    const provider = this.registry.get(providerName);
    if (!provider) return { error: { kind: 'bad_request', message: `Unknown provider "${providerName}"` } };
    return provider.listModels({ ...(options.signal ? { signal: options.signal } : {}), timeoutMs: Math.min(this.timeoutMs, 15_000) });
  }

  /** A cache that fails (e.g. a persistent one) costs a call, never the result. */
  private async cacheGet(key: string): Promise<CallResult | undefined> {
    try {
      return await this.cache.get(key);
    } catch (err) {
      this.log?.('warn', `response cache read failed: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  }

  private async cacheSet(key: string, result: CallResult): Promise<void> {
    try {
      await this.cache.set(key, result);
    } catch (err) {
      this.log?.('warn', `response cache write failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private deltaSink(id: number, onDelta: ((text: string) => void) | undefined): ((text: string) => void) | undefined {
    const events = this.events;
    if (!onDelta && !events.has('delta')) return undefined;
    return (text) => {
      if (onDelta) onDelta(text);
      if (events.has('delta')) events.emit('delta', id, text);
    };
  }

  private finish<R extends CallResult | EmbeddingResult | ModerationResult>(id: number, result: R): R {
    if (this.events.has('finished')) this.events.emit('finished', id, result);
    return result;
  }

  private failed(model: ModelRef, payload: Record<string, unknown> | null, error: CallError): CallResult {
    const { redactor } = this.registry;
    return {
      ...blankResult(model, payload === null ? null : redactor.value(payload)),
      error: { ...error, message: redactor.text(error.message) },
    };
  }

  /** One chat job through the scheduler with retries; prices the final result. */
  private async run(
    id: number,
    provider: Provider,
    prepared: PreparedChat,
    signal: AbortSignal | undefined,
    onDelta: ((text: string) => void) | undefined,
    onReasoning: ((text: string) => void) | undefined,
  ): Promise<CallResult> {
    // Once anything was shown, a retry would show it twice: such a failure is final.
    let streamed = false;
    const shown = (to: ((text: string) => void) | undefined): ((text: string) => void) | undefined =>
      to
        ? (text: string): void => {
            streamed = true;
            to(text);
          }
        : undefined;
    const sink = shown(onDelta);
    const reasoningSink = shown(onReasoning);
    const sentAt = performance.now();
    const outcome = await this.attempts(
      id,
      provider,
      signal,
      () => streamed,
      (attemptSignal, timeoutMs) =>
        provider
          .chat(prepared, { signal: attemptSignal, timeoutMs, ...(sink ? { onDelta: sink } : {}), ...(reasoningSink ? { onReasoning: reasoningSink } : {}) })
          .then((o) => ({ result: o.result, retryAfterMs: o.retryAfterMs, error: o.result.error })),
    );
    if (outcome === ABORTED) return this.failed(prepared.request.model, prepared.payload, { kind: 'cancelled', message: 'Cancelled' });
    const result = outcome.value.result;
    result.attempts = outcome.attempts;
    // A failure after retries took all of that time (backoff included), not only its last attempt's.
    if (result.error && outcome.attempts > 1) result.latencyMs = Math.round((performance.now() - sentAt) * 10) / 10;
    // A provider that knows its own cost (a promptfoo script's `cost`) keeps it.
    if (result.cost !== null && !result.error) return result;
    if (result.usage) result.cost = this.pricing.cost(result.model, result.usage);
    else if (!result.error) result.cost = this.pricing.cost(result.model, null);
    return result;
  }

  /**
   * For a call stopped mid-stream, whose usage the server never sent (or only its opening count): usage
   * counted from what streamed, marked `usageEstimated`, and its price. Not done inside `call`, so a
   * cancel returns at once; the playground asks for it to show what a stopped column consumed.
   */
  async estimateStopped(result: CallResult, messages: ChatRequest['messages']): Promise<CallResult> {
    if (result.error?.kind !== 'cancelled' || result.latencyMs === 0 || result.cacheHit) return result;
    await estimateStoppedUsage(result, messages);
    result.cost = this.pricing.cost(result.model, result.usage);
    return result;
  }

  /**
   * The attempt loop shared by chat and embeddings: slot, timeout, retry with backoff. `noRetry` is
   * checked after a failure (a stream that already delivered text is not replayed).
   */
  private async attempts<O extends { error: CallError | undefined; retryAfterMs: number | null; result: { error?: CallError } }>(
    id: number,
    provider: Provider,
    signal: AbortSignal | undefined,
    noRetry: false | (() => boolean),
    attempt: (signal: AbortSignal, timeoutMs: number) => Promise<O>,
  ): Promise<{ value: O; attempts: number } | typeof ABORTED> {
    if (!this.configured.has(provider)) {
      this.configured.add(provider);
      this.scheduler.configureEndpoint(provider.endpointId, provider.config.maxConcurrency);
    }
    const seq = this.scheduler.nextSeq();
    for (let n = 1; ; n++) {
      const slot = await this.scheduler.acquire(provider.endpointId, { ...(signal ? { signal } : {}), retry: n > 1, seq });
      if (!slot) return ABORTED;
      // A slot freed by an answer is granted in that answer's turn of the loop; the next call may start in a later one.
      const deferred = this.loopBudget?.pass();
      if (deferred) await deferred;
      if (signal?.aborted) {
        this.scheduler.release(slot, 'failed');
        return ABORTED;
      }
      if (this.events.has('started')) this.events.emit('started', id, n);
      const timeoutMs = this.timeoutMs;
      const controller = new AbortController();
      let timedOut = false;
      const stopListening = signal ? onAbort(signal, () => controller.abort()) : undefined;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, timeoutMs);
      let value: O;
      try {
        // The SDK's own timeout only guards the wait for headers; ours covers the whole response.
        value = await attempt(controller.signal, timeoutMs + 1_000);
      } catch (err) {
        this.scheduler.release(slot, 'failed');
        throw err;
      } finally {
        clearTimeout(timer);
        stopListening?.();
      }
      let error = value.error;
      if (error && timedOut && !signal?.aborted && (error.kind === 'cancelled' || error.kind === 'timeout')) {
        error = { kind: 'timeout', message: `No complete response within ${formatSeconds(timeoutMs)} (request timeout)` };
        value.result.error = error;
        value.error = error;
      }
      this.scheduler.release(slot, !error ? 'ok' : error.status === 429 || error.kind === 'rate_limit' ? 'rate_limited' : 'failed');
      if (!error || error.kind === 'cancelled' || !isRetryable(error) || n >= this.retry.maxAttempts || (noRetry && noRetry())) {
        return { value, attempts: n };
      }
      const delay = retryDelayMs(this.retry, n, value.retryAfterMs, this.random);
      this.events.emit('retrying', id, n, delay, error);
      this.log?.('info', `${provider.config.name}: attempt ${n} failed (${error.kind}${error.status ? ` ${error.status}` : ''}); retrying in ${delay} ms`);
      if (!(await sleep(delay, signal))) return ABORTED;
    }
  }
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
