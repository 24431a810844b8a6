// The step after a case's outputs are all evaluated: the comparison assertions (`select-best`, `max-score`)
// run over every output at once, and each result is merged into that output's verdict as promptfoo merges
// it: the case passes only if both pass; a failed comparison sets the case score and reason, a won one
// leaves them alone.
import { resolveAssertionType } from './assertionRegistry';
import type { AssertionResult, CaseVerdict, ComparedOutput, RawAssertionResult } from './assertionTypes';
import { ALONE } from './comparisonAssertions';
import { finishAssertion, type EvaluableCase } from './evaluateCase';
import { errorResult } from './graderSupport';

/**
 * Evaluates the comparison assertions of `testCase` over all its outputs (`failed`: how many of the case's
 * executions produced no output to compare) and returns each output's verdict
 * with their results merged in. Never throws.
 */
export async function compareOutputs(testCase: EvaluableCase, outputs: ComparedOutput[], failed = 0): Promise<CaseVerdict[]> {
  const verdicts = outputs.map((o) => o.verdict);
  for (const [index, spec] of testCase.assert.entries()) {
    const resolved = resolveAssertionType(spec.type);
    const compare = resolved?.definition.compare;
    if (!resolved || !compare) continue;
    let raws: RawAssertionResult[];
    try {
      const why = failed > 0 ? `${resolved.definition.type} has fewer than two outputs to compare: ${failed} of the case's executions failed before their output could be judged` : ALONE(resolved.definition.type);
      raws = outputs.length < 2 ? outputs.map(() => errorResult(why)) : await compare(spec, outputs);
    } catch (e) {
      raws = outputs.map(() => errorResult(`${spec.type} could not be evaluated: ${(e as Error).message}`));
    }
    raws.forEach((raw, i) => (verdicts[i] = mergeComparison(verdicts[i]!, finishAssertion(spec, index, raw, resolved, outputs[i]!.input.vars))));
  }
  return verdicts;
}

/** promptfoo's merge of a comparison result: the case passes only if both pass; a failed comparison sets the score and reason. */
function mergeComparison(verdict: CaseVerdict, r: AssertionResult): CaseVerdict {
  const out: CaseVerdict = { ...verdict, results: [...verdict.results, r].sort((a, b) => a.index - b.index), namedScores: { ...verdict.namedScores } };
  if (r.metric !== undefined) out.namedScores[r.metric] = r.score;
  if (r.grader) out.graderCost = out.graderCost === null || r.grader.cost === null ? null : out.graderCost + r.grader.cost;
  if (r.error && r.weight > 0) {
    out.pass = false;
    out.error ??= `${r.type}: ${r.error}`;
    out.reason = out.error;
  } else if (!r.pass) {
    out.pass = false;
    out.score = r.score;
    if (!out.error) out.reason = `${r.type}: ${r.reason}`;
  }
  return out;
}

