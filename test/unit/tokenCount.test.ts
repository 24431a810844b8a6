import * as assert from 'node:assert/strict';
import { countPromptTokens } from '../../src/core/tokens/tokenCount';

describe('countPromptTokens', () => {
  it('counts chat tokens exactly for an o200k OpenAI model', async () => {
    // "Hello world" is 2 tokens in o200k_base; one message adds 3, the reply primer 3.
    const r = await countPromptTokens([{ role: 'user', content: 'Hello world' }], { provider: 'openai', model: 'gpt-4o-mini' });
    assert.equal(r.tokens, 8);
    assert.equal(r.exact, true);
  });

  it('labels the count an estimate for other providers', async () => {
    const r = await countPromptTokens([{ role: 'user', content: 'Hello world' }], { provider: 'anthropic', model: 'claude-3-5-haiku-latest' });
    assert.equal(r.tokens, 8);
    assert.equal(r.exact, false);
    assert.match(r.method, /estimate/);
  });

  it('grows with the text', async () => {
    const ref = { provider: 'openai', model: 'gpt-4o' };
    const a = await countPromptTokens([{ role: 'system', content: 'a b c' }], ref);
    const b = await countPromptTokens([{ role: 'system', content: 'a b c d e f g h' }], ref);
    assert.ok(b.tokens > a.tokens, `${b.tokens} > ${a.tokens}`);
  });
});
