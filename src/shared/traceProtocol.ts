// Messages of the trace detail and dashboard webviews (see protocol.ts for the three kinds). Everything
// here is plain data the host builds from the history; model output and payloads are untrusted text.
import { command, notification, request } from './protocol';

export const TRACE_DETAIL_VIEW_TYPE = 'assay.traceDetail';
export const DASHBOARD_VIEW_TYPE = 'assay.dashboard';

/** One part of a message as sent: text, an image, or a tool call / tool answer shown as text. */
export interface DetailPart {
  kind: 'text' | 'tool_call' | 'tool_call_response' | 'image' | 'other';
  text: string;
  /** For an image: a `data:` URI the view shows as a thumbnail (remote URLs are shown as text, never fetched). */
  imageUri?: string;
}

/** A block of the model's thinking, shown apart from the output (collapsed). */
export interface DetailThinking {
  text: string;
  /** An encrypted block with nothing readable. */
  redacted?: boolean;
}

export interface DetailMessage {
  role: string;
  name?: string;
  parts: DetailPart[];
}

export interface DetailEvaluation {
  type: string;
  pass: boolean;
  score: number | null;
  reason: string | null;
  metric: string | null;
}

/** Everything the trace detail shows. */
export interface TraceDetail {
  id: string;
  runId: string | null;
  promptPath: string | null;
  promptVersionId: string | null;
  caseId: string | null;
  repeatIndex: number;
  /** `provider:model`. */
  model: string;
  status: 'ok' | 'error';
  startedAt: number;
  endedAt: number;
  /** The conversation as sent, system instructions first. */
  messages: DetailMessage[];
  /** The exact request payload, redacted, pretty-printed. */
  requestJson: string;
  /** The raw response (assembled from the stream when streaming), redacted, pretty-printed. */
  responseJson: string;
  output: string;
  /** The model's thinking (Anthropic thinking blocks in the response), in order; empty when none. */
  thinking: DetailThinking[];
  /** The model's reasoning summary, read from the stored response; null when it has none. */
  reasoning: string | null;
  toolCalls: { name: string; arguments: string }[];
  variables: Record<string, unknown> | null;
  usage: { input: number; output: number; cached: number; cacheWrite: number; reasoning: number } | null;
  /** US dollars; null when unknown. */
  cost: number | null;
  latencyMs: number;
  ttftMs: number | null;
  finishReason: string | null;
  error: { kind: string; message: string; status?: number } | null;
  cacheHit: boolean;
  attempts: number | null;
  evaluations: DetailEvaluation[];
  feedback: { rating: 1 | -1 | 0; note: string | null } | null;
  /**
   * The prompt version: `same` when today's file has the same content, `changed` when it differs,
   * `missing` when the file is gone, `unknown` without a stored version.
   */
  promptVersion: 'same' | 'changed' | 'missing' | 'unknown';
  /** Why replay is off (no prompt file, Restricted Mode), or undefined when it can run. */
  replayBlocked?: string;
}

/** The panel's content: the trace, or why there is none. */
export type TraceDetailState = { trace: TraceDetail } | { error: string };

/** What the webview keeps with `setState` (the serializer reopens the same trace after a reload). */
export interface TraceDetailViewState {
  traceId: string;
}

/** A piece of a word diff. */
export interface ReplayDiffPart {
  value: string;
  kind: 'same' | 'added' | 'removed';
}

/** One output of a replay comparison. */
export interface ReplaySideView {
  traceId: string;
  text: string;
  error: string | null;
  latencyMs: number;
  cost: number | null;
  verdict: { pass: boolean; reason: string; assertions: { index: number; type: string; pass: boolean; reason: string | null }[]; source: 'stored' | 'evaluated' } | null;
}

/** The result of "Replay with current prompt". */
export interface ReplayView {
  old: ReplaySideView;
  new: ReplaySideView | null;
  /** Old → new, word by word. */
  diff: { parts: ReplayDiffPart[]; added: number; removed: number; identical: boolean };
  verdictChange: 'same' | 'regressed' | 'fixed' | 'none';
  problem?: string;
  replayRunId: string;
}

export const DidLoadTraceNotification = notification<TraceDetailState>('trace/load');
/** Asks the view to run its replay (the Runs tree's "Replay with Current Prompt" opened the panel). */
export const StartReplayNotification = notification<Record<string, never>>('trace/startReplay');
/** 👍 (1), 👎 (-1) or take back (0), with an optional note; saved to the history. */
export const SetFeedbackRequest = request<{ rating: 1 | -1 | 0; note: string }, { ok: true } | { error: string }>('trace/setFeedback');
export const ReplayRequest = request<Record<string, never>, ReplayView | { error: string }>('trace/replay');
/** Copies the request as a curl command (the key as a placeholder); resolves to the placeholder's name. */
export const CopyCurlRequest = request<Record<string, never>, { keyVariable: string | null } | { error: string }>('trace/copyCurl');
export const AddToTestBankRequest = request<Record<string, never>, { file: string } | { error: string }>('trace/addToTestBank');
/** Copies text the view shows (the payload, the output) through the host's clipboard. */
export const CopyTextCommand = command<{ text: string; what: string }>('trace/copyText');
/** Opens the stored prompt version as a diff against today's file. */
export const OpenVersionDiffCommand = command<Record<string, never>>('trace/openVersionDiff');
export const OpenInPlaygroundCommand = command<Record<string, never>>('trace/openInPlayground');
/** Opens another trace (e.g. the replay's new trace) in a detail panel. */
export const OpenTraceCommand = command<{ traceId: string }>('trace/open');

