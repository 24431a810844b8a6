// Faulty and hostile servers, through the real `openai` and `@anthropic-ai/sdk` clients, the real
// transport and engine: every bad reply is an error on that call's result with a clear message, never a
// crash, and the next call goes on; a server that echoes the key or a header gets it redacted.
import * as assert from 'node:assert/strict';
import { ProviderRegistry } from '../../src/core/providers/providerRegistry';
import { Engine } from '../../src/core/run/engine';
import type { CallResult, ChatRequest } from '../../src/core/types';
import { startMockLlm, type MockFault, type MockLlm } from '../support/mockLlmServer';
import { mockProviderConfigs, TEST_ANTHROPIC_KEY, TEST_OPENAI_KEY } from '../support/mockLlmProviders';

const ask = (provider: string, prompt: string): ChatRequest => ({
  model: { provider, model: provider === 'anthropic' ? 'claude-3-5-haiku-latest' : 'gpt-4o-mini' },
  messages: [{ role: 'user', content: prompt }],
  params: {},
});

interface FaultCase {
  name: string;
  fault: MockFault;
  /** Per stream/non-stream: the error kind and a pattern of its message. */
  stream: [kind: string, message: RegExp];
  whole: [kind: string, message: RegExp];
  /** Only for one API's stream (the other SDK reports this fault differently). */
  anthropicStream?: [kind: string, message: RegExp];
}

