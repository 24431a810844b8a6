// A run as the results panel shows it (src/shared/resultsProtocol.ts): rows from the suites' cases, one
// cell per case × model filled as executions finish, statistics and the comparison with the previous run
// once it ends. Pure (no `vscode`), so the matrix's data is tested in Node.
import type { AssertionResult } from '../../core/assertions/assertionTypes';
import type { CaseExecution, ModelComparison, RunReport } from '../../core/run/runReport';
import type { TestSuite } from '../../core/run/testSuite';
import { percentile } from '../../core/stats/percentiles';
import { describeChange } from '../../core/stats/significance';
import { describeScoreChange } from '../../core/stats/pairedScores';
import { wilsonInterval } from '../../core/stats/wilson';
import type { TestCase } from '../../core/testBank/testBankTypes';
import type { ResultsAssertion, ResultsCell, ResultsExecution, ResultsModelStats, ResultsRow, ResultsState } from '../../shared/resultsProtocol';

/** Assertion types whose expected value and the output are worth a diff. */
const DIFFABLE = new Set(['equals', 'starts-with', 'levenshtein']);

/** The expected text of an equality-like assertion (`equals`, `starts-with`, `levenshtein`), else undefined. */
export function expectedText(testCase: TestCase | undefined, result: Pick<AssertionResult, 'type' | 'index'>): string | undefined {
  if (!DIFFABLE.has(result.type)) return undefined;
  const value = testCase?.assert[result.index]?.value;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value !== null && typeof value === 'object') return JSON.stringify(value, null, 2);
  return undefined;
}

type Significance = ResultsModelStats['significance'];

/** Of two suites' verdicts for one model, the one to show: a significant regression first, then the smaller p. */
/** The badge's tooltip: the pass-rate change, then the paired test on scores when both runs have scores. */
function changeText(cmp: ModelComparison): string {
  const rate = describeChange(cmp.significance!);
  return cmp.scoreChange && cmp.scoreChange.cases > 0 ? `${rate}\n${describeScoreChange(cmp.scoreChange)}` : rate;
}

function telling(a: Significance, b: Significance): Significance {
  if (!a || !b) return a ?? b;
  const regression = (s: NonNullable<Significance>) => s.verdict === 'significant-regression';
  if (regression(a) !== regression(b)) return regression(a) ? a : b;
  return (b.pValue ?? 1) < (a.pValue ?? 1) ? b : a;
}

function rowKey(suiteIndex: number, caseId: string): string {
  return `${suiteIndex}:${caseId}`;
}

/** Builds, updates and finishes the panel's view of one run. */
export class ResultsBuilder {
  readonly state: ResultsState;
  private readonly cellIndex = new Map<string, ResultsCell>();
  private readonly rowIndex = new Map<string, number>();

  /**
   * @param toUri  the URI string of a file path (the host passes `vscode.Uri.file(p).toString()`).
   * @param repeat the run's repeat override, as given to `runTests`.
   */
  constructor(
    runId: string,
    title: string,
    private readonly suites: readonly TestSuite[],
    options: { toUri: (path: string) => string; repeat?: number; canOpenTrace: boolean; startedAt?: number },
  ) {
    const models: string[] = [];
    const rows: ResultsRow[] = [];
    const cells: ResultsCell[] = [];
    let total = 0;
    suites.forEach((suite, s) => {
      for (const m of suite.models) if (!models.includes(m.label)) models.push(m.label);
      for (const c of suite.cases) {
        const key = rowKey(s, c.id);
        if (this.rowIndex.has(key)) continue;
        const row = rows.length;
        this.rowIndex.set(key, row);
        rows.push({
          key,
          suite: suite.name,
          caseId: c.id,
          label: c.description ?? caseTitle(c),
          vars: c.vars,
          uri: options.toUri(c.source.file),
          ...(c.range ? { line: c.range.start.line } : {}),
        });
        const repeats = Math.max(1, Math.floor(options.repeat ?? c.repeat ?? 1));
        for (const m of suite.models) {
          const cell: ResultsCell = { row, model: m.label, status: 'pending', passes: 0, total: repeats, score: null, latencyMs: null, cost: null, reason: '', executions: [] };
          this.cellIndex.set(`${row}\u0000${m.label}`, cell);
          cells.push(cell);
          total += repeats;
        }
      }
    });
    this.state = {
      runId,
      title,
      status: 'running',
      startedAt: options.startedAt ?? Date.now(),
      endedAt: null,
      done: 0,
      total,
      models,
      rows,
      cells,
      stats: [],
      totals: { passed: 0, failed: 0, errors: 0, flaky: 0, cost: 0, costUnknown: 0, durationMs: null },
      canOpenTrace: options.canOpenTrace,
    };
  }

