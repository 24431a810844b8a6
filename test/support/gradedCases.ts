// The model-graded and script assertion cases that Assay and promptfoo both run against the same local
// servers: the mock LLM (grader chat calls, embeddings, moderation) and a small "service" server
// (classifier and webhook). Each case has its own grader model, `g-<name>`, whose scripted reply is a
// function of the grader prompt, so both tools get the same answers to the same questions.
// scripts/compat/gradedReference.ts runs them through promptfoo and saves its verdicts and the grader
// requests it sent (test/fixtures/graded/promptfoo-reference.json); test/unit/assertionsGraded.test.ts
// runs them through Assay and compares.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { AssertionSpec } from '../../src/core/assertions/assertionTypes';
import type { MockRequest } from './mockLlmServer';

/** One test: outputs (one, or two for the comparison types), its assertions, and the grader's replies. */
export interface GradedCase {
  name: string;
  /** The output under test (promptfoo's `echo` provider returns it as the prompt's rendering). */
  output: string | [string, string];
  vars?: Record<string, unknown>;
  assert: AssertionSpec[];
  /** The case's `threshold` on the weighted score. */
  threshold?: number;
  /** Extra test `options` (e.g. `factuality` scores); a model-graded case also gets its grader here. */
  options?: Record<string, unknown>;
  /** No grader at test level (moderation, classifier, webhook, python: promptfoo reads `options.provider` per kind). */
  noGrader?: boolean;
  /** The grader's answer to a request whose messages read `prompt`. */
  grader?: (prompt: string) => string;
  /**
   * Where Assay deliberately differs from promptfoo: why (docs/assertions.md says so), and Assay's own
   * verdict for the case. Without it, Assay must match promptfoo's reference to 4 decimals.
   */
  differs?: { why: string; pass: boolean; score: number };
  /** Assay reports an evaluation error where promptfoo reports a plain failure (same pass and score). */
  assayError?: boolean;
}

/** The embeddings model both tools use. */
export const EMBED = 'openai:embedding:text-embedding-3-small';
/** A case's grader model id (both tools read `openai:chat:<model>`). */
export const graderId = (name: string): string => `openai:chat:g-${name}`;
/** The Python assertion file the cases call. */
export const PY_FILE = join(__dirname, '..', 'fixtures', 'graded', 'assert.py');

const json = (v: unknown) => JSON.stringify(v);
const reply = (text: string) => () => text;

