// Prompty's `base:` as Prompty 0.1 loads it (runtime/prompty/prompty/__init__.py `load`, microsoft/prompty
// 69a97860): the base's model api, configuration, parameters and response, and its sample, hoisted under
// the file's own (the file's keys win); bases chain; inputs, outputs and the template are not merged.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { parsePromptFile } from '../../src/core/promptFile/parsePromptFile';
import type { PromptDocument } from '../../src/core/promptFile/promptDocument';
import { applyBase, withBase } from '../../src/core/promptFile/promptyBase';

const DIR = '/prompts';
const BASE = `---
name: Base Evaluation Template
model:
  parameters: { temperature: 0.0, max_tokens: 200, top_p: 1.0 }
  api: chat
  configuration: { type: azure_openai, azure_deployment: gpt-35-turbo, azure_endpoint: https://example.openai.azure.com }
sample:
  name: Base metric
  input: base input
---
Task: {{ name }}
`;

/** Files a base may name, read from memory (the loader's `readText`). */
function reader(files: Record<string, string>): (path: string) => string {
  return (path) => {
    const name = path.slice(DIR.length + 1);
    if (!(name in files)) throw new Error(`ENOENT: no such file or directory, open '${path}'`);
    return files[name]!;
  };
}

/** Parses `text` as `/prompts/child.prompty`, then merges its bases from `files` as parsePromptFile does. */
function parseWithBases(text: string, files: Record<string, string>): PromptDocument {
  const doc = parsePromptFile(text, { kind: 'prompty' });
  // parsePromptFile reads bases from disk; the same merge over in-memory files:
  const fields = { keyRanges: doc.frontMatter!.keyRanges, models: doc.models, params: doc.params, inputs: doc.inputs, data: doc.frontMatter!.data!, promptyVersion: doc.promptyVersion! };
  const diagnostics = doc.diagnostics.filter((d) => d.code !== 'prompty-base');
  const merged = applyBase(fields, join(DIR, 'child.prompty'), diagnostics, reader(files));
  return { ...doc, models: merged.models, params: merged.params, inputs: merged.inputs, diagnostics };
}

describe('Prompty base: (model and sample inheritance)', () => {
  it("hoists the base's model under the file's: the file's keys win, the base fills the rest", () => {
    const doc = parseWithBases(
      '---\nname: Faithfulness\nbase: base.prompty\nmodel:\n  configuration:\n    azure_deployment: gpt-4\n  parameters:\n    max_tokens: 50\n---\nuser:\nhi\n',
      { 'base.prompty': BASE },
    );
    assert.deepEqual(doc.models.map((m) => m.text), ['azure_openai:gpt-4'], "the file's deployment over the base's, on the base's azure_openai type");
    assert.equal(doc.models[0]!.range.start.line, 5, "the model keeps its place in the file (the file's azure_deployment line)");
    assert.deepEqual(doc.params, { temperature: 0, max_tokens: 50, top_p: 1 }, "the file's max_tokens, the base's temperature and top_p");
    assert.deepEqual(doc.diagnostics.filter((d) => d.severity !== 'info'), []);
  });

  it("takes the base's api when the file has none, and the base's model when the file names none", () => {
    const merged = withBase({ base: 'base.prompty', model: { parameters: { temperature: 1 } } }, join(DIR, 'child.prompty'), reader({ 'base.prompty': BASE }));
    assert.ok('data' in merged);
    const model = merged.data.model as Record<string, unknown>;
    assert.equal(model.api, 'chat');
    assert.deepEqual(model.parameters, { temperature: 1, max_tokens: 200, top_p: 1 });
    assert.deepEqual(model.configuration, { type: 'azure_openai', azure_deployment: 'gpt-35-turbo', azure_endpoint: 'https://example.openai.azure.com' });
  });

  it("hoists the base's sample key by key: an input the file's sample lacks gets the base's value", () => {
    const doc = parseWithBases('---\nname: child\nbase: base.prompty\nsample:\n  name: Faithfulness\n---\nuser:\n{{ name }} {{ input }}\n', { 'base.prompty': BASE });
    assert.deepEqual(
      [...doc.inputs.values()].map((i) => [i.name, i.default, i.range.start.line]),
      [
        ['name', 'Faithfulness', 4],
        ['input', 'base input', 2],
      ],
      "the file's sample wins; the base's extra key points at base:",
    );
  });

  it('follows a chain of bases, nearest first', () => {
    const mid = '---\nbase: base.prompty\nmodel:\n  parameters:\n    temperature: 0.5\n---\nmid\n';
    const doc = parseWithBases('---\nname: child\nbase: mid.prompty\nmodel:\n  api: chat\n---\nuser:\nhi\n', { 'mid.prompty': mid, 'base.prompty': BASE });
    assert.deepEqual(doc.params, { temperature: 0.5, max_tokens: 200, top_p: 1 });
    assert.deepEqual(doc.models.map((m) => m.text), ['azure_openai:gpt-35-turbo']);
  });

  const broken: [string, Record<string, string>, RegExp][] = [
    ['a base that cannot be read', {}, /cannot read the base file base\.prompty: ENOENT/],
    ['bases naming each other', { 'base.prompty': '---\nbase: child.prompty\n---\n' }, /loop \(child\.prompty → base\.prompty → child\.prompty\)/],
    ['a base whose front matter is not YAML', { 'base.prompty': '---\nmodel: [unclosed\n---\n' }, /the base file base\.prompty: its front matter is not valid YAML/],
  ];
  for (const [why, files, message] of broken) {
    it(`${why}: an error on base:, nothing merged`, () => {
      const doc = parseWithBases('---\nname: child\nbase: base.prompty\nsample:\n  q: hi\n---\nuser:\n{{ q }}\n', files);
      const errors = doc.diagnostics.filter((d) => d.severity === 'error');
      assert.deepEqual(errors.map((d) => [d.code, d.range.start.line]), [['base-file', 2]]);
      assert.match(errors[0]!.message, message);
      assert.deepEqual(doc.params, {});
    });
  }

  it('a 2.0 file is not merged (Prompty 2.0 has no base): a warning says so', () => {
    const doc = parsePromptFile('---\nname: t\nbase: base.prompty\nmodel: { id: gpt-4o, provider: openai }\n---\nuser:\nhi\n', { path: '/nonexistent-dir/t.prompty' });
    assert.deepEqual(doc.diagnostics.map((d) => [d.code, d.severity]), [['prompty-base', 'warning']]);
    assert.deepEqual(doc.models.map((m) => m.text), ['openai:gpt-4o']);
  });
});
