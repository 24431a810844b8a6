// Retrieval and conversation assertions with promptfoo 0.121.20's semantics (its RAGAS and deepeval
// ports): `answer-relevance`, `context-recall`, `context-relevance`, `context-faithfulness` and
// `conversation-relevance`. The context comes from the test's `context` variable or the assertion's
// `contextTransform`; the grader (and, for answer-relevance, the embeddings model) from `GradingContext`.
import { runTransform } from '../run/userTransform';
import type { AssertionDefinition, AssertionInput, AssertionSpec, RawAssertionResult } from './assertionTypes';
import {
  ANSWER_RELEVANCY_GENERATE,
  CONTEXT_FAITHFULNESS_LONGFORM,
  CONTEXT_FAITHFULNESS_NLI_STATEMENTS,
  CONTEXT_RECALL,
  CONTEXT_RECALL_ATTRIBUTED,
  CONTEXT_RECALL_NOT_ATTRIBUTED,
  CONTEXT_RELEVANCE,
  CONTEXT_RELEVANCE_BAD,
  conversationReasonPrompt,
  conversationVerdictPrompt,
} from './graderPrompts';
import { askGrader, atLeast, checkGraded, errorResult, extractJsonObjects, gradeWith, GraderTally, namedModel, promptText, renderGraderPrompt, rubricTemplate, splitLines, splitSentences, tryParse } from './graderSupport';
import { cosineSimilarity } from './textMetrics';
import { isRecord } from './valueUtils';

const NO_CONTEXT =
  'Context is required for context-based assertions. Provide either a "context" variable (string or array of strings) in your test case or use "contextTransform" to extract context from the provider response.';

/** promptfoo's `resolveContext`: `vars.context` (a text or a list of texts), `fallback`, or what `contextTransform` returns. */
async function resolveContext(spec: AssertionSpec, input: AssertionInput, fallback?: string): Promise<string | string[] | { error: string }> {
  let context: unknown = fallback;
  const own = input.vars.context;
  if (typeof own === 'string' && own !== '') context = own;
  else if (Array.isArray(own) && own.length > 0) {
    const bad = own.findIndex((v) => typeof v !== 'string');
    if (bad >= 0) return { error: `Invalid context: expected an array of strings, but found ${typeof own[bad]} at index ${bad}` };
    context = own;
  }
  if (spec.contextTransform !== undefined) {
    const r = await runTransform(spec.contextTransform, 'output', input.output, { vars: input.vars, prompt: { label: promptText(input) } }, {
      baseDir: input.baseDir ?? process.cwd(),
      trusted: input.trusted,
      ...(input.limits ? { limits: input.limits } : {}),
      ...(input.signal ? { signal: input.signal } : {}),
    });
    if ('error' in r) return { error: `contextTransform: ${r.error}` };
    if (!(typeof r.value === 'string' || (Array.isArray(r.value) && r.value.every((v) => typeof v === 'string')))) {
      return { error: `contextTransform must return a string or an array of strings; it returned ${typeof r.value}` };
    }
    context = r.value;
  }
  const ok = (typeof context === 'string' && context !== '') || (Array.isArray(context) && context.length > 0 && context.every((v) => typeof v === 'string' && v !== ''));
  return ok ? (context as string | string[]) : { error: NO_CONTEXT };
}

const joined = (context: string | string[]): string => (Array.isArray(context) ? context.join('\n\n') : context);

/** The test's `query` variable, which the context types need. */
function queryOf(input: AssertionInput, type: string): string | { error: string } {
  const q = input.vars.query;
  return typeof q === 'string' ? q : { error: `${type} needs a "query" variable with the user question` };
}

/** Score against a threshold (promptfoo's default for these types: 0) as a verdict. */
function scored(score: number, threshold: number, what: string, grader: RawAssertionResult['grader']): RawAssertionResult {
  const pass = atLeast(score, threshold);
  return { pass, score, reason: `${what} ${score.toFixed(2)} is ${pass ? '>=' : '<'} ${threshold}`, ...(grader ? { grader } : {}) };
}

