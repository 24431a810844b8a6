import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ProviderRegistry, envKeyLookup, envProviderConfigs } from '../../src/core/providers/providerRegistry';
import type { Provider } from '../../src/core/providers/providerTypes';
import type { CallResult, ChatRequest } from '../../src/core/types';
import { mockProviderConfigs, TEST_OPENAI_KEY } from '../support/mockLlmProviders';
import { startMockLlm, type MockLlm } from '../support/mockLlmServer';

const root = join(__dirname, '..', '..');

function provider(registry: ProviderRegistry, name: string): Provider {
  const p = registry.get(name);
  assert.ok(p, `provider ${name} is registered`);
  return p;
}

/** One provider attempt, as the engine would make it. */
async function send(p: Provider, request: ChatRequest, stream: boolean, onDelta?: (t: string) => void, signal = new AbortController().signal): Promise<CallResult> {
  const prepared = p.prepare(request, stream);
  if ('error' in prepared) throw new Error(prepared.error.message);
  const outcome = await p.chat(prepared, { signal, timeoutMs: 10_000, ...(onDelta ? { onDelta } : {}) });
  return outcome.result;
}

const chat = (provider: string, model: string, params: ChatRequest['params'] = {}): ChatRequest => ({
  model: { provider, model },
  messages: [
    { role: 'system', content: 'You route tickets.' },
    { role: 'user', content: 'I was charged twice' },
  ],
  params,
});