const CASES: FaultCase[] = [
  {
    name: 'a malformed chunk, then more data',
    fault: { kind: 'malformed', afterChunks: 2, thenData: true },
    stream: ['malformed', /sent data that is not valid JSON/],
    whole: ['malformed', /sent data that is not valid JSON/],
  },
  {
    // Once crashed the process: the decompressor went on delivering after the SDK had cancelled the stream
    // ("Controller is already closed" thrown from an event handler).
    name: 'a gzip-compressed stream with a malformed chunk, then more data',
    fault: { kind: 'malformed', afterChunks: 2, thenData: true, gzip: true },
    stream: ['malformed', /sent data that is not valid JSON/],
    whole: ['malformed', /sent data that is not valid JSON/],
  },
  {
    name: 'a malformed chunk, then the end',
    fault: { kind: 'malformed', afterChunks: 2 },
    stream: ['malformed', /sent data that is not valid JSON/],
    whole: ['malformed', /sent data that is not valid JSON/],
  },
  {
    name: 'the server closing early (truncated stream or JSON)',
    fault: { kind: 'close', afterChunks: 2 },
    stream: ['malformed', /The stream ended before the model finished/],
    anthropicStream: ['malformed', /The stream ended before message_stop/],
    whole: ['malformed', /sent data that is not valid JSON/],
  },
  {
    name: 'a reset mid-stream',
    fault: { kind: 'disconnect', afterChunks: 2 },
    stream: ['network', /failed: aborted/],
    whole: ['network', /socket hang up/],
  },
  {
    name: 'an oversized body (40 MiB)',
    fault: { kind: 'oversize' },
    stream: ['malformed', /the server's reply is larger than the 32 MB limit; Assay stopped reading it/],
    whole: ['malformed', /the server's reply is larger than the 32 MB limit; Assay stopped reading it/],
  },
  {
    name: 'a gzip bomb (content-encoding: gzip, 64 MiB inflated)',
    fault: { kind: 'gzipBomb' },
    // A stream's bomb is one endless event: stopped at the event bound, before the body limit.
    stream: ['malformed', /a stream event longer than 1 MB/],
    whole: ['malformed', /compressed reply inflates to more than the 32 MB limit/],
  },
];

describe('providers: faulty and hostile servers', function () {
  this.timeout(120_000);
  let mock: MockLlm;
  let engine: Engine;

  before(async () => {
    mock = await startMockLlm();
    engine = new Engine({ registry: new ProviderRegistry({ providers: mockProviderConfigs(mock) }), retry: { baseDelayMs: 1, maxAttempts: 1 } });
  });
  after(() => mock.close());

  for (const provider of ['openai', 'anthropic']) {
    for (const stream of [true, false]) {
      for (const c of CASES) {
        it(`${provider}, ${stream ? 'streamed' : 'whole'}: ${c.name} is an error on that call, and the next call works`, async () => {
          mock.fault(c.fault);
          const bad = await engine.call(ask(provider, 'hello'), { stream });
          const [kind, message] = stream ? ((provider === 'anthropic' && c.anthropicStream) || c.stream) : c.whole;
          assert.equal(bad.error?.kind, kind, JSON.stringify(bad.error));
          assert.match(bad.error!.message, message);
          // What was kept is bounded too (a stream keeps its partial text, up to the limit).
          assert.ok(bad.text.length <= 32 * 1024 * 1024, `kept ${bad.text.length} characters`);
          const good = await engine.call(ask(provider, 'again'), { stream });
          assert.equal(good.error, undefined);
          assert.equal(good.text, 'Echo: again');
        });
      }
    }
  }

  it('takes a smaller limit from the registry (maxResponseBytes)', async () => {
    const small = new Engine({ registry: new ProviderRegistry({ providers: mockProviderConfigs(mock), maxResponseBytes: 1024 * 1024 }), retry: { maxAttempts: 1 } });
    mock.fault({ kind: 'oversize', bytes: 2 * 1024 * 1024 });
    const r = await small.call(ask('openai', 'hello'), {});
    assert.match(r.error?.message ?? '', /larger than the 1 MB limit/);
    const ok = await small.call(ask('openai', 'small'), {});
    assert.equal(ok.text, 'Echo: small');
  });
});

describe('providers: secrets a server echoes back', function () {
  this.timeout(30_000);
  const HEADER_SECRET = 'gw-token-SECRET-77d1c0';
  const PASSWORD = 'pw-SECRET-90be2a';

  it('redacts the key, header values and URL credentials from the reply text, deltas and response', async () => {
    const mock = await startMockLlm();
    try {
      const withUser = mock.url.replace('http://', `http://alice:${PASSWORD}@`);
      const registry = new ProviderRegistry({
        providers: [
          ...mockProviderConfigs(mock),
          { name: 'gateway', kind: 'openai-compatible', baseUrl: `${withUser}/v1`, headers: { 'X-Gateway-Token': HEADER_SECRET } },
          { name: 'proxied', kind: 'anthropic', baseUrl: withUser, apiKey: TEST_ANTHROPIC_KEY },
        ],
      });
      const engine = new Engine({ registry, retry: { maxAttempts: 1 } });
      const results: CallResult[] = [];
      const deltas: string[] = [];
      for (const provider of ['openai', 'anthropic', 'azure', 'gateway', 'proxied']) {
        for (const stream of [false, true]) {
          mock.fault({ kind: 'echoSecrets' });
          results.push(await engine.call(ask(provider, 'hi'), { stream, onDelta: (d) => void deltas.push(d) }));
        }
      }
      // The secrets really went out and came back.
      const sent = JSON.stringify(mock.requests.map((r) => r.headers));
      for (const s of [TEST_OPENAI_KEY, TEST_ANTHROPIC_KEY, HEADER_SECRET]) assert.ok(sent.includes(s), `${s} was sent`);
      for (const r of results) {
        assert.equal(r.error, undefined);
        assert.match(r.text, /^You sent POST .*\[REDACTED\]/);
      }
      const everything = JSON.stringify(results) + deltas.join('');
      for (const s of [TEST_OPENAI_KEY, TEST_ANTHROPIC_KEY, HEADER_SECRET, PASSWORD, Buffer.from(`alice:${PASSWORD}`).toString('base64')]) {
        assert.ok(!everything.includes(s), `${s} was kept`);
      }
    } finally {
      await mock.close();
    }
  });

  it('keeps URL credentials out of error messages', async () => {
    const mock = await startMockLlm();
    const url = mock.url.replace('http://', `http://alice:${PASSWORD}@`);
    await mock.close();
    const engine = new Engine({ registry: new ProviderRegistry({ providers: [{ name: 'openai', kind: 'openai', baseUrl: `${url}/v1`, apiKey: TEST_OPENAI_KEY }] }), retry: { maxAttempts: 1 } });
    const r = await engine.call(ask('openai', 'hi'), {});
    assert.equal(r.error?.kind, 'network');
    assert.match(r.error!.message, /Could not reach openai \(http:\/\/127\.0\.0\.1:\d+\/v1\)/);
    assert.ok(!JSON.stringify(r).includes(PASSWORD));
  });
});
