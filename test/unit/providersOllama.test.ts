// The `ollama` provider kind against a local server speaking Ollama's native protocol (test/support/
// mockLlmServer.ts: /api/chat streamed as NDJSON unless `"stream": false`, /api/generate, /api/embeddings,
// /api/tags), with the request bodies promptfoo 0.121.20's Ollama providers send.
import * as assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../src/cli/main';
import { ProviderRegistry } from '../../src/core/providers/providerRegistry';
import type { OllamaSpec, Provider } from '../../src/core/providers/providerTypes';
import type { CallResult, ChatMessage, ChatRequest } from '../../src/core/types';
import { startMockLlm, type MockLlm } from '../support/mockLlmServer';
import { tempFolder } from '../support/storeFixtures';

const KEY = 'zz-ollama-TESTKEY-93c1';

function provider(mock: MockLlm, ollama?: OllamaSpec, apiKey?: string): Provider {
  const registry = new ProviderRegistry({ providers: [{ name: 'ollama~1', kind: 'ollama', baseUrl: mock.url, keyRequired: false, apiKeySecret: 'OLLAMA_API_KEY', ...(ollama ? { ollama } : {}) }], keys: (name) => (name === 'OLLAMA_API_KEY' ? apiKey : undefined) });
  return registry.get('ollama~1')!;
}

const ask = (messages: ChatMessage[] = [{ role: 'user', content: 'I was charged twice' }], params: ChatRequest['params'] = {}): ChatRequest => ({ model: { provider: 'ollama~1', model: 'llama3:8b' }, messages, params });

async function send(p: Provider, request: ChatRequest, stream = false, onDelta?: (t: string) => void): Promise<CallResult> {
  const prepared = p.prepare(request, stream);
  if ('error' in prepared) throw new Error(prepared.error.message);
  return (await p.chat(prepared, { signal: new AbortController().signal, timeoutMs: 10_000, ...(onDelta ? { onDelta } : {}) })).result;
}

