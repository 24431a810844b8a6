import * as assert from 'node:assert/strict';
import { createRedactor, REDACTED } from '../../src/core/redact';

describe('redact', () => {
  const r = createRedactor({ secrets: ['my-custom-key-123456'], patterns: ['internal-[0-9]{4}'] });

  const textCases: [string, string, string][] = [
    ['OpenAI key', 'key sk-abcdefghijklmnopqrstuvwx here', `key ${REDACTED} here`],
    ['OpenAI project key', 'sk-proj-abcdefghijklmnopqrstuvwx', REDACTED],
    ['Anthropic key', 'sk-ant-api03-abcdefghijklmnop', REDACTED],
    ['bearer header value', 'Authorization: Bearer abc.def.ghijklmnop', `Authorization: Bearer ${REDACTED}`],
    ['known secret value', 'token=my-custom-key-123456;', `token=${REDACTED};`],
    ['user pattern', 'id internal-1234 ok', `id ${REDACTED} ok`],
    ['ordinary text', 'the sky is blue', 'the sky is blue'],
    ['short sk- word', 'task-list sk-1', 'task-list sk-1'],
  ];
  for (const [why, input, expected] of textCases) {
    it(`text: ${why}`, () => assert.equal(r.text(input), expected));
  }

  it('redacts secret header fields whatever their value, deep in objects and arrays', () => {
    const input = {
      headers: { Authorization: 'whatever', 'X-Api-Key': 'k', 'content-type': 'application/json' },
      messages: [{ role: 'user', content: 'use sk-abcdefghijklmnopqrstuvwx please' }],
      n: 3,
      nothing: null,
    };
    const out = r.value(input);
    assert.deepEqual(out, {
      headers: { Authorization: REDACTED, 'X-Api-Key': REDACTED, 'content-type': 'application/json' },
      messages: [{ role: 'user', content: `use ${REDACTED} please` }],
      n: 3,
      nothing: null,
    });
    assert.equal(input.headers.Authorization, 'whatever', 'the input is not modified');
  });

  it('ignores an invalid user pattern instead of throwing', () => {
    const bad = createRedactor({ patterns: ['(unclosed'] });
    assert.equal(bad.text('hello'), 'hello');
  });
});
