import * as assert from 'node:assert/strict';
import { ANTHROPIC_DEFAULT_MAX_TOKENS } from '../../src/core/providers/anthropicProvider';
import { ProviderRegistry } from '../../src/core/providers/providerRegistry';
import type { Provider } from '../../src/core/providers/providerTypes';
import type { CallResult, ChatRequest } from '../../src/core/types';
import { mockProviderConfigs, TEST_ANTHROPIC_KEY } from '../support/mockLlmProviders';
import { startMockLlm, type MockLlm } from '../support/mockLlmServer';

async function send(p: Provider, request: ChatRequest, stream: boolean, onDelta?: (t: string) => void): Promise<CallResult> {
  const prepared = p.prepare(request, stream);
  if ('error' in prepared) throw new Error(prepared.error.message);
  return (await p.chat(prepared, { signal: new AbortController().signal, timeoutMs: 10_000, ...(onDelta ? { onDelta } : {}) })).result;
}

const request = (params: ChatRequest['params'] = {}, prompt = 'I was charged twice'): ChatRequest => ({
  model: { provider: 'anthropic', model: 'claude-3-5-haiku-latest' },
  messages: [
    { role: 'system', content: 'You route tickets.' },
    { role: 'system', content: 'Answer with one word.' },
    { role: 'user', content: prompt },
  ],
  params,
});

