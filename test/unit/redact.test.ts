import * as assert from 'node:assert/strict';
import { createRedactor, REDACTED, urlSecrets, withoutCredentials } from '../../src/core/redact';

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
    ['URL credentials', 'POST https://alice:s3cret@proxy.example/v1 failed', `POST https://${REDACTED}@proxy.example/v1 failed`],
    ['URL token as user', 'see http://ghtoken123@host:8080/x', `see http://${REDACTED}@host:8080/x`],
    ['an e-mail address is no URL', 'write to alice@example.com', 'write to alice@example.com'],
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

  it('copies only what it changes: clean subtrees are shared, the input stays as it was', () => {
    const clean = { role: 'system', content: 'route tickets', tags: ['a', 'b'] };
    const dirty = { role: 'user', content: 'key sk-abcdefghijklmnopqrstuvwx', n: 1 };
    const input = { messages: [clean, dirty], params: { temperature: 0 }, headers: { 'x-api-key': 'k' } };
    const out = r.value(input);
    assert.deepEqual(out, { messages: [clean, { role: 'user', content: `key ${REDACTED}`, n: 1 }], params: { temperature: 0 }, headers: { 'x-api-key': REDACTED } });
    assert.equal(out.messages[0], clean, 'a clean object is not copied');
    assert.equal(out.params, input.params);
    assert.notEqual(out.messages, input.messages, 'an array holding a change is copied');
    assert.equal(dirty.content, 'key sk-abcdefghijklmnopqrstuvwx', 'the input is not modified');
    assert.equal(input.headers['x-api-key'], 'k');
    const untouched = { a: [1, 'two', { three: null }], b: 'plain' };
    assert.equal(r.value(untouched), untouched, 'a tree with nothing to redact comes back as it was');
    const dated = { when: new Date(0) };
    assert.deepEqual(r.value(dated), { when: {} }, 'class instances are still copied as plain objects');
  });

  it('leaves base64 images whole (patterns never cut into them), but still removes a known secret', () => {
    const body = 'QUJD'.repeat(400) + '1234567890123456' + 'QUJD'.repeat(10);
    const r = createRedactor({ patterns: ['[0-9]{16}'], secrets: ['zz-known-secret'] });
    const value = { uri: `data:image/png;base64,${body}`, anthropic: { type: 'base64', media_type: 'image/png', data: body }, note: 'card 1234567890123456' };
    const out = r.value(value);
    assert.equal(out.uri, value.uri);
    assert.equal(out.anthropic.data, body);
    assert.equal(out.note, 'card [REDACTED]', 'text is still scanned');
    assert.equal(r.text(`data:image/png;base64,${'QUJD'.repeat(300)}zz-known-secret`), `data:image/png;base64,${'QUJD'.repeat(300)}[REDACTED]`);
  });

  it('ignores an invalid user pattern instead of throwing', () => {
    const bad = createRedactor({ patterns: ['(unclosed'] });
    assert.equal(bad.text('hello'), 'hello');
  });

  it('redacts at any depth: a secret 100,000 levels down is caught, without a stack overflow', () => {
    let deep: unknown = { note: 'my-custom-key-123456', authorization: 'x' };
    for (let i = 0; i < 100_000; i++) deep = i % 2 === 0 ? { next: deep } : [deep];
    let out: unknown = r.value(deep);
    for (let i = 100_000 - 1; i >= 0; i--) out = i % 2 === 0 ? (out as { next: unknown }).next : (out as unknown[])[0];
    assert.deepEqual(out, { note: REDACTED, authorization: REDACTED });
  });

  it('copies cycles and shared objects faithfully instead of looping', () => {
    const shared = { key: 'my-custom-key-123456' };
    const a: Record<string, unknown> = { shared, again: shared };
    a.self = a;
    const out = r.value(a);
    assert.equal(out.self, out);
    assert.equal(out.shared, out.again);
    assert.deepEqual(out.shared, { key: REDACTED });
    assert.equal(shared.key, 'my-custom-key-123456', 'the input is untouched');
  });

  it('knows the secrets in a URL, and the URL without them', () => {
    assert.deepEqual(urlSecrets('https://api.example/v1'), []);
    assert.deepEqual(urlSecrets('not a url'), []);
    const secrets = urlSecrets('https://alice:p%40ss-word@api.example/v1');
    for (const s of ['alice:p@ss-word', 'p@ss-word', 'p%40ss-word', Buffer.from('alice:p@ss-word').toString('base64')]) assert.ok(secrets.includes(s), s);
    assert.ok(urlSecrets('https://tok-123456@api.example').includes('tok-123456'));
    assert.equal(withoutCredentials('https://alice:pw@api.example/v1'), 'https://api.example/v1');
    assert.equal(withoutCredentials('https://alice:pw@api.example'), 'https://api.example');
    assert.equal(withoutCredentials('http://localhost:11434/v1'), 'http://localhost:11434/v1');
  });
});
