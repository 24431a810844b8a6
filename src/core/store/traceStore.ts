// The history store's async, typed API for the extension host and the CLI. All SQL, compression,
// redaction and file work happens in a worker thread; this side only assigns ids and posts messages.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { newId, promptVersionId } from './ids';
import type { CallName, FromWorker, StoreCalls, StoreEvent, ToWorker, WriteOp } from './storeProtocol';
import type {
  EvaluationInput,
  ExportResult,
  FeedbackInput,
  ImportOptions,
  ImportResult,
  LabeledVerdict,
  OpenReport,
  Page,
  PageRequest,
  PromptVersionInput,
  PromptVersionRecord,
  RunFilter,
  RunFinish,
  RunInput,
  RunRecord,
  RunSummary,
  SaveResult,
  StoreOptions,
  StoreStats,
  TimeSeriesPoint,
  TimeSeriesQuery,
  TraceFilter,
  TraceInput,
  TraceRecord,
  TraceSummary,
} from './storeTypes';

/** Rows per message (and per transaction in the worker). */
const BATCH_ROWS = 500;

export interface TraceStoreOptions extends StoreOptions {
  /**
   * The worker script. By default `storeWorker.js` next to this bundle (dist/), or, when running from
   * sources, `storeWorker.ts` next to this file, loaded through tsx.
   */
  workerPath?: string;
}

export interface Disposable {
  dispose(): void;
}

/** A minimal event: `on(listener)` returns a disposable. */
export type Listen<T> = (listener: (e: T) => void) => Disposable;

class Emitter<T> {
  private readonly listeners = new Set<(e: T) => void>();

  readonly event: Listen<T> = (listener) => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };

  fire(e: T): void {
    for (const l of [...this.listeners]) {
      try {
        l(e);
      } catch (err) {
        console.error('[assay] history listener failed', err);
      }
    }
  }
}

type Queued =
  | { kind: 'write'; op: WriteOp; rows: number; resolve: () => void; reject: (e: Error) => void }
  | { kind: 'call'; message: ToWorker; resolve: (v: unknown) => void; reject: (e: Error) => void };

function rowsOf(op: WriteOp): number {
  return op.op === 'addTraces' || op.op === 'addEvaluations' || op.op === 'addPromptVersions' ? op.args[0].length : 1;
}

/**
 * The store worker's young generation, in MB. Its live heap is small (a write batch, a query's rows: ~10 MB
 * at most); the history itself is sql.js memory outside the heap. V8's default young generation (32 MB of
 * semi-spaces, all touched in a long run) cost more than the worker's whole old generation: a 40,000-call
 * CLI run peaked at 455 instead of 523 MB with this one (medians of 3; docs/benchmarks.md, note ⁹, #19), the
 * scavenges it adds running on the worker's thread, never the caller's.
 */
export const STORE_WORKER_YOUNG_MB = 6;

function startWorker(options: TraceStoreOptions): Worker {
  const { workerPath, ...storeOptions } = options;
  const file = workerPath ?? [join(__dirname, 'storeWorker.js'), join(__dirname, 'storeWorker.ts')].find((f) => existsSync(f));
  if (!file) throw new Error(`storeWorker not found next to ${__dirname}; run the build`);
  const workerData = { options: storeOptions };
  const resourceLimits = { maxYoungGenerationSizeMb: STORE_WORKER_YOUNG_MB };
  if (!file.endsWith('.ts')) return new Worker(file, { workerData, resourceLimits });
  // From sources (unit tests, benchmarks): register tsx inside the worker, then load the TypeScript entry.
  const tsx = createRequire(file).resolve('tsx/cjs');
  return new Worker(`require(${JSON.stringify(tsx)}); require(${JSON.stringify(file)});`, { eval: true, workerData, resourceLimits });
}

/**
 * The trace store. Open one per history file with `TraceStore.open`, `close()` it on deactivate (which
 * saves). Writes are coalesced into batches and applied in order; reads see every earlier write.
 */
export class TraceStore {
  private readonly queue: Queued[] = [];
  private pumping = false;
  private nextId = 1;
  private readonly inflight = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private closed: Error | undefined;

