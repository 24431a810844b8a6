import * as assert from 'node:assert/strict';
import { parseAssertionShorthand } from '../../src/core/assertions/assertionShorthand';
import type { AssertionSpec } from '../../src/core/assertions/assertionTypes';
import { evaluateCase } from '../../src/core/assertions/evaluateCase';
import { join } from 'node:path';
import { applyDefaults } from '../../src/core/testBank/normalizeCase';
import { casesFromInline } from '../../src/core/testBank/yamlBank';
import { TEST_FILES } from '../support/testFiles';
import { callResult, testGrader } from './assertionsSupport';

const EQUALS_HELLO: AssertionSpec = { type: 'equals', value: 'Hello world' };
const CONTAINS_WORLD: AssertionSpec = { type: 'contains', value: 'world' };

interface CaseRow {
  why: string;
  assert: AssertionSpec[];
  threshold?: number;
  output: string;
  pass: boolean;
  score: number;
  error?: boolean;
}

// promptfoo's documented example: equals (weight 2) fails and contains (weight 1) passes on "Goodbye world" → 1/3.
const ROWS: CaseRow[] = [
  { why: 'no assertions: pass with score 1', assert: [], output: 'x', pass: true, score: 1 },
  { why: 'all pass', assert: [EQUALS_HELLO, CONTAINS_WORLD], output: 'Hello world', pass: true, score: 1 },
  { why: 'one failure fails the case without a threshold', assert: [EQUALS_HELLO, CONTAINS_WORLD], output: 'Goodbye world', pass: false, score: 0.5 },
  { why: 'weights: the weighted mean is 1/3', assert: [{ ...EQUALS_HELLO, weight: 2 }, { ...CONTAINS_WORLD, weight: 1 }], output: 'Goodbye world', pass: false, score: 1 / 3 },
  { why: 'threshold 0.2 ≤ 1/3 passes despite a failing assertion', assert: [{ ...EQUALS_HELLO, weight: 2 }, CONTAINS_WORLD], threshold: 0.2, output: 'Goodbye world', pass: true, score: 1 / 3 },
  { why: 'threshold 0.5 > 1/3 fails', assert: [{ ...EQUALS_HELLO, weight: 2 }, CONTAINS_WORLD], threshold: 0.5, output: 'Goodbye world', pass: false, score: 1 / 3 },
  { why: 'threshold 0 always passes', assert: [EQUALS_HELLO], threshold: 0, output: 'nope', pass: true, score: 0 },
  { why: 'weight 0: a failing assertion passes and leaves the score alone', assert: [{ ...EQUALS_HELLO, weight: 0 }, CONTAINS_WORLD], output: 'Goodbye world', pass: true, score: 1 },
  { why: 'only weight-0 assertions: pass, score 0 (no weight)', assert: [{ ...EQUALS_HELLO, weight: 0 }], output: 'nope', pass: true, score: 0 },
  { why: 'an evaluation error fails the case even above the threshold', assert: [CONTAINS_WORLD, { type: 'cost', threshold: 1 }], threshold: 0.1, output: 'world', pass: false, score: 0.5, error: true },
  { why: 'an error in a weight-0 assertion does not', assert: [CONTAINS_WORLD, { type: 'cost', threshold: 1, weight: 0 }], output: 'world', pass: true, score: 1 },
  { why: 'an unknown type is an error', assert: [{ type: 'nonsense', value: 1 }], output: 'x', pass: false, score: 0, error: true },
];