describe('providers: Ollama native API (promptfoo ollama: ids)', () => {
  let mock: MockLlm;

  before(async () => {
    mock = await startMockLlm({
      models: ['llama3:8b', 'nomic-embed-text'],
      reply: (req) => (req.prompt === 'use a tool' ? { text: '', toolCalls: [{ id: 'c1', name: 'route', arguments: { queue: 'billing' } }] } : { text: `billing: ${req.prompt}`, usage: { input: 12, output: 3 } }),
    });
  });
  after(() => mock.close());
  beforeEach(() => {
    mock.requests.length = 0;
  });

  const BODIES: [string, OllamaSpec, ChatMessage[], Record<string, unknown>, string][] = [
    [
      'chat: options as written (think and passthrough too), think and passthrough on top, no stream key',
      { api: 'chat', config: { temperature: 0.2, num_ctx: 4096, stop: 'END', think: false, passthrough: { keep_alive: '5m' } } },
      [{ role: 'system', content: 'Route tickets.' }, { role: 'user', content: 'I was charged twice' }],
      {
        model: 'llama3:8b',
        messages: [{ role: 'system', content: 'Route tickets.' }, { role: 'user', content: 'I was charged twice' }],
        options: { temperature: 0.2, num_ctx: 4096, stop: 'END', think: false, passthrough: { keep_alive: '5m' } },
        think: false,
        keep_alive: '5m',
      },
      '/api/chat',
    ],
    [
      'generate: the prompt as one text, stream false, no think or passthrough in options',
      { api: 'generate', config: { num_predict: 5, think: true } },
      [{ role: 'user', content: 'I was charged twice' }],
      { model: 'llama3:8b', prompt: 'I was charged twice', stream: false, options: { num_predict: 5 }, think: true },
      '/api/generate',
    ],
    [
      'generate: a chat prompt goes as its JSON text, as promptfoo passes it',
      { api: 'generate', config: {} },
      [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hi' }],
      { model: 'llama3:8b', prompt: '[{"role":"system","content":"Be brief."},{"role":"user","content":"hi"}]', stream: false, options: {} },
      '/api/generate',
    ],
  ];
  for (const [name, spec, messages, body, path] of BODIES) {
    it(`sends promptfoo's body — ${name}`, async () => {
      const r = await send(provider(mock, spec), ask(messages));
      assert.equal(r.error, undefined, r.error?.message);
      assert.equal(mock.requests[0]!.url, path);
      assert.deepEqual(mock.requests[0]!.body, body, 'the server received exactly this');
      assert.deepEqual(r.request, body, 'result.request is what was sent');
      assert.equal(mock.requests[0]!.headers.authorization, undefined, 'no key, no Authorization header');
    });
  }

  it('reads a streamed chat reply line by line: deltas, text, usage from the done line', async () => {
    const deltas: string[] = [];
    const r = await send(provider(mock, { api: 'chat', config: {} }), ask(), true, (t) => deltas.push(t));
    assert.equal(r.error, undefined, r.error?.message);
    assert.equal(mock.requests[0]!.stream, true, 'the server streamed (no "stream": false was sent)');
    assert.deepEqual(deltas, ['billing: ', 'I ', 'was ', 'charged ', 'twice']);
    assert.equal(r.text, 'billing: I was charged twice');
    assert.deepEqual(r.usage, { inputTokens: 12, outputTokens: 3, cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 });
    assert.equal(r.finishReason, 'stop');
    assert.ok(r.ttftMs !== null);
  });

  it('reads a non-streamed generate reply', async () => {
    const r = await send(provider(mock, { api: 'generate', config: {} }), ask());
    assert.equal(r.text, 'billing: I was charged twice');
    assert.equal(r.usage?.outputTokens, 3);
  });

  it('turns tool calls (arguments as an object) into tool calls with JSON arguments', async () => {
    const r = await send(provider(mock, { api: 'chat', config: {} }), ask([{ role: 'user', content: 'use a tool' }]));
    assert.equal(r.error, undefined, r.error?.message);
    assert.deepEqual(r.toolCalls, [{ id: 'call_0', type: 'function', function: { name: 'route', arguments: '{"queue":"billing"}' } }]);
    assert.equal(r.finishReason, 'tool_calls');
  });

  it('sends OLLAMA_API_KEY as a Bearer token and keeps it out of the result', async () => {
    const keyed = await startMockLlm({ apiKey: KEY, reply: () => 'ok' });
    try {
      const ok = await send(provider(keyed, { api: 'chat', config: {} }, KEY), ask());
      assert.equal(ok.error, undefined, ok.error?.message);
      assert.equal(keyed.requests[0]!.headers.authorization, `Bearer ${KEY}`);
      const denied = await send(provider(keyed, { api: 'chat', config: {} }, 'wrong-key'), ask());
      assert.equal(denied.error?.kind, 'auth');
      assert.equal(denied.error?.status, 401);
      assert.doesNotMatch(JSON.stringify(ok), new RegExp(KEY));
    } finally {
      await keyed.close();
    }
  });

  const FAULTS: [string, Parameters<MockLlm['fault']>[0], RegExp, string][] = [
    ['an HTTP error is an error with the status and Ollama\'s message', { kind: 'status', status: 404, message: 'model "llama3:8b" not found' }, /HTTP 404/, 'not_found'],
    ['a line that is not JSON is malformed', { kind: 'malformed', afterChunks: 2 }, /not Ollama's NDJSON/, 'malformed'],
    ['a stream cut before its done line is malformed', { kind: 'close', afterChunks: 2 }, /before its final line/, 'malformed'],
  ];
  for (const [name, fault, message, kind] of FAULTS) {
    it(name, async () => {
      mock.fault({ ...fault, match: (req) => req.api === 'ollama.chat' });
      const r = await send(provider(mock, { api: 'chat', config: {} }), ask(), true);
      assert.equal(r.error?.kind, kind, r.error?.message);
      assert.match(r.error!.message, message);
    });
  }

  it('times out a server that never answers', async () => {
    mock.fault({ kind: 'hang', match: (req) => req.api === 'ollama.chat' });
    const p = provider(mock, { api: 'chat', config: {} });
    const prepared = p.prepare(ask(), false);
    if ('error' in prepared) throw new Error(prepared.error.message);
    const { result } = await p.chat(prepared, { signal: new AbortController().signal, timeoutMs: 200 });
    assert.equal(result.error?.kind, 'timeout');
  });

  it('embeds one text per /api/embeddings call', async () => {
    const p = provider(mock);
    const r = await p.embed('nomic-embed-text', ['billing refund', 'login failed'], { signal: new AbortController().signal, timeoutMs: 10_000 });
    assert.equal(r.result.error, undefined, r.result.error?.message);
    assert.equal(r.result.vectors.length, 2);
    assert.deepEqual(
      mock.requests.map((q) => [q.url, q.body]),
      [
        ['/api/embeddings', { model: 'nomic-embed-text', prompt: 'billing refund' }],
        ['/api/embeddings', { model: 'nomic-embed-text', prompt: 'login failed' }],
      ],
    );
  });

  it('lists the pulled models from /api/tags', async () => {
    const r = await provider(mock).listModels();
    assert.deepEqual(r.models?.map((m) => m.id), ['llama3:8b', 'nomic-embed-text']);
  });

  it('assay test: a promptfoo config with ollama: ids reaches OLLAMA_BASE_URL natively, never /v1', async () => {
    const folder = tempFolder('assay-ollama-');
    try {
      writeFileSync(
        join(folder.dir, 'promptfooconfig.yaml'),
        `prompts: ["Route: {{ticket}}"]
providers:
  - id: ollama:chat:llama3:8b
    config: { temperature: 0, num_ctx: 2048 }
  - ollama:llama3:8b
tests:
  - vars: { ticket: refund }
    assert: [{ type: contains, value: 'billing: Route: refund' }]
`,
      );
      const out = new Capture();
      const code = await runCli(['test', 'promptfooconfig.yaml', '--no-history'], { cwd: folder.dir, env: { PATH: process.env.PATH, OLLAMA_BASE_URL: mock.url }, stdout: out, stderr: out, signal: new AbortController().signal });
      assert.equal(code, 0, out.text);
      assert.deepEqual(mock.requests.map((q) => q.url).sort(), ['/api/chat', '/api/generate']);
      const chat = mock.requests.find((q) => q.url === '/api/chat')!;
      assert.deepEqual(chat.body?.options, { temperature: 0, num_ctx: 2048 });
    } finally {
      folder.cleanup();
    }
  });
});

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}
