// The history store's public data shapes: what callers write, what queries return, and the options.
// Plain data only, so every value crosses the worker boundary by structured clone.
import type { CallResult, ErrorKind } from '../types';
import type { LiveOtlpOptions } from '../export/otlpLive';

/** Where a run came from. */
export type RunKind = 'playground' | 'test' | 'replay' | 'cli';

/**
 * `running` until `finishRun`; `interrupted` when its process died (or its store closed) before the run
 * finished — set by the store, when it next opens the history.
 */
export type RunStatus = 'running' | 'done' | 'cancelled' | 'failed' | 'interrupted';

/** A trace is `error` when its call failed (`CallResult.error` set), else `ok`. */
export type TraceStatus = 'ok' | 'error';

/** A prompt file's content at the time it ran; stored once per content hash. */
export interface PromptVersionInput {
  /** Workspace-relative path of the prompt file (or a label such as `playground`). */
  path: string;
  content: string;
}

export interface PromptVersionRecord extends PromptVersionInput {
  /** SHA-256 of the content, hex (see `promptVersionId`). */
  id: string;
  /** ms since the epoch. */
  firstSeen: number;
}

export interface RunInput {
  /** Globally unique; `newId()` when omitted. */
  id?: string;
  kind: RunKind;
  promptPath?: string | null;
  promptVersionId?: string | null;
  /** The test bank, for `test` runs. */
  bankPath?: string | null;
  /** `provider:model` references. */
  models: string[];
  /** Whatever configuration explains the run (params, concurrency, repeat…); redacted before storing. */
  config?: unknown;
  /** ms since the epoch; now when omitted. */
  startedAt?: number;
}

export interface RunFinish {
  status?: Exclude<RunStatus, 'running' | 'interrupted'>;
  /** The runner's own totals (pass rate, flaky cases…), stored as given. */
  summary?: unknown;
  /** ms since the epoch; now when omitted. */
  endedAt?: number;
}

/** One model call to record: a `CallResult` plus where it belongs. */
export interface TraceInput extends CallResult {
  /** Globally unique and time-sortable; `newId(startedAt)` when omitted. */
  id?: string;
  runId?: string | null;
  promptVersionId?: string | null;
  promptPath?: string | null;
  /** The test case (its description or index) for test runs. */
  caseId?: string | null;
  /** 0-based repeat index when a case runs K times. */
  repeatIndex?: number;
  variables?: Record<string, unknown> | null;
  /** ms since the epoch when the request was sent. */
  startedAt: number;
  /** ms since the epoch; `startedAt + latencyMs` when omitted. */
  endedAt?: number;
}

/** A trace as the explorer's list shows it: no payloads, output cut to a preview. */
export interface TraceSummary {
  id: string;
  runId: string | null;
  promptVersionId: string | null;
  promptPath: string | null;
  caseId: string | null;
  repeatIndex: number;
  provider: string;
  model: string;
  status: TraceStatus;
  errorKind: ErrorKind | null;
  /** The first 200 characters of the output. */
  outputPreview: string;
  inputTokens: number | null;
  outputTokens: number | null;
  cachedInputTokens: number | null;
  cost: number | null;
  latencyMs: number;
  ttftMs: number | null;
  cacheHit: boolean;
  startedAt: number;
  /** The latest 👍 (1) / 👎 (-1); null when unrated. */
  rating: 1 | -1 | null;
  /** Assertion outcomes recorded for this trace. */
  passed: number;
  failed: number;
}

/** Everything stored for one trace, payloads decompressed. */
export interface TraceRecord extends CallResult {
  id: string;
  runId: string | null;
  promptVersionId: string | null;
  promptPath: string | null;
  caseId: string | null;
  repeatIndex: number;
  variables: Record<string, unknown> | null;
  status: TraceStatus;
  startedAt: number;
  endedAt: number;
  evaluations: EvaluationRecord[];
  /** The latest feedback, or null. */
  feedback: FeedbackRecord | null;
}

export interface EvaluationInput {
  id?: string;
  traceId: string;
  caseId?: string | null;
  /** Assertion type as written, e.g. `equals`, `not-contains`, `llm-rubric`. */
  assertionType: string;
  pass: boolean;
  score?: number | null;
  reason?: string | null;
  /** promptfoo's `metric` name, if any. */
  metric?: string | null;
  /** promptfoo's `weight`; 1 when omitted. */
  weight?: number;
}

export interface EvaluationRecord {
  id: string;
  traceId: string;
  caseId: string | null;
  assertionType: string;
  pass: boolean;
  score: number | null;
  reason: string | null;
  metric: string | null;
  weight: number;
  createdAt: number;
}

