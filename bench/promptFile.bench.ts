// Parse + validate of a 2,000-line prompt file, the work the editor repeats on every (debounced)
// keystroke. Target (DESIGN.md §7): ≤ 10 ms median.
import { parsePromptFile } from '../src/core/promptFile/parsePromptFile';
import { renderPrompt } from '../src/core/promptFile/renderPrompt';
import { validatePromptFile } from '../src/core/promptFile/validatePromptFile';
import { clearTemplateAnalysisCache } from '../src/core/template/templateAnalysis';
import type { BenchResult, BenchSuite } from './benchTypes';

const FRONT_MATTER = `---
name: support-agent
description: Answer a customer with the help desk's policies, the customer's history and retrieved articles
models: [openai:gpt-4o-mini, anthropic:claude-3-5-haiku-latest]
params:
  temperature: 0.2
  max_tokens: 800
  response_format:
    type: json_schema
    json_schema:
      name: reply
      strict: true
      schema:
        type: object
        properties:
          answer: { type: string }
          escalate: { type: boolean }
          sources: { type: array, items: { type: string } }
        required: [answer, escalate, sources]
        additionalProperties: false
inputs:
  customer_name: { type: string, default: Ada }
  plan: { type: string, default: pro }
  locale: { type: string, default: en-GB }
  question: { type: string, default: "Why was I charged twice?" }
  documents:
    type: array
    default:
      - { title: Billing FAQ, text: "Duplicate charges are refunded within 5 days." }
      - { title: Plans, text: "Pro costs 20 EUR a month." }
  history: { type: messages, default: [] }
  tone: { type: string, default: friendly }
tests:
  - description: duplicate charge
    vars: { question: "You billed me twice" }
    assert:
      - { type: contains, value: refund }
  - description: plan question
    vars: { question: "What does Pro cost?" }
---
`;

/** A realistic long prompt: policy prose with a variable every ~25 lines, a few blocks, few-shot turns. */
function longPrompt(lines: number): string {
  const head = [...FRONT_MATTER.trimEnd().split('\n'), 'system:', 'You are the support assistant of Example Cloud.'];
  const tail = [
    '',
    'messages: history',
    'user:',
    'Here are the articles retrieved for this question:',
    '{% for doc in documents %}',
    '### {{ loop.index }}. {{ doc.title }}',
    '{{ doc.text }}',
    '{% endfor %}',
    '',
    'Question from {{ customer_name }} ({{ plan }} plan): {{ question }}',
    'Answer only from the articles above; say so when they do not cover the question.',
  ];
  const middle: string[] = [];
  for (let section = 1; ; section++) {
    const block = [
      '',
      `## Policy ${section}: handling requests of type ${section}`,
      '',
      `- Greet {{ customer_name }} by name and keep a {{ tone }} tone throughout the conversation.`,
      '- Never promise refunds beyond what the billing policy allows; quote the policy section instead.',
      '- When the customer mentions a charge, ask for the invoice number unless it is already given.',
      '- Prefer short paragraphs; use bullet points for steps the customer must follow themselves.',
      '- Do not reveal internal tooling, ticket queues or the names of other customers.',
      '{% if plan == "enterprise" %}',
      '- Enterprise customers have a named account manager: offer to involve them for contract questions.',
      '{% endif %}',
      '- If the question is outside support scope, say so politely and point to the right channel.',
      '- Keep answers under 200 words unless the customer explicitly asks for more detail.',
      'Examples of good answers for this policy follow. Each shows tone, length and structure to imitate,',
      'and each ends with a concrete next step for the customer and a promise of what happens after.',
      'The customer should never have to ask the same question twice; anticipate the follow-up question.',
      'If a refund is due, state the amount, the method and the expected date, using the locale format',
      `for {{ locale }} when writing dates and currency amounts, with the currency symbol before the value.`,
      'Escalate to a human agent when the customer is angry twice in a row, threatens legal action,',
      'or reports a security problem such as a leaked password or an unknown login from another country.',
      'Never guess an account balance; if the retrieved documents do not state it, say you will check.',
      'Close with an offer of further help, but do not ask more than one question at the end of a reply.',
    ];
    if (head.length + middle.length + block.length + tail.length > lines) break;
    middle.push(...block);
  }
  while (head.length + middle.length + tail.length < lines) middle.push('Be accurate first, then brief; both matter to the customer.');
  return [...head, ...middle, ...tail].join('\n') + '\n';
}

/** A worst case: a template tag on every line. */
function denseTemplate(lines: number): string {
  const out = ['---', 'name: dense', 'inputs:', ...Array.from({ length: 30 }, (_, i) => `  v${i}: x${i}`), '---', 'user:'];
  for (let i = out.length; i < lines; i++) out.push(i % 10 === 0 ? `{% if v${i % 30} %}{{ v${(i + 1) % 30} | upper }}{% endif %}` : `Line ${i}: {{ v${i % 30} }} and some words.`);
  return out.join('\n') + '\n';
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function timeParseValidate(text: () => string, runs: number, cold: boolean): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = text();
    if (cold) clearTemplateAnalysisCache();
    const start = performance.now();
    const doc = parsePromptFile(t, { path: 'bench.prompt' });
    validatePromptFile(doc, { knownProviders: ['openai', 'anthropic', 'echo'] });
    times.push(performance.now() - start);
  }
  return median(times);
}

const ms = (x: number): string => `${x.toFixed(2)} ms`;

export const suite: BenchSuite = async () => {
  const text = longPrompt(2000);
  const lines = text.split('\n').length - 1;
  const check = validatePromptFile(parsePromptFile(text, { path: 'bench.prompt' }));
  if (lines !== 2000 || check.length > 0) throw new Error(`bench file is off: ${lines} lines, ${check.length} diagnostics ${JSON.stringify(check[0])}`);

  timeParseValidate(() => text, 15, true);
  const cold = timeParseValidate(() => text, 41, true);
  let k = 0;
  // An edit in the user section: the memo keeps the analysis of the unchanged system section.
  const warm = timeParseValidate(() => text.replace('Here are the articles', `Here are the ${++k} articles`), 41, false);
  const dense = denseTemplate(2000);
  timeParseValidate(() => dense, 5, true);
  const denseCold = timeParseValidate(() => dense, 21, true);

  const doc = parsePromptFile(text, { path: 'bench.prompt' });
  renderPrompt(doc, {});
  const renders: number[] = [];
  for (let i = 0; i < 41; i++) {
    const start = performance.now();
    const r = renderPrompt(doc, { question: `question ${i}` });
    renders.push(performance.now() - start);
    if ('error' in r) throw new Error(r.error.message);
  }

  const results: BenchResult[] = [
    { what: 'parse + validate, 2,000-line prompt file (median, cold)', figure: ms(cold), target: '≤ 10 ms', pass: cold <= 10 },
    { what: 'parse + validate after an edit in the user section (median, memo warm)', figure: ms(warm), target: '—', pass: null },
    { what: 'parse + validate, 2,000 lines with a template tag on every line (median)', figure: ms(denseCold), target: '—', pass: null },
    { what: 'render, 2,000-line prompt file, compiled template cached (median)', figure: ms(median(renders)), target: '—', pass: null },
  ];
  return results;
};
