// Assertions that compare the outputs of one case across models instead of judging one output:
// `select-best` (a grader picks the output that best fits a criterion) and `max-score` (the output with the
// highest score over the case's other assertions). The run evaluates them after every output of the case
// is in (core/run/testRun.ts calls `compareOutputs` in compareOutputs.ts).
import type { AssertionDefinition, AssertionSpec, ComparedOutput, RawAssertionResult } from './assertionTypes';
import { SELECT_BEST_PROMPT } from './graderPrompts';
import { checkGraded, errorResult, gradeWith, rubricTemplate, tryParse } from './graderSupport';
import { isRecord } from './valueUtils';

/** Why a comparison cannot run on one output. */
export const ALONE = (type: string) => `${type} compares the outputs of several models for one case; this case has one output (run it on two models or more)`;

/** `select-best`: one grader call over every output; the chosen one passes. */
async function selectBest(spec: AssertionSpec, outputs: ComparedOutput[]): Promise<RawAssertionResult[]> {
  const first = outputs[0]!.input;
  const criteria = String(spec.value);
  const vars = { ...first.vars, criteria, outputs: outputs.map((o) => tryParse(o.input.output)) };
  const reply = await gradeWith(spec, first, rubricTemplate(spec, first, SELECT_BEST_PROMPT), vars);
  const all = (r: RawAssertionResult): RawAssertionResult[] => outputs.map((_, i) => (i === 0 ? r : { ...r, grader: undefined }));
  if ('error' in reply) return all(errorResult(reply.error, reply.grader));
  const m = /\d+/.exec(reply.text.trim());
  const chosen = m ? Number.parseInt(m[0], 10) : NaN;
  if (!(chosen >= 0 && chosen < outputs.length)) return all(errorResult(`Invalid select-best verdict: ${reply.text.slice(0, 120)}`, reply.grader));
  return outputs.map((_, i) => ({
    pass: i === chosen,
    score: i === chosen ? 1 : 0,
    reason: i === chosen ? `Output selected as the best: ${criteria}` : `Output not selected: ${criteria}`,
    ...(i === 0 ? { grader: reply.grader } : {}),
  }));
}

/** `max-score`: each output's mean (or sum) of its other assertions' scores, weighted per type; the highest wins. */
function maxScore(spec: AssertionSpec, outputs: ComparedOutput[]): RawAssertionResult[] {
  const value = isRecord(spec.value) ? spec.value : {};
  const method = value.method === 'sum' ? 'sum' : 'average';
  const weights = isRecord(value.weights) ? value.weights : {};
  const threshold = typeof value.threshold === 'number' ? value.threshold : undefined;
  const scores: number[] = [];
  for (const o of outputs) {
    const parts = o.verdict.results.filter((r) => !COMPARISON_TYPES.has(r.type.replace(/^not-/, '')));
    if (parts.length === 0) return outputs.map(() => errorResult('max-score requires at least one other assertion (besides max-score or select-best) to aggregate scores from'));
    let total = 0;
    let weight = 0;
    for (const r of parts) {
      const w = weights[r.type];
      const wt = typeof w === 'number' ? w : 1;
      total += (r.score || 0) * wt;
      weight += wt;
    }
    scores.push(method === 'sum' ? total : weight > 0 ? total / weight : 0);
  }
  const best = Math.max(...scores);
  const winner = scores.indexOf(best);
  const meets = threshold === undefined || best >= threshold;
  return scores.map((s, i) => {
    const won = i === winner && meets;
    const reason = won
      ? `Selected as highest scoring output (score: ${s.toFixed(3)})`
      : s === best && !meets
        ? `Not selected - score ${s.toFixed(3)} below threshold ${threshold}`
        : `Not selected (score: ${s.toFixed(3)}, max: ${best.toFixed(3)})`;
    return { pass: won, score: won ? 1 : 0, reason };
  });
}

const COMPARISON_TYPES = new Set(['select-best', 'max-score']);

/** What `evaluate` answers where there is only one output to judge (the playground, a single model). */
const alone = (type: string) => (): RawAssertionResult => errorResult(ALONE(type));

export const COMPARISON_ASSERTIONS: AssertionDefinition[] = [
  {
    type: 'select-best',
    description: 'A grader picks, among the outputs of every model for the case, the one that best fits a criterion.',
    docs:
      "Runs once all outputs of the case are in (same case, same repeat, every model): promptfoo's select-best prompt (one system message listing the outputs by index) asks the grader for the index of the output that best fits `value`. " +
      'The chosen output passes with score 1; the others fail with score 0, and their case score becomes 0 (promptfoo\'s rule: a winner keeps its score). Needs two outputs or more; with one it is an evaluation error, as is a reply without a valid index.',
    example: 'assert:\n  - type: select-best\n    value: The most concise answer that still names the refund delay',
    modelGraded: true,
    check: checkGraded('select-best'),
    evaluate: alone('select-best'),
    compare: selectBest,
  },
  {
    type: 'max-score',
    description: 'The output with the highest score over the case\'s other assertions wins (no grader).',
    docs:
      'Runs once all outputs of the case are in. Each output\'s score is the mean (`value.method: average`, default) or sum (`sum`) of its other assertions\' scores, weighted by `value.weights` (per assertion type, default 1). ' +
      'The first output with the highest score passes with score 1 when it reaches `value.threshold` (if set); the others fail with score 0 and their case score becomes 0. Needs two outputs and at least one other assertion.',
    example: 'assert:\n  - type: max-score\n    value: { method: average, weights: { contains: 2, llm-rubric: 1 } }',
    modelGraded: false,
    check(spec) {
      if (spec.value === undefined || spec.value === null) return undefined;
      if (!isRecord(spec.value)) return '"max-score" value must be a mapping: { method: average | sum, weights: { type: number }, threshold: number }';
      const m = spec.value.method;
      if (m !== undefined && m !== 'average' && m !== 'sum') return '"max-score" method must be average or sum';
      return undefined;
    },
    evaluate: alone('max-score'),
    compare: async (spec, outputs) => maxScore(spec, outputs),
  },
];
