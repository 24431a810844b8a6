// Runs a test suite: every (case × model × repeat) rendered, called through the engine, evaluated and
// written to history under one run id, then summed up per model and compared with the previous run of
// the same bank. No UI: progress goes out through callbacks, the result is a `RunReport`. The CLI, the
// CodeLens and the Test Explorer all call `runTests`.
import { createHash } from 'node:crypto';
import type { AssertionInput, AssertionLimits, CaseVerdict } from '../assertions/assertionTypes';
import { assertionInput, evaluateCase } from '../assertions/evaluateCase';
import type { RenderResult } from '../promptFile/renderPrompt';
import { compareCaseStatuses } from '../stats/compareRuns';
import { passRateChange } from '../stats/significance';
import { scoreChange, type CaseScores } from '../stats/pairedScores';
import type { CaseStatus } from '../stats/runStats';
import { derivedId, newId, promptVersionId } from '../store/ids';
import type { EvaluationInput, RunKind, TraceInput } from '../store/storeTypes';
import type { TraceStore } from '../store/traceStore';
import type { CallResult, ChatRequest } from '../types';
import type { CallOptions, Engine } from './engine';
import type { LoopBudget } from './loopBudget';
import type { ExecutionCalls, ExecutionKey, ModelCaller } from './modelCaller';
import { ComparisonHub } from './comparisonHub';
import { createGradingContext, type GraderCall, type GradingSettings } from './gradingContext';
import { findPreviousRuns, RUN_SUMMARY_FORMAT, RunHistoryWriter, type StoredRunSummary } from './runHistory';
import { modelStatsOf, runMetrics, totalsOf, type CaseExecution, type ModelComparison, type RunReport } from './runReport';
import type { ModelTarget, RenderTarget, TestSuite } from './testSuite';
import type { PromptAffix } from './promptfooPrompt';
import { type ChainTurn, CONVERSATION_VAR, ConversationChains, needsChains, promptUsesConversation } from './conversationChains';
import { loopTotals, runToolLoop, type ToolLoopOutcome } from './toolLoop';
import { runTransform } from './userTransform';
import { caseNeedsLogprobs } from './logprobRequests';
import { maxToolSteps } from '../testBank/mockTools';
import { isAllowedProvider } from '../testBank/promptfooTests';
import type { TestCase } from '../testBank/testBankTypes';

/** Each case's mean score as the paired test on scores takes it (runs recorded before scores were kept have none). */
function caseScores(cases: readonly CaseStatus[]): CaseScores[] {
  return cases.filter((c) => c.meanScore !== undefined).map((c) => ({ caseId: c.caseId, scores: [c.meanScore!] }));
}

/** Where grader calls are filed in history (`promptPath` of their traces), apart from the prompt under test. */
export const GRADER_PROMPT_PATH = '(grader)';

/** Counts so far, sent with every finished execution. */
export interface RunProgress {
  total: number;
  done: number;
  passed: number;
  failed: number;
  errors: number;
  /** Started and not finished. */
  running: number;
}

/** An execution about to call its model. */
export interface StartedExecution {
  index: number;
  caseId: string;
  description?: string;
  model: string;
  repeatIndex: number;
}

