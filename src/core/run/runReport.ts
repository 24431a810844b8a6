// What a test run returns, and its stable JSON form (`assay test --json`, documented in docs/cli.md).
import type { AssertionResult } from '../assertions/assertionTypes';
import type { RunComparison } from '../stats/compareRuns';
import { computeModelMetrics } from '../stats/derivedMetrics';
import type { PassRateChange } from '../stats/significance';
import type { ScoreChange } from '../stats/pairedScores';
import { summarizeRun, type ModelStats } from '../stats/runStats';
import type { ErrorKind, ModelRef, Usage } from '../types';
import type { ShardSection } from './shard';
import { LazyArray } from './jsonFile';

/** `error`: no verdict — the prompt did not render, the call failed or was cancelled, or an assertion could not be evaluated. */
export type ExecutionStatus = 'pass' | 'fail' | 'error';

/**
 * Why an execution errored: a call error kind, `render`, `assertion` (an assertion could not be evaluated), or
 * `tool-loop` (the step limit was reached, or the model called a tool the case's mocks do not answer).
 */
export type ExecutionErrorKind = ErrorKind | 'render' | 'assertion' | 'tool-loop';

/** One (case × model × repeat) of a run. */
export interface CaseExecution {
  /** Position in the run: cases in order, then models, then repeats. */
  index: number;
  caseId: string;
  description?: string;
  /** Position of the case in the suite. */
  caseIndex: number;
  /** The model target's label (the key of `RunReport.models`). */
  model: string;
  modelRef: ModelRef;
  /** 0-based. */
  repeatIndex: number;
  /** How many times this case runs on this model. */
  repeats: number;
  status: ExecutionStatus;
  /** The run was cancelled before or while this execution ran (its status is `error`). */
  cancelled: boolean;
  /** Weighted assertion score; `null` without a verdict. */
  score: number | null;
  /** One line: why it passed, failed or errored. */
  reason: string;
  /** Set on `error` executions. */
  error?: { kind: ExecutionErrorKind; message: string };
  /** Every assertion's outcome (empty when there was no verdict). */
  assertions: AssertionResult[];
  /** Score per named metric (assertions' `metric`), weighted mean over its assertions; absent without a verdict. */
  namedScores?: Record<string, number>;
  output: string;
  vars: Record<string, unknown>;
  usage: Usage | null;
  /** USD for the call; `null` when unknown. */
  cost: number | null;
  /** USD for grader calls made by its assertions; `null` when some are unknown. */
  graderCost: number | null;
  latencyMs: number;
  ttftMs: number | null;
  cacheHit: boolean;
  /** The model call's trace in history; `null` without history or when no call was made. */
  traceId: string | null;
  /** ms since the epoch. */
  startedAt: number;
}

/** Counts and sums over a run's executions. */
export interface ReportTotals {
  executions: number;
  passed: number;
  failed: number;
  errors: number;
  /** Errors that are cancellations (included in `errors`). */
  cancelled: number;
  /** Known call costs, USD. */
  cost: number;
  /** Answered calls whose cost is unknown (no price for the model). */
  costUnknown: number;
  /** Known grader costs, USD. */
  graderCost: number;
  inputTokens: number;
  outputTokens: number;
}

/** The comparison of one model's results with the previous run of the same bank on that model. */
export interface ModelComparison {
  model: string;
  /** `null` when no earlier finished run of the bank included the model. */
  previousRunId: string | null;
  previousStartedAt: number | null;
  comparison: RunComparison | null;
  /** Whether the pass-rate change on the cases both runs share is significant; `null` without a previous run. */
  significance: PassRateChange | null;
  /** The paired test on per-case mean scores (Wilcoxon signed-rank, paired t); `null` without a previous run. */
  scoreChange?: ScoreChange | null;
}

/** The outcome of `runTests`. */
export interface RunReport {
  /** The run's id in history (assigned even without history). */
  runId: string;
  suite: { name: string; promptPath: string | null; bankPath: string | null };
  status: 'done' | 'cancelled';
  /** In `index` order. */
  executions: CaseExecution[];
  /** `summarizeRun` per model target, in the suite's model order. */
  models: ModelStats[];
  /** Per model, against the previous run of the same bank (empty without history). */
  comparisons: ModelComparison[];
  totals: ReportTotals;
  startedAt: number;
  endedAt: number;
  durationMs: number;
  /** Whether the run was written to history. */
  recorded: boolean;
  /** History problems; the run's results are unaffected. */
  warnings: string[];
  /** Per model: named metric scores summed over its executions, and the suite's derived metrics (promptfoo's `derivedMetrics`). */
  metrics?: ModelMetrics[];
}

