// The report page's DOM: summary, filters, the results matrix (cases × models, a chip per repeat), and the
// selected cell's detail with the reviewer's good/bad mark and note.
import type { ReviewCell, ReviewReportData, ReviewSuite, ReviewVerdict } from '../../../src/shared/reviewReport';
import { append, clear, h } from '../common/dom';
import { filterRows, Marks, modelsShown, rowsOf, type Filters, type Row } from './reviewState';

/** Rows drawn at first and per "Show more": a thousand-case report opens at once. */
const PAGE_ROWS = 200;

const STATUS_SIGN: Record<ReviewCell['status'], string> = { pass: '✓', fail: '✗', error: '!' };

function pct(x: number | null): string {
  return x === null ? '—' : `${(x * 100).toFixed(1)}%`;
}

function option(value: string, text: string, selected: boolean): HTMLOptionElement {
  const o = h('option', { value }, text);
  o.selected = selected;
  return o;
}

export class ReviewPage {
  private readonly marks: Marks;
  private readonly filters: Filters = { suite: 0, model: 'all', status: 'all', label: 'all', search: '' };
  private readonly rows: Row[][];
  private shownRows = PAGE_ROWS;
  private selected: ReviewCell | undefined;
  private readonly matrix = h('div', { class: 'matrix-area' });
  private readonly detail = h('aside', { class: 'detail', 'data-testid': 'detail' });
  private readonly count = h('span', { class: 'muted', 'data-testid': 'label-count' });
  private readonly shown = h('span', { class: 'muted', 'data-testid': 'shown-count' });

  constructor(
    private readonly root: HTMLElement,
    private readonly data: ReviewReportData,
  ) {
    this.marks = new Marks(data.reportId);
    this.rows = data.suites.map(rowsOf);
  }

  render(): void {
    clear(this.root);
    append(this.root, this.header(), ...this.data.suites.map((s) => this.summary(s)), this.filterBar(), h('div', { class: 'layout' }, this.matrix, this.detail));
    this.updateCount();
    this.drawMatrix();
    this.drawDetail();
  }

  private get suite(): ReviewSuite {
    return this.data.suites[this.filters.suite]!;
  }

  private header(): HTMLElement {
    const save = h('button', { class: 'primary', 'data-testid': 'save-labels', onclick: () => this.saveLabels() }, 'Save labels');
    return h(
      'header',
      {},
      h('div', {}, h('h1', {}, 'Assay review'), h('div', { class: 'muted' }, `${this.data.tool} — written ${this.data.generatedAt.replace('T', ' ').slice(0, 16)} UTC`)),
      h('div', { class: 'labels-bar' }, this.count, save),
    );
  }

  private summary(s: ReviewSuite): HTMLElement {
    const table = h(
      'table',
      { class: 'models' },
      h('tr', {}, ...['model', 'pass rate', '95% CI', 'pass', 'fail', 'error'].map((t) => h('th', {}, t))),
      ...s.models.map((m) =>
        h(
          'tr',
          {},
          h('td', {}, m.model),
          h('td', { class: 'num' }, pct(m.passRate)),
          h('td', { class: 'num' }, m.interval ? `${pct(m.interval.low)}–${pct(m.interval.high)}` : '—'),
          h('td', { class: 'num' }, String(m.passes)),
          h('td', { class: 'num' }, String(m.fails)),
          h('td', { class: 'num' }, String(m.errors)),
        ),
      ),
    );
    const comparisons = s.comparisons.map((c) =>
      c.previousStartedAt === null
        ? h('p', { class: 'comparison muted' }, `${c.model}: no previous run to compare with`)
        : h(
            'div',
            { class: `comparison ${c.verdict ?? ''}`, 'data-testid': 'comparison' },
            h('div', {}, `${c.model} vs the run of ${c.previousStartedAt.replace('T', ' ').slice(0, 16)} UTC: ${c.regressions.length} regressions, ${c.fixes.length} fixes`),
            c.significance ? h('div', {}, c.significance) : null,
            c.scoreSignificance ? h('div', {}, c.scoreSignificance) : null,
            c.regressions.length > 0 ? h('div', { class: 'muted' }, `Regressions: ${c.regressions.join('; ')}`) : null,
          ),
    );
    const where = [s.promptPath, s.bankPath].filter((p) => p !== null).join(' · ');
    return h('section', { class: 'summary' }, h('h2', {}, s.name), where ? h('div', { class: 'muted' }, where) : null, table, ...comparisons);
  }

