// A run in promptfoo's `--output results.json` shape (its `OutputFile` with an `EvaluateSummaryV3`), so CI
// scripts written against `promptfoo eval -o` read `assay test -o` unchanged. Only the fields Assay can
// fill truthfully are written; docs/cli.md lists them.
import type { RunReport } from './runReport';
import type { ModelTarget, TestSuite } from './testSuite';

/** promptfoo's `ResultFailureReason`: why a result did not succeed. */
const FAILURE_REASON = { none: 0, assert: 1, error: 2 } as const;

interface TokenUsage {
  total: number;
  prompt: number;
  completion: number;
  cached: number;
  numRequests: number;
}

const emptyUsage = (): TokenUsage => ({ total: 0, prompt: 0, completion: 0, cached: 0, numRequests: 0 });

function addUsage(into: TokenUsage, u: TokenUsage): void {
  into.total += u.total;
  into.prompt += u.prompt;
  into.completion += u.completion;
  into.cached += u.cached;
  into.numRequests += u.numRequests;
}

/** What promptfoo's output needs of a suite: its prompt and its models' ids. */
export interface PromptfooSuiteFacts {
  promptPath: string | null;
  prompt: Pick<TestSuite['prompt'], 'label' | 'content'>;
  models: readonly Pick<ModelTarget, 'label' | 'ref' | 'id'>[];
}

/** What `promptfooOutput` needs beyond the reports. */
export interface PromptfooOutputMeta {
  /** The suites the reports ran, in the same order (for prompt text and provider ids). */
  suites: readonly PromptfooSuiteFacts[];
  startedAt: number;
  durationMs: number;
  /** `assay 0.1.0`, written as `metadata.generator`. */
  tool: string;
}

/** A model's metric totals as promptfoo's per-prompt `namedScores`: each metric, then each derived metric with a value. */
function namedTotals(report: RunReport, model: string): Record<string, number> {
  const m = report.metrics?.find((x) => x.model === model);
  if (!m) return {};
  const out: Record<string, number> = { ...m.namedScores };
  for (const d of m.derived) if (d.value !== null) out[d.name] = d.value;
  return out;
}