  /** The cell of a case on a model. */
  cell(suiteIndex: number, caseId: string, model: string): ResultsCell | undefined {
    const row = this.rowIndex.get(rowKey(suiteIndex, caseId));
    return row === undefined ? undefined : this.cellIndex.get(`${row}\u0000${model}`);
  }

  /** Marks a cell as running. */
  started(suiteIndex: number, caseId: string, model: string): ResultsCell | undefined {
    const cell = this.cell(suiteIndex, caseId, model);
    if (cell && cell.status === 'pending') cell.status = 'running';
    return cell;
  }

  /** Adds a finished execution to its cell; returns the cell (to send to the panel). */
  finished(suiteIndex: number, e: CaseExecution): ResultsCell | undefined {
    const cell = this.cell(suiteIndex, e.caseId, e.model);
    if (!cell) return undefined;
    const testCase = this.suites[suiteIndex]?.cases[e.caseIndex];
    const assertions: ResultsAssertion[] = e.assertions.map((a) => {
      const expected = expectedText(testCase, a);
      return { type: a.type, pass: a.pass, score: a.score, reason: a.reason, ...(expected !== undefined ? { expected } : {}), ...(a.error ? { error: a.error } : {}) };
    });
    const execution: ResultsExecution = {
      repeatIndex: e.repeatIndex,
      status: e.status,
      reason: e.reason,
      output: e.output,
      score: e.score,
      latencyMs: e.latencyMs,
      cost: e.cost,
      traceId: e.traceId,
      ...(e.error ? { errorKind: e.error.kind } : {}),
      ...(e.cacheHit ? { cached: true } : {}),
      assertions,
    };
    cell.executions.push(execution);
    cell.executions.sort((a, b) => a.repeatIndex - b.repeatIndex);
    cell.total = Math.max(cell.total, e.repeats);
    this.state.done++;
    summarizeCell(cell);
    return cell;
  }

  /** Fills statistics, totals and the comparison from the reports (one per suite, in order). */
  finish(reports: readonly RunReport[], endedAt = Date.now()): ResultsState {
    const s = this.state;
    s.status = reports.some((r) => r.status === 'cancelled') ? 'cancelled' : 'done';
    s.endedAt = endedAt;
    const stats = new Map<string, ResultsModelStats>();
    reports.forEach((report, suiteIndex) => {
      for (const m of report.models) {
        const cmp = report.comparisons.find((c) => c.model === m.model);
        const prev = stats.get(m.model);
        const next: ResultsModelStats = {
          model: m.model,
          trials: m.trials + (prev?.trials ?? 0),
          passes: m.passes + (prev?.passes ?? 0),
          fails: m.fails + (prev?.fails ?? 0),
          errors: m.errors + (prev?.errors ?? 0),
          passRate: null,
          low: m.interval.low,
          high: m.interval.high,
          flaky: m.flaky.length + (prev?.flaky ?? 0),
          cost: m.cost.total + (prev?.cost ?? 0),
          costUnknown: m.cost.unknown + (prev?.costUnknown ?? 0),
          p50Ms: m.latency.p50,
          p95Ms: m.latency.p95,
          regressions: cmp?.comparison ? cmp.comparison.regressions.length + (prev?.regressions ?? 0) : (prev?.regressions ?? null),
          fixes: cmp?.comparison ? cmp.comparison.fixes.length + (prev?.fixes ?? 0) : (prev?.fixes ?? null),
          previousRunAt: cmp?.previousStartedAt ?? prev?.previousRunAt ?? null,
          significance: telling(prev?.significance ?? null, cmp?.significance ? { verdict: cmp.significance.verdict, pValue: cmp.significance.pValue, text: changeText(cmp) } : null),
        };
        next.passRate = next.trials > 0 ? next.passes / next.trials : null;
        if (prev) {
          // Several suites: the interval of the pooled counts (the report's covers one suite only).
          const pooled = wilsonInterval(next.passes, next.trials);
          next.low = pooled.low;
          next.high = pooled.high;
        }
        stats.set(m.model, next);
        if (cmp?.comparison) {
          for (const r of cmp.comparison.regressions) this.markChange(suiteIndex, r.caseId, m.model, 'regression');
          for (const f of cmp.comparison.fixes) this.markChange(suiteIndex, f.caseId, m.model, 'fix');
        }
      }
    });
    s.stats = s.models.map((m) => stats.get(m)).filter((x): x is ResultsModelStats => x !== undefined);
    for (const m of s.stats) m.cached = s.cells.filter((c) => c.model === m.model).reduce((n, c) => n + c.executions.filter((x) => x.cached).length, 0);
    let cost = 0;
    let costUnknown = 0;
    for (const r of reports) {
      cost += r.totals.cost + r.totals.graderCost;
      costUnknown += r.totals.costUnknown;
    }
    const cells = s.cells;
    s.totals = {
      ...countCells(cells),
      cost,
      costUnknown,
      durationMs: reports.reduce((max, r) => Math.max(max, r.durationMs), 0),
    };
    // Cells never started (cancelled before they ran, or a suite that never ran) end as errors.
    for (const c of cells) {
      if (c.status === 'pending' || c.status === 'running') {
        c.status = c.executions.length > 0 ? c.status : 'error';
        if (c.executions.length === 0) c.reason = s.status === 'cancelled' ? 'Cancelled before it started' : 'Not run';
      }
    }
    return s;
  }

