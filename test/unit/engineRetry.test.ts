import * as assert from 'node:assert/strict';
import { cacheKey, canonicalJson, MemoryResponseCache } from '../../src/core/run/cache';
import { Emitter } from '../../src/core/run/emitter';
import { DEFAULT_RETRY_POLICY, isRetryable, retryDelayMs, sleep } from '../../src/core/run/retry';
import type { CallError, CallResult } from '../../src/core/types';

describe('engine: retry policy', () => {
  const cases: [string, CallError, boolean][] = [
    ['408', { kind: 'timeout', message: '', status: 408 }, true],
    ['409', { kind: 'server', message: '', status: 409 }, true],
    ['429', { kind: 'rate_limit', message: '', status: 429 }, true],
    ['500', { kind: 'server', message: '', status: 500 }, true],
    ['529 overloaded', { kind: 'server', message: '', status: 529 }, true],
    ['connection error', { kind: 'network', message: '' }, true],
    ['overloaded event inside a stream', { kind: 'server', message: '' }, true],
    ['400', { kind: 'bad_request', message: '', status: 400 }, false],
    ['401', { kind: 'auth', message: '', status: 401 }, false],
    ['404', { kind: 'not_found', message: '', status: 404 }, false],
    ['our own timeout', { kind: 'timeout', message: '' }, false],
    ['malformed response', { kind: 'malformed', message: '' }, false],
    ['cancelled', { kind: 'cancelled', message: '' }, false],
  ];
  for (const [why, error, expected] of cases) {
    it(`${expected ? 'retries' : 'does not retry'} ${why}`, () => assert.equal(isRetryable(error), expected));
  }

  const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 500, maxDelayMs: 30_000 };
  const delayCases: [string, number, number | null, number, number][] = [
    ['attempt 1, top of the jitter range', 1, null, 0.999, 499],
    ['attempt 3, top of the jitter range', 3, null, 0.999, 1998],
    ['attempt 2, bottom of the jitter range', 2, null, 0, 0],
    ['attempt 10 is capped', 10, null, 0.999, 29_970],
    ['the server hint wins over backoff', 1, 1234, 0.999, 1234],
    ['the server hint is capped too', 1, 120_000, 0.5, 30_000],
  ];
  for (const [why, attempt, hint, random, expected] of delayCases) {
    it(`delay: ${why}`, () => assert.equal(retryDelayMs(policy, attempt, hint, () => random), expected));
  }

  it('sleep resolves false at once when aborted', async () => {
    const controller = new AbortController();
    const pending = sleep(60_000, controller.signal);
    controller.abort();
    assert.equal(await pending, false);
    assert.equal(await sleep(1), true);
  });
});

describe('engine: cache keys and the memory cache', () => {
  it('keys by payload and endpoint, ignoring key order and the streaming switches', () => {
    const a = cacheKey('openai https://api.openai.com/v1', { model: 'm', messages: [{ role: 'user', content: 'x' }], temperature: 0 });
    const reordered = cacheKey('openai https://api.openai.com/v1', { temperature: 0, messages: [{ content: 'x', role: 'user' }], model: 'm' });
    const streamed = cacheKey('openai https://api.openai.com/v1', { model: 'm', messages: [{ role: 'user', content: 'x' }], temperature: 0, stream: true, stream_options: { include_usage: true } });
    const otherEndpoint = cacheKey('local http://localhost:11434/v1', { model: 'm', messages: [{ role: 'user', content: 'x' }], temperature: 0 });
    const otherTemperature = cacheKey('openai https://api.openai.com/v1', { model: 'm', messages: [{ role: 'user', content: 'x' }], temperature: 0.1 });
    assert.equal(reordered, a);
    assert.equal(streamed, a);
    assert.notEqual(otherEndpoint, a);
    assert.notEqual(otherTemperature, a);
  });

  it('canonical JSON sorts keys at every depth and drops undefined fields', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: undefined }], c: null } }), '{"a":{"c":null,"d":[1,{"f":2}]},"b":1}');
  });

  const result = (text: string, error?: CallError): CallResult => ({
    model: { provider: 'p', model: 'm' },
    text,
    toolCalls: [],
    finishReason: 'stop',
    usage: null,
    cost: null,
    latencyMs: 1,
    ttftMs: null,
    request: {},
    response: {},
    cacheHit: false,
    ...(error ? { error } : {}),
  });

  it('evicts the least recently used entry and refuses errors', () => {
    const cache = new MemoryResponseCache(2);
    cache.set('a', result('A'));
    cache.set('b', result('B'));
    cache.get('a');
    cache.set('c', result('C'));
    assert.equal(cache.get('b'), undefined, 'b was least recently used');
    assert.equal(cache.get('a')?.text, 'A');
    cache.set('e', result('', { kind: 'server', message: 'x' }));
    assert.equal(cache.get('e'), undefined, 'errors are never cached');
  });
});

describe('engine: events', () => {
  it('delivers positional arguments, unsubscribes, and isolates a throwing listener', () => {
    const errors: unknown[] = [];
    const events = new Emitter<{ delta: [id: number, text: string] }>((e) => errors.push(e));
    const seen: string[] = [];
    assert.equal(events.has('delta'), false);
    const off = events.on('delta', (id, text) => seen.push(`${id}:${text}`));
    events.on('delta', () => {
      throw new Error('bad listener');
    });
    events.emit('delta', 1, 'a');
    off();
    events.emit('delta', 2, 'b');
    assert.deepEqual(seen, ['1:a']);
    assert.equal(errors.length, 2);
  });
});
