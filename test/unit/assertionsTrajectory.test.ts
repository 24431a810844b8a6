// The trajectory:* assertions over the steps of a case (each model call, then its tool calls), with
// promptfoo 0.121.20's verdicts, scores and reasons: pass, fail, `not-`, and a bad value as a clear error.
import * as assert from 'node:assert/strict';
import { checkAssertion } from '../../src/core/assertions/assertionRegistry';
import type { AssertionSpec } from '../../src/core/assertions/assertionTypes';
import { evaluateAssertion } from '../../src/core/assertions/evaluateCase';
import type { CallResult, ToolCall } from '../../src/core/types';
import { callResult, testGrader } from './assertionsSupport';

const call = (name: string, args: Record<string, unknown> | string, id = name): ToolCall => ({ id, type: 'function', function: { name, arguments: typeof args === 'string' ? args : JSON.stringify(args) } });

/** A three-step loop: search, then two lookups, then the answer. */
const LOOP: CallResult[] = [
  callResult({ toolCalls: [call('search_orders', { query: 'late order', limit: 10 })], finishReason: 'tool_calls' }),
  callResult({ toolCalls: [call('get_order', { id: 'A1', verbose: false }, 'c1'), call('get_weather', { city: 'Paris', units: 'metric' }, 'c2')], finishReason: 'tool_calls' }),
  callResult({ text: 'Your order A1 shipped; it is sunny in Paris.' }),
];

async function judge(spec: AssertionSpec, steps: CallResult[] = LOOP) {
  const last = steps[steps.length - 1]!;
  return evaluateAssertion(spec, 0, { output: last.text, vars: {}, test: { vars: {} }, result: last, steps, context: testGrader(), trusted: false });
}

