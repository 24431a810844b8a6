// promptfoo's `assertScoringFunction`: a test's own function from its named scores (metric → score, each
// metric's weighted mean) to the verdict, instead of the weighted mean of every assertion. promptfoo calls
// it `(namedScores, { threshold, componentResults, tokensUsed })` and merges the `{ pass, score, reason }` it
// returns over the verdict; a function that throws or returns anything else fails the test with
// "Scoring function error". JavaScript runs in the sandbox, Python in the user's `python3`.
import { dirname } from 'node:path';
import { pythonExecutable, runPythonFunction } from '../providers/pythonProvider';
import { runSandboxed } from '../sandbox/sandboxPool';
import { DEFAULT_ASSERTION_LIMITS, type AssertionLimits, type CaseVerdict } from './assertionTypes';
import { scriptFileTask } from './javascriptAssertion';
import { isRecord } from './valueUtils';

/** promptfoo's named scores: each metric's weighted mean, 0 for a metric of weight-0 assertions only. */
function namedScores(verdict: CaseVerdict): Record<string, number> {
  const sums = new Map<string, { sum: number; weight: number }>();
  for (const r of verdict.results) {
    if (r.metric === undefined) continue;
    const m = sums.get(r.metric) ?? { sum: 0, weight: 0 };
    m.sum += r.score * r.weight;
    m.weight += r.weight;
    sums.set(r.metric, m);
  }
  return Object.fromEntries([...sums].map(([name, m]) => [name, m.weight > 0 ? m.sum / m.weight : 0]));
}

/** What the function returned, or why it gave nothing. */
async function call(ref: string, scores: Record<string, number>, context: Record<string, unknown>, limits: AssertionLimits, signal: AbortSignal | undefined): Promise<{ value: unknown } | { error: string }> {
  const m = /^file:\/\/(.+?\.py)(?::([A-Za-z_][\w.]*))?$/i.exec(ref);
  if (m) {
    const env = process.env;
    const r = await runPythonFunction(
      { script: m[1]!, function: m[2] ?? 'func', args: [scores, context] },
      { python: pythonExecutable({}, env), cwd: dirname(m[1]!), env, signal: signal ?? new AbortController().signal, timeoutMs: limits.javascriptTimeoutMs * 6, what: ref },
    );
    return 'error' in r ? { error: r.error.message } : r;
  }
  const task = await scriptFileTask(ref, '/', scores, context);
  if ('error' in task) return task;
  const outcome = await runSandboxed(task, { timeoutMs: limits.javascriptTimeoutMs, memoryMb: limits.memoryMb, ...(signal ? { signal } : {}) });
  return outcome.ok ? { value: outcome.value } : { error: outcome.message };
}

/**
 * promptfoo fails the test with "Scoring function error: …"; Assay says the same and marks the case an
 * evaluation error, since no verdict on the model's output was reached (docs/assertions.md).
 */
function failed(verdict: CaseVerdict, why: string): CaseVerdict {
  const reason = `Scoring function error: ${why}`;
  return { ...verdict, pass: false, score: 0, reason, error: reason };
}

/** The verdict as `ref` (`file://ABS.js[:name]`, `file://ABS.py:name`) decides it. Never throws. */
export async function applyScoringFunction(
  ref: string,
  verdict: CaseVerdict,
  threshold: number | undefined,
  options: { trusted: boolean; limits?: AssertionLimits; signal?: AbortSignal },
): Promise<CaseVerdict> {
  if (verdict.error) return verdict;
  if (!options.trusted) return failed(verdict, `${ref} runs code from the workspace: only in a trusted workspace (or the CLI)`);
  const componentResults = verdict.results.map((r) => ({ pass: r.pass, score: r.score, reason: r.reason, assertion: { type: r.type, ...(r.metric !== undefined ? { metric: r.metric } : {}) } }));
  const context = { threshold, componentResults, tokensUsed: {} };
  const got = await call(ref, namedScores(verdict), context, options.limits ?? DEFAULT_ASSERTION_LIMITS, options.signal);
  const value = 'value' in got ? got.value : undefined;
  if ('error' in got || !isRecord(value) || typeof value.pass !== 'boolean' || typeof value.score !== 'number') {
    const why = 'error' in got ? got.error : 'the assertion scoring function must return { pass, score, reason }';
    return failed(verdict, why);
  }
  return { ...verdict, pass: value.pass, score: value.score, reason: typeof value.reason === 'string' ? value.reason : verdict.reason };
}
