import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ASSERTION_REGISTRY, checkAssertion, resolveAssertionType } from '../../src/core/assertions/assertionRegistry';
import type { AssertionSpec } from '../../src/core/assertions/assertionTypes';
import { evaluateAssertion } from '../../src/core/assertions/evaluateCase';
import { CLOSED_QA_PROMPT, FACTUALITY_PROMPT, LLM_RUBRIC_PROMPT } from '../../src/core/assertions/graderPrompts';
import { bleu, gleu, levenshteinDistance, rougeN } from '../../src/core/assertions/textMetrics';
import { splitCommaList } from '../../src/core/assertions/valueUtils';
import type { CallResult, ChatRequest } from '../../src/core/types';
import { casesFromInline } from '../../src/core/testBank/yamlBank';
import { callResult, testGrader } from './assertionsSupport';
import { gradedCases } from '../support/gradedCases';
import { TEST_FILES } from '../support/testFiles';

/** One row: an assertion, an output (and call details), and the expected verdict. */
interface Row {
  why: string;
  spec: AssertionSpec;
  output?: string;
  result?: Partial<CallResult>;
  request?: ChatRequest;
  vars?: Record<string, unknown>;
  trusted?: boolean;
  pass: boolean;
  /** Expected score (to 4 decimals); omitted: 1 for a pass and 0 for a fail. */
  score?: number;
  /** The assertion could not be evaluated (fails both `x` and `not-x`). */
  error?: boolean;
}

const WEATHER_TOOLS = [
  {
    type: 'function',
    function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
  },
];
const toolRequest: ChatRequest = { model: { provider: 'openai', model: 'gpt-4o-mini' }, messages: [{ role: 'user', content: 'Weather in Paris?' }], params: { tools: WEATHER_TOOLS } };
const call = (name: string, args: string) => ({ id: 'call_1', type: 'function' as const, function: { name, arguments: args } });

const SCHEMA = { type: 'object', required: ['route'], properties: { route: { enum: ['billing', 'bug', 'other'] } } };

const jsDir = mkdtempSync(join(tmpdir(), 'assay-js-'));
const jsFile = join(jsDir, 'check.cjs');
writeFileSync(jsFile, "module.exports = (output, context) => ({ pass: output.includes(context.vars.word), score: 0.5, reason: 'checked ' + context.vars.word });\nmodule.exports.short = (output) => output.length < 5;\n");
// TypeScript: a default export typed with an interface, importing a helper from a sibling .ts file.
const tsFile = join(jsDir, 'grade.ts');
writeFileSync(join(jsDir, 'limits.ts'), 'export const MAX_WORDS: number = 3;\n');
writeFileSync(
  tsFile,
  "import { MAX_WORDS } from './limits';\ninterface Ctx { vars: Record<string, unknown> }\n" +
    "export default function grade(output: string, context: Ctx): { pass: boolean; score: number; reason: string } {\n" +
    "  const n: number = output.split(' ').length;\n  return { pass: n <= MAX_WORDS, score: n <= MAX_WORDS ? 1 : 0.25, reason: `${n} words for ${String(context.vars.word)}` };\n}\n" +
    'export const shout = (output: string): boolean => output === output.toUpperCase();\n',
);
writeFileSync(join(jsDir, 'broken.ts'), 'export default (output: string => output;\n');
after(() => rmSync(jsDir, { recursive: true, force: true }));

