// The one table of assertion types, and the one place that reads the `not-` prefix.
import type { AssertionDefinition, AssertionSpec } from './assertionTypes';
import { ASSERT_SET_ASSERTION } from './assertSet';
import { DETERMINISTIC_ASSERTIONS } from './deterministicAssertions';
import { HTML_ASSERTIONS } from './htmlAssertions';
import { JAVASCRIPT_ASSERTION } from './javascriptAssertion';
import { COMPARISON_ASSERTIONS } from './comparisonAssertions';
import { LOGPROB_ASSERTIONS } from './logprobAssertions';
import { METEOR_ASSERTION } from './meteorAssertion';
import { MODEL_GRADED_ASSERTIONS } from './modelGradedAssertions';
import { PROMPTFOO_ASSERTION_TYPES, PROMPTFOO_SPECIAL_ASSERTION_TYPES } from './promptfooAssertionTypes';
import { PYTHON_ASSERTION } from './pythonAssertion';
import { RAG_ASSERTIONS } from './ragAssertions';
import { REFUSAL_ASSERTION } from './refusalAssertion';
import { REFUSED_ASSERTIONS } from './refusedAssertions';
import { SERVICE_ASSERTIONS } from './serviceAssertions';
import { SQL_ASSERTIONS } from './sqlAssertions';
import { TOOL_CALL_ASSERTIONS } from './toolCallAssertion';
import { TRACE_SPAN_ASSERTIONS } from './traceSpanAssertions';
import { TOOL_CALL_F1_ASSERTION } from './toolCallF1Assertion';
import { TRAJECTORY_GOAL_SUCCESS_ASSERTION } from './trajectoryGoalSuccess';
import { TRAJECTORY_STEP_COUNT_ASSERTION } from './trajectoryStepCount';
import { TRAJECTORY_TOOL_ARGS_MATCH_ASSERTION } from './trajectoryToolArgsMatch';
import { TRAJECTORY_TOOL_SEQUENCE_ASSERTION } from './trajectoryToolSequence';
import { TRAJECTORY_TOOL_USED_ASSERTION } from './trajectoryToolUsed';
import { XML_ASSERTIONS } from './xmlAssertions';

/** Every registered assertion type, keyed by name, in documentation order. */
export const ASSERTION_REGISTRY: ReadonlyMap<string, AssertionDefinition> = new Map(
  [
    ...DETERMINISTIC_ASSERTIONS,
    ...XML_ASSERTIONS,
    ...HTML_ASSERTIONS,
    ...SQL_ASSERTIONS,
    METEOR_ASSERTION,
    REFUSAL_ASSERTION,
    ...LOGPROB_ASSERTIONS,
    ...TOOL_CALL_ASSERTIONS,
    ...TRACE_SPAN_ASSERTIONS,
    TOOL_CALL_F1_ASSERTION,
    TRAJECTORY_TOOL_USED_ASSERTION,
    TRAJECTORY_TOOL_SEQUENCE_ASSERTION,
    TRAJECTORY_TOOL_ARGS_MATCH_ASSERTION,
    TRAJECTORY_STEP_COUNT_ASSERTION,
    JAVASCRIPT_ASSERTION,
    PYTHON_ASSERTION,
    ASSERT_SET_ASSERTION,
    ...MODEL_GRADED_ASSERTIONS,
    ...RAG_ASSERTIONS,
    TRAJECTORY_GOAL_SUCCESS_ASSERTION,
    ...COMPARISON_ASSERTIONS,
    ...SERVICE_ASSERTIONS,
  ].map((d) => [d.type, d]),
);

/** Older promptfoo names that mean a registered type. */
export const ASSERTION_ALIASES: Readonly<Record<string, string>> = {
  'model-graded-factuality': 'factuality',
  'is-valid-openai-function-call': 'is-valid-function-call',
};

const PROMPTFOO_TYPES = new Set([...PROMPTFOO_ASSERTION_TYPES, ...PROMPTFOO_SPECIAL_ASSERTION_TYPES]);

/** A type name resolved against the registry. */
export interface ResolvedAssertionType {
  definition: AssertionDefinition;
  /** The type was written with `not-`. */
  negated: boolean;
}

/** Resolves `type` (with an optional `not-` prefix, or an alias); `undefined` for an unknown type. */
export function resolveAssertionType(type: string): ResolvedAssertionType | undefined {
  const negated = type.startsWith('not-');
  const base = negated ? type.slice(4) : type;
  const definition = ASSERTION_REGISTRY.get(base) ?? ASSERTION_REGISTRY.get(ASSERTION_ALIASES[base] ?? '');
  return definition ? { definition, negated } : undefined;
}

/** Problems with an assertion's configuration (unknown type, missing value, bad threshold…), without running it. */
export function checkAssertion(spec: AssertionSpec): { code: 'unknown-assertion' | 'invalid-assertion'; message: string } | undefined {
  if (typeof spec.type !== 'string' || spec.type === '') return { code: 'invalid-assertion', message: 'an assertion needs a type' };
  const resolved = resolveAssertionType(spec.type);
  if (!resolved) {
    const base = spec.type.replace(/^not-/, '');
    const refused = REFUSED_ASSERTIONS[base];
    if (refused) return { code: 'invalid-assertion', message: `"${spec.type}" ${refused}` };
    const message = PROMPTFOO_TYPES.has(base)
      ? `assertion type "${spec.type}" is not supported by Assay (docs/assertions.md, "Every promptfoo type", says why)`
      : `unknown assertion type "${spec.type}"${suggest(spec.type)}`;
    return { code: 'unknown-assertion', message };
  }
  if (spec.weight !== undefined && !(typeof spec.weight === 'number' && Number.isFinite(spec.weight) && spec.weight >= 0)) {
    return { code: 'invalid-assertion', message: 'weight must be a number ≥ 0' };
  }
  if (spec.metric !== undefined && typeof spec.metric !== 'string') return { code: 'invalid-assertion', message: 'metric must be a string' };
  if (spec.threshold !== undefined && !(typeof spec.threshold === 'number' && Number.isFinite(spec.threshold))) {
    return { code: 'invalid-assertion', message: 'threshold must be a number' };
  }
  const problem = resolved.definition.check?.(spec);
  return problem ? { code: 'invalid-assertion', message: problem } : undefined;
}

/** The registered name a misspelt type is closest to (`not-` kept), or undefined when none is near. */
export function suggestAssertionType(type: string): string | undefined {
  const base = type.replace(/^not-/, '').toLowerCase();
  let best: string | undefined;
  let bestDistance = 3;
  for (const name of ASSERTION_REGISTRY.keys()) {
    const d = editDistance(base, name);
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  return best ? `${type.startsWith('not-') ? 'not-' : ''}${best}` : undefined;
}

/** " (did you mean …?)" for a near miss of a registered name. */
function suggest(type: string): string {
  const best = suggestAssertionType(type);
  return best ? ` (did you mean "${best}"?)` : '';
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length];
}
