import * as assert from 'node:assert/strict';
import { PriceBook } from '../../src/core/pricing/pricing';
import { ProviderRegistry } from '../../src/core/providers/providerRegistry';
import type { Provider } from '../../src/core/providers/providerTypes';
import { Engine } from '../../src/core/run/engine';
import type { CallResult, ChatRequest } from '../../src/core/types';
import { mockProviderConfigs, TEST_OPENAI_KEY } from '../support/mockLlmProviders';
import { startMockLlm, type MockLlm, type MockReply } from '../support/mockLlmServer';

/** The Responses provider of `name`, as the engine resolves it for `api: responses`. */
function responsesOf(registry: ProviderRegistry, name: string): Provider {
  const p = registry.resolve({ provider: name, model: 'm' }, 'responses');
  if ('error' in p) throw new Error(p.error.message);
  return p;
}

/** One provider attempt, as the engine would make it. */
async function send(p: Provider, request: ChatRequest, stream: boolean, onDelta?: (t: string) => void, signal = new AbortController().signal): Promise<CallResult> {
  const prepared = p.prepare(request, stream);
  if ('error' in prepared) throw new Error(prepared.error.message);
  return (await p.chat(prepared, { signal, timeoutMs: 10_000, ...(onDelta ? { onDelta } : {}) })).result;
}

const ask = (prompt: string, params: ChatRequest['params'] = {}, provider = 'openai'): ChatRequest => ({
  model: { provider, model: 'gpt-5.5' },
  messages: [
    { role: 'system', content: 'You route tickets.' },
    { role: 'user', content: prompt },
  ],
  params: { api: 'responses', ...params },
});

const REPLIES: Record<string, MockReply> = {
  'use a tool': { toolCalls: [{ id: 'call_a', name: 'route', arguments: { queue: 'billing' } }], usage: { input: 50, output: 9 } },
  'think first': { text: 'billing', reasoning: 'The customer mentions a double charge, so billing.', usage: { input: 120, cachedInput: 64, output: 40, reasoning: 32 } },
  'run out': { text: 'bill', finishReason: 'length' },
};