const ROWS: Row[] = [
  // equals
  { why: 'exact text', spec: { type: 'equals', value: 'billing' }, output: 'billing', pass: true },
  { why: 'case-sensitive', spec: { type: 'equals', value: 'billing' }, output: 'Billing', pass: false },
  { why: 'whitespace counts', spec: { type: 'equals', value: 'billing' }, output: 'billing\n', pass: false },
  { why: 'a number compares as its text', spec: { type: 'equals', value: 42 }, output: '42', pass: true },
  { why: 'an object value compares parsed JSON, key order ignored', spec: { type: 'equals', value: { b: 2, a: 1 } }, output: '{"a": 1, "b": 2}', pass: true },
  { why: 'an object value against non-JSON output', spec: { type: 'equals', value: { a: 1 } }, output: 'a=1', pass: false },
  { why: 'not-equals on different text', spec: { type: 'not-equals', value: 'billing' }, output: 'bug', pass: true },
  { why: 'not-equals on equal text', spec: { type: 'not-equals', value: 'billing' }, output: 'billing', pass: false },
  { why: 'equals renders {{ vars }} in the value', spec: { type: 'equals', value: '{{ expected }}' }, vars: { expected: 'bug' }, output: 'bug', pass: true },
  // contains / icontains
  { why: 'substring', spec: { type: 'contains', value: 'refund' }, output: 'We will refund you', pass: true },
  { why: 'contains is case-sensitive', spec: { type: 'contains', value: 'Refund' }, output: 'We will refund you', pass: false },
  { why: 'a number value matches its digits', spec: { type: 'contains', value: 0 }, output: '0 items', pass: true },
  { why: 'not-contains absent text', spec: { type: 'not-contains', value: 'sorry' }, output: 'Done.', pass: true },
  { why: 'not-contains present text', spec: { type: 'not-contains', value: 'sorry' }, output: 'sorry!', pass: false },
  { why: 'icontains ignores case', spec: { type: 'icontains', value: 'REFUND' }, output: 'We will refund you', pass: true },
  { why: 'icontains absent', spec: { type: 'icontains', value: 'credit' }, output: 'We will refund you', pass: false },
  { why: 'not-icontains ignores case too', spec: { type: 'not-icontains', value: 'SORRY' }, output: 'so sorry', pass: false },
  // contains-any / -all / icontains-*
  { why: 'any of a list', spec: { type: 'contains-any', value: ['invoice', 'billing'] }, output: 'billing team', pass: true },
  { why: 'any of a comma-separated string', spec: { type: 'contains-any', value: 'invoice, billing' }, output: 'billing team', pass: true },
  { why: 'none of the list', spec: { type: 'contains-any', value: ['invoice', 'refund'] }, output: 'billing team', pass: false },
  { why: 'contains-any is case-sensitive', spec: { type: 'contains-any', value: ['Billing'] }, output: 'billing team', pass: false },
  { why: 'not-contains-any when none occurs', spec: { type: 'not-contains-any', value: 'error, failed' }, output: 'all good', pass: true },
  { why: 'all of the list', spec: { type: 'contains-all', value: ['order', 'refund'] }, output: 'your order refund', pass: true },
  { why: 'one missing', spec: { type: 'contains-all', value: ['order', 'credit'] }, output: 'your order refund', pass: false },
  { why: 'a quoted item keeps its comma', spec: { type: 'contains-all', value: '"1,000", in stock' }, output: '1,000 units in stock', pass: true },
  { why: 'not-contains-all when one is missing', spec: { type: 'not-contains-all', value: ['order', 'credit'] }, output: 'your order', pass: true },
  { why: 'icontains-any ignores case', spec: { type: 'icontains-any', value: ['BILLING', 'x'] }, output: 'billing', pass: true },
  { why: 'icontains-any none', spec: { type: 'icontains-any', value: ['bug'] }, output: 'billing', pass: false },
  { why: 'not-icontains-any', spec: { type: 'not-icontains-any', value: ['BUG'] }, output: 'a bug', pass: false },
  { why: 'icontains-all ignores case', spec: { type: 'icontains-all', value: ['ORDER', 'Refund'] }, output: 'order refund', pass: true },
  { why: 'icontains-all one missing', spec: { type: 'icontains-all', value: ['ORDER', 'credit'] }, output: 'order refund', pass: false },
  { why: 'not-icontains-all', spec: { type: 'not-icontains-all', value: ['ORDER', 'credit'] }, output: 'order refund', pass: true },
  // starts-with
  { why: 'prefix', spec: { type: 'starts-with', value: 'Yes' }, output: 'Yes, it is', pass: true },
  { why: 'leading space breaks the prefix', spec: { type: 'starts-with', value: 'Yes' }, output: ' Yes', pass: false },
  { why: 'not-starts-with', spec: { type: 'not-starts-with', value: 'No' }, output: 'Yes', pass: true },
  // regex
  { why: 'date pattern', spec: { type: 'regex', value: '^\\d{4}-\\d{2}-\\d{2}$' }, output: '2024-05-01', pass: true },
  { why: 'pattern does not match', spec: { type: 'regex', value: '^\\d{4}$' }, output: '2024-05', pass: false },
  { why: 'regex is case-sensitive', spec: { type: 'regex', value: 'yes' }, output: 'YES', pass: false },
  { why: 'not-regex', spec: { type: 'not-regex', value: 'error' }, output: 'fine', pass: true },
  { why: 'an invalid regex is an error, also under not-', spec: { type: 'not-regex', value: '(' }, output: 'x', pass: false, error: true },
  // is-json
  { why: 'valid JSON', spec: { type: 'is-json' }, output: ' {"route": "billing"} ', pass: true },
  { why: 'not JSON', spec: { type: 'is-json' }, output: 'route: billing', pass: false },
  { why: 'fenced JSON is not the whole output', spec: { type: 'is-json' }, output: '```json\n{"a":1}\n```', pass: false },
  { why: 'matches the schema', spec: { type: 'is-json', value: SCHEMA }, output: '{"route": "bug"}', pass: true },
  { why: 'violates the schema', spec: { type: 'is-json', value: SCHEMA }, output: '{"route": "sales"}', pass: false },
  { why: 'a schema written as YAML text', spec: { type: 'is-json', value: 'type: object\nrequired: [route]' }, output: '{}', pass: false },
  { why: 'not-is-json on prose', spec: { type: 'not-is-json' }, output: 'hello', pass: true },
  // contains-json
  { why: 'JSON inside prose', spec: { type: 'contains-json' }, output: 'Sure: {"route": "bug"} done', pass: true },
  { why: 'a list is never found, even in a json fence (promptfoo looks for objects only)', spec: { type: 'contains-json' }, output: 'Here:\n```json\n[1, 2]\n```', pass: false },
  { why: 'lenient like promptfoo: unquoted keys and a // comment', spec: { type: 'contains-json', value: SCHEMA }, output: 'Result: {route: other, // chosen\n}', pass: true },
  { why: 'a bracketed citation is not JSON', spec: { type: 'contains-json' }, output: 'as shown in [1]', pass: false },
  { why: 'the second object matches the schema', spec: { type: 'contains-json', value: SCHEMA }, output: '{"x": 1} and {"route": "other"}', pass: true },
  { why: 'no object matches the schema', spec: { type: 'contains-json', value: SCHEMA }, output: '{"x": 1}', pass: false },
  { why: 'not-contains-json', spec: { type: 'not-contains-json' }, output: 'plain', pass: true },
  // levenshtein
  { why: 'kitten → sitting is 3 edits, default threshold 5', spec: { type: 'levenshtein', value: 'sitting' }, output: 'kitten', pass: true },
  { why: '3 edits over threshold 2', spec: { type: 'levenshtein', value: 'sitting', threshold: 2 }, output: 'kitten', pass: false },
  { why: 'not-levenshtein for far strings', spec: { type: 'not-levenshtein', value: 'hello world', threshold: 1 }, output: 'goodbye', pass: true },
  // rouge-n
  { why: 'case ignored; the period is a token: F1 of 6/7 and 1 = 12/13', spec: { type: 'rouge-n', value: 'the cat sat on the mat' }, output: 'The cat sat on the mat.', pass: true, score: 12 / 13 },
  { why: '3 of 6 reference words: F1 of 1 and 1/2 = 2/3 < 0.75', spec: { type: 'rouge-n', value: 'the cat sat on the mat' }, output: 'the cat sat', pass: false, score: 2 / 3 },
  { why: '2/3 meets threshold 0.5', spec: { type: 'rouge-n', value: 'the cat sat on the mat', threshold: 0.5 }, output: 'the cat sat', pass: true, score: 2 / 3 },
  { why: 'not-rouge-n passes below the threshold, score 1 − ROUGE', spec: { type: 'not-rouge-n', value: 'the cat sat on the mat' }, output: 'the cat sat', pass: true, score: 1 / 3 },
  // bleu
  { why: 'identical sentence', spec: { type: 'bleu', value: 'the cat sat on the mat' }, output: 'the cat sat on the mat', pass: true, score: 1 },
  { why: 'two-word exact match scores 1', spec: { type: 'bleu', value: 'hello world' }, output: 'Hello world', pass: true, score: 1 },
  { why: 'short output: brevity penalty e^(1−6/2)', spec: { type: 'bleu', value: 'the cat sat on the mat' }, output: 'the cat', pass: false, score: Math.exp(-2) },
  { why: 'best of several references', spec: { type: 'bleu', value: ['a dog ran', 'the cat sat on the mat'] }, output: 'the cat sat on the mat', pass: true, score: 1 },
  { why: 'not-bleu: score is 1 − BLEU', spec: { type: 'not-bleu', value: 'the cat sat on the mat' }, output: 'the cat', pass: true, score: 1 - Math.exp(-2) },
  // latency
  { why: 'under the threshold', spec: { type: 'latency', threshold: 200 }, result: { latencyMs: 120 }, pass: true },
  { why: 'over the threshold', spec: { type: 'latency', threshold: 100 }, result: { latencyMs: 120 }, pass: false },
  { why: 'a cached response has no latency to check', spec: { type: 'latency', threshold: 100 }, result: { cacheHit: true }, pass: false, error: true },
  { why: 'latency needs a threshold', spec: { type: 'latency' }, pass: false, error: true },
  { why: 'not-latency on a slow call', spec: { type: 'not-latency', threshold: 100 }, result: { latencyMs: 120 }, pass: true },
  // cost
  { why: 'cheap enough', spec: { type: 'cost', threshold: 0.01 }, result: { cost: 0.002 }, pass: true },
  { why: 'too expensive', spec: { type: 'cost', threshold: 0.001 }, result: { cost: 0.002 }, pass: false },
  { why: 'unknown cost is an error, not a guess', spec: { type: 'cost', threshold: 0.01 }, result: { cost: null }, pass: false, error: true },
  { why: 'unknown cost fails not-cost too', spec: { type: 'not-cost', threshold: 0.01 }, result: { cost: null }, pass: false, error: true },
  { why: 'not-cost on a cheap call', spec: { type: 'not-cost', threshold: 0.01 }, result: { cost: 0.002 }, pass: false },
  // finish-reason
  { why: 'same reason, any case', spec: { type: 'finish-reason', value: 'STOP' }, result: { finishReason: 'stop' }, pass: true },
  { why: 'different reason', spec: { type: 'finish-reason', value: 'stop' }, result: { finishReason: 'length' }, pass: false },
  { why: 'no reason reported', spec: { type: 'finish-reason', value: 'stop' }, result: { finishReason: null }, pass: false, error: true },
  { why: 'not-finish-reason length', spec: { type: 'not-finish-reason', value: 'length' }, result: { finishReason: 'stop' }, pass: true },
  // word-count
  { why: 'exact count', spec: { type: 'word-count', value: 3 }, output: ' one two\nthree ', pass: true },
  { why: 'wrong exact count', spec: { type: 'word-count', value: 2 }, output: 'one two three', pass: false },
  { why: 'within a range (inclusive)', spec: { type: 'word-count', value: { min: 3, max: 3 } }, output: 'one two three', pass: true },
  { why: 'under the minimum', spec: { type: 'word-count', value: { min: 4 } }, output: 'one two three', pass: false },
  { why: 'min greater than max is a configuration error', spec: { type: 'word-count', value: { min: 5, max: 2 } }, output: 'x', pass: false, error: true },
  { why: 'not-word-count', spec: { type: 'not-word-count', value: { max: 2 } }, output: 'one two three', pass: true },
  // trace-span-* over the case's spans: one `chat MODEL` span per model call (tool-loop steps in assertionsTrajectory.test.ts)
  { why: 'one chat span, within 1-1', spec: { type: 'trace-span-count', value: { pattern: 'chat *', min: 1, max: 1 } }, output: 'x', pass: true },
  { why: 'fewer spans than the minimum', spec: { type: 'trace-span-count', value: { pattern: 'CHAT GPT-4O-*', min: 2 } }, output: 'x', pass: false },
  { why: 'not-: outside the forbidden range', spec: { type: 'not-trace-span-count', value: { pattern: 'chat *', min: 2 } }, output: 'x', pass: true },
  { why: 'no span matches the pattern: a count of 0', spec: { type: 'trace-span-count', value: { pattern: 'tool *', max: 0 } }, output: 'x', pass: true },
  { why: 'the call took 320 ms ≤ 500', spec: { type: 'trace-span-duration', value: { max: 500 } }, output: 'x', result: { latencyMs: 320 }, pass: true },
  { why: 'the call took 320 ms > 100', spec: { type: 'trace-span-duration', value: { pattern: 'chat gpt-4o-mini', max: 100, percentile: 95 } }, output: 'x', result: { latencyMs: 320 }, pass: false },
  { why: 'not-: slower than a forbidden bound', spec: { type: 'not-trace-span-duration', value: { max: 100 } }, output: 'x', result: { latencyMs: 320 }, pass: true },
  { why: 'no error span (value omitted: none allowed)', spec: { type: 'trace-error-spans' }, output: 'x', pass: true },
  { why: 'a failed call is an error span', spec: { type: 'trace-error-spans', value: { max_count: 0 } }, result: { error: { kind: 'server', message: 'upstream 502' } }, pass: false },
  { why: 'not-: an error span was expected', spec: { type: 'not-trace-error-spans', value: 0 }, result: { error: { kind: 'server', message: 'upstream 502' } }, pass: true },
  { why: 'a bad value is an error, never a verdict', spec: { type: 'trace-span-count', value: { min: 1 } }, output: 'x', pass: false, error: true },
  // trajectory:* over a single call's tool calls (the loop cases are in assertionsTrajectory.test.ts)
  { why: 'the tool was called', spec: { type: 'trajectory:tool-used', value: 'get_weather' }, result: { toolCalls: [call('get_weather', '{"city":"Paris"}')] }, pass: true },
  { why: 'the tool was not called', spec: { type: 'trajectory:tool-used', value: 'book_flight' }, result: { toolCalls: [call('get_weather', '{}')] }, pass: false },
  { why: 'a forbidden tool was not called', spec: { type: 'not-trajectory:tool-used', value: ['book_flight'] }, result: { toolCalls: [call('get_weather', '{}')] }, pass: true },
  { why: 'in order', spec: { type: 'trajectory:tool-sequence', value: ['get_weather', 'get_time'] }, result: { toolCalls: [call('get_weather', '{}'), call('get_time', '{}')] }, pass: true },
  { why: 'out of order', spec: { type: 'trajectory:tool-sequence', value: ['get_time', 'get_weather'] }, result: { toolCalls: [call('get_weather', '{}'), call('get_time', '{}')] }, pass: false },
  { why: 'a forbidden order not seen', spec: { type: 'not-trajectory:tool-sequence', value: ['get_time', 'get_weather'] }, result: { toolCalls: [call('get_weather', '{}'), call('get_time', '{}')] }, pass: true },
  { why: 'arguments match', spec: { type: 'trajectory:tool-args-match', value: { name: 'get_weather', args: { city: 'Paris' } } }, result: { toolCalls: [call('get_weather', '{"city":"Paris"}')] }, pass: true },
  { why: 'arguments differ', spec: { type: 'trajectory:tool-args-match', value: { name: 'get_weather', args: { city: 'Oslo' } } }, result: { toolCalls: [call('get_weather', '{"city":"Paris"}')] }, pass: false },
  { why: 'forbidden arguments not seen', spec: { type: 'not-trajectory:tool-args-match', value: { name: 'get_weather', args: { city: 'Oslo' } } }, result: { toolCalls: [call('get_weather', '{"city":"Paris"}')] }, pass: true },
  { why: 'one answer, one tool call', spec: { type: 'trajectory:step-count', value: { min: 2, max: 2 } }, result: { toolCalls: [call('get_weather', '{}')] }, pass: true },
  { why: 'more tool calls than allowed', spec: { type: 'trajectory:step-count', value: { type: 'tool', max: 1 } }, result: { toolCalls: [call('get_weather', '{}'), call('get_time', '{}')] }, pass: false },
  { why: 'outside a forbidden range', spec: { type: 'not-trajectory:step-count', value: { type: 'tool', min: 3 } }, result: { toolCalls: [call('get_weather', '{}')] }, pass: true },
  { why: 'the grader says the goal was reached', spec: { type: 'trajectory:goal-success', value: 'Weather in Paris RUBRIC_PASS' }, output: 'Sunny', pass: true, score: 0.9 },
  { why: 'the grader says it was not', spec: { type: 'trajectory:goal-success', value: 'Weather in Paris RUBRIC_FAIL' }, output: 'No idea', pass: false, score: 0.2 },
  { why: 'a forbidden goal not reached', spec: { type: 'not-trajectory:goal-success', value: 'Book a flight RUBRIC_FAIL' }, output: 'No idea', pass: true, score: 1 },
  // is-valid-openai-tools-call
  { why: 'valid call', spec: { type: 'is-valid-openai-tools-call' }, request: toolRequest, result: { toolCalls: [call('get_weather', '{"city":"Paris"}')] }, pass: true },
  { why: 'missing required argument', spec: { type: 'is-valid-openai-tools-call' }, request: toolRequest, result: { toolCalls: [call('get_weather', '{}')] }, pass: false },
  { why: 'undeclared tool', spec: { type: 'is-valid-openai-tools-call' }, request: toolRequest, result: { toolCalls: [call('book_flight', '{}')] }, pass: false },
  { why: 'arguments not JSON', spec: { type: 'is-valid-openai-tools-call' }, request: toolRequest, result: { toolCalls: [call('get_weather', '{city')] }, pass: false },
  { why: 'no tool call at all', spec: { type: 'is-valid-openai-tools-call' }, request: toolRequest, output: 'It is sunny', pass: false },
  { why: 'tool calls given as JSON output, tools as value', spec: { type: 'is-valid-openai-tools-call', value: WEATHER_TOOLS }, output: JSON.stringify([call('get_weather', '{"city":"Oslo"}')]), pass: true },
  { why: 'no declared tools is an error', spec: { type: 'is-valid-openai-tools-call' }, result: { toolCalls: [call('get_weather', '{}')] }, pass: false, error: true },
  { why: 'not- on an invalid call', spec: { type: 'not-is-valid-openai-tools-call' }, request: toolRequest, result: { toolCalls: [call('x', '{}')] }, pass: true },
  // is-valid-function-call (legacy `functions`; more rows in the promptfoo reference)
  { why: 'not- on a function call with bad arguments', spec: { type: 'not-is-valid-function-call', value: [{ name: 'get_weather', parameters: WEATHER_TOOLS[0].function.parameters }] }, output: '{"name": "get_weather", "arguments": "{}"}', pass: true },
  { why: 'no declared functions is an error', spec: { type: 'is-valid-function-call' }, output: '{"name": "get_weather", "arguments": "{}"}', pass: false, error: true },
  // assert-set (weights and thresholds of sets: the promptfoo reference's case rows)
  { why: 'every member passes', spec: { type: 'assert-set', assert: [{ type: 'contains', value: 'a' }, { type: 'icontains', value: 'B' }] }, output: 'a b', pass: true },
  { why: 'one member fails', spec: { type: 'assert-set', assert: [{ type: 'contains', value: 'a' }, { type: 'contains', value: 'zz' }] }, output: 'a b', pass: false, score: 0.5 },
  { why: 'a set threshold', spec: { type: 'assert-set', threshold: 0.5, assert: [{ type: 'contains', value: 'a' }, { type: 'contains', value: 'zz' }] }, output: 'a b', pass: true, score: 0.5 },
  { why: 'a set cannot be negated', spec: { type: 'not-assert-set', assert: [{ type: 'contains', value: 'a' }] }, output: 'a', pass: false, error: true },
  { why: 'a member with a bad value makes the set an error', spec: { type: 'assert-set', assert: [{ type: 'contains' }] }, output: 'a', pass: false, error: true },
  // javascript
  { why: 'boolean expression', spec: { type: 'javascript', value: "output.includes('refund')" }, output: 'a refund', pass: true },
  { why: 'false expression', spec: { type: 'javascript', value: 'output.length > 100' }, output: 'short', pass: false },
  { why: 'an expression with a trailing ; (as promptfoo)', spec: { type: 'javascript', value: "output.includes('refund');" }, output: 'a refund', pass: true },
  { why: 'a false expression with a trailing ;', spec: { type: 'javascript', value: 'output.length > 100; ' }, output: 'short', pass: false },
  { why: 'body with return and context.vars', spec: { type: 'javascript', value: 'const w = context.vars.word;\nreturn output.startsWith(w);' }, vars: { word: 'Hi' }, output: 'Hi there', pass: true },
  { why: 'a number is the score; > 0 passes without threshold', spec: { type: 'javascript', value: '0.25' }, pass: true, score: 0.25 },
  { why: 'zero fails', spec: { type: 'javascript', value: '0' }, pass: false, score: 0 },
  { why: 'a number under the threshold', spec: { type: 'javascript', value: '0.4', threshold: 0.5 }, pass: false, score: 0.4 },
  { why: 'a grading object', spec: { type: 'javascript', value: "({ pass: true, score: 0.7, reason: 'ok' })" }, pass: true, score: 0.7 },
  { why: 'await is allowed', spec: { type: 'javascript', value: 'await Promise.resolve(output === "x")' }, output: 'x', pass: true },
  { why: "one line ending in ';' is still an expression (promptfoo: return <line>)", spec: { type: 'javascript', value: 'Math.max(0, 1 - output.length / 10);' }, output: 'abcde', pass: true, score: 0.5 },
  { why: 'not-javascript', spec: { type: 'not-javascript', value: 'output.length > 100' }, output: 'short', pass: true },
  { why: 'never runs untrusted', spec: { type: 'javascript', value: 'true' }, trusted: false, pass: false, error: true },
  { why: 'a throw is an error', spec: { type: 'javascript', value: "throw new Error('boom')" }, pass: false, error: true },
  { why: 'a string return is an error', spec: { type: 'javascript', value: "'yes'" }, pass: false, error: true },
  { why: 'an endless loop hits the time limit', spec: { type: 'javascript', value: 'while (true) {}', config: { timeoutMs: 50 } }, pass: false, error: true },
  { why: 'a never-settling promise hits the time limit', spec: { type: 'javascript', value: 'new Promise(() => {})', config: { timeoutMs: 50 } }, pass: false, error: true },
  { why: 'a file exporting a function', spec: { type: 'javascript', value: `file://${jsFile}` }, vars: { word: 'ok' }, output: 'all ok', pass: true, score: 0.5 },
  { why: 'a named export of a file', spec: { type: 'javascript', value: `file://${jsFile}:short` }, output: 'long output', pass: false },
  { why: 'a missing file is an error', spec: { type: 'javascript', value: `file://${join(jsDir, 'nope.js')}` }, pass: false, error: true },
  { why: 'a TypeScript file importing a .ts helper', spec: { type: 'javascript', value: `file://${tsFile}` }, vars: { word: 'w' }, output: 'one two', pass: true },
  { why: 'a TypeScript file: the returned score', spec: { type: 'javascript', value: `file://${tsFile}` }, vars: { word: 'w' }, output: 'one two three four', pass: false, score: 0.25 },
  { why: 'a named export of a TypeScript file', spec: { type: 'javascript', value: `file://${tsFile}:shout` }, output: 'LOUD', pass: true },
  { why: 'TypeScript that does not compile is an error', spec: { type: 'javascript', value: `file://${join(jsDir, 'broken.ts')}` }, pass: false, error: true },
  // similar (letter-frequency embeddings from the test grader)
  { why: 'same text: similarity 1', spec: { type: 'similar', value: 'the refund is on its way' }, output: 'the refund is on its way', pass: true, score: 1 },
  { why: 'unrelated text under 0.75', spec: { type: 'similar', value: 'aaaa' }, output: 'zzzz', pass: false, score: 0 },
  { why: 'best of several expected texts', spec: { type: 'similar', value: ['zzzz', 'abc'], threshold: 0.9 }, output: 'cab', pass: true, score: 1 },
  { why: 'not-similar passes below the threshold, score 1 − similarity', spec: { type: 'not-similar', value: 'aaaa' }, output: 'zzzz', pass: true, score: 1 },
  { why: 'an embeddings failure is an error', spec: { type: 'similar', value: 'EMBED_FAIL' }, output: 'x', pass: false, error: true },
  // llm-rubric (the test grader answers what the rubric asks for)
  { why: 'grader passes', spec: { type: 'llm-rubric', value: 'RUBRIC_PASS' }, output: 'hello', pass: true, score: 0.9 },
  { why: 'grader fails', spec: { type: 'llm-rubric', value: 'RUBRIC_FAIL' }, output: 'hello', pass: false, score: 0.2 },
  { why: 'passed but under the threshold', spec: { type: 'llm-rubric', value: 'RUBRIC_PASS', threshold: 0.95 }, output: 'hello', pass: false, score: 0.9 },
  { why: 'a score-only reply passes at ≥ 0.5', spec: { type: 'llm-rubric', value: 'RUBRIC_SCORE=0.6' }, output: 'hello', pass: true, score: 0.6 },
  { why: 'a score-only reply under a threshold', spec: { type: 'llm-rubric', value: 'RUBRIC_SCORE=0.6', threshold: 0.8 }, output: 'hello', pass: false, score: 0.6 },
  { why: 'not-llm-rubric inverts pass and score', spec: { type: 'not-llm-rubric', value: 'RUBRIC_FAIL' }, output: 'hello', pass: true, score: 0.8 },
  { why: 'an unreadable reply is an error', spec: { type: 'llm-rubric', value: 'RUBRIC_GARBAGE' }, pass: false, error: true },
  { why: 'a failed grader call is an error, also under not-', spec: { type: 'not-llm-rubric', value: 'GRADER_DOWN' }, pass: false, error: true },
  // model-graded-closedqa
  { why: 'grader answers Y', spec: { type: 'model-graded-closedqa', value: 'mentions refunds ANSWER=Y' }, output: 'refund', pass: true },
  { why: 'grader answers N', spec: { type: 'model-graded-closedqa', value: 'mentions refunds ANSWER=N' }, output: 'x', pass: false },
  { why: 'not-model-graded-closedqa', spec: { type: 'not-model-graded-closedqa', value: 'ANSWER=N' }, pass: true },
  { why: 'no final Y/N fails, as in promptfoo', spec: { type: 'model-graded-closedqa', value: 'RUBRIC_GARBAGE' }, pass: false, score: 0 },
  // factuality
  { why: '(C) same details scores 1', spec: { type: 'factuality', value: 'Sacramento LETTER=C' }, output: 'Sacramento', pass: true },
  { why: '(D) disagreement scores 0', spec: { type: 'factuality', value: 'Sacramento LETTER=D' }, output: 'Los Angeles', pass: false },
  { why: 'a custom category score > 0 passes; threshold is not read, as in promptfoo', spec: { type: 'factuality', value: 'LETTER=A', threshold: 0.9, options: { factuality: { subset: 0.8 } } }, pass: true, score: 0.8 },
  { why: 'custom category score without threshold passes when > 0', spec: { type: 'factuality', value: 'LETTER=E', options: { factuality: { differButFactual: 0.5 } } }, pass: true, score: 0.5 },
  { why: 'not-factuality on a disagreement', spec: { type: 'not-factuality', value: 'LETTER=D' }, pass: true },
];

