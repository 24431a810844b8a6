// Runs a case's assertions on one output and combines them into the case verdict (promptfoo's rules:
// weighted mean score; without a case threshold every weighted assertion must pass, with one the score
// must reach it; `weight: 0` records a result that never fails the case).
import nunjucks from 'nunjucks';
import { nunjucksRange, withRenderLimits } from '../template/templateLimits';
import { runTransform } from '../run/userTransform';
import type { CallResult, ChatRequest } from '../types';
import { checkAssertion, resolveAssertionType, type ResolvedAssertionType } from './assertionRegistry';
import { applyScoringFunction } from './scoringFunction';
import type {
  AssertionInput,
  AssertionLimits,
  AssertionResult,
  AssertionSpec,
  AssertionTestContext,
  CaseVerdict,
  GradingContext,
  RawAssertionResult,
} from './assertionTypes';

/** What `evaluateCase` needs besides the case and the call result. */
export interface EvaluateOptions {
  context: GradingContext;
  /** Whether `javascript` may run (the CLI, a trusted workspace). */
  trusted: boolean;
  /** The request that produced the output (graders read the prompt; tools are declared here). */
  request?: ChatRequest;
  signal?: AbortSignal;
  /** Folder for relative `file://` references in assertion values. */
  baseDir?: string;
  /** Time and memory limits of `javascript` and `regex` assertions; the defaults where absent. */
  limits?: AssertionLimits;
  /**
   * Leave out the assertions that compare outputs across models (`select-best`, `max-score`): the caller runs
   * them with `compareOutputs` once every output of the case is in. Without it they are evaluation errors.
   */
  deferComparisons?: boolean;
  /** Every model call of the case in order when it ran a tool loop (the `trajectory:*` types read them). */
  steps?: CallResult[];
}

/** A test case as far as evaluation goes; `TestCase` from core/testBank (defaults applied) satisfies it. */
export interface EvaluableCase extends AssertionTestContext {
  assert: AssertionSpec[];
  /** Pass when the weighted score is ≥ this, instead of requiring every assertion to pass. */
  threshold?: number;
  /** promptfoo's `assertScoringFunction` (`file://ABSOLUTE.js[:name]`, `.ts`, or `.py:name`): decides the verdict from the named scores. */
  assertScoringFunction?: string;
}

const env = new nunjucks.Environment(null, { autoescape: false, throwOnUndefined: false });
env.addGlobal('range', nunjucksRange);

/** Renders `{{ var }}` templates in a string value, or in the strings of a list value, with the case's vars. */
function renderValue(value: unknown, vars: Record<string, unknown>): unknown {
  const one = (v: unknown) => (typeof v === 'string' && (v.includes('{{') || v.includes('{%')) ? withRenderLimits(() => env.renderString(v, vars)) : v);
  return Array.isArray(value) ? value.map(one) : one(value);
}

function errorRaw(error: string): RawAssertionResult {
  return { pass: false, score: 0, reason: error, error };
}

/** The input with the output as an assertion's own `transform` makes it (a value that is not text as its JSON). */
async function transformedInput(code: string, input: AssertionInput): Promise<AssertionInput | { error: string }> {
  const context = { vars: input.vars, prompt: input.request?.messages.map((m) => m.content).join('\n\n'), test: input.test };
  const r = await runTransform(code, 'output', input.output, context, { baseDir: input.baseDir ?? process.cwd(), trusted: input.trusted, ...(input.limits ? { limits: input.limits } : {}), ...(input.signal ? { signal: input.signal } : {}) });
  if ('error' in r) return r;
  const text = typeof r.value === 'string' ? r.value : (JSON.stringify(r.value) ?? String(r.value));
  return { ...input, output: text, result: { ...input.result, text } };
}

/** An assertion with members (`assert-set`) evaluates them on the output it sees itself (after its transform). */
function withMembers(spec: AssertionSpec, input: AssertionInput): AssertionInput {
  if (spec.assert === undefined) return input;
  const own: AssertionInput = { ...input, evaluateMembers: (members, threshold) => evaluateAll(members, threshold, own) };
  return own;
}

/** Runs one assertion. Never throws: configuration problems and failures of user code come back as `error`. */
export async function evaluateAssertion(spec: AssertionSpec, index: number, input: AssertionInput): Promise<AssertionResult> {
  const resolved = resolveAssertionType(spec.type);
  let raw: RawAssertionResult;
  if (!resolved) {
    raw = errorRaw(checkAssertion(spec)?.message ?? `unknown assertion type "${spec.type}"`);
  } else {
    const problem = checkAssertion(spec);
    if (problem) raw = errorRaw(problem.message);
    else {
      try {
        const rendered = resolved.definition.type === 'javascript' ? spec : { ...spec, value: renderValue(spec.value, input.vars) };
        const seen = spec.transform === undefined ? input : await transformedInput(spec.transform, input);
        raw = 'error' in seen ? errorRaw(`transform: ${seen.error}`) : await resolved.definition.evaluate(rendered, withMembers(spec, seen));
      } catch (e) {
        raw = errorRaw(`${spec.type} could not be evaluated: ${(e as Error).message}`);
      }
    }
  }
  return finishAssertion(spec, index, raw, resolved, input.vars);
}

