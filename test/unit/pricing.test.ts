import * as assert from 'node:assert/strict';
import { PRICE_TABLE } from '../../src/core/pricing/priceTable';
import { costOf, parsePricingOverrides, PriceBook } from '../../src/core/pricing/pricing';
import type { Usage } from '../../src/core/types';

const usage = (input: number, output: number, cached = 0, writes = 0): Usage => ({
  inputTokens: input,
  outputTokens: output,
  cachedInputTokens: cached,
  cacheWriteTokens: writes,
  reasoningTokens: 0,
});

/** Rounds away float noise so expected figures can be written plainly. */
const usd = (n: number | null): number | null => (n === null ? null : Math.round(n * 1e12) / 1e12);

describe('pricing', () => {
  const book = new PriceBook();
  const cases: [string, string, string, Usage, number | null][] = [
    ['gpt-4o-mini, no cache', 'openai', 'gpt-4o-mini', usage(1_000_000, 1_000_000), 0.15 + 0.6],
    ['gpt-4o-mini, half the prompt cached', 'openai', 'gpt-4o-mini', usage(1_000_000, 0, 500_000), 0.075 + 0.0375],
    ['gpt-4.1, dated snapshot', 'openai', 'gpt-4.1-2025-04-14', usage(2_000, 500), (2_000 * 2 + 500 * 8) / 1e6],
    ['gpt-4o-2024-05-13 has its own price', 'openai', 'gpt-4o-2024-05-13', usage(1_000_000, 0, 500_000), 5],
    ['claude-3-5-haiku, cache read and write', 'anthropic', 'claude-3-5-haiku-latest', usage(1_000, 100, 300, 200), (500 * 0.8 + 300 * 0.08 + 200 * 1 + 100 * 4) / 1e6],
    ['claude-sonnet-4-5 alias', 'anthropic', 'claude-sonnet-4-5', usage(1_000_000, 1_000_000), 18],
    ['unknown model', 'openai', 'gpt-99', usage(10, 10), null],
    ['a known model on another endpoint is not guessed', 'azure', 'gpt-4o', usage(10, 10), null],
    ['echo is free', 'echo', 'anything', usage(10, 10), 0],
  ];
  for (const [why, provider, model, u, expected] of cases) {
    it(`cost: ${why}`, () => assert.equal(usd(book.cost({ provider, model }, u)), expected === null ? null : usd(expected)));
  }

  it('has no cost without usage, except for echo', () => {
    assert.equal(book.cost({ provider: 'openai', model: 'gpt-4o' }, null), null);
    assert.equal(book.cost({ provider: 'echo', model: 'x' }, null), 0);
  });

  it('caps cached and written tokens at the prompt size', () => {
    assert.equal(usd(costOf({ input: 1, output: 0, cachedInput: 0.1, cacheWrite: 2 }, usage(100, 0, 80, 50))), usd((80 * 0.1 + 20 * 2) / 1e6));
  });

  it('lets assay.pricing override the table: exact ref, then provider:*, then the bare model', () => {
    const custom = new PriceBook({
      'openai:gpt-4o-mini': { input: 1, output: 1 },
      'ollama:*': { input: 0, output: 0 },
      'gpt-4o': { input: 3, output: 3 },
      'openai:*': { input: 9, output: 9 },
    });
    assert.equal(custom.priceOf({ provider: 'openai', model: 'gpt-4o-mini' })?.input, 1, 'exact ref wins');
    assert.equal(custom.priceOf({ provider: 'ollama', model: 'llama3.1' })?.input, 0, 'wildcard for a local endpoint');
    assert.equal(custom.priceOf({ provider: 'openai', model: 'gpt-4.1' })?.input, 9, 'provider:* beats the table');
    assert.equal(custom.priceOf({ provider: 'azure', model: 'gpt-4o' })?.input, 3, 'bare model applies to any provider');
    assert.equal(custom.priceOf({ provider: 'openai', model: 'gpt-4o-mini' })?.source, 'assay.pricing');
    assert.equal(new PriceBook().priceOf({ provider: 'openai', model: 'gpt-4o-mini' })?.source, 'https://platform.openai.com/docs/pricing');
  });

  it('prices embeddings by input tokens', () => {
    assert.equal(usd(book.embeddingCost({ provider: 'openai', model: 'text-embedding-3-small' }, 1_000_000)), 0.02);
    assert.equal(book.embeddingCost({ provider: 'local', model: 'nomic' }, 100), null);
  });

  describe('the built-in table', () => {
    it('dates and sources every entry', () => {
      for (const e of PRICE_TABLE) {
        assert.match(e.asOf, /^\d{4}-\d{2}-\d{2}$/, `${e.models[0]} asOf`);
        assert.match(e.source, /^https:\/\//, `${e.models[0]} source`);
      }
    });

    it('lists each model id once', () => {
      const ids = PRICE_TABLE.flatMap((e) => e.models.map((m) => `${e.provider}:${m}`));
      assert.deepEqual(ids.filter((id, i) => ids.indexOf(id) !== i), []);
    });

    it('has sane figures: cached input below input, nothing negative', () => {
      for (const e of PRICE_TABLE) {
        const p = e.price;
        assert.ok(p.input >= 0 && p.output >= 0, e.models[0]);
        if (p.cachedInput !== undefined) assert.ok(p.cachedInput < p.input, `${e.models[0]} cached < input`);
        if (p.cacheWrite !== undefined) assert.ok(p.cacheWrite > p.input, `${e.models[0]} cache write > input`);
      }
    });
  });

  describe('batch prices', () => {
    it('takes the catalog’s batch discount off the standard cost', () => {
      const u = usage(1_000_000, 1_000_000);
      assert.equal(usd(book.batchCost({ provider: 'openai', model: 'gpt-5.4-nano' }, u)), usd((0.2 + 1.25) / 2));
      assert.equal(usd(book.batchCost({ provider: 'anthropic', model: 'claude-sonnet-5' }, u)), usd((2 + 10) / 2));
    });

    it('is unknown, never the standard price, when the discount is not known', () => {
      assert.equal(book.batchCost({ provider: 'openai', model: 'gpt-4o-mini' }, usage(10, 10)), null, 'a priced model without a known batch discount');
      assert.equal(book.batchCost({ provider: 'openai', model: 'gpt-99' }, usage(10, 10)), null);
      assert.equal(book.batchCost({ provider: 'openai', model: 'gpt-5.4-nano' }, null), null, 'no usage');
    });

    it('takes an assay.pricing batchDiscount', () => {
      const { overrides, problems } = parsePricingOverrides({ 'openai:gpt-4o-mini': { input: 1, output: 4, batchDiscount: 0.5 } });
      assert.deepEqual(problems, []);
      assert.equal(usd(new PriceBook(overrides).batchCost({ provider: 'openai', model: 'gpt-4o-mini' }, usage(1_000_000, 1_000_000))), 2.5);
      assert.match(parsePricingOverrides({ m: { input: 1, output: 1, batchDiscount: 2 } }).problems[0]!, /batchDiscount must be .*from 0 to 1/);
    });
  });

  describe('assay.pricing validation', () => {
    it('accepts well-formed prices', () => {
      const { overrides, problems } = parsePricingOverrides({ 'ollama:*': { input: 0, output: 0 }, 'openai:gpt-4o': { input: 2.5, output: 10, cachedInput: 1.25 } });
      assert.deepEqual(problems, []);
      assert.deepEqual(overrides, { 'ollama:*': { input: 0, output: 0 }, 'openai:gpt-4o': { input: 2.5, output: 10, cachedInput: 1.25 } });
    });

    const bad: [string, unknown, RegExp][] = [
      ['not an object', [1, 2], /must map model references/],
      ['missing output', { m: { input: 1 } }, /needs both input and output/],
      ['negative', { m: { input: -1, output: 1 } }, /input must be numbers of at least 0/],
      ['a string price', { m: { input: '1', output: 1 } }, /needs both input and output/],
      ['an unknown field', { m: { input: 1, output: 1, cached: 0.5 } }, /unknown field cached/],
    ];
    for (const [why, raw, expected] of bad) {
      it(`reports: ${why}`, () => {
        const { problems } = parsePricingOverrides(raw);
        assert.equal(problems.length, 1, problems.join('; '));
        assert.match(problems[0]!, expected);
      });
    }
  });
});
