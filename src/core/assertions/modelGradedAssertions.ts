// Assertions judged by another model, with promptfoo 0.121.20's prompts, roles and reply parsing: a grader
// chat model (`llm-rubric`, `model-graded-closedqa`, `factuality`, `g-eval`) or an embeddings model
// (`similar` and its metric variants). They only see the engine through `GradingContext`.
import type { AssertionDefinition, AssertionInput, AssertionSpec, RawAssertionResult } from './assertionTypes';
import { CLOSED_QA_PROMPT, FACTUALITY_PROMPT, GEVAL_EVALUATE_PROMPT, GEVAL_STEPS_PROMPT, LLM_RUBRIC_PROMPT } from './graderPrompts';
import { atLeast, checkGraded, errorResult, extractJsonObjects, gradeWith, GraderTally, namedModel, promptText, rubricTemplate, textOf, tryParse } from './graderSupport';
import { cosineSimilarity } from './textMetrics';
import { isRecord } from './valueUtils';

/** Default score of each factuality category; `options.factuality` on the assertion or the test overrides them. */
export const FACTUALITY_SCORES = { subset: 1, superset: 1, agree: 1, disagree: 0, differButFactual: 1 } as const;
const FACTUALITY_CATEGORY: Record<string, keyof typeof FACTUALITY_SCORES> = { A: 'subset', B: 'superset', C: 'agree', D: 'disagree', E: 'differButFactual' };

/**
 * promptfoo's reading of a `{reason, pass, score}` verdict: the first JSON object of the reply; `pass`
 * defaults to true (a non-boolean is read as yes/true/pass/y), `score` to `pass` as 1/0; with a threshold
 * the score must also reach it. `undefined` when the reply holds no JSON object.
 */
export function readVerdict(text: string, threshold: number | undefined): { pass: boolean; score: number; reason: string } | undefined {
  const parsed = extractJsonObjects(text)[0];
  if (!parsed) return undefined;
  let pass = parsed.pass ?? true;
  if (typeof pass !== 'boolean') pass = /^(true|yes|pass|y)$/i.test(String(pass));
  const n = Number(parsed.score);
  const score = typeof parsed.score === 'number' ? parsed.score : Number.isFinite(n) ? n : Number(pass);
  if (threshold !== undefined) pass = pass && score >= threshold;
  const reason = typeof parsed.reason === 'string' && parsed.reason !== '' ? parsed.reason : pass ? 'Grading passed' : `Score ${score} below threshold ${threshold}`;
  return { pass: pass as boolean, score, reason };
}

/** The factuality category letter: a JSON `category`, else promptfoo's legacy `(X)` pattern. */
export function readFactualityChoice(text: string): { letter: string; reason: string } | { error: string } {
  const json = extractJsonObjects(text)[0];
  if (json && typeof json.category === 'string' && json.category !== '') {
    const letter = json.category.trim().toUpperCase();
    if (!/^[A-E]$/.test(letter)) return { error: `Invalid category value: ${letter}` };
    return { letter, reason: typeof json.reason === 'string' && json.reason.trim() !== '' ? json.reason.trim() : `Category ${letter}` };
  }
  const m = /\s*\(?([a-eA-E])\)/.exec(text);
  if (!m) return { error: `the grader's reply names no category A–E: ${text.slice(0, 200)}` };
  const after = /\)\s*(.*)/s.exec(text);
  return { letter: m[1]!.toUpperCase(), reason: after?.[1] ? after[1].trim() : text };
}

type SimilarityMetric = 'cosine' | 'dot' | 'euclidean';

function similarity(a: number[], b: number[], metric: SimilarityMetric): number {
  if (metric === 'cosine') return cosineSimilarity(a, b);
  if (metric === 'dot') return a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0);
  return Math.sqrt(a.reduce((s, x, i) => s + (x - (b[i] ?? 0)) ** 2, 0));
}

/** One expected text against the output: `pass` and promptfoo's score (a distance becomes 1 / (1 + d)). */
function similarityVerdict(value: number, threshold: number, metric: SimilarityMetric): { pass: boolean; score: number } {
  if (metric === 'euclidean') return { pass: value <= threshold + Number.EPSILON, score: 1 / (1 + value) };
  return { pass: atLeast(value, threshold), score: value };
}

