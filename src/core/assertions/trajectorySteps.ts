// The steps of a case's run as promptfoo's `trajectory:*` assertions see them (promptfoo 0.121.20,
// src/assertions/trajectoryUtils.ts). promptfoo reads them off the OpenTelemetry spans of a traced agent;
// Assay has the calls themselves: each model call of the case (one, or every step of a tool loop) is a
// `message` step named `agent response`, followed by one `tool` step per tool call it made, with the call's
// arguments. Matching, labels and the judge's summary follow promptfoo's rules.
import type { CallResult } from '../types';
import type { AssertionDefinition, AssertionInput, AssertionSpec, RawAssertionResult } from './assertionTypes';

/** One step of a trajectory. */
export interface TrajectoryStep {
  type: 'message' | 'tool';
  name: string;
  /** Names a matcher's pattern is tried against. */
  aliases: string[];
  /** A tool call's arguments: parsed JSON, else the text as written. */
  args?: unknown;
}

/** A step matcher as the assertions take it: a pattern string, or `{ name | pattern, type }`. */
export interface StepMatcher {
  name?: string;
  pattern?: string;
  type?: string | string[];
}

/** The name promptfoo gives a model's answer step. */
const MESSAGE_STEP = 'agent response';

/** promptfoo's `normalizeStructuredAttribute` for arguments: JSON when it parses, else the trimmed text. */
function argsOf(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return trimmed;
  }
}

/** The steps of a list of model calls, in order. */
export function trajectoryOf(calls: readonly CallResult[]): TrajectoryStep[] {
  const steps: TrajectoryStep[] = [];
  for (const call of calls) {
    steps.push({ type: 'message', name: MESSAGE_STEP, aliases: [MESSAGE_STEP, 'message'] });
    for (const t of call.toolCalls) {
      const args = argsOf(t.function.arguments);
      steps.push({ type: 'tool', name: t.function.name, aliases: [t.function.name], ...(args !== undefined ? { args } : {}) });
    }
  }
  return steps;
}

/** The trajectory an assertion judges: every call of the case (a tool loop's steps), else its one call. */
export function inputTrajectory(input: AssertionInput): TrajectoryStep[] {
  return trajectoryOf(input.steps && input.steps.length > 0 ? input.steps : [input.result]);
}

/** promptfoo's `matchesPattern`: a whole-name, case-insensitive glob (`*` any text, `?` one character). */
export function matchesPattern(name: string, pattern: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 'i').test(name);
}

/** A string is a pattern; an object keeps its fields; `defaultType` applies where it names no type. */
export function normalizeMatcher(matcher: unknown, defaultType?: string): StepMatcher {
  if (typeof matcher === 'string') return { pattern: matcher, ...(defaultType ? { type: defaultType } : {}) };
  const m = (matcher ?? {}) as StepMatcher;
  return { ...m, ...(m.type ? {} : defaultType ? { type: defaultType } : {}) };
}

export function matchesStep(step: TrajectoryStep, matcher: StepMatcher): boolean {
  if (matcher.type && !(Array.isArray(matcher.type) ? matcher.type : [matcher.type]).includes(step.type)) return false;
  const pattern = matcher.pattern || matcher.name;
  if (!pattern) return true;
  return step.aliases.some((alias) => matchesPattern(alias, pattern));
}

/** `type:name`, as promptfoo lists steps in reasons. */
export const stepLabel = (step: TrajectoryStep): string => `${step.type}:${step.name}`;

/** What a matcher is shown as in reasons. */
export const matcherLabel = (matcher: StepMatcher): string => matcher.pattern || matcher.name || '*';

/** Step labels joined, or `(none)`. */
export const stepList = (labels: string[]): string => (labels.length > 0 ? labels.join(', ') : '(none)');

/** Arguments as JSON in reasons. */
export function argsLabel(args: unknown): string {
  if (args === undefined) return '(none)';
  try {
    const text = JSON.stringify(args);
    if (text !== undefined) return text;
  } catch {
    // A value JSON cannot hold: shown as text.
  }
  return String(args);
}

/** A matcher without a name or pattern where one is required: promptfoo's error. */
export function requireNamed(matcher: StepMatcher, type: string, index?: number): string | undefined {
  if (matcher.pattern || matcher.name) return undefined;
  return `${type} assertion ${index === undefined ? 'object' : `step ${index + 1}`} must include a name or pattern property`;
}

const MAX_SUMMARY_STEPS = 24;
const SUMMARY_HEAD = 12;
const SUMMARY_TAIL = 12;

/** promptfoo's `summarizeTrajectoryForJudge` (without its OpenTelemetry trace id): numbered steps, repeats collapsed, long runs cut in the middle. */
export function summarizeTrajectory(steps: TrajectoryStep[]): string {
  const raw = steps.map((s, i) => ({ index: i + 1, type: s.type, name: s.name }));
  const compacted: { index: number; type: string; name: string; collapsedCount?: number }[] = [];
  for (const step of raw) {
    const previous = compacted[compacted.length - 1];
    if (previous && previous.type === step.type && previous.name === step.name) {
      previous.collapsedCount = (previous.collapsedCount ?? 1) + 1;
      continue;
    }
    compacted.push({ ...step });
  }
  const shown: unknown[] = compacted.length <= MAX_SUMMARY_STEPS ? compacted : [...compacted.slice(0, SUMMARY_HEAD), { omittedCount: compacted.length - MAX_SUMMARY_STEPS }, ...compacted.slice(-SUMMARY_TAIL)];
  return JSON.stringify({ stepCount: raw.length, compactedStepCount: compacted.length, steps: shown }, null, 2);
}

/** A 1-or-0 verdict with its own reason and verdict under `not-` (the opposite pass, as promptfoo scores it). */
export function binaryVerdict(pass: boolean, reason: string, inverseReason: string, inversePass = !pass): RawAssertionResult {
  return { pass, score: pass ? 1 : 0, reason, inverse: { pass: inversePass, score: inversePass ? 1 : 0, reason: inverseReason } };
}

/** What a `trajectory:*` type is made of: its docs, how it reads its value, and how it judges. */
export interface TrajectoryType<V> extends Omit<AssertionDefinition, 'check' | 'evaluate'> {
  /** The value as the type reads it, or promptfoo's error for a value of the wrong shape. */
  parse(value: unknown): V | { error: string };
  judge(value: V, input: AssertionInput, spec: AssertionSpec): RawAssertionResult | Promise<RawAssertionResult>;
  /** Further configuration checks (a grader type's provider). */
  alsoCheck?(spec: AssertionSpec): string | undefined;
}

const parseError = (v: unknown): v is { error: string } => typeof v === 'object' && v !== null && 'error' in v;

/** A registered type from its parts: the value checked before any call, and the same check again when it runs (its value rendered). */
export function trajectoryDefinition<V>(t: TrajectoryType<V>): AssertionDefinition {
  const { parse, judge, alsoCheck, ...docs } = t;
  return {
    ...docs,
    check(spec) {
      const v = parse(spec.value);
      return parseError(v) ? v.error : alsoCheck?.(spec);
    },
    evaluate(spec, input) {
      const v = parse(spec.value);
      return parseError(v) ? { pass: false, score: 0, reason: v.error, error: v.error } : judge(v, input, spec);
    },
  };
}