/** Named and derived metrics of one model in a run, as promptfoo reports them per prompt and provider. */
export interface ModelMetrics {
  model: string;
  /** Each metric's per-execution scores, summed (promptfoo's `namedScores`). */
  namedScores: Record<string, number>;
  /** Each derived metric in order: its value, or why it has none (e.g. a metric it reads never scored). */
  derived: { name: string; value: number | null; error?: string }[];
}

/** A model's named and derived metrics for the JSON report (nothing when the run has none). */
function metricsOf(r: RunReport, model: string): Record<string, unknown> {
  const m = r.metrics?.find((x) => x.model === model);
  if (!m) return {};
  return { namedScores: m.namedScores, derivedMetrics: m.derived.map((d) => ({ name: d.name, value: d.value === null ? null : round(d.value, 6), error: d.error ?? null })) };
}

/** Statistics per model of a run's executions, in `models` order (models without executions left out). */
export function modelStatsOf(executions: readonly CaseExecution[], models: readonly string[]): ModelStats[] {
  const byModel = new Map(
    summarizeRun(
      executions.map((e) => ({
        caseId: e.caseId,
        model: e.model,
        pass: e.status === 'pass',
        ...(e.status === 'error' ? { error: true } : {}),
        cost: e.cost,
        latencyMs: e.latencyMs,
        cacheHit: e.cacheHit,
        score: e.score,
      })),
    ).map((m) => [m.model, m]),
  );
  return models.map((m) => byModel.get(m)).filter((m) => m !== undefined);
}

/** A run's `metrics` (named and derived), or nothing when no execution scored a metric and none is derived. */
export function runMetrics(models: readonly string[], executions: readonly CaseExecution[], derived: readonly { name: string; value: string }[] = []): Pick<RunReport, 'metrics'> {
  return executions.some((e) => e.namedScores) || derived.length > 0 ? { metrics: computeModelMetrics(models, executions, derived) } : {};
}

/** Sums executions into totals. */
export function totalsOf(executions: readonly CaseExecution[]): ReportTotals {
  const t: ReportTotals = { executions: 0, passed: 0, failed: 0, errors: 0, cancelled: 0, cost: 0, costUnknown: 0, graderCost: 0, inputTokens: 0, outputTokens: 0 };
  for (const e of executions) {
    t.executions++;
    if (e.status === 'pass') t.passed++;
    else if (e.status === 'fail') t.failed++;
    else t.errors++;
    if (e.cancelled) t.cancelled++;
    // Calls that answered: an assertion error, or a tool loop stopped after its calls.
    const answered = e.error === undefined || e.error.kind === 'assertion' || e.error.kind === 'tool-loop';
    if (typeof e.cost === 'number') t.cost += e.cost;
    else if (answered) t.costUnknown++;
    if (typeof e.graderCost === 'number') t.graderCost += e.graderCost;
    if (e.usage) {
      t.inputTokens += e.usage.inputTokens;
      t.outputTokens += e.usage.outputTokens;
    }
  }
  return t;
}

/** Adds up the totals of several reports. */
export function sumTotals(list: readonly ReportTotals[]): ReportTotals {
  const out = totalsOf([]);
  for (const t of list) for (const k of Object.keys(out) as (keyof ReportTotals)[]) out[k] += t[k];
  return out;
}

/** Passed ÷ all executions (errors count as not passed); `null` with no executions. */
export function overallPassRate(t: ReportTotals): number | null {
  return t.executions > 0 ? t.passed / t.executions : null;
}

/** Identifies the JSON report format; `version` changes only when a field changes meaning or goes away. */
export const JSON_REPORT_FORMAT = 'assay-test-results';
export const JSON_REPORT_VERSION = 1;

const round = (n: number | null, digits = 6): number | null => (n === null ? null : Math.round(n * 10 ** digits) / 10 ** digits);

/**
 * What a shard's report keeps of an execution beyond the rounded fields, so `assay merge` rebuilds the
 * execution exactly (sums of rounded costs or scores would differ from an unsharded run's).
 */
function exactOf(e: CaseExecution): Record<string, unknown> {
  return {
    score: e.score,
    assertionScores: e.assertions.map((a) => a.score),
    namedScores: e.namedScores ?? null,
    usage: e.usage,
    cost: e.cost,
    graderCost: e.graderCost,
    latencyMs: e.latencyMs,
    ttftMs: e.ttftMs,
    startedAt: e.startedAt,
  };
}

