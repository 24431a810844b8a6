import * as assert from 'node:assert/strict';
import { echoEmbedding, echoText } from '../../src/core/providers/echoProvider';
import { keyTargets, parseEndpointSettings } from '../../src/core/providers/endpointSettings';
import { classifySdkError, kindForStatus, parseRetryAfter } from '../../src/core/providers/providerErrors';
import { ProviderRegistry } from '../../src/core/providers/providerRegistry';
import type { ChatRequest } from '../../src/core/types';

describe('providers: assay.endpoints settings', () => {
  it('accepts an Ollama endpoint, an Azure one and a built-in override', () => {
    const { configs, problems } = parseEndpointSettings([
      { name: 'Ollama', baseUrl: 'http://localhost:11434/v1/' },
      { name: 'azure', kind: 'azure-openai', baseUrl: 'https://me.openai.azure.com', apiVersion: '2024-10-21', models: ['gpt-4o-prod'], maxConcurrency: 2 },
      { name: 'openai', baseUrl: 'https://proxy.example.com/v1', headers: { 'OpenAI-Organization': 'org-1' } },
    ]);
    assert.deepEqual(problems, []);
    assert.deepEqual(configs, [
      { name: 'ollama', kind: 'openai-compatible', baseUrl: 'http://localhost:11434/v1' },
      { name: 'azure', kind: 'azure-openai', baseUrl: 'https://me.openai.azure.com', apiVersion: '2024-10-21', maxConcurrency: 2, models: ['gpt-4o-prod'] },
      { name: 'openai', kind: 'openai', baseUrl: 'https://proxy.example.com/v1', headers: { 'OpenAI-Organization': 'org-1' } },
    ]);
  });

  const bad: [string, unknown, RegExp][] = [
    ['not a list', { name: 'x' }, /must be a list/],
    ['entry not an object', ['ollama'], /must be an object/],
    ['name with a space', [{ name: 'my server', baseUrl: 'http://x' }], /name must be letters/],
    ['reserved name', [{ name: 'echo', baseUrl: 'http://x' }], /reserved/],
    ['missing base URL', [{ name: 'vllm' }], /needs a baseUrl/],
    ['base URL not http', [{ name: 'vllm', baseUrl: 'ftp://x' }], /http:\/\/ or https:\/\//],
    ['unknown kind', [{ name: 'vllm', baseUrl: 'http://x', kind: 'gemini' }], /kind must be one of/],
    ['duplicate name', [{ name: 'a', baseUrl: 'http://x' }, { name: 'A', baseUrl: 'http://y' }], /defined twice/],
    ['a key in settings', [{ name: 'groq', baseUrl: 'https://api.groq.com/openai/v1', apiKey: 'gsk_secret' }], /keys don't belong in settings/],
    ['bad maxConcurrency', [{ name: 'a', baseUrl: 'http://x', maxConcurrency: 0 }], /maxConcurrency/],
    ['headers not strings', [{ name: 'a', baseUrl: 'http://x', headers: { n: 1 } }], /headers must map/],
  ];
  for (const [why, raw, expected] of bad) {
    it(`reports: ${why}`, () => {
      const { problems } = parseEndpointSettings(raw);
      assert.equal(problems.length, 1, problems.join('; '));
      assert.match(problems[0]!, expected);
    });
  }

  it('never keeps a key written into settings', () => {
    const { configs } = parseEndpointSettings([{ name: 'groq', baseUrl: 'https://api.groq.com/openai/v1', apiKey: 'gsk_secret' }]);
    assert.ok(!JSON.stringify(configs).includes('gsk_secret'));
  });
});

describe('providers: error mapping', () => {
  const statusCases: [number, string][] = [
    [400, 'bad_request'],
    [401, 'auth'],
    [403, 'auth'],
    [404, 'not_found'],
    [408, 'timeout'],
    [409, 'server'],
    [422, 'bad_request'],
    [429, 'rate_limit'],
    [500, 'server'],
    [503, 'server'],
    [529, 'server'],
  ];
  for (const [status, kind] of statusCases) {
    it(`HTTP ${status} is ${kind}`, () => assert.equal(kindForStatus(status), kind));
  }

  const now = Date.parse('2026-01-01T00:00:00Z');
  const retryCases: [string, Record<string, string>, number | null][] = [
    ['seconds', { 'retry-after': '2' }, 2000],
    ['decimal seconds', { 'retry-after': '0.2' }, 200],
    ['HTTP date', { 'retry-after': 'Thu, 01 Jan 2026 00:00:03 GMT' }, 3000],
    ['date in the past', { 'retry-after': 'Wed, 31 Dec 2025 23:59:00 GMT' }, 0],
    ['retry-after-ms wins', { 'retry-after-ms': '150', 'retry-after': '9' }, 150],
    ['garbage', { 'retry-after': 'soon' }, null],
    ['absent', {}, null],
  ];
  for (const [why, headers, expected] of retryCases) {
    it(`Retry-After: ${why}`, () => assert.equal(parseRetryAfter(new Headers(headers), now), expected));
  }

  it('rethrows an error that is neither the SDK’s nor the network’s (a bug, not data)', () => {
    class Base extends Error {}
    const sdk = { base: Base, apiError: Base, userAbort: Base, connection: Base, connectionTimeout: Base };
    assert.throws(() => classifySdkError(new RangeError('bug'), sdk, false, 'x'), RangeError);
    assert.equal(classifySdkError(new SyntaxError('Unexpected token'), sdk, false, 'x').error.kind, 'malformed');
    assert.equal(classifySdkError(new RangeError('whatever'), sdk, true, 'x').error.kind, 'cancelled', 'our abort wins');
  });
});

describe('providers: echo', () => {
  const request: ChatRequest = {
    model: { provider: 'echo', model: 'any' },
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hello Ada' },
    ],
    params: { temperature: 0 },
  };

  it('answers with the rendered prompt, streamed line by line, free of charge', async () => {
    const echo = new ProviderRegistry().get('echo')!;
    const prepared = echo.prepare(request, true);
    assert.ok(!('error' in prepared));
    const deltas: string[] = [];
    const { result } = await echo.chat(prepared, { signal: new AbortController().signal, timeoutMs: 1000, onDelta: (t) => deltas.push(t) });
    assert.equal(result.text, 'system:\nBe brief.\n\nuser:\nHello Ada');
    assert.equal(deltas.join(''), result.text);
    assert.equal(result.finishReason, 'stop');
    assert.equal(echoText(request.messages), result.text);
  });

  it('embeds offline: texts sharing words are closer than unrelated ones', () => {
    const dot = (a: number[], b: number[]): number => a.reduce((s, x, i) => s + x * b[i]!, 0);
    const a = echoEmbedding('the invoice was charged twice');
    const b = echoEmbedding('charged twice on my invoice');
    const c = echoEmbedding('app crashes at startup');
    assert.ok(dot(a, b) > dot(a, c), `${dot(a, b)} > ${dot(a, c)}`);
    assert.ok(Math.abs(dot(a, a) - 1) < 1e-9, 'unit length');
  });
});

describe('keyTargets: the Set/Clear API Key pickers', () => {
  it('lists the built-ins, then each endpoint once', () => {
    assert.deepStrictEqual(keyTargets([{ name: 'ollama', baseUrl: 'http://localhost:11434/v1' }]).map((t) => [t.name, t.description]), [
      ['openai', 'OpenAI (falls back to OPENAI_API_KEY)'],
      ['anthropic', 'Anthropic (falls back to ANTHROPIC_API_KEY)'],
      ['ollama', 'http://localhost:11434/v1'],
    ]);
  });

  it('a built-in pointed at a gateway is listed once, with the gateway URL', () => {
    const targets = keyTargets([
      { name: 'openai', baseUrl: 'https://gateway.example/v1' },
      { name: 'Anthropic', baseUrl: 'https://gateway.example/anthropic' },
    ]);
    assert.deepStrictEqual(targets.map((t) => t.name), ['openai', 'anthropic']);
    assert.strictEqual(targets[0]!.description, 'OpenAI via https://gateway.example/v1 (falls back to OPENAI_API_KEY)');
    assert.strictEqual(targets[1]!.description, 'Anthropic via https://gateway.example/anthropic (falls back to ANTHROPIC_API_KEY)');
  });

  it('never shows credentials in a URL', () => {
    const targets = keyTargets([
      { name: 'openai', baseUrl: 'https://alice:pw-123456@gateway.example/v1' },
      { name: 'proxy', baseUrl: 'https://token-abcdef@proxy.example/v1' },
    ]);
    assert.deepStrictEqual(
      targets.map((t) => t.description),
      ['OpenAI via https://gateway.example/v1 (falls back to OPENAI_API_KEY)', 'Anthropic (falls back to ANTHROPIC_API_KEY)', 'https://proxy.example/v1'],
    );
  });
});
