// `trajectory:tool-sequence` (promptfoo 0.121.20, src/assertions/trajectory.ts): the tools were called in
// this order (`in_order`: others may come between; `exact`: these and no others).
import { binaryVerdict, inputTrajectory, matcherLabel, matchesStep, normalizeMatcher, requireNamed, stepLabel, stepList, trajectoryDefinition, type StepMatcher, type TrajectoryStep } from './trajectorySteps';
import { isRecord } from './valueUtils';

const TYPE = 'trajectory:tool-sequence';

interface Sequence {
  mode: string;
  matchers: StepMatcher[];
}

function sequenceOf(value: unknown): Sequence | { error: string } {
  let mode = 'in_order';
  let steps: unknown[];
  if (Array.isArray(value)) steps = value;
  else if (isRecord(value)) {
    mode = typeof value.mode === 'string' && value.mode !== '' ? value.mode : 'in_order';
    steps = Array.isArray(value.steps) ? value.steps : [];
  } else return { error: `${TYPE} assertion must have an array or object value` };
  if (mode !== 'in_order' && mode !== 'exact') return { error: `${TYPE} assertion mode must be "in_order" or "exact"` };
  const matchers: StepMatcher[] = [];
  for (const [i, step] of steps.entries()) {
    const m = normalizeMatcher(step, 'tool');
    const problem = requireNamed(m, TYPE, i);
    if (problem) return { error: problem };
    matchers.push(m);
  }
  if (matchers.length === 0) return { error: `${TYPE} assertion requires at least one expected step` };
  return { mode, matchers };
}

function exactly(matchers: StepMatcher[], tools: TrajectoryStep[], actual: string): { pass: boolean; reason: string } {
  const pass = tools.length === matchers.length && matchers.every((m, i) => matchesStep(tools[i]!, m));
  return pass
    ? { pass, reason: `Observed exact tool sequence: ${actual}` }
    : { pass, reason: `Expected exact tool sequence of ${matchers.map(matcherLabel).join(', ')}, but actual tools were ${actual}` };
}

function inOrder(matchers: StepMatcher[], tools: TrajectoryStep[], actual: string): { pass: boolean; reason: string } {
  let next = 0;
  const matched: string[] = [];
  for (const step of tools) {
    if (next >= matchers.length) break;
    if (matchesStep(step, matchers[next]!)) {
      matched.push(stepLabel(step));
      next++;
    }
  }
  return next === matchers.length
    ? { pass: true, reason: `Observed tool sequence in order: ${matched.join(', ')}. Actual tools: ${actual}` }
    : { pass: false, reason: `Expected tool "${matcherLabel(matchers[next]!)}" was not observed in order. Actual tools: ${actual}` };
}

export const TRAJECTORY_TOOL_SEQUENCE_ASSERTION = trajectoryDefinition<Sequence>({
  type: TYPE,
  description: 'The model called tools in the given order during the case.',
  docs:
    'Reads the tool calls of every model call of the case, in order. `value` is a list of tool names or glob patterns (or `{ name | pattern }`), or `{ mode, steps }`: ' +
    '`in_order` (default) passes when the steps appear in that order with any other calls between them; `exact` when the calls are exactly these, in this order. Score 1 or 0. ' +
    'Under `not-` it passes when the sequence was not observed.',
  example: 'assert:\n  - type: trajectory:tool-sequence\n    value: [search_orders, get_order]\n  - type: trajectory:tool-sequence\n    value: { mode: exact, steps: [search_orders, get_order] }',
  modelGraded: false,
  parse: sequenceOf,
  judge(s, input) {
    const tools = inputTrajectory(input).filter((step) => step.type === 'tool');
    const actual = stepList(tools.map(stepLabel));
    const { pass, reason } = s.mode === 'exact' ? exactly(s.matchers, tools, actual) : inOrder(s.matchers, tools, actual);
    return binaryVerdict(pass, reason, pass ? `Forbidden tool sequence was observed. Actual tools: ${actual}` : 'Forbidden tool sequence was not observed');
  },
});