describe('assertions: table', () => {
  for (const row of ROWS) {
    it(`${row.spec.type}: ${row.why}`, async () => {
      const grader = testGrader();
      const result = callResult({ text: row.output ?? '', ...row.result });
      const vars = row.vars ?? {};
      const r = await evaluateAssertion(row.spec, 0, {
        output: result.text,
        vars,
        test: { vars },
        result,
        request: row.request,
        context: grader,
        trusted: row.trusted ?? true,
      });
      assert.strictEqual(r.pass, row.pass, `pass (reason: ${r.reason})`);
      const expectedScore = row.score ?? (row.pass ? 1 : 0);
      assert.ok(Math.abs(r.score - expectedScore) < 1e-4, `score ${r.score}, expected ${expectedScore} (${r.reason})`);
      assert.strictEqual(r.error !== undefined, row.error === true, `error: ${r.error ?? 'none'}`);
      assert.ok(r.reason.length > 0, 'every result explains itself');
    });
  }

  it('every registered type has a passing, a failing and a not- row in the table or the promptfoo reference', () => {
    const referenceRows = (JSON.parse(readFileSync(join(__dirname, '../fixtures/promptfoo-assertion-reference.json'), 'utf8')) as {
      rows: { kind: string; assertion?: AssertionSpec; expected: { pass?: boolean } }[];
    }).rows
      .filter((r) => r.kind === 'assert' && r.expected.pass !== undefined)
      .map((r) => ({ spec: { ...r.assertion!, type: resolveAssertionType(r.assertion!.type)?.negated ? `not-${resolveAssertionType(r.assertion!.type)!.definition.type}` : resolveAssertionType(r.assertion!.type)!.definition.type }, pass: r.expected.pass! }));
    // Model-graded and script types without rows here are checked against promptfoo in assertionsGraded.test.ts.
    const graded = new Set(gradedCases('http://127.0.0.1:1').flatMap((c) => c.assert.map((a) => a.type.replace(/^not-/, ''))));
    for (const type of ASSERTION_REGISTRY.keys()) {
      const rows = [...ROWS, ...referenceRows].filter((r) => r.spec.type.replace(/^not-/, '') === type);
      if (rows.length === 0 && graded.has(type)) continue;
      assert.ok(rows.some((r) => !r.spec.type.startsWith('not-') && r.pass), `${type}: no passing row`);
      assert.ok(rows.some((r) => !r.spec.type.startsWith('not-') && !r.pass), `${type}: no failing row`);
      assert.ok(rows.some((r) => r.spec.type.startsWith('not-')), `${type}: no not- row`);
    }
  });
});

