// The results matrix: a header with per-model statistics, filters and sorting, a table of cases × models
// drawn as a window of rows around the viewport (2,000 cells stay smooth), arrow-key navigation, and a side
// pane with the selected cell's reason, assertions and output. Model output is untrusted: text only.
import {
  AddToTestBankCommand,
  CancelRunCommand,
  OpenCaseCommand,
  OpenPlaygroundCommand,
  OpenTraceCommand,
  RateCellCommand,
  RerunCommand,
  type CellRef,
  type ResultsCell,
  type ResultsExecution,
  type ResultsModelStats,
  type ResultsState,
  type ResultsViewState,
} from '../../../src/shared/resultsProtocol';
import { clear, h } from '../common/dom';
import { formatCallLatency, formatMs, formatUsd } from '../../../src/shared/format';
import { sendCommand, setState } from '../common/ipc';
import { cellGrid, DEFAULT_VIEW_STATE, mergeCells, percent, rowWindow, verdictText, visibleRows, type CellSortKey, type ViewRow } from './resultsModel';

const ROW_HEIGHT = 44;

const SIGNIFICANCE_LABELS = {
  'significant-regression': ['significant drop', 'fail'],
  'significant-improvement': ['significant gain', 'pass'],
  'within-noise': ['within noise', 'muted'],
  'no-change': ['no change', 'muted'],
} as const;

/** The verdict on the change against the previous run, with the figures in its tooltip. */
function significanceBadge(s: NonNullable<ResultsState['stats'][number]['significance']>): HTMLElement {
  const [label, cls] = SIGNIFICANCE_LABELS[s.verdict];
  const p = s.pValue === null ? '' : s.pValue < 0.0001 ? ' (p < 0.0001)' : ` (p = ${s.pValue.toFixed(3)})`;
  return h('span', { class: `significance ${cls}`, title: s.text }, `${label}${p}`);
}

/** A button of the selected cell's side pane. */
interface CellAction {
  label: string;
  /** `data-action`, for tests. */
  action: string;
  run: () => void;
  disabled?: boolean;
}
const MIN_CASE_WIDTH = 150;
const MIN_MODEL_WIDTH = 130;

export class ResultsView {
  private run: ResultsState | undefined;
  private view: ResultsViewState;
  private rows: ViewRow[] = [];
  private grid: (ResultsCell | undefined)[][] = [];
  /** Selected position in the visible rows and columns. */
  private sel: { r: number; c: number } | undefined;
  private sortKey: CellSortKey = 'status';
  private severalSuites = false;
  private readonly header = h('div', { class: 'results-header' });
  private readonly stats = h('div', { class: 'results-stats' });
  private readonly filters = h('div', { class: 'toolbar results-filters' });
  private readonly scroller = h('div', { class: 'matrix-scroll', tabindex: '0', role: 'grid', 'aria-label': 'Test results: cases by models' });
  private readonly table = h('table', { class: 'grid matrix' });
  private readonly side = h('aside', { class: 'side-pane', 'aria-live': 'polite' });
  private readonly empty = h('p', { class: 'muted empty' }, 'No test run yet. Click ▶ Run test bank above a prompt file.');
  private frame = 0;
  private persistTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(root: HTMLElement, saved: ResultsViewState | undefined) {
    this.view = { ...DEFAULT_VIEW_STATE, ...saved, filter: { ...DEFAULT_VIEW_STATE.filter, ...saved?.filter }, sort: { ...DEFAULT_VIEW_STATE.sort, ...saved?.sort } };
    this.scroller.appendChild(this.table);
    const main = h('div', { class: 'results-main' }, this.scroller, this.side);
    root.append(this.header, this.stats, this.filters, main, this.empty);
    this.scroller.addEventListener('scroll', () => this.schedule());
    this.scroller.addEventListener('keydown', (e) => this.onKey(e));
    window.addEventListener('resize', () => this.schedule());
    this.buildFilters();
    if (saved?.run) this.setRun(saved.run);
    else this.render();
  }

