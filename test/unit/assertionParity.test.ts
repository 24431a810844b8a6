// Assay's verdicts and scores against promptfoo's own, row by row. The expected values in
// test/fixtures/promptfoo-assertion-reference.json come from running promptfoo 0.121.20's assertion code
// on the same inputs (scripts/compat/assertionReference.mjs); nothing here is written by hand.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AssertionSpec } from '../../src/core/assertions/assertionTypes';
import { evaluateAssertion, evaluateCase, type EvaluableCase } from '../../src/core/assertions/evaluateCase';
import type { CallResult, ChatRequest, ToolCall } from '../../src/core/types';
import { callResult, testGrader } from './assertionsSupport';

interface Expected {
  pass?: boolean;
  score?: number;
  error?: string;
  namedScores?: Record<string, number>;
}

interface ReferenceRow {
  id: string;
  kind: 'assert' | 'case';
  assertion?: AssertionSpec;
  test?: EvaluableCase;
  /** promptfoo's provider output: text, a list of OpenAI tool calls, or a legacy function call. */
  output: unknown;
  extra?: { response?: { logProbs?: number[]; finishReason?: string; cost?: number }; tools?: unknown[]; functions?: unknown[] };
  expected: Expected;
  /** Assay deliberately differs here (docs/assertions.md says why): it reports an error. */
  assay?: { error: true; why: string };
}

const FIXTURES = join(__dirname, '..', 'fixtures');
const reference = JSON.parse(readFileSync(join(FIXTURES, 'promptfoo-assertion-reference.json'), 'utf8')) as {
  promptfoo: string;
  rows: ReferenceRow[];
};

/** The call result a provider would have returned for promptfoo's output and response fields. */
function resultFor(row: ReferenceRow): CallResult {
  const out = row.output;
  const logprobs = row.extra?.response?.logProbs;
  const choice: Record<string, unknown> = {};
  if (logprobs) choice.logprobs = { content: logprobs.map((logprob) => ({ token: 't', logprob })) };
  if (out !== null && typeof out === 'object' && !Array.isArray(out)) choice.message = { role: 'assistant', content: null, function_call: out };
  return callResult({
    text: typeof out === 'string' ? out : '',
    toolCalls: Array.isArray(out) ? (out as ToolCall[]) : [],
    finishReason: row.extra?.response?.finishReason ?? null,
    // promptfoo's response has no cost unless the provider reports one.
    cost: row.extra?.response?.cost ?? null,
    response: Object.keys(choice).length > 0 ? { choices: [choice] } : null,
  });
}

function requestFor(row: ReferenceRow): ChatRequest {
  const params: Record<string, unknown> = {};
  if (row.extra?.tools) params.tools = row.extra.tools;
  if (row.extra?.functions) params.functions = row.extra.functions;
  return { model: { provider: 'openai', model: 'gpt-4o-mini' }, messages: [{ role: 'user', content: 'q' }], params };
}

function checkScore(actual: number, expected: number, id: string) {
  assert.equal(actual.toFixed(4), expected.toFixed(4), `${id}: score ${actual} vs promptfoo ${expected}`);
}

describe(`assertion parity with promptfoo ${reference.promptfoo}`, () => {
  it('the reference covers every row kind', () => {
    assert.ok(reference.rows.filter((r) => r.kind === 'assert').length > 100);
    assert.ok(reference.rows.some((r) => r.kind === 'case'));
  });

  for (const row of reference.rows.filter((r) => r.kind === 'assert')) {
    it(row.id, async () => {
      const result = resultFor(row);
      const r = await evaluateAssertion(row.assertion!, 0, {
        output: result.text,
        vars: {},
        test: { vars: {} },
        result,
        request: requestFor(row),
        context: testGrader(),
        trusted: false,
      });
      if (row.expected.error !== undefined || row.assay) {
        assert.ok(r.error, `${row.id}: promptfoo ${row.assay ? 'passes but Assay must refuse' : `throws (${row.expected.error})`}; Assay gave ${JSON.stringify(r)}`);
        return;
      }
      assert.equal(r.error, undefined, `${row.id}: unexpected error ${r.error}`);
      assert.equal(r.pass, row.expected.pass, `${row.id}: pass (reason: ${r.reason})`);
      checkScore(r.score, row.expected.score!, row.id);
    });
  }

  for (const row of reference.rows.filter((r) => r.kind === 'case')) {
    it(`case: ${row.id}`, async () => {
      const test = { ...row.test! };
      // The reference names scoring functions relative to test/fixtures; the loader makes such paths absolute.
      if (test.assertScoringFunction) test.assertScoringFunction = `file://${join(FIXTURES, test.assertScoringFunction)}`;
      const verdict = await evaluateCase(test, callResult({ text: String(row.output) }), { context: testGrader(), trusted: true });
      if (row.assay) {
        assert.ok(verdict.error, `${row.id}: Assay must report an error (${row.assay.why}); it gave ${verdict.reason}`);
        return;
      }
      assert.equal(verdict.error, undefined, verdict.error);
      assert.equal(verdict.pass, row.expected.pass, `${row.id}: pass (${verdict.reason})`);
      checkScore(verdict.score, row.expected.score!, row.id);
      for (const [name, score] of Object.entries(row.expected.namedScores ?? {})) checkScore(verdict.namedScores[name], score, `${row.id} metric ${name}`);
    });
  }
});
