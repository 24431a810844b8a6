// The playground's DOM: toolbar, inputs form, one card per model column, diff. Model output only ever
// reaches the page as text nodes (streaming appends to one), as a markdown tree built node by node, or as
// pretty-printed JSON text. Re-renders keep keyboard focus by each control's data-focus-key.
import {
  AddToTestBankRequest,
  DiffRequest,
  ErrorActionCommand,
  GetFeedbackRequest,
  RevealInFileCommand,
  RunCommand,
  SetFeedbackRequest,
  StopCommand,
  TestCasesRequest,
  type CaseChoice,
  type ColumnConfig,
  type ColumnParams,
  type ColumnResult,
  type Feedback,
  type FormValue,
  type InputField,
  type LiveRun,
  type ModelCatalog,
  type OutputView,
  type PlaygroundInit,
  type PlaygroundViewState,
  type PromptFileInfo,
  type RunFailure,
  type RunSnapshot,
  type RunUpdate,
} from '../../../src/shared/playgroundProtocol';
import { clear, h, textNode } from '../common/dom';
import { revealBidiControls } from '../../../src/shared/bidi';
import { formatCallLatency, formatCostFigure, formatMs } from '../../../src/shared/format';
import { sendCommand, sendRequest, setState } from '../common/ipc';
import { renderMarkdown } from './markdownDom';
import {
  addColumn,
  anyRunning,
  applyUpdate,
  initialState,
  isRunning,
  isViewState,
  latest,
  mergeLive,
  moveColumn,
  newRunId,
  outputOf,
  removeColumn,
  setFeedback,
  shown,
  startRun,
  syncValues,
  traceIds,
  type AnyResult,
  type UpdateEffect,
} from './playgroundState';

type El = HTMLElement;

/** `.value` of a toolkit field or dropdown. */
function valueOf(target: EventTarget | null): string {
  return (target as HTMLInputElement | null)?.value ?? '';
}

/** A toolkit button; `label` is what a screen reader says when the text is a symbol. */
function button(text: string, attrs: Record<string, string | boolean | undefined | EventListener>): El {
  return h('vscode-button', attrs, text);
}