describe('providers: the OpenAI Responses API through the openai SDK', () => {
  let mock: MockLlm;
  let registry: ProviderRegistry;

  before(async () => {
    mock = await startMockLlm({ apiKey: TEST_OPENAI_KEY, reply: (req) => REPLIES[req.prompt] ?? { text: 'billing it is' } });
    registry = new ProviderRegistry({ providers: mockProviderConfigs(mock) });
  });
  after(() => mock.close());
  beforeEach(() => {
    mock.requests.length = 0;
  });

  it('posts to /v1/responses the exact body it reports: input items, max_output_tokens, reasoning, text.format and verbosity', async () => {
    const schema = { type: 'object', properties: { queue: { type: 'string' } }, required: ['queue'], additionalProperties: false };
    const r = await send(
      responsesOf(registry, 'openai'),
      ask('I was charged twice', {
        max_tokens: 200,
        reasoning_effort: 'low',
        reasoning_summary: 'auto',
        verbosity: 'low',
        response_format: { type: 'json_schema', json_schema: { name: 'route', schema, strict: true } },
        instructions: 'Answer in French.',
        store: false,
      }),
      false,
    );
    assert.equal(r.error, undefined, r.error?.message);
    assert.equal(mock.requests[0]!.api, 'openai.responses');
    assert.equal(mock.requests[0]!.url, '/v1/responses');
    assert.deepEqual(mock.requests[0]!.body, r.request, 'result.request is what the server received');
    assert.deepEqual(r.request, {
      model: 'gpt-5.5',
      instructions: 'Answer in French.',
      store: false,
      input: [
        { type: 'message', role: 'system', content: 'You route tickets.' },
        { type: 'message', role: 'user', content: 'I was charged twice' },
      ],
      max_output_tokens: 200,
      reasoning: { effort: 'low', summary: 'auto' },
      text: { format: { type: 'json_schema', name: 'route', schema, strict: true }, verbosity: 'low' },
    });
  });

  it('maps a response: text, finish reason, usage with cached and reasoning tokens, the reasoning summary kept out of the text', async () => {
    const r = await send(responsesOf(registry, 'openai'), ask('think first'), false);
    assert.equal(r.text, 'billing');
    assert.equal(r.finishReason, 'stop');
    assert.equal(r.reasoning, 'The customer mentions a double charge, so billing.');
    assert.deepEqual(r.usage, { inputTokens: 120, outputTokens: 40, cachedInputTokens: 64, cacheWriteTokens: 0, reasoningTokens: 32 });
    assert.equal((r.response as { object?: string }).object, 'response');
  });

  it('maps function calls to tool calls, and sends tools and tool_choice in the Responses shape', async () => {
    const tool = { type: 'function', function: { name: 'route', description: 'Route a ticket', parameters: { type: 'object', properties: { queue: { type: 'string' } } } } };
    const r = await send(responsesOf(registry, 'openai'), ask('use a tool', { tools: [tool], tool_choice: { type: 'function', function: { name: 'route' } } }), false);
    assert.deepEqual(r.toolCalls, [{ id: 'call_a', type: 'function', function: { name: 'route', arguments: '{"queue":"billing"}' } }]);
    assert.equal(r.finishReason, 'tool_calls');
    const body = mock.requests[0]!.body!;
    assert.deepEqual(body.tools, [{ type: 'function', name: 'route', description: 'Route a ticket', parameters: tool.function.parameters }]);
    assert.deepEqual(body.tool_choice, { type: 'function', name: 'route' });
  });

  it('sends an earlier tool call and its result back as function_call and function_call_output items', async () => {
    const request = ask('and now?');
    request.messages.push(
      { role: 'assistant', content: '', tool_calls: [{ id: 'call_a', type: 'function', function: { name: 'route', arguments: '{"queue":"billing"}' } }] },
      { role: 'tool', tool_call_id: 'call_a', content: 'routed' },
    );
    await send(responsesOf(registry, 'openai'), request, false);
    assert.deepEqual((mock.requests[0]!.body!.input as unknown[]).slice(2), [
      { type: 'function_call', call_id: 'call_a', name: 'route', arguments: '{"queue":"billing"}' },
      { type: 'function_call_output', call_id: 'call_a', output: 'routed' },
    ]);
  });

  it('reports an incomplete response (max_output_tokens) as finish reason length', async () => {
    const r = await send(responsesOf(registry, 'openai'), ask('run out'), false);
    assert.equal(r.finishReason, 'length');
    assert.equal(r.text, 'bill');
  });

  it('streams text deltas from the typed SSE events and assembles the same result from response.completed', async () => {
    const deltas: string[] = [];
    const r = await send(responsesOf(registry, 'openai'), ask('think first'), true, (t) => deltas.push(t));
    assert.equal(r.error, undefined, r.error?.message);
    assert.equal(mock.requests[0]!.body!.stream, true);
    assert.deepEqual(deltas, ['billing']);
    assert.equal(r.text, 'billing');
    assert.equal(r.reasoning, 'The customer mentions a double charge, so billing.');
    assert.deepEqual(r.usage, { inputTokens: 120, outputTokens: 40, cachedInputTokens: 64, cacheWriteTokens: 0, reasoningTokens: 32 });
    assert.ok(r.ttftMs !== null, 'time to first token measured');
  });

  it('streams the reasoning summary through onReasoning as it arrives, before the text and apart from it', async () => {
    const seen: string[] = [];
    const provider = responsesOf(registry, 'openai');
    const prepared = provider.prepare(ask('think first', { reasoning_summary: 'auto' }), true);
    if ('error' in prepared) throw new Error(prepared.error.message);
    const { result } = await provider.chat(prepared, { signal: new AbortController().signal, timeoutMs: 10_000, onDelta: (t) => seen.push(`text:${t}`), onReasoning: (t) => seen.push(`reasoning:${t}`) });
    assert.equal(result.error, undefined, result.error?.message);
    const reasoning = seen.filter((s) => s.startsWith('reasoning:')).map((s) => s.slice('reasoning:'.length));
    assert.ok(reasoning.length > 1, 'the summary came in several deltas (one per word on the mock wire)');
    assert.equal(reasoning.join(''), result.reasoning, 'the deltas add up to the finished summary');
    assert.ok(seen.findIndex((s) => s.startsWith('text:')) > seen.map((s) => s.startsWith('reasoning:')).lastIndexOf(true), 'in wire order: the summary before the answer');
    assert.deepEqual(seen.filter((s) => s.startsWith('text:')), ['text:billing'], 'no reasoning in the text deltas');
  });

  it('streams function-call arguments into tool calls', async () => {
    const r = await send(responsesOf(registry, 'openai'), ask('use a tool'), true);
    assert.deepEqual(r.toolCalls, [{ id: 'call_a', type: 'function', function: { name: 'route', arguments: '{"queue":"billing"}' } }]);
    assert.equal(r.finishReason, 'tool_calls');
  });

  it('keeps the partial text, and says so, when the stream ends before response.completed', async () => {
    mock.fault({ kind: 'close', afterChunks: 4 });
    const r = await send(responsesOf(registry, 'openai'), ask('I was charged twice'), true);
    assert.equal(r.error?.kind, 'malformed');
    assert.match(r.error!.message, /before the response finished/);
    assert.equal(r.text, 'billing it ');
  });

  it('classifies an API error answer like chat completions (429 with retry-after)', async () => {
    mock.fault({ kind: 'status', status: 429, headers: { 'retry-after': '2' } });
    const outcome = await responsesOf(registry, 'openai').chat(responsesOf(registry, 'openai').prepare(ask('x'), false) as never, { signal: new AbortController().signal, timeoutMs: 10_000 });
    assert.equal(outcome.result.error?.kind, 'rate_limit');
    assert.equal(outcome.retryAfterMs, 2000);
  });

  it('refuses before any call what the Responses API has no field for, and what only it has on chat', () => {
    const refusals: [ChatRequest['params'], RegExp][] = [
      [{ stop: ['\n'] }, /Responses API has no stop/],
      [{ seed: 1, frequency_penalty: 0.5 }, /no seed, frequency_penalty: remove them/],
    ];
    for (const [params, expected] of refusals) {
      const prepared = responsesOf(registry, 'openai').prepare(ask('x', params), false);
      assert.ok('error' in prepared && expected.test(prepared.error.message), JSON.stringify(prepared));
    }
    const named = ask('x');
    named.messages[1] = { role: 'user', content: 'x', name: 'ada' };
    const refusedName = responsesOf(registry, 'openai').prepare(named, false);
    assert.ok('error' in refusedName && /no message names \(a user message is named 'ada'\)/.test(refusedName.error.message));
    const chat = registry.get('openai')!.prepare({ ...ask('x', { reasoning_summary: 'auto' }), params: { reasoning_summary: 'auto' } }, false);
    assert.ok('error' in chat && /only from the Responses API: add api: responses/.test(chat.error.message));
    const chatInstructions = registry.get('openai')!.prepare(ask('x', { instructions: 'Be brief.', store: true }), false);
    assert.ok('error' in chatInstructions && /instructions and store exist only in the Responses API: add api: responses/.test(chatInstructions.error.message));
    assert.equal(mock.requests.length, 0);
  });

  it('resolves api: responses only for OpenAI and compatible endpoints; Azure refuses with the next step', () => {
    const local = registry.resolve({ provider: 'local', model: 'm' }, 'responses');
    assert.ok(!('error' in local), 'an OpenAI-compatible endpoint has a Responses API');
    const anthropic = registry.resolve({ provider: 'anthropic', model: 'claude-x' }, 'responses');
    assert.ok('error' in anthropic && /needs an OpenAI or OpenAI-compatible provider; anthropic is anthropic/.test(anthropic.error.message));
    const azure = responsesOf(registry, 'azure').prepare(ask('x', {}, 'azure'), false);
    assert.ok('error' in azure && /Azure Responses API is not supported yet; use api: chat/.test(azure.error.message));
  });

  it('runs through the engine with api: responses, priced from the catalog with cached tokens', async () => {
    const engine = new Engine({ registry, pricing: new PriceBook() });
    const r = await engine.call(ask('think first'));
    assert.equal(r.error, undefined, r.error?.message);
    assert.equal(mock.requests[0]!.api, 'openai.responses');
    // gpt-5.5 at $5 in / $30 out per 1M; no cached-input price is known, so cached tokens cost the input price.
    assert.equal(Math.round(r.cost! * 1e9) / 1e9, Math.round(((120 * 5 + 40 * 30) / 1e6) * 1e9) / 1e9);
  });
});