  /** A run to show (its start, its end, or a revived panel). */
  setRun(run: ResultsState): void {
    const sameRun = this.run !== undefined && this.run.runId === run.runId;
    if (!sameRun && this.run && this.run.status !== 'running') this.view.selected = undefined;
    this.run = run;
    this.severalSuites = new Set(run.rows.map((r) => r.suite)).size > 1;
    this.grid = cellGrid(run);
    this.refilter();
    this.persistSoon();
  }

  /** Cells finished since the last update. */
  updateCells(runId: string, cells: ResultsCell[], done: number, total: number): void {
    const run = this.run;
    if (!run || run.runId !== runId) return;
    mergeCells(run, cells);
    run.done = done;
    run.total = total;
    this.grid = cellGrid(run);
    const onlyStatus = !this.view.filter.failures && !this.view.filter.regressions && !this.view.filter.flaky && this.view.filter.text === '' && !this.view.sort.column.includes(':');
    // Without filters or a cell sort the rows stay put: redraw in place.
    if (onlyStatus) {
      this.rows = this.rows.map((r) => ({ ...r, cells: this.grid[r.index] ?? [] }));
      this.renderHeader();
      this.schedule();
      this.renderSide();
    } else this.refilter();
    this.persistSoon();
  }

  private refilter(): void {
    const run = this.run;
    if (!run) return this.render();
    this.rows = visibleRows(run, this.view, this.grid);
    // Keep the selected cell selected when it is still shown.
    const want = this.view.selected;
    if (want) {
      const r = this.rows.findIndex((x) => x.row.key === want.rowKey);
      const c = run.models.indexOf(want.model);
      this.sel = r >= 0 && c >= 0 ? { r, c } : undefined;
    } else this.sel = undefined;
    this.render();
  }

  private render(): void {
    const run = this.run;
    this.empty.hidden = run !== undefined;
    this.renderHeader();
    this.renderStats();
    this.renderTable();
    this.renderSide();
  }

  private buildFilters(): void {
    clear(this.filters);
    const toggle = (key: 'failures' | 'regressions' | 'flaky', label: string) => {
      const box = h('input', { type: 'checkbox', id: `f-${key}`, 'data-filter': key });
      box.checked = this.view.filter[key];
      box.addEventListener('change', () => {
        this.view.filter[key] = box.checked;
        this.refilter();
        this.persistSoon();
      });
      return h('label', { class: 'filter', for: `f-${key}` }, box, ` ${label}`);
    };
    const search = h('input', { type: 'search', class: 'search', placeholder: 'Search cases, variables, outputs', 'aria-label': 'Search', value: this.view.filter.text });
    search.addEventListener('input', () => {
      this.view.filter.text = search.value;
      this.refilter();
      this.persistSoon();
    });
    const sortBy = h('select', { class: 'sort-key', 'aria-label': 'What model columns sort by' });
    for (const [value, label] of [
      ['status', 'status'],
      ['score', 'score'],
      ['latency', 'latency'],
      ['cost', 'cost'],
    ] as const) {
      const opt = h('option', { value }, label);
      sortBy.appendChild(opt);
    }
    const current = this.view.sort.column.includes(':') ? (this.view.sort.column.slice(0, this.view.sort.column.indexOf(':')) as CellSortKey) : 'status';
    this.sortKey = current;
    sortBy.value = current;
    sortBy.addEventListener('change', () => {
      this.sortKey = sortBy.value as CellSortKey;
      const col = this.view.sort.column;
      if (col.includes(':')) {
        this.view.sort.column = `${this.sortKey}:${col.slice(col.indexOf(':') + 1)}`;
        this.refilter();
        this.persistSoon();
      }
    });
    this.filters.append(
      toggle('failures', 'Failures only'),
      toggle('regressions', 'Regressions only'),
      toggle('flaky', 'Flaky only'),
      search,
      h('span', { class: 'spacer' }),
      h('label', { class: 'muted' }, 'Model columns sort by ', sortBy),
    );
  }

