// Assertions judged by another model: a grader chat model (`llm-rubric`, `model-graded-closedqa`,
// `factuality`) or an embeddings model (`similar`). They only see the engine through `GradingContext`.
import nunjucks from 'nunjucks';
import { acceptsSamplingDefault } from '../models/modelChecks';
import type { ChatMessage, ChatRequest, ModelParams, ModelRef, Role } from '../types';
import type { AssertionDefinition, AssertionInput, AssertionSpec, GraderCall, RawAssertionResult } from './assertionTypes';
import { extractJsonValues } from './jsonSchema';
import { formatModelRef, providerOption } from './providerRef';
import { cosineSimilarity } from './textMetrics';
import { isRecord, numberValue } from './valueUtils';

/** System prompt of `llm-rubric`. The user message is `LLM_RUBRIC_USER`. Documented in docs/assertions.md. */
export const LLM_RUBRIC_SYSTEM = `You grade an output against a rubric written by a user. The output passes when the rubric's statement is true of it.
Reply with a single JSON object and nothing else: {"reason": string, "pass": boolean, "score": number from 0.0 to 1.0}.

Examples:

<Output>Hello world</Output>
<Rubric>Contains a greeting</Rubric>
{"reason": "'Hello' is a greeting", "pass": true, "score": 1.0}

<Output>Avast ye swabs, repel the invaders!</Output>
<Rubric>Does not talk like a pirate</Rubric>
{"reason": "'Avast ye' is pirate talk", "pass": false, "score": 0.0}`;

/** User message of `llm-rubric` (a Nunjucks template over `output` and `rubric`). */
export const LLM_RUBRIC_USER = `<Output>
{{ output }}
</Output>
<Rubric>
{{ rubric }}
</Rubric>`;

/** The single user message of `model-graded-closedqa` (template over `input`, `completion`, `criteria`). */
export const CLOSED_QA_PROMPT = `You are checking a submitted answer to a task against a criterion. Here is the data:
[BEGIN DATA]
***
[Task]: {{ input }}
***
[Submission]: {{ completion }}
***
[Criterion]: {{ criteria }}
***
[END DATA]
Does the submission meet the criterion? First reason step by step about the criterion, without stating your conclusion at the start. Then write a final line holding only the letter Y (it meets the criterion) or N (it does not).`;

/** The single user message of `factuality` (template over `input`, `ideal`, `completion`). */
export const FACTUALITY_PROMPT = `You are comparing the factual content of a submitted answer with an expert answer to the same question. Here is the data:
[BEGIN DATA]
************
[Question]: {{ input }}
************
[Expert]: {{ ideal }}
************
[Submission]: {{ completion }}
************
[END DATA]
Ignore differences of style, grammar and punctuation. The submission may be a subset or a superset of the expert answer, or it may conflict with it. Choose the one option that applies:
(A) The submission is a subset of the expert answer and fully consistent with it.
(B) The submission is a superset of the expert answer and fully consistent with it.
(C) The submission contains the same details as the expert answer.
(D) The submission and the expert answer disagree.
(E) The answers differ, but the differences do not matter for factuality.
Explain briefly, then write a final line holding only the letter of your choice.`;

/** Default score of each factuality category; `options.factuality` on the assertion or the test overrides them. */
export const FACTUALITY_SCORES = { subset: 1, superset: 1, agree: 1, disagree: 0, differButFactual: 1 } as const;
const FACTUALITY_CATEGORY: Record<string, keyof typeof FACTUALITY_SCORES> = {
  A: 'subset',
  B: 'superset',
  C: 'agree',
  D: 'disagree',
  E: 'differButFactual',
};

const env = new nunjucks.Environment(null, { autoescape: false, throwOnUndefined: false });

function render(template: string, vars: Record<string, unknown>): string {
  return env.renderString(template, vars);
}

function errorResult(error: string, grader?: GraderCall): RawAssertionResult {
  return { pass: false, score: 0, reason: error, error, ...(grader ? { grader } : {}) };
}

/** The grader model: the assertion's `provider`, else the test's `options.provider`, else the default grader. */
function graderModel(spec: AssertionSpec, input: AssertionInput): ModelRef | { error: string } {
  const own = providerOption(spec.provider);
  if (own) return own;
  // promptfoo's test option is a provider, or `{ text, embedding }` naming one of each.
  const testProvider = input.test.options?.provider;
  const chat = isRecord(testProvider) && !('id' in testProvider) ? testProvider.text : testProvider;
  return providerOption(chat) ?? input.context.graderModel;
}