function parseJsonOutput(text: string): { value: unknown } | { error: string } {
  const trimmed = text.trim();
  const fenced = /^```(?:json)?[^\n]*\n([\s\S]*?)\n?```$/i.exec(trimmed);
  try {
    return { value: JSON.parse(fenced ? fenced[1]! : trimmed) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

function time(at: number): string {
  return new Date(at).toLocaleTimeString();
}

const VIEW_LABELS: Record<OutputView, string> = { text: 'Text', markdown: 'Markdown', json: 'JSON' };

const ESTIMATED_TITLE = 'Counted from the streamed text: the call was stopped before the server reported its usage';

/** The status line at a run's end: what finished, what was stopped, what failed. */
function runEndText(status: 'done' | 'cancelled' | 'failed', results: ColumnResult[]): string {
  const count = (s: ColumnResult['status']): number => results.filter((r) => r.status === s).length;
  const parts = [`${count('ok')} finished`];
  if (count('cancelled') > 0) parts.push(`${count('cancelled')} stopped`);
  if (count('error') > 0) parts.push(`${count('error')} failed`);
  return `${status === 'cancelled' ? 'Stopped' : 'Done'}: ${parts.join(', ')}`;
}

/** The key of a column's live reasoning in `PlaygroundView.streams`. */
function reasoningStream(columnId: string): string {
  return `${columnId}\u0000reasoning`;
}

/** The whole panel. Construct once, then feed it the host's messages. */
export class PlaygroundView {
  private state: PlaygroundViewState | undefined;
  private file: PromptFileInfo | undefined;
  private catalog: ModelCatalog = { models: [], problems: {} };
  private trusted = false;
  private restrictedReason = '';
  private historyEnabled = false;
  private failure: (RunFailure & { runId: string }) | undefined;
  private pendingPrefill: { values: Record<string, FormValue>; source?: string } | undefined;
  private cases: CaseChoice[] = [];
  private status = '';
  private persistTimer: ReturnType<typeof setTimeout> | undefined;
  /** Text nodes of streaming columns, appended to as deltas arrive. */
  private readonly streams = new Map<string, { node: Text; box: El }>();
  private diffSeq = 0;
  private readonly isMac = /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

  private readonly toolbar = h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Playground' });
  private readonly statusLine = h('div', { id: 'status', class: 'muted', role: 'status', 'aria-live': 'polite' });
  private readonly banners = h('div', { id: 'banners' });
  private readonly inputs = h('section', { id: 'inputs', 'aria-label': 'Inputs' });
  private readonly columns = h('section', { id: 'columns', class: 'columns', 'aria-label': 'Model columns' });
  private readonly diff = h('section', { id: 'diff', 'aria-label': 'Diff' });

  constructor(root: El, saved: unknown) {
    if (isViewState(saved)) this.state = saved;
    root.append(this.toolbar, this.statusLine, this.banners, this.inputs, this.columns, this.diff);
    document.addEventListener('keydown', (e) => {
      if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') {
        e.preventDefault();
        e.stopPropagation();
        this.runColumns();
      }
    }, true);
    this.setStatus('Loading…');
  }

  // ---- host messages ------------------------------------------------------------------------------

  init(init: PlaygroundInit): void {
    this.file = init.file;
    this.catalog = init.catalog;
    this.trusted = init.trusted;
    this.restrictedReason = init.restrictedReason ?? '';
    this.historyEnabled = init.historyEnabled;
    if (!this.state || this.state.uri !== init.file.uri) this.state = initialState(init.file);
    else syncValues(this.state, init.file.inputs);
    mergeLive(this.state, init.live);
    this.setStatus(this.trusted ? `${this.file.name}: ready. ${this.runShortcut()} runs every column.` : 'Restricted Mode: nothing runs.');
    this.renderAll();
    this.persist();
    void this.loadFeedback();
    if (init.file.hasTests) void this.loadCases();
    const pending = this.pendingPrefill;
    this.pendingPrefill = undefined;
    if (pending) this.prefill(pending.values, pending.source);
  }

  /** Fills the form (from a trace, say); before the first init, once it arrives. */
  prefill(values: Record<string, FormValue>, source?: string): void {
    if (!this.state || !this.file) {
      this.pendingPrefill = { values, ...(source ? { source } : {}) };
      return;
    }
    Object.assign(this.state.values, values);
    this.state.historyIndex = -1;
    this.renderAll();
    this.setStatus(`Inputs filled${source ? ` from ${source}` : ''}. ${this.runShortcut()} runs every column.`);
    this.persist();
  }

  fileChanged(file: PromptFileInfo): void {
    const inputsChanged = JSON.stringify(file.inputs) !== JSON.stringify(this.file?.inputs);
    const hadTests = this.file?.hasTests;
    this.file = file;
    if (!this.state) return;
    syncValues(this.state, file.inputs);
    this.renderToolbar();
    this.renderBanners();
    if (inputsChanged || hadTests !== file.hasTests) this.renderInputs();
    this.renderColumns();
    if (file.hasTests) void this.loadCases();
  }

  trustChanged(trusted: boolean, reason?: string): void {
    this.trusted = trusted;
    this.restrictedReason = reason ?? '';
    this.renderAll();
  }

  catalogChanged(catalog: ModelCatalog): void {
    this.catalog = catalog;
    if (this.state?.historyIndex === -1) this.renderColumns();
  }

  runsUpdated(updates: RunUpdate[]): void {
    if (!this.state) return;
    const effect: UpdateEffect = { appended: new Map(), changed: new Set() };
    for (const u of updates) applyUpdate(this.state, u, effect);
    for (const [id, text] of effect.appended) this.appendStream(id, text);
    // After the text: a column redrawn here shows all of its text from the state.
    for (const [id, text] of effect.reasoning ?? []) {
      if (this.streams.has(reasoningStream(id))) this.appendStream(reasoningStream(id), text);
      else this.renderColumn(id);
    }
    if (effect.failure) {
      this.failure = effect.failure;
      this.setStatus(`Not run: ${effect.failure.message}`);
      this.renderBanners();
    }
    if (effect.changed.size > 0) {
      if (effect.failure && !latest(this.state)) this.renderColumns();
      else for (const id of effect.changed) this.renderColumn(id);
      if (this.state.diff.open) void this.renderDiff();
    }
    if (effect.ended && !effect.failure) this.reportRunEnd(effect.ended.runId, effect.ended.status);
    if (effect.ended) this.renderToolbar();
    this.persist();
  }

  // ---- actions --------------------------------------------------------------------------------------

  private runShortcut(): string {
    return this.isMac ? '⌘+Enter' : 'Ctrl+Enter';
  }

  /** Runs `columnIds` (every column when omitted). */
  private runColumns(columnIds?: string[]): void {
    const state = this.state;
    if (!state || !this.file) return;
    if (!this.trusted) {
      this.setStatus('Restricted Mode: nothing runs until you trust this workspace.');
      return;
    }
    const ids = columnIds ?? state.columns.map((c) => c.id);
    const columns = state.columns.filter((c) => ids.includes(c.id));
    if (columns.length === 0) {
      this.setStatus('Add a model column first.');
      return;
    }
    this.failure = undefined;
    const runId = newRunId();
    startRun(state, runId, ids);
    this.renderAll();
    this.setStatus(`Running ${columns.length === 1 ? columns[0]!.model : `${columns.length} models`}…`);
    sendCommand(RunCommand, { runId, columns, values: { ...state.values } });
    this.persist();
  }

  private stop(): void {
    sendCommand(StopCommand, {});
    this.setStatus('Stopping…');
  }

  private reportRunEnd(runId: string, status: 'done' | 'cancelled' | 'failed'): void {
    const snap = this.state?.history.find((s) => s.runId === runId);
    if (!snap) return;
    const results = Object.values(snap.results).filter((r): r is ColumnResult => !isRunning(r));
    this.setStatus(`${runEndText(status, results)} (${time(Date.now())}).`);
  }

  private async loadFeedback(): Promise<void> {
    const state = this.state;
    if (!state || !this.historyEnabled) return;
    const ids = traceIds(state);
    if (ids.length === 0) return;
    const saved = await sendRequest(GetFeedbackRequest, { traceIds: ids }).catch(() => ({}) as Record<string, Feedback>);
    for (const id of ids) setFeedback(state, id, saved[id] && saved[id].rating !== 0 ? saved[id] : saved[id]?.note ? saved[id] : undefined);
    this.renderColumns();
    this.persist();
  }

  private async loadCases(): Promise<void> {
    const r = await sendRequest(TestCasesRequest, {}).catch((err: Error) => ({ cases: [] as CaseChoice[], problems: [err.message] }));
    this.cases = r.cases;
    this.renderInputs();
  }

  private async rate(result: ColumnResult, rating: 1 | -1 | 0, note?: string): Promise<void> {
    if (!result.traceId || !this.state) return;
    const feedback: Feedback = { rating, ...(note ? { note } : {}) };
    const r = await sendRequest(SetFeedbackRequest, { traceId: result.traceId, feedback }).catch((err: Error) => ({ error: err.message }));
    if ('error' in r) {
      this.setStatus(`Feedback not saved: ${r.error}`);
      return;
    }
    setFeedback(this.state, result.traceId, rating === 0 && !note ? undefined : feedback);
    this.setStatus(rating === 1 ? 'Saved 👍.' : rating === -1 ? 'Saved 👎.' : note ? 'Saved the note.' : 'Rating removed.');
    this.renderColumn(result.columnId);
    this.persist();
  }

  private async addToBank(result: ColumnResult, values: Record<string, FormValue>): Promise<void> {
    const r = await sendRequest(AddToTestBankRequest, { values, output: result.text }).catch((err: Error) => ({ error: err.message }));
    this.setStatus('error' in r ? `Not added to the test bank (${r.error}).` : `Added a test case to ${r.file}.`);
  }

  private persist(): void {
    if (this.persistTimer !== undefined) return;
    this.persistTimer = setTimeout(() => {
      this.persistTimer = undefined;
      if (this.state) setState(this.state);
    }, 50);
  }

  private setStatus(text: string): void {
    if (text === this.status) return;
    this.status = text;
    this.statusLine.textContent = text;
  }

  // ---- rendering ------------------------------------------------------------------------------------

  /** Re-renders `fn`'s region, then puts focus back on the control that had it. */
  private keepFocus(fn: () => void): void {
    const key = (document.activeElement as El | null)?.closest?.('[data-focus-key]')?.getAttribute('data-focus-key');
    fn();
    if (key) (document.querySelector(`[data-focus-key="${CSS.escape(key)}"]`) as El | null)?.focus();
  }

  private renderAll(): void {
    this.keepFocus(() => {
      this.renderToolbar();
      this.renderBanners();
      this.renderInputs();
      this.renderColumns();
      void this.renderDiff();
    });
  }

  private renderToolbar(): void {
    const state = this.state;
    if (!state) return;
    const running = anyRunning(state);
    const viewing = state.historyIndex >= 0;
    const count = state.history.length;
    const index = viewing ? state.historyIndex : count - 1;
    this.keepFocus(() => {
      clear(this.toolbar);
      this.toolbar.append(
        button(`▶ Run all`, {
          id: 'run-all',
          appearance: 'primary',
          'data-focus-key': 'run-all',
          title: `Run every column (${this.runShortcut()})`,
          'aria-keyshortcuts': this.isMac ? 'Meta+Enter' : 'Control+Enter',
          disabled: !this.trusted || state.columns.length === 0,
          onclick: () => this.runColumns(),
        }),
        button('■ Stop', { id: 'stop', appearance: 'secondary', 'data-focus-key': 'stop', title: 'Cancel every call in flight', disabled: !running, onclick: () => this.stop() }),
        button('+ Add model', {
          id: 'add-column',
          appearance: 'secondary',
          'data-focus-key': 'add-column',
          onclick: () => {
            const model = this.file?.models[0] ?? this.catalog.models[0]?.ref ?? 'openai:gpt-5.5';
            const col = addColumn(state, model);
            this.renderColumns();
            this.renderDiffControls();
            this.persist();
            (document.querySelector(`[data-focus-key="model:${col.id}"]`) as El | null)?.focus();
          },
        }),
        h('span', { class: 'muted hint' }, `${this.runShortcut()} runs all`),
        h('span', { class: 'spacer' }),
        h(
          'span',
          { class: 'history', role: 'group', 'aria-label': 'Earlier runs' },
          button('◀', {
            id: 'history-prev',
            appearance: 'icon',
            'aria-label': 'Earlier run',
            title: 'Earlier run',
            'data-focus-key': 'history-prev',
            disabled: count === 0 || index <= 0,
            onclick: () => this.stepHistory(-1),
          }),
          h('span', { id: 'history-label', class: 'muted' }, count === 0 ? 'No runs yet' : `Run ${index + 1} of ${count}`),
          button('▶', {
            id: 'history-next',
            appearance: 'icon',
            'aria-label': 'Later run',
            title: 'Later run',
            'data-focus-key': 'history-next',
            disabled: !viewing,
            onclick: () => this.stepHistory(1),
          }),
        ),
      );
    });
  }

  private stepHistory(delta: number): void {
    const state = this.state;
    if (!state || state.history.length === 0) return;
    const current = state.historyIndex >= 0 ? state.historyIndex : state.history.length - 1;
    const next = Math.max(0, Math.min(state.history.length - 1, current + delta));
    state.historyIndex = next === state.history.length - 1 ? -1 : next;
    this.renderAll();
    this.persist();
  }

  private renderBanners(): void {
    const state = this.state;
    const file = this.file;
    clear(this.banners);
    if (!state || !file) return;
    if (!this.trusted) {
      this.banners.append(h('div', { class: 'banner', role: 'alert', id: 'restricted' }, h('b', {}, 'Restricted Mode. '), this.restrictedReason));
    }
    if (file.problems.length > 0) {
      this.banners.append(h('div', { class: 'banner' }, `${file.label} has ${file.problems.length === 1 ? 'a problem' : `${file.problems.length} problems`}: ${file.problems.slice(0, 3).join('; ')}`));
    }
    if (this.failure) {
      const failure = this.failure;
      this.banners.append(
        h(
          'div',
          { class: 'banner error-banner', role: 'alert', id: 'run-failure' },
          h('b', {}, 'Not run: '),
          failure.message,
          failure.range
            ? h('div', { class: 'actions' }, button('Show in file', { appearance: 'secondary', 'data-focus-key': 'reveal', onclick: () => sendCommand(RevealInFileCommand, { range: failure.range }) }))
            : null,
        ),
      );
    }
    if (state.historyIndex >= 0) {
      const snap = state.history[state.historyIndex]!;
      this.banners.append(
        h(
          'div',
          { class: 'banner', id: 'viewing-history' },
          `Showing run ${state.historyIndex + 1} of ${state.history.length}, from ${time(snap.at)} (read-only). `,
          button('Back to latest', {
            appearance: 'secondary',
            'data-focus-key': 'latest',
            onclick: () => {
              state.historyIndex = -1;
              this.renderAll();
              this.persist();
            },
          }),
        ),
      );
    } else if (this.isStale(latest(state))) {
      this.banners.append(
        h('div', { class: 'banner', id: 'stale' }, `${file.label} changed after this run: the outputs below are stale. Run again (${this.runShortcut()}) to see the effect of your edit.`),
      );
    }
  }

  private isStale(snap: RunSnapshot | undefined): boolean {
    if (!snap || !this.file) return false;
    return Object.values(snap.results).some((r) => !isRunning(r) && r.fileHash !== '' && r.fileHash !== this.file!.fileHash);
  }

  private renderInputs(): void {
    const state = this.state;
    const file = this.file;
    if (!state || !file) return;
    this.keepFocus(() => {
      clear(this.inputs);
      const details = h('details', { open: true }, h('summary', { 'data-focus-key': 'inputs-summary' }, `Inputs (${file.inputs.length})`));
      if (this.cases.length > 0 && state.historyIndex < 0) {
        const picker = h(
          'vscode-dropdown',
          {
            id: 'case-picker',
            'aria-label': 'Fill the inputs from a test case',
            'data-focus-key': 'case-picker',
            onchange: (e: Event) => {
              const i = Number(valueOf(e.target));
              const c = this.cases[i];
              if (!c) return;
              Object.assign(state.values, c.values);
              this.renderInputs();
              this.setStatus(`Inputs filled from "${c.label}".`);
              this.persist();
            },
          },
          h('vscode-option', { value: '', selected: true }, 'Fill from a test case…'),
          ...this.cases.map((c, i) => h('vscode-option', { value: String(i) }, c.label)),
        );
        details.append(h('div', { class: 'case-row' }, picker));
      }
      if (file.inputs.length === 0) details.append(h('p', { class: 'muted' }, 'This prompt reads no variables.'));
      const snap = state.historyIndex >= 0 ? state.history[state.historyIndex] : undefined;
      if (snap) details.append(h('p', { class: 'muted' }, 'The inputs of the run shown (read-only):'));
      const grid = h('div', { class: 'inputs-grid' });
      for (const f of file.inputs) grid.append(this.renderField(f, snap ? snap.values : state.values, snap !== undefined));
      details.append(grid);
      this.inputs.append(details);
    });
  }

  private renderField(f: InputField, values: Record<string, FormValue>, readOnly: boolean): El {
    const value = values[f.name];
    const label = `${f.name}${f.declaredType ? ` (${f.declaredType})` : ''}${f.declared ? '' : ' — not declared in inputs'}`;
    const key = `input:${f.name}`;
    let control: El;
    if (f.kind === 'boolean') {
      control = h('vscode-checkbox', { 'data-input': f.name, 'data-focus-key': key, checked: value === true, readonly: readOnly, disabled: readOnly, onchange: (e: Event) => this.setValue(f.name, (e.target as HTMLInputElement).checked) }, label);
      return h('div', { class: 'field' }, control, f.description ? h('span', { class: 'muted desc' }, f.description) : null);
    }
    const multiline = f.kind === 'text' || f.kind === 'json';
    const text = typeof value === 'string' ? value : '';
    // Room for what is there (long lines wrap at roughly 60 characters), between 2 and 8 rows.
    const rows = Math.min(8, Math.max(2, text.split('\n').reduce((n, line) => n + Math.ceil((line.length || 1) / 60), 0)));
    control = h(multiline ? 'vscode-text-area' : 'vscode-text-field', {
      'data-input': f.name,
      'data-focus-key': key,
      readonly: readOnly,
      ...(multiline ? { rows: f.kind === 'json' ? Math.max(rows, 4) : rows, resize: 'vertical' } : {}),
      ...(f.kind === 'number' || f.kind === 'integer' ? { inputmode: 'decimal' } : {}),
      oninput: (e: Event) => this.setValue(f.name, valueOf(e.target)),
    }, label);
    (control as HTMLInputElement).value = text;
    return h('div', { class: 'field' }, control, f.declaredType === 'image' ? imagePreview(text) : null, f.description ? h('span', { class: 'muted desc' }, f.description) : null);
  }

  private setValue(name: string, value: FormValue): void {
    if (!this.state) return;
    this.state.values[name] = value;
    this.persist();
  }

  private renderColumns(): void {
    const state = this.state;
    if (!state) return;
    this.keepFocus(() => {
      clear(this.columns);
      this.streams.clear();
      const snap = shown(state);
      const columns = state.historyIndex >= 0 && snap ? snap.columns : state.columns;
      if (columns.length === 0) this.columns.append(h('p', { class: 'muted' }, 'No model columns: add one with "+ Add model".'));
      columns.forEach((c, i) => this.columns.append(this.renderColumnCard(c, i, columns.length, snap?.results[c.id])));
    });
    this.renderDiffControls();
  }

  private renderColumn(id: string): void {
    const state = this.state;
    if (!state) return;
    const snap = shown(state);
    const columns = state.historyIndex >= 0 && snap ? snap.columns : state.columns;
    const i = columns.findIndex((c) => c.id === id);
    const old = this.columns.querySelector(`.column[data-column-id="${CSS.escape(id)}"]`);
    if (i < 0 || !old) return;
    this.keepFocus(() => {
      this.streams.delete(id);
      this.streams.delete(reasoningStream(id));
      old.replaceWith(this.renderColumnCard(columns[i]!, i, columns.length, snap?.results[id]));
    });
  }

  private renderColumnCard(column: ColumnConfig, index: number, count: number, result: AnyResult | undefined): El {
    const state = this.state!;
    const readOnly = state.historyIndex >= 0;
    const running = isRunning(result);
    const key = (what: string): string => `${what}:${column.id}`;
    const card = h('div', {
      class: `column${running ? ' running' : ''}`,
      'data-column-id': column.id,
      'data-model': column.model,
      role: 'region',
      'aria-label': `Column ${index + 1}: ${column.model}`,
      'aria-busy': running ? 'true' : 'false',
    });

    const head = h('div', { class: 'column-head' });
    if (readOnly) {
      head.append(h('span', { class: 'model-name' }, column.model));
    } else {
      head.append(this.modelPicker(column, key('model')));
      head.append(
        button('◀', { appearance: 'icon', 'aria-label': `Move ${column.model} left`, title: 'Move left', 'data-action': 'move-left', 'data-focus-key': key('left'), disabled: index === 0, onclick: () => this.move(column.id, -1) }),
        button('▶', { appearance: 'icon', 'aria-label': `Move ${column.model} right`, title: 'Move right', 'data-action': 'move-right', 'data-focus-key': key('right'), disabled: index === count - 1, onclick: () => this.move(column.id, 1) }),
        button('✕', {
          appearance: 'icon',
          'aria-label': `Remove ${column.model}`,
          title: 'Remove this column',
          'data-action': 'remove',
          'data-focus-key': key('remove'),
          onclick: () => {
            removeColumn(state, column.id);
            this.renderColumns();
            this.renderToolbar();
            this.persist();
          },
        }),
      );
    }
    card.append(head);

    if (!readOnly) card.append(this.paramsEditor(column, key));
    if (result && !running && result.model !== column.model) card.append(h('div', { class: 'muted' }, `Output below is from ${result.model}.`));

    const actions = h('div', { class: 'views' });
    if (!readOnly) {
      actions.append(
        button(running ? 'Running…' : '▶ Run', {
          appearance: 'secondary',
          'data-action': 'run-column',
          'aria-label': `Run ${column.model} only`,
          'data-focus-key': key('run'),
          disabled: !this.trusted || running,
          onclick: () => this.runColumns([column.id]),
        }),
      );
    }
    const view = state.views[column.id] ?? 'text';
    const segment = h('span', { class: 'segmented', role: 'group', 'aria-label': 'Output view' });
    actions.append(segment);
    for (const v of ['text', 'markdown', 'json'] as OutputView[]) {
      segment.append(
        button(VIEW_LABELS[v], {
          appearance: 'icon',
          'data-view': v,
          'aria-pressed': view === v ? 'true' : 'false',
          'aria-label': `Show the output as ${VIEW_LABELS[v]}`,
          'data-focus-key': key(`view-${v}`),
          onclick: () => {
            state.views[column.id] = v;
            this.renderColumn(column.id);
            this.persist();
          },
        }),
      );
    }
    if (running) actions.append(h('vscode-progress-ring', { 'aria-label': 'Streaming' }));
    if (result && !running && this.file && result.fileHash !== '' && result.fileHash !== this.file.fileHash) {
      actions.append(h('span', { class: 'pill stale', title: 'The prompt file changed after this run' }, 'stale'));
    }
    card.append(actions);

    if (result && !running) card.append(this.stats(result));
    // Reasoning sits above the output, where it streamed in: thinking blocks, or a reasoning summary.
    if (result && !running && result.thinking?.length) card.append(this.thinking(result.thinking, key));
    if (isRunning(result) && result.reasoning) card.append(this.liveReasoning(column.id, result.reasoning));
    if (result && !running && 'reasoning' in result && result.reasoning) {
      card.append(
        h('details', { class: 'thinking reasoning', 'data-reasoning': column.id }, h('summary', { 'data-focus-key': key('reasoning') }, 'Reasoning summary'), h('pre', { class: 'thinking-text' }, result.reasoning)),
      );
    }
    // A call that failed without a word of output shows its error alone, not an empty box above it.
    if (!(result && !running && result.error && result.text === '')) card.append(this.output(column.id, result, view));
    if (result && !running && result.error) card.append(this.errorBox(column, result));
    if (result && !running && result.status !== 'error' && result.text !== '') card.append(this.footer(result, key));
    return card;
  }

  private modelPicker(column: ColumnConfig, focusKey: string): El {
    const refs = this.catalog.models.map((m) => m.ref);
    if (!refs.includes(column.model)) refs.unshift(column.model);
    return h(
      'vscode-dropdown',
      {
        class: 'model-picker',
        'aria-label': 'Model',
        'data-focus-key': focusKey,
        position: 'below',
        onchange: (e: Event) => {
          const model = valueOf(e.target);
          if (!model || model === column.model) return;
          column.model = model;
          this.renderColumn(column.id);
          this.renderDiffControls();
          this.persist();
        },
      },
      ...refs.map((ref) => h('vscode-option', { value: ref, selected: ref === column.model }, ref)),
    );
  }

  private paramsEditor(column: ColumnConfig, key: (what: string) => string): El {
    const fileParams = this.file?.params ?? {};
    const overridden = Object.values(column.params).some((v) => v !== undefined);
    const field = (name: keyof ColumnParams, label: string): El => {
      const el = h('vscode-text-field', {
        'data-param': name,
        'data-focus-key': key(`param-${name}`),
        placeholder: fileParams[name] !== undefined ? String(fileParams[name]) : 'file default',
        inputmode: 'decimal',
        oninput: (e: Event) => {
          const text = valueOf(e.target).trim();
          if (text === '') delete column.params[name];
          else column.params[name] = Number(text);
          this.persist();
        },
      }, label);
      (el as HTMLInputElement).value = column.params[name] !== undefined ? String(column.params[name]) : '';
      return el;
    };
    return h(
      'details',
      { class: 'params', ...(overridden ? { open: true } : {}) },
      h('summary', { 'data-focus-key': key('params') }, `Parameters${overridden ? ' (overridden)' : ''}`),
      h('div', { class: 'params-grid' }, field('temperature', 'temperature'), field('max_tokens', 'max tokens'), field('top_p', 'top_p')),
    );
  }

  /** Reasoning (a summary or thinking) as it streams, open above the output; the finished result replaces it. */
  private liveReasoning(columnId: string, text: string): El {
    const node = textNode(text);
    const box = h('details', { class: 'thinking', open: true, 'data-reasoning': columnId, 'data-live': 'true' }, h('summary', {}, 'Reasoning…'));
    box.append(h('pre', { class: 'thinking-text' }, node));
    this.streams.set(reasoningStream(columnId), { node, box });
    return box;
  }

  /** The model's thinking, collapsed: shown apart from the output, which is what assertions check. */
  private thinking(blocks: string[], key: (k: string) => string): El {
    return h(
      'details',
      { class: 'thinking', 'data-thinking': 'true' },
      h('summary', { 'data-focus-key': key('thinking') }, `Thinking (${blocks.length} ${blocks.length === 1 ? 'block' : 'blocks'})`),
      ...blocks.map((b) => h('pre', { class: 'thinking-text' }, b)),
    );
  }

  private stats(r: ColumnResult): El {
    const stat = (name: string, label: string, value: string, estimated = false): El =>
      h('span', { class: 'stat', 'data-stat': name, ...(estimated ? { 'data-estimated': 'true', title: ESTIMATED_TITLE } : {}) }, `${label} `, h('b', {}, estimated ? `≈${value}` : value));
    const estimated = r.usageEstimated === true;
    return h(
      'div',
      { class: 'stats', 'aria-label': 'Call figures' },
      stat('tokens', 'tokens', r.inputTokens === null ? '—' : `${r.inputTokens} in / ${r.outputTokens ?? '—'} out`, estimated),
      stat('latency', 'latency', formatCallLatency(r.latencyMs, r.status === 'error')),
      stat('ttft', 'TTFT', formatMs(r.ttftMs)),
      stat('cost', 'cost', formatCostFigure(r.cost), estimated && r.cost !== null),
      stat('finish', 'finish', r.finishReason ?? (r.status === 'cancelled' ? 'cancelled' : '—')),
    );
  }

  private output(columnId: string, result: AnyResult | undefined, view: OutputView): El {
    const box = h('div', { class: 'output', 'data-output': columnId, tabindex: 0, role: 'document', 'aria-label': 'Output' });
    if (!result) {
      box.append(h('div', { class: 'placeholder muted' }, this.trusted ? `Not run yet. ${this.runShortcut()} runs every column.` : 'Nothing runs in Restricted Mode.'));
      return box;
    }
    if (isRunning(result) || view === 'text') {
      const pre = h('pre', { class: 'output-text' });
      const node = textNode(result.text);
      pre.append(node);
      box.append(pre);
      if (isRunning(result)) this.streams.set(columnId, { node, box });
      return box;
    }
    if (view === 'markdown') {
      const div = h('div', { class: 'markdown output-markdown' });
      div.append(renderMarkdown(result.text));
      box.append(div);
      return box;
    }
    const parsed = parseJsonOutput(result.text);
    const check = result.json;
    const badges = h('div', { class: 'views', style: 'padding: 4px 8px' });
    if ('value' in parsed) badges.append(h('span', { class: 'pill ok', 'data-json': 'valid' }, 'valid JSON'));
    else badges.append(h('span', { class: 'pill bad', 'data-json': 'invalid', title: parsed.error }, 'invalid JSON'));
    if (check?.schema) {
      badges.append(
        check.schema.pass
          ? h('span', { class: 'pill ok', 'data-schema': 'pass' }, 'matches schema')
          : h('span', { class: 'pill bad', 'data-schema': 'fail', title: check.schema.errors ?? '' }, `schema: ${check.schema.errors ?? 'no match'}`),
      );
    }
    box.append(badges, h('pre', { class: 'output-json' }, 'value' in parsed ? JSON.stringify(parsed.value, null, 2) : result.text));
    if ('error' in parsed) box.append(h('div', { class: 'muted', style: 'padding: 4px 8px' }, parsed.error));
    return box;
  }

  private appendStream(columnId: string, text: string): void {
    const s = this.streams.get(columnId);
    if (!s) return;
    const atBottom = s.box.scrollTop + s.box.clientHeight >= s.box.scrollHeight - 4;
    s.node.appendData(revealBidiControls(text));
    if (atBottom) s.box.scrollTop = s.box.scrollHeight;
  }

  private errorBox(column: ColumnConfig, r: ColumnResult): El {
    const e = r.error!;
    const box = h('div', { class: 'error-box', role: 'alert', 'data-error-kind': e.kind }, h('span', { class: 'kind' }, `Error: ${e.kind}`), h('span', {}, e.message));
    const act = (label: string, fn: () => void): El => button(label, { appearance: 'secondary', 'data-action': 'error-action', 'data-focus-key': `error:${column.id}`, onclick: fn });
    if (e.action === 'setApiKey') box.append(act('Set API Key', () => sendCommand(ErrorActionCommand, { action: 'setApiKey', ...(e.provider ? { provider: e.provider } : {}) })));
    else if (e.action === 'openSettings') box.append(act('Open Endpoint Settings', () => sendCommand(ErrorActionCommand, { action: 'openSettings', ...(e.provider ? { provider: e.provider } : {}) })));
    else if (e.action === 'retry' && this.state?.historyIndex === -1) box.append(act('Retry', () => this.runColumns([column.id])));
    return box;
  }

  private footer(r: ColumnResult, key: (what: string) => string): El {
    const enabled = this.historyEnabled && r.traceId !== null;
    const why = enabled ? undefined : 'Feedback is kept in the history, which needs an open folder.';
    const rating = r.feedback?.rating ?? 0;
    let note = r.feedback?.note ?? '';
    const snap = shown(this.state!);
    const noteField = h('vscode-text-field', {
      class: 'note',
      placeholder: 'Note (optional)',
      'aria-label': 'Feedback note',
      'data-focus-key': key('note'),
      disabled: !enabled,
      oninput: (e: Event) => (note = valueOf(e.target)),
      onkeydown: (e: Event) => {
        const k = e as KeyboardEvent;
        if (k.key === 'Enter' && !k.ctrlKey && !k.metaKey) void this.rate(r, rating, note.trim());
      },
    });
    (noteField as HTMLInputElement).value = note;
    return h(
      'div',
      { class: 'column-foot' },
      button('✓ Good', {
        class: 'rating',
        appearance: 'secondary',
        'aria-label': 'Good answer (thumbs up)',
        title: why ?? 'Good answer',
        'aria-pressed': rating === 1 ? 'true' : 'false',
        'data-action': 'thumbs-up',
        'data-focus-key': key('up'),
        disabled: !enabled,
        onclick: () => void this.rate(r, rating === 1 ? 0 : 1, note.trim()),
      }),
      button('✗ Bad', {
        class: 'rating',
        appearance: 'secondary',
        'aria-label': 'Bad answer (thumbs down)',
        title: why ?? 'Bad answer',
        'aria-pressed': rating === -1 ? 'true' : 'false',
        'data-action': 'thumbs-down',
        'data-focus-key': key('down'),
        disabled: !enabled,
        onclick: () => void this.rate(r, rating === -1 ? 0 : -1, note.trim()),
      }),
      noteField,
      button('Save note', { appearance: 'secondary', 'data-action': 'save-note', 'data-focus-key': key('save-note'), disabled: !enabled, onclick: () => void this.rate(r, rating, note.trim()) }),
      button('Add to test bank', {
        appearance: 'secondary',
        'data-action': 'add-to-bank',
        'data-focus-key': key('bank'),
        title: 'Append a test case with these inputs that expects this output',
        onclick: () => void this.addToBank(r, snap?.values ?? this.state!.values),
      }),
    );
  }

  private move(id: string, delta: number): void {
    if (!this.state || !moveColumn(this.state, id, delta)) return;
    this.renderColumns();
    this.persist();
    (document.querySelector(`[data-focus-key="${delta < 0 ? 'left' : 'right'}:${CSS.escape(id)}"]`) as El | null)?.focus();
  }

  // ---- diff -----------------------------------------------------------------------------------------

  private diffControls: El | undefined;
  private diffOutput: El | undefined;

  private renderDiffControls(): void {
    const state = this.state;
    if (!state) return;
    const snap = shown(state);
    const columns = state.historyIndex >= 0 && snap ? snap.columns : state.columns;
    const ids = columns.map((c) => c.id);
    if (!ids.includes(state.diff.left)) state.diff.left = ids[0] ?? '';
    if (!ids.includes(state.diff.right) || state.diff.right === state.diff.left) state.diff.right = ids.find((id) => id !== state.diff.left) ?? '';
    const picker = (side: 'left' | 'right'): El =>
      h(
        'vscode-dropdown',
        {
          id: `diff-${side}`,
          'aria-label': side === 'left' ? 'Compare this column' : 'with this column',
          'data-focus-key': `diff-${side}`,
          onchange: (e: Event) => {
            state.diff[side] = valueOf(e.target);
            void this.renderDiff();
            this.persist();
          },
        },
        ...columns.map((c, i) => h('vscode-option', { value: c.id, selected: c.id === state.diff[side] }, `${i + 1}: ${c.model}`)),
      );
    this.keepFocus(() => {
      clear(this.diff);
      const details = h('details', {
        ...(state.diff.open ? { open: true } : {}),
        ontoggle: (e: Event) => {
          state.diff.open = (e.target as HTMLDetailsElement).open;
          this.persist();
          if (state.diff.open) void this.renderDiff();
        },
      });
      details.append(h('summary', { 'data-focus-key': 'diff-summary' }, 'Diff two columns'));
      this.diffControls = h('div', { class: 'diff-controls' }, picker('left'), h('span', {}, '→'), picker('right'), h('span', { id: 'diff-summary', class: 'muted' }));
      this.diffOutput = h('div', { id: 'diff-output', class: 'diff-output', role: 'document', 'aria-label': 'Word-level diff', tabindex: 0 });
      details.append(this.diffControls, this.diffOutput);
      this.diff.append(details);
    });
    if (state.diff.open) void this.renderDiff();
  }

  private async renderDiff(): Promise<void> {
    const state = this.state;
    if (!state) return;
    if (!this.diffOutput) this.renderDiffControls();
    if (!state.diff.open || !this.diffOutput) return;
    const out = this.diffOutput;
    const summary = this.diff.querySelector('#diff-summary');
    const left = outputOf(state, state.diff.left);
    const right = outputOf(state, state.diff.right);
    const seq = ++this.diffSeq;
    const results = shown(state)?.results ?? {};
    if (isRunning(results[state.diff.left]) || isRunning(results[state.diff.right])) {
      clear(out);
      out.append(h('span', { class: 'muted' }, 'Waiting for both columns to finish…'));
      if (summary) summary.textContent = '';
      return;
    }
    if (left === undefined || right === undefined || state.diff.left === state.diff.right) {
      clear(out);
      out.append(h('span', { class: 'muted' }, 'Pick two columns that have output.'));
      if (summary) summary.textContent = '';
      return;
    }
    const d = await sendRequest(DiffRequest, { left, right }).catch((err: Error) => ({ error: err.message }));
    if (seq !== this.diffSeq) return;
    clear(out);
    if ('error' in d) {
      out.append(h('span', { class: 'error' }, `Diff failed: ${d.error}`));
      return;
    }
    for (const p of d.parts) {
      if (p.kind === 'same') out.append(p.value);
      else out.append(h(p.kind === 'added' ? 'ins' : 'del', { 'aria-label': p.kind === 'added' ? 'added' : 'removed' }, p.value));
    }
    if (summary) summary.textContent = d.identical ? 'Identical.' : `+${d.added} / −${d.removed} words${d.approximate ? ' (approximate)' : ''}`;
  }

  /** Applies runs the host remembers (used by init; exposed for clarity). */
  mergeLive(live: LiveRun[]): void {
    if (this.state) mergeLive(this.state, live);
  }
}

/**
 * What an image input will send: a thumbnail of a data URI (the webview loads nothing else), otherwise what
 * the value is taken as.
 */
function imagePreview(value: string): El {
  const v = value.trim();
  if (/^data:image\/[\w.+-]+;base64,/i.test(v)) return h('img', { class: 'input-thumb', src: v, alt: 'the image this input sends' });
  const what = v === '' ? 'no image' : /^https?:\/\//i.test(v) ? 'an image URL the model fetches' : 'an image file, read when the prompt runs';
  return h('span', { class: 'muted desc', 'data-image-input': 'true' }, `Image: ${what} (a URL, a data URI or a path relative to the prompt file).`);
}