/** 👍 = 1, 👎 = -1, 0 takes the rating back. */
export interface FeedbackInput {
  rating: 1 | -1 | 0;
  note?: string | null;
}

export interface FeedbackRecord {
  id: string;
  traceId: string;
  rating: 1 | -1 | 0;
  note: string | null;
  createdAt: number;
}

/** The trace explorer's filters; every field optional, all given ones must hold. */
export interface TraceFilter {
  model?: string;
  provider?: string;
  promptPath?: string;
  promptVersionId?: string;
  runId?: string;
  caseId?: string;
  status?: TraceStatus;
  errorKind?: ErrorKind;
  /** ms since the epoch, inclusive. */
  from?: number;
  /** ms since the epoch, exclusive. */
  to?: number;
  /** Case-insensitive (ASCII) substring of the output text. */
  text?: string;
  rating?: 1 | -1;
  cacheHit?: boolean;
}

/** Newest first. Pass back `nextCursor` for the next page; `offset` is for jumping. */
export interface PageRequest {
  /** 1–1000; 100 by default. */
  limit?: number;
  cursor?: string;
  offset?: number;
  /** Also count every match (costs a second query). */
  withTotal?: boolean;
}

export interface Page<T> {
  items: T[];
  /** Absent on the last page. */
  nextCursor?: string;
  total?: number;
}

export interface RunFilter {
  kind?: RunKind;
  promptPath?: string;
  /** The test bank (test runs compare with the previous run of the same bank). */
  bankPath?: string;
  status?: RunStatus;
  from?: number;
  to?: number;
}

/** Totals computed from the run's stored traces and evaluations. */
export interface RunTotals {
  traces: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  /** Sum of the known costs, US dollars. */
  cost: number;
  /** Traces whose cost is unknown (no price for the model). */
  unpriced: number;
  /** Mean latency of successful calls, ms; null without any. */
  meanLatencyMs: number | null;
  /** Assertion outcomes. */
  passed: number;
  failed: number;
}

export interface RunRecord {
  id: string;
  kind: RunKind;
  promptPath: string | null;
  promptVersionId: string | null;
  bankPath: string | null;
  models: string[];
  config: unknown;
  status: RunStatus;
  summary: unknown;
  startedAt: number;
  endedAt: number | null;
  /** Where an imported run came from (`assay history import`); null for runs recorded into this history. */
  origin: string | null;
  totals: RunTotals;
}

export interface ModelTotals extends RunTotals {
  provider: string;
  model: string;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
}

export interface RunSummary {
  run: RunRecord;
  byModel: ModelTotals[];
}

/**
 * An assertion's verdict on an output a person rated (the latest 👍/👎 on its trace): what judge
 * calibration sets side by side. Traces whose latest rating is 0 (taken back) have none.
 */
export interface LabeledVerdict {
  traceId: string;
  caseId: string | null;
  promptPath: string | null;
  /** `provider:model` of the call whose output was judged. */
  model: string;
  assertionType: string;
  metric: string | null;
  pass: boolean;
  score: number | null;
  reason: string | null;
  /** The person's rating: 1 good, -1 bad. */
  rating: 1 | -1;
  note: string | null;
  /** The output's first 500 characters. */
  output: string;
}

export interface TimeSeriesQuery {
  bucket: 'hour' | 'day';
  from?: number;
  to?: number;
  /** `model` (`provider:model` keys, the default), `provider`, `prompt` (prompt paths, '' for none), or `none` (one series, key `all`). */
  groupBy?: 'model' | 'provider' | 'prompt' | 'none';
  /** Day buckets start at local midnight for this offset from UTC (minutes east); 0 by default. */
  utcOffsetMinutes?: number;
  filter?: TraceFilter;
}

export interface TimeSeriesPoint {
  /** Bucket start, ms since the epoch. */
  start: number;
  key: string;
  traces: number;
  errors: number;
  errorRate: number;
  /** Latency percentiles of successful calls (nearest rank); null when the bucket has none. */
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  inputTokens: number;
  outputTokens: number;
  cost: number;
}

export interface StoreStats {
  path: string;
  schemaVersion: number;
  /** Size of the file on disk, 0 when it does not exist yet. */
  fileBytes: number;
  /** Size of the database held in memory (page count × page size). */
  dbBytes: number;
  counts: { promptVersions: number; runs: number; traces: number; evaluations: number; feedback: number };
  /** Runs per status (`interrupted`: their process died or closed before they finished). */
  runStatuses: Partial<Record<RunStatus, number>>;
  /** Rows and deletions not saved yet. */
  pendingChanges: number;
  oldestTraceAt: number | null;
  newestTraceAt: number | null;
  lastSavedAt: number | null;
  byModel: { provider: string; model: string; traces: number; errors: number; cost: number }[];
  /** Set when this store cannot save (e.g. a newer schema on disk). */
  readOnlyReason?: string;
}