/** The cases, for a service server at `service` (`http://127.0.0.1:PORT`). */
export function gradedCases(service: string): GradedCase[] {
  const classifier = (value: string, threshold: number): AssertionSpec => ({
    type: 'classifier',
    value,
    threshold,
    provider: { id: 'huggingface:text-classification:mock-sentiment', config: { apiEndpoint: `${service}/classify` } } as AssertionSpec['provider'],
  });
  const relevanceContext = 'Paris is the capital of France. The Eiffel Tower is in Paris. Bananas are yellow.';
  return [
    // llm-rubric
    { name: 'rubric-pass', output: 'Hello there', assert: [{ type: 'llm-rubric', value: 'is a greeting' }], grader: reply(json({ reason: 'greets', pass: true, score: 0.9 })) },
    { name: 'rubric-fail', output: 'Go away', assert: [{ type: 'llm-rubric', value: 'is a greeting' }], grader: reply(json({ reason: 'not a greeting', pass: false, score: 0.2 })) },
    { name: 'rubric-threshold', output: 'Hi', assert: [{ type: 'llm-rubric', value: 'is a warm greeting', threshold: 0.8 }], grader: reply(json({ reason: 'short', pass: true, score: 0.6 })) },
    { name: 'rubric-score-only', output: 'Hi', assert: [{ type: 'llm-rubric', value: 'is long' }], grader: reply(json({ score: 0.3, reason: 'meh' })) },
    { name: 'rubric-strings', output: 'Hi', assert: [{ type: 'llm-rubric', value: 'is short' }], grader: reply('{"pass": "yes", "score": "0.7", "reason": "short"}') },
    { name: 'rubric-fenced', output: 'Hi', assert: [{ type: 'llm-rubric', value: 'is formal' }], grader: reply('Let me think.\n```json\n{"pass": false, "reason": "casual"}\n```') },
    { name: 'rubric-not', output: 'Go away', assert: [{ type: 'not-llm-rubric', value: 'is a greeting' }], grader: reply(json({ reason: 'not a greeting', pass: false, score: 0.2 })) },
    {
      name: 'rubric-weight',
      output: 'Hello there',
      assert: [{ type: 'llm-rubric', value: 'is a greeting', weight: 3 }, { type: 'equals', value: 'nope' }],
      grader: reply(json({ reason: 'half', pass: true, score: 0.5 })),
    },
    {
      name: 'rubric-case-threshold',
      output: 'Hello there',
      threshold: 0.5,
      assert: [{ type: 'llm-rubric', value: 'is formal' }, { type: 'contains', value: 'Hello' }],
      grader: reply(json({ reason: 'casual', pass: false, score: 0.4 })),
    },
    {
      name: 'rubric-prompt-text',
      output: 'Bonjour',
      assert: [{ type: 'llm-rubric', value: 'is French', rubricPrompt: 'Grade this output: {{ output }}\nAgainst: {{ rubric }}\nAnswer in JSON.' }],
      grader: reply(json({ pass: true, score: 1, reason: 'French' })),
    },
    {
      name: 'rubric-prompt-messages',
      output: 'Bonjour',
      vars: { lang: 'French' },
      assert: [{ type: 'llm-rubric', value: 'is {{ lang }}', rubricPrompt: [{ role: 'system', content: 'You judge languages.' }, { role: 'user', content: 'Output: {{ output }} / Rubric: {{ rubric }} / Lang: {{ lang }}' }] }],
      grader: reply(json({ pass: true, score: 0.8, reason: 'ok' })),
    },
    { name: 'rubric-json-output', output: '{"city": "Paris", "n": 2}', assert: [{ type: 'llm-rubric', value: 'names a city' }], grader: reply(json({ pass: true, score: 1, reason: 'Paris' })) },
    { name: 'rubric-yaml-flow', output: 'Hi', assert: [{ type: 'llm-rubric', value: 'is long' }], grader: reply("{pass: false, score: 0.25, reason: 'too short'}") },
    { name: 'rubric-comment', output: 'Hi', assert: [{ type: 'llm-rubric', value: 'is short' }], grader: reply('{\n  "pass": true, // it is short\n  "score": 0.8,\n  "reason": "see https://example.com/x"\n}') },
    { name: 'rubric-no-json', output: 'Hi', assert: [{ type: 'llm-rubric', value: 'is fine' }], grader: reply('I would say it is fine.'), assayError: true },
    // model-graded-closedqa
    { name: 'closedqa-yes', output: 'Paris is the capital of France', assert: [{ type: 'model-graded-closedqa', value: 'names Paris' }], grader: reply('The submission names Paris.\nY\nY') },
    { name: 'closedqa-no', output: 'Lyon', assert: [{ type: 'model-graded-closedqa', value: 'names Paris' }], grader: reply('It names Lyon, not Paris.\nN\nN') },
    { name: 'closedqa-malformed', output: 'Lyon', assert: [{ type: 'model-graded-closedqa', value: 'names Paris' }], grader: reply('I cannot decide.') },
    {
      name: 'closedqa-not',
      output: 'Paris',
      assert: [{ type: 'not-model-graded-closedqa', value: 'names Paris' }],
      grader: reply('It does.\nY\nY'),
      differs: { why: 'promptfoo ignores not- on model-graded-closedqa', pass: false, score: 0 },
    },
    // factuality
    { name: 'fact-agree', output: 'Paris', assert: [{ type: 'factuality', value: 'The capital of France is Paris' }], grader: reply(json({ category: 'C', reason: 'same' })) },
    { name: 'fact-disagree', output: 'Lyon', assert: [{ type: 'factuality', value: 'The capital of France is Paris' }], grader: reply(json({ category: 'D', reason: 'conflict' })) },
    { name: 'fact-legacy', output: 'Paris', assert: [{ type: 'factuality', value: 'Paris' }], grader: reply('(A) The submission is a subset of the expert answer.') },
    {
      name: 'fact-scores',
      output: 'Paris',
      options: { factuality: { subset: 0.4 } },
      assert: [{ type: 'factuality', value: 'Paris is the capital of France' }],
      grader: reply(json({ category: 'A', reason: 'subset' })),
    },
    { name: 'fact-bad-category', output: 'Paris', assert: [{ type: 'factuality', value: 'Paris' }], grader: reply(json({ category: 'Z', reason: '?' })), assayError: true },
    {
      name: 'fact-not',
      output: 'Lyon',
      assert: [{ type: 'not-factuality', value: 'Paris' }],
      grader: reply(json({ category: 'D', reason: 'conflict' })),
      differs: { why: 'promptfoo ignores not- on factuality', pass: true, score: 1 },
    },
    // similar and its metrics
    { name: 'similar-same', output: 'the refund is on its way', assert: [{ type: 'similar', value: 'the refund is on its way' }] },
    { name: 'similar-different', output: 'the refund is on its way', assert: [{ type: 'similar', value: 'bananas grow in warm places' }] },
    { name: 'similar-list', output: 'the refund is on its way', assert: [{ type: 'similar', value: ['bananas grow', 'your refund is on the way'], threshold: 0.5 }] },
    { name: 'similar-not', output: 'the refund is on its way', assert: [{ type: 'not-similar', value: 'bananas grow in warm places' }] },
    { name: 'similar-cosine', output: 'the refund is on its way', assert: [{ type: 'similar:cosine', value: 'your refund is on the way', threshold: 0.9 }] },
    { name: 'similar-dot', output: 'the refund is on its way', assert: [{ type: 'similar:dot', value: 'your refund is on the way', threshold: 0.5 }] },
    { name: 'similar-euclidean', output: 'the refund is on its way', assert: [{ type: 'similar:euclidean', value: 'your refund is on the way', threshold: 0.5 }] },
    // g-eval
    {
      name: 'geval-pass',
      output: 'Thanks for asking! The refund takes five days.',
      assert: [{ type: 'g-eval', value: 'The reply is polite' }],
      grader: (p) => (p.includes('{"steps"') ? '{"steps":["Read the reply","Check its tone"]}' : '{"score": 8, "reason": "polite"}'),
    },
    {
      name: 'geval-fail',
      output: 'Refund: 5 days.',
      assert: [{ type: 'g-eval', value: 'The reply is polite' }],
      grader: (p) => (p.includes('{"steps"') ? '{"steps":["Read the reply","Check its tone"]}' : '{"score": 5, "reason": "curt"}'),
    },
    {
      name: 'geval-list',
      output: 'Refund: 5 days.',
      assert: [{ type: 'g-eval', value: ['The reply is polite', 'The reply is short'], threshold: 0.6 }],
      grader: (p) => (p.includes('{"steps"') ? '{"steps":["Read it"]}' : p.includes('is polite') ? '{"score": 4, "reason": "curt"}' : '{"score": 9, "reason": "short"}'),
    },
    {
      name: 'geval-not',
      output: 'Refund: 5 days.',
      assert: [{ type: 'not-g-eval', value: 'The reply is polite' }],
      grader: (p) => (p.includes('{"steps"') ? '{"steps":["Read it"]}' : '{"score": 3, "reason": "curt"}'),
    },
    { name: 'geval-bad-steps', output: 'x', assert: [{ type: 'g-eval', value: 'The reply is polite' }], grader: reply('no steps here'), assayError: true },
    // answer-relevance
    {
      name: 'relevance-pass',
      output: 'Paris is the capital of France.',
      vars: { query: 'What is the capital of France?' },
      assert: [{ type: 'answer-relevance', threshold: 0.8 }],
      grader: reply('What is the capital of France?'),
    },
    {
      name: 'relevance-fail',
      output: 'Bananas are yellow.',
      vars: { query: 'What is the capital of France?' },
      assert: [{ type: 'answer-relevance', threshold: 0.8 }],
      grader: reply('What colour are bananas?'),
    },
    // context-recall
    {
      name: 'recall-half',
      output: 'x',
      vars: { context: 'Paris is the capital of France. It is on the Seine.' },
      assert: [{ type: 'context-recall', value: 'Paris is the capital. It has ten million people.', threshold: 0.4 }],
      grader: reply('1. Paris is the capital. The context says so. So [Attributed]\n2. It has ten million people. Not in the context. So [Not Attributed]'),
    },
    {
      name: 'recall-below',
      output: 'x',
      vars: { context: 'Paris is the capital of France.\nIt is on the Seine.' },
      assert: [{ type: 'context-recall', value: 'Paris is the capital. It has ten million people.', threshold: 0.6 }],
      grader: reply('1. Paris is the capital. So [Attributed]\n2. Ten million people. So [Not Attributed]'),
    },
    // context-relevance
    {
      name: 'ctxrel-third',
      output: 'x',
      vars: { query: 'What is the capital of France?', context: relevanceContext },
      assert: [{ type: 'context-relevance', threshold: 0.3 }],
      grader: reply('Paris is the capital of France.'),
    },
    {
      name: 'ctxrel-insufficient',
      output: 'x',
      vars: { query: 'Who won the 1998 World Cup?', context: relevanceContext },
      assert: [{ type: 'context-relevance', threshold: 0.1 }],
      grader: reply('Insufficient Information'),
    },
    // context-faithfulness
    {
      name: 'faith-half',
      output: 'Paris is the capital of France. It has 50 million people.',
      vars: { query: 'Tell me about Paris', context: 'Paris is the capital of France.' },
      assert: [{ type: 'context-faithfulness', threshold: 0.5 }],
      grader: (p) => (p.includes('create one or more statements') ? 'Paris is the capital of France.\nParis has 50 million people.' : '1. Supported. Verdict: Yes.\n2. Not supported. Verdict: No.\nFinal verdict for each statement in order: Yes. No.'),
    },
    {
      name: 'faith-transform',
      output: 'Paris is the capital of France.',
      vars: { query: 'Tell me about Paris' },
      assert: [{ type: 'context-faithfulness', threshold: 0.9, contextTransform: "'Paris is the capital of France. ' + 'It is on the Seine.'" }],
      grader: (p) => (p.includes('create one or more statements') ? 'Paris is the capital of France.' : 'Final verdict for each statement in order: Yes.'),
    },
    // conversation-relevance
    { name: 'conv-single', output: 'The refund takes five days.', assert: [{ type: 'conversation-relevance' }], grader: reply(json({ verdict: 'yes' })) },
    {
      name: 'conv-windows',
      output: 'unused',
      vars: {
        _conversation: [
          { input: 'Hi', output: 'Hello! How can I help?' },
          { input: 'Where is my refund?', output: 'Bananas are yellow.' },
          { input: 'Thanks', output: 'You are welcome.' },
        ],
      },
      assert: [{ type: 'conversation-relevance', threshold: 0.5 }],
      grader: (p) => (p.includes('Relevancy Score') ? json({ reason: 'The score is 0.67 because bananas.' }) : p.trimEnd().endsWith('JSON:') && /"content": "Bananas are yellow\."\s*\}\s*\]/.test(p) ? json({ verdict: 'no', reason: 'Bananas do not answer a refund question' }) : json({ verdict: 'yes' })),
    },
    // moderation
    { name: 'moderation-clean', output: 'Have a nice day', noGrader: true, assert: [{ type: 'moderation' }] },
    { name: 'moderation-flagged', output: 'I will kill the process', noGrader: true, assert: [{ type: 'moderation' }] },
    { name: 'moderation-other-category', output: 'I will kill the process', noGrader: true, assert: [{ type: 'moderation', value: ['harassment'] }] },
    { name: 'moderation-not', output: 'I will kill the process', noGrader: true, assert: [{ type: 'not-moderation' }] },
    // classifier
    { name: 'classifier-pass', output: 'This is good', noGrader: true, assert: [classifier('positive', 0.5)] },
    { name: 'classifier-fail', output: 'This is good', noGrader: true, assert: [classifier('negative', 0.5)] },
    { name: 'classifier-not', output: 'This is bad', noGrader: true, assert: [{ ...classifier('positive', 0.5), type: 'not-classifier' }] },
    // webhook
    { name: 'webhook-pass', output: 'all ok', noGrader: true, assert: [{ type: 'webhook', value: `${service}/webhook` }] },
    { name: 'webhook-fail', output: 'broken', noGrader: true, assert: [{ type: 'webhook', value: `${service}/webhook` }] },
    { name: 'webhook-not', output: 'broken', noGrader: true, assert: [{ type: 'not-webhook', value: `${service}/webhook` }] },
    // python
    { name: 'python-inline', output: 'Paris', noGrader: true, assert: [{ type: 'python', value: 'len(output) > 3' }] },
    { name: 'python-inline-fail', output: 'Rome', noGrader: true, assert: [{ type: 'python', value: "output.startswith('P')" }] },
    {
      name: 'python-body',
      output: 'Paris is big',
      noGrader: true,
      assert: [{ type: 'python', value: "n = len(output.split())\nreturn {'pass': n < 5, 'score': n / 10, 'reason': str(n) + ' words'}" }],
    },
    { name: 'python-file', output: 'Paris is the capital', vars: { want: 'Paris capital France' }, noGrader: true, assert: [{ type: 'python', value: `file://${PY_FILE}`, threshold: 0.5 }] },
    { name: 'python-file-fn', output: 'Lyon', noGrader: true, assert: [{ type: 'python', value: `file://${PY_FILE}:strict` }] },
    { name: 'python-not', output: 'Rome', noGrader: true, assert: [{ type: 'not-python', value: "output.startswith('P')" }] },
    // weight, metric and case thresholds around the graded types
    {
      name: 'fact-weight',
      output: 'Lyon',
      assert: [{ type: 'factuality', value: 'Paris', weight: 2, metric: 'facts' }, { type: 'contains', value: 'Lyon' }],
      grader: reply(json({ category: 'D', reason: 'conflict' })),
    },
    {
      name: 'geval-case-threshold',
      output: 'Refund: 5 days.',
      threshold: 0.5,
      assert: [{ type: 'g-eval', value: 'The reply is polite' }, { type: 'icontains', value: 'refund' }],
      grader: (p) => (p.includes('{"steps"') ? '{"steps":["Read it"]}' : '{"score": 2, "reason": "curt"}'),
    },
    {
      name: 'closedqa-weight-zero',
      output: 'Lyon',
      assert: [{ type: 'model-graded-closedqa', value: 'names Paris', weight: 0 }, { type: 'contains', value: 'Lyon' }],
      grader: reply('No.\nN\nN'),
    },
    { name: 'moderation-weight', output: 'I will kill the process', noGrader: true, assert: [{ type: 'moderation', weight: 3 }, { type: 'contains', value: 'process' }] },
    { name: 'python-threshold', output: 'Paris is the capital', vars: { want: 'Paris capital France' }, noGrader: true, assert: [{ type: 'python', value: `file://${PY_FILE}`, threshold: 0.8 }] },
    { name: 'webhook-weight', output: 'all ok', noGrader: true, threshold: 0.5, assert: [{ type: 'webhook', value: `${service}/webhook`, weight: 2 }, { type: 'equals', value: 'nope' }] },
    {
      name: 'recall-not',
      output: 'x',
      vars: { context: 'Paris is the capital of France.' },
      assert: [{ type: 'not-context-recall', value: 'Paris is the capital.', threshold: 0.5 }],
      grader: reply('1. Paris is the capital. So [Attributed]'),
      differs: { why: 'promptfoo ignores not- on context-recall', pass: false, score: 0 },
    },
    {
      name: 'select-best-weight-zero',
      output: ['A long and rambling answer about refunds', 'Refund: 5 days'],
      assert: [{ type: 'contains', value: 'efund' }, { type: 'select-best', value: 'the most concise answer', weight: 0 }],
      grader: reply('1'),
      differs: { why: "promptfoo ignores weight: 0 on select-best (the output not chosen still fails); Assay's weight rule holds for every type", pass: true, score: 1 },
    },
    // comparisons over two outputs
    { name: 'select-best', output: ['A long and rambling answer about refunds', 'Refund: 5 days'], assert: [{ type: 'select-best', value: 'the most concise answer' }], grader: reply('1') },
    {
      name: 'max-score',
      output: ['refund soon', 'refund in 5 days'],
      noGrader: true,
      assert: [{ type: 'contains', value: 'refund' }, { type: 'contains', value: '5 days' }, { type: 'max-score' }],
    },
  ];
}