  private renderHeader(): void {
    clear(this.header);
    const run = this.run;
    if (!run) return;
    const status =
      run.status === 'running'
        ? `Running ${run.done}/${run.total}`
        : `${run.status === 'cancelled' ? 'Cancelled' : 'Done'} · ${run.totals.passed} passed · ${run.totals.failed} failed${run.totals.errors ? ` · ${run.totals.errors} errors` : ''}${run.totals.flaky ? ` · ${run.totals.flaky} flaky` : ''} · ${run.totals.costUnknown > 0 && run.totals.cost === 0 ? 'cost unknown' : formatUsd(run.totals.cost)}${run.totals.durationMs !== null ? ` · ${formatMs(run.totals.durationMs)}` : ''}`;
    const button =
      run.status === 'running'
        ? h('button', { class: 'btn', onclick: () => sendCommand(CancelRunCommand, { runId: run.runId }) }, 'Cancel')
        : h('button', { class: 'btn secondary', onclick: () => sendCommand(RerunCommand, { runId: run.runId }) }, 'Run again');
    this.header.append(h('div', { class: 'toolbar title-bar' }, h('h1', {}, run.title), h('span', { class: `run-status ${run.status}` }, status), h('span', { class: 'spacer' }), button));
    if (run.status === 'running') this.header.append(h('progress', { max: String(Math.max(1, run.total)), value: String(run.done), 'aria-label': 'Run progress' }));
  }

  private renderStats(): void {
    clear(this.stats);
    const run = this.run;
    if (!run || run.stats.length === 0) return;
    for (const m of run.stats) {
      const item = (label: string, value: string | Node, cls = '') => h('span', { class: `stat ${cls}` }, h('span', { class: 'muted' }, `${label} `), value);
      const vs =
        m.regressions === null
          ? h('span', { class: 'muted' }, 'no previous run')
          : h(
              'span',
              {},
              m.regressions > 0 ? h('span', { class: 'fail' }, `↓ ${m.regressions} regression${m.regressions === 1 ? '' : 's'}`) : '0 regressions',
              ' · ',
              m.fixes && m.fixes > 0 ? h('span', { class: 'pass' }, `↑ ${m.fixes} fixed`) : '0 fixed',
            );
      this.stats.appendChild(
        h(
          'div',
          { class: 'model-stats', 'data-model': m.model },
          h('span', { class: 'model-name mono' }, m.model),
          h('span', { class: `stat rate ${m.passRate === 1 ? 'pass' : m.passRate === null ? '' : 'fail'}` }, `${percent(m.passRate)} (${m.passes}/${m.trials}${m.errors ? `, ${m.errors} errors` : ''})`),
          item('95% CI', m.trials > 0 ? `${percent(m.low)}–${percent(m.high)}` : '—'),
          item('flaky', String(m.flaky), m.flaky > 0 ? 'warn' : ''),
          item('cost', m.costUnknown > 0 && m.cost === 0 ? 'unknown' : formatUsd(m.cost)),
          item('p50', latencyFigure(m.p50Ms, m)),
          item('p95', latencyFigure(m.p95Ms, m)),
          m.cached ? item('cached', `${m.cached} of ${m.trials + m.errors}`) : null,
          m.regressions === null ? vs : item('vs previous', vs),
          // Its own item, so a narrow panel wraps it onto the next line instead of cutting it off.
          ...(m.significance ? [h('span', { class: 'stat' }, significanceBadge(m.significance))] : []),
        ),
      );
    }
  }