export interface SaveResult {
  /** Whether a file was written. */
  saved: boolean;
  /** Whether another writer's changes on disk were merged first. */
  merged: boolean;
  bytes?: number;
  ms?: number;
  /** Traces removed by retention during this save. */
  retained?: number;
  /** Why the save failed; the changes stay pending and are retried. */
  error?: string;
}

export type ExportResult = { count: number; path: string } | { error: string };

/** What `TraceStore.open` found. */
export interface OpenReport {
  path: string;
  schemaVersion: number;
  /** Set when the file on disk was from an older schema and was migrated (in memory until the next save). */
  migratedFrom?: number;
  /** Set when the file would not open: it was moved aside and a fresh history started. */
  recovered?: { movedTo: string; reason: string; message: string };
  /** Set when the store works in memory only and will not save. */
  readOnlyReason?: string;
  /**
   * Set when processes that died before saving left crash journals: their rows were added back (and
   * saved, unless `saveError` says why not) and the runs they left open marked `interrupted`.
   */
  replayed?: { journals: number; rows: number; interruptedRuns: string[]; saveError?: string };
}

export interface RetentionOptions {
  /** Keep at most this many traces (oldest removed first); 50,000 by default, 0 = no limit. */
  maxTraces?: number;
  /** Keep the database under this size; 0 (default) = no limit. */
  maxSizeMB?: number;
  /** Remove traces older than this; 0 (default) = keep. */
  maxAgeDays?: number;
}

export interface StoreOptions extends RetentionOptions {
  /** The database file, e.g. `<workspace>/.assay/history.sqlite`. */
  path: string;
  /** Extra regular-expression sources to redact (`assay.history.redact`). */
  redactPatterns?: string[];
  /** Known secret values (the API keys in use) to redact wherever they appear. */
  redactSecrets?: string[];
  /** Save this long after the last write (idle); 1,000 ms by default. */
  saveDebounceMs?: number;
  /** Save at least this often while writes keep coming; 5,000 ms by default. */
  maxSaveDelayMs?: number;
  /**
   * List queries and stats first pick up other windows' saves, checking the file's identity at most this
   * often; 2,000 ms by default, -1 = only on `refresh()` and saves.
   */
  refreshIntervalMs?: number;
  /** A lock older than this, or held by a dead process, is broken; 30,000 ms by default. */
  lockStaleMs?: number;
  /** Give up a save (and retry later) after waiting this long for the lock; 15,000 ms by default. */
  lockTimeoutMs?: number;
  /**
   * Crash tests only: stop the worker dead at a point inside the next save (after writing half of the
   * temp file, or with the temp file complete but not yet renamed), after emitting `savePaused`.
   */
  faultInjection?: { pauseSave: 'partialTemp' | 'beforeRename' };
  /**
   * The crash journal (on by default): rows are appended to a file beside the history before a write is
   * acknowledged, so a killed process loses none. `false` only for benchmarks that measure its cost.
   */
  journal?: boolean;
  /** Force journaled rows to the disk (fdatasync) at most this long after they were written; 200 ms by default. */
  journalSyncMs?: number;
  /** Also send every stored call to an OpenTelemetry collector as it happens (see core/export/otlpLive.ts). */
  otlp?: LiveOtlpOptions;
}

/** Shards' runs of one suite that an import files as one run (`assay merge`), with the merged run's facts. */
export interface ImportRunGroup {
  /** The merged run's id. */
  into: string;
  /** The shards' run ids: their traces move to `into`; the runs themselves are not copied. */
  from: string[];
  status: 'done' | 'cancelled';
  summary: unknown;
  /** Laid over the first shard run's config; a `null` value removes the key. */
  config: Record<string, unknown>;
  startedAt: number;
  endedAt: number;
}

export interface ImportOptions {
  /** Noted on every imported run that has no origin yet; null keeps the runs as this history's own (a merge of CI shards). */
  origin: string | null;
  runs?: ImportRunGroup[];
}

/** Rows an import added (rows already present are skipped, so importing twice adds nothing). */
export interface ImportResult {
  source: string;
  runs: number;
  traces: number;
  evaluations: number;
  feedback: number;
  promptVersions: number;
  /** The ids of `runs` groups' shard runs found in the file. */
  grouped: string[];
  /** The save after the import failed (the rows stay pending and are saved later). */
  saveError?: string;
}
