import * as assert from 'node:assert/strict';
import { LiveModels } from '../../src/core/models/liveModels';
import { ProviderRegistry } from '../../src/core/providers/providerRegistry';
import { Engine } from '../../src/core/run/engine';
import { mockProviderConfigs } from '../support/mockLlmProviders';
import { startMockLlm, type MockLlm } from '../support/mockLlmServer';

describe('live model lists (GET /v1/models through the real SDK)', () => {
  let mock: MockLlm;
  let engine: Engine;
  let clock: number;
  let live: LiveModels;
  const listings = (): number => mock.requests.filter((r) => r.api === 'openai.models').length;

  before(async () => {
    mock = await startMockLlm({ models: ['gpt-5.5', 'gpt-5-nano'], shutdownDates: { 'gpt-5-nano': '2026-12-11' } });
    engine = new Engine({ registry: new ProviderRegistry({ providers: mockProviderConfigs(mock) }) });
  });
  after(() => mock.close());
  beforeEach(() => {
    mock.requests.length = 0;
    clock = 1_000;
    live = new LiveModels((p) => engine.listModels(p), 60_000, () => clock);
  });

  it('answers at once with nothing, lists in the background, then answers from the list with shutdown dates', async () => {
    assert.deepEqual(live.peek('openai'), []);
    await mock.waitForRequests(1);
    const result = await live.refresh('openai');
    assert.ok(!result.error, result.error?.message);
    assert.deepEqual(live.peek('OpenAI'), [
      { id: 'gpt-5-nano', ownedBy: 'mock', shutdownDate: '2026-12-11' },
      { id: 'gpt-5.5', ownedBy: 'mock' },
    ]);
    assert.equal(listings(), 1, 'the refresh joined the listing already in flight');
  });

  it('lists again only once the answer is stale', async () => {
    await live.refresh('openai');
    live.peek('openai');
    clock += 59_999;
    live.peek('openai');
    assert.equal(listings(), 1, 'fresh: no new request');
    clock += 1;
    live.peek('openai');
    await live.refresh('openai');
    assert.equal(listings(), 2, 'stale: listed again');
  });

  it('keeps the last list when a listing fails, and says why', async () => {
    await live.refresh('openai');
    mock.fault({ kind: 'status', status: 500, match: (r) => r.api === 'openai.models' });
    clock += 60_000;
    const failed = await live.refresh('openai');
    assert.equal(failed.error?.kind, 'server');
    assert.equal(live.peek('openai').length, 2, 'the earlier list is still offered');
    assert.match(live.errorOf('openai') ?? '', /500/);
  });

  it('forgets everything when settings change', async () => {
    await live.refresh('openai');
    live.clear();
    assert.deepEqual(live.peek('openai'), []);
    await live.refresh('openai');
  });
});
