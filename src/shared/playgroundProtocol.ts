// Messages and view state of the playground panel (webview-ui/src/playground ↔ src/host/playground).
// Plain data only: everything crosses postMessage and is kept in the webview's getState/setState.
import { command, notification, request } from './protocol';

/** The panel's type id: `registerWebviewPanelSerializer` and `onWebviewPanel:` use it. */
export const PLAYGROUND_VIEW_TYPE = 'assay.playground';

/** Per-column overrides of the prompt file's `params`; an absent field keeps the file's value. */
export interface ColumnParams {
  temperature?: number;
  max_tokens?: number;
  top_p?: number;
}

/** One column: a model and its overrides. */
export interface ColumnConfig {
  /** Stable within the panel (survives reordering and reloads). */
  id: string;
  /** `provider:model`. */
  model: string;
  params: ColumnParams;
}

/** How an input is edited in the form. */
export type InputFieldKind = 'text' | 'number' | 'integer' | 'boolean' | 'json';

/** One field of the inputs form, from the file's `inputs` (or a variable the template reads undeclared). */
export interface InputField {
  name: string;
  kind: InputFieldKind;
  /** The type as written in the file (`string`, `object`, `messages`…). */
  declaredType?: string;
  description?: string;
  /** The form's starting value (the input's default). */
  initial?: FormValue;
  /** False for a variable the template reads without an `inputs` entry. */
  declared: boolean;
}

/** A form value: text as typed (numbers and JSON too), or a checkbox. */
export type FormValue = string | boolean;

/** What the panel shows about its prompt file; sent on open and after every edit. */
export interface PromptFileInfo {
  uri: string;
  /** Workspace-relative path. */
  label: string;
  /** The `name:` of the prompt, else the file name. */
  name: string;
  /** Identity of the text the next run would use (SHA-256, the history's prompt version id). */
  fileHash: string;
  inputs: InputField[];
  /** The file's `models`, else the default models setting. */
  models: string[];
  modelsFromFile: boolean;
  /** The file's own `temperature`/`max_tokens`/`top_p`, shown as the placeholders of the overrides. */
  params: ColumnParams;
  /** Whether the file has `tests:` to fill the form from. */
  hasTests: boolean;
  /** Whether outputs are checked against a JSON Schema (`response_format.json_schema`). */
  hasSchema: boolean;
  /** Error-level problems in the file, e.g. invalid YAML (the next run may fail because of them). */
  problems: string[];
}

/** A model the pickers offer. */
export interface ModelChoice {
  /** `provider:model`. */
  ref: string;
  provider: string;
  /** Why it is offered: named in the file, a default, listed by the endpoint, or in the price table. */
  source: 'file' | 'default' | 'listed' | 'configured' | 'priced';
}

/** Everything the pickers offer, and providers whose listing failed. */
export interface ModelCatalog {
  models: ModelChoice[];
  /** Listing problems by provider, e.g. `{ ollama: 'connection refused' }`. */
  problems: Record<string, string>;
}

/** Sent after every ready handshake (a hidden panel's webview reloads when shown again). */
export interface PlaygroundInit {
  file: PromptFileInfo;
  trusted: boolean;
  /** Why nothing runs, when not trusted. */
  restrictedReason?: string;
  /** False without a history store (no folder open): feedback cannot be saved. */
  historyEnabled: boolean;
  catalog: ModelCatalog;
  /** Runs of this host session that the webview may have missed while it was hidden. */
  live: LiveRun[];
}

export const DidInitNotification = notification<PlaygroundInit>('playground/init');
export const DidChangeFileNotification = notification<PromptFileInfo>('playground/fileChanged');
export const DidChangeTrustNotification = notification<{ trusted: boolean; restrictedReason?: string }>('playground/trustChanged');
export const DidChangeCatalogNotification = notification<ModelCatalog>('playground/catalogChanged');
/** Fills the form (`assay.openPlayground(uri, { vars })`, e.g. from a trace); `source` says from what. */
export const DidPrefillNotification = notification<{ values: Record<string, FormValue>; source?: string }>('playground/prefill');

/** Runs the given columns with the form's values. */
export interface RunParams {
  /** Chosen by the webview, so it can show the run at once. */
  runId: string;
  columns: ColumnConfig[];
  values: Record<string, FormValue>;
}

export const RunCommand = command<RunParams>('playground/run');
/** Cancels every call in flight. */
export const StopCommand = command<Record<string, never>>('playground/stop');

/** The next step an error suggests. */
export type ErrorAction = 'setApiKey' | 'openSettings' | 'retry' | 'showLog';

/** A failed call, as a column shows it. */
export interface ColumnError {
  /** `auth`, `rate_limit`, `timeout`, `network`, `bad_request`, `not_found`, `server`, `cancelled`, `malformed`. */
  kind: string;
  message: string;
  action?: ErrorAction;
  /** The provider the action is about (for `setApiKey`). */
  provider?: string;
}

/** Whether an output parses as JSON, and whether it fits the file's schema. */
export interface JsonCheck {
  valid: boolean;
  /** The parse error, when not valid. */
  error?: string;
  /** Present when the file declares a schema and the output parsed. */
  schema?: { pass: boolean; errors?: string };
}

/** 👍 (1) / 👎 (-1) / none (0), with an optional note. */
export interface Feedback {
  rating: 1 | -1 | 0;
  note?: string;
}