describe('assertions: registry and documentation', () => {
  let docs = '';
  before(() => {
    docs = readFileSync(join(__dirname, '../../docs/assertions.md'), 'utf8');
  });

  for (const def of ASSERTION_REGISTRY.values()) {
    it(`${def.type} has a description, docs, a loadable example, and a section in docs/assertions.md`, () => {
      assert.ok(def.description.length > 10 && !def.description.includes('\n'), 'one-line description');
      assert.ok(def.docs.length > 60, 'docs say a few sentences');
      const parsed = parseYaml(def.example) as { assert?: unknown };
      assert.ok(Array.isArray(parsed.assert), 'the example is an assert: list');
      const bank = casesFromInline([{ vars: {}, assert: parsed.assert }], { file: '/virtual/example.prompt', files: TEST_FILES });
      assert.deepStrictEqual(bank.diagnostics, [], 'the example loads without diagnostics');
      assert.ok(bank.cases[0].assert.every((a) => a.type.replace(/^not-/, '') === def.type), 'the example uses its own type');
      assert.ok(docs.includes(`### \`${def.type}\``), `docs/assertions.md has a section for ${def.type}`);
    });
  }

  it('docs/assertions.md shows the exact grader prompts', () => {
    for (const [name, prompt] of Object.entries({ LLM_RUBRIC_PROMPT, CLOSED_QA_PROMPT, FACTUALITY_PROMPT })) {
      for (const m of prompt) assert.ok(docs.includes(m.content), `the ${m.role} message of ${name} appears verbatim in the docs`);
    }
  });

  it('a promptfoo type Assay does not run is an error that says so and what to use instead; any other name is unknown', () => {
    for (const [type, instead] of [['ruby', /javascript or python/], ['not-skill-used', /trajectory:tool-used/], ['human', /👍\/👎/], ['pi', /llm-rubric/]] as const) {
      const problem = checkAssertion({ type });
      assert.strictEqual(problem?.code, 'invalid-assertion', type);
      assert.match(problem!.message, new RegExp(`"${type}" is not supported`), type);
      assert.match(problem!.message, instead, type);
    }
    assert.match(checkAssertion({ type: 'is-yaml' })?.message ?? '', /unknown assertion type "is-yaml"/);
  });

  it('the not- prefix and aliases resolve in one place', () => {
    const cases: [string, string | undefined, boolean | undefined][] = [
      ['contains', 'contains', false],
      ['not-contains', 'contains', true],
      ['not-model-graded-factuality', 'factuality', true],
      ['not-not-contains', undefined, undefined],
      ['nope', undefined, undefined],
    ];
    for (const [type, base, negated] of cases) {
      const r = resolveAssertionType(type);
      assert.strictEqual(r?.definition.type, base, type);
      assert.strictEqual(r?.negated, negated, type);
    }
  });

  it('checkAssertion reports configuration problems without running anything', () => {
    const cases: [AssertionSpec, string | undefined, string][] = [
      [{ type: 'contains', value: 'x' }, undefined, 'valid'],
      [{ type: 'contans', value: 'x' }, 'unknown-assertion', 'typo'],
      [{ type: 'contains' }, 'invalid-assertion', 'missing value'],
      [{ type: 'contains', value: 'x', weight: -1 }, 'invalid-assertion', 'negative weight'],
      [{ type: 'similar', value: 'x', threshold: 'high' as unknown as number }, 'invalid-assertion', 'threshold not a number'],
      [{ type: 'llm-rubric', value: 'x', provider: 'gpt4' }, 'invalid-assertion', 'provider without a model'],
      [{ type: 'javascript', value: 'return (' }, 'invalid-assertion', 'code that does not compile'],
      [{ type: 'cost' }, 'invalid-assertion', 'cost without threshold'],
    ];
    for (const [spec, code, why] of cases) assert.strictEqual(checkAssertion(spec)?.code, code, why);
    assert.match(checkAssertion({ type: 'contans', value: 'x' })!.message, /did you mean "contains"/, 'suggests the near miss');
  });
});