// ---- replay report ---------------------------------------------------------------------------------

/** The panel's view type. */
export const REPLAY_REPORT_VIEW_TYPE = 'assay.replayReport';

/** One side of a replayed trace: the call's trace (a link), its output or error, and its verdict. */
export interface ReplayReportSide {
  traceId: string;
  /** The output, or the error's message. */
  text: string;
  error: boolean;
  /** null: no verdict (no assertions, or the case left the bank). */
  pass: boolean | null;
}

/** One replayed trace. */
export interface ReplayReportItem {
  /** The case's description, else its id, else the model. */
  label: string;
  model: string;
  change: 'regressed' | 'fixed' | 'changed' | 'same' | 'skipped';
  old: ReplayReportSide;
  new: ReplayReportSide | null;
  /** Assertions whose verdict changed, e.g. `equals: pass→fail`. */
  assertions: string;
  problem?: string;
}

export interface ReplayReportData {
  title: string;
  sourceRunId: string | null;
  replayRunId: string;
  totals: { traces: number; replayed: number; outputsChanged: number; regressions: number; fixes: number; errors: number; skipped: number };
  /** Per model, the pass-rate and score changes and their significance, in words. */
  significance: string[];
  items: ReplayReportItem[];
}

export const DidLoadReplayReportNotification = notification<ReplayReportData>('replayReport/load');

// ---- dashboard ------------------------------------------------------------------------------------

export type DashboardMetric = 'latencyP50' | 'latencyP95' | 'tokens' | 'cost' | 'errorRate';

/** One model's values, aligned with `DashboardData.x` (null where it made no call). */
export interface DashboardSeries {
  key: string;
  values: (number | null)[];
}

export interface DashboardTotals {
  traces: number;
  errors: number;
  cost: number;
  inputTokens: number;
  outputTokens: number;
}

/** Calls, errors, tokens and cost of one prompt file. */
export interface PromptUsage extends DashboardTotals {
  promptPath: string;
}

/**
 * One prompt version's pass rate for one model in one suite (a bank, or a promptfoo config's prompt): all
 * finished test runs of that version in the shown days pooled, with a 95% Wilson interval, and the change
 * from the version before it (its newest run against this version's newest, paired by case).
 */
export interface PassRateRow {
  /** The suite: the prompt file, else the bank or config. */
  suite: string;
  model: string;
  /** The prompt version's id (a content hash), or null for runs without a prompt file. */
  versionId: string | null;
  runs: number;
  firstAt: number;
  lastAt: number;
  passes: number;
  /** Executions with a verdict. */
  trials: number;
  passRate: number | null;
  interval: { low: number; high: number };
  /** Against the previous version of the same suite and model; absent for the first. */
  change?: { text: string; verdict: 'significant-regression' | 'significant-improvement' | 'within-noise' | 'no-change' };
}

export interface DashboardData {
  /** Days shown. */
  days: number;
  /** Bucket starts, seconds since the epoch (uPlot's time unit). */
  x: number[];
  metrics: Record<DashboardMetric, DashboardSeries[]>;
  totals: { today: DashboardTotals; last7: DashboardTotals; last30: DashboardTotals };
  /** Over the shown days, most expensive first; null while it is still being counted (it follows the charts). */
  byPrompt: PromptUsage[] | null;
  /** Test runs' pass rates per prompt version (suite, model, then oldest version first); null while counted. */
  passRates?: PassRateRow[] | null;
  /** ms the host spent building this (shown in the footer). */
  buildMs: number;
  /** Set when there is no history (no folder open). */
  empty?: string;
  /** Days of the shown range with at least one call: trend charts need two. */
  daysWithCalls: number;
  /** The latest runs of the shown range, newest first; set only while there are too few days for trends. */
  runs?: RunBar[];
}

/** One run as a bar of the "not enough history yet" view. */
export interface RunBar {
  runId: string;
  promptPath: string | null;
  kind: string;
  startedAt: number;
  traces: number;
  errors: number;
  /** Known costs, US dollars; `unpriced` calls had no price. */
  cost: number;
  unpriced: number;
}

export const DidLoadDashboardNotification = notification<DashboardData>('dashboard/load');
export const SetRangeCommand = command<{ days: number }>('dashboard/setRange');
/** Filters the Runs tree to a model (a legend click) or a prompt (a table row). */
export const ShowTracesCommand = command<{ model?: string; promptPath?: string }>('dashboard/showTraces');