/** `answer-relevance`: three questions the grader derives from the output, each compared with the query by embeddings. */
async function answerRelevance(spec: AssertionSpec, input: AssertionInput): Promise<RawAssertionResult> {
  const query = typeof input.vars.query === 'string' ? input.vars.query : promptText(input);
  const tally = new GraderTally();
  const template = rubricTemplate(spec, input, ANSWER_RELEVANCY_GENERATE);
  const questions: string[] = [];
  for (let i = 0; i < 3; i++) {
    const reply = await gradeWith(spec, input, template, { answer: tryParse(input.output) }, tally);
    if ('error' in reply) return errorResult(reply.error, tally.total);
    questions.push(reply.text);
  }
  const pick = namedModel(spec, input, 'embedding');
  if (pick && 'error' in pick) return errorResult(pick.error, tally.total);
  const vectors = await input.context.embed([query, ...questions], pick ?? input.context.embeddingModel, input.signal);
  if (!Array.isArray(vectors) || vectors.length !== 4) return errorResult(`embeddings failed: ${Array.isArray(vectors) ? `${vectors.length} vectors for 4 texts` : vectors.error}`, tally.total);
  const mean = vectors.slice(1).reduce((s, v) => s + cosineSimilarity(vectors[0]!, v), 0) / 3;
  const threshold = spec.threshold ?? 0;
  const pass = atLeast(mean, threshold);
  return { pass, score: mean, reason: `Relevance ${mean.toFixed(2)} is ${pass ? 'greater' : 'less'} than threshold ${threshold}`, ...(tally.total ? { grader: tally.total } : {}) };
}

/** `context-recall`: the share of the expected answer's sentences the grader attributes to the context. */
async function contextRecall(spec: AssertionSpec, input: AssertionInput): Promise<RawAssertionResult> {
  const context = await resolveContext(spec, input, promptText(input));
  if (!Array.isArray(context) && typeof context !== 'string') return errorResult(context.error);
  const reply = await gradeWith(spec, input, rubricTemplate(spec, input, CONTEXT_RECALL), { ...input.vars, context: joined(context), groundTruth: String(spec.value) });
  if ('error' in reply) return errorResult(reply.error, reply.grader);
  const yes = CONTEXT_RECALL_ATTRIBUTED.toLowerCase();
  const no = CONTEXT_RECALL_NOT_ATTRIBUTED.toLowerCase();
  const lines = splitLines(reply.text).map((l) => l.toLowerCase()).filter((l) => l.includes(yes) || l.includes(no));
  const attributed = lines.filter((l) => !l.includes(no) && l.includes(yes)).length;
  return scored(lines.length > 0 ? attributed / lines.length : 0, spec.threshold ?? 0, 'Recall', reply.grader);
}

/** `context-relevance`: the share of the context's units the grader extracts as needed for the query. */
async function contextRelevance(spec: AssertionSpec, input: AssertionInput): Promise<RawAssertionResult> {
  const query = queryOf(input, 'context-relevance');
  if (typeof query !== 'string') return errorResult(query.error);
  const context = await resolveContext(spec, input);
  if (!Array.isArray(context) && typeof context !== 'string') return errorResult(context.error);
  const reply = await gradeWith(spec, input, rubricTemplate(spec, input, CONTEXT_RELEVANCE), { context: joined(context), query });
  if ('error' in reply) return errorResult(reply.error, reply.grader);
  const preSegmented = Array.isArray(context) || splitLines(context).length > 1;
  const units = Array.isArray(context) ? context.filter((c) => c.trim().length > 0) : splitSentences(context);
  const extracted = reply.text.includes(CONTEXT_RELEVANCE_BAD) ? [] : [...new Set(preSegmented ? splitLines(reply.text) : splitSentences(reply.text))];
  const score = units.length > 0 ? Math.min(extracted.length, units.length) / units.length : 0;
  return scored(score, spec.threshold ?? 0, 'Context relevance', reply.grader);
}

/** promptfoo's reading of the NLI verdicts: the "final verdict" list, else the count of `verdict: yes/no`. */
function faithfulnessScore(text: string, statements: number): number {
  const marker = 'final verdict for each statement in order:';
  let verdicts = text.toLowerCase().trim();
  let score = 0;
  if (statements === 0) return 0;
  if (verdicts.includes(marker)) {
    verdicts = verdicts.slice(verdicts.indexOf(marker) + marker.length);
    const parsed = verdicts.split('.').filter((a) => a.trim() !== '');
    if (parsed.length > 0) score = 1 - (parsed.filter((a) => !a.includes('yes')).length + Math.max(0, statements - parsed.length)) / statements;
  } else {
    const no = verdicts.split('verdict: no').length - 1;
    const yes = verdicts.split('verdict: yes').length - 1;
    if (no + yes > 0) score = 1 - (no + Math.max(0, statements - no - yes)) / statements;
  }
  return Math.min(1, Math.max(0, score));
}