/** Inputs of `runTests`. */
export interface TestRunOptions {
  suite: TestSuite;
  engine: Engine;
  /**
   * History; `null` or absent runs without recording (and without comparison). A promise lets the calls
   * start while the store is still opening: rows wait for it, and a promise that resolves to `null`
   * turns recording off.
   */
  store?: TraceStore | null | Promise<TraceStore | null>;
  grading: GradingSettings;
  /** Whether `javascript` assertions may run (the CLI; a trusted workspace). */
  trusted: boolean;
  /** Time and memory limits of `javascript` and `regex` assertions; the defaults where absent. */
  limits?: AssertionLimits;
  /** Runs per case and model; overrides the cases' and the bank's `repeat`. */
  repeat?: number;
  /** Serve identical calls from the engine's cache (default true). Never used for cases run more than once. */
  useCache?: boolean;
  /**
   * Shared by the runs of suites that run together (every prompt of a promptfoo config), so `select-best` and
   * `max-score` compare all their outputs of a case. Absent: this suite's models only. Every suite the hub was
   * made with must run, concurrently; a suite left out would keep the others waiting.
   */
  comparisons?: ComparisonHub;
  /** Cancels the run: jobs not started never start; calls in flight end as `cancelled` errors. */
  signal?: AbortSignal;
  /**
   * Resolve only once history holds the whole run (default true). The CLI, which closes the store right
   * after the run (a close waits for every write), passes false to write its reports meanwhile; `recorded`
   * then says the run was handed to an open store, and later history problems reach only `onWarning`.
   */
  waitForHistory?: boolean;
  /** How the run is filed in history (default `test`). */
  kind?: RunKind;
  /** Recorded with the run (options that explain it). */
  runConfig?: Record<string, unknown>;
  onCaseStarted?: (started: StartedExecution) => void;
  onCaseFinished?: (execution: CaseExecution, progress: RunProgress) => void;
  /** A history problem (the run goes on). */
  onWarning?: (message: string) => void;
  /** Answers the model calls, and the grader calls it takes, instead of the engine (a batch run). */
  caller?: ModelCaller;
  /** The run's id and start (a resumed batch run keeps its own); new ones by default. */
  runId?: string;
  startedAt?: number;
  /**
   * Trace and evaluation ids derived from the run and the execution, not random: a resumed batch run that
   * records an execution its killed predecessor had already recorded writes the same rows, kept once.
   */
  stableIds?: boolean;
  /** Spreads the run's jobs over turns of the event loop (the editor's extension host must stay responsive). */
  loopBudget?: LoopBudget;
}

interface Job {
  index: number;
  caseIndex: number;
  target: ModelTarget;
  repeatIndex: number;
  repeats: number;
  /** Its calls through `caller`, from its start to its end. */
  calls?: ExecutionCalls;
  /** Grader calls recorded so far, per request: a resumed batch run's grader traces get the ids its predecessor's had. */
  graderSeen?: Map<string, number>;
}

