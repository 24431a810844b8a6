// The assertion model: what a test case asks of an output, what an assertion sees, and what it returns.
// Pure data; the registry (assertionRegistry.ts) maps type names to behaviour.
import type { CallResult, ChatRequest, ModelRef, Range, Usage } from '../types';

/** One entry of a test case's `assert:` list, in promptfoo's shape. */
export interface AssertionSpec {
  /** A registered type, optionally prefixed with `not-` (e.g. `contains`, `not-regex`). */
  type: string;
  /** The expected value; its meaning depends on the type (string, list, number, object, JSON Schema…). */
  value?: unknown;
  /** Type-specific pass bound: a minimum score (similar, rouge-n, bleu…) or a maximum (levenshtein, latency, cost). */
  threshold?: number;
  /** Relative importance in the case's weighted score; default 1. `0` records the result but never fails the case. */
  weight?: number;
  /** Name of a metric this assertion's score contributes to (weighted mean per metric). */
  metric?: string;
  /** Grader or embedding model for model-graded types: `provider:model`, a promptfoo provider id, or `{ id }`. */
  provider?: string | { id: string; [key: string]: unknown };
  /** Replaces the grader prompt of a model-graded type: a template string, or a list of chat messages. */
  rubricPrompt?: string | { role: string; content: string }[];
  /** Free-form settings passed to `javascript` (as `context.config`); `timeoutMs` bounds its run time. */
  config?: Record<string, unknown>;
  /** Type-specific options, e.g. `factuality` category scores. */
  options?: Record<string, unknown>;
  /** promptfoo's assertion `transform`: JavaScript applied to the output for this assertion only (trusted only). */
  transform?: string;
  /** promptfoo's `contextTransform` for the context-* types: JavaScript over the output that returns the context (trusted only). */
  contextTransform?: string;
  /** `meteor` only: its α (precision/recall balance), β and γ (fragmentation penalty shape and weight). */
  alpha?: number;
  beta?: number;
  gamma?: number;
  /** `assert-set` only: the assertions of the set. */
  assert?: AssertionSpec[];
  /** Where the assertion is written, for diagnostics. */
  range?: Range;
}

/** The part of a test case an assertion may look at. `TestCase` from core/testBank satisfies it. */
export interface AssertionTestContext {
  description?: string;
  vars: Record<string, unknown>;
  /** promptfoo's test `options`: `provider` (grader override), `factuality` scores… */
  options?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  source?: { file: string; index: number };
}

/** What a model-graded assertion needs from the engine; nothing here depends on how the engine works. */
export interface GradingContext {
  /** Default grader for `llm-rubric`, `model-graded-closedqa` and `factuality` (setting `assay.grader.model`). */
  graderModel: ModelRef;
  /** Default embeddings model for `similar` (setting `assay.grader.embeddingModel`). */
  embeddingModel?: ModelRef;
  /** Sends one grader request; failures come back as `CallResult.error`. The engine records it as a trace. */
  grade(request: ChatRequest, signal?: AbortSignal): Promise<CallResult>;
  /** Embeds texts with the given (or default) embeddings model, one vector per text, in order. */
  embed(texts: string[], model?: ModelRef, signal?: AbortSignal): Promise<number[][] | { error: string }>;
  /** Classifies a text with a moderation model: the flagged categories with their scores. Absent where no engine can. */
  moderate?(text: string, model: ModelRef, signal?: AbortSignal): Promise<{ category: string; score: number }[] | { error: string }>;
}

/** Time and memory limits for the assertions that run untrusted work: `javascript` code, `regex` patterns. */
export interface AssertionLimits {
  /** Per `javascript` assertion; its own `config.timeoutMs` overrides it. */
  javascriptTimeoutMs: number;
  /** Per `regex` assertion, or JSON Schema pattern, that needs the backtracking engine (see docs/assertions.md). */
  regexTimeoutMs: number;
  /** Heap limit of the worker threads that run them. */
  memoryMb: number;
}

/** The limits used where a run sets none. */
export const DEFAULT_ASSERTION_LIMITS: Readonly<AssertionLimits> = { javascriptTimeoutMs: 5000, regexTimeoutMs: 1000, memoryMb: 256 };

/** The sandbox limits of a pattern that runs on JavaScript's engine (a `regex` assertion, a JSON Schema pattern). */
export function regexLimits(input: Pick<AssertionInput, 'limits' | 'signal'>): { timeoutMs: number; memoryMb: number; signal?: AbortSignal } {
  const limits = input.limits ?? DEFAULT_ASSERTION_LIMITS;
  return { timeoutMs: limits.regexTimeoutMs, memoryMb: limits.memoryMb, signal: input.signal };
}