/** Parameters a grader's own `config` sets (a promptfoo config's `{ id, config }` grader, resolved to `{ id, params }`). */
function graderParams(spec: AssertionSpec, input: AssertionInput): ModelParams {
  const testProvider = input.test.options?.provider;
  const chosen = spec.provider ?? (isRecord(testProvider) && !('id' in testProvider) ? testProvider.text : testProvider);
  return isRecord(chosen) && isRecord(chosen.params) ? (chosen.params as ModelParams) : {};
}

/** The prompt that produced the output, as one text (for the grader's "task"/"question"). */
function promptText(input: AssertionInput): string {
  const messages = input.request?.messages;
  if (!messages || messages.length === 0) return JSON.stringify(input.vars);
  if (messages.length === 1) return messages[0].content;
  return messages.map((m) => `${m.role}: ${m.content}`).join('\n\n');
}

/** Builds the grader messages, honouring a `rubricPrompt` override (a template string or a message list). */
function graderMessages(spec: AssertionSpec, defaults: ChatMessage[], vars: Record<string, unknown>): ChatMessage[] {
  const custom = spec.rubricPrompt;
  if (typeof custom === 'string' && custom.trim() !== '') {
    const trimmed = custom.trim();
    if (trimmed.startsWith('[')) {
      try {
        const list: unknown = JSON.parse(trimmed);
        if (Array.isArray(list)) return graderMessages({ ...spec, rubricPrompt: list as { role: string; content: string }[] }, defaults, vars);
      } catch {
        // a plain template that happens to start with '['
      }
    }
    return [{ role: 'user', content: render(custom, vars) }];
  }
  if (Array.isArray(custom) && custom.length > 0) {
    return custom.map((m) => ({ role: (['system', 'user', 'assistant'].includes(m.role) ? m.role : 'user') as Role, content: render(String(m.content), vars) }));
  }
  return defaults.map((m) => ({ ...m, content: render(m.content, vars) }));
}

async function callGrader(
  spec: AssertionSpec,
  input: AssertionInput,
  defaults: ChatMessage[],
  vars: Record<string, unknown>,
): Promise<{ text: string; grader: GraderCall } | { error: string; grader?: GraderCall }> {
  const model = graderModel(spec, input);
  if ('error' in model) return { error: model.error as string };
  const params = graderParams(spec, input);
  // Graders run at temperature 0, except on models the catalog says would reject it (gpt-5.5 at its default effort).
  const request: ChatRequest = { model, messages: graderMessages(spec, defaults, vars), params: { ...(acceptsSamplingDefault(model, params) ? { temperature: 0 } : {}), ...params } };
  const result = await input.context.grade(request, input.signal);
  const grader: GraderCall = { model, usage: result.usage, cost: result.cost, latencyMs: result.latencyMs };
  if (result.error) return { error: `grader ${formatModelRef(model)} failed: ${result.error.message}`, grader };
  return { text: result.text, grader };
}