/** An execution evaluated but not yet recorded (it may wait for the other models' outputs of its case). */
interface Outcome {
  job: Job;
  execution: CaseExecution;
  /** The verdict over the case's own assertions, when the output was evaluated. */
  verdict?: CaseVerdict;
  /** What the assertions saw, for the comparison step. */
  input?: AssertionInput;
  trace?: TraceInput & { id: string };
  /** A tool loop's earlier steps, each its own trace under `trace`. */
  steps?: (TraceInput & { id: string })[];
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** How many executions `runTests` makes of `suite` (a case's `providers` list leaves some models out). */
export function plannedExecutions(suite: TestSuite, repeat?: number): number {
  let n = 0;
  for (const c of suite.cases) n += suite.models.filter((t) => isAllowedProvider(t, c.providers)).length * Math.max(1, Math.floor(repeat ?? c.repeat ?? 1));
  return n;
}

function affixOf(c: TestCase): PromptAffix | undefined {
  const prefix = c.options?.prefix;
  const suffix = c.options?.suffix;
  if (typeof prefix !== 'string' && typeof suffix !== 'string') return undefined;
  return { ...(typeof prefix === 'string' ? { prefix } : {}), ...(typeof suffix === 'string' ? { suffix } : {}) };
}

/**
 * The output the assertions judge: the answer, or what the case's `options.transform` makes of it
 * (promptfoo's `(output, context)` with `context.vars` and `context.prompt`). A value that is not text is
 * judged as its JSON.
 */
async function transformOutput(c: TestCase, result: CallResult, suite: TestSuite, trusted: boolean): Promise<{ result: CallResult } | { error: string }> {
  const code = c.options?.transform;
  if (typeof code !== 'string') return { result };
  const context = { vars: c.vars, prompt: { label: suite.prompt.label, raw: suite.prompt.content }, metadata: c.metadata ?? {} };
  const r = await runTransform(code, 'output', result.text, context, { baseDir: suite.baseDir, trusted });
  if ('error' in r) return r;
  const text = typeof r.value === 'string' ? r.value : (JSON.stringify(r.value) ?? String(r.value));
  return { result: { ...result, text } };
}

/** A grader call as a trace: a chat call as it is; an embeddings or moderation call with what it sent and got. */
function graderTrace(call: GraderCall): CallResult {
  if (call.kind === 'chat') return call.result;
  const base = { model: call.model, text: '', toolCalls: [], finishReason: null, latencyMs: call.result.latencyMs, ttftMs: null, cacheHit: false, ...(call.result.error ? { error: call.result.error } : {}) };
  if (call.kind === 'moderate') {
    return { ...base, usage: null, cost: null, request: { moderation: call.text }, response: call.result.error ? null : { flags: call.result.flags } };
  }
  const usage = call.result.usage ? { inputTokens: call.result.usage.inputTokens, outputTokens: 0, cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 } : null;
  return { ...base, usage, cost: call.result.cost, request: { embeddings: call.texts }, response: call.result.error ? null : { vectors: call.result.vectors.length } };
}

/** The model calls of one execution: one call, or a tool loop's steps when the case mocks tools; when each started. */
interface CaseCalls {
  steps: CallResult[];
  /** ms since the epoch, per step. */
  startedAt: number[];
  /** Why a tool loop stopped before an answer (a failed step's error is also on that step). */
  error?: ToolLoopOutcome['error'];
}

function callCase(engine: Engine, c: TestCase, request: ChatRequest, call: CallOptions, single?: () => Promise<CallResult>): Promise<CaseCalls> {
  const sentAt = Date.now();
  // Not an async frame of its own: a batch run holds 20,000 of these waiting at once.
  if (!c.mockTools) return (single ? single() : engine.call(request, call)).then((result) => ({ steps: [result], startedAt: [sentAt] }));
  return toolLoopCalls(engine, c, c.mockTools, request, call);
}

async function toolLoopCalls(engine: Engine, c: TestCase, mocks: NonNullable<TestCase['mockTools']>, request: ChatRequest, call: CallOptions): Promise<CaseCalls> {
  const startedAt: number[] = [];
  const loop = await runToolLoop({ engine, request, mocks, maxSteps: maxToolSteps(c.options), call, onStep: (step) => startedAt.push(Date.now() - step.latencyMs) });
  return { steps: loop.steps, startedAt, ...(loop.error ? { error: loop.error } : {}) };
}

/**
 * The traces of an execution's calls: the case's (its last call), and a tool loop's earlier steps, each its
 * own trace under the case's (which holds the verdict), numbered from 0.
 */
function tracesOf(called: CaseCalls, where: Omit<TraceInput, keyof CallResult | 'startedAt'>, traceId: string, loop: boolean): Pick<Outcome, 'trace' | 'steps'> {
  const last = called.steps.length - 1;
  // Object.assign rather than a spread, which on Node 20 makes a hidden class per trace (see executionOf).
  return {
    trace: Object.assign({}, called.steps[last]!, where, { id: traceId, startedAt: called.startedAt[last]! }, loop ? { step: last } : {}),
    steps: called.steps.slice(0, -1).map((step, i) => Object.assign({}, step, where, { id: newId(called.startedAt[i]!), startedAt: called.startedAt[i]!, parentId: traceId, step: i })),
  };
}

/** Runs every case of `options.suite` on every model, `repeat` times. Resolves when all are done (or cancelled). */
export async function runTests(options: TestRunOptions): Promise<RunReport> {
  const { suite, engine, signal } = options;
  const startedAt = options.startedAt ?? Date.now();
  const t0 = performance.now();
  const runId = options.runId ?? newId(startedAt);
  const useCache = options.useCache !== false;
  const warnings: string[] = [];
  const warn = (message: string): void => {
    warnings.push(message);
    options.onWarning?.(message);
  };
  const opening = options.store ? Promise.resolve(options.store) : null;
  let history = opening ? new RunHistoryWriter(opening, warn) : null;
  // A store that did not open: nothing more is recorded (rows already queued are dropped by the writer).
  void opening?.then((s) => {
    if (!s) history = null;
  });
  const versionId = promptVersionId(suite.prompt.content);

  if (history) {
    if (suite.promptPath !== null) history.write((store) => store.addPromptVersion({ path: suite.promptPath!, content: suite.prompt.content }));
    history.write((store) =>
      store.startRun({
        id: runId,
        kind: options.kind ?? 'test',
        promptPath: suite.promptPath,
        promptVersionId: suite.promptPath !== null ? versionId : null,
        bankPath: suite.bankPath,
        models: suite.models.map((m) => m.label),
        config: { ...options.runConfig, repeat: options.repeat ?? null, useCache, cases: suite.cases.length, ...(suite.shard ? { shard: `${suite.shard.index}/${suite.shard.count}` } : {}) },
        startedAt,
      }),
    );
  }

  // The previous runs don't change while this one runs: look them up now, off the end of the run.
  const bankPath = suite.bankPath;
  const previousRuns =
    opening && bankPath !== null
      ? opening
          .then((store) => (store ? findPreviousRuns(store, { bankPath, promptPath: suite.promptPath, before: startedAt, excludeId: runId }, suite.models.map((m) => m.label)) : null))
          .catch((err: unknown) => new Error(`history: cannot read the previous run: ${errorMessage(err)}`))
      : null;

  const jobs: Job[] = [];
  suite.cases.forEach((c, caseIndex) => {
    const repeats = Math.max(1, Math.floor(options.repeat ?? c.repeat ?? 1));
    for (const target of suite.models) {
      if (!isAllowedProvider(target, c.providers)) continue;
      for (let r = 0; r < repeats; r++) jobs.push({ index: jobs.length, caseIndex, target, repeatIndex: r, repeats });
    }
  });
  const executions = new Array<CaseExecution>(jobs.length);
  const progress: RunProgress = { total: jobs.length, done: 0, passed: 0, failed: 0, errors: 0, running: 0 };

  // A case renders once for all its models and repeats (once per model when the prompt reads which model it
  // is for); the count frees the result after its last job.
  const renders = new Map<string, { result: Promise<RenderResult>; left: number }>();
  /** The model a prompt that reads it renders for (promptfoo's `provider`); undefined for every other prompt. */
  const renderTargetOf = (job: Job): RenderTarget | undefined => (suite.prompt.perTarget ? { id: job.target.id ?? job.target.label, label: job.target.label } : undefined);
  const renderKey = (job: Job): string => (suite.prompt.perTarget ? `${job.caseIndex}\u0000${job.target.label}` : String(job.caseIndex));
  const jobsPerRender = new Map<string, number>();
  for (const j of jobs) {
    const key = renderKey(j);
    jobsPerRender.set(key, (jobsPerRender.get(key) ?? 0) + 1);
  }
  const renderCase = (job: Job): Promise<RenderResult> => {
    const key = renderKey(job);
    let entry = renders.get(key);
    if (!entry) {
      const c = suite.cases[job.caseIndex]!;
      const affix = affixOf(c);
      const target = renderTargetOf(job);
      let result: Promise<RenderResult>;
      try {
        result = Promise.resolve(suite.prompt.render(c.vars, affix, target)).catch((err: unknown) => ({ error: { message: errorMessage(err) } }));
      } catch (err) {
        result = Promise.resolve({ error: { message: errorMessage(err) } });
      }
      entry = { result, left: jobsPerRender.get(key) ?? 1 };
      renders.set(key, entry);
    }
    if (--entry.left === 0) renders.delete(key);
    return entry.result;
  };

  const finish = (execution: CaseExecution): void => {
    executions[execution.index] = execution;
    progress.done++;
    if (execution.status === 'pass') progress.passed++;
    else if (execution.status === 'fail') progress.failed++;
    else progress.errors++;
    options.onCaseFinished?.(execution, { ...progress });
  };

  const base = (job: Job): Omit<CaseExecution, 'status' | 'score' | 'reason' | 'startedAt'> => {
    const c = suite.cases[job.caseIndex]!;
    return {
      index: job.index,
      caseId: c.id,
      ...(c.description !== undefined ? { description: c.description } : {}),
      caseIndex: suite.caseIndices?.[job.caseIndex] ?? job.caseIndex,
      model: job.target.label,
      modelRef: job.target.ref,
      repeatIndex: job.repeatIndex,
      repeats: job.repeats,
      cancelled: false,
      assertions: [],
      output: '',
      vars: c.vars,
      usage: null,
      cost: null,
      graderCost: null,
      latencyMs: 0,
      ttftMs: null,
      cacheHit: false,
      traceId: null,
    };
  };

  /**
   * A job's execution: its base fields, then `rest` (which may replace some). Built by `Object.assign`,
   * not a spread: on Node 20 `{ ...base, x }` gives every object a hidden class (map) of its own, ~1 KB
   * per execution kept for the reports, where these share one.
   */
  const executionOf = (job: Job, rest: Pick<CaseExecution, 'status' | 'score' | 'reason' | 'startedAt'> & Partial<CaseExecution>): CaseExecution => Object.assign(base(job), rest);

  const cancelledBeforeStart = (job: Job): CaseExecution =>
    executionOf(job, {
      status: 'error',
      cancelled: true,
      score: null,
      reason: 'Cancelled before it started',
      error: { kind: 'cancelled', message: 'Cancelled before it started' },
      startedAt: Date.now(),
    });

  /** A grader trace's id: new, or with stable ids derived from the execution and what was asked (the n-th same request). */
  const graderTraceId = (job: Job, call: GraderCall): string => {
    if (!options.stableIds) return newId(call.startedAt);
    const asked = createHash('sha256').update(JSON.stringify(call.kind === 'chat' ? call.request : call.kind === 'embed' ? [call.model, call.texts] : [call.model, call.text])).digest('hex');
    const seen = (job.graderSeen ??= new Map<string, number>());
    const n = seen.get(asked) ?? 0;
    seen.set(asked, n + 1);
    return derivedId(startedAt, `${runId} ${job.caseIndex} ${job.target.label} ${job.repeatIndex} grader ${call.kind} ${asked} ${n}`);
  };

  const recordGrader = (job: Job, call: GraderCall): void => {
    if (!history) return;
    const c = suite.cases[job.caseIndex]!;
    history.add({ ...graderTrace(call), id: graderTraceId(job, call), runId, promptPath: GRADER_PROMPT_PATH, caseId: c.id, repeatIndex: job.repeatIndex, variables: null, startedAt: call.startedAt });
  };

  /** Writes an evaluated execution (its verdict, its trace) to history and reports it finished. */
  const settle = (outcome: Outcome): void => {
    const { execution, verdict, trace } = outcome;
    const c = suite.cases[outcome.job.caseIndex]!;
    let evaluations: EvaluationInput[] = [];
    if (verdict) {
      execution.assertions = verdict.results;
      if (Object.keys(verdict.namedScores).length > 0) execution.namedScores = verdict.namedScores;
      execution.score = verdict.score;
      execution.reason = verdict.reason;
      execution.graderCost = verdict.graderCost;
      if (verdict.error) {
        execution.error = { kind: 'assertion', message: verdict.error };
        execution.cancelled = signal?.aborted === true;
      } else execution.status = verdict.pass ? 'pass' : 'fail';
      if (trace) {
        evaluations = verdict.results.map((r, i) => ({
          ...(options.stableIds ? { id: derivedId(startedAt, `${trace.id} ${i}`) } : {}),
          traceId: trace.id,
          caseId: c.id,
          assertionType: r.type,
          pass: r.pass,
          score: r.score,
          reason: r.reason,
          ...(r.metric !== undefined ? { metric: r.metric } : {}),
          weight: r.weight,
        }));
      }
    }
    if (history && trace) {
      for (const step of outcome.steps ?? []) history.add(step);
      history.add(trace, evaluations);
    }
    finish(execution);
  };

  // Cases with select-best or max-score: an execution waits in the hub until every execution of its case
  // (every model; every prompt of a promptfoo config) is evaluated, then the comparison settles them all.
  const hub = options.comparisons ?? new ComparisonHub([suite], options.repeat);
  const comparing: Promise<void>[] = [];
  let broken: unknown;
  const done = (outcome: Outcome): void => {
    const c = suite.cases[outcome.job.caseIndex]!;
    const key = ComparisonHub.key(suite, c, outcome.job.repeatIndex);
    if (!hub.has(key)) return settle(outcome);
    const evaluated = outcome.verdict && outcome.input ? { input: outcome.input, verdict: outcome.verdict } : undefined;
    const member = {
      suite,
      model: outcome.job.target.label,
      testCase: c,
      ...(evaluated ? { evaluated } : {}),
      settle: (verdict: CaseVerdict | undefined) => settle(verdict ? { ...outcome, verdict } : outcome),
    };
    // Not awaited: the lane goes on with other jobs (the rest of the group may be queued behind it).
    comparing.push(hub.arrive(key, member).catch((err: unknown) => void (broken ??= err)));
  };

  // Cases that read earlier outputs (`_conversation`, `storeOutputAs`): each model's executions take turns in test order.
  const chains = needsChains(suite.prompt.content, suite.cases) ? new ConversationChains(promptUsesConversation(suite.prompt.content)) : null;
  /** The case's messages: rendered once for all its jobs, or, in a chain, for this turn's variables once the turns before it are in. */
  const renderJob = async (job: Job, turn: ChainTurn | undefined): Promise<{ rendered: RenderResult; vars: Record<string, unknown> }> => {
    const c = suite.cases[job.caseIndex]!;
    if (!turn) return { rendered: await renderCase(job), vars: c.vars };
    await turn.ready;
    const vars = turn.vars();
    try {
      return { rendered: await suite.prompt.render(vars, affixOf(c), renderTargetOf(job)), vars };
    } catch (err) {
      return { rendered: { error: { message: errorMessage(err) } }, vars };
    }
  };

  const evaluateJob = async (job: Job): Promise<Outcome> => {
    if (signal?.aborted) return { job, execution: cancelledBeforeStart(job) };
    const c = suite.cases[job.caseIndex]!;
    // Taken before the first await, so turns follow the jobs' order.
    const turn = chains?.enter(job.target.label, c);
    options.onCaseStarted?.({ index: job.index, caseId: c.id, ...(c.description !== undefined ? { description: c.description } : {}), model: job.target.label, repeatIndex: job.repeatIndex });
    progress.running++;
    try {
      const { rendered, vars } = await renderJob(job, turn);
      const jobStarted = Date.now();
      if ('error' in rendered) {
        return {
          job,
          execution: executionOf(job, {
            status: 'error',
            score: null,
            reason: `The prompt did not render: ${rendered.error.message}`,
            error: { kind: 'render', message: rendered.error.message },
            startedAt: jobStarted,
          }),
        };
      }
      const params = { ...suite.prompt.params, ...job.target.params, ...rendered.params, ...(caseNeedsLogprobs(c) ? { logprobs: true } : {}) };
      const request: ChatRequest = { model: job.target.ref, messages: rendered.messages, params, vars };
      const cacheable = useCache && job.repeats === 1;
      const callOptions = { ...(signal ? { signal } : {}), useCache: cacheable, stream: job.target.stream === true, tag: c.id };
      // A batch caller (assay test --batch) takes single calls; a tool loop's steps are made live, one after the other.
      const calls = job.calls;
      const called = await callCase(engine, c, request, callOptions, calls ? () => calls.call(request, callOptions) : undefined);
      const deferred = options.loopBudget?.pass();
      if (deferred) await deferred;
      const result = called.steps[called.steps.length - 1]!;
      const totals = loopTotals(called.steps);
      const traceId = !history ? null : options.stableIds ? derivedId(startedAt, `${runId} ${job.caseIndex} ${job.target.label} ${job.repeatIndex}`) : newId(jobStarted);
      const execution = executionOf(job, {
        status: 'error',
        score: null,
        reason: '',
        output: result.text,
        usage: totals.usage,
        cost: totals.cost,
        latencyMs: totals.latencyMs,
        ttftMs: called.steps[0]!.ttftMs,
        cacheHit: totals.cacheHit,
        traceId,
        startedAt: jobStarted,
      });
      const outcome: Outcome = { job, execution };
      if (history && traceId) {
        const where = { runId, promptVersionId: suite.promptPath !== null ? versionId : null, promptPath: suite.promptPath, caseId: c.id, repeatIndex: job.repeatIndex, variables: vars };
        Object.assign(outcome, tracesOf(called, where, traceId, c.mockTools !== undefined));
      }
      // What the assertions see: in a conversation, the turns up to and with this one (promptfoo's `_conversation` at grading time).
      const turns = turn?.addTurn(rendered.messages, result.text);
      const judged: TestCase = turn ? { ...c, vars: turns ? { ...vars, [CONVERSATION_VAR]: turns } : vars } : c;
      const failure = called.error ?? result.error;
      if (failure) {
        execution.cancelled = failure.kind === 'cancelled';
        execution.reason = `${failure.kind}: ${failure.message}`;
        execution.error = { kind: failure.kind, message: failure.message };
        return outcome;
      }
      const grade = calls?.grade?.bind(calls);
      const context = createGradingContext(engine, options.grading, {
        ...(signal ? { signal } : {}),
        useCache,
        tag: c.id,
        onCall: (call) => recordGrader(job, call),
        ...(grade ? { call: grade } : {}),
      });
      const shown = await transformOutput(judged, result, suite, options.trusted);
      turn?.finish('error' in shown ? undefined : shown.result.text);
      if ('error' in shown) {
        execution.reason = `transform: ${shown.error}`;
        execution.error = { kind: 'assertion', message: `transform: ${shown.error}` };
        return outcome;
      }
      execution.output = shown.result.text;
      const evaluate = {
        context,
        trusted: options.trusted,
        request,
        ...(signal ? { signal } : {}),
        baseDir: suite.baseDir,
        ...(options.limits ? { limits: options.limits } : {}),
        deferComparisons: true,
        ...(called.steps.length > 1 ? { steps: called.steps } : {}),
      };
      outcome.verdict = await evaluateCase(judged, shown.result, evaluate);
      outcome.input = assertionInput(judged, shown.result, evaluate);
      return outcome;
    } finally {
      progress.running--;
      turn?.release();
    }
  };

  const keyOf = (job: Job): ExecutionKey => ({ caseIndex: job.caseIndex, caseId: suite.cases[job.caseIndex]!.id, model: job.target.label, repeatIndex: job.repeatIndex });

  const runJob = async (job: Job): Promise<void> => {
    let outcome: Outcome;
    job.calls = options.caller?.execution(keyOf(job));
    try {
      outcome = await evaluateJob(job);
    } catch (err) {
      // A bug in an assertion or the engine: that execution errors, the run goes on.
      outcome = { job, execution: executionOf(job, { status: 'error', score: null, reason: `internal error: ${errorMessage(err)}`, error: { kind: 'assertion', message: errorMessage(err) }, startedAt: Date.now() }) };
    }
    try {
      done(outcome);
    } finally {
      job.calls?.finish();
      job.calls = undefined;
    }
  };

  // promptfoo's `options.runSerially`: those cases first, one at a time with nothing else running, then the rest.
  const serially = (job: Job) => suite.cases[job.caseIndex]!.options?.runSerially === true;
  for (const job of jobs.filter(serially)) await runJob(job);
  // Enough jobs in flight to keep the engine's slots busy while others render and evaluate; the rest
  // wait here, so a cancelled run never starts them. A batch caller holds every call until it has them all.
  const rest = jobs.filter((j) => !serially(j));
  const width = options.caller?.lanes ?? Math.max(8, engine.stats().limit * 2);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < rest.length) {
      const deferred = options.loopBudget?.pass();
      if (deferred) await deferred;
      if (next < rest.length) await runJob(rest[next++]!);
    }
  };
  // Every job at once (a batch caller) needs no lanes: one suspended frame less per waiting execution.
  await (width >= rest.length ? Promise.all(rest.map(runJob)) : Promise.all(Array.from({ length: width }, lane)));
  // This run's executions that wait for other suites' outputs of their case (prompts of one promptfoo config).
  await Promise.all(comparing);
  if (broken !== undefined) throw broken;

