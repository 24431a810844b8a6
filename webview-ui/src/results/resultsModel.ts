// The results matrix as data: which rows a filter keeps, in which order, and how cell updates merge in.
// No DOM here, so it is tested (and benchmarked with 2,000 cells) in Node.
import type { CellStatus, ResultsCell, ResultsRow, ResultsState, ResultsViewState } from '../../../src/shared/resultsProtocol';

/** A row as the table draws it: the case and its cells in column (model) order. */
export interface ViewRow {
  row: ResultsRow;
  /** Index into `state.rows`. */
  index: number;
  cells: (ResultsCell | undefined)[];
}

/** The sort keys a model column offers. */
export type CellSortKey = 'status' | 'score' | 'latency' | 'cost';

/** Sort: `case`, or `<key>:<model>` (e.g. `status:openai:gpt-5.5`). */
export interface SortSpec {
  column: string;
  descending: boolean;
}

export const DEFAULT_VIEW_STATE: ResultsViewState = {
  filter: { failures: false, regressions: false, flaky: false, text: '' },
  sort: { column: 'order', descending: false },
};

/** Worst first when sorting by status ascending. */
const STATUS_RANK: Record<CellStatus, number> = { fail: 0, error: 1, flaky: 2, running: 3, pending: 4, pass: 5 };

/** Cells of the run indexed by row and column. */
export function cellGrid(state: ResultsState): (ResultsCell | undefined)[][] {
  const col = new Map(state.models.map((m, i) => [m, i]));
  const grid: (ResultsCell | undefined)[][] = state.rows.map(() => new Array<ResultsCell | undefined>(state.models.length));
  for (const c of state.cells) {
    const j = col.get(c.model);
    if (j !== undefined && grid[c.row]) grid[c.row]![j] = c;
  }
  return grid;
}

/** Replaces cells of `state` by (row, model) with `updates`; returns how many were found. */
export function mergeCells(state: ResultsState, updates: readonly ResultsCell[]): number {
  const at = new Map<string, number>();
  state.cells.forEach((c, i) => at.set(`${c.row}\u0000${c.model}`, i));
  let merged = 0;
  for (const u of updates) {
    const i = at.get(`${u.row}\u0000${u.model}`);
    if (i === undefined) continue;
    state.cells[i] = u;
    merged++;
  }
  return merged;
}

function isBad(c: ResultsCell | undefined): boolean {
  return c !== undefined && (c.status === 'fail' || c.status === 'error' || c.status === 'flaky');
}

function searchText(row: ResultsRow, cells: (ResultsCell | undefined)[]): string {
  const outputs = cells.map((c) => (c ? `${c.reason}\n${c.executions.map((e) => e.output).join('\n')}` : '')).join('\n');
  return `${row.label}\n${row.caseId}\n${row.suite}\n${JSON.stringify(row.vars)}\n${outputs}`.toLowerCase();
}

function sortValue(cell: ResultsCell | undefined, key: CellSortKey): number {
  if (!cell) return Number.POSITIVE_INFINITY;
  switch (key) {
    case 'status':
      return STATUS_RANK[cell.status] * 10 + (cell.total > 0 ? cell.passes / cell.total : 0);
    case 'score':
      return cell.score ?? Number.POSITIVE_INFINITY;
    case 'latency':
      return cell.latencyMs ?? Number.POSITIVE_INFINITY;
    case 'cost':
      return cell.cost ?? Number.POSITIVE_INFINITY;
  }
}

/** The rows a filter keeps, sorted. Toggles combine with "or"; the text search narrows further. */
export function visibleRows(state: ResultsState, view: Pick<ResultsViewState, 'filter' | 'sort'>, grid = cellGrid(state)): ViewRow[] {
  const { failures, regressions, flaky, text } = view.filter;
  const needle = text.trim().toLowerCase();
  const anyToggle = failures || regressions || flaky;
  const out: ViewRow[] = [];
  state.rows.forEach((row, index) => {
    const cells = grid[index] ?? [];
    if (anyToggle) {
      const keep =
        (failures && cells.some(isBad)) || (regressions && cells.some((c) => c?.change === 'regression')) || (flaky && cells.some((c) => c?.status === 'flaky'));
      if (!keep) return;
    }
    if (needle !== '' && !searchText(row, cells).includes(needle)) return;
    out.push({ row, index, cells });
  });
  const { column, descending } = view.sort;
  const sign = descending ? -1 : 1;
  if (column === 'case') {
    out.sort((a, b) => sign * (a.row.label.localeCompare(b.row.label) || a.index - b.index));
  } else if (column === 'order') {
    out.sort((a, b) => sign * (a.index - b.index));
  } else {
    const colon = column.indexOf(':');
    const key = column.slice(0, colon) as CellSortKey;
    const j = state.models.indexOf(column.slice(colon + 1));
    if (j >= 0) {
      out.sort((a, b) => {
        const va = sortValue(a.cells[j], key);
        const vb = sortValue(b.cells[j], key);
        if (va === vb) return a.index - b.index;
        // Missing values stay last whichever way the column sorts.
        if (!Number.isFinite(va)) return 1;
        if (!Number.isFinite(vb)) return -1;
        return sign * (va - vb);
      });
    }
  }
  return out;
}

/** The rows of `rows` to draw for a scroll position: a window around the viewport, with spacer heights. */
export function rowWindow(count: number, scrollTop: number, viewportHeight: number, rowHeight: number, overscan = 10): { start: number; end: number; before: number; after: number } {
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(count, Math.ceil((scrollTop + viewportHeight) / rowHeight) + overscan);
  return { start: first, end: last, before: first * rowHeight, after: Math.max(0, (count - last) * rowHeight) };
}

/** US dollars: `$0.0004`, `$0.000088` (two significant digits below 10 cents), `$1.25`. */

/** `85.0%`, `—` for null. */
export function percent(rate: number | null): string {
  return rate === null ? '—' : `${(rate * 100).toFixed(1)}%`;
}

/** What a cell shows as its verdict: `✓ pass`, `✗ fail`, `3/5 flaky`… */
export function verdictText(c: ResultsCell): string {
  const k = c.total > 1 ? `${c.passes}/${c.total} ` : '';
  switch (c.status) {
    case 'pass':
      return `✓ ${k}pass`;
    case 'fail':
      return `✗ ${k}fail`;
    case 'error':
      return `! ${k}error`;
    case 'flaky':
      return `≈ ${k}flaky`;
    case 'running':
      return c.executions.length > 0 ? `… ${c.executions.length}/${c.total}` : '… running';
    case 'pending':
      return '· pending';
  }
}