/** `context-faithfulness`: the grader splits the output into statements, then checks each against the context. */
async function contextFaithfulness(spec: AssertionSpec, input: AssertionInput): Promise<RawAssertionResult> {
  const query = queryOf(input, 'context-faithfulness');
  if (typeof query !== 'string') return errorResult(query.error);
  const context = await resolveContext(spec, input);
  if (!Array.isArray(context) && typeof context !== 'string') return errorResult(context.error);
  const custom = spec.rubricPrompt ?? input.test.options?.rubricPrompt;
  if (custom !== undefined && !Array.isArray(custom)) return errorResult('context-faithfulness: rubricPrompt must be a list of two prompts (statements, then verdicts)');
  const part = (i: number): unknown => (Array.isArray(custom) ? (typeof custom[i] === 'string' ? custom[i] : custom[i]?.content) : undefined) ?? null;
  const tally = new GraderTally();
  const longform = await gradeWith(spec, input, rubricTemplate(spec, input, CONTEXT_FAITHFULNESS_LONGFORM, part(0)), { ...input.vars, question: query, answer: tryParse(input.output) }, tally);
  if ('error' in longform) return errorResult(longform.error, tally.total);
  const statements = splitLines(longform.text);
  const nli = await gradeWith(spec, input, rubricTemplate(spec, input, CONTEXT_FAITHFULNESS_NLI_STATEMENTS, part(1)), { ...input.vars, context: joined(context), statements }, tally);
  if ('error' in nli) return errorResult(nli.error, tally.total);
  return scored(faithfulnessScore(nli.text, statements.length), spec.threshold ?? 0, 'Faithfulness', tally.total);
}

/** The turns conversation-relevance judges: `vars._conversation` (`[{ input, output }]`), else this prompt and output. */
function conversationOf(input: AssertionInput): { input: unknown; output: unknown }[] {
  const turns = input.vars._conversation;
  if (Array.isArray(turns) && turns.length > 0) return turns.map((t) => (isRecord(t) ? { input: t.input, output: t.output } : { input: t, output: '' }));
  return [{ input: promptText(input), output: input.output }];
}

/** `conversation-relevance`: each sliding window's last answer judged relevant (yes/no); score = the share of relevant windows. */
async function conversationRelevance(spec: AssertionSpec, input: AssertionInput): Promise<RawAssertionResult> {
  const turns = conversationOf(input);
  const size = typeof spec.config?.windowSize === 'number' && spec.config.windowSize > 0 ? spec.config.windowSize : 5;
  const threshold = spec.threshold ?? 0.5;
  const tally = new GraderTally();
  const asText = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
  const custom = spec.rubricPrompt ?? input.test.options?.rubricPrompt;
  let relevant = 0;
  const irrelevancies: string[] = [];
  for (let i = 0; i < turns.length; i++) {
    const window = turns.slice(Math.max(0, i - size + 1), i + 1);
    const messages = window.flatMap((t) => [{ role: 'user', content: asText(t.input) }, { role: 'assistant', content: asText(t.output) }]);
    const template = custom !== undefined ? rubricTemplate(spec, input, '') : undefined;
    if (typeof template === 'object') return errorResult(template.error);
    const prompt = template !== undefined ? renderGraderPrompt(template, { ...input.vars, messages: window }) : conversationVerdictPrompt(messages);
    const reply = await askGrader(spec, input, prompt, tally);
    if ('error' in reply) return errorResult(reply.error, tally.total);
    const verdict = extractJsonObjects(reply.text)[0];
    if (!verdict || (verdict.verdict !== 'yes' && verdict.verdict !== 'no')) return errorResult(`Conversation relevance grader returned an invalid verdict: ${reply.text.slice(0, 200)}`, tally.total);
    if (verdict.verdict === 'yes') relevant++;
    else if (typeof verdict.reason === 'string' && verdict.reason !== '') irrelevancies.push(verdict.reason);
  }
  const score = relevant / turns.length;
  let reason = `${relevant} out of ${turns.length} conversation windows were relevant`;
  if (irrelevancies.length > 0 && score < 1) {
    // promptfoo asks the grader to sum up the irrelevancies; a failed summary keeps the count.
    const summary = await askGrader(spec, input, conversationReasonPrompt(score, irrelevancies), tally);
    const said = 'text' in summary ? extractJsonObjects(summary.text)[0]?.reason : undefined;
    if (typeof said === 'string' && said !== '') reason = said;
  }
  return { pass: atLeast(score, threshold), score, reason, ...(tally.total ? { grader: tally.total } : {}) };
}

