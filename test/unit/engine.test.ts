import * as assert from 'node:assert/strict';
import { ProviderRegistry } from '../../src/core/providers/providerRegistry';
import { Engine, type EngineOptions } from '../../src/core/run/engine';
import type { CallResult, ChatRequest } from '../../src/core/types';
import { mockProviderConfigs } from '../support/mockLlmProviders';
import { startMockLlm, type MockLlm, type MockLlmOptions } from '../support/mockLlmServer';

const ask = (prompt: string, provider = 'openai', model = 'gpt-4o-mini'): ChatRequest => ({
  model: { provider, model },
  messages: [{ role: 'user', content: prompt }],
  params: {},
});

/** Collects the engine's events as readable lines. */
function recordEvents(engine: Engine): string[] {
  const lines: string[] = [];
  engine.events.on('queued', (job) => lines.push(`queued ${job.id}`));
  engine.events.on('started', (id, attempt) => lines.push(`started ${id} #${attempt}`));
  engine.events.on('retrying', (id, attempt, delay, error) => lines.push(`retrying ${id} #${attempt} ${error.kind} ${delay}ms`));
  engine.events.on('finished', (id, result) => lines.push(`finished ${id} ${result.error ? result.error.kind : 'ok'}`));
  return lines;
}

describe('engine', function () {
  const mocks: MockLlm[] = [];
  async function setup(mockOptions: MockLlmOptions = {}, engineOptions: Partial<EngineOptions> = {}): Promise<{ mock: MockLlm; engine: Engine }> {
    const mock = await startMockLlm({ reply: (req) => `answer to ${req.prompt}`, ...mockOptions });
    mocks.push(mock);
    const engine = new Engine({ registry: new ProviderRegistry({ providers: mockProviderConfigs(mock) }), retry: { baseDelayMs: 20 }, ...engineOptions });
    return { mock, engine };
  }
  afterEach(async () => {
    await Promise.all(mocks.splice(0).map((m) => m.close()));
  });

  it('honours Retry-After on 429 and then succeeds', async () => {
    const { mock, engine } = await setup({ faults: [{ kind: 'status', status: 429, headers: { 'retry-after': '0.2' } }] });
    const events = recordEvents(engine);
    const r = await engine.call(ask('hi'));
    assert.equal(r.error, undefined, r.error?.message);
    assert.equal(r.text, 'answer to hi');
    assert.equal(r.attempts, 2);
    assert.deepEqual(events, ['queued 1', 'started 1 #1', 'retrying 1 #1 rate_limit 200ms', 'started 1 #2', 'finished 1 ok']);
    const gap = mock.requests[1]!.at - mock.requests[0]!.at;
    assert.ok(gap >= 190, `the retry waited for Retry-After (gap ${gap.toFixed(0)} ms)`);
  });

  it('honours retry-after-ms over Retry-After', async () => {
    const { engine } = await setup({ faults: [{ kind: 'status', status: 429, headers: { 'retry-after-ms': '30', 'retry-after': '20' } }] });
    const delays: number[] = [];
    engine.events.on('retrying', (_id, _attempt, delay) => delays.push(delay));
    const r = await engine.call(ask('hi'));
    assert.equal(r.error, undefined);
    assert.deepEqual(delays, [30]);
  });

  it('retries a 500 and succeeds', async () => {
    const { mock, engine } = await setup({ faults: [{ kind: 'status', status: 500 }] });
    const r = await engine.call(ask('hi'));
    assert.equal(r.error, undefined, r.error?.message);
    assert.equal(r.attempts, 2);
    assert.equal(mock.requests.length, 2);
  });

  it('gives up after maxAttempts and returns the last error', async () => {
    const { mock, engine } = await setup({ faults: [{ kind: 'status', status: 503, times: 10 }] }, { retry: { maxAttempts: 3, baseDelayMs: 5 } });
    const r = await engine.call(ask('hi'));
    assert.equal(r.error?.kind, 'server');
    assert.equal(r.error?.status, 503);
    assert.equal(r.attempts, 3);
    assert.equal(mock.requests.length, 3);
  });

  it('does not retry 401: auth, one request', async () => {
    const { mock, engine } = await setup({ apiKey: 'the-right-key-123' });
    const r = await engine.call(ask('hi'));
    assert.equal(r.error?.kind, 'auth');
    assert.equal(r.error?.status, 401);
    assert.equal(r.attempts, 1);
    assert.equal(mock.requests.length, 1);
  });

  it('ends a hung request as timeout, without retrying it', async () => {
    const { mock, engine } = await setup({ faults: [{ kind: 'hang' }] }, { requestTimeoutMs: 300 });
    const r = await engine.call(ask('hi'));
    assert.equal(r.error?.kind, 'timeout', r.error?.message);
    assert.match(r.error!.message, /0\.3 s/);
    assert.equal(mock.requests.length, 1);
  });

  it('ends a stream that stalls midway as timeout, keeping the partial text', async () => {
    const { engine } = await setup({ faults: [{ kind: 'hang', afterChunks: 3 }] }, { requestTimeoutMs: 300 });
    const r = await engine.call(ask('one two three'), { stream: true });
    assert.equal(r.error?.kind, 'timeout', r.error?.message);
    assert.equal(r.text, 'answer to ');
  });

  it('ends a malformed stream as malformed with the partial text, and does not replay it', async () => {
    const { mock, engine } = await setup({ faults: [{ kind: 'malformed', afterChunks: 3 }] });
    const deltas: string[] = [];
    const r = await engine.call(ask('one two three'), { stream: true, onDelta: (t) => deltas.push(t) });
    assert.equal(r.error?.kind, 'malformed');
    assert.equal(r.text, 'answer to ');
    assert.equal(deltas.join(''), r.text);
    assert.equal(mock.requests.length, 1);
  });

  it('streams reasoning through onReasoning apart from the text; a stream that breaks after it is not retried', async () => {
    const summary = 'The customer was billed twice for one order.';
    const { mock, engine } = await setup({ reply: () => ({ reasoning: summary, text: 'billing' }) });
    const request = { ...ask('which queue?'), params: { api: 'responses' as const, reasoning_summary: 'auto' as const } };
    const text: string[] = [];
    const reasoning: string[] = [];
    const ok = await engine.call(request, { stream: true, onDelta: (t) => text.push(t), onReasoning: (t) => reasoning.push(t) });
    assert.equal(ok.error, undefined, ok.error?.message);
    assert.deepEqual([reasoning.join(''), text.join(''), ok.reasoning], [summary, 'billing', summary]);

    mock.fault({ kind: 'disconnect', afterChunks: 4 });
    const before = mock.requests.length;
    const shown: string[] = [];
    const broken = await engine.call(request, { stream: true, onReasoning: (t) => shown.push(t) });
    assert.ok(broken.error, 'the broken stream is an error');
    assert.ok(shown.length > 0 && summary.startsWith(shown.join('')), `part of the summary was shown: ${JSON.stringify(shown)}`);
    assert.equal(mock.requests.length - before, 1, 'not retried: the summary shown would repeat');
  });

  it('cancels mid-stream within 100 ms, as cancelled with the partial text', async () => {
    const { engine } = await setup({ tokensPerSecond: 20, reply: () => 'one two three four five six seven eight nine ten eleven twelve' });
    const controller = new AbortController();
    const deltas: string[] = [];
    let firstDelta!: () => void;
    const gotDelta = new Promise<void>((resolve) => (firstDelta = resolve));
    const pending = engine.call(ask('count'), {
      stream: true,
      signal: controller.signal,
      onDelta: (t) => {
        deltas.push(t);
        firstDelta();
      },
    });
    await gotDelta;
    const t0 = performance.now();
    controller.abort();
    const r = await pending;
    const elapsed = performance.now() - t0;
    assert.equal(r.error?.kind, 'cancelled');
    assert.ok(elapsed < 100, `ended ${elapsed.toFixed(1)} ms after the cancel`);
    assert.ok(r.text.startsWith('one '), `partial text kept: "${r.text}"`);
    assert.equal(r.text, deltas.join(''));
  });

  it('cancels a queued call at once, without calling the provider', async () => {
    const { mock, engine } = await setup({ faults: [{ kind: 'hang' }] }, { concurrency: 1, requestTimeoutMs: 5_000 });
    const first = new AbortController();
    const blocking = engine.call(ask('first'), { signal: first.signal });
    await mock.waitForRequests(1);
    const second = new AbortController();
    const queued = engine.call(ask('second'), { signal: second.signal });
    second.abort();
    const r = await queued;
    assert.equal(r.error?.kind, 'cancelled');
    assert.equal(mock.requests.length, 1, 'the queued call never reached the server');
    first.abort();
    assert.equal((await blocking).error?.kind, 'cancelled');
  });

  it('cancels during a retry wait', async () => {
    const { engine } = await setup({ faults: [{ kind: 'status', status: 429, headers: { 'retry-after': '30' } }] });
    const controller = new AbortController();
    engine.events.on('retrying', () => controller.abort());
    const r = await engine.call(ask('hi'), { signal: controller.signal });
    assert.equal(r.error?.kind, 'cancelled');
  });

  it('collapses identical concurrent calls into one, and serves repeats from the cache', async () => {
    const { mock, engine } = await setup({ latencyMs: 30 });
    const results = await Promise.all(Array.from({ length: 5 }, () => engine.call(ask('same'), { useCache: true })));
    assert.equal(mock.requests.length, 1, 'one request for five identical calls');
    assert.deepEqual(
      results.map((r) => [r.text, r.cacheHit]),
      [
        ['answer to same', false],
        ['answer to same', true],
        ['answer to same', true],
        ['answer to same', true],
        ['answer to same', true],
      ],
    );
    const again = await engine.call(ask('same'), { useCache: true, stream: true });
    assert.equal(again.cacheHit, true, 'a later identical call (streamed or not) is a cache hit');
    assert.equal(mock.requests.length, 1);
    const fresh = await engine.call(ask('same'));
    assert.equal(fresh.cacheHit, false, 'useCache off (playground, repeats) always calls');
    assert.equal(mock.requests.length, 2);
  });

  it('never caches an error', async () => {
    const { mock, engine } = await setup({ faults: [{ kind: 'status', status: 500 }] }, { retry: { maxAttempts: 1 } });
    const failed = await engine.call(ask('x'), { useCache: true });
    assert.equal(failed.error?.kind, 'server');
    const retried = await engine.call(ask('x'), { useCache: true });
    assert.equal(retried.error, undefined);
    assert.equal(retried.cacheHit, false);
    assert.equal(mock.requests.length, 2);
  });

  it('keeps a collapsed call alive while another caller still waits for it', async () => {
    const { mock, engine } = await setup({ latencyMs: 50 });
    const a = new AbortController();
    const first = engine.call(ask('shared'), { useCache: true, signal: a.signal });
    const second = engine.call(ask('shared'), { useCache: true });
    a.abort();
    assert.equal((await first).error?.kind, 'cancelled');
    const r = await second;
    assert.equal(r.error, undefined, r.error?.message);
    assert.equal(mock.requests.length, 1);
  });

  it('keeps at most `concurrency` calls in flight', async () => {
    const { mock, engine } = await setup({ latencyMs: 20 }, { concurrency: 3 });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => engine.call(ask(`q${i}`))));
    assert.ok(results.every((r) => !r.error));
    assert.equal(mock.maxInFlight, 3);
  });

  it('keeps at most an endpoint’s maxConcurrency in flight to it', async () => {
    const mock = await startMockLlm({ latencyMs: 20 });
    mocks.push(mock);
    const registry = new ProviderRegistry({ providers: [{ name: 'local', kind: 'openai-compatible', baseUrl: mock.openaiBaseUrl, maxConcurrency: 2 }] });
    const engine = new Engine({ registry, concurrency: 10 });
    await Promise.all(Array.from({ length: 8 }, (_, i) => engine.call(ask(`q${i}`, 'local', 'llama3.1'))));
    assert.equal(mock.maxInFlight, 2);
  });

  it('prices results from the table, and says "unknown" (null) for a model without a price', async () => {
    const { engine } = await setup({ reply: () => ({ text: 'ok', usage: { input: 1000, output: 100 } }) });
    const priced = await engine.call(ask('a', 'openai', 'gpt-4o-mini'));
    assert.equal(priced.cost, (1000 * 0.15 + 100 * 0.6) / 1e6);
    const unknown = await engine.call(ask('a', 'local', 'llama3.1'));
    assert.equal(unknown.cost, null);
    assert.deepEqual(unknown.usage?.inputTokens, 1000, 'tokens are still reported');
    const echo = await engine.call(ask('a', 'echo', 'x'));
    assert.equal(echo.cost, 0);
  });

  it('returns errors as data for an unknown provider and for a missing key', async () => {
    const engine = new Engine({ registry: new ProviderRegistry({ keys: () => undefined }) });
    const events = recordEvents(engine);
    const unknown = await engine.call(ask('x', 'nope', 'm'));
    assert.equal(unknown.error?.kind, 'bad_request');
    const noKey = await engine.call(ask('x', 'anthropic', 'claude-haiku-4-5'));
    assert.deepEqual(noKey.error, { kind: 'auth', message: 'No API key for anthropic: run "Assay: Set API Key" or set ANTHROPIC_API_KEY' });
    assert.equal(noKey.attempts, 1, 'auth is not retried');
    assert.deepEqual(events, ['queued 1', 'finished 1 bad_request', 'queued 2', 'started 2 #1', 'finished 2 auth']);
  });

  it('emits deltas with the job id while streaming', async () => {
    const { engine } = await setup();
    const deltas: [number, string][] = [];
    engine.events.on('delta', (id, text) => deltas.push([id, text]));
    const r = await engine.call(ask('x y'), { stream: true });
    assert.deepEqual(deltas, [
      [1, 'answer '],
      [1, 'to '],
      [1, 'x '],
      [1, 'y'],
    ]);
    assert.equal(r.text, 'answer to x y');
  });

  it('embeds through the scheduler, with cost', async () => {
    const { engine } = await setup();
    const r = await engine.embed({ provider: 'openai', model: 'text-embedding-3-small' }, ['alpha beta', 'gamma']);
    assert.equal(r.error, undefined, r.error?.message);
    assert.equal(r.vectors.length, 2);
    assert.equal(r.cost, (3 * 0.02) / 1e6);
  });

  it('lists an endpoint’s models', async () => {
    const { engine } = await setup({ models: ['llama3.1', 'qwen2.5'] });
    assert.deepEqual(await engine.listModels('local'), { models: [{ id: 'llama3.1', ownedBy: 'mock' }, { id: 'qwen2.5', ownedBy: 'mock' }] });
    assert.equal((await engine.listModels('nope')).error?.kind, 'bad_request');
  });

  it('applies a changed concurrency setting', async () => {
    const { mock, engine } = await setup({ latencyMs: 20 }, { concurrency: 1 });
    engine.configure({ concurrency: 4 });
    await Promise.all(Array.from({ length: 8 }, (_, i) => engine.call(ask(`q${i}`))));
    assert.equal(mock.maxInFlight, 4);
  });

  it('shares one run signal across many calls without Node leak warnings', async () => {
    const { engine } = await setup({ latencyMs: 5 }, { concurrency: 5 });
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const run = new AbortController();
      const results = await Promise.all(Array.from({ length: 30 }, (_, i) => engine.call(ask(`q${i}`), { signal: run.signal, useCache: i % 2 === 0 })));
      assert.ok(results.every((r) => !r.error));
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
    } finally {
      process.off('warning', onWarning);
    }
    assert.deepEqual(warnings.filter((w) => w === 'MaxListenersExceededWarning'), []);
  });

  it('still answers when the cache fails', async () => {
    const logs: string[] = [];
    const broken = { get: () => Promise.reject(new Error('disk gone')), set: () => Promise.reject(new Error('disk gone')) };
    const { engine } = await setup({}, { cache: broken, log: (_level, m) => logs.push(m) });
    const r = await engine.call(ask('x'), { useCache: true });
    assert.equal(r.error, undefined);
    assert.deepEqual(logs, ['response cache read failed: disk gone', 'response cache write failed: disk gone']);
  });

  it('a failure after retries reports the time it took in all, backoff included, not its last attempt', async () => {
    // Status 500 four times: every attempt answers at once; the waits between them are 40, 80 and 160 ms.
    const { engine } = await setup({ faults: [{ kind: 'status', status: 500, times: 4 }] }, { retry: { baseDelayMs: 40 }, random: () => 1 });
    const r = await engine.call(ask('hi'));
    assert.equal(r.error?.status, 500);
    assert.equal(r.attempts, 4);
    assert.ok(r.latencyMs >= 280, `latency ${r.latencyMs} ms covers the 280 ms of backoff`);
  });

  it('a stream stopped mid-way gets usage counted from what streamed, marked estimated, and priced', async () => {
    const { engine } = await setup({ tokensPerSecond: 40, reply: () => Array.from({ length: 200 }, (_, i) => `w${i}`).join(' ') });
    for (const provider of ['openai', 'anthropic']) {
      const controller = new AbortController();
      let deltas = 0;
      let enough!: () => void;
      const streamed = new Promise<void>((resolve) => (enough = resolve));
      const model = provider === 'openai' ? 'gpt-4o-mini' : 'claude-3-5-haiku-latest';
      const pending = engine.call(ask('long', provider, model), { stream: true, signal: controller.signal, onDelta: () => ++deltas === 5 && enough() });
      await streamed;
      controller.abort();
      const r = await engine.estimateStopped(await pending, ask('long').messages);
      assert.equal(r.error?.kind, 'cancelled', provider);
      assert.equal(r.usageEstimated, true, `${provider}: marked as estimated`);
      const words = r.text.trim().split(/\s+/).length;
      assert.ok(r.usage!.outputTokens >= words, `${provider}: ${r.usage!.outputTokens} tokens for ${words} streamed words`);
      assert.ok(r.usage!.inputTokens > 0, `${provider}: input tokens counted`);
      assert.ok(typeof r.cost === 'number' && r.cost > 0, `${provider}: priced (${r.cost})`);
    }
  });

  it('survives a listener that throws', async () => {
    const errors: unknown[] = [];
    const { engine } = await setup();
    // Replace the default reporter so the test output stays clean.
    (engine.events as unknown as { onListenerError: (e: unknown) => void }).onListenerError = (e) => errors.push(e);
    engine.events.on('finished', () => {
      throw new Error('listener bug');
    });
    const r: CallResult = await engine.call(ask('x'));
    assert.equal(r.error, undefined);
    assert.equal(errors.length, 1);
  });
});