describe('assertions: javascript runs', () => {
  it('a TypeScript file edited between runs is compiled and loaded afresh', async () => {
    const file = join(jsDir, 'edited.ts');
    const run = () => evaluateAssertion({ type: 'javascript', value: `file://${file}` }, 0, { output: 'x', vars: {}, test: { vars: {} }, result: callResult({ text: 'x' }), context: testGrader(), trusted: true });
    writeFileSync(file, 'export default (): number => 0.25;\n');
    assert.strictEqual((await run()).score, 0.25);
    writeFileSync(file, 'export default (): number => 0.75;\n');
    assert.strictEqual((await run()).score, 0.75, 'the second run sees the new file');
  });

  it('overlapping runs of the same code keep their own output and vars', async () => {
    const spec: AssertionSpec = { type: 'javascript', value: 'await Promise.resolve();\nawait Promise.resolve();\nreturn output === context.vars.want;' };
    const run = (output: string, want: string) => {
      const result = callResult({ text: output });
      return evaluateAssertion(spec, 0, { output, vars: { want }, test: { vars: { want } }, result, context: testGrader(), trusted: true });
    };
    const results = await Promise.all([run('a', 'a'), run('b', 'b'), run('c', 'x')]);
    assert.deepStrictEqual(results.map((r) => r.pass), [true, true, false]);
  });

  it('sees the tool calls as output when the model answered only with tool calls', async () => {
    const result = callResult({ text: '', toolCalls: [call('get_weather', '{"city":"Rome"}')] });
    const r = await evaluateAssertion({ type: 'javascript', value: "output[0].function.name === 'get_weather'" }, 0, { output: '', vars: {}, test: { vars: {} }, result, context: testGrader(), trusted: true });
    assert.strictEqual(r.pass, true, r.reason);
  });
});