  private filterBar(): HTMLElement {
    const redraw = (): void => {
      this.shownRows = PAGE_ROWS;
      this.drawMatrix();
    };
    const select = (testId: string, options: [string, string][], current: string, set: (v: string) => void): HTMLSelectElement => {
      const el = h('select', { 'data-testid': testId, onchange: () => (set(el.value), redraw()) }, ...options.map(([v, t]) => option(v, t, v === current)));
      return el;
    };
    const suites = this.data.suites.length > 1 ? select('filter-suite', this.data.suites.map((s, i) => [String(i), s.name]), '0', (v) => ((this.filters.suite = Number(v)), (this.filters.model = 'all'), this.render())) : null;
    const models = select('filter-model', [['all', 'All models'], ...this.suite.models.map((m): [string, string] => [m.model, m.model])], this.filters.model, (v) => (this.filters.model = v));
    const status = select('filter-status', [['all', 'Any status'], ['pass', 'Passed'], ['fail', 'Failed'], ['error', 'Errors']], this.filters.status, (v) => (this.filters.status = v as Filters['status']));
    const label = select('filter-label', [['all', 'Any label'], ['unlabeled', 'Not labeled'], ['good', 'Good'], ['bad', 'Bad']], this.filters.label, (v) => (this.filters.label = v as Filters['label']));
    const search = h('input', { type: 'search', placeholder: 'Search cases, outputs, reasons', 'data-testid': 'search', 'aria-label': 'Search' });
    search.value = this.filters.search;
    search.addEventListener('input', () => ((this.filters.search = search.value), redraw()));
    return h('div', { class: 'filters' }, suites, models, status, label, search, this.shown);
  }

  private drawMatrix(): void {
    const suite = this.suite;
    const rows = filterRows(suite, this.rows[this.filters.suite]!, this.filters, this.marks.byKey);
    const models = modelsShown(suite, this.filters);
    this.shown.textContent = `${rows.length} of ${suite.cases.length} cases`;
    const body = rows.slice(0, this.shownRows).map((row) => this.rowElement(suite, row, models));
    clear(this.matrix);
    append(
      this.matrix,
      h('table', { class: 'matrix', 'data-testid': 'matrix' }, h('tr', {}, h('th', {}, 'Case'), ...models.map((m) => h('th', {}, m))), ...body),
      rows.length > this.shownRows
        ? h('button', { class: 'more', 'data-testid': 'show-more', onclick: () => ((this.shownRows += PAGE_ROWS), this.drawMatrix()) }, `Show more (${rows.length - this.shownRows} left)`)
        : null,
    );
  }

  private rowElement(suite: ReviewSuite, row: Row, models: string[]): HTMLElement {
    const c = suite.cases[row.caseIndex]!;
    return h(
      'tr',
      { 'data-testid': 'row', 'data-case-id': c.id },
      h('td', { class: 'case' }, c.description ?? c.id),
      ...models.map((m) => h('td', {}, ...(row.cells.get(m) ?? []).map((cell) => this.chip(cell)))),
    );
  }

  private chip(cell: ReviewCell): HTMLElement {
    const mark = this.marks.byKey.get(cell.key);
    const score = cell.score === null ? '' : ` ${cell.score.toFixed(2)}`;
    return h(
      'button',
      {
        class: `chip ${cell.status}${this.selected === cell ? ' selected' : ''}`,
        'data-testid': 'cell',
        'data-key': cell.key,
        title: `${cell.status}${cell.repeatIndex > 0 ? `, repeat ${cell.repeatIndex + 1}` : ''}`,
        onclick: () => this.select(cell),
      },
      `${STATUS_SIGN[cell.status]}${score}`,
      mark ? h('span', { class: 'mark', 'data-testid': 'cell-mark' }, mark.label === 'good' ? '👍' : '👎') : null,
    );
  }

