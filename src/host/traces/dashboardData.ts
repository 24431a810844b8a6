// The dashboard's numbers: per-model daily series (latency p50/p95, tokens, cost, error rate) aligned for
// uPlot and totals for today / 7 / 30 days (one store query), then cost and usage by prompt file (a second
// query, sent when ready, so the charts never wait for the table). Aggregation happens in the store's
// worker; this side only pivots. No `vscode`, so the benchmarks measure it from plain Node.
import type { Page, PageRequest, RunFilter, RunRecord, TimeSeriesPoint, TimeSeriesQuery } from '../../core/store/storeTypes';
import type { DashboardData, DashboardMetric, DashboardSeries, DashboardTotals, PassRateRow, PromptUsage, RunBar } from '../../shared/traceProtocol';
import { storedRunSummary } from '../../core/run/runHistory';
import { passRateChange, describeChange } from '../../core/stats/significance';
import { wilsonInterval } from '../../core/stats/wilson';
import type { CaseStatus } from '../../core/stats/runStats';

export interface DashboardStore {
  timeSeries(query: TimeSeriesQuery): Promise<TimeSeriesPoint[]>;
  listRuns(filter?: RunFilter, page?: PageRequest): Promise<Page<RunRecord>>;
}

/** Runs drawn as bars while the history is too short for trends. */
const RUN_BARS = 20;

export interface DashboardOptions {
  /** Days the charts show (today included). */
  days: number;
  now?: number;
  /** Minutes east of UTC; days start at local midnight. */
  utcOffsetMinutes?: number;
}

const DAY_MS = 86_400_000;

function emptyTotals(): DashboardTotals {
  return { traces: 0, errors: 0, cost: 0, inputTokens: 0, outputTokens: 0 };
}

function addTo(t: DashboardTotals, p: TimeSeriesPoint): void {
  t.traces += p.traces;
  t.errors += p.errors;
  t.cost += p.cost;
  t.inputTokens += p.inputTokens;
  t.outputTokens += p.outputTokens;
}

/** Local midnight (for the offset) at or before `ms`. */
export function dayStart(ms: number, utcOffsetMinutes: number): number {
  const offset = utcOffsetMinutes * 60_000;
  return Math.floor((ms + offset) / DAY_MS) * DAY_MS - offset;
}

function range(options: DashboardOptions): { now: number; offsetMinutes: number; days: number; today: number; shownFrom: number } {
  const now = options.now ?? Date.now();
  const offsetMinutes = options.utcOffsetMinutes ?? -new Date(now).getTimezoneOffset();
  const days = Math.max(1, Math.min(366, Math.floor(options.days)));
  const today = dayStart(now, offsetMinutes);
  return { now, offsetMinutes, days, today, shownFrom: today - (days - 1) * DAY_MS };
}

/** The charts and the totals; `byPrompt` is null (see `buildPromptUsage`). */
export async function buildDashboard(store: DashboardStore, options: DashboardOptions): Promise<DashboardData> {
  const t0 = performance.now();
  const { offsetMinutes, days, today, shownFrom } = range(options);
  // One query covers the charts and the 30-day totals.
  const from = Math.min(shownFrom, today - 29 * DAY_MS);
  const byModel = await store.timeSeries({ bucket: 'day', groupBy: 'model', from, utcOffsetMinutes: offsetMinutes });

  const x: number[] = [];
  for (let d = shownFrom; d <= today; d += DAY_MS) x.push(Math.round(d / 1000));
  const index = new Map<number, number>(x.map((s, i) => [s * 1000, i]));
  const keys = [...new Set(byModel.filter((p) => p.start >= shownFrom).map((p) => p.key))].sort();
  const metrics = {} as Record<DashboardMetric, DashboardSeries[]>;
  const series = (metric: DashboardMetric) => (metrics[metric] = keys.map((key) => ({ key, values: new Array<number | null>(x.length).fill(null) })));
  const p50 = series('latencyP50');
  const p95 = series('latencyP95');
  const tokens = series('tokens');
  const cost = series('cost');
  const errorRate = series('errorRate');
  const keyIndex = new Map(keys.map((k, i) => [k, i]));

  const totals = { today: emptyTotals(), last7: emptyTotals(), last30: emptyTotals() };
  for (const p of byModel) {
    if (p.start >= today) addTo(totals.today, p);
    if (p.start >= today - 6 * DAY_MS) addTo(totals.last7, p);
    if (p.start >= today - 29 * DAY_MS) addTo(totals.last30, p);
    const i = index.get(p.start);
    const k = keyIndex.get(p.key);
    if (i === undefined || k === undefined) continue;
    p50[k]!.values[i] = p.latencyP50Ms;
    p95[k]!.values[i] = p.latencyP95Ms;
    tokens[k]!.values[i] = p.inputTokens + p.outputTokens;
    cost[k]!.values[i] = p.cost;
    errorRate[k]!.values[i] = p.errorRate;
  }

  const daysWithCalls = new Set(byModel.filter((p) => p.start >= shownFrom && p.traces > 0).map((p) => p.start)).size;
  // One day of history draws charts with a single dot at their edge: show the runs instead.
  const runs = daysWithCalls < 2 ? await runBars(store, shownFrom) : undefined;
  return { days, x, metrics, totals, byPrompt: null, buildMs: performance.now() - t0, daysWithCalls, ...(runs ? { runs } : {}) };
}