  /**
   * Merges a partial run (some cases or models re-run on their own) into this finished run: its cells
   * replace the matching ones (same suite, case and model) and are marked newer, cases new since get rows,
   * and the totals and per-model figures are counted again over the whole matrix.
   */
  mergePartial(partial: ResultsState): ResultsState {
    const s = this.state;
    for (const cell of partial.cells) {
      const row = partial.rows[cell.row]!;
      let at = s.rows.findIndex((r) => r.suite === row.suite && r.caseId === row.caseId);
      if (at < 0) {
        at = s.rows.length;
        s.rows.push({ ...row, key: `${row.key}~${partial.runId}` });
        this.rowIndex.set(s.rows[at]!.key, at);
      }
      if (!s.models.includes(cell.model)) s.models.push(cell.model);
      const merged: ResultsCell = { ...cell, row: at, newer: true };
      delete merged.change;
      const key = `${at}\u0000${cell.model}`;
      const old = this.cellIndex.get(key);
      if (old) s.cells[s.cells.indexOf(old)] = merged;
      else s.cells.push(merged);
      this.cellIndex.set(key, merged);
    }
    s.cells.sort((a, b) => a.row - b.row || s.models.indexOf(a.model) - s.models.indexOf(b.model));
    s.endedAt = partial.endedAt ?? s.endedAt;
    s.status = partial.status === 'cancelled' ? 'cancelled' : s.status;
    this.recount();
    return s;
  }

  /**
   * Drops the rows of cases that no longer exist (`exists` says which do), with their cells; figures are
   * counted again. Returns whether a row went.
   */
  dropRows(exists: (row: ResultsRow) => boolean): boolean {
    const s = this.state;
    const kept = s.rows.map((row, i) => ({ row, i })).filter(({ row }) => exists(row));
    if (kept.length === s.rows.length) return false;
    const renumber = new Map(kept.map(({ i }, n) => [i, n]));
    s.rows = kept.map(({ row }) => row);
    s.cells = s.cells.filter((c) => renumber.has(c.row)).map((c) => Object.assign(c, { row: renumber.get(c.row)! }));
    this.rowIndex.clear();
    this.cellIndex.clear();
    s.rows.forEach((row, i) => this.rowIndex.set(row.key, i));
    for (const c of s.cells) this.cellIndex.set(`${c.row}\u0000${c.model}`, c);
    this.recount();
    return true;
  }