describe('providers: OpenAI through the openai SDK', () => {
  let mock: MockLlm;
  let registry: ProviderRegistry;

  before(async () => {
    mock = await startMockLlm({
      apiKey: TEST_OPENAI_KEY,
      reply: (req) =>
        req.prompt === 'use a tool'
          ? { toolCalls: [{ id: 'call_a', name: 'route', arguments: { queue: 'billing' } }] }
          : { text: 'billing it is', usage: { input: 120, cachedInput: 40, output: 3, reasoning: 1 } },
    });
    registry = new ProviderRegistry({ providers: mockProviderConfigs(mock) });
  });
  after(() => mock.close());
  beforeEach(() => {
    mock.requests.length = 0;
  });

  it('sends the exact payload it reports, with max_completion_tokens, seed and response_format', async () => {
    const result = await send(
      provider(registry, 'openai'),
      chat('openai', 'gpt-4o-mini', { temperature: 0, max_tokens: 20, seed: 7, response_format: { type: 'json_object' }, stop: ['\n'] }),
      false,
    );
    assert.equal(result.error, undefined, result.error?.message);
    assert.deepEqual(mock.requests[0]!.body, result.request, 'result.request is what the server received');
    assert.deepEqual(result.request, {
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'You route tickets.' },
        { role: 'user', content: 'I was charged twice' },
      ],
      temperature: 0,
      max_completion_tokens: 20,
      stop: ['\n'],
      seed: 7,
      response_format: { type: 'json_object' },
    });
  });

  it('maps a non-streamed completion: text, finish reason, usage with cached and reasoning tokens', async () => {
    const r = await send(provider(registry, 'openai'), chat('openai', 'gpt-4o-mini'), false);
    assert.equal(r.text, 'billing it is');
    assert.equal(r.finishReason, 'stop');
    assert.deepEqual(r.usage, { inputTokens: 120, outputTokens: 3, cachedInputTokens: 40, cacheWriteTokens: 0, reasoningTokens: 1 });
    assert.equal(r.ttftMs, null, 'no time to first token without streaming');
    assert.equal((r.response as { object?: string }).object, 'chat.completion', 'raw response kept');
    assert.equal(r.cost, null, 'the provider leaves pricing to the engine');
  });

  it('assembles a stream: deltas in order, include_usage requested, usage from the final chunk', async () => {
    const deltas: string[] = [];
    const r = await send(provider(registry, 'openai'), chat('openai', 'gpt-4o-mini'), true, (t) => deltas.push(t));
    assert.equal(r.error, undefined, r.error?.message);
    assert.deepEqual(deltas, ['billing ', 'it ', 'is'], 'one delta per chunk');
    assert.equal(r.text, 'billing it is');
    assert.deepEqual((r.request as Record<string, unknown>).stream_options, { include_usage: true });
    assert.deepEqual(r.usage, { inputTokens: 120, outputTokens: 3, cachedInputTokens: 40, cacheWriteTokens: 0, reasoningTokens: 1 });
    assert.equal(r.finishReason, 'stop');
    assert.ok(r.ttftMs !== null && r.ttftMs <= r.latencyMs, 'time to first token is measured and within the latency');
    const response = r.response as { choices: { message: { content: string } }[]; usage: unknown };
    assert.equal(response.choices[0]!.message.content, 'billing it is', 'the raw response is assembled from the stream');
  });

  for (const stream of [false, true]) {
    it(`returns tool calls in OpenAI's shape (${stream ? 'streamed' : 'not streamed'})`, async () => {
      const request: ChatRequest = {
        model: { provider: 'openai', model: 'gpt-4o' },
        messages: [{ role: 'user', content: 'use a tool' }],
        params: { tools: [{ name: 'route', description: 'Route a ticket', parameters: { type: 'object', properties: { queue: { type: 'string' } } } }], tool_choice: 'required' },
      };
      const r = await send(provider(registry, 'openai'), request, stream);
      assert.equal(r.finishReason, 'tool_calls');
      assert.deepEqual(r.toolCalls, [{ id: 'call_a', type: 'function', function: { name: 'route', arguments: '{"queue":"billing"}' } }]);
      const sentTools = (mock.requests[0]!.body as { tools: unknown[] }).tools;
      assert.deepEqual(sentTools[0], { type: 'function', function: request.params.tools![0] }, 'a bare tool is wrapped in the function shape');
    });
  }

  it('sends max_tokens (not max_completion_tokens) to an OpenAI-compatible endpoint, with no key', async () => {
    const keyless = await startMockLlm({ reply: () => 'ok' });
    try {
      const local = new ProviderRegistry({ providers: mockProviderConfigs(keyless) });
      const r = await send(provider(local, 'local'), chat('local', 'llama3.1', { max_tokens: 5 }), false);
      assert.equal(r.error, undefined, r.error?.message);
      assert.equal((keyless.requests[0]!.body as Record<string, unknown>).max_tokens, 5);
      assert.equal((keyless.requests[0]!.body as Record<string, unknown>).max_completion_tokens, undefined);
    } finally {
      await keyless.close();
    }
  });

  it('calls Azure OpenAI deployment-style, with api-version and the api-key header', async () => {
    const r = await send(provider(registry, 'azure'), chat('azure', 'my-gpt4o'), false);
    assert.equal(r.error, undefined, r.error?.message);
    const req = mock.requests[0]!;
    assert.equal(req.url, '/openai/deployments/my-gpt4o/chat/completions?api-version=2024-10-21');
    assert.equal(req.headers['api-key'], TEST_OPENAI_KEY);
  });

  it('embeds texts in order with usage', async () => {
    const p = provider(registry, 'openai');
    const { result } = await p.embed('text-embedding-3-small', ['billing issue', 'a bug report'], { signal: new AbortController().signal, timeoutMs: 5000 });
    assert.equal(result.error, undefined, result.error?.message);
    assert.equal(result.vectors.length, 2);
    assert.equal(result.vectors[0]!.length, 16);
    assert.deepEqual(result.usage, { inputTokens: 5 });
    assert.equal((mock.requests[0]!.body as Record<string, unknown>).encoding_format, 'float');
  });

  it('lists models (GET /models) for OpenAI and Anthropic, and configured models without a call', async () => {
    const openai = await provider(registry, 'openai').listModels();
    assert.deepEqual(openai.models?.map((m) => m.id), ['claude-3-5-haiku-latest', 'gpt-4o', 'gpt-4o-mini', 'text-embedding-3-small']);
    const anthropicMock = await startMockLlm({ models: ['claude-sonnet-4-5', 'claude-haiku-4-5'] });
    try {
      const reg = new ProviderRegistry({ providers: mockProviderConfigs(anthropicMock) });
      const anthropic = await provider(reg, 'anthropic').listModels();
      assert.deepEqual(anthropic.models, [
        { id: 'claude-sonnet-4-5', label: 'claude sonnet 4 5' },
        { id: 'claude-haiku-4-5', label: 'claude haiku 4 5' },
      ]);
    } finally {
      await anthropicMock.close();
    }
    const fixed = new ProviderRegistry({ providers: [{ name: 'az', kind: 'azure-openai', baseUrl: 'http://127.0.0.1:9', models: ['dep-a'] }] });
    assert.deepEqual(await provider(fixed, 'az').listModels(), { models: [{ id: 'dep-a' }] });
  });

  it('reports a missing key as auth, saying how to set it, without calling the server', async () => {
    const reg = new ProviderRegistry({ providers: [{ name: 'openai', kind: 'openai', baseUrl: mock.openaiBaseUrl }], keys: () => undefined });
    const r = await send(provider(reg, 'openai'), chat('openai', 'gpt-4o-mini'), false);
    assert.deepEqual(r.error, { kind: 'auth', message: 'No API key for openai: run "Assay: Set API Key" or set OPENAI_API_KEY' });
    assert.equal(mock.requests.length, 0, 'no request without a key');
  });

  it('warms each provider of a run once, ahead of its first call, without calling any server or failing', async () => {
    const looked: string[] = [];
    const reg = new ProviderRegistry({
      providers: [
        { name: 'openai', kind: 'openai', baseUrl: mock.openaiBaseUrl },
        { name: 'anthropic', kind: 'anthropic', baseUrl: mock.url },
      ],
      keys: (name) => {
        looked.push(name);
        return name === 'openai' ? TEST_OPENAI_KEY : undefined;
      },
    });
    await reg.warmUp([
      { provider: 'openai', model: 'gpt-4o-mini' },
      { provider: 'openai', model: 'gpt-4.1-mini' },
      { provider: 'anthropic', model: 'claude-haiku-4-5' },
      { provider: 'groq', model: 'llama' },
      { provider: 'echo', model: 'x' },
    ]);
    assert.deepEqual(looked, ['openai', 'anthropic'], 'one key lookup per SDK provider; the unknown one and echo are skipped');
    assert.equal(mock.requests.length, 0, 'warming sends nothing');
    const r = await send(provider(reg, 'openai'), chat('openai', 'gpt-4o-mini'), false);
    assert.equal(r.error, undefined, r.error?.message);
  });

  it('takes keys from the lookup on each call (a key set later is used at once)', async () => {
    let key: string | undefined = undefined;
    const reg = new ProviderRegistry({ providers: [{ name: 'openai', kind: 'openai', baseUrl: mock.openaiBaseUrl }], keys: (name) => (name === 'openai' ? key : undefined) });
    const before = await send(provider(reg, 'openai'), chat('openai', 'gpt-4o-mini'), false);
    assert.equal(before.error?.kind, 'auth');
    key = TEST_OPENAI_KEY;
    const after = await send(provider(reg, 'openai'), chat('openai', 'gpt-4o-mini'), false);
    assert.equal(after.error, undefined, after.error?.message);
  });

  it('maps 401 to auth with the status, and redacts the key the server echoed', async () => {
    const reg = new ProviderRegistry({ providers: mockProviderConfigs(mock, { openai: 'zz-wrong-key-000111' }) });
    const r = await send(provider(reg, 'openai'), chat('openai', 'gpt-4o-mini'), false);
    assert.equal(r.error?.kind, 'auth');
    assert.equal(r.error?.status, 401);
    assert.match(r.error!.message, /Incorrect API key provided: \[REDACTED\]/);
    assert.ok(!JSON.stringify(r).includes('zz-wrong-key-000111'), 'the key appears nowhere in the result');
  });

  it('keeps the partial text when a stream chunk is malformed', async () => {
    mock.fault({ kind: 'malformed', afterChunks: 3 });
    const r = await send(provider(registry, 'openai'), chat('openai', 'gpt-4o-mini'), true);
    assert.equal(r.error?.kind, 'malformed');
    assert.equal(r.text, 'billing it ', 'text received before the bad chunk is kept');
  });

  it('reports a response body that is not JSON as malformed', async () => {
    mock.fault({ kind: 'malformed' });
    const r = await send(provider(registry, 'openai'), chat('openai', 'gpt-4o-mini'), false);
    assert.equal(r.error?.kind, 'malformed', r.error?.message);
  });

  it('reports a dropped connection mid-stream as network, with the partial text', async () => {
    mock.fault({ kind: 'disconnect', afterChunks: 2 });
    const r = await send(provider(registry, 'openai'), chat('openai', 'gpt-4o-mini'), true);
    assert.equal(r.error?.kind, 'network', r.error?.message);
    assert.equal(r.text, 'billing ');
  });

  it('reports an unreachable server as network', async () => {
    const reg = new ProviderRegistry({ providers: [{ name: 'local', kind: 'openai-compatible', baseUrl: 'http://127.0.0.1:9/v1' }] });
    const r = await send(provider(reg, 'local'), chat('local', 'x'), false);
    assert.equal(r.error?.kind, 'network', r.error?.message);
    assert.match(r.error!.message, /local \(http:\/\/127\.0\.0\.1:9\/v1\)/, 'says which endpoint');
  });
});