  private readonly addedEmitter = new Emitter<{ count: number; runIds: string[] }>();
  private readonly changedEmitter = new Emitter<{ reason: 'merged' | 'retention' | 'deleted' | 'cleared' }>();
  private readonly savedEmitter = new Emitter<SaveResult>();
  private readonly problemEmitter = new Emitter<string>();
  private readonly pausedEmitter = new Emitter<void>();
  private readonly exportEmitter = new Emitter<Extract<StoreEvent, { event: 'exportNotice' }>>();

  /** Traces were added (by this store). */
  readonly onDidAddTraces = this.addedEmitter.event;
  /** Rows changed other than by adding: another writer's history merged in, retention, deletion, clear. */
  readonly onDidChange = this.changedEmitter.event;
  /** A save wrote the file. */
  readonly onDidSave = this.savedEmitter.event;
  /** Something went wrong that the user should hear about (a failed save, a corrupt file moved aside). */
  readonly onProblem = this.problemEmitter.event;
  /** Crash tests only: the worker stopped inside a save (see `StoreOptions.faultInjection`). */
  readonly onSavePaused = this.pausedEmitter.event;
  /** The live OpenTelemetry export's news (`StoreOptions.otlp`): never a history problem, so apart from `onProblem`. */
  readonly onExportNotice = this.exportEmitter.event;

  private constructor(
    private readonly worker: Worker,
    /** What opening found: a migration, a corrupt file moved aside, a read-only reason. */
    readonly openReport: OpenReport,
  ) {
    // An idle store does not keep the process alive; a call in flight does (see `updateRef`).
    worker.unref();
    worker.on('message', (m: FromWorker) => this.onMessage(m));
    worker.on('error', (err) => this.fail(new Error(`the history worker failed: ${err.message}`)));
    worker.on('exit', (code) => this.fail(new Error(`the history worker stopped (exit ${code})`)));
  }

