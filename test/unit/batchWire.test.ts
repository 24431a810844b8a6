// The batch units on the wire: OpenAiBatch and AnthropicBatch drive the real SDKs (`client.files`,
// `client.batches`, `client.messages.batches`) against the local batch server; what goes up (a multipart
// file with purpose=batch, inline requests) and what comes back (statuses, per-request results) is checked.
import * as assert from 'node:assert/strict';
import { AnthropicBatch } from '../../src/core/batch/anthropicBatch';
import type { BatchItemOutcome, BatchStatus } from '../../src/core/batch/batchTypes';
import { OpenAiBatch } from '../../src/core/batch/openaiBatch';
import { AnthropicProvider } from '../../src/core/providers/anthropicProvider';
import { OpenAiProvider } from '../../src/core/providers/openaiProvider';
import { ProviderRegistry } from '../../src/core/providers/providerRegistry';
import type { Provider } from '../../src/core/providers/providerTypes';
import type { ChatRequest } from '../../src/core/types';
import { startMockBatchServer, type MockBatchOptions, type MockBatchServer } from '../support/mockBatchServer';
import { TEST_ANTHROPIC_KEY, TEST_OPENAI_KEY } from '../support/mockLlmProviders';

const NEVER = new AbortController().signal;

function request(provider: string, model: string, text: string): ChatRequest {
  return { model: { provider, model }, messages: [{ role: 'user', content: text }], params: {} };
}

async function collect(results: AsyncIterable<BatchItemOutcome>): Promise<BatchItemOutcome[]> {
  const out: BatchItemOutcome[] = [];
  for await (const r of results) out.push(r);
  return out.sort((a, b) => a.customId.localeCompare(b.customId));
}

