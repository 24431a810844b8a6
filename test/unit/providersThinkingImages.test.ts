// Anthropic thinking, effort, structured outputs, prompt caching and image parts, and OpenAI image parts,
// through the real SDKs against the mock server on 127.0.0.1 (JSON and SSE event sequences).
import * as assert from 'node:assert/strict';
import { costOf, PriceBook } from '../../src/core/pricing/pricing';
import { Engine } from '../../src/core/run/engine';
import { ProviderRegistry } from '../../src/core/providers/providerRegistry';
import type { Provider } from '../../src/core/providers/providerTypes';
import type { CallResult, ChatMessage, ChatRequest } from '../../src/core/types';
import { mockProviderConfigs } from '../support/mockLlmProviders';
import { startMockLlm, type MockLlm } from '../support/mockLlmServer';

async function send(p: Provider, request: ChatRequest, stream: boolean, onDelta?: (t: string) => void): Promise<CallResult> {
  const prepared = p.prepare(request, stream);
  if ('error' in prepared) throw new Error(prepared.error.message);
  return (await p.chat(prepared, { signal: new AbortController().signal, timeoutMs: 10_000, ...(onDelta ? { onDelta } : {}) })).result;
}

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const SCHEMA = { type: 'object', properties: { queue: { type: 'string' } }, required: ['queue'], additionalProperties: false };

const ask = (model: string, messages: ChatMessage[], params: ChatRequest['params'] = {}): ChatRequest => ({
  model: { provider: model.split(':')[0]!, model: model.split(':')[1]! },
  messages,
  params,
});