describe('assertions: model-graded requests', () => {
  it('llm-rubric sends the output and rubric to the default grader, or to the assertion provider', async () => {
    const grader = testGrader();
    const result = callResult({ text: 'Hello there' });
    const base = { output: result.text, vars: {}, test: { vars: {} }, result, context: grader, trusted: true };
    await evaluateAssertion({ type: 'llm-rubric', value: 'RUBRIC_PASS is a greeting' }, 0, base);
    await evaluateAssertion({ type: 'llm-rubric', value: 'RUBRIC_PASS', provider: 'anthropic:messages:claude-3-5-haiku-latest' }, 0, base);
    await evaluateAssertion({ type: 'llm-rubric', value: 'RUBRIC_PASS' }, 0, { ...base, test: { vars: {}, options: { provider: 'openai:gpt-4o' } } });
    await evaluateAssertion({ type: 'llm-rubric', value: 'RUBRIC_PASS' }, 0, { ...base, test: { vars: {}, options: { provider: { text: 'openai:o3', embedding: 'openai:x' } } } });
    await evaluateAssertion({ type: 'llm-rubric', value: 'RUBRIC_PASS' }, 0, { ...base, test: { vars: {}, options: { provider: { embedding: 'openai:x' } } } });
    assert.deepStrictEqual(
      grader.requests.map((r) => `${r.model.provider}:${r.model.model}`),
      ['test:grader', 'anthropic:claude-3-5-haiku-latest', 'openai:gpt-4o', 'openai:o3', 'test:grader'],
    );
    const [first] = grader.requests;
    assert.strictEqual(first.messages[0].role, 'system');
    assert.strictEqual(first.messages[0].content, LLM_RUBRIC_PROMPT[0]!.content);
    assert.strictEqual(first.messages[1].content, '<Output>\nHello there\n</Output>\n<Rubric>\nRUBRIC_PASS is a greeting\n</Rubric>');
    assert.strictEqual(first.params.temperature, 0, 'graders run at temperature 0');
  });

  it('the grader call cost is reported on the result', async () => {
    const grader = testGrader();
    const result = callResult({ text: 'x' });
    const r = await evaluateAssertion({ type: 'llm-rubric', value: 'RUBRIC_PASS' }, 0, { output: 'x', vars: {}, test: { vars: {} }, result, context: grader, trusted: true });
    assert.strictEqual(r.grader?.cost, 0.0001);
    assert.deepStrictEqual(r.grader?.model, { provider: 'test', model: 'grader' });
  });

  it('closed QA and factuality put the prompt, the output and the value into the grader prompt', async () => {
    const grader = testGrader();
    const result = callResult({ text: 'Sacramento' });
    const request: ChatRequest = { model: result.model, messages: [{ role: 'user', content: 'Capital of California?' }], params: {} };
    const base = { output: 'Sacramento', vars: {}, test: { vars: {} }, result, request, context: grader, trusted: true };
    await evaluateAssertion({ type: 'model-graded-closedqa', value: 'names a city ANSWER=Y' }, 0, base);
    await evaluateAssertion({ type: 'factuality', value: 'Sacramento is the capital LETTER=C' }, 0, base);
    const [qa, fact] = grader.requests;
    assert.deepStrictEqual(qa!.messages.map((m) => m.role), ['system'], 'promptfoo sends closed QA as one system message');
    assert.match(qa!.messages[0]!.content, /\[Task\]: Capital of California\?\n\*\*\*\n\[Submission\]: Sacramento\n\*\*\*\n\[Criterion\]: names a city ANSWER=Y/);
    assert.deepStrictEqual(fact!.messages.map((m) => m.role), ['system', 'user']);
    assert.match(fact!.messages[1]!.content, /<question>\nCapital of California\?\n<\/question>\n\n<expert_answer>\nSacramento is the capital LETTER=C\n<\/expert_answer>\n\n<submitted_answer>\nSacramento\n<\/submitted_answer>/);
  });

  it('rubricPrompt replaces the grader prompt', async () => {
    const grader = testGrader();
    const result = callResult({ text: 'hi' });
    await evaluateAssertion({ type: 'llm-rubric', value: 'polite', rubricPrompt: 'Judge {{ output }} by: {{ rubric }} RUBRIC_PASS' }, 0, { output: 'hi', vars: {}, test: { vars: {} }, result, context: grader, trusted: true });
    assert.deepStrictEqual(grader.requests[0].messages, [{ role: 'user', content: 'Judge hi by: polite RUBRIC_PASS' }]);
  });

  it('similar embeds the output and every expected text in one call, with the assertion provider when given', async () => {
    const grader = testGrader();
    const result = callResult({ text: 'abc' });
    const seen: unknown[] = [];
    const context = { ...grader, embed: async (texts: string[], model?: unknown) => (seen.push(model), grader.embed(texts)) };
    await evaluateAssertion({ type: 'similar', value: ['abc', 'abd'], provider: 'openai:embedding:text-embedding-3-large' }, 0, { output: 'abc', vars: {}, test: { vars: {} }, result, context, trusted: true });
    assert.deepStrictEqual(grader.embedded, [['abc', 'abc', 'abd']]);
    assert.deepStrictEqual(seen, [{ provider: 'openai', model: 'text-embedding-3-large' }]);
  });
});