describe('batch APIs on the wire (real SDKs, local batch server)', function () {
  this.timeout(20_000);
  let server: MockBatchServer;
  let registry: ProviderRegistry;

  async function start(options: MockBatchOptions = {}): Promise<void> {
    server = await startMockBatchServer({
      apiKey: undefined,
      reply: (body) => (JSON.stringify(body).includes('refuse') ? { status: 400, message: 'refused by the model endpoint' } : { text: 'answer', usage: { input: 7, output: 3 } }),
      ...options,
    });
    registry = new ProviderRegistry({
      providers: [
        { name: 'openai', kind: 'openai', baseUrl: server.openaiBaseUrl, apiKey: TEST_OPENAI_KEY },
        { name: 'anthropic', kind: 'anthropic', baseUrl: server.anthropicBaseUrl, apiKey: TEST_ANTHROPIC_KEY },
      ],
    });
  }
  afterEach(() => server.close());

  function provider(name: string, api?: 'responses'): Provider {
    const p = registry.resolve({ provider: name, model: 'm' }, api);
    assert.ok(!('error' in p));
    return p;
  }

  const items = (p: Provider, name: string, texts: string[]) =>
    texts.map((t, i) => {
      const prepared = p.prepare(request(name, 'gpt-5.4-nano', t), false);
      assert.ok(!('error' in prepared));
      return { customId: `c${i}`, payload: prepared.payload, prepared };
    });

  async function statuses(read: () => Promise<BatchStatus>): Promise<string[]> {
    const seen: string[] = [];
    for (;;) {
      const s = await read();
      seen.push(`${s.status} ${s.done}/${s.total}`);
      if (s.phase === 'ended') return seen;
    }
  }

  it('OpenAI: uploads a JSONL file with purpose batch, walks validating → completed, returns output and error lines', async () => {
    await start();
    const p = provider('openai') as OpenAiProvider;
    const backend = new OpenAiBatch(p);
    const sent = items(p, 'openai', ['one', 'refuse this', 'three']);
    const id = await backend.submit(sent, NEVER);
    assert.deepStrictEqual(server.log.slice(0, 2), ['POST /v1/files', 'POST /v1/batches']);
    const batch = server.batches.get(id)!;
    assert.deepStrictEqual(batch.requests.map((r) => [r.customId, r.body.model]), [['c0', 'gpt-5.4-nano'], ['c1', 'gpt-5.4-nano'], ['c2', 'gpt-5.4-nano']]);
    assert.strictEqual(batch.endpoint, '/v1/chat/completions');
    assert.deepStrictEqual(await statuses(() => backend.status(id, NEVER)), ['in_progress 1/3', 'in_progress 2/3', 'finalizing 2/3', 'completed 3/3']);
    const out = await collect(backend.results(id, NEVER));
    assert.deepStrictEqual(out.map((o) => ('error' in o ? `${o.customId} ${o.error.kind} ${o.error.status}` : `${o.customId} ok`)), ['c0 ok', 'c1 bad_request 400', 'c2 ok']);
    const result = await backend.toResult(sent[0]!.prepared, out[0]!);
    assert.deepStrictEqual([result.text, result.usage?.inputTokens, result.usage?.outputTokens, result.finishReason], ['answer', 7, 3, 'stop'], 'mapped as a live completion');
    assert.deepStrictEqual(result.request, sent[0]!.payload, 'the trace keeps the exact request');
  });

  it('OpenAI: the Responses API goes to /v1/responses', async () => {
    await start();
    const p = provider('openai', 'responses') as OpenAiProvider;
    const id = await new OpenAiBatch(p).submit(items(p, 'openai', ['one']), NEVER);
    assert.strictEqual(server.batches.get(id)!.endpoint, '/v1/responses');
    assert.ok('input' in server.batches.get(id)!.requests[0]!.body, 'a Responses payload');
  });

  it('OpenAI: an expired batch keeps what ran and reports the rest as batch_expired timeouts', async () => {
    await start({ ending: () => ({ kind: 'expire', processed: 1 }) });
    const p = provider('openai') as OpenAiProvider;
    const backend = new OpenAiBatch(p);
    const id = await backend.submit(items(p, 'openai', ['one', 'two', 'three']), NEVER);
    const seen = await statuses(() => backend.status(id, NEVER));
    assert.strictEqual(seen[seen.length - 1], 'expired 3/3');
    const out = await collect(backend.results(id, NEVER));
    assert.deepStrictEqual(out.map((o) => ('error' in o ? `${o.customId} ${o.error.kind}` : `${o.customId} ok`)), ['c0 ok', 'c1 timeout', 'c2 timeout']);
    assert.match((out[1] as { error: { message: string } }).error.message, /batch_expired/);
  });

  it('OpenAI: a cancelled batch ends cancelled, unrun requests batch_cancelled', async () => {
    await start();
    const p = provider('openai') as OpenAiProvider;
    const backend = new OpenAiBatch(p);
    const id = await backend.submit(items(p, 'openai', ['one', 'two']), NEVER);
    await backend.cancel(id);
    const seen = await statuses(() => backend.status(id, NEVER));
    assert.deepStrictEqual(seen, ['cancelled 2/2']);
    const out = await collect(backend.results(id, NEVER));
    assert.ok(out.every((o) => 'error' in o && o.error.kind === 'cancelled'));
  });

  it('Anthropic: sends inline requests, walks in_progress → ended, maps succeeded, errored, expired', async () => {
    await start({ ending: (api) => (api === 'anthropic' ? { kind: 'expire', processed: 2 } : { kind: 'complete' }) });
    const p = provider('anthropic') as AnthropicProvider;
    const backend = new AnthropicBatch(p);
    const sent = items(p, 'anthropic', ['one', 'refuse this', 'three']);
    const id = await backend.submit(sent, NEVER);
    assert.deepStrictEqual(server.log, ['POST /v1/messages/batches']);
    assert.strictEqual(server.batches.get(id)!.requests[0]!.body.max_tokens, 4096, 'the params are the live payload, max_tokens included');
    assert.deepStrictEqual(await statuses(() => backend.status(id, NEVER)), ['in_progress 2/3', 'ended 3/3']);
    const out = await collect(backend.results(id, NEVER));
    assert.deepStrictEqual(out.map((o) => ('error' in o ? `${o.customId} ${o.error.kind}` : `${o.customId} ok`)), ['c0 ok', 'c1 bad_request', 'c2 timeout']);
    assert.ok(server.log.includes(`GET /v1/messages/batches/${id}/results`), 'results read from results_url');
    const result = await backend.toResult(sent[0]!.prepared, out[0]!);
    assert.deepStrictEqual([result.text, result.usage?.inputTokens, result.usage?.outputTokens], ['answer', 7, 3]);
  });

  it('Anthropic: a cancelled batch ends with canceled results', async () => {
    await start();
    const p = provider('anthropic') as AnthropicProvider;
    const backend = new AnthropicBatch(p);
    const id = await backend.submit(items(p, 'anthropic', ['one']), NEVER);
    await backend.cancel(id);
    assert.strictEqual(server.batches.get(id)!.status, 'canceling');
    assert.deepStrictEqual(await statuses(() => backend.status(id, NEVER)), ['ended 1/1']);
    const out = await collect(backend.results(id, NEVER));
    assert.ok('error' in out[0]! && out[0].error.kind === 'cancelled');
  });

  it('a missing key is an auth error before anything is sent', async () => {
    await start();
    const keyless = new ProviderRegistry({ providers: [{ name: 'openai', kind: 'openai', baseUrl: server.openaiBaseUrl }], keys: () => undefined });
    const p = keyless.resolve({ provider: 'openai', model: 'm' });
    assert.ok(p instanceof OpenAiProvider);
    const backend = new OpenAiBatch(p);
    const err = await backend.submit([], NEVER).then(
      () => assert.fail('submitted without a key'),
      (e: unknown) => backend.describe(e, false),
    );
    assert.strictEqual(err.kind, 'auth');
    assert.deepStrictEqual(server.log, []);
  });
});