/** The JSON document `assay test -o results.json` writes. */
export function promptfooOutput(reports: readonly RunReport[], meta: PromptfooOutputMeta): Record<string, unknown> {
  const results: Record<string, unknown>[] = [];
  const prompts: Record<string, unknown>[] = [];
  const stats = { successes: 0, failures: 0, errors: 0, tokenUsage: emptyUsage(), durationMs: Math.round(meta.durationMs) };
  // A config's prompts share its tests: a test keeps one index across them, as in promptfoo.
  const offsets = new Map<string, number>();
  let nextOffset = 0;
  reports.forEach((report, reportIndex) => {
    const bank = report.suite.bankPath ?? report.suite.name;
    let testOffset = offsets.get(bank);
    if (testOffset === undefined) {
      testOffset = nextOffset;
      offsets.set(bank, testOffset);
      nextOffset += Math.max(0, ...report.executions.map((e) => e.caseIndex + 1));
    }
    const suite = meta.suites[reportIndex];
    const promptRaw = suite?.prompt.content ?? '';
    const promptLabel = suite?.prompt.label ?? report.suite.name;
    const ids = new Map((suite?.models ?? []).map((m) => [m.label, m.id ?? `${m.ref.provider}:${m.ref.model}`]));
    const perProvider = new Map<string, { index: number; metrics: Record<string, unknown> & { tokenUsage: TokenUsage } }>();
    for (const e of report.executions) {
      let entry = perProvider.get(e.model);
      if (!entry) {
        const metrics = { score: 0, testPassCount: 0, testFailCount: 0, testErrorCount: 0, assertPassCount: 0, assertFailCount: 0, totalLatencyMs: 0, tokenUsage: emptyUsage(), namedScores: namedTotals(report, e.model), namedScoresCount: {}, cost: 0 };
        entry = { index: prompts.length, metrics };
        perProvider.set(e.model, entry);
        prompts.push({ raw: promptRaw, label: promptLabel, provider: ids.get(e.model) ?? e.model, metrics });
      }
      const usage: TokenUsage = e.usage
        ? { total: e.usage.inputTokens + e.usage.outputTokens, prompt: e.usage.inputTokens, completion: e.usage.outputTokens, cached: e.cacheHit ? e.usage.inputTokens + e.usage.outputTokens : 0, numRequests: e.cacheHit ? 0 : 1 }
        : { ...emptyUsage(), numRequests: e.error && e.error.kind !== 'assertion' ? 0 : 1 };
      const failureReason = e.status === 'pass' ? FAILURE_REASON.none : e.status === 'fail' ? FAILURE_REASON.assert : FAILURE_REASON.error;
      // Per result, each metric's weighted mean (promptfoo's normalised namedScores); per prompt and provider,
      // the run's totals (Σ score × weight) and how many assertions fed each.
      const namedScores = e.namedScores ?? {};
      const m = entry.metrics as Record<string, number> & { tokenUsage: TokenUsage; namedScoresCount: Record<string, number> };
      for (const a of e.assertions) if (a.metric !== undefined) m.namedScoresCount[a.metric] = (m.namedScoresCount[a.metric] ?? 0) + 1;
      m.score += e.score ?? 0;
      if (e.status === 'pass') m.testPassCount++;
      else if (e.status === 'fail') m.testFailCount++;
      else m.testErrorCount++;
      m.assertPassCount += e.assertions.filter((a) => a.pass).length;
      m.assertFailCount += e.assertions.filter((a) => !a.pass).length;
      m.totalLatencyMs += Math.round(e.latencyMs);
      m.cost += e.cost ?? 0;
      addUsage(m.tokenUsage, usage);
      addUsage(stats.tokenUsage, usage);
      if (e.status === 'pass') stats.successes++;
      else if (e.status === 'fail') stats.failures++;
      else stats.errors++;
      results.push({
        promptIdx: entry.index,
        testIdx: testOffset + e.caseIndex,
        ...(e.description !== undefined ? { description: e.description } : {}),
        testCase: { ...(e.description !== undefined ? { description: e.description } : {}), vars: e.vars },
        promptId: suite?.promptPath ?? promptLabel,
        provider: { id: ids.get(e.model) ?? e.model, label: e.model },
        prompt: { raw: promptRaw, label: promptLabel },
        vars: e.vars,
        response: e.error && e.error.kind !== 'assertion' ? null : { output: e.output, tokenUsage: usage, cached: e.cacheHit, ...(e.cost !== null ? { cost: e.cost } : {}) },
        error: e.status === 'error' ? (e.error?.message ?? e.reason) : null,
        failureReason,
        success: e.status === 'pass',
        score: e.score ?? 0,
        latencyMs: Math.round(e.latencyMs),
        gradingResult:
          e.assertions.length === 0
            ? null
            : {
                pass: e.status === 'pass',
                score: e.score ?? 0,
                reason: e.reason,
                namedScores,
                componentResults: e.assertions.map((a) => ({
                  pass: a.pass,
                  score: a.score,
                  reason: a.reason,
                  assertion: { type: a.type, ...(a.metric !== undefined ? { metric: a.metric } : {}), weight: a.weight },
                })),
              },
        namedScores,
        ...(e.cost !== null ? { cost: e.cost } : {}),
        metadata: { assay: { caseId: e.caseId, repeatIndex: e.repeatIndex, traceId: e.traceId } },
      });
    }
  });
  return {
    evalId: null,
    results: { version: 3, timestamp: new Date(meta.startedAt).toISOString(), prompts, results, stats },
    config: {},
    shareableUrl: null,
    metadata: { generator: meta.tool, exportedAt: new Date(meta.startedAt + meta.durationMs).toISOString() },
  };
}
