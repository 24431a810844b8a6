// `trajectory:step-count` (promptfoo 0.121.20, src/assertions/trajectory.ts): the number of steps (of a
// type, matching a pattern) is within `min`…`max`.
import { binaryVerdict, inputTrajectory, matchesStep, normalizeMatcher, stepLabel, trajectoryDefinition, type StepMatcher } from './trajectorySteps';
import { isRecord } from './valueUtils';

const TYPE = 'trajectory:step-count';

interface Bounds {
  matcher: StepMatcher;
  min?: number;
  max?: number;
}

function boundsOf(value: unknown): Bounds | { error: string } {
  if (!isRecord(value)) return { error: `${TYPE} assertion must have an object value` };
  const min = typeof value.min === 'number' ? value.min : undefined;
  const max = typeof value.max === 'number' ? value.max : undefined;
  if (min === undefined && max === undefined) return { error: `${TYPE} assertion must include a min or max property` };
  return { matcher: normalizeMatcher(value), ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
}

function expectation(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return ` (expected ${min}-${max})`;
  return min !== undefined ? ` (expected at least ${min})` : ` (expected at most ${max})`;
}

export const TRAJECTORY_STEP_COUNT_ASSERTION = trajectoryDefinition<Bounds>({
  type: TYPE,
  description: 'The number of steps of the case (model answers, tool calls) is within a range.',
  docs:
    'Steps are, in order, each model call of the case (type `message`, name `agent response`) followed by each tool call it made (type `tool`, the tool\'s name). ' +
    '`value` is `{ min, max, type, pattern | name }`: counts the steps of that type (or list of types) whose name matches the glob pattern, and passes when the count is ≥ `min` and ≤ `max` ' +
    '(at least one of them is required). Score 1 or 0. Under `not-` it passes when the count is outside the range.',
  example: 'assert:\n  - type: trajectory:step-count\n    value: { type: tool, max: 3 }\n  - type: trajectory:step-count\n    value: { type: message, min: 2, max: 2 }',
  modelGraded: false,
  parse: boundsOf,
  judge(b, input) {
    const matching = inputTrajectory(input).filter((s) => matchesStep(s, b.matcher));
    const count = matching.length;
    const pass = (b.min === undefined || count >= b.min) && (b.max === undefined || count <= b.max);
    const filters: string[] = [];
    if (b.matcher.type) filters.push(`type=${(Array.isArray(b.matcher.type) ? b.matcher.type : [b.matcher.type]).join('|')}`);
    const pattern = b.matcher.pattern || b.matcher.name;
    if (pattern) filters.push(`pattern=${pattern}`);
    let reason = `Matched ${count} trajectory step(s)${filters.length > 0 ? ` for ${filters.join(', ')}` : ''}${expectation(b.min, b.max)}`;
    if (matching.length > 0) reason += `. Matches: ${matching.map(stepLabel).join(', ')}`;
    return binaryVerdict(pass, reason, pass ? 'Trajectory step count satisfied the forbidden range' : 'Trajectory step count did not satisfy the forbidden range');
  },
});
