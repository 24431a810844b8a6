// The report page's state without the DOM: which cells the filters keep, and the reviewer's marks (kept in
// localStorage under the report's id until saved, so closing the tab loses nothing).
import {
  REVIEW_FORMAT_VERSION,
  REVIEW_LABELS_FORMAT,
  type ReviewCell,
  type ReviewLabelsFile,
  type ReviewReportData,
  type ReviewSuite,
  type ReviewVerdict,
} from '../../../src/shared/reviewReport';

export interface Filters {
  suite: number;
  model: string;
  status: 'all' | ReviewCell['status'];
  label: 'all' | 'unlabeled' | ReviewVerdict;
  search: string;
}

export interface Mark {
  label: ReviewVerdict;
  note: string;
  labeledAt: string;
}

/** One row of the matrix: a case and its cells per model (repeats in order). */
export interface Row {
  caseIndex: number;
  cells: Map<string, ReviewCell[]>;
}

/** The cases of a suite as rows, in the suite's order. */
export function rowsOf(suite: ReviewSuite): Row[] {
  const rows: Row[] = suite.cases.map((_, caseIndex) => ({ caseIndex, cells: new Map() }));
  for (const cell of suite.cells) {
    const row = rows[cell.caseIndex]!;
    const list = row.cells.get(cell.model) ?? [];
    list.push(cell);
    row.cells.set(cell.model, list);
  }
  return rows;
}

const haystacks = new WeakMap<ReviewCell, string>();

function cellText(suite: ReviewSuite, cell: ReviewCell): string {
  let text = haystacks.get(cell);
  if (text === undefined) {
    const c = suite.cases[cell.caseIndex]!;
    text = [c.id, c.description ?? '', JSON.stringify(c.vars), cell.model, cell.output, cell.reason, cell.error ?? '', ...cell.assertions.flatMap((a) => [a.type, a.reason])]
      .join('\n')
      .toLowerCase();
    haystacks.set(cell, text);
  }
  return text;
}

/** Whether the filters keep a cell (the model filter is applied to the columns, not here). */
export function keepsCell(suite: ReviewSuite, cell: ReviewCell, f: Filters, marks: ReadonlyMap<string, Mark>): boolean {
  if (f.status !== 'all' && cell.status !== f.status) return false;
  const mark = marks.get(cell.key);
  if (f.label === 'unlabeled' && mark) return false;
  if ((f.label === 'good' || f.label === 'bad') && mark?.label !== f.label) return false;
  const needle = f.search.trim().toLowerCase();
  return needle === '' || cellText(suite, cell).includes(needle);
}

/** The models shown as columns. */
export function modelsShown(suite: ReviewSuite, f: Filters): string[] {
  const all = suite.models.map((m) => m.model);
  return f.model === 'all' ? all : all.filter((m) => m === f.model);
}

/** The rows with at least one kept cell in a shown column, each with only its kept cells. */
export function filterRows(suite: ReviewSuite, rows: readonly Row[], f: Filters, marks: ReadonlyMap<string, Mark>): Row[] {
  const models = modelsShown(suite, f);
  const out: Row[] = [];
  for (const row of rows) {
    const cells = new Map<string, ReviewCell[]>();
    for (const m of models) {
      const kept = (row.cells.get(m) ?? []).filter((c) => keepsCell(suite, c, f, marks));
      if (kept.length > 0) cells.set(m, kept);
    }
    if (cells.size > 0) out.push({ caseIndex: row.caseIndex, cells });
  }
  return out;
}

/** The reviewer's marks, by cell key. */
export class Marks {
  readonly byKey = new Map<string, Mark>();
  private readonly storageKey: string;

  constructor(reportId: string) {
    this.storageKey = `assay-review:${reportId}`;
    for (const [k, v] of Object.entries(this.load())) if (v && (v.label === 'good' || v.label === 'bad')) this.byKey.set(k, { label: v.label, note: String(v.note ?? ''), labeledAt: String(v.labeledAt ?? '') });
  }

  set(key: string, label: ReviewVerdict | null, note: string): void {
    if (label === null) this.byKey.delete(key);
    else this.byKey.set(key, { label, note, labeledAt: new Date().toISOString() });
    this.store();
  }

  /** The labels file for the marks made so far. */
  file(data: ReviewReportData): ReviewLabelsFile {
    const cells = new Map(data.suites.flatMap((s) => s.cells.map((c) => [c.key, { suite: s, cell: c }] as const)));
    const labels: ReviewLabelsFile['labels'] = [];
    for (const [key, mark] of this.byKey) {
      const found = cells.get(key);
      if (!found) continue;
      const { suite, cell } = found;
      labels.push({
        traceId: cell.traceId,
        runId: suite.runId,
        caseId: suite.cases[cell.caseIndex]!.id,
        model: cell.model,
        repeatIndex: cell.repeatIndex,
        label: mark.label,
        note: mark.note,
        labeledAt: mark.labeledAt,
      });
    }
    return { format: REVIEW_LABELS_FORMAT, version: REVIEW_FORMAT_VERSION, reportId: data.reportId, savedAt: new Date().toISOString(), labels };
  }

  private load(): Record<string, Partial<Mark>> {
    try {
      const text = window.localStorage.getItem(this.storageKey);
      const parsed: unknown = text ? JSON.parse(text) : {};
      return parsed && typeof parsed === 'object' ? (parsed as Record<string, Partial<Mark>>) : {};
    } catch {
      return {};
    }
  }

  private store(): void {
    try {
      window.localStorage.setItem(this.storageKey, JSON.stringify(Object.fromEntries(this.byKey)));
    } catch {
      // Storage can be off (private windows, some file:// policies); the marks still live until the tab closes.
    }
  }
}
