// `assert-set`: a group of assertions scored as one (promptfoo 0.121.20, runAssertions): the set's score is
// the weighted mean of its members'; it passes when every member passes, or, with a `threshold`, when
// that score reaches it. The set then counts in the case with its own `weight` and `metric`.
import type { AssertionDefinition, AssertionSpec, RawAssertionResult } from './assertionTypes';

function check(spec: AssertionSpec): string | undefined {
  if (spec.type !== 'assert-set') return '"assert-set" cannot be negated with not-';
  if (!Array.isArray(spec.assert) || spec.assert.length === 0) return '"assert-set" needs an `assert` list of assertions';
  if (spec.value !== undefined) return '"assert-set" takes no value: put the assertions under `assert`';
  return undefined;
}

export const ASSERT_SET_ASSERTION: AssertionDefinition = {
  type: 'assert-set',
  description: 'A group of assertions that counts as one, with its own threshold, weight and metric.',
  docs:
    'The members (`assert:`, any types, each with its own `weight`) are evaluated on the output; the set\'s score is their weighted mean. Without `threshold` the set passes when every member passes; ' +
    'with one, when the score is ≥ `threshold`. In the case the set counts once, with its `weight` and `metric`. A member that cannot be evaluated makes the set an error. Sets do not nest `not-`.',
  example:
    'assert:\n  - type: assert-set\n    threshold: 0.5\n    weight: 2\n    assert:\n      - type: contains\n        value: refund\n      - type: icontains\n        value: sorry',
  modelGraded: false,
  check,
  async evaluate(spec, input): Promise<RawAssertionResult> {
    if (!input.evaluateMembers) {
      const error = 'assert-set needs the case evaluator (evaluateCase) to run its members';
      return { pass: false, score: 0, reason: error, error };
    }
    const verdict = await input.evaluateMembers(spec.assert ?? [], spec.threshold);
    if (verdict.error) return { pass: false, score: 0, reason: verdict.error, error: `assert-set member ${verdict.error}` };
    return { pass: verdict.pass, score: verdict.score, reason: `assert-set: ${verdict.reason}` };
  },
};