  private sortHeader(column: string, label: string, title: string, cls = ''): HTMLElement {
    const active = this.view.sort.column === column || (column.includes(':') && this.view.sort.column.endsWith(column.slice(column.indexOf(':'))) && this.view.sort.column.includes(':'));
    const arrow = active ? (this.view.sort.descending ? ' ▼' : ' ▲') : '';
    return h(
      'th',
      {
        scope: 'col',
        class: cls,
        title,
        'aria-sort': active ? (this.view.sort.descending ? 'descending' : 'ascending') : 'none',
        onclick: () => {
          const col = column.includes(':') ? `${this.sortKey}:${column.slice(column.indexOf(':') + 1)}` : column;
          const again = this.view.sort.column === col;
          // A third click goes back to the order of the files.
          this.view.sort = again && this.view.sort.descending ? { column: 'order', descending: false } : { column: col, descending: again };
          this.refilter();
          this.persistSoon();
        },
      },
      label + arrow,
    );
  }

  private renderTable(): void {
    const run = this.run;
    // Read before clearing: a layout of the emptied table would clamp the scroll position to 0 (which
    // used to send the selected cell out of view).
    const top = this.scroller.scrollTop;
    const left = this.scroller.scrollLeft;
    const viewport = this.scroller.clientHeight || 600;
    clear(this.table);
    if (!run) return;
    const head = h('tr', {}, this.sortHeader('case', 'Case', 'Sort by case', 'case-cell'), ...run.models.map((m) => this.sortHeader(`status:${m}`, m, `${m}\nSort by this model's ${this.sortKey}`)));
    this.table.appendChild(h('thead', {}, head));
    // Model columns keep a readable width: a narrow panel scrolls sideways (the case column stays put).
    this.table.style.minWidth = `${MIN_CASE_WIDTH + run.models.length * MIN_MODEL_WIDTH}px`;
    const body = h('tbody');
    this.table.appendChild(body);
    if (this.rows.length === 0) {
      body.appendChild(h('tr', {}, h('td', { colspan: String(run.models.length + 1), class: 'muted' }, 'No case matches the filters.')));
      return;
    }
    const w = rowWindow(this.rows.length, top, viewport, ROW_HEIGHT);
    if (w.before > 0) body.appendChild(h('tr', { class: 'spacer-row', style: `height:${w.before}px` }));
    for (let r = w.start; r < w.end; r++) {
      const vr = this.rows[r]!;
      const tr = h('tr', { role: 'row', 'aria-rowindex': String(r + 2) });
      tr.appendChild(
        h(
          'th',
          { scope: 'row', class: 'case-cell', title: `${vr.row.label}\n${vr.row.suite}` },
          h('div', { class: 'case-label' }, vr.row.label),
          this.severalSuites ? h('div', { class: 'muted small' }, vr.row.suite) : null,
        ),
      );
      vr.cells.forEach((cell, c) => tr.appendChild(this.cellElement(cell, r, c)));
      body.appendChild(tr);
    }
    if (w.after > 0) body.appendChild(h('tr', { class: 'spacer-row', style: `height:${w.after}px` }));
    this.scroller.scrollTop = top;
    this.scroller.scrollLeft = left;
  }

  private cellElement(cell: ResultsCell | undefined, r: number, c: number): HTMLElement {
    const selected = this.sel?.r === r && this.sel.c === c;
    if (!cell) return h('td', { class: 'cell none', role: 'gridcell' }, h('span', { class: 'muted' }, '—'));
    // A cached cell's figures are the original call's: say so rather than pass them off as this run's.
    const figures = cell.cached ? 'cached' : [cell.latencyMs !== null ? formatMs(cell.latencyMs) : null, cell.cost !== null ? formatUsd(cell.cost) : null].filter(Boolean).join(' · ');
    const td = h(
      'td',
      {
        class: `cell ${cell.status}${cell.change ? ` ${cell.change}` : ''}${cell.newer ? ' newer' : ''}${selected ? ' selected' : ''}`,
        role: 'gridcell',
        'aria-selected': selected ? 'true' : 'false',
        'data-status': cell.status,
        'data-row': String(r),
        'data-col': String(c),
        title: cell.reason || verdictText(cell),
        onclick: () => this.select(r, c),
      },
      h('div', { class: 'verdict' }, verdictText(cell), cell.score !== null ? h('span', { class: 'score muted', title: 'score' }, cell.score.toFixed(2)) : null, cell.change === 'regression' ? h('span', { class: 'pill fail', title: 'Passed in the previous run' }, 'regression') : null, cell.change === 'fix' ? h('span', { class: 'pill pass', title: 'Failed in the previous run' }, 'fixed') : null, cell.newer ? h('span', { class: 'pill newer', title: 'Re-run on its own after the rest of this matrix' }, 'newer') : null),
      h('div', { class: 'muted small' }, figures || ' '),
    );
    return td;
  }