describe('evaluateCase: weights, thresholds, weight 0', () => {
  for (const row of ROWS) {
    it(row.why, async () => {
      const result = callResult({ text: row.output, cost: null });
      const v = await evaluateCase({ vars: {}, assert: row.assert, threshold: row.threshold }, result, { context: testGrader(), trusted: true });
      assert.strictEqual(v.pass, row.pass, `pass (${v.reason})`);
      assert.ok(Math.abs(v.score - row.score) < 1e-9, `score ${v.score}, expected ${row.score}`);
      assert.strictEqual(v.error !== undefined, row.error === true, `error: ${v.error ?? 'none'}`);
      assert.strictEqual(v.results.length, row.assert.length, 'one result per assertion');
    });
  }

  it('weight 0 keeps the raw verdict for display', async () => {
    const v = await evaluateCase({ vars: {}, assert: [{ ...EQUALS_HELLO, weight: 0 }] }, callResult({ text: 'nope' }), { context: testGrader(), trusted: true });
    assert.strictEqual(v.results[0].pass, true, 'counts as passed');
    assert.strictEqual(v.results[0].rawPass, false, 'but shows what happened');
  });

  it('named metrics are weighted means; weight-0-only metrics report their plain mean', async () => {
    const v = await evaluateCase(
      {
        vars: {},
        assert: [
          { type: 'contains', value: 'a', metric: 'accuracy', weight: 3 },
          { type: 'contains', value: 'z', metric: 'accuracy', weight: 1 },
          { type: 'contains', value: 'b', metric: 'style' },
          { type: 'contains', value: 'q', metric: 'recorded', weight: 0 },
          { type: 'contains', value: 'a', metric: 'recorded', weight: 0 },
        ],
      },
      callResult({ text: 'ab' }),
      { context: testGrader(), trusted: true },
    );
    assert.deepStrictEqual(v.namedScores, { accuracy: 0.75, style: 1, recorded: 0.5 });
  });

  it('a failed model call is an errored case and runs no assertion', async () => {
    const grader = testGrader();
    const v = await evaluateCase(
      { vars: {}, assert: [{ type: 'llm-rubric', value: 'RUBRIC_PASS' }] },
      callResult({ error: { kind: 'timeout', message: 'no answer in 120 s' } }),
      { context: grader, trusted: true },
    );
    assert.strictEqual(v.pass, false);
    assert.match(v.error ?? '', /no answer in 120 s/);
    assert.strictEqual(grader.requests.length, 0, 'no grader call for a failed call');
  });

  it('grader costs add up; one unknown grader cost makes the total unknown', async () => {
    const grader = testGrader();
    const two = await evaluateCase(
      { vars: {}, assert: [{ type: 'llm-rubric', value: 'RUBRIC_PASS' }, { type: 'llm-rubric', value: 'RUBRIC_FAIL' }] },
      callResult({ text: 'x' }),
      { context: grader, trusted: true },
    );
    assert.ok(Math.abs((two.graderCost ?? -1) - 0.0002) < 1e-12, 'two grader calls at $0.0001');
    const down = await evaluateCase({ vars: {}, assert: [{ type: 'llm-rubric', value: 'GRADER_DOWN' }] }, callResult({ text: 'x' }), { context: grader, trusted: true });
    assert.strictEqual(down.graderCost, null);
  });
});

// Scores of scoring functions are checked against promptfoo in assertionParity.test.ts; here: loading and trust.
describe('assertScoringFunction', () => {
  const fixtures = join(__dirname, '..', 'fixtures');
  const load = (tests: unknown) => casesFromInline(tests, { file: join(fixtures, 'bank.prompt'), files: TEST_FILES });

  it('resolves the file against the bank, keeps the export name, and is inherited from defaults', () => {
    const bank = load([{ vars: {}, assertScoringFunction: 'file://scoring/scoring.cjs:strict', assert: [] }]);
    assert.deepStrictEqual(bank.diagnostics, []);
    assert.strictEqual(bank.cases[0].assertScoringFunction, `file://${join(fixtures, 'scoring/scoring.cjs')}:strict`);
    const inherited = applyDefaults({ ...bank.cases[0], assertScoringFunction: undefined }, { assertScoringFunction: 'file:///x/d.js' });
    assert.strictEqual(inherited.assertScoringFunction, 'file:///x/d.js');
  });

  it('rejects what it cannot run before any call: not a file reference, or a file that is not there', () => {
    const bank = load([{ vars: {}, assertScoringFunction: 'score.js' }, { vars: {}, assertScoringFunction: 'file://score.py:grade' }]);
    assert.deepStrictEqual(bank.diagnostics.map((d) => [d.severity, d.code]), [['error', 'invalid-case'], ['error', 'file-not-found']]);
    assert.match(bank.diagnostics[1].message, /file not found: score\.py/);
  });

  it('never runs in an untrusted workspace: the case is an error', async () => {
    const ref = `file://${join(fixtures, 'scoring/scoring.cjs')}`;
    const verdict = await evaluateCase({ vars: {}, assertScoringFunction: ref, assert: [{ type: 'contains', value: 'a' }] }, callResult({ text: 'a' }), { context: testGrader(), trusted: false });
    assert.strictEqual(verdict.pass, false);
    assert.match(verdict.error ?? '', /trusted workspace/);
  });
});

