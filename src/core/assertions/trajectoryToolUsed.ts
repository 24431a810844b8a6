// `trajectory:tool-used` (promptfoo 0.121.20, src/assertions/trajectory.ts): the named tools were called, or
// one tool was called between `min` and `max` times.
import type { RawAssertionResult } from './assertionTypes';
import { binaryVerdict, inputTrajectory, matcherLabel, matchesStep, normalizeMatcher, stepLabel, stepList, trajectoryDefinition, type StepMatcher, type TrajectoryStep } from './trajectorySteps';
import { isRecord } from './valueUtils';

const TYPE = 'trajectory:tool-used';

type Expected = { kind: 'list'; matchers: StepMatcher[] } | { kind: 'count'; matcher: StepMatcher; min: number; max?: number };

function expectedOf(value: unknown): Expected | { error: string } {
  if (typeof value === 'string') return { kind: 'list', matchers: [normalizeMatcher(value, 'tool')] };
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) {
    if (value.length === 0) return { error: `${TYPE} assertion requires at least one expected tool` };
    return { kind: 'list', matchers: value.map((v) => normalizeMatcher(v, 'tool')) };
  }
  if (isRecord(value)) {
    const matcher = normalizeMatcher(value, 'tool');
    if (!matcher.pattern && !matcher.name) return { error: `${TYPE} assertion object must include a name or pattern property` };
    return { kind: 'count', matcher, min: typeof value.min === 'number' ? value.min : 1, ...(typeof value.max === 'number' ? { max: value.max } : {}) };
  }
  return { error: `${TYPE} assertion must have a string, string array, or object value` };
}

/** Every listed tool used; under `not-`, none of them. */
function listVerdict(matchers: StepMatcher[], tools: TrajectoryStep[]): RawAssertionResult {
  const used = (m: StepMatcher) => tools.some((s) => matchesStep(s, m));
  const missing = matchers.filter((m) => !used(m));
  const matched = matchers.filter(used);
  const actual = `Actual tools: ${stepList(tools.map(stepLabel))}`;
  const names = (ms: StepMatcher[]) => ms.map(matcherLabel).join(', ');
  const pass = missing.length === 0;
  const reason = pass ? `Observed required tool(s): ${names(matchers)}. ${actual}` : `Missing required tool(s): ${names(missing)}. ${actual}`;
  const none = matched.length === 0;
  const inverseReason = none ? `Forbidden tool(s) were not used: ${names(matchers)}` : `Forbidden tool(s) were used: ${names(matched)}. ${actual}`;
  return binaryVerdict(pass, reason, inverseReason, none);
}

function countVerdict(e: Extract<Expected, { kind: 'count' }>, tools: TrajectoryStep[]): RawAssertionResult {
  const matching = tools.filter((s) => matchesStep(s, e.matcher));
  const count = matching.length;
  const pass = count >= e.min && (e.max === undefined || count <= e.max);
  const label = matcherLabel(e.matcher);
  let reason = `Matched tool "${label}" ${count} time(s) (expected ${e.max === undefined ? `at least ${e.min}` : `${e.min}-${e.max}`})`;
  if (matching.length > 0) reason += `. Matches: ${matching.map(stepLabel).join(', ')}`;
  const inverseReason = pass ? `Tool "${label}" matched ${count} time(s), which violates the inverse assertion` : `Tool "${label}" did not satisfy the forbidden match condition`;
  return binaryVerdict(pass, reason, inverseReason);
}

export const TRAJECTORY_TOOL_USED_ASSERTION = trajectoryDefinition<Expected>({
  type: TYPE,
  description: 'The model called the named tools (or one tool between min and max times) during the case.',
  docs:
    'Reads the tool calls of every model call of the case (each step of a tool loop). `value` is a tool name or glob pattern (`*`, `?`, case-insensitive), a list of them (each must be called at least once), ' +
    'or `{ name | pattern, min, max }` (the tool called at least `min` times, default 1, and at most `max`). Score 1 or 0. Under `not-`, a list means none of the tools was called, and an object means the count is outside the range.',
  example: 'assert:\n  - type: trajectory:tool-used\n    value: [get_weather, get_time]\n  - type: trajectory:tool-used\n    value: { name: search_*, max: 2 }',
  modelGraded: false,
  parse: expectedOf,
  judge(e, input) {
    const tools = inputTrajectory(input).filter((s) => s.type === 'tool');
    return e.kind === 'list' ? listVerdict(e.matchers, tools) : countVerdict(e, tools);
  },
});