  private select(r: number, c: number): void {
    const run = this.run;
    const vr = this.rows[r];
    if (!run || !vr) return;
    this.sel = { r, c };
    this.view.selected = { rowKey: vr.row.key, model: run.models[c]!, repeatIndex: 0 };
    this.scrollIntoView(r);
    this.renderTable();
    this.scrollCellIntoView();
    this.renderSide();
    this.scroller.focus({ preventScroll: true });
    this.persistSoon();
  }

  private scrollIntoView(r: number): void {
    const top = r * ROW_HEIGHT;
    const headH = (this.table.tHead?.offsetHeight ?? ROW_HEIGHT) + 2;
    if (top < this.scroller.scrollTop) this.scroller.scrollTop = top;
    else if (top + ROW_HEIGHT + headH > this.scroller.scrollTop + this.scroller.clientHeight) this.scroller.scrollTop = top + ROW_HEIGHT + headH - this.scroller.clientHeight;
  }

  /**
   * Measures the drawn cell: below the sticky header row, right of the sticky case column, and inside the
   * page too when a narrow panel scrolls as a whole.
   */
  private scrollCellIntoView(): void {
    const td = this.table.querySelector<HTMLElement>('td.cell.selected');
    if (!td) return;
    const box = this.scroller.getBoundingClientRect();
    const cell = td.getBoundingClientRect();
    const headBottom = this.table.tHead?.getBoundingClientRect().bottom ?? box.top;
    const caseRight = this.table.tHead?.querySelector('th')?.getBoundingClientRect().right ?? box.left;
    if (cell.top < headBottom) this.scroller.scrollTop -= headBottom - cell.top;
    else if (cell.bottom > box.bottom) this.scroller.scrollTop += cell.bottom - box.bottom;
    if (cell.left < caseRight) this.scroller.scrollLeft -= caseRight - cell.left;
    else if (cell.right > box.right) this.scroller.scrollLeft += cell.right - box.right;
    td.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }

  private onKey(e: KeyboardEvent): void {
    const run = this.run;
    if (!run || this.rows.length === 0) return;
    const cols = run.models.length;
    const cur = this.sel ?? { r: 0, c: 0 };
    let next = cur;
    switch (e.key) {
      case 'ArrowDown':
        next = { r: Math.min(this.rows.length - 1, cur.r + (this.sel ? 1 : 0)), c: cur.c };
        break;
      case 'ArrowUp':
        next = { r: Math.max(0, cur.r - 1), c: cur.c };
        break;
      case 'ArrowRight':
        next = { r: cur.r, c: Math.min(cols - 1, cur.c + (this.sel ? 1 : 0)) };
        break;
      case 'ArrowLeft':
        next = { r: cur.r, c: Math.max(0, cur.c - 1) };
        break;
      case 'Home':
        next = { r: 0, c: cur.c };
        break;
      case 'End':
        next = { r: this.rows.length - 1, c: cur.c };
        break;
      case 'PageDown':
        next = { r: Math.min(this.rows.length - 1, cur.r + Math.max(1, Math.floor(this.scroller.clientHeight / ROW_HEIGHT) - 1)), c: cur.c };
        break;
      case 'PageUp':
        next = { r: Math.max(0, cur.r - Math.max(1, Math.floor(this.scroller.clientHeight / ROW_HEIGHT) - 1)), c: cur.c };
        break;
      case 'Enter': {
        const ref = this.selectedRef();
        if (ref) sendCommand(OpenCaseCommand, ref);
        e.preventDefault();
        return;
      }
      default:
        return;
    }
    e.preventDefault();
    this.select(next.r, next.c);
  }

