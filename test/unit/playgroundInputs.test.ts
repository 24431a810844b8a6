import * as assert from 'node:assert/strict';
import { parsePromptFile } from '../../src/core/promptFile/parsePromptFile';
import { PRICE_TABLE } from '../../src/core/pricing/priceTable';
import { buildCatalog } from '../../src/host/playground/modelCatalog';
import { caseValues, checkColumnParams, coerceValues, inputFields, mergeParams, outputSchema, promptFileInfo } from '../../src/host/playground/playgroundInputs';

const PROMPT = `---
name: typed
models: [openai:gpt-4o-mini, anthropic:claude-3-5-haiku-latest]
params: { temperature: 0, max_tokens: 20 }
inputs:
  ticket: { type: string, default: I was charged twice }
  count: { type: integer, default: 3 }
  ratio: { type: number }
  urgent: { type: boolean, default: true }
  meta: { type: object, default: { tier: pro } }
---
system:
{{ ticket }} {{ count }} {{ ratio }} {{ urgent }} {{ meta.tier }} {{ extra }}

messages: history
`;

describe('playground inputs form', () => {
  const doc = parsePromptFile(PROMPT, { path: '/w/typed.prompt' });
  const fields = inputFields(doc);

  it('has a field per declared input, then undeclared variables and the messages placeholder', () => {
    assert.deepStrictEqual(
      fields.map((f) => [f.name, f.kind, f.declared, f.initial]),
      [
        ['ticket', 'text', true, 'I was charged twice'],
        ['count', 'integer', true, '3'],
        ['ratio', 'number', true, undefined],
        ['urgent', 'boolean', true, true],
        ['meta', 'json', true, '{\n  "tier": "pro"\n}'],
        ['extra', 'text', false, undefined],
        ['history', 'json', false, undefined],
      ],
    );
  });

  const coerceCases: { values: Record<string, string | boolean>; expected: Record<string, unknown> | string; why: string }[] = [
    { values: { ticket: 'hi', count: '4', ratio: '0.5', urgent: false, meta: '{"tier":"free"}' }, expected: { ticket: 'hi', count: 4, ratio: 0.5, urgent: false, meta: { tier: 'free' } }, why: 'each kind typed' },
    { values: { ticket: '', count: ' ', ratio: '' }, expected: { ticket: '' }, why: 'empty text is a value; an empty number is left to the default' },
    { values: { count: '2.5' }, expected: "Input 'count' must be a whole number, not 2.5.", why: 'integer' },
    { values: { ratio: 'abc' }, expected: 'Input \'ratio\' must be a number, not "abc".', why: 'number' },
    { values: { meta: '{tier:' }, expected: "Input 'meta' must be JSON (object)", why: 'bad JSON, message prefix' },
    { values: { history: '[{"role":"user","content":"hi"}]' }, expected: { history: [{ role: 'user', content: 'hi' }] }, why: 'messages placeholder from JSON' },
    { values: { nope: 'x', __proto__: 'y' } as Record<string, string>, expected: {}, why: 'unknown fields and __proto__ are ignored' },
    { values: { urgent: 'true' }, expected: { urgent: true }, why: 'a boolean sent as text' },
  ];
  for (const c of coerceCases) {
    it(`coerces values: ${c.why}`, () => {
      const r = coerceValues(fields, c.values);
      if (typeof c.expected === 'string') {
        assert.ok('error' in r, `expected an error for ${c.why}`);
        assert.ok(r.error.startsWith(c.expected), `error "${r.error}" should start with "${c.expected}"`);
      } else {
        assert.deepStrictEqual(r, { vars: c.expected }, c.why);
      }
    });
  }

  it('fills the form from a test case, keeping defaults for the variables it does not set', () => {
    assert.deepStrictEqual(caseValues(fields, { ticket: 'crash', urgent: false, meta: { tier: 'enterprise' } }), {
      ticket: 'crash',
      count: '3',
      ratio: '',
      urgent: false,
      meta: '{\n  "tier": "enterprise"\n}',
      extra: '',
      history: '',
    });
  });

  const paramCases: { raw: unknown; expected: unknown; why: string }[] = [
    { raw: { temperature: 0.7, max_tokens: 100, top_p: 1 }, expected: { params: { temperature: 0.7, max_tokens: 100, top_p: 1 } }, why: 'in range' },
    { raw: { temperature: '', max_tokens: null }, expected: { params: {} }, why: 'empty overrides keep the file value' },
    { raw: { temperature: 3 }, expected: { error: 'temperature must be a number from 0 to 2, not 3.' }, why: 'temperature range' },
    { raw: { max_tokens: 1.5 }, expected: { error: 'max tokens must be a whole number from 1 to 1000000, not 1.5.' }, why: 'integer max tokens' },
    { raw: { top_p: 'x' }, expected: { error: 'top_p must be a number from 0 to 1, not x.' }, why: 'not a number' },
    { raw: [1], expected: { error: 'Column parameters must be an object.' }, why: 'not an object' },
  ];
  for (const c of paramCases) {
    it(`checks column overrides: ${c.why}`, () => assert.deepStrictEqual(checkColumnParams(c.raw), c.expected, c.why));
  }

  it('puts overrides over the file params', () => {
    assert.deepStrictEqual(mergeParams(doc.params, { temperature: 1 }), { temperature: 1, max_tokens: 20 });
  });

  it('describes the file for the webview', () => {
    const info = promptFileInfo(doc, { uri: 'file:///w/typed.prompt', label: 'typed.prompt', defaultModels: ['openai:gpt-4o'] });
    assert.strictEqual(info.name, 'typed');
    assert.deepStrictEqual(info.models, ['openai:gpt-4o-mini', 'anthropic:claude-3-5-haiku-latest']);
    assert.strictEqual(info.modelsFromFile, true);
    assert.deepStrictEqual(info.params, { temperature: 0, max_tokens: 20 });
    assert.match(info.fileHash, /^[0-9a-f]{64}$/, 'the prompt version id');
    assert.strictEqual(info.hasTests, false);
    assert.strictEqual(info.hasSchema, false);
    const bare = promptFileInfo(parsePromptFile('user:\nhi'), { uri: 'u', label: 'dir/bare.prompt', defaultModels: ['openai:gpt-4o'] });
    assert.deepStrictEqual([bare.name, bare.models, bare.modelsFromFile], ['bare.prompt', ['openai:gpt-4o'], false], 'no models: the default models setting');
    const broken = promptFileInfo(parsePromptFile('---\nmodels: [\n---\nuser:\nhi'), { uri: 'u', label: 'b.prompt', defaultModels: [] });
    assert.ok(broken.problems.length > 0 && broken.problems[0]!.startsWith('line '), 'YAML errors are listed with their line');
  });

  it('finds the JSON Schema of response_format', () => {
    const withSchema = parsePromptFile('---\nparams:\n  response_format:\n    type: json_schema\n    json_schema: { name: x, schema: { type: object, required: [a] } }\n---\nuser:\nhi');
    assert.deepStrictEqual(outputSchema(withSchema), { type: 'object', required: ['a'] });
    assert.strictEqual(outputSchema(parsePromptFile('---\nparams: { response_format: { type: json_object } }\n---\nuser:\nhi')), undefined);
  });
});