function similarDefinition(type: string, metric: SimilarityMetric): AssertionDefinition {
  const measure = metric === 'euclidean' ? 'Euclidean distance' : metric === 'dot' ? 'dot product' : 'cosine similarity';
  return {
    type,
    description: `The output is semantically similar to the value (embeddings, ${measure}).`,
    docs:
      `Embeds the output and each expected text (\`value\`: a string or a list) with the embeddings model (\`provider\` on the assertion, the test's \`options.provider.embedding\`, ` +
      `else setting \`assay.grader.embeddingModel\`) and compares them by ${measure}. ` +
      (metric === 'euclidean'
        ? 'Passes when the distance is ≤ `threshold` (default 0.75); score = 1 / (1 + distance). '
        : `Score = the ${measure}; passes when it is ≥ \`threshold\` (default 0.75). `) +
      'With a list, the first expected text that passes gives the score; when none passes, the best score and a failure. Under `not-` the score is 1 − score. An embeddings failure is an evaluation error.',
    example: `assert:\n  - type: ${type}\n    value: The charge will be refunded within five days\n    threshold: 0.8`,
    modelGraded: true,
    uses: ['embedding'],
    check(spec) {
      const v = spec.value;
      const ok = (typeof v === 'string' && v !== '') || (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string'));
      if (!ok) return `"${type}" needs an expected text or a list of texts as value`;
      return checkGraded(type)(spec);
    },
    async evaluate(spec, input) {
      const expected = Array.isArray(spec.value) ? (spec.value as string[]) : [String(spec.value)];
      const threshold = spec.threshold ?? 0.75;
      const pick = namedModel(spec, input, 'embedding');
      if (pick && 'error' in pick) return errorResult(pick.error);
      const vectors = await input.context.embed([input.output, ...expected], pick ?? input.context.embeddingModel, input.signal);
      if (!Array.isArray(vectors)) return errorResult(`embeddings failed: ${vectors.error}`);
      if (vectors.length !== expected.length + 1) return errorResult(`embeddings returned ${vectors.length} vectors for ${expected.length + 1} texts`);
      let best = Number.NEGATIVE_INFINITY;
      for (let i = 1; i < vectors.length; i++) {
        const value = similarity(vectors[i]!, vectors[0]!, metric);
        const v = similarityVerdict(value, threshold, metric);
        const shown = `${metric === 'euclidean' ? 'Distance' : 'Similarity'} ${value.toFixed(2)}`;
        if (v.pass) return { pass: true, score: v.score, reason: `${shown} meets threshold ${threshold}` };
        best = Math.max(best, v.score);
        if (expected.length === 1) return { pass: false, score: v.score, reason: `${shown} does not meet threshold ${threshold}` };
      }
      return { pass: false, score: best, reason: 'None of the provided values met the similarity threshold' };
    },
  };
}

/** `llm-rubric`: promptfoo's rubric prompt, its `{reason, pass, score}` reading. */
async function llmRubric(spec: AssertionSpec, input: AssertionInput): Promise<RawAssertionResult> {
  const rubric = spec.value === undefined || spec.value === null || spec.value === '' ? '' : spec.value;
  const vars = { ...input.vars, output: tryParse(input.output), rubric };
  const reply = await gradeWith(spec, input, rubricTemplate(spec, input, LLM_RUBRIC_PROMPT), vars);
  if ('error' in reply) return errorResult(reply.error, reply.grader);
  const verdict = readVerdict(reply.text, spec.threshold);
  if (!verdict) return errorResult(`Could not extract JSON from llm-rubric response: ${reply.text.slice(0, 200)}`, reply.grader);
  return { ...verdict, grader: reply.grader };
}

/** `model-graded-closedqa`: promptfoo's one system message; passes when the reply ends with `Y`. */
async function closedQa(spec: AssertionSpec, input: AssertionInput): Promise<RawAssertionResult> {
  const vars = { ...input.vars, input: promptText(input), criteria: textOf(spec.value), completion: tryParse(input.output) };
  const reply = await gradeWith(spec, input, rubricTemplate(spec, input, CLOSED_QA_PROMPT), vars);
  if ('error' in reply) return errorResult(reply.error, reply.grader);
  const end = reply.text.trimEnd();
  const pass = end.endsWith('Y');
  // promptfoo fails (without an error) a reply that ends with neither letter; so does Assay, saying so.
  const reason = pass ? 'The submission meets the criterion' : end.endsWith('N') ? 'The submission does not meet the criterion' : 'The grader produced a malformed response (no final Y or N)';
  return { pass, score: pass ? 1 : 0, reason: `${reason}:\n${reply.text}`, grader: reply.grader };
}

/** `factuality`: promptfoo's JSON category prompt, with the legacy `(X)` reading as fallback. */
async function factuality(spec: AssertionSpec, input: AssertionInput): Promise<RawAssertionResult> {
  const vars = { ...input.vars, input: promptText(input), ideal: textOf(spec.value), completion: tryParse(input.output) };
  const reply = await gradeWith(spec, input, rubricTemplate(spec, input, FACTUALITY_PROMPT), vars);
  if ('error' in reply) return errorResult(reply.error, reply.grader);
  const choice = readFactualityChoice(reply.text);
  if ('error' in choice) return errorResult(choice.error, reply.grader);
  const category = FACTUALITY_CATEGORY[choice.letter]!;
  const overrides = (isRecord(spec.options?.factuality) ? spec.options.factuality : isRecord(input.test.options?.factuality) ? input.test.options.factuality : {}) as Record<string, unknown>;
  const own = overrides[category];
  const score = typeof own === 'number' && Number.isFinite(own) ? own : FACTUALITY_SCORES[category];
  // promptfoo: a category passes when its score is > 0; `threshold` is not read.
  return { pass: score > 0, score, reason: `(${choice.letter}) ${category}: ${choice.reason}`, grader: reply.grader };
}

/** One G-Eval criterion: the grader writes evaluation steps, then scores the reply 0–10 against them. */
async function gEvalOne(spec: AssertionSpec, input: AssertionInput, criteria: string, tally: GraderTally): Promise<{ score: number; reason: string } | { error: string }> {
  const own = isRecord(spec.rubricPrompt ?? input.test.options?.rubricPrompt) ? ((spec.rubricPrompt ?? input.test.options?.rubricPrompt) as unknown as Record<string, unknown>) : {};
  const steps = await gradeWith(spec, input, rubricTemplate(spec, input, GEVAL_STEPS_PROMPT, own.steps ?? null), { criteria }, tally);
  if ('error' in steps) return steps;
  const m = /\{"steps".+\}/.exec(steps.text);
  let list: unknown;
  try {
    list = m ? (JSON.parse(m[0]) as { steps?: unknown }).steps : undefined;
  } catch {
    list = undefined;
  }
  if (!Array.isArray(list) || list.length === 0 || !list.every((s) => typeof s === 'string' && s.trim() !== '')) {
    return { error: `G-Eval: the grader's evaluation steps are not {"steps": [strings]}: ${steps.text.slice(0, 200)}` };
  }
  const vars = { criteria, steps: list.join('\n- '), maxScore: '10', input: tryParse(promptText(input)), output: tryParse(input.output) };
  const evaluation = await gradeWith(spec, input, rubricTemplate(spec, input, GEVAL_EVALUATE_PROMPT, own.evaluate ?? null), vars, tally);
  if ('error' in evaluation) return evaluation;
  const r = /\{.+\}/.exec(evaluation.text);
  let result: Record<string, unknown> | undefined;
  try {
    const v: unknown = r ? JSON.parse(r[0]) : undefined;
    result = isRecord(v) ? v : undefined;
  } catch {
    result = undefined;
  }
  if (!result) return { error: `G-Eval: the grader's evaluation is not JSON: ${evaluation.text.slice(0, 200)}` };
  const raw = typeof result.score === 'number' ? result.score : typeof result.score === 'string' && result.score.trim() !== '' ? Number(result.score) : NaN;
  if (!Number.isFinite(raw) || raw < 0 || raw > 10) return { error: `G-Eval: the grader's score ${JSON.stringify(result.score)} is not a number from 0 to 10` };
  if (typeof result.reason !== 'string' || result.reason.trim() === '') return { error: 'G-Eval: the grader gave no reason' };
  return { score: raw / 10, reason: result.reason };
}

/** `g-eval`: one criterion or a list (the mean of their scores); passes at ≥ `threshold` (default 0.7). */
async function gEval(spec: AssertionSpec, input: AssertionInput): Promise<RawAssertionResult> {
  const criteria = Array.isArray(spec.value) ? (spec.value as string[]) : [String(spec.value)];
  const threshold = spec.threshold ?? 0.7;
  const tally = new GraderTally();
  const scored: { score: number; reason: string }[] = [];
  for (const [i, c] of criteria.entries()) {
    const one = await gEvalOne(spec, input, c, tally);
    if ('error' in one) return errorResult(criteria.length > 1 ? `G-Eval criterion ${i + 1}/${criteria.length} (${JSON.stringify(c)}) failed: ${one.error}` : one.error, tally.total);
    scored.push(one);
  }
  const score = scored.reduce((s, r) => s + r.score, 0) / scored.length;
  return { pass: score >= threshold, score, reason: scored.map((r) => r.reason).join('\n\n'), ...(tally.total ? { grader: tally.total } : {}) };
}

export const MODEL_GRADED_ASSERTIONS: AssertionDefinition[] = [
  similarDefinition('similar', 'cosine'),
  similarDefinition('similar:cosine', 'cosine'),
  similarDefinition('similar:dot', 'dot'),
  similarDefinition('similar:euclidean', 'euclidean'),
  {
    type: 'llm-rubric',
    description: 'A grader model judges the output against a rubric.',
    docs:
      "Sends promptfoo's rubric prompt (a system message with instructions and examples, a user message with `<Output>` and `<Rubric>`) to the grader model (`provider` on the assertion, the test's `options.provider`, else setting `assay.grader.model`). " +
      'The first JSON object of the reply is the verdict: `pass` (default true), `score` (default `pass` as 1/0) and `reason`; with `threshold` the score must also reach it. ' +
      '`rubricPrompt` (on the assertion or the test\'s `options`) replaces the prompt: a template, a list of messages, or a `file://` file; variables `output`, `rubric` and the test\'s variables. ' +
      'With one, `value` may be left out. A failed grader call or a reply without a JSON object is an evaluation error.',
    example: 'assert:\n  - type: llm-rubric\n    value: Answers with a single lowercase word and no punctuation',
    modelGraded: true,
    check: checkGraded('llm-rubric', true),
    evaluate: llmRubric,
  },
  {
    type: 'model-graded-closedqa',
    description: 'A grader model decides whether the output meets a criterion (OpenAI evals closed-QA method).',
    docs:
      "Sends promptfoo's closed-QA prompt as one system message, holding the prompt that produced the output (the task), the output and the criterion (`value`); it asks for step-by-step reasoning " +
      'ending with a line `Y` or `N`. Passes when the reply ends with `Y`; score 1 or 0; `threshold` is not used. A reply that ends with neither fails, as in promptfoo (the reason says it was malformed).',
    example: 'assert:\n  - type: model-graded-closedqa\n    value: Mentions that the refund takes five business days',
    modelGraded: true,
    check: checkGraded('model-graded-closedqa'),
    evaluate: closedQa,
  },
  {
    type: 'factuality',
    description: 'A grader model checks the output is factually consistent with a reference answer (OpenAI evals method).',
    docs:
      "Sends promptfoo's factuality prompt (system: the five categories and a JSON answer format; user: the question, i.e. the prompt, the reference `value` and the output). The reply's JSON `category` (else a legacy `(A)`…`(E)`) picks " +
      '(A) subset, (B) superset, (C) same details, (D) disagreement or (E) differs without mattering. Score per category: subset 1, superset 1, agree 1, disagree 0, differButFactual 1, each overridable with ' +
      '`options.factuality` on the assertion or the test. Passes when the score is > 0 (`threshold` is not read, as in promptfoo). A reply without a category is an evaluation error.',
    example: 'assert:\n  - type: factuality\n    value: Sacramento is the capital of California',
    modelGraded: true,
    check: checkGraded('factuality'),
    evaluate: factuality,
  },
  {
    type: 'g-eval',
    description: 'G-Eval: a grader writes evaluation steps for a criterion, then scores the output 0–10 against them.',
    docs:
      "For each criterion (`value`: a string or a list), two grader calls with promptfoo's G-Eval prompts: the steps (`{\"steps\": […]}`), then the score (`{\"score\": 0–10, \"reason\"}`) of the output for the prompt. " +
      'Score = the mean of score / 10 over the criteria; passes when it is ≥ `threshold` (default 0.7). `rubricPrompt: { steps, evaluate }` replaces either prompt. ' +
      'A failed call, steps or a score that are not in that JSON shape, or a score outside 0–10 is an evaluation error.',
    example: 'assert:\n  - type: g-eval\n    value: The answer is polite and names the refund delay\n    threshold: 0.8',
    modelGraded: true,
    check(spec) {
      const v = spec.value;
      const ok = (typeof v === 'string' && v !== '') || (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string' && x !== ''));
      return ok ? checkGraded('g-eval')(spec) : '"g-eval" needs a criterion or a list of criteria as value';
    },
    evaluate: gEval,
  },
];