/** Everything one assertion sees. */
export interface AssertionInput {
  /** The output text under test. */
  output: string;
  vars: Record<string, unknown>;
  test: AssertionTestContext;
  /** The call that produced the output: latency, cost, finish reason, tool calls. */
  result: CallResult;
  /** Every model call of the case in order when it ran a tool loop (the last is `result`); absent: `result` alone. */
  steps?: CallResult[];
  /** The request that produced the output: the prompt for graders, the declared tools. */
  request?: ChatRequest;
  context: GradingContext;
  /** Whether code from the workspace may run (`javascript`): the CLI, or a trusted workspace. */
  trusted: boolean;
  signal?: AbortSignal;
  /** Folder that relative `file://` references resolve against (the test bank's folder). */
  baseDir?: string;
  /** Limits of sandboxed work; `DEFAULT_ASSERTION_LIMITS` where absent. */
  limits?: AssertionLimits;
  /** Evaluates a group of assertions on this same output and combines them (for `assert-set`). */
  evaluateMembers?(specs: AssertionSpec[], threshold?: number): Promise<CaseVerdict>;
}

/** Cost and usage of a grader call made on behalf of an assertion. */
export interface GraderCall {
  model: ModelRef;
  usage: Usage | null;
  cost: number | null;
  latencyMs: number;
}

/** What a registered type's `evaluate` returns: the un-negated verdict (the registry applies `not-`). */
export interface RawAssertionResult {
  pass: boolean;
  /** 0…1. */
  score: number;
  /** States what was observed, true whichever way the verdict goes (so it reads right under `not-`). */
  reason: string;
  /** Set when the assertion could not be evaluated (bad configuration, grader failure, unknown cost…). Fails both `x` and `not-x`. */
  error?: string;
  grader?: GraderCall;
  /** The score under `not-` where promptfoo does not use 1 − score (e.g. `is-refusal` on an empty output scores 0 either way). */
  negatedScore?: number;
  /**
   * The whole verdict under `not-` where it is not the opposite of this one (the `trajectory:*` types: `not-`
   * of a list of tools means none of them was used, with its own reason).
   */
  inverse?: { pass: boolean; score: number; reason: string };
}

/** The final result of one assertion on one output. */
export interface AssertionResult {
  /** The type as written, `not-` included. */
  type: string;
  /** Position in the case's (defaults-merged) assertion list. */
  index: number;
  pass: boolean;
  score: number;
  reason: string;
  weight: number;
  metric?: string;
  /** The verdict before `weight: 0` turned it into a pass. */
  rawPass: boolean;
  error?: string;
  grader?: GraderCall;
  /** Whether a grader or embeddings model was involved. */
  modelGraded: boolean;
}

/** The verdict of a test case on one output. */
export interface CaseVerdict {
  pass: boolean;
  /** Weighted mean of the assertion scores (weights > 0); 1 with no assertions. */
  score: number;
  reason: string;
  results: AssertionResult[];
  /** Weighted mean score per `metric` name. */
  namedScores: Record<string, number>;
  /** Set when the call failed or an assertion could not be evaluated: the case errored rather than failed. */
  error?: string;
  /** Total cost of grader calls, US dollars; `null` when some grader cost is unknown. */
  graderCost: number | null;
}

/** A registered assertion type with its documentation. */
export interface AssertionDefinition {
  type: string;
  /** One line. */
  description: string;
  /** A few sentences: exact semantics, what `value` and `threshold` mean, how scores are computed. */
  docs: string;
  /** A YAML snippet: an `assert:` list using the type. */
  example: string;
  /** Uses a grader or embeddings model. */
  modelGraded: boolean;
  /** The models it calls, for the preflight check: default `['text']` (the grader) when `modelGraded`, else none. */
  uses?: readonly ('text' | 'embedding' | 'moderation')[];
  /** Runs workspace code: only where `trusted` is true. */
  trustedOnly?: boolean;
  /** Problems with the assertion's own configuration, found without an output (loaders turn them into diagnostics). */
  check?(spec: AssertionSpec): string | undefined;
  evaluate(spec: AssertionSpec, input: AssertionInput): RawAssertionResult | Promise<RawAssertionResult>;
  /**
   * For types that compare the outputs of one case across models (`select-best`, `max-score`): one raw result
   * per output, in order. The run calls it once every output of the case is evaluated; `evaluate` then only
   * answers where there is a single output.
   */
  compare?(spec: AssertionSpec, outputs: ComparedOutput[]): Promise<RawAssertionResult[]>;
}

/** One output of a case, with its verdict over the case's other assertions (what a comparison sees). */
export interface ComparedOutput {
  input: AssertionInput;
  verdict: CaseVerdict;
}