// Expected parses follow promptfoo 0.121.20's assertionFromString (src/csv.ts), including its quirks:
// thresholds only for the types it lists (with a 0.75 default), list values split, javascript files by extension.
describe('assertion shorthand (CSV __expected)', () => {
  const cases: [string, AssertionSpec | { error: string }, string][] = [
    ['Paris', { type: 'equals', value: 'Paris' }, 'no prefix means equals'],
    ['Answer: yes', { type: 'equals', value: 'Answer: yes' }, 'an unknown prefix is part of the value'],
    ['contains:Paris', { type: 'contains', value: 'Paris' }, 'type:value'],
    ['contains: Paris ', { type: 'contains', value: 'Paris' }, 'the value is trimmed'],
    ['icontains:paris', { type: 'icontains', value: 'paris' }, 'icontains'],
    ['not-contains:error', { type: 'not-contains', value: 'error' }, 'negated'],
    ['contains-any:Paris, London', { type: 'contains-any', value: ['Paris', 'London'] }, 'a list type is split'],
    ['icontains-all:"1,000", units', { type: 'icontains-all', value: ['1,000', 'units'] }, 'a quoted item keeps its comma'],
    ['contains-all:"open', { error: 'contains-all: unterminated quoted item' }, 'an unterminated quote is an error'],
    ['regex:^Hello.*world$', { type: 'regex', value: '^Hello.*world$' }, 'regex with colons and dots'],
    ['is-json', { type: 'is-json' }, 'a type without value'],
    ['is-json: {"type": "object"} ', { type: 'is-json', value: ' {"type": "object"} ' }, 'is-json keeps its value as written'],
    ['is-xml:a.b', { type: 'is-xml', value: 'a.b' }, 'is-xml'],
    ['not-is-refusal', { type: 'not-is-refusal' }, 'a negated type without value'],
    ['equals', { type: 'equals' }, 'a type alone, even one that needs a value (the loader reports it)'],
    ['similar(0.9):Hello world', { type: 'similar', value: 'Hello world', threshold: 0.9 }, 'threshold in parentheses'],
    ['similar:Hello world', { type: 'similar', value: 'Hello world', threshold: 0.8 }, 'similar defaults to 0.8'],
    ['rouge-n:the cat', { type: 'rouge-n', value: 'the cat', threshold: 0.75 }, 'listed threshold types default to 0.75'],
    ['levenshtein(5):expected text', { type: 'levenshtein', value: 'expected text', threshold: 5 }, 'levenshtein threshold'],
    ['starts-with:The answer', { type: 'starts-with', value: 'The answer', threshold: 0.75 }, 'starts-with is in the threshold list too'],
    ['latency(1500)', { type: 'latency', threshold: 1500 }, 'threshold without value'],
    ['bleu(0.3):the cat', { type: 'bleu', value: 'the cat' }, 'bleu is not in the threshold list: the threshold is dropped'],
    ['perplexity(-1)', { type: 'equals', value: 'perplexity(-1)' }, 'a signed threshold does not match the shorthand'],
    ['llm-rubric:Is helpful', { type: 'llm-rubric', value: 'Is helpful' }, 'llm-rubric'],
    ["grade:doesn't mention AI", { type: 'llm-rubric', value: "doesn't mention AI" }, 'grade: is llm-rubric'],
    ['factuality:Paris is the capital', { type: 'factuality', value: 'Paris is the capital' }, 'factuality'],
    ["fn:output.includes('x')", { type: 'javascript', value: "output.includes('x')" }, 'fn: is javascript'],
    ['javascript:output.length < 100', { type: 'javascript', value: 'output.length < 100' }, 'javascript:'],
    ['file://checks/tone.js', { type: 'javascript', value: 'file://checks/tone.js' }, 'a script file'],
    ['file://checks/tone.ts:grade', { type: 'equals', value: 'file://checks/tone.ts:grade' }, 'a named export does not end in a script extension'],
    ['file://checks/tone.py', { type: 'python', value: 'checks/tone.py' }, 'a python file'],
    ['python:output == "x"', { type: 'python', value: 'output == "x"' }, 'python: code'],
    ['trajectory:tool-used:search', { type: 'trajectory:tool-used', value: 'search' }, 'a type with a colon in its name takes the text after it'],
    ['bleu', { type: 'bleu' }, 'every promptfoo type name is recognised'],
  ];
  for (const [text, expected, why] of cases) {
    it(`${text} → ${'error' in expected ? 'error' : expected.type} (${why})`, () => assert.deepStrictEqual(parseAssertionShorthand(text), expected, why));
  }
});
