// The playground's view state and how host messages change it. No DOM here: the unit tests run it in Node.
// The state is what `setState` keeps, so it stays plain data and bounded in size.
import type {
  ColumnConfig,
  ColumnResult,
  FormValue,
  InputField,
  LiveRun,
  PlaygroundViewState,
  PromptFileInfo,
  RunFailure,
  RunSnapshot,
  RunUpdate,
  RunningColumn,
} from '../../../src/shared/playgroundProtocol';

/** Snapshots kept for stepping back through earlier runs. */
export const MAX_HISTORY = 20;
/** Characters of one output kept in the state (a reload shows at most this much). */
export const MAX_TEXT = 200_000;

export type AnyResult = ColumnResult | RunningColumn;

let idCounter = 0;

/** A column id unique within the panel (time + counter + randomness; survives reloads). */
export function newColumnId(): string {
  idCounter++;
  return `c${Date.now().toString(36)}${idCounter.toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

/** A run id chosen by the webview. */
export function newRunId(): string {
  return `r${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

function initialValue(f: InputField): FormValue {
  return f.initial ?? (f.kind === 'boolean' ? false : '');
}

/** A fresh state for `file`: one column per model, the form at its defaults. */
export function initialState(file: PromptFileInfo): PlaygroundViewState {
  const columns = file.models.map((model) => ({ id: newColumnId(), model, params: {} }));
  const values: Record<string, FormValue> = {};
  for (const f of file.inputs) values[f.name] = initialValue(f);
  return { version: 1, uri: file.uri, columns, values, history: [], historyIndex: -1, views: {}, diff: { left: columns[0]?.id ?? '', right: columns[1]?.id ?? '', open: false } };
}

/** Whether `value` looks like a state this version saved (a reload may hand back anything). */
export function isViewState(value: unknown): value is PlaygroundViewState {
  const s = value as Partial<PlaygroundViewState> | undefined;
  return !!s && s.version === 1 && typeof s.uri === 'string' && Array.isArray(s.columns) && Array.isArray(s.history) && typeof s.values === 'object';
}

/** Adds form values for inputs the file gained; values already typed stay. */
export function syncValues(state: PlaygroundViewState, fields: InputField[]): void {
  for (const f of fields) if (!(f.name in state.values)) state.values[f.name] = initialValue(f);
}

export function latest(state: PlaygroundViewState): RunSnapshot | undefined {
  return state.history[state.history.length - 1];
}

/** The snapshot on screen: the latest, or the one stepped back to. */
export function shown(state: PlaygroundViewState): RunSnapshot | undefined {
  return state.historyIndex >= 0 ? state.history[state.historyIndex] : latest(state);
}

export function isRunning(r: AnyResult | undefined): r is RunningColumn {
  return r?.status === 'running';
}

/** Whether any column of the latest run is still streaming. */
export function anyRunning(state: PlaygroundViewState): boolean {
  return Object.values(latest(state)?.results ?? {}).some(isRunning);
}

/**
 * Starts a run of `columnIds` (all current columns when omitted): a new snapshot in which those columns are
 * running and the others keep their latest results.
 */
export function startRun(state: PlaygroundViewState, runId: string, columnIds?: string[], now = Date.now()): RunSnapshot {
  const ids = new Set(columnIds ?? state.columns.map((c) => c.id));
  const previous = latest(state);
  const results: Record<string, AnyResult> = {};
  for (const c of state.columns) {
    if (ids.has(c.id)) results[c.id] = { columnId: c.id, model: c.model, status: 'running', text: '' };
    else if (previous?.results[c.id]) results[c.id] = previous.results[c.id]!;
  }
  const snapshot: RunSnapshot = { runId, at: now, columns: state.columns.map(copyColumn), values: { ...state.values }, results };
  state.history.push(snapshot);
  if (state.history.length > MAX_HISTORY) state.history.splice(0, state.history.length - MAX_HISTORY);
  state.historyIndex = -1;
  return snapshot;
}

function copyColumn(c: ColumnConfig): ColumnConfig {
  return { id: c.id, model: c.model, params: { ...c.params } };
}

function clip(text: string): string {
  return text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) : text;
}

function findRun(state: PlaygroundViewState, runId: string): RunSnapshot | undefined {
  for (let i = state.history.length - 1; i >= 0; i--) if (state.history[i]!.runId === runId) return state.history[i];
  return undefined;
}

/** A running column that will get no result (the run ended without one, or the host restarted). */
function interrupted(r: RunningColumn, why: string): ColumnResult {
  return {
    columnId: r.columnId,
    model: r.model,
    status: 'cancelled',
    text: r.text,
    finishReason: null,
    inputTokens: null,
    outputTokens: null,
    cost: null,
    latencyMs: 0,
    ttftMs: null,
    traceId: null,
    fileHash: '',
    error: { kind: 'cancelled', message: why },
  };
}

/** What an update changed, so the view redraws only that. */
export interface UpdateEffect {
  /** Columns whose text grew: column id → the new text. */
  appended: Map<string, string>;
  /** Columns whose streamed reasoning grew: column id → the new reasoning (absent when the effect was made without it). */
  reasoning?: Map<string, string>;
  /** Columns whose result changed otherwise (finished, cancelled). */
  changed: Set<string>;
  /** A run was refused or failed before any call: show this. */
  failure?: RunFailure & { runId: string };
  /** A run ended. */
  ended?: { runId: string; status: 'done' | 'cancelled' | 'failed' };
}

/** Applies one host update to the state. */
export function applyUpdate(state: PlaygroundViewState, update: RunUpdate, effect: UpdateEffect = { appended: new Map(), changed: new Set() }): UpdateEffect {
  const snap = findRun(state, update.runId);
  if (!snap) return effect;
  if (update.deltas) {
    for (const [id, text] of Object.entries(update.deltas)) {
      const r = snap.results[id];
      if (!isRunning(r)) continue;
      r.text = clip(r.text + text);
      effect.appended.set(id, (effect.appended.get(id) ?? '') + text);
    }
  }
  if (update.reasoningDeltas) applyReasoning(snap, update.reasoningDeltas, (effect.reasoning ??= new Map()));
  for (const result of update.finished ?? []) {
    if (!(result.columnId in snap.results)) continue;
    snap.results[result.columnId] = { ...result, text: clip(result.text) };
    effect.changed.add(result.columnId);
    effect.appended.delete(result.columnId);
    effect.reasoning?.delete(result.columnId);
  }
  if (update.failure) {
    effect.failure = { runId: update.runId, message: update.failure.message, ...(update.failure.range ? { range: update.failure.range } : {}) };
    // A refused run called nothing: it leaves no snapshot behind.
    if (!update.started && Object.values(snap.results).every((r) => !isRunning(r) || r.text === '')) {
      const i = state.history.indexOf(snap);
      const before = state.history[i - 1];
      state.history.splice(i, 1);
      for (const id of Object.keys(snap.results)) effect.changed.add(id);
      if (before) for (const id of Object.keys(before.results)) effect.changed.add(id);
      effect.ended = { runId: update.runId, status: 'failed' };
      return effect;
    }
  }
  if (update.done) {
    for (const [id, r] of Object.entries(snap.results)) {
      if (isRunning(r) && snap.columns.some((c) => c.id === id)) {
        snap.results[id] = interrupted(r, update.done.status === 'failed' ? 'The run failed.' : 'Stopped.');
        effect.changed.add(id);
      }
    }
    effect.ended = { runId: update.runId, status: update.done.status };
  }
  return effect;
}

/** Streamed reasoning onto running columns (finished ones hold theirs in the result). */
function applyReasoning(snap: RunSnapshot, deltas: Record<string, string>, grown: Map<string, string>): void {
  for (const [id, text] of Object.entries(deltas)) {
    const r = snap.results[id];
    if (!isRunning(r)) continue;
    r.reasoning = clip((r.reasoning ?? '') + text);
    grown.set(id, (grown.get(id) ?? '') + text);
  }
}

/**
 * Catches up with runs the host went on with while the webview was gone (hidden panels reload). Columns
 * still marked running that the host no longer knows of were interrupted (e.g. by a window reload).
 */
export function mergeLive(state: PlaygroundViewState, live: LiveRun[]): void {
  const known = new Set(live.map((r) => r.runId));
  for (const run of live) {
    const snap = findRun(state, run.runId);
    if (!snap) continue;
    for (const [id, text] of Object.entries(run.partial)) {
      const r = snap.results[id];
      if (isRunning(r)) r.text = clip(text);
    }
    for (const [id, text] of Object.entries(run.partialReasoning ?? {})) {
      const r = snap.results[id];
      if (isRunning(r)) r.reasoning = clip(text);
    }
    for (const result of run.finished) if (result.columnId in snap.results) snap.results[result.columnId] = { ...result, text: clip(result.text) };
    if (run.status !== 'running') applyUpdate(state, { runId: run.runId, done: { status: run.status } });
  }
  for (const snap of state.history) {
    if (known.has(snap.runId)) continue;
    for (const [id, r] of Object.entries(snap.results)) if (isRunning(r)) snap.results[id] = interrupted(r, 'Interrupted: the window reloaded while this ran.');
  }
}

/** Every trace id in the history (to read their feedback back). */
export function traceIds(state: PlaygroundViewState): string[] {
  const ids = new Set<string>();
  for (const snap of state.history) for (const r of Object.values(snap.results)) if (!isRunning(r) && r.traceId) ids.add(r.traceId);
  return [...ids];
}

/** Sets a trace's feedback wherever it appears in the history. */
export function setFeedback(state: PlaygroundViewState, traceId: string, feedback: ColumnResult['feedback']): void {
  for (const snap of state.history) {
    for (const r of Object.values(snap.results)) {
      if (isRunning(r) || r.traceId !== traceId) continue;
      if (feedback) r.feedback = feedback;
      else delete r.feedback;
    }
  }
}

/** Moves a column by `delta` places; false at either end. */
export function moveColumn(state: PlaygroundViewState, id: string, delta: number): boolean {
  const i = state.columns.findIndex((c) => c.id === id);
  const j = i + delta;
  if (i < 0 || j < 0 || j >= state.columns.length) return false;
  const [c] = state.columns.splice(i, 1);
  state.columns.splice(j, 0, c!);
  return true;
}

export function removeColumn(state: PlaygroundViewState, id: string): void {
  state.columns = state.columns.filter((c) => c.id !== id);
  delete state.views[id];
  if (state.diff.left === id) state.diff.left = state.columns[0]?.id ?? '';
  if (state.diff.right === id) state.diff.right = state.columns.find((c) => c.id !== state.diff.left)?.id ?? '';
}

export function addColumn(state: PlaygroundViewState, model: string): ColumnConfig {
  const column = { id: newColumnId(), model, params: {} };
  state.columns.push(column);
  if (!state.diff.right || state.diff.right === state.diff.left) state.diff.right = column.id;
  if (!state.diff.left) state.diff.left = column.id;
  return column;
}

/** The output a column of the shown snapshot has, for the diff. */
export function outputOf(state: PlaygroundViewState, columnId: string): string | undefined {
  const r = shown(state)?.results[columnId];
  return r ? r.text : undefined;
}