/** One column's finished call. */
export interface ColumnResult {
  columnId: string;
  model: string;
  status: 'ok' | 'error' | 'cancelled';
  text: string;
  /** The model's thinking blocks (Anthropic), shown collapsed above the output; absent when none. */
  thinking?: string[];
  finishReason: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  /** The tokens (and so the cost) were counted from what streamed before a stop, not reported by the server. */
  usageEstimated?: boolean;
  /** US dollars; null is "cost unknown". */
  cost: number | null;
  latencyMs: number;
  ttftMs: number | null;
  error?: ColumnError;
  /** The history trace, for feedback; null without a history store. */
  traceId: string | null;
  json?: JsonCheck;
  /** The model's reasoning summary (Responses API with `reasoning_summary`), shown apart from the output. */
  reasoning?: string;
  /** The prompt text this ran with (see `PromptFileInfo.fileHash`). */
  fileHash: string;
  feedback?: Feedback;
}

/** A run-level failure: nothing was sent (restricted, render error, bad input). */
export interface RunFailure {
  message: string;
  /** Where in the prompt file, zero-based, when the failure has a place. */
  range?: { start: { line: number; character: number }; end: { line: number; character: number } };
}

/** What happened in one run since the last update. Apply in field order. */
export interface RunUpdate {
  runId: string;
  /** The run was accepted: these columns are being called, with this prompt text. */
  started?: { columnIds: string[]; fileHash: string };
  /** Text that arrived per column, in order. */
  deltas?: Record<string, string>;
  /**
   * Reasoning that arrived per column, in order (a reasoning summary, or thinking): shown apart from the
   * output while the column runs; its finished result then holds it as `reasoning` / `thinking`.
   */
  reasoningDeltas?: Record<string, string>;
  finished?: ColumnResult[];
  failure?: RunFailure;
  /** The run is over. */
  done?: { status: 'done' | 'cancelled' | 'failed' };
}

/** Coalesced: at most one per panel per animation frame (≈16.7 ms), whatever the number of columns. */
export const DidUpdateRunsNotification = notification<{ updates: RunUpdate[] }>('playground/runsUpdated');

/** A run the host still remembers, for a webview that was hidden (and so reloaded) while it went on. */
export interface LiveRun {
  runId: string;
  fileHash: string | null;
  columnIds: string[];
  /** Text so far of columns still running. */
  partial: Record<string, string>;
  /** Reasoning so far of columns still running (those with none are absent). */
  partialReasoning?: Record<string, string>;
  finished: ColumnResult[];
  failure?: RunFailure;
  status: 'running' | 'done' | 'cancelled' | 'failed';
}

export const SetFeedbackRequest = request<{ traceId: string; feedback: Feedback }, { ok: true } | { error: string }>('playground/setFeedback');
/** Ratings saved in the history for these traces (those without feedback are left out). */
export const GetFeedbackRequest = request<{ traceIds: string[] }, Record<string, Feedback>>('playground/getFeedback');

/** A piece of a word-level diff. */
export interface DiffPart {
  value: string;
  kind: 'same' | 'added' | 'removed';
}
export const DiffRequest = request<{ left: string; right: string }, { parts: DiffPart[]; added: number; removed: number; identical: boolean; approximate: boolean }>(
  'playground/diff',
);

/** A test case offered to fill the form. */
export interface CaseChoice {
  label: string;
  values: Record<string, FormValue>;
}
export const TestCasesRequest = request<Record<string, never>, { cases: CaseChoice[]; problems: string[] }>('playground/testCases');

/** Appends `{ vars, assert: [equals output] }` to the file's test bank. */
export const AddToTestBankRequest = request<{ values: Record<string, FormValue>; output: string }, { file: string } | { error: string }>(
  'playground/addToTestBank',
);

export const ErrorActionCommand = command<{ action: Exclude<ErrorAction, 'retry'>; provider?: string }>('playground/errorAction');
/** Shows a place in the prompt file (a render error's range). */
export const RevealInFileCommand = command<{ range?: RunFailure['range'] }>('playground/revealInFile');

/** The webview's persisted state (`setState`), also what the serializer receives after a reload. */
export interface PlaygroundViewState {
  version: 1;
  /** The prompt file: the serializer reopens the panel on it. */
  uri: string;
  columns: ColumnConfig[];
  values: Record<string, FormValue>;
  /** Earlier runs, oldest first; each holds every column's latest result at the time. */
  history: RunSnapshot[];
  /** Which snapshot is shown; -1 is the latest. */
  historyIndex: number;
  /** Output view per column. */
  views: Record<string, OutputView>;
  diff: { left: string; right: string; open: boolean };
}

export type OutputView = 'text' | 'markdown' | 'json';

/** The columns and results after one run (results of columns that did not run carry over). */
export interface RunSnapshot {
  runId: string;
  at: number;
  columns: ColumnConfig[];
  values: Record<string, FormValue>;
  results: Record<string, ColumnResult | RunningColumn>;
  failure?: RunFailure;
}

/** A column whose call is in flight (or was when the state was saved). */
export interface RunningColumn {
  columnId: string;
  model: string;
  status: 'running';
  text: string;
  /** Reasoning streamed so far (see `RunUpdate.reasoningDeltas`). */
  reasoning?: string;
}
