// Messages between the host and the results webview (webview-ui/src/results): a test run shown as a
// matrix of cases × models. The host sends the whole run when it starts and ends, and finished cells in
// between; the webview sends commands from a cell.
import { command, notification } from './protocol';

/** The panel's view type (also the serializer's). */
export const RESULTS_VIEW_TYPE = 'assay.results';

/** A cell's state: `flaky` when its repeats both passed and failed; `pending`/`running` while the run goes on. */
export type CellStatus = 'pass' | 'fail' | 'error' | 'flaky' | 'pending' | 'running';

/** One assertion's outcome. */
export interface ResultsAssertion {
  type: string;
  pass: boolean;
  score: number;
  reason: string;
  /** The expected value as text, for equality-like assertions (shown as a diff). */
  expected?: string;
  error?: string;
}

/** One execution of a cell (a case on a model); a cell has K with repeats. */
export interface ResultsExecution {
  repeatIndex: number;
  status: 'pass' | 'fail' | 'error';
  /** One line: why it passed, failed or errored. */
  reason: string;
  /** The model's output: untrusted, shown as text. */
  output: string;
  score: number | null;
  latencyMs: number;
  /** USD; null when unknown. */
  cost: number | null;
  /** The call's trace in history, when recorded. */
  traceId: string | null;
  /** Why it errored (`auth`, `rate_limit`, `render`, `cancelled`…). */
  errorKind?: string;
  /** Served from the response cache: its latency and cost are the original call's, nothing was spent now. */
  cached?: boolean;
  assertions: ResultsAssertion[];
}

/** A case × model cell. */
export interface ResultsCell {
  /** Index into `ResultsState.rows`. */
  row: number;
  model: string;
  status: CellStatus;
  /** Executions that passed, of `total` planned (K with repeats). */
  passes: number;
  total: number;
  /** Mean score of the executions with one. */
  score: number | null;
  /** Mean latency of the answered executions, ms. */
  latencyMs: number | null;
  /** Sum of the known costs, USD; null when none is known. */
  cost: number | null;
  /** The failing (or first) assertion's reason; an error's message. */
  reason: string;
  /** Against the previous run of the same bank on this model. */
  change?: 'regression' | 'fix';
  /** Re-run on its own after the run the rest of the matrix comes from (a partial run merged in). */
  newer?: boolean;
  /** Every execution came from the response cache. */
  cached?: boolean;
  executions: ResultsExecution[];
}

/** A case (a row of the matrix). */
export interface ResultsRow {
  /** Unique in the run: suite index and case id. */
  key: string;
  suite: string;
  caseId: string;
  label: string;
  vars: Record<string, unknown>;
  /** Where the case is written (a file URI string) and its first line, when known. */
  uri?: string;
  line?: number;
}

/** Statistics of one model over the run. */
export interface ResultsModelStats {
  model: string;
  trials: number;
  passes: number;
  fails: number;
  errors: number;
  passRate: number | null;
  /** 95% Wilson interval of the pass rate. */
  low: number;
  high: number;
  flaky: number;
  cost: number;
  costUnknown: number;
  /** Latency percentiles of the calls made in this run (cache hits are not measurements). */
  p50Ms: number | null;
  p95Ms: number | null;
  /** Executions served from the response cache. */
  cached?: number;
  /** Against the previous run; null when there is none. */
  regressions: number | null;
  fixes: number | null;
  previousRunAt: number | null;
  /** Whether the change against the previous run is real or noise (the suite's most telling one when there are several). */
  significance: { verdict: 'significant-regression' | 'significant-improvement' | 'within-noise' | 'no-change'; pValue: number | null; text: string } | null;
}

/** Everything the panel shows of one run. */
export interface ResultsState {
  runId: string;
  /** E.g. `support-triage.prompt`. */
  title: string;
  status: 'running' | 'done' | 'cancelled';
  startedAt: number;
  endedAt: number | null;
  done: number;
  total: number;
  /** Model labels: the matrix's columns, in order. */
  models: string[];
  rows: ResultsRow[];
  /** Sparse: only cells that exist (a case may not run on every model). */
  cells: ResultsCell[];
  /** Filled when the run ends. */
  stats: ResultsModelStats[];
  totals: { passed: number; failed: number; errors: number; flaky: number; cost: number; costUnknown: number; durationMs: number | null };
  /** Whether "Open trace" can open a cell's trace (the trace explorer's `assay.traces.openTrace` is there). */
  canOpenTrace: boolean;
}

/** A cell, named by its row key and model. */
export interface CellRef {
  rowKey: string;
  model: string;
  /** Which execution (repeats); default the first. */
  repeatIndex?: number;
  /**
   * The execution's trace, as the panel shows it: a panel restored after a window reload holds a run the
   * host no longer has in memory, so opening or rating its trace goes by this id.
   */
  traceId?: string;
}

/** Host → webview: a run to show (sent at its start, its end, and when the panel is revived). */
export const DidChangeRunNotification = notification<ResultsState>('results/didChangeRun');
/** Host → webview: cells that finished since the last update, and the counts so far. */
export const DidUpdateCellsNotification = notification<{ runId: string; cells: ResultsCell[]; done: number; total: number }>('results/didUpdateCells');

/** Webview → host: open the case in its file. */
export const OpenCaseCommand = command<CellRef>('results/openCase');
/** Webview → host: open the cell's trace in the trace explorer. */
export const OpenTraceCommand = command<CellRef>('results/openTrace');
/** Webview → host: open the playground on the prompt with the case's variables. */
export const OpenPlaygroundCommand = command<CellRef>('results/openPlayground');
/** Webview → host: make the cell's output a new test case. */
export const AddToTestBankCommand = command<CellRef>('results/addToTestBank');
/** Webview → host: rate the cell's output 👍 (1) or 👎 (-1) in history; the host asks for an optional note. */
export const RateCellCommand = command<CellRef & { rating: 1 | -1 }>('results/rate');
/** Webview → host: stop the run. */
export const CancelRunCommand = command<{ runId: string }>('results/cancelRun');
/** Webview → host: run the same suites again. */
export const RerunCommand = command<{ runId: string }>('results/rerun');

/** What the webview keeps in `setState` (restored after a reload or when the panel comes back). */
export interface ResultsViewState {
  run?: ResultsState;
  filter: { failures: boolean; regressions: boolean; flaky: boolean; text: string };
  sort: { column: string; descending: boolean };
  selected?: { rowKey: string; model: string; repeatIndex: number };
}