describe('providers: Anthropic through @anthropic-ai/sdk', () => {
  let mock: MockLlm;
  let anthropic: Provider;

  before(async () => {
    mock = await startMockLlm({
      apiKey: TEST_ANTHROPIC_KEY,
      reply: (req) =>
        req.prompt === 'use a tool'
          ? { text: 'Routing now.', toolCalls: [{ id: 'toolu_1', name: 'route', arguments: { queue: 'billing', urgent: true } }] }
          : { text: 'billing it is', usage: { input: 200, cachedInput: 120, cacheWrite: 30, output: 3 } },
    });
    anthropic = new ProviderRegistry({ providers: mockProviderConfigs(mock) }).get('anthropic')!;
  });
  after(() => mock.close());
  beforeEach(() => {
    mock.requests.length = 0;
  });

  it('lifts the system prompt out, sends a default max_tokens and maps stop to stop_sequences', async () => {
    const r = await send(anthropic, request({ temperature: 0.2, stop: ['END'], seed: 3 }), false);
    assert.equal(r.error, undefined, r.error?.message);
    assert.deepEqual(mock.requests[0]!.body, r.request, 'result.request is what the server received');
    assert.deepEqual(r.request, {
      model: 'claude-3-5-haiku-latest',
      max_tokens: ANTHROPIC_DEFAULT_MAX_TOKENS,
      system: 'You route tickets.\n\nAnswer with one word.',
      messages: [{ role: 'user', content: 'I was charged twice' }],
      temperature: 0.2,
      stop_sequences: ['END'],
    });
  });

  it('keeps the max_tokens the prompt sets', async () => {
    const r = await send(anthropic, request({ max_tokens: 20 }), false);
    assert.equal((r.request as Record<string, unknown>).max_tokens, 20);
  });

  it('maps usage so input tokens include cache reads and writes (non-streamed)', async () => {
    const r = await send(anthropic, request(), false);
    const wire = (r.response as { usage: Record<string, number> }).usage;
    assert.equal(wire.input_tokens, 50, "the wire's input_tokens excludes cached tokens");
    assert.deepEqual(r.usage, { inputTokens: 200, outputTokens: 3, cachedInputTokens: 120, cacheWriteTokens: 30, reasoningTokens: 0 });
    assert.equal(r.text, 'billing it is');
    assert.equal(r.finishReason, 'stop', 'end_turn is normalised to stop');
  });

  it('assembles the full SSE event sequence: text deltas, usage from message_start and message_delta', async () => {
    const deltas: string[] = [];
    const r = await send(anthropic, request(), true, (t) => deltas.push(t));
    assert.equal(r.error, undefined, r.error?.message);
    assert.deepEqual(deltas, ['billing ', 'it ', 'is']);
    assert.equal(r.text, 'billing it is');
    assert.deepEqual(r.usage, { inputTokens: 200, outputTokens: 3, cachedInputTokens: 120, cacheWriteTokens: 30, reasoningTokens: 0 });
    assert.equal(r.finishReason, 'stop');
    assert.ok(r.ttftMs !== null, 'time to first token measured');
    const response = r.response as { content: { type: string; text?: string }[]; stop_reason: string };
    assert.deepEqual(response.content, [{ type: 'text', text: 'billing it is' }], 'raw message assembled from the stream');
    assert.equal(response.stop_reason, 'end_turn');
  });

  for (const stream of [false, true]) {
    it(`converts OpenAI-shaped tools and returns tool_use blocks as tool calls (${stream ? 'streamed' : 'not streamed'})`, async () => {
      const r = await send(
        anthropic,
        {
          model: { provider: 'anthropic', model: 'claude-haiku-4-5' },
          messages: [{ role: 'user', content: 'use a tool' }],
          params: {
            tools: [{ type: 'function', function: { name: 'route', description: 'Route a ticket', parameters: { type: 'object', properties: { queue: { type: 'string' } } } } }],
            tool_choice: { type: 'function', function: { name: 'route' } },
          },
        },
        stream,
      );
      assert.equal(r.error, undefined, r.error?.message);
      const sent = mock.requests[0]!.body as Record<string, unknown>;
      assert.deepEqual(sent.tools, [{ name: 'route', description: 'Route a ticket', input_schema: { type: 'object', properties: { queue: { type: 'string' } } } }]);
      assert.deepEqual(sent.tool_choice, { type: 'tool', name: 'route' });
      assert.equal(r.text, 'Routing now.');
      assert.equal(r.finishReason, 'tool_calls');
      assert.equal(r.toolCalls.length, 1);
      assert.deepEqual(JSON.parse(r.toolCalls[0]!.function.arguments), { queue: 'billing', urgent: true });
      assert.equal(r.toolCalls[0]!.id, 'toolu_1');
    });
  }

  it('turns a tool-calling conversation into tool_use and tool_result blocks', () => {
    const prepared = anthropic.prepare(
      {
        model: { provider: 'anthropic', model: 'claude-haiku-4-5' },
        messages: [
          { role: 'user', content: 'weather in Paris and Rome?' },
          {
            role: 'assistant',
            content: '',
            tool_calls: [
              { id: 't1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
              { id: 't2', type: 'function', function: { name: 'weather', arguments: '{"city":"Rome"}' } },
            ],
          },
          { role: 'tool', tool_call_id: 't1', content: 'sunny' },
          { role: 'tool', tool_call_id: 't2', content: 'rain' },
        ],
        params: {},
      },
      false,
    );
    assert.ok(!('error' in prepared));
    assert.deepEqual(prepared.payload.messages, [
      { role: 'user', content: 'weather in Paris and Rome?' },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 't1', name: 'weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 't2', name: 'weather', input: { city: 'Rome' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 't1', content: 'sunny' },
          { type: 'tool_result', tool_use_id: 't2', content: 'rain' },
        ],
      },
    ]);
  });

  it('rejects a request with only a system prompt, and tool arguments that are not JSON', () => {
    const onlySystem = anthropic.prepare({ model: { provider: 'anthropic', model: 'm' }, messages: [{ role: 'system', content: 's' }], params: {} }, false);
    assert.equal('error' in onlySystem && onlySystem.error.kind, 'bad_request');
    const badArgs = anthropic.prepare(
      {
        model: { provider: 'anthropic', model: 'm' },
        messages: [{ role: 'assistant', content: '', tool_calls: [{ id: 'x', type: 'function', function: { name: 'f', arguments: '{nope' } }] }],
        params: {},
      },
      false,
    );
    assert.match('error' in badArgs ? badArgs.error.message : '', /not JSON/);
  });

  it('keeps the partial text when a stream event is malformed', async () => {
    mock.fault({ kind: 'malformed', afterChunks: 5 });
    const r = await send(anthropic, request(), true);
    assert.equal(r.error?.kind, 'malformed', r.error?.message);
    assert.equal(r.text, 'billing it ');
  });

  const statusCases: [number, string][] = [
    [401, 'auth'],
    [404, 'not_found'],
    [429, 'rate_limit'],
    [529, 'server'],
    [400, 'bad_request'],
  ];
  for (const [status, kind] of statusCases) {
    it(`maps HTTP ${status} to ${kind}`, async () => {
      mock.fault({ kind: 'status', status });
      const r = await send(anthropic, request(), false);
      assert.equal(r.error?.kind, kind);
      assert.equal(r.error?.status, status);
      assert.equal((r.response as { type?: string }).type, 'error', 'the error body is kept as the response');
    });
  }

  it('has no embeddings and says what to use instead', async () => {
    const { result } = await anthropic.embed('x', ['a'], { signal: new AbortController().signal, timeoutMs: 1000 });
    assert.equal(result.error?.kind, 'bad_request');
    assert.match(result.error!.message, /OpenAI-compatible/);
  });
});
