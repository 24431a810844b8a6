// Statistics of one run: pass rate per model with a Wilson interval, flaky cases, cost, latency percentiles.
import { percentile } from './percentiles';
import { wilsonInterval, type Interval } from './wilson';

/** One execution of one case on one model (a run with `repeat: K` has K per case and model). */
export interface Execution {
  caseId: string;
  /** `provider:model`. */
  model: string;
  /** The case verdict. */
  pass: boolean;
  /** The call failed or an assertion could not be evaluated: neither a pass nor a failure of the model. */
  error?: boolean;
  /** US dollars; `null` when unknown. */
  cost: number | null;
  latencyMs: number;
  /** Served from the cache: its latency is not a measurement. */
  cacheHit?: boolean;
  /** The weighted assertion score of a verdict; `null`/absent without one. */
  score?: number | null;
}

/** `pass`: every verdict passed; `fail`: none did; `flaky`: both happened; `error`: only errors. */
export type CaseStatusKind = 'pass' | 'fail' | 'flaky' | 'error';

/** The executions of one case on one model, summed up. */
export interface CaseStatus {
  caseId: string;
  passes: number;
  fails: number;
  errors: number;
  status: CaseStatusKind;
  /** Mean score of its verdicts (all repeats), for the paired test on scores; absent when none was scored. */
  meanScore?: number;
}

/** Statistics of one model in one run. */
export interface ModelStats {
  model: string;
  /** Executions with a verdict (errors excluded). */
  trials: number;
  passes: number;
  fails: number;
  errors: number;
  /** passes / trials; `null` with no trials. */
  passRate: number | null;
  /** 95% Wilson score interval of the pass rate. */
  interval: Interval;
  /** Ids of cases that both passed and failed. */
  flaky: string[];
  /** Every case, in the order first seen. */
  cases: CaseStatus[];
  /** Sum of known costs; `unknown` counts executions whose cost is not known. */
  cost: { total: number; unknown: number };
  /** Over executions that reached the model (no errors, no cache hits). */
  latency: { p50: number | null; p95: number | null; samples: number };
}

/** Classifies a case from its counts; errors don't count against a case that has verdicts. */
export function caseStatusKind(passes: number, fails: number, errors: number): CaseStatusKind {
  if (passes > 0 && fails > 0) return 'flaky';
  if (passes > 0) return 'pass';
  if (fails > 0) return 'fail';
  return errors > 0 ? 'error' : 'fail';
}

/** Summarises a run's executions per model, models in the order first seen. */
export function summarizeRun(executions: readonly Execution[]): ModelStats[] {
  const byModel = new Map<string, Execution[]>();
  for (const e of executions) {
    const list = byModel.get(e.model);
    if (list) list.push(e);
    else byModel.set(e.model, [e]);
  }
  return [...byModel].map(([model, list]) => modelStats(model, list));
}

function modelStats(model: string, list: Execution[]): ModelStats {
  const cases = new Map<string, CaseStatus>();
  let passes = 0;
  let fails = 0;
  let errors = 0;
  let total = 0;
  let unknown = 0;
  const latencies: number[] = [];
  const scores = new Map<string, number[]>();
  for (const e of list) {
    let c = cases.get(e.caseId);
    if (!c) {
      c = { caseId: e.caseId, passes: 0, fails: 0, errors: 0, status: 'error' };
      cases.set(e.caseId, c);
    }
    if (e.error) {
      errors++;
      c.errors++;
    } else if (e.pass) {
      passes++;
      c.passes++;
    } else {
      fails++;
      c.fails++;
    }
    if (!e.error && typeof e.score === 'number' && Number.isFinite(e.score)) scores.set(e.caseId, [...(scores.get(e.caseId) ?? []), e.score]);
    if (typeof e.cost === 'number' && Number.isFinite(e.cost)) total += e.cost;
    else if (!e.error) unknown++;
    if (!e.error && !e.cacheHit && Number.isFinite(e.latencyMs)) latencies.push(e.latencyMs);
  }
  for (const c of cases.values()) {
    c.status = caseStatusKind(c.passes, c.fails, c.errors);
    const scored = scores.get(c.caseId);
    if (scored) c.meanScore = scored.reduce((a, b) => a + b, 0) / scored.length;
  }
  const trials = passes + fails;
  return {
    model,
    trials,
    passes,
    fails,
    errors,
    passRate: trials > 0 ? passes / trials : null,
    interval: wilsonInterval(passes, trials),
    flaky: [...cases.values()].filter((c) => c.status === 'flaky').map((c) => c.caseId),
    cases: [...cases.values()],
    cost: { total, unknown },
    latency: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), samples: latencies.length },
  };
}
