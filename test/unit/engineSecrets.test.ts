import * as assert from 'node:assert/strict';
import { ProviderRegistry } from '../../src/core/providers/providerRegistry';
import { Engine } from '../../src/core/run/engine';
import type { ChatRequest } from '../../src/core/types';
import { startMockLlm } from '../support/mockLlmServer';

// Keys in formats no built-in pattern knows, so only "redact the keys actually in use" can catch them.
const OPENAI_KEY = 'qq-openai-SECRET-5c1e77';
const ANTHROPIC_KEY = 'qq-anthropic-SECRET-9ad204';
const HEADER_SECRET = 'qq-gateway-SECRET-31f0aa';
const SECRETS = [OPENAI_KEY, ANTHROPIC_KEY, HEADER_SECRET];

const ask = (provider: string, model: string, prompt: string): ChatRequest => ({ model: { provider, model }, messages: [{ role: 'user', content: prompt }], params: {} });

describe('engine: keys never reach stored payloads, events or logs', () => {
  it('leaves no key bytes in any result, event or log line, across successes and failures', async () => {
    // The mock accepts no key at all, so every call fails with a 401 whose message echoes the key sent…
    const rejecting = await startMockLlm({ apiKey: 'the-only-valid-key' });
    // …and this one answers, including a stream, a retried 500 and a malformed chunk.
    const answering = await startMockLlm({
      faults: [
        { kind: 'status', status: 500 },
        { kind: 'malformed', afterChunks: 2, match: (r) => r.prompt === 'broken' },
      ],
    });
    const logLines: string[] = [];
    const stored: unknown[] = [];
    try {
      const providers = (mock: typeof answering) => [
        { name: 'openai', kind: 'openai' as const, baseUrl: mock.openaiBaseUrl, apiKey: OPENAI_KEY },
        { name: 'anthropic', kind: 'anthropic' as const, baseUrl: mock.anthropicBaseUrl, apiKey: ANTHROPIC_KEY },
        { name: 'gateway', kind: 'openai-compatible' as const, baseUrl: mock.openaiBaseUrl, headers: { 'X-Gateway-Token': HEADER_SECRET } },
        { name: 'azure', kind: 'azure-openai' as const, baseUrl: mock.url, apiKey: OPENAI_KEY },
      ];
      const log = (level: string, message: string): void => void logLines.push(`${level} ${message}`);
      for (const mock of [rejecting, answering]) {
        const engine = new Engine({ registry: new ProviderRegistry({ providers: providers(mock), log, logLevel: 'debug' }), log, retry: { baseDelayMs: 5 } });
        engine.events.on('queued', (...args) => stored.push(args));
        engine.events.on('retrying', (...args) => stored.push(args));
        engine.events.on('finished', (...args) => stored.push(args));
        engine.events.on('delta', (...args) => stored.push(args));
        for (const provider of ['openai', 'anthropic', 'gateway', 'azure']) {
          const model = provider === 'anthropic' ? 'claude-haiku-4-5' : 'gpt-4o-mini';
          stored.push(await engine.call(ask(provider, model, 'hello'), { useCache: true }));
          stored.push(await engine.call(ask(provider, model, 'hello stream'), { stream: true }));
          stored.push(await engine.call(ask(provider, model, 'broken'), { stream: true }));
          stored.push(await engine.embed({ provider, model: 'text-embedding-3-small' }, ['a b']));
          stored.push(await engine.listModels(provider));
        }
      }
    } finally {
      await Promise.all([rejecting.close(), answering.close()]);
    }

    const bytes = Buffer.from(JSON.stringify(stored) + '\n' + logLines.join('\n'));
    for (const secret of SECRETS) assert.equal(bytes.indexOf(Buffer.from(secret)), -1, `${secret.slice(0, 12)}… appears in stored data or logs`);

    // The search above must have had something to search: the keys really were sent and echoed back.
    const sentAuth = rejecting.requests.map((r) => String(r.headers.authorization ?? r.headers['api-key'] ?? ''));
    assert.ok(sentAuth.some((h) => h.includes(OPENAI_KEY)), 'the OpenAI key was sent');
    assert.ok(sentAuth.some((h) => h.includes(ANTHROPIC_KEY)), 'the Anthropic key was sent');
    assert.ok(rejecting.requests.some((r) => r.headers['x-gateway-token'] === HEADER_SECRET), 'the header secret was sent');
    assert.ok(JSON.stringify(stored).includes('Incorrect API key provided: [REDACTED]'), 'the echoed key was redacted, not dropped');
    assert.ok(logLines.length > 0, 'the SDKs logged');
  });
});