async function runBars(store: DashboardStore, from: number): Promise<RunBar[]> {
  const page = await store.listRuns({ from }, { limit: RUN_BARS });
  return page.items
    .filter((r) => r.totals.traces > 0)
    .map((r) => ({ runId: r.id, promptPath: r.promptPath, kind: r.kind, startedAt: r.startedAt, traces: r.totals.traces, errors: r.totals.errors, cost: r.totals.cost, unpriced: r.totals.unpriced }));
}

/** Calls, tokens and cost per prompt file over the shown days, most expensive first. */
export async function buildPromptUsage(store: DashboardStore, options: DashboardOptions): Promise<PromptUsage[]> {
  const { offsetMinutes, shownFrom } = range(options);
  const points = await store.timeSeries({ bucket: 'day', groupBy: 'prompt', from: shownFrom, utcOffsetMinutes: offsetMinutes });
  const prompts = new Map<string, DashboardTotals>();
  for (const p of points) {
    let t = prompts.get(p.key);
    if (!t) prompts.set(p.key, (t = emptyTotals()));
    addTo(t, p);
  }
  return [...prompts.entries()]
    .map(([promptPath, t]) => ({ promptPath: promptPath === '' ? '(no prompt file)' : promptPath, ...t }))
    .sort((a, b) => b.cost - a.cost || b.traces - a.traces);
}

/** Finished test runs read for the pass-rate table (newest first, pages of 100). */
const PASS_RATE_RUNS = 500;

interface VersionAcc {
  row: PassRateRow;
  /** The newest run's per-case verdicts, for the change to the next version. */
  newestCases: CaseStatus[];
  newestAt: number;
}

/**
 * Pass rate per prompt version of each suite and model over the shown days: every finished test run of a
 * version pooled (all repeats count) with its 95% Wilson interval, versions in the order they first ran,
 * each compared with the version before it (newest run against newest run, the cases both have).
 */
export async function buildPassRates(store: DashboardStore, options: DashboardOptions): Promise<PassRateRow[]> {
  const { shownFrom } = range(options);
  const groups = new Map<string, Map<string, VersionAcc>>();
  let cursor: string | undefined;
  for (let read = 0; read < PASS_RATE_RUNS; ) {
    const page = await store.listRuns({ from: shownFrom, status: 'done' }, { limit: 100, ...(cursor ? { cursor } : {}) });
    for (const run of page.items) {
      const summary = run.kind === 'test' || run.kind === 'cli' ? storedRunSummary(run.summary) : undefined;
      if (!summary) continue;
      const suite = run.promptPath ?? run.bankPath ?? summary.suite;
      for (const m of summary.models) {
        if (!m || typeof m.trials !== 'number') continue;
        const key = `${suite}\u0000${m.model}`;
        let versions = groups.get(key);
        if (!versions) groups.set(key, (versions = new Map()));
        const version = run.promptVersionId ?? '';
        let acc = versions.get(version);
        if (!acc) {
          acc = {
            row: { suite, model: m.model, versionId: run.promptVersionId, runs: 0, firstAt: run.startedAt, lastAt: run.startedAt, passes: 0, trials: 0, passRate: null, interval: { low: 0, high: 1 } },
            newestCases: [],
            newestAt: -Infinity,
          };
          versions.set(version, acc);
        }
        const r = acc.row;
        r.runs++;
        r.passes += m.passes;
        r.trials += m.trials;
        r.firstAt = Math.min(r.firstAt, run.startedAt);
        r.lastAt = Math.max(r.lastAt, run.startedAt);
        if (run.startedAt > acc.newestAt && Array.isArray(m.cases)) {
          acc.newestAt = run.startedAt;
          acc.newestCases = m.cases;
        }
      }
    }
    read += page.items.length;
    if (!page.nextCursor || page.items.length === 0) break;
    cursor = page.nextCursor;
  }
  const rows: PassRateRow[] = [];
  for (const versions of groups.values()) {
    const ordered = [...versions.values()].sort((a, b) => a.row.firstAt - b.row.firstAt);
    ordered.forEach((acc, i) => {
      const r = acc.row;
      r.passRate = r.trials > 0 ? r.passes / r.trials : null;
      r.interval = wilsonInterval(r.passes, r.trials);
      const before = ordered[i - 1];
      if (before) {
        const change = passRateChange(before.newestCases, acc.newestCases);
        r.change = { text: describeChange(change), verdict: change.verdict };
      }
      rows.push(r);
    });
  }
  return rows.sort((a, b) => (a.suite < b.suite ? -1 : a.suite > b.suite ? 1 : 0) || (a.model < b.model ? -1 : a.model > b.model ? 1 : 0) || a.firstAt - b.firstAt);
}