/** The grader's reply for a mock request: the case named by the model `g-<name>`. */
export function graderReply(cases: GradedCase[], req: MockRequest): string {
  const name = req.model.replace(/^g-/, '');
  const c = cases.find((x) => x.name === name);
  const messages = Array.isArray(req.body?.messages) ? (req.body!.messages as { content?: unknown }[]) : [];
  const text = messages.map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content))).join('\n');
  return c?.grader ? c.grader(text) : `no scripted reply for ${req.model}`;
}

/** The test `options` a case runs with: its own, plus its grader (text and embeddings) unless it has none. */
export function caseOptions(c: GradedCase): Record<string, unknown> | undefined {
  if (c.noGrader) return c.options;
  return { ...c.options, provider: { text: graderId(c.name), embedding: EMBED } };
}

/** The classifier and webhook server both tools call: deterministic answers from the text they get. */
export async function startServiceServer(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const data = JSON.parse(body || '{}') as { inputs?: string; output?: string };
      let answer: unknown;
      if (req.url === '/classify') {
        const good = String(data.inputs).includes('good');
        answer = [[{ label: 'positive', score: good ? 0.8 : 0.3 }, { label: 'negative', score: good ? 0.2 : 0.7 }]];
      } else {
        const ok = String(data.output).includes('ok');
        answer = { pass: ok, score: ok ? 0.75 : 0.25, reason: ok ? 'looks ok' : 'no ok in it' };
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