  private selectedRef(): CellRef | undefined {
    const s = this.view.selected;
    return s ? { rowKey: s.rowKey, model: s.model, repeatIndex: s.repeatIndex } : undefined;
  }

  private selectedCell(): { cell: ResultsCell; row: ViewRow } | undefined {
    const run = this.run;
    if (!run || !this.sel) return undefined;
    const row = this.rows[this.sel.r];
    const cell = row?.cells[this.sel.c];
    return row && cell ? { cell, row } : undefined;
  }

  private renderSide(): void {
    clear(this.side);
    const run = this.run;
    const picked = this.selectedCell();
    if (!run || !picked) {
      this.side.appendChild(h('p', { class: 'muted' }, run ? 'Select a cell (click, or the arrow keys) to see why it passed or failed, and its output.' : ''));
      return;
    }
    const { cell, row } = picked;
    const repeatIndex = Math.min(this.view.selected?.repeatIndex ?? 0, Math.max(0, cell.executions.length - 1));
    const execution: ResultsExecution | undefined = cell.executions[repeatIndex];
    const ref: CellRef = { rowKey: row.row.key, model: cell.model, repeatIndex: execution?.repeatIndex ?? 0 };
    this.side.append(
      h('h2', { class: 'side-title' }, row.row.label),
      h('div', { class: 'muted mono' }, cell.model),
      h('div', { class: `verdict big ${cell.status}` }, verdictText(cell)),
    );
    if (cell.reason) this.side.appendChild(h('div', { class: `reason ${cell.status}`, 'data-testid': 'reason' }, cell.reason));
    if (cell.executions.length > 1) {
      const tabs = h('div', { class: 'repeats', role: 'tablist', 'aria-label': 'Repeats' });
      cell.executions.forEach((x, i) => {
        tabs.appendChild(
          h(
            'button',
            {
              class: `repeat ${x.status}${i === repeatIndex ? ' active' : ''}`,
              role: 'tab',
              'aria-selected': i === repeatIndex ? 'true' : 'false',
              title: x.reason,
              onclick: () => {
                if (this.view.selected) this.view.selected.repeatIndex = i;
                this.renderSide();
              },
            },
            `#${x.repeatIndex + 1} ${x.status === 'pass' ? '✓' : x.status === 'fail' ? '✗' : '!'}`,
          ),
        );
      });
      this.side.appendChild(tabs);
    }
    this.side.appendChild(this.actions(cell, execution, ref, run.canOpenTrace));
    if (!execution) {
      this.side.appendChild(h('p', { class: 'muted' }, cell.status === 'pending' || cell.status === 'running' ? 'Not finished yet.' : 'No result.'));
      return;
    }
    const figures = [
      execution.score !== null ? `score ${execution.score.toFixed(2)}` : null,
      execution.cached ? 'cached (no call made)' : null,
      execution.cached ? `originally ${formatMs(execution.latencyMs)}` : formatCallLatency(execution.latencyMs, execution.status === 'error'),
      execution.cost === null ? 'cost unknown' : `${execution.cached ? 'originally ' : ''}${formatUsd(execution.cost)}`,
      execution.errorKind ? `error: ${execution.errorKind}` : null,
    ]
      .filter(Boolean)
      .join(' · ');
    this.side.appendChild(h('div', { class: 'muted small' }, figures));
    if (execution.assertions.length > 0) {
      const list = h('ul', { class: 'assertions' });
      for (const a of execution.assertions) {
        const li = h('li', { class: a.pass ? 'pass' : 'fail' }, h('span', { class: 'mark' }, a.pass ? '✓ ' : '✗ '), h('b', {}, a.type), h('span', { class: 'muted' }, ` ${a.score.toFixed(2)} `), h('span', { class: 'assertion-reason' }, a.reason));
        if (!a.pass && a.expected !== undefined) li.appendChild(h('div', { class: 'expected' }, h('span', { class: 'muted' }, 'expected: '), h('code', {}, a.expected)));
        list.appendChild(li);
      }
      this.side.append(h('h3', {}, 'Assertions'), list);
    }
    // An error without output has its message above: no empty Output box under it.
    if (!(execution.status === 'error' && execution.output === '')) this.side.append(h('h3', {}, 'Output'), h('pre', { class: 'output' }, execution.output === '' ? '(empty)' : execution.output));
    const vars = Object.entries(row.row.vars);
    if (vars.length > 0) this.side.append(h('h3', {}, 'Variables'), h('pre', { class: 'vars' }, JSON.stringify(row.row.vars, null, 2)));
  }

