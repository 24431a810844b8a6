// `trajectory:tool-args-match` (promptfoo 0.121.20, src/assertions/trajectory.ts): some call of a tool had
// the expected arguments (`partial`: the expected keys with equal values; `exact`: deep equality), after
// leaving out `ignore`d keys and arguments equal to their `defaults`.
import { isDeepStrictEqual } from 'node:util';
import { argsLabel, binaryVerdict, inputTrajectory, matcherLabel, matchesPattern, matchesStep, normalizeMatcher, requireNamed, stepLabel, stepList, trajectoryDefinition, type StepMatcher } from './trajectorySteps';
import { isRecord } from './valueUtils';

const TYPE = 'trajectory:tool-args-match';

interface ArgsExpectation {
  matcher: StepMatcher;
  args: unknown;
  mode: 'partial' | 'exact';
  defaults?: Record<string, unknown>;
  ignore: string[];
}

function expectationOf(value: unknown): ArgsExpectation | { error: string } {
  if (!isRecord(value)) return { error: `${TYPE} assertion must have an object value` };
  const matcher = normalizeMatcher(value, 'tool');
  const unnamed = requireNamed(matcher, TYPE);
  if (unnamed) return { error: unnamed };
  const args = Object.prototype.hasOwnProperty.call(value, 'args') ? value.args : value.arguments;
  if (args === undefined) return { error: `${TYPE} assertion must include an args or arguments property` };
  const mode = value.mode ?? 'partial';
  if (mode !== 'partial' && mode !== 'exact') return { error: `${TYPE} assertion mode must be "partial" or "exact"` };
  if (value.defaults !== undefined && !isRecord(value.defaults)) return { error: `${TYPE} assertion defaults must be an object mapping argument names to default values` };
  const ignore = value.ignore === undefined ? [] : Array.isArray(value.ignore) ? value.ignore : [value.ignore];
  if (!ignore.every((e): e is string => typeof e === 'string' && e.trim() !== '')) return { error: `${TYPE} assertion ignore must be a non-empty string or an array of non-empty strings` };
  return { matcher, args, mode, ...(value.defaults !== undefined ? { defaults: value.defaults } : {}), ignore };
}

/** Every expected key present with a matching value (lists item by item, same length); leaves deep-equal. */
function partialMatch(actual: unknown, expected: unknown): boolean {
  if (Array.isArray(expected)) return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => partialMatch(actual[i], e));
  if (isRecord(expected)) return isRecord(actual) && Object.entries(expected).every(([k, e]) => Object.prototype.hasOwnProperty.call(actual, k) && partialMatch(actual[k], e));
  return isDeepStrictEqual(actual, expected);
}

/** `value` without the keys `drop` selects (top level only), and which keys went. */
function without(value: unknown, drop: (key: string, v: unknown) => boolean): { kept: unknown; dropped: string[] } {
  if (!isRecord(value)) return { kept: value, dropped: [] };
  const kept: Record<string, unknown> = {};
  const dropped: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    if (drop(k, v)) dropped.push(k);
    else Object.defineProperty(kept, k, { value: v, enumerable: true, configurable: true, writable: true });
  }
  return { kept, dropped };
}

const ignoredBy = (ignore: string[]) => (key: string) => ignore.some((e) => e === key || (/[*?]/.test(e) && matchesPattern(key, e)));
const isDefault = (defaults: Record<string, unknown> | undefined) => (key: string, v: unknown) =>
  defaults !== undefined && Object.prototype.hasOwnProperty.call(defaults, key) && isDeepStrictEqual(v, defaults[key]);

/** The actual arguments as compared: ignored keys and default values left out. */
function cleaned(actual: unknown, e: ArgsExpectation): { args: unknown; ignored: string[]; defaulted: string[] } {
  const a = without(actual, ignoredBy(e.ignore));
  const d = without(a.kept, isDefault(e.defaults));
  return { args: d.kept, ignored: a.dropped, defaulted: d.dropped };
}

function argsMatch(actual: unknown, e: ArgsExpectation): boolean {
  const a = cleaned(actual, e).args;
  const expected = without(e.args, ignoredBy(e.ignore)).kept;
  return e.mode === 'exact' ? isDeepStrictEqual(a, expected) : partialMatch(a, expected);
}

export const TRAJECTORY_TOOL_ARGS_MATCH_ASSERTION = trajectoryDefinition<ArgsExpectation>({
  type: TYPE,
  description: 'Some call of a tool during the case had the expected arguments.',
  docs:
    '`value` is `{ name | pattern, args, mode, ignore, defaults }`. Passes when a call of the named tool (glob patterns allowed) had arguments matching `args` (or `arguments`): ' +
    '`partial` (default) needs every expected key with an equal value (nested objects the same way, lists item by item); `exact` needs deep equality. `ignore` (names or globs) leaves ' +
    'top-level argument keys out of both sides; `defaults` leaves out actual arguments equal to their default. Score 1 or 0. Under `not-` it passes when no call matched.',
  example: 'assert:\n  - type: trajectory:tool-args-match\n    value:\n      name: get_weather\n      args: { city: Paris }',
  modelGraded: false,
  parse: expectationOf,
  judge(e, input) {
    const tools = inputTrajectory(input).filter((s) => s.type === 'tool');
    const label = matcherLabel(e.matcher);
    const actual = stepList(tools.map(stepLabel));
    const matching = tools.filter((s) => matchesStep(s, e.matcher));
    const withArgs = matching.filter((s) => s.args !== undefined);
    const hit = withArgs.find((s) => argsMatch(s.args, e));
    const observed = withArgs.length > 0 ? withArgs.map((s) => argsLabel(s.args)).join(', ') : '(none)';
    let reason: string;
    let inverseReason: string;
    if (hit) {
      const c = cleaned(hit.args, e);
      const suffix = (c.ignored.length > 0 ? `. Ignored argument(s): ${c.ignored.join(', ')}` : '') + (c.defaulted.length > 0 ? `. Ignored default argument(s): ${c.defaulted.join(', ')}` : '');
      reason = `Tool "${label}" matched expected arguments (${e.mode}) on ${stepLabel(hit)}. Args: ${argsLabel(hit.args)}${suffix}`;
      inverseReason = `Forbidden argument match for tool "${label}" was observed on ${stepLabel(hit)}. Args: ${argsLabel(hit.args)}`;
    } else if (matching.length === 0) {
      reason = `No tool call matched "${label}". Actual tools: ${actual}`;
      inverseReason = `Forbidden argument match for tool "${label}" was not observed because no tool call matched it`;
    } else {
      reason =
        withArgs.length === 0
          ? `Tool "${label}" was observed but no arguments were captured. Actual tools: ${actual}`
          : `No call to tool "${label}" matched expected arguments (${e.mode}): ${argsLabel(e.args)}. Observed args: ${observed}`;
      inverseReason = `Forbidden argument match for tool "${label}" was not observed. Observed args: ${observed}`;
    }
    return binaryVerdict(hit !== undefined, reason, inverseReason);
  },
});