describe('trajectory assertions', () => {
  describe('trajectory:tool-used', () => {
    const table: [string, AssertionSpec, boolean, number, RegExp][] = [
      ['one tool, used', { type: 'trajectory:tool-used', value: 'get_order' }, true, 1, /^Observed required tool\(s\): get_order\. Actual tools: tool:search_orders, tool:get_order, tool:get_weather$/],
      ['a list, one missing', { type: 'trajectory:tool-used', value: ['get_order', 'refund'] }, false, 0, /^Missing required tool\(s\): refund\. Actual tools: /],
      ['a glob, case-insensitive', { type: 'trajectory:tool-used', value: 'GET_*' }, true, 1, /Observed required tool\(s\): GET_\*/],
      ['a count in range', { type: 'trajectory:tool-used', value: { pattern: 'get_*', min: 2, max: 2 } }, true, 1, /^Matched tool "get_\*" 2 time\(s\) \(expected 2-2\)\. Matches: tool:get_order, tool:get_weather$/],
      ['a count over max', { type: 'trajectory:tool-used', value: { name: 'get_*', max: 1 } }, false, 0, /^Matched tool "get_\*" 2 time\(s\) \(expected 1-1\)/],
      ['not-: none of the listed tools', { type: 'not-trajectory:tool-used', value: ['refund', 'cancel'] }, true, 1, /^Forbidden tool\(s\) were not used: refund, cancel$/],
      // Not the opposite of "all used": one forbidden tool used fails it.
      ['not-: one of the list was used', { type: 'not-trajectory:tool-used', value: ['refund', 'get_order'] }, false, 0, /^Forbidden tool\(s\) were used: get_order\. Actual tools: /],
      ['not- on a count in range', { type: 'not-trajectory:tool-used', value: { name: 'search_orders' } }, false, 0, /^Tool "search_orders" matched 1 time\(s\), which violates the inverse assertion$/],
    ];
    for (const [why, spec, pass, score, reason] of table) {
      it(why, async () => {
        const r = await judge(spec);
        assert.equal(r.pass, pass, r.reason);
        assert.equal(r.score, score);
        assert.match(r.reason, reason);
      });
    }

    it('a single call without a loop is judged too (its own tool calls)', async () => {
      const r = await judge({ type: 'trajectory:tool-used', value: 'lookup' }, [callResult({ toolCalls: [call('lookup', {})] })]);
      assert.equal(r.pass, true, r.reason);
    });
  });

  describe('trajectory:tool-sequence', () => {
    const table: [string, AssertionSpec, boolean, RegExp][] = [
      ['in order with others between', { type: 'trajectory:tool-sequence', value: ['search_orders', 'get_weather'] }, true, /^Observed tool sequence in order: tool:search_orders, tool:get_weather\. Actual tools: /],
      ['out of order', { type: 'trajectory:tool-sequence', value: ['get_weather', 'get_order'] }, false, /^Expected tool "get_order" was not observed in order\./],
      ['exact, all three', { type: 'trajectory:tool-sequence', value: { mode: 'exact', steps: ['search_orders', 'get_order', { name: 'get_weather' }] } }, true, /^Observed exact tool sequence: /],
      ['exact, one left out', { type: 'trajectory:tool-sequence', value: { mode: 'exact', steps: ['search_orders', 'get_weather'] } }, false, /^Expected exact tool sequence of search_orders, get_weather, but actual tools were /],
      ['not-: the sequence is absent', { type: 'not-trajectory:tool-sequence', value: ['get_weather', 'search_orders'] }, true, /^Forbidden tool sequence was not observed$/],
      ['not-: the sequence happened', { type: 'not-trajectory:tool-sequence', value: ['search_orders'] }, false, /^Forbidden tool sequence was observed\./],
    ];
    for (const [why, spec, pass, reason] of table) {
      it(why, async () => {
        const r = await judge(spec);
        assert.equal(r.pass, pass, r.reason);
        assert.equal(r.score, pass ? 1 : 0);
        assert.match(r.reason, reason);
      });
    }
  });

  describe('trajectory:tool-args-match', () => {
    const table: [string, AssertionSpec, boolean, RegExp][] = [
      ['partial: the expected keys match', { type: 'trajectory:tool-args-match', value: { name: 'get_weather', args: { city: 'Paris' } } }, true, /^Tool "get_weather" matched expected arguments \(partial\) on tool:get_weather\. Args: \{"city":"Paris","units":"metric"\}$/],
      ['partial: a value differs', { type: 'trajectory:tool-args-match', value: { name: 'get_weather', args: { city: 'Rome' } } }, false, /^No call to tool "get_weather" matched expected arguments \(partial\): \{"city":"Rome"\}\. Observed args: \{"city":"Paris","units":"metric"\}$/],
      ['exact: an extra key fails', { type: 'trajectory:tool-args-match', value: { name: 'get_weather', arguments: { city: 'Paris' }, mode: 'exact' } }, false, /^No call to tool "get_weather" matched expected arguments \(exact\): \{"city":"Paris"\}/],
      ['exact with ignore', { type: 'trajectory:tool-args-match', value: { name: 'get_weather', args: { city: 'Paris' }, mode: 'exact', ignore: 'unit*' } }, true, /Ignored argument\(s\): units$/],
      ['exact with defaults', { type: 'trajectory:tool-args-match', value: { name: 'get_order', args: { id: 'A1' }, mode: 'exact', defaults: { verbose: false } } }, true, /Ignored default argument\(s\): verbose$/],
      ['no such tool', { type: 'trajectory:tool-args-match', value: { name: 'refund', args: {} } }, false, /^No tool call matched "refund"\. Actual tools: /],
      ['not-: no call had those arguments', { type: 'not-trajectory:tool-args-match', value: { name: 'get_weather', args: { city: 'Rome' } } }, true, /^Forbidden argument match for tool "get_weather" was not observed\. Observed args: /],
      ['not-: a call had them', { type: 'not-trajectory:tool-args-match', value: { name: 'search_orders', args: { limit: 10 } } }, false, /^Forbidden argument match for tool "search_orders" was observed on tool:search_orders/],
    ];
    for (const [why, spec, pass, reason] of table) {
      it(why, async () => {
        const r = await judge(spec);
        assert.equal(r.pass, pass, r.reason);
        assert.match(r.reason, reason);
      });
    }

    it('arguments that are not JSON are compared as their text', async () => {
      const steps = [callResult({ toolCalls: [call('shell', 'ls -la')] })];
      const r = await judge({ type: 'trajectory:tool-args-match', value: { name: 'shell', args: 'ls -la' } }, steps);
      assert.equal(r.pass, true, r.reason);
    });
  });

  describe('trajectory:step-count', () => {
    const table: [string, AssertionSpec, boolean, RegExp][] = [
      ['all steps: 3 answers and 3 tool calls', { type: 'trajectory:step-count', value: { min: 6, max: 6 } }, true, /^Matched 6 trajectory step\(s\) \(expected 6-6\)\. Matches: message:agent response, tool:search_orders, /],
      ['model calls only', { type: 'trajectory:step-count', value: { type: 'message', max: 2 } }, false, /^Matched 3 trajectory step\(s\) for type=message \(expected at most 2\)/],
      ['tools by pattern', { type: 'trajectory:step-count', value: { type: 'tool', pattern: 'get_*', min: 2 } }, true, /^Matched 2 trajectory step\(s\) for type=tool, pattern=get_\* \(expected at least 2\)/],
      ['not-: outside the range', { type: 'not-trajectory:step-count', value: { type: 'tool', max: 1 } }, true, /^Trajectory step count did not satisfy the forbidden range$/],
      ['not-: inside the range', { type: 'not-trajectory:step-count', value: { type: 'tool', max: 5 } }, false, /^Trajectory step count satisfied the forbidden range$/],
    ];
    for (const [why, spec, pass, reason] of table) {
      it(why, async () => {
        const r = await judge(spec);
        assert.equal(r.pass, pass, r.reason);
        assert.match(r.reason, reason);
      });
    }
  });

  describe('trajectory:goal-success', () => {
    it('the grader sees the goal, the summarized steps and the output; its verdict stands', async () => {
      const grader = testGrader();
      const last = LOOP[2]!;
      const r = await evaluateAssertion({ type: 'trajectory:goal-success', value: { goal: 'Report the order status RUBRIC_PASS' } }, 0, { output: last.text, vars: {}, test: { vars: {} }, result: last, steps: LOOP, context: grader, trusted: false });
      assert.equal(r.pass, true, r.reason);
      assert.equal(r.score, 0.9);
      const user = grader.requests[0]!.messages[1]!.content;
      assert.match(user, /<Goal>\nReport the order status RUBRIC_PASS\n<\/Goal>/);
      assert.match(user, /"stepCount": 6/);
      assert.match(user, /"name": "get_order"/);
      assert.match(user, /<Output>\nYour order A1 shipped/);
    });

    it('not-: the goal was not reached passes with score 1', async () => {
      const r = await judge({ type: 'not-trajectory:goal-success', value: 'Cancel the order RUBRIC_FAIL' });
      assert.equal(r.pass, true);
      assert.equal(r.score, 1);
      assert.equal(r.reason, 'Agent did not achieve the forbidden goal: Cancel the order RUBRIC_FAIL');
    });

    it('a failed grader is an error under not- too', async () => {
      const r = await judge({ type: 'not-trajectory:goal-success', value: 'GRADER_DOWN' });
      assert.equal(r.pass, false);
      assert.match(r.error ?? '', /grader .* failed/);
    });
  });

  describe('bad values are clear errors before any call', () => {
    const table: [AssertionSpec, string][] = [
      [{ type: 'trajectory:tool-used', value: 3 }, 'trajectory:tool-used assertion must have a string, string array, or object value'],
      [{ type: 'trajectory:tool-used', value: [] }, 'trajectory:tool-used assertion requires at least one expected tool'],
      [{ type: 'trajectory:tool-used', value: { min: 1 } }, 'trajectory:tool-used assertion object must include a name or pattern property'],
      [{ type: 'trajectory:tool-sequence', value: 'search' }, 'trajectory:tool-sequence assertion must have an array or object value'],
      [{ type: 'trajectory:tool-sequence', value: [] }, 'trajectory:tool-sequence assertion requires at least one expected step'],
      [{ type: 'trajectory:tool-sequence', value: ['a', { max: 1 }] }, 'trajectory:tool-sequence assertion step 2 must include a name or pattern property'],
      [{ type: 'trajectory:tool-sequence', value: { mode: 'strict', steps: ['a'] } }, 'trajectory:tool-sequence assertion mode must be "in_order" or "exact"'],
      [{ type: 'trajectory:tool-args-match', value: ['a'] }, 'trajectory:tool-args-match assertion must have an object value'],
      [{ type: 'trajectory:tool-args-match', value: { name: 'a' } }, 'trajectory:tool-args-match assertion must include an args or arguments property'],
      [{ type: 'trajectory:tool-args-match', value: { args: {} } }, 'trajectory:tool-args-match assertion object must include a name or pattern property'],
      [{ type: 'trajectory:tool-args-match', value: { name: 'a', args: {}, mode: 'fuzzy' } }, 'trajectory:tool-args-match assertion mode must be "partial" or "exact"'],
      [{ type: 'trajectory:tool-args-match', value: { name: 'a', args: {}, ignore: [''] } }, 'trajectory:tool-args-match assertion ignore must be a non-empty string or an array of non-empty strings'],
      [{ type: 'trajectory:tool-args-match', value: { name: 'a', args: {}, defaults: 'x' } }, 'trajectory:tool-args-match assertion defaults must be an object mapping argument names to default values'],
      [{ type: 'trajectory:step-count', value: { type: 'tool' } }, 'trajectory:step-count assertion must include a min or max property'],
      [{ type: 'trajectory:step-count', value: 4 }, 'trajectory:step-count assertion must have an object value'],
      [{ type: 'trajectory:goal-success', value: '' }, 'trajectory:goal-success assertion must have a string value or an object with a goal property'],
    ];
    for (const [spec, message] of table) {
      it(`${spec.type} ${JSON.stringify(spec.value)}`, async () => {
        assert.equal(checkAssertion(spec)?.message, message);
        assert.equal(checkAssertion({ ...spec, type: `not-${spec.type}` })?.message, message, 'not- checks the same value');
        const r = await judge(spec);
        assert.equal(r.pass, false);
        assert.equal(r.error, message);
      });
    }
  });

  describe('trace-span-* over a tool loop: one span per model call', () => {
    const timed = LOOP.map((c, i) => ({ ...c, latencyMs: [120, 480, 900][i]! }));
    const table: [string, AssertionSpec, boolean, RegExp][] = [
      ['three chat spans', { type: 'trace-span-count', value: { pattern: 'chat *', min: 3, max: 3 } }, true, /^Found 3 spans matching pattern "chat \*" \(expected 3-3\)\. Matched spans: chat gpt-4o-mini$/],
      ['the slowest step is over the bound', { type: 'trace-span-duration', value: { max: 800 } }, false, /^1 span\(s\) exceed duration threshold 800ms\. Slowest: chat gpt-4o-mini \(900ms\)$/],
      ['the median step is within it (rank ⌈p·n⌉)', { type: 'trace-span-duration', value: { max: 500, percentile: 50 } }, true, /^50th percentile duration \(480ms\) is within threshold 500ms$/],
      ['no step failed', { type: 'trace-error-spans', value: { max_percentage: 0 } }, true, /^No errors found in 3 spans matching pattern "\*"$/],
    ];
    for (const [why, spec, pass, reason] of table) {
      it(why, async () => {
        const r = await judge(spec, timed);
        assert.equal(r.pass, pass, r.reason);
        assert.match(r.reason, reason);
      });
    }
  });
});