  /**
   * The cell's actions, the sensible one first and primary: a passing output can become a new case; a
   * failing one wants a look at what happened (its trace, else its case).
   */
  private actions(cell: ResultsCell, execution: ResultsExecution | undefined, cellRef: CellRef, canOpenTrace: boolean): HTMLElement {
    const ref: CellRef = execution?.traceId ? { ...cellRef, traceId: execution.traceId } : cellRef;
    const failing = cell.status === 'fail' || cell.status === 'error' || cell.status === 'flaky';
    const trace: CellAction | null = canOpenTrace && execution?.traceId ? { label: 'Open trace', action: 'open-trace', run: () => sendCommand(OpenTraceCommand, ref) } : null;
    const bank: CellAction = { label: 'Add to test bank', action: 'add-to-bank', run: () => sendCommand(AddToTestBankCommand, ref), disabled: !execution || execution.status === 'error' };
    const openCase: CellAction = { label: 'Open case', action: 'open-case', run: () => sendCommand(OpenCaseCommand, ref) };
    const playground: CellAction = { label: 'Open in playground', action: 'open-playground', run: () => sendCommand(OpenPlaygroundCommand, ref) };
    const order = failing ? [trace ?? openCase, trace ? openCase : null, playground, bank] : [bank, openCase, playground, trace];
    const buttons = order
      .filter((a): a is CellAction => a !== null)
      .map((a, i) => h('button', { class: i === 0 ? 'btn' : 'btn secondary', 'data-action': a.action, onclick: a.run, disabled: a.disabled === true }, a.label));
    const rate = (rating: 1 | -1, label: string, title: string): HTMLElement =>
      h('button', { class: 'btn secondary', 'data-action': rating === 1 ? 'rate-good' : 'rate-bad', title, onclick: () => sendCommand(RateCellCommand, { ...ref, rating }) }, label);
    const rating = canOpenTrace && execution?.traceId && execution.status !== 'error' ? [rate(1, '👍 Good', 'Rate this output good (with a note)'), rate(-1, '👎 Bad', 'Rate this output bad (with a note)')] : [];
    return h('div', { class: 'actions' }, ...buttons, ...rating);
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.renderTable();
    });
  }

  private persistSoon(): void {
    if (this.persistTimer) return;
    this.persistTimer = setTimeout(() => {
      this.persistTimer = undefined;
      setState<ResultsViewState>({ ...this.view, ...(this.run ? { run: this.run } : {}) });
    }, 300);
  }
}

/** A latency percentile; when every call came from the cache there is no measurement, and it says so. */
function latencyFigure(ms: number | null, m: ResultsModelStats): string {
  return ms === null && (m.cached ?? 0) > 0 ? 'cached' : formatMs(ms);
}