describe('providers: thinking, structured outputs, caching and images on the wire', () => {
  let mock: MockLlm;
  let registry: ProviderRegistry;

  before(async () => {
    mock = await startMockLlm({
      reply: (req) =>
        req.prompt === 'think'
          ? {
              thinking: [{ text: 'The customer was billed twice, so billing.', signature: 'sig-abc' }, { redacted: 'ENCRYPTED' }],
              text: '{"queue":"billing"}',
              usage: { input: 300, cachedInput: 0, cacheWrite: 200, output: 40, reasoning: 25 },
              cacheWrite1h: 150,
            }
          : { text: 'ok' },
    });
    registry = new ProviderRegistry({ providers: mockProviderConfigs(mock) });
  });
  after(() => mock.close());
  beforeEach(() => {
    mock.requests.length = 0;
  });

  const anthropic = (): Provider => registry.get('anthropic')!;
  const openai = (): Provider => registry.get('openai')!;

  it('sends thinking, effort, output_config.format, strict tools and cache_control as the Messages API documents them', async () => {
    const r = await send(
      anthropic(),
      ask(
        'anthropic:claude-opus-4-7',
        [
          { role: 'system', content: 'Long stable instructions.', cache: {} },
          { role: 'user', content: 'think', cache: { ttl: '1h' } },
        ],
        {
          thinking: { type: 'adaptive' },
          effort: 'medium',
          response_format: { type: 'json_schema', json_schema: { name: 'route', schema: SCHEMA } },
          tools: [{ type: 'function', function: { name: 'route', parameters: SCHEMA, strict: true } }],
        },
      ),
      false,
    );
    assert.equal(r.error, undefined, r.error?.message);
    const body = mock.requests[0]!.body!;
    assert.deepEqual(body, r.request, 'result.request is what the server received');
    assert.deepEqual(body.thinking, { type: 'adaptive' });
    assert.deepEqual(body.output_config, { effort: 'medium', format: { type: 'json_schema', schema: SCHEMA } });
    assert.deepEqual(body.tools, [{ name: 'route', input_schema: SCHEMA, strict: true }]);
    assert.deepEqual(body.system, [{ type: 'text', text: 'Long stable instructions.', cache_control: { type: 'ephemeral' } }]);
    assert.deepEqual(body.messages, [{ role: 'user', content: [{ type: 'text', text: 'think', cache_control: { type: 'ephemeral', ttl: '1h' } }] }]);
  });

  it('keeps thinking apart from the answer (non-streamed), with 1-hour cache writes counted apart', async () => {
    const r = await send(anthropic(), ask('anthropic:claude-opus-4-7', [{ role: 'user', content: 'think' }], { thinking: { type: 'adaptive' } }), false);
    assert.equal(r.text, '{"queue":"billing"}', 'assertions see the answer only');
    assert.deepEqual(r.thinking, [{ text: 'The customer was billed twice, so billing.', signature: 'sig-abc' }, { text: '', redacted: true }]);
    assert.deepEqual(r.usage, { inputTokens: 300, outputTokens: 40, cachedInputTokens: 0, cacheWriteTokens: 200, reasoningTokens: 0, cacheWrite1hTokens: 150 });
  });

  it('assembles thinking_delta and signature_delta events of a stream; text deltas carry the answer only', async () => {
    const deltas: string[] = [];
    const r = await send(anthropic(), ask('anthropic:claude-opus-4-7', [{ role: 'user', content: 'think' }], { thinking: { type: 'enabled', budget_tokens: 2048 } }), true, (t) => deltas.push(t));
    assert.equal(r.error, undefined, r.error?.message);
    assert.equal(deltas.join(''), '{"queue":"billing"}');
    assert.equal(r.text, '{"queue":"billing"}');
    assert.deepEqual(r.thinking, [{ text: 'The customer was billed twice, so billing.', signature: 'sig-abc' }, { text: '', redacted: true }]);
    const content = (r.response as { content: Record<string, unknown>[] }).content;
    assert.deepEqual(content[0], { type: 'thinking', thinking: 'The customer was billed twice, so billing.', signature: 'sig-abc' }, 'the assembled response holds the block as the JSON answer would');
    assert.deepEqual(content[1], { type: 'redacted_thinking', data: 'ENCRYPTED' });
    assert.equal(r.usage?.cacheWrite1hTokens, 150);
    assert.ok(r.ttftMs !== null);
  });

  it('streams thinking deltas through onReasoning, never through the text deltas', async () => {
    const reasoning: string[] = [];
    const text: string[] = [];
    const provider = anthropic();
    const prepared = provider.prepare(ask('anthropic:claude-opus-4-7', [{ role: 'user', content: 'think' }], { thinking: { type: 'enabled', budget_tokens: 2048 } }), true);
    if ('error' in prepared) throw new Error(prepared.error.message);
    const { result } = await provider.chat(prepared, { signal: new AbortController().signal, timeoutMs: 10_000, onDelta: (t) => text.push(t), onReasoning: (t) => reasoning.push(t) });
    assert.equal(result.error, undefined, result.error?.message);
    assert.ok(reasoning.length > 1, 'word by word, as the thinking_delta events came');
    assert.equal(reasoning.join(''), 'The customer was billed twice, so billing.', 'the readable block; the redacted one has no text to show');
    assert.equal(text.join(''), '{"queue":"billing"}');
  });

  it('showThinking puts the thinking in front of the answer, as promptfoo writes it', async () => {
    for (const stream of [false, true]) {
      const r = await send(anthropic(), ask('anthropic:claude-opus-4-7', [{ role: 'user', content: 'think' }], { showThinking: true }), stream);
      assert.equal(r.text, 'Thinking: The customer was billed twice, so billing.\nSignature: sig-abc\n\n{"queue":"billing"}', `stream: ${stream}`);
      assert.equal((r.request as Record<string, unknown>).showThinking, undefined, 'showThinking is not sent');
    }
  });

  it('refuses what Anthropic cannot take exactly, before any call', () => {
    const cases: [ChatRequest['params'], RegExp][] = [
      [{ response_format: { type: 'json_object' } }, /no JSON mode without a schema/],
      [{ reasoning_effort: 'high' }, /write 'effort'/],
    ];
    for (const [params, message] of cases) {
      const prepared = anthropic().prepare(ask('anthropic:claude-opus-4-7', [{ role: 'user', content: 'hi' }], params), false);
      assert.ok('error' in prepared && message.test(prepared.error.message), JSON.stringify(prepared));
    }
    assert.equal(mock.requests.length, 0);
  });

  const imageMessage: ChatMessage = {
    role: 'user',
    content: 'What is this?',
    parts: [
      { type: 'text', text: 'What is this?' },
      { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: PNG } },
      { type: 'image', source: { kind: 'url', url: 'https://example.com/cat.jpg' }, detail: 'low' },
    ],
  };

  it('sends image parts to Anthropic as image blocks (base64 and URL sources)', async () => {
    const r = await send(anthropic(), ask('anthropic:claude-haiku-4-5', [imageMessage]), true);
    assert.equal(r.error, undefined, r.error?.message);
    assert.deepEqual(mock.requests[0]!.body!.messages, [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
          { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
        ],
      },
    ]);
  });

  it('sends image parts to OpenAI and compatible servers as image_url parts', async () => {
    for (const name of ['openai', 'local']) {
      mock.requests.length = 0;
      const r = await send(registry.get(name)!, ask(`${name}:gpt-4o`, [imageMessage]), false);
      assert.equal(r.error, undefined, r.error?.message);
      assert.deepEqual(mock.requests[0]!.body!.messages, [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'low' } },
          ],
        },
      ], name);
    }
  });

  it('sends image parts to the Responses API as input_text / input_image items', async () => {
    const responses = registry.resolve({ provider: 'openai', model: 'gpt-5.5' }, 'responses');
    assert.ok(!('error' in responses));
    const r = await send(responses, ask('openai:gpt-5.5', [imageMessage], { api: 'responses' }), false);
    assert.equal(r.error, undefined, r.error?.message);
    assert.deepEqual(mock.requests[0]!.body!.input, [
      {
        type: 'message',
        role: 'user',
        content: [
          { type: 'input_text', text: 'What is this?' },
          { type: 'input_image', image_url: `data:image/png;base64,${PNG}`, detail: 'auto' },
          { type: 'input_image', image_url: 'https://example.com/cat.jpg', detail: 'low' },
        ],
      },
    ]);
  });

  it('refuses images a provider cannot take: an unread file, a BMP for Anthropic, an image in the system prompt', () => {
    const file: ChatMessage = { role: 'user', content: '', parts: [{ type: 'image', source: { kind: 'file', path: 'cat.png' } }] };
    const bmp: ChatMessage = { role: 'user', content: '', parts: [{ type: 'image', source: { kind: 'base64', mediaType: 'image/bmp', data: 'Qk0=' } }] };
    const system: ChatMessage = { role: 'system', content: '', parts: [{ type: 'image', source: { kind: 'url', url: 'https://x/y.png' } }] };
    const refused = (p: Provider, m: ChatMessage[]): string => {
      const prepared = p.prepare(ask('x:y', m), false);
      return 'error' in prepared ? prepared.error.message : 'sent';
    };
    assert.match(refused(openai(), [file]), /cat\.png was not loaded/);
    assert.match(refused(anthropic(), [file]), /cat\.png was not loaded/);
    assert.match(refused(anthropic(), [bmp]), /JPEG, PNG, GIF and WebP.*image\/bmp/);
    assert.match(refused(anthropic(), [system, { role: 'user', content: 'hi' }]), /user messages only/);
  });

  it("refuses Anthropic's thinking and effort for OpenAI-style servers rather than dropping them", () => {
    const prepared = openai().prepare(ask('openai:gpt-5', [{ role: 'user', content: 'hi' }], { thinking: { type: 'adaptive' }, effort: 'low' }), false);
    assert.ok('error' in prepared && /thinking and effort are Anthropic parameters/.test(prepared.error.message), JSON.stringify(prepared));
  });

  it('the response cache keys showThinking apart (same payload, different output text); 1-hour writes price through the engine', async () => {
    const engine = new Engine({ registry, pricing: new PriceBook({ 'anthropic:claude-opus-4-7': { input: 5, output: 25, cacheWrite: 6.25, cacheWrite1h: 10 } }) });
    const req = (showThinking: boolean) => ask('anthropic:claude-opus-4-7', [{ role: 'user', content: 'think' }], { thinking: { type: 'adaptive' }, showThinking });
    const plain = await engine.call(req(false), { useCache: true });
    const shown = await engine.call(req(true), { useCache: true });
    const again = await engine.call(req(false), { useCache: true });
    assert.equal(plain.text, '{"queue":"billing"}');
    assert.equal(shown.cacheHit, false, 'not served from the answer cached without thinking');
    assert.match(shown.text, /^Thinking: The customer/);
    assert.equal(again.cacheHit, true);
    assert.equal(again.text, '{"queue":"billing"}');
    assert.equal(Math.round(plain.cost! * 1e9), Math.round(((100 * 5 + 50 * 6.25 + 150 * 10 + 40 * 25) / 1e6) * 1e9));
  });

  it('prices 1-hour cache writes at their own rate, and calls them unknown without one', () => {
    const usage = { inputTokens: 300, outputTokens: 40, cachedInputTokens: 0, cacheWriteTokens: 200, reasoningTokens: 0, cacheWrite1hTokens: 150 };
    assert.equal(costOf({ input: 5, output: 25, cacheWrite: 6.25, cachedInput: 0.5 }, usage), null, 'no 1-hour price: cost unknown, never the 5-minute rate');
    const cost = costOf({ input: 5, output: 25, cacheWrite: 6.25, cacheWrite1h: 10, cachedInput: 0.5 }, usage)!;
    assert.equal(Math.round(cost * 1e9), Math.round(((100 * 5 + 50 * 6.25 + 150 * 10 + 40 * 25) / 1e6) * 1e9));
  });
});