describe('assertions: text measures', () => {
  it('levenshtein distances', () => {
    const cases: [string, string, number][] = [
      ['kitten', 'sitting', 3],
      ['', 'abc', 3],
      ['flaw', 'lawn', 2],
      ['same', 'same', 0],
    ];
    for (const [a, b, d] of cases) assert.strictEqual(levenshteinDistance(a, b), d, `${a} → ${b}`);
  });

  it('ROUGE-1 F1, BLEU and GLEU values', () => {
    assert.strictEqual(rougeN('the cat', 'the cat sat on the mat'), 0.5, 'F1 of precision 1 and recall 2/6');
    assert.strictEqual(rougeN('the the the', 'the cat'), 0.4, 'clipped: one "the" matches (precision 1/3, recall 1/2)');
    assert.strictEqual(rougeN('anything', ''), 0, 'empty reference');
    assert.strictEqual(bleu('', ['ref']), 0, 'empty candidate');
    assert.ok(bleu('x', ['  ']) < 1e-6, 'a blank reference matches nothing (smoothed to 1e-7)');
    assert.strictEqual(gleu('The cat sat.', ['the cat sat']), 1, 'identical words after lower-casing and trailing periods');
    // 1- to 4-grams: 4+3+2+1 = 10 in the output, 6+5+4+3 = 18 in the reference, 3+2+1 = 6 matches.
    assert.strictEqual(gleu('the cat sat on', ['the cat sat in the house']), 6 / 18, 'min(precision 6/10, recall 6/18)');
    // 4-gram precisions 5/6, 3/5, 2/4, 1/3 with no brevity penalty (candidate as long as the reference).
    const expected = Math.exp((Math.log(5 / 6) + Math.log(3 / 5) + Math.log(2 / 4) + Math.log(1 / 3)) / 4);
    assert.ok(Math.abs(bleu('the cat sat on a mat', ['the cat sat on the mat']) - expected) < 1e-12, 'hand-computed BLEU');
  });

  it('comma lists with quotes', () => {
    const cases: [string, string[]][] = [
      ['a, b ,c', ['a', 'b', 'c']],
      ['"1,000", in stock', ['1,000', 'in stock']],
      ['"say ""hi""", x', ['say "hi"', 'x']],
      ['"a \\"b\\"", c', ['a "b"', 'c']],
      [' , a,,', ['a']],
      ['"", a', ['', 'a']],
    ];
    for (const [input, expected] of cases) assert.deepStrictEqual(splitCommaList(input), expected, input);
    assert.deepStrictEqual(splitCommaList('"open, b'), { error: 'unterminated quoted item' });
    assert.ok('error' in splitCommaList('"a" b, c'), 'text after a closing quote');
  });
});