  /** Progress, totals and per-model figures from the cells (after a merge or a drop). */
  private recount(): void {
    const s = this.state;
    s.done = s.cells.reduce((n, c) => n + c.executions.length, 0);
    s.total = s.cells.reduce((n, c) => n + Math.max(c.total, c.executions.length), 0);
    s.stats = s.models.map((m) => recountStats(m, s.cells.filter((c) => c.model === m), s.stats.find((x) => x.model === m)));
    s.totals = {
      ...countCells(s.cells),
      cost: s.cells.reduce((n, c) => n + (c.cost ?? 0), 0),
      costUnknown: s.cells.reduce((n, c) => n + c.executions.filter((e) => e.cost === null && e.status !== 'error').length, 0),
      durationMs: s.totals.durationMs,
    };
  }

  private markChange(suiteIndex: number, caseId: string, model: string, change: 'regression' | 'fix'): void {
    const cell = this.cell(suiteIndex, caseId, model);
    if (cell) cell.change = change;
  }
}

/** Cells by status. */
function countCells(cells: readonly ResultsCell[]): { passed: number; failed: number; errors: number; flaky: number } {
  return {
    passed: cells.filter((c) => c.status === 'pass').length,
    failed: cells.filter((c) => c.status === 'fail').length,
    errors: cells.filter((c) => c.status === 'error').length,
    flaky: cells.filter((c) => c.status === 'flaky').length,
  };
}

/** A model's figures counted from its cells (after a merge); the comparison with the previous run is kept. */
function recountStats(model: string, cells: readonly ResultsCell[], before: ResultsModelStats | undefined): ResultsModelStats {
  const executions = cells.flatMap((c) => c.executions);
  const passes = executions.filter((e) => e.status === 'pass').length;
  const fails = executions.filter((e) => e.status === 'fail').length;
  const trials = passes + fails;
  const interval = wilsonInterval(passes, trials);
  const latencies = executions.filter((e) => e.status !== 'error').map((e) => e.latencyMs);
  return {
    model,
    trials,
    passes,
    fails,
    errors: executions.length - trials,
    passRate: trials > 0 ? passes / trials : null,
    low: interval.low,
    high: interval.high,
    flaky: cells.filter((c) => c.status === 'flaky').length,
    cost: executions.reduce((n, e) => n + (e.cost ?? 0), 0),
    costUnknown: executions.filter((e) => e.cost === null && e.status !== 'error').length,
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
    regressions: before?.regressions ?? null,
    fixes: before?.fixes ?? null,
    previousRunAt: before?.previousRunAt ?? null,
    significance: before?.significance ?? null,
  };
}

function caseTitle(c: TestCase): string {
  const vars = Object.entries(c.vars);
  if (vars.length === 0) return c.id;
  const text = vars.map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ');
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

/** Recomputes a cell's status and figures from its executions. */
export function summarizeCell(cell: ResultsCell): void {
  const list = cell.executions;
  const passes = list.filter((x) => x.status === 'pass').length;
  const fails = list.filter((x) => x.status === 'fail').length;
  const errors = list.filter((x) => x.status === 'error').length;
  cell.passes = passes;
  const complete = list.length >= cell.total;
  if (!complete) cell.status = 'running';
  else if (passes > 0 && fails > 0) cell.status = 'flaky';
  else if (passes === list.length) cell.status = 'pass';
  else if (fails > 0) cell.status = 'fail';
  else cell.status = errors > 0 ? 'error' : 'fail';
  const scored = list.filter((x) => x.score !== null);
  cell.score = scored.length > 0 ? scored.reduce((s, x) => s + x.score!, 0) / scored.length : null;
  const answered = list.filter((x) => x.status !== 'error');
  cell.latencyMs = answered.length > 0 ? answered.reduce((s, x) => s + x.latencyMs, 0) / answered.length : null;
  cell.cached = list.length > 0 && list.every((x) => x.cached === true);
  const costs = list.filter((x) => x.cost !== null);
  cell.cost = costs.length > 0 ? costs.reduce((s, x) => s + x.cost!, 0) : null;
  const bad = list.find((x) => x.status === 'fail') ?? list.find((x) => x.status === 'error');
  const failing = bad?.assertions.find((a) => !a.pass);
  cell.reason = failing ? `${failing.type}: ${failing.reason}` : (bad?.reason ?? list[0]?.reason ?? '');
}