/** A raw result as the assertion's final result: `not-` applied, `weight: 0` turned into a pass, errors failing both ways. */
export function finishAssertion(spec: AssertionSpec, index: number, raw: RawAssertionResult, resolved: ResolvedAssertionType | undefined, vars: Record<string, unknown>): AssertionResult {
  const weight = typeof spec.weight === 'number' && Number.isFinite(spec.weight) && spec.weight >= 0 ? spec.weight : 1;
  let pass = raw.pass;
  let score = raw.score;
  let reason = raw.reason;
  if (!raw.error && resolved?.negated) {
    if (raw.inverse) ({ pass, score, reason } = raw.inverse);
    else {
      pass = !pass;
      score = raw.negatedScore ?? 1 - score;
    }
  }
  if (raw.error) [pass, score] = [false, 0];
  const result: AssertionResult = {
    type: spec.type,
    index,
    pass: weight === 0 ? true : pass,
    rawPass: pass,
    score,
    reason,
    weight,
    modelGraded: resolved?.definition.modelGraded ?? false,
  };
  // promptfoo renders metric names with the case's vars (`metric: '{{ topic }}_accuracy'`).
  if (spec.metric !== undefined) result.metric = String(renderValue(spec.metric, vars));
  if (raw.error) result.error = raw.error;
  if (raw.grader) result.grader = raw.grader;
  return result;
}

/** What every assertion of `testCase` sees of the call's output. */
export function assertionInput(testCase: EvaluableCase, result: CallResult, options: EvaluateOptions): AssertionInput {
  return {
    output: result.text,
    vars: testCase.vars,
    test: testCase,
    result,
    request: options.request,
    context: options.context,
    trusted: options.trusted,
    signal: options.signal,
    baseDir: options.baseDir,
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.steps ? { steps: options.steps } : {}),
  };
}

/** Applies every assertion of `testCase` to the call's output and returns the case verdict. Never throws. */
export async function evaluateCase(testCase: EvaluableCase, result: CallResult, options: EvaluateOptions): Promise<CaseVerdict> {
  if (result.error) {
    return {
      pass: false,
      score: 0,
      reason: `The model call failed (${result.error.kind}): ${result.error.message}`,
      results: [],
      namedScores: {},
      error: `call failed: ${result.error.message}`,
      graderCost: 0,
    };
  }
  const input = assertionInput(testCase, result, options);
  const own = testCase.assert.filter((spec) => !(options.deferComparisons && resolveAssertionType(spec.type)?.definition.compare));
  // Only comparisons: promptfoo's aggregate over no weighted result scores 0 (and passes until a comparison fails).
  if (own.length === 0 && testCase.assert.length > 0) return { pass: true, score: 0, reason: 'Only comparisons, still to run', results: [], namedScores: {}, graderCost: 0 };
  const verdict = await evaluateAll(testCase.assert, testCase.threshold, input, own);
  if (!testCase.assertScoringFunction) return verdict;
  return applyScoringFunction(testCase.assertScoringFunction, verdict, testCase.threshold, { trusted: options.trusted, ...(options.limits ? { limits: options.limits } : {}), ...(options.signal ? { signal: options.signal } : {}) });
}

/** Runs assertions on one output and combines them (a case, or the members of an `assert-set`); `only` leaves the others out. */
async function evaluateAll(specs: AssertionSpec[], threshold: number | undefined, input: AssertionInput, only: AssertionSpec[] = specs): Promise<CaseVerdict> {
  const results = await Promise.all(specs.map((spec, i) => [spec, i] as const).filter(([spec]) => only.includes(spec)).map(([spec, i]) => evaluateAssertion(spec, i, input)));
  return combine(results, threshold);
}

/** Combines assertion results into a case verdict (exported for callers that evaluate assertions one by one). */
export function combine(results: AssertionResult[], threshold?: number): CaseVerdict {
  let total = 0;
  let totalWeight = 0;
  let firstFailure: AssertionResult | undefined;
  let firstError: AssertionResult | undefined;
  const metricSums = new Map<string, { sum: number; weight: number; plain: number; count: number }>();
  let graderCost: number | null = 0;
  for (const r of results) {
    total += r.score * r.weight;
    totalWeight += r.weight;
    if (r.weight > 0 && r.error && !firstError) firstError = r;
    if (!r.pass && !firstFailure) firstFailure = r;
    if (r.metric !== undefined) {
      const m = metricSums.get(r.metric) ?? { sum: 0, weight: 0, plain: 0, count: 0 };
      m.sum += r.score * r.weight;
      m.weight += r.weight;
      m.plain += r.score;
      m.count++;
      metricSums.set(r.metric, m);
    }
    if (r.grader) graderCost = graderCost === null || r.grader.cost === null ? null : graderCost + r.grader.cost;
  }
  const namedScores: Record<string, number> = {};
  // A metric made only of weight-0 assertions (a recorded measurement) reports its plain mean.
  for (const [name, m] of metricSums) namedScores[name] = m.weight > 0 ? m.sum / m.weight : m.plain / m.count;

  if (results.length === 0) return { pass: true, score: 1, reason: 'No assertions', results, namedScores, graderCost };
  const score = totalWeight > 0 ? total / totalWeight : 0;
  let pass: boolean;
  let reason: string;
  if (typeof threshold === 'number' && !Number.isNaN(threshold)) {
    pass = score >= threshold;
    reason = `Weighted score ${score.toFixed(2)} ${pass ? '≥' : '<'} threshold ${threshold}`;
  } else {
    pass = !firstFailure;
    reason = firstFailure ? `${firstFailure.type}: ${firstFailure.reason}` : 'All assertions passed';
  }
  const verdict: CaseVerdict = { pass, score, reason, results, namedScores, graderCost };
  if (firstError) {
    verdict.pass = false;
    const base = firstError.type.replace(/^not-/, '');
    verdict.error = firstError.error!.startsWith(base) ? firstError.error! : `${firstError.type}: ${firstError.error}`;
    verdict.reason = verdict.error;
  }
  return verdict;
}
