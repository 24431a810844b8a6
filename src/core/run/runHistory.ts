// A test run's side of the history store: writes coalesced into one batch per event-loop turn (the store
// is asynchronous, in a worker, so the run never waits on it), the summary stored with a finished run,
// and the lookup of the previous run of the same bank for comparison.
import type { TraceStore } from '../store/traceStore';
import type { EvaluationInput, RunRecord, TraceInput } from '../store/storeTypes';
import type { CaseStatus, CaseStatusKind, ModelStats } from '../stats/runStats';

/** Rows held before a batch goes to the store at once. */
const BATCH_TRACES = 250;
/** The longest a row waits for its batch, in ms. */
const BATCH_DELAY_MS = 100;

/**
 * Buffers traces and evaluations and hands them to the store in batches; never throws. Each message to
 * the store's worker has a fixed cost on the caller's thread, so rows wait up to `BATCH_DELAY_MS` for
 * company rather than going one per event-loop turn. The store may still be opening: writes wait for
 * it, in order, and are dropped when it resolves to `null`.
 */
export class RunHistoryWriter {
  private traces: (TraceInput & { id: string })[] = [];
  private evaluations: EvaluationInput[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly pending = new Set<Promise<unknown>>();
  private readonly reported = new Set<string>();

  constructor(
    private readonly store: Promise<TraceStore | null>,
    private readonly onProblem: (message: string) => void,
  ) {}

  /** Queues one trace (with its id already assigned) and the evaluations that refer to it. */
  add(trace: TraceInput & { id: string }, evaluations: EvaluationInput[] = []): void {
    this.traces.push(trace);
    for (const e of evaluations) this.evaluations.push(e);
    if (this.traces.length >= BATCH_TRACES) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), BATCH_DELAY_MS);
  }

  /**
   * Runs a write of its own on the store (run start, prompt version, run end), after everything handed
   * over before it; `drain` waits for it. Resolves to whether it was written.
   */
  write(op: (store: TraceStore) => Promise<unknown>): Promise<boolean> {
    const p = this.store
      .then(async (store) => {
        if (!store) return false;
        await op(store);
        return true;
      })
      .catch((err: unknown) => {
        this.problem(`history: ${err instanceof Error ? err.message : String(err)}`);
        return false;
      });
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
    return p;
  }

  /** Resolves once everything queued so far is in the store. */
  async drain(): Promise<void> {
    this.flush();
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Hands everything queued so far to the store now (writes after this are ordered after it). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.traces.length > 0) {
      const traces = this.traces;
      this.traces = [];
      void this.write((store) => store.addTraces(traces));
    }
    if (this.evaluations.length > 0) {
      const evaluations = this.evaluations;
      this.evaluations = [];
      void this.write((store) => store.addEvaluations(evaluations));
    }
  }

  problem(message: string): void {
    if (this.reported.has(message)) return;
    this.reported.add(message);
    this.onProblem(message);
  }
}

/** Marks run summaries written by `runTests`, so other runs' summaries are not misread. */
export const RUN_SUMMARY_FORMAT = 'assay-test-run/1';

/** What a finished test run stores as its summary. */
export interface StoredRunSummary {
  format: typeof RUN_SUMMARY_FORMAT;
  suite: string;
  models: ModelStats[];
}

const STATUS_KINDS = new Set<CaseStatusKind>(['pass', 'fail', 'flaky', 'error']);

/** A run's stored summary when `runTests` wrote it, else undefined (another kind of run's, or none). */
export function storedRunSummary(summary: unknown): StoredRunSummary | undefined {
  if (typeof summary !== 'object' || summary === null) return undefined;
  const s = summary as Partial<StoredRunSummary>;
  return s.format === RUN_SUMMARY_FORMAT && Array.isArray(s.models) ? (s as StoredRunSummary) : undefined;
}

/** The per-case statuses of `model` in a stored run summary, or undefined when it has none. */
export function storedCaseStatuses(summary: unknown, model: string): CaseStatus[] | undefined {
  const s = storedRunSummary(summary);
  if (!s) return undefined;
  const m = s.models.find((x) => x && x.model === model);
  if (!m || !Array.isArray(m.cases)) return undefined;
  return m.cases.filter((c) => c && typeof c.caseId === 'string' && STATUS_KINDS.has(c.status));
}

/** The previous run found for one model. */
export interface PreviousRun {
  run: RunRecord;
  cases: CaseStatus[];
}

const PAGES = 5;

/**
 * For each model, the newest finished run of this history's own (not imported) of the same bank (and prompt) that included it, started before
 * `before`, other than `excludeId`. Looks through at most a few pages of runs.
 */
export async function findPreviousRuns(
  store: TraceStore,
  query: { bankPath: string; promptPath: string | null; before: number; excludeId: string },
  models: readonly string[],
): Promise<Map<string, PreviousRun>> {
  const found = new Map<string, PreviousRun>();
  let cursor: string | undefined;
  for (let page = 0; page < PAGES && found.size < models.length; page++) {
    const filter = { bankPath: query.bankPath, status: 'done' as const, ...(query.promptPath !== null ? { promptPath: query.promptPath } : {}) };
    const result = await store.listRuns(filter, { limit: 50, ...(cursor ? { cursor } : {}) });
    for (const run of result.items) {
      if (run.id === query.excludeId || run.startedAt > query.before) continue;
      if (run.kind !== 'test' && run.kind !== 'cli') continue;
      // An imported run (a teammate's, another CI job's) ran other prompt edits: never this run's baseline.
      if (run.origin !== null) continue;
      for (const model of models) {
        if (found.has(model)) continue;
        const cases = storedCaseStatuses(run.summary, model);
        if (cases) found.set(model, { run, cases });
      }
    }
    if (!result.nextCursor) break;
    cursor = result.nextCursor;
  }
  return found;
}