describe('playground model catalog', () => {
  it('offers the file and default models first, then listed, configured and priced models per provider', () => {
    const catalog = buildCatalog({
      fileModels: ['local:llama3.1'],
      defaultModels: ['openai:gpt-4o-mini'],
      endpoints: [{ name: 'local', models: ['qwen2.5'] }],
      priceTable: PRICE_TABLE,
      listings: new Map([
        ['local', { models: [{ id: 'llama3.1' }, { id: 'mistral' }, { id: 'nomic-embed-text' }] }],
        ['anthropic', { error: { kind: 'auth', message: 'No API key for anthropic' } }],
      ]),
    });
    const refs = catalog.models.map((m) => m.ref);
    assert.deepStrictEqual(refs.slice(0, 2), ['local:llama3.1', 'openai:gpt-4o-mini'], 'file, then defaults');
    assert.ok(refs.includes('local:mistral') && refs.includes('local:qwen2.5'), 'listed and configured endpoint models');
    assert.ok(!refs.includes('local:nomic-embed-text'), 'embedding models are not offered');
    assert.ok(refs.includes('anthropic:claude-3-5-haiku-latest'), 'priced models of a provider whose listing failed');
    assert.strictEqual(new Set(refs).size, refs.length, 'no duplicates');
    assert.strictEqual(catalog.models.find((m) => m.ref === 'local:mistral')?.source, 'listed');
    assert.deepStrictEqual(catalog.problems, { anthropic: 'No API key for anthropic' });
    assert.ok(refs.includes('echo:echo'), 'the echo provider is always there');
  });
});