function textOf(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

const checkText = (type: string) => (spec: AssertionSpec) => {
  if (spec.value === undefined || spec.value === null || spec.value === '') return `"${type}" needs a value`;
  if (spec.threshold !== undefined && !(typeof spec.threshold === 'number' && Number.isFinite(spec.threshold))) return `"${type}" threshold must be a number`;
  const p = providerOption(spec.provider);
  return p && 'error' in p ? (p.error as string) : undefined;
};

/** Reads a verdict JSON object from a grader reply; tolerant of prose or code fences around it. */
export function parseRubricReply(text: string): { pass?: boolean; score?: number; reason: string } | undefined {
  for (const v of extractJsonValues(text)) {
    if (!isRecord(v) || !('pass' in v || 'score' in v)) continue;
    const pass = typeof v.pass === 'boolean' ? v.pass : v.pass === 'true' ? true : v.pass === 'false' ? false : undefined;
    const score = numberValue(v.score);
    if (pass === undefined && score === undefined) continue;
    return { pass, score, reason: typeof v.reason === 'string' ? v.reason : '' };
  }
  return undefined;
}

/** The last line that is only a letter from `letters` (optionally in parentheses), else the last such standalone letter. */
export function parseChoice(text: string, letters: string): string | undefined {
  const lines = text.split(/\r?\n/).map((l) => l.trim().replace(/[*_.`"']/g, '')).filter((l) => l !== '');
  const only = new RegExp(`^\\(?([${letters}])\\)?$`, 'i');
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = only.exec(lines[i]);
    if (m) return m[1].toUpperCase();
  }
  const loose = [...text.matchAll(new RegExp(`\\(([${letters}])\\)|\\b([${letters}])\\b`, 'g'))];
  const last = loose.at(-1);
  return last ? (last[1] ?? last[2]).toUpperCase() : undefined;
}

export const MODEL_GRADED_ASSERTIONS: AssertionDefinition[] = [
  {
    type: 'similar',
    description: 'The output is semantically similar to the value (embeddings, cosine similarity).',
    docs:
      'Embeds the output and each expected text (`value`: a string or a list) with the embeddings model (`provider` on the assertion, the test\'s `options.provider.embedding`, ' +
      'else setting `assay.grader.embeddingModel`) and takes the highest cosine similarity. Score = that similarity; passes when it is ≥ `threshold` (default 0.75). ' +
      'Under `not-` the score is 1 − similarity and it passes when the similarity is below the threshold. An embeddings failure is an evaluation error.',
    example: 'assert:\n  - type: similar\n    value: The charge will be refunded within five days\n    threshold: 0.8',
    modelGraded: true,
    check(spec) {
      const v = spec.value;
      const ok = (typeof v === 'string' && v !== '') || (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string'));
      if (!ok) return '"similar" needs an expected text or a list of texts as value';
      return checkText('similar')(spec);
    },
    async evaluate(spec, input) {
      const expected = Array.isArray(spec.value) ? (spec.value as string[]) : [String(spec.value)];
      const threshold = spec.threshold ?? 0.75;
      const testProvider = input.test.options?.provider;
      const pick = providerOption(spec.provider) ?? providerOption(isRecord(testProvider) ? testProvider.embedding : undefined);
      if (pick && 'error' in pick) return errorResult(pick.error as string);
      const vectors = await input.context.embed([input.output, ...expected], pick ?? input.context.embeddingModel, input.signal);
      if (!Array.isArray(vectors)) return errorResult(`embeddings failed: ${vectors.error}`);
      if (vectors.length !== expected.length + 1) return errorResult(`embeddings returned ${vectors.length} vectors for ${expected.length + 1} texts`);
      let best = -1;
      for (let i = 1; i < vectors.length; i++) best = Math.max(best, cosineSimilarity(vectors[0], vectors[i]));
      const score = Math.max(0, Math.min(1, best));
      const pass = best >= threshold;
      return { pass, score, reason: `Similarity ${best.toFixed(4)} is ${pass ? '≥' : '<'} threshold ${threshold}` };
    },
  },
  {
    type: 'llm-rubric',
    description: 'A grader model judges the output against a rubric.',
    docs:
      'Sends the output and the rubric (`value`) to the grader model (`provider` on the assertion, the test\'s `options.provider`, else setting `assay.grader.model`) with the prompt below; ' +
      'the grader answers `{reason, pass, score}`. Score = the grader\'s score (1/0 from `pass` when it gives none). Without `threshold` it passes when the grader says `pass: true` ' +
      '(a reply with only a score passes at ≥ 0.5); with `threshold` it must also score ≥ `threshold`. `rubricPrompt` replaces the prompt (variables `output`, `rubric`, and the test\'s variables); ' +
      'with one, `value` may be left out (the rubric is then empty), as in promptfoo. ' +
      'A failed grader call or an unreadable reply is an evaluation error.',
    example: 'assert:\n  - type: llm-rubric\n    value: Answers with a single lowercase word and no punctuation',
    modelGraded: true,
    // As in promptfoo, the rubric may be left out when a rubricPrompt (the assertion's or the test's `options`) says it all.
    check: (spec) => checkText('llm-rubric')(spec.value === undefined ? { ...spec, value: '(none)' } : spec),
    async evaluate(spec, input) {
      const vars = { ...input.vars, output: input.output, rubric: spec.value === undefined ? '' : textOf(spec.value) };
      const reply = await callGrader(spec, input, [
        { role: 'system', content: LLM_RUBRIC_SYSTEM },
        { role: 'user', content: LLM_RUBRIC_USER },
      ], vars);
      if ('error' in reply) return errorResult(reply.error, reply.grader);
      const parsed = parseRubricReply(reply.text);
      if (!parsed) return errorResult(`the grader's reply holds no {pass, score} verdict: ${reply.text.slice(0, 120)}`, reply.grader);
      const threshold = spec.threshold;
      const score = parsed.score ?? (parsed.pass ? 1 : 0);
      let pass = parsed.pass ?? score >= (threshold ?? 0.5);
      if (threshold !== undefined) pass = pass && score >= threshold;
      const reason = parsed.reason || (pass ? 'The grader passed the output' : 'The grader failed the output');
      return { pass, score: Math.max(0, Math.min(1, score)), reason: threshold !== undefined ? `${reason} (score ${score}, threshold ${threshold})` : reason, grader: reply.grader };
    },
  },
  {
    type: 'model-graded-closedqa',
    description: 'A grader model decides whether the output meets a criterion (OpenAI evals closed-QA method).',
    docs:
      'Sends the prompt that produced the output (the task), the output and the criterion (`value`) to the grader with the prompt below, which asks for step-by-step reasoning ' +
      'and a final line `Y` or `N`. Passes on `Y`. Score 1 or 0; `threshold` is not used. A reply without a final Y/N is an evaluation error.',
    example: 'assert:\n  - type: model-graded-closedqa\n    value: Mentions that the refund takes five business days',
    modelGraded: true,
    check: checkText('model-graded-closedqa'),
    async evaluate(spec, input) {
      const vars = { ...input.vars, input: promptText(input), completion: input.output, criteria: textOf(spec.value) };
      const reply = await callGrader(spec, input, [{ role: 'user', content: CLOSED_QA_PROMPT }], vars);
      if ('error' in reply) return errorResult(reply.error, reply.grader);
      const choice = parseChoice(reply.text, 'YN');
      if (!choice) return errorResult(`the grader's reply does not end with Y or N: ${reply.text.slice(-120)}`, reply.grader);
      const pass = choice === 'Y';
      const reasoning = reply.text.trim().split(/\r?\n/).slice(0, -1).join(' ').trim();
      return { pass, score: pass ? 1 : 0, reason: `${pass ? 'Meets' : 'Does not meet'} the criterion${reasoning ? `: ${reasoning.slice(0, 300)}` : ''}`, grader: reply.grader };
    },
  },
  {
    type: 'factuality',
    description: 'A grader model checks the output is factually consistent with a reference answer (OpenAI evals method).',
    docs:
      'Sends the question (the prompt), the reference (`value`) and the output to the grader with the prompt below; it picks (A) subset, (B) superset, (C) same details, ' +
      '(D) disagreement or (E) differs without mattering. Score per category: subset 1, superset 1, agree 1, disagree 0, differButFactual 1, each overridable with ' +
      '`options.factuality` on the assertion or the test. Passes when the score is > 0, or ≥ `threshold` when one is set. A reply without a choice is an evaluation error.',
    example: 'assert:\n  - type: factuality\n    value: Sacramento is the capital of California',
    modelGraded: true,
    check: checkText('factuality'),
    async evaluate(spec, input) {
      const vars = { ...input.vars, input: promptText(input), ideal: textOf(spec.value), completion: input.output };
      const reply = await callGrader(spec, input, [{ role: 'user', content: FACTUALITY_PROMPT }], vars);
      if ('error' in reply) return errorResult(reply.error, reply.grader);
      const letter = parseChoice(reply.text, 'ABCDE');
      if (!letter) return errorResult(`the grader's reply names no option A–E: ${reply.text.slice(-120)}`, reply.grader);
      const category = FACTUALITY_CATEGORY[letter];
      const overrides = (isRecord(spec.options?.factuality) ? spec.options.factuality : isRecord(input.test.options?.factuality) ? input.test.options.factuality : {}) as Record<string, unknown>;
      const score = numberValue(overrides[category]) ?? FACTUALITY_SCORES[category];
      const pass = spec.threshold !== undefined ? score >= spec.threshold : score > 0;
      return { pass, score, reason: `The grader chose (${letter}) ${category}, score ${score}`, grader: reply.grader };
    },
  },
];