  private select(cell: ReviewCell): void {
    this.selected = cell;
    this.drawMatrix();
    this.drawDetail();
  }

  private drawDetail(): void {
    clear(this.detail);
    const cell = this.selected;
    if (!cell) {
      append(this.detail, h('p', { class: 'muted' }, 'Select a result to read its output and assertions, and to mark it good or bad.'));
      return;
    }
    const c = this.suite.cases[cell.caseIndex]!;
    append(
      this.detail,
      h('h2', {}, c.description ?? c.id),
      h('div', { class: 'muted' }, `${cell.model}${cell.repeatIndex > 0 ? ` — repeat ${cell.repeatIndex + 1}` : ''} — ${cell.latencyMs} ms`),
      h('p', { class: cell.status, 'data-testid': 'detail-status' }, `${cell.status.toUpperCase()}${cell.score === null ? '' : ` (score ${cell.score.toFixed(2)})`}: ${cell.reason}`),
      cell.error ? h('p', { class: 'error' }, cell.error) : null,
      h('h3', {}, 'Output'),
      h('pre', { 'data-testid': 'detail-output' }, cell.output === '' ? '(empty)' : cell.output),
      h('h3', {}, 'Assertions'),
      cell.assertions.length === 0 ? h('p', { class: 'muted' }, 'None ran.') : null,
      ...cell.assertions.map((a) =>
        h('div', { class: 'assertion', 'data-testid': 'assertion' }, h('span', { class: a.pass ? 'pass' : 'fail' }, a.pass ? '✓ ' : '✗ '), h('span', { class: 'type' }, a.type), a.modelGraded ? h('span', { class: 'muted', 'data-testid': 'judge' }, a.judgeStanding ? ` (judge, ${a.judgeStanding})` : ' (judge)') : null, ` ${a.score.toFixed(2)} — ${a.reason}`),
      ),
      Object.keys(c.vars).length > 0 ? h('h3', {}, 'Variables') : null,
      Object.keys(c.vars).length > 0 ? h('pre', {}, JSON.stringify(c.vars, null, 2)) : null,
      this.reviewControls(cell),
    );
  }

  private reviewControls(cell: ReviewCell): HTMLElement {
    const mark = this.marks.byKey.get(cell.key);
    const note = h('textarea', { 'data-testid': 'label-note', placeholder: 'Note (why it is good or bad)', 'aria-label': 'Note' });
    note.value = mark?.note ?? '';
    const set = (label: ReviewVerdict | null): void => {
      this.marks.set(cell.key, label, note.value);
      this.updateCount();
      this.drawMatrix();
      this.drawDetail();
    };
    note.addEventListener('input', () => {
      const current = this.marks.byKey.get(cell.key);
      if (current) this.marks.set(cell.key, current.label, note.value);
    });
    const button = (label: ReviewVerdict, text: string): HTMLElement =>
      h('button', { 'data-testid': `label-${label}`, 'aria-pressed': String(mark?.label === label), onclick: () => set(label) }, text);
    return h(
      'div',
      { class: 'review' },
      h('h3', {}, 'Your review'),
      cell.traceId === null ? h('p', { class: 'muted' }, 'This run was not recorded in a history, so a label saved here cannot be imported.') : null,
      h('div', { class: 'buttons' }, button('good', '👍 Good'), button('bad', '👎 Bad'), mark ? h('button', { 'data-testid': 'label-clear', onclick: () => set(null) }, 'Clear') : null),
      note,
    );
  }

  private updateCount(): void {
    const n = this.marks.byKey.size;
    this.count.textContent = `${n} labeled`;
  }

  private saveLabels(): void {
    const file = this.marks.file(this.data);
    const url = URL.createObjectURL(new Blob([JSON.stringify(file, null, 2)], { type: 'application/json' }));
    const a = h('a', { href: url, download: `assay-labels-${this.data.reportId}.json` });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
}