/** What `jsonReport` writes besides the reports. */
export interface JsonReportMeta {
  tool: string;
  startedAt: number;
  durationMs: number;
  /** A shard's run (`assay test --shard`): the `shard` section, and every result's `exact` fields. */
  shard?: ShardSection;
}

/** The JSON document `assay test --json` writes (see docs/cli.md). */
export function jsonReport(reports: readonly RunReport[], meta: JsonReportMeta): Record<string, unknown> {
  const totals = sumTotals(reports.map((r) => r.totals));
  return {
    format: JSON_REPORT_FORMAT,
    version: JSON_REPORT_VERSION,
    tool: meta.tool,
    startedAt: new Date(meta.startedAt).toISOString(),
    durationMs: Math.round(meta.durationMs),
    ...(meta.shard ? { shard: meta.shard } : {}),
    totals: { ...totals, cost: round(totals.cost), graderCost: round(totals.graderCost), passRate: round(overallPassRate(totals), 4) },
    suites: reports.map((r) => {
      const descriptions = new Map(r.executions.map((e) => [e.caseId, e.description]));
      const caseList = (changes: { caseId: string }[]) => changes.map((c) => ({ caseId: c.caseId, description: descriptions.get(c.caseId) ?? null }));
      return {
        name: r.suite.name,
        runId: r.runId,
        promptPath: r.suite.promptPath,
        bankPath: r.suite.bankPath,
        status: r.status,
        startedAt: new Date(r.startedAt).toISOString(),
        durationMs: Math.round(r.durationMs),
        totals: { ...r.totals, cost: round(r.totals.cost), graderCost: round(r.totals.graderCost) },
        models: r.models.map((m) => ({
          model: m.model,
          trials: m.trials,
          passed: m.passes,
          failed: m.fails,
          errors: m.errors,
          passRate: round(m.passRate, 4),
          interval: { low: round(m.interval.low, 4), high: round(m.interval.high, 4) },
          flaky: caseList(m.flaky.map((caseId) => ({ caseId }))),
          cost: round(m.cost.total),
          costUnknown: m.cost.unknown,
          latencyP50Ms: round(m.latency.p50, 1),
          latencyP95Ms: round(m.latency.p95, 1),
          ...metricsOf(r, m.model),
        })),
        comparisons: r.comparisons.map((c) => ({
          model: c.model,
          previousRunId: c.previousRunId,
          previousStartedAt: c.previousStartedAt === null ? null : new Date(c.previousStartedAt).toISOString(),
          regressions: c.comparison ? caseList(c.comparison.regressions) : [],
          fixes: c.comparison ? caseList(c.comparison.fixes) : [],
          stillFailing: c.comparison ? caseList(c.comparison.stillFailing) : [],
          newCases: c.comparison ? caseList(c.comparison.newCases) : [],
          removedCases: c.comparison ? c.comparison.removedCases.map((x) => ({ caseId: x.caseId, description: null })) : [],
          significance: c.significance,
          scoreChange: c.scoreChange ?? null,
        })),
        // Made one by one as the file is written (a second copy of every result is the report's largest cost).
        results: LazyArray.mapped(r.executions, (e) => ({
          caseId: e.caseId,
          caseIndex: e.caseIndex,
          description: e.description ?? null,
          model: e.model,
          modelRef: e.modelRef,
          repeatIndex: e.repeatIndex,
          repeats: e.repeats,
          status: e.status,
          cancelled: e.cancelled,
          score: round(e.score, 4),
          reason: e.reason,
          error: e.error ?? null,
          assertions: e.assertions.map((a) => ({
            type: a.type,
            pass: a.pass,
            score: round(a.score, 4),
            reason: a.reason,
            weight: a.weight,
            metric: a.metric ?? null,
            error: a.error ?? null,
          })),
          output: e.output,
          vars: e.vars,
          tokens: e.usage ? { input: e.usage.inputTokens, output: e.usage.outputTokens, cachedInput: e.usage.cachedInputTokens } : null,
          cost: round(e.cost),
          graderCost: round(e.graderCost),
          latencyMs: round(e.latencyMs, 1),
          cacheHit: e.cacheHit,
          traceId: e.traceId,
          ...(meta.shard ? { exact: exactOf(e) } : {}),
        })),
      };
    }),
  };
}