  /** Opens (or creates on first save) the history file at `options.path`. */
  static open(options: TraceStoreOptions): Promise<TraceStore> {
    return new Promise((resolve, reject) => {
      let worker: Worker;
      try {
        worker = startWorker(options);
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      const onMessage = (m: FromWorker) => {
        if (m.kind === 'ready') {
          cleanup();
          resolve(new TraceStore(worker, m.report));
        } else if (m.kind === 'fatal') {
          cleanup();
          void worker.terminate();
          reject(m.notHistory ? new Error(m.message) : new Error(`cannot open the history at ${options.path}: ${m.message}`));
        }
      };
      const onError = (err: Error) => {
        cleanup();
        reject(new Error(`cannot start the history worker: ${err.message}`));
      };
      const onExit = (code: number) => {
        cleanup();
        reject(new Error(`the history worker exited during start-up (exit ${code})`));
      };
      const cleanup = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
    });
  }

  get path(): string {
    return this.openReport.path;
  }

  /** The V8 limits the worker runs under (empty once it stopped). */
  get workerResourceLimits(): Worker['resourceLimits'] {
    return this.worker.resourceLimits;
  }

  // ---- writes -------------------------------------------------------------------------------------

  /** Records a prompt file's content; resolves to its version id (the content's SHA-256). */
  async addPromptVersion(version: PromptVersionInput): Promise<string> {
    await this.write({ op: 'addPromptVersions', args: [[version]] });
    return promptVersionId(version.content);
  }

  /** Records the start of a run; resolves to its id. */
  async startRun(run: RunInput): Promise<string> {
    const id = run.id ?? newId();
    await this.write({ op: 'startRun', args: [{ ...run, id }] });
    return id;
  }

  async finishRun(runId: string, finish: RunFinish = {}): Promise<void> {
    await this.write({ op: 'finishRun', args: [runId, finish] });
  }

  /** Records model calls; resolves to their ids (given ones kept, others `newId(startedAt)`). */
  async addTraces(traces: TraceInput[]): Promise<string[]> {
    const withIds = traces.map((t) => (t.id ? (t as TraceInput & { id: string }) : { ...t, id: newId(t.startedAt) }));
    const writes: Promise<void>[] = [];
    for (let i = 0; i < withIds.length; i += BATCH_ROWS) writes.push(this.write({ op: 'addTraces', args: [withIds.slice(i, i + BATCH_ROWS)] }));
    await Promise.all(writes);
    return withIds.map((t) => t.id);
  }

  /** Records assertion outcomes; resolves to their ids. */
  async addEvaluations(evaluations: EvaluationInput[]): Promise<string[]> {
    const withIds = evaluations.map((e) => (e.id ? (e as EvaluationInput & { id: string }) : { ...e, id: newId() }));
    const writes: Promise<void>[] = [];
    for (let i = 0; i < withIds.length; i += BATCH_ROWS) writes.push(this.write({ op: 'addEvaluations', args: [withIds.slice(i, i + BATCH_ROWS)] }));
    await Promise.all(writes);
    return withIds.map((e) => e.id);
  }

  /**
   * Rates a trace (the latest rating wins, also across windows). `id` defaults to a new one; an imported
   * label passes one derived from its content, so importing it again adds nothing.
   */
  async setFeedback(traceId: string, feedback: FeedbackInput, id: string = newId()): Promise<void> {
    await this.write({ op: 'setFeedback', args: [id, traceId, feedback] });
  }

  /** Stores a batch run's provider batches on its run (started before), so `--resume` finds them. */
  async setRunBatch(runId: string, state: unknown): Promise<void> {
    await this.write({ op: 'setRunBatch', args: [runId, state] });
  }

  /** A batch run's stored state (what `setRunBatch` stored), or null. */
  runBatch(runId: string): Promise<unknown> {
    return this.call('runBatch', runId);
  }

  /** Deletes traces (and their evaluations and feedback); resolves to how many existed. */
  deleteTraces(ids: string[]): Promise<number> {
    return this.call('deleteTraces', ids);
  }

  /** Deletes all history, on disk too. */
  clear(): Promise<SaveResult> {
    return this.call('clear');
  }

  // ---- reads --------------------------------------------------------------------------------------

  listTraces(filter: TraceFilter = {}, page: PageRequest = {}): Promise<Page<TraceSummary>> {
    return this.call('listTraces', filter, page);
  }

  getTrace(id: string): Promise<TraceRecord | null> {
    return this.call('getTrace', id);
  }

  /** An image by content hash, which stored requests and variables refer to instead of holding it, or null. */
  getBlob(hash: string): Promise<{ mediaType: string; data: string } | null> {
    return this.call('getBlob', hash);
  }

  /** A prompt version's stored content (the trace detail diffs it against today's file), or null. */
  getPromptVersion(id: string): Promise<PromptVersionRecord | null> {
    return this.call('getPromptVersion', id);
  }

  listRuns(filter: RunFilter = {}, page: PageRequest = {}): Promise<Page<RunRecord>> {
    return this.call('listRuns', filter, page);
  }

  runSummary(runId: string): Promise<RunSummary | null> {
    return this.call('runSummary', runId);
  }

  /** Assertion verdicts on outputs people rated 👍/👎 (judge calibration, src/core/stats/calibration.ts). */
  labeledVerdicts(filter: TraceFilter = {}): Promise<LabeledVerdict[]> {
    return this.call('labeledVerdicts', filter);
  }

  timeSeries(query: TimeSeriesQuery): Promise<TimeSeriesPoint[]> {
    return this.call('timeSeries', query);
  }

  stats(): Promise<StoreStats> {
    return this.call('stats');
  }

  /** Adds secrets to redact from every write sent after this call (keys known only once the store is open). */
  addSecrets(secrets: string[]): Promise<void> {
    return this.call('addSecrets', secrets);
  }

  /** Writes the matching traces in full to `outPath`, one JSON object per line, oldest first. */
  exportJsonl(filter: TraceFilter, outPath: string): Promise<ExportResult> {
    return this.call('exportJsonl', filter, outPath);
  }

  /** Imports another history file's runs, traces, evaluations and feedback, then saves (see storeImport.ts). */
  importHistory(source: string, options: ImportOptions): Promise<ImportResult | { error: string }> {
    return this.call('importHistory', source, options);
  }

  // ---- persistence --------------------------------------------------------------------------------

  /** Loads another window's newer file now (otherwise that happens at the next save). */
  refresh(): Promise<boolean> {
    return this.call('refresh');
  }

  /** Saves now. */
  flush(): Promise<SaveResult> {
    return this.call('flush');
  }

  /** Saves, then stops the worker. Later calls reject. */
  async close(): Promise<SaveResult> {
    if (this.closed) return { saved: false, merged: false, error: this.closed.message };
    const closing = this.call('close');
    // Everything queued goes to the worker now rather than a batch per event-loop turn: the caller may
    // have synchronous work to do while the worker writes and saves (the CLI writes its reports).
    while (this.queue.length > 0) this.pump();
    const result = await closing;
    this.closed = new Error('the history store is closed');
    await this.worker.terminate();
    return result;
  }

  // ---- plumbing -----------------------------------------------------------------------------------

  private write(op: WriteOp): Promise<void> {
    if (this.closed) return Promise.reject(this.closed);
    return new Promise((resolve, reject) => {
      this.queue.push({ kind: 'write', op, rows: rowsOf(op), resolve, reject });
      this.schedulePump();
    });
  }

  private call<K extends CallName>(method: K, ...args: Parameters<StoreCalls[K]>): Promise<ReturnType<StoreCalls[K]>> {
    if (this.closed) return Promise.reject(this.closed);
    return new Promise((resolve, reject) => {
      const message = { id: this.nextId++, kind: 'call', method, args } as ToWorker;
      this.queue.push({ kind: 'call', message, resolve: resolve as (v: unknown) => void, reject });
      this.schedulePump();
    });
  }

  private schedulePump(): void {
    this.worker.ref();
    if (this.pumping) return;
    this.pumping = true;
    // Coalesce everything written in this turn; post at most one batch per turn so a burst of
    // writes never holds the caller's event loop for long.
    setImmediate(() => this.pump());
  }

  private pump(): void {
    this.pumping = false;
    const ops: WriteOp[] = [];
    const waiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
    let rows = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0]!;
      if (next.kind === 'write') {
        if (ops.length > 0 && rows + next.rows > BATCH_ROWS) break;
        this.queue.shift();
        ops.push(next.op);
        waiters.push(next);
        rows += next.rows;
        continue;
      }
      if (ops.length > 0) break;
      this.queue.shift();
      this.inflight.set(next.message.id, next);
      this.worker.postMessage(next.message);
      // Several reads in a row may go out together; they are cheap to clone.
    }
    if (ops.length > 0) {
      const id = this.nextId++;
      this.inflight.set(id, {
        resolve: (result) => {
          const errors = result as (string | null)[];
          waiters.forEach((w, i) => (errors[i] ? w.reject(new Error(errors[i]!)) : w.resolve()));
        },
        reject: (err) => waiters.forEach((w) => w.reject(err)),
      });
      this.worker.postMessage({ id, kind: 'writes', ops } satisfies ToWorker);
    }
    if (this.queue.length > 0) this.schedulePump();
  }

  private updateRef(): void {
    if (this.inflight.size > 0 || this.queue.length > 0) this.worker.ref();
    else this.worker.unref();
  }

  private onMessage(m: FromWorker): void {
    if (m.kind === 'result') {
      const waiter = this.inflight.get(m.id);
      if (!waiter) return;
      this.inflight.delete(m.id);
      this.updateRef();
      if (m.ok) waiter.resolve(m.result);
      else waiter.reject(new Error(m.error));
    } else if (m.kind === 'event') {
      this.dispatch(m);
    }
  }

  private dispatch(e: StoreEvent): void {
    switch (e.event) {
      case 'tracesAdded':
        this.addedEmitter.fire({ count: e.count, runIds: e.runIds });
        break;
      case 'changed':
        this.changedEmitter.fire({ reason: e.reason });
        break;
      case 'saved':
        this.savedEmitter.fire(e.result);
        break;
      case 'problem':
        this.problemEmitter.fire(e.message);
        break;
      case 'savePaused':
        this.pausedEmitter.fire();
        break;
      case 'exportNotice':
        this.exportEmitter.fire(e);
        break;
    }
  }

  private fail(err: Error): void {
    if (!this.closed) {
      this.closed = err;
      this.problemEmitter.fire(err.message);
    }
    for (const w of this.inflight.values()) w.reject(err);
    this.inflight.clear();
    for (const q of this.queue.splice(0)) q.reject(err);
  }
}
