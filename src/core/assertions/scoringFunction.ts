// promptfoo's `assertScoringFunction`: user code (a `file://` JavaScript or TypeScript function, trusted
// workspaces and the CLI only) that decides a case from its named scores, called as promptfoo calls it:
// `fn(namedScores, { threshold, componentResults, tokensUsed })`, returning `{ pass, score, reason }`.
// It runs in the sandbox under the `javascript` time and memory limits; what it returns replaces the
// verdict's pass, score and reason. A throw or another return is an evaluation error.
import { runSandboxed } from '../sandbox/sandboxPool';
import { DEFAULT_ASSERTION_LIMITS, type AssertionInput, type CaseVerdict } from './assertionTypes';
import { scriptFileTask } from './javascriptAssertion';
import { isRecord } from './valueUtils';

/** What the function sees as its second argument. */
function scoringContext(verdict: CaseVerdict, threshold: number | undefined) {
  return {
    threshold,
    componentResults: verdict.results.map((r) => ({ pass: r.pass, score: r.score, reason: r.reason, assertion: { type: r.type, weight: r.weight, ...(r.metric !== undefined ? { metric: r.metric } : {}) } })),
    tokensUsed: { total: 0, prompt: 0, completion: 0, cached: 0, numRequests: 0 },
  };
}

function failed(verdict: CaseVerdict, problem: string): CaseVerdict {
  const error = `assertScoringFunction: ${problem}`;
  return { ...verdict, pass: false, score: 0, reason: error, error };
}

/** The case verdict as the scoring function `ref` (`file:///abs.js[:name]`) decides it. */
export async function applyScoringFunction(verdict: CaseVerdict, ref: string, threshold: number | undefined, input: AssertionInput): Promise<CaseVerdict> {
  if (verdict.error) return verdict;
  if (!input.trusted) return failed(verdict, 'runs only in a trusted workspace (or the CLI)');
  const task = await scriptFileTask(ref, input.baseDir, verdict.namedScores, scoringContext(verdict, threshold));
  if ('error' in task) return failed(verdict, task.error);
  const limits = input.limits ?? DEFAULT_ASSERTION_LIMITS;
  const outcome = await runSandboxed(task, { timeoutMs: limits.javascriptTimeoutMs, memoryMb: limits.memoryMb, signal: input.signal });
  if (!outcome.ok) return failed(verdict, outcome.kind === 'timeout' ? `timed out after ${limits.javascriptTimeoutMs} ms` : outcome.message);
  const r = outcome.value;
  if (!isRecord(r) || typeof r.pass !== 'boolean' || typeof r.score !== 'number' || !Number.isFinite(r.score) || typeof r.reason !== 'string') {
    return failed(verdict, `must return { pass, score, reason }; it returned ${JSON.stringify(r)?.slice(0, 80) ?? String(r)}`);
  }
  const named = isRecord(r.namedScores) && Object.values(r.namedScores).every((v) => typeof v === 'number') ? (r.namedScores as Record<string, number>) : verdict.namedScores;
  return { ...verdict, pass: r.pass, score: r.score, reason: r.reason, namedScores: named };
}