describe('providers: registry and configuration', () => {
  it('resolves built-ins and endpoints, and explains an unknown provider', () => {
    const reg = new ProviderRegistry({ providers: [{ name: 'Ollama', kind: 'openai-compatible', baseUrl: 'http://localhost:11434/v1' }] });
    assert.deepEqual(
      reg.list().map((p) => p.config.name),
      ['openai', 'anthropic', 'echo', 'ollama'],
    );
    const unknown = reg.resolve({ provider: 'groq', model: 'llama' });
    assert.ok('error' in unknown);
    assert.equal(unknown.error.kind, 'bad_request');
    assert.match(unknown.error.message, /Unknown provider "groq".*openai, anthropic, echo, ollama/);
  });

  it('lets an endpoint override a built-in base URL without losing its kind', () => {
    const reg = new ProviderRegistry({ providers: envProviderConfigs({ OPENAI_BASE_URL: 'http://proxy.local/v1' }) });
    assert.deepEqual({ ...reg.get('openai')!.config }, { name: 'openai', kind: 'openai', baseUrl: 'http://proxy.local/v1' });
  });

  const envCases: [string, Record<string, string>, string, string | undefined][] = [
    ['OpenAI key', { OPENAI_API_KEY: 'a' }, 'openai', 'a'],
    ['Anthropic key', { ANTHROPIC_API_KEY: 'b' }, 'anthropic', 'b'],
    ['endpoint NAME_API_KEY', { GROQ_API_KEY: 'c' }, 'groq', 'c'],
    ['endpoint with punctuation', { MY_VLLM_API_KEY: 'd' }, 'my-vllm', 'd'],
    ['a secret named like a variable', { TOGETHER_KEY: 'e' }, 'TOGETHER_KEY', 'e'],
    ['empty variable is no key', { OPENAI_API_KEY: '' }, 'openai', undefined],
    ['nothing set', {}, 'openai', undefined],
  ];
  for (const [why, env, name, expected] of envCases) {
    it(`envKeyLookup: ${why}`, () => assert.equal(envKeyLookup(env)(name), expected));
  }

  it('does not load the SDKs until a provider is called', () => {
    const script = [
      "const { ProviderRegistry } = require('./src/core/providers/providerRegistry');",
      "const { Engine } = require('./src/core/run/engine');",
      'new Engine({ registry: new ProviderRegistry() });',
      "const loaded = Object.keys(require.cache).filter((k) => /node_modules[\\\\/](openai|@anthropic-ai)[\\\\/]/.test(k));",
      'process.stdout.write(String(loaded.length));',
    ].join('\n');
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), '0', 'no SDK module in the require cache');
  });
});