  const cancelled = signal?.aborted === true;
  const models = modelStatsOf(executions, suite.models.map((m) => m.label));

  let comparisons: ModelComparison[] = [];
  let recorded = false;
  if (history) {
    const writer = history;
    // Queued behind the run's last traces; one wait covers both.
    writer.flush();
    const summary: StoredRunSummary = { format: RUN_SUMMARY_FORMAT, suite: suite.name, models };
    const finished = writer.write((store) => store.finishRun(runId, { status: cancelled ? 'cancelled' : 'done', summary }));
    const previous = await previousRuns;
    if (previous instanceof Error) writer.problem(previous.message);
    else if (previous && !cancelled) {
      comparisons = models.map((m) => {
        const p = previous.get(m.model);
        return p
          ? {
              model: m.model,
              previousRunId: p.run.id,
              previousStartedAt: p.run.startedAt,
              comparison: compareCaseStatuses(p.cases, m.cases),
              significance: passRateChange(p.cases, m.cases),
              scoreChange: scoreChange(caseScores(p.cases), caseScores(m.cases)),
            }
          : { model: m.model, previousRunId: null, previousStartedAt: null, comparison: null, significance: null };
      });
    }
    if (options.waitForHistory === false) {
      writer.flush();
      recorded = (await opening) !== null;
    } else {
      await writer.drain();
      recorded = await finished;
    }
  }

  const endedAt = Date.now();
  return {
    runId,
    suite: { name: suite.name, promptPath: suite.promptPath, bankPath: suite.bankPath },
    status: cancelled ? 'cancelled' : 'done',
    executions,
    models,
    comparisons,
    totals: totalsOf(executions),
    startedAt,
    endedAt,
    durationMs: performance.now() - t0,
    recorded,
    warnings,
    ...runMetrics(suite.models.map((m) => m.label), executions, suite.derivedMetrics),
  };
}