const CONTEXT_SOURCE = 'The context is the test\'s `context` variable (a text, or a list of chunks joined by blank lines), or what the assertion\'s `contextTransform` (JavaScript over the output, trusted only) returns.';

export const RAG_ASSERTIONS: AssertionDefinition[] = [
  {
    type: 'answer-relevance',
    description: 'The output answers the query: questions derived from it are close to the query (embeddings).',
    docs:
      "The grader writes a question for the output three times (promptfoo's RAGAS prompt); each is embedded with the query (the `query` variable, else the prompt) and compared by cosine similarity. " +
      'Score = the mean similarity; passes when it is ≥ `threshold` (default 0). Needs a grader and an embeddings model (`provider: { text, embedding }`). A failed call is an evaluation error.',
    example: 'assert:\n  - type: answer-relevance\n    threshold: 0.7',
    modelGraded: true,
    uses: ['text', 'embedding'],
    check: checkGraded('answer-relevance', true),
    evaluate: answerRelevance,
  },
  {
    type: 'context-recall',
    description: 'The context holds the expected answer: the share of its sentences the grader attributes to the context.',
    docs:
      `${CONTEXT_SOURCE} Without either, the prompt is the context. The grader classifies each sentence of \`value\` (the expected answer) as [Attributed] or [Not Attributed] (promptfoo's RAGAS prompt); ` +
      'score = attributed lines / classified lines; passes when it is ≥ `threshold` (default 0).',
    example: 'assert:\n  - type: context-recall\n    value: The refund takes five business days\n    threshold: 0.8',
    modelGraded: true,
    check: checkGraded('context-recall'),
    evaluate: contextRecall,
  },
  {
    type: 'context-relevance',
    description: 'The context is relevant to the query: the share of its sentences the grader extracts as needed.',
    docs:
      `Needs a \`query\` variable. ${CONTEXT_SOURCE} The grader extracts the sentences needed to answer the query (or says "Insufficient Information"); ` +
      'score = extracted sentences / context units (list items, lines, or sentences of a single block); passes when it is ≥ `threshold` (default 0).',
    example: 'assert:\n  - type: context-relevance\n    threshold: 0.5',
    modelGraded: true,
    check: checkGraded('context-relevance', true),
    evaluate: contextRelevance,
  },
  {
    type: 'context-faithfulness',
    description: 'The output sticks to the context: the share of its statements the grader finds supported.',
    docs:
      `Needs a \`query\` variable. ${CONTEXT_SOURCE} Two grader calls (promptfoo's RAGAS prompts): the output split into statements, then a Yes/No verdict per statement against the context. ` +
      'Score = supported statements / statements; passes when it is ≥ `threshold` (default 0). `rubricPrompt` is a list of the two prompts.',
    example: 'assert:\n  - type: context-faithfulness\n    threshold: 0.9',
    modelGraded: true,
    check: checkGraded('context-faithfulness', true),
    evaluate: contextFaithfulness,
  },
  {
    type: 'conversation-relevance',
    description: 'Each answer of a conversation is relevant to what came before it (sliding windows, yes/no per window).',
    docs:
      'The conversation is `vars._conversation` (`[{ input, output }]`), else the prompt and the output. For each turn, the grader sees the window of the last `config.windowSize` turns (default 5) and says whether the last answer is relevant ' +
      "(deepeval's prompt, `{ verdict: yes|no, reason }`). Score = relevant windows / windows; passes when it is ≥ `threshold` (default 0.5). When some are irrelevant the grader also sums up why. A reply without a yes/no verdict is an evaluation error.",
    example: 'assert:\n  - type: conversation-relevance\n    threshold: 0.8',
    modelGraded: true,
    check: checkGraded('conversation-relevance', true),
    evaluate: conversationRelevance,
  },
];
