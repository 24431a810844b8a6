import * as assert from 'node:assert/strict';
import { parseModelRef } from '../../src/core/promptFile/frontMatter';
import { LineIndex, offsetToPosition } from '../../src/core/promptFile/lineIndex';
import { parsePromptFile } from '../../src/core/promptFile/parsePromptFile';
import type { PromptDocument } from '../../src/core/promptFile/promptDocument';
import { STARTER_PROMPT } from '../../src/core/promptFile/starter';
import type { Range } from '../../src/core/types';

/** The file text a range covers. */
function at(doc: PromptDocument, r: Range): string {
  return doc.text.slice(doc.lines.offsetAt(r.start), doc.lines.offsetAt(r.end));
}

describe('promptFile: LineIndex', () => {
  const cases: [string, string, number, { line: number; character: number }][] = [
    ['start of text', 'ab\ncd', 0, { line: 0, character: 0 }],
    ['after \\n', 'ab\ncd', 3, { line: 1, character: 0 }],
    ['end of text', 'ab\ncd', 5, { line: 1, character: 2 }],
    ['\\r\\n is one break', 'ab\r\ncd', 4, { line: 1, character: 0 }],
    ['inside \\r\\n belongs to the line end', 'ab\r\ncd', 3, { line: 0, character: 2 }],
    ['lone \\r is a break (as in VS Code)', 'ab\rcd', 3, { line: 1, character: 0 }],
    ['negative offset clamps', 'ab', -5, { line: 0, character: 0 }],
    ['offset past the end clamps', 'ab\n', 99, { line: 1, character: 0 }],
  ];
  for (const [why, text, offset, expected] of cases) {
    it(why, () => assert.deepEqual(new LineIndex(text).positionAt(offset), expected));
  }

  it('offsetAt inverts positionAt on every offset of a mixed-newline text', () => {
    const text = 'a\r\nbc\rd\n\nef';
    const idx = new LineIndex(text);
    for (let o = 0; o <= text.length; o++) {
      if (text[o - 1] === '\r' && text[o] === '\n') continue; // inside a \r\n pair
      assert.equal(idx.offsetAt(idx.positionAt(o)), o, `offset ${o}`);
    }
    assert.equal(idx.lineCount, 5);
    assert.equal(idx.lineText(1), 'bc', 'line text excludes the break');
  });

  it('offsetToPosition is the one-off form', () => {
    assert.deepEqual(offsetToPosition('x\ny', 2), { line: 1, character: 0 });
  });
});

describe('promptFile: parseModelRef', () => {
  const ok: [string, string, string][] = [
    ['openai:gpt-4o-mini', 'openai', 'gpt-4o-mini'],
    ['anthropic:claude-3-5-haiku-latest', 'anthropic', 'claude-3-5-haiku-latest'],
    ['ollama:llama3.1:8b', 'ollama', 'llama3.1:8b'],
    ['  echo:test  ', 'echo', 'test'],
    ['my-endpoint.eu:org/model', 'my-endpoint.eu', 'org/model'],
  ];
  for (const [text, provider, model] of ok) {
    it(`accepts ${text.trim()}`, () => assert.deepEqual(parseModelRef(text), { provider, model }));
  }
  const bad: [string, string][] = [
    ['gpt-4o', 'needs a provider'],
    ['', 'Empty'],
    ['openai: gpt-4o', 'spaces'],
    [':gpt-4o', 'Malformed'],
    ['openai:', 'Malformed'],
  ];
  for (const [text, why] of bad) {
    it(`rejects '${text}' (${why})`, () => {
      const r = parseModelRef(text);
      assert.ok('error' in r && r.error.includes(why), JSON.stringify(r));
    });
  }
});

describe('promptFile: parse', () => {
  it('reads the starter template completely, with exact ranges', () => {
    const doc = parsePromptFile(STARTER_PROMPT, { path: '/ws/prompts/triage.prompt' });
    assert.deepEqual(doc.diagnostics, []);
    assert.equal(doc.kind, 'prompt');
    assert.equal(doc.name, 'triage');
    assert.equal(doc.description, 'Route a customer support ticket to the right team');
    assert.deepEqual(doc.models.map((m) => m.ref), [
      { provider: 'openai', model: 'gpt-5.5' },
      { provider: 'anthropic', model: 'claude-haiku-4-5' },
    ]);
    assert.deepEqual(doc.models.map((m) => at(doc, m.range)), ['openai:gpt-5.5', 'anthropic:claude-haiku-4-5']);
    assert.deepEqual(doc.params, { max_tokens: 400 });
    const ticket = doc.inputs.get('ticket')!;
    assert.equal(ticket.type, 'string');
    assert.equal(ticket.default, 'I was charged twice for my subscription this month');
    assert.equal(at(doc, ticket.range), 'ticket');
    assert.ok(Array.isArray(doc.tests?.value) && doc.tests.value.length === 1, 'inline tests kept raw');
    assert.ok(at(doc, doc.tests!.range).startsWith('- description: a double charge'), 'tests range is the value node');
    assert.equal(doc.dir, '/ws/prompts');
    assert.deepEqual(doc.sections.map((s) => s.role), ['system', 'user']);
    assert.deepEqual(doc.sections.map((s) => at(doc, s.markerRange!)), ['system:', 'user:']);
    assert.deepEqual(doc.sections[1]!.variables.map((v) => [v.name, at(doc, v.range), v.guarded]), [['ticket', 'ticket', false]]);
    assert.equal(at(doc, doc.frontMatter!.keyRanges.get('inputs')!), 'inputs');
    assert.ok(doc.frontMatter!.closed);
  });

  const sectionCases: [string, string, [string, string][]][] = [
    ['no front matter and no markers: all system', 'Summarize {{ text }}.', [['system', 'Summarize {{ text }}.']]],
    ['text before the first marker is the system message', 'Be brief.\nuser:\nHi', [['system', 'Be brief.'], ['user', 'Hi']]],
    ['blank text before the first marker is no message', '\n\n  \nuser:\nHi', [['user', 'Hi']]],
    ['markers: any case, optional #, surrounding spaces', '# System:\nA\n  USER:  \nB\n#assistant:\nC', [['system', 'A'], ['user', 'B'], ['assistant', 'C']]],
    ['text after the colon makes it an ordinary line', 'user:\nuser: not a marker\nsystem: neither', [['user', 'user: not a marker\nsystem: neither']]],
    ['a messages placeholder, default variable', 'system:\nS\nmessages:\nuser:\nU', [['system', 'S'], ['messages', ''], ['user', 'U']]],
    ['CRLF line endings', 'system:\r\nS\r\nuser:\r\nU\r\n', [['system', 'S'], ['user', 'U']]],
    ['marker on the last line without a newline', 'user:\nHi\nassistant:', [['user', 'Hi'], ['assistant', '']]],
  ];
  for (const [why, text, expected] of sectionCases) {
    it(`sections: ${why}`, () => {
      const doc = parsePromptFile(text);
      assert.deepEqual(doc.sections.map((s) => [s.role, s.source.trim()]), expected);
      for (const s of doc.sections) assert.equal(at(doc, s.bodyRange), s.source, 'bodyRange covers the source');
    });
  }

  it('a named messages placeholder records its variable', () => {
    const doc = parsePromptFile('system:\nS\n# Messages: chat_history\nuser:\nU');
    assert.equal(doc.sections[1]!.role, 'messages');
    assert.equal(doc.sections[1]!.messagesVariable, 'chat_history');
    assert.equal(at(doc, doc.sections[1]!.markerRange!), '# Messages: chat_history');
  });

  it('variables: names and exact ranges, loop variables and set targets excluded', () => {
    const text = 'user:\nHi {{ name }}! {% for d in docs %}{{ d.title }} {{ loop.index }}{% endfor %}\n{% set n = 3 %}{{ n }} {{ opt | default("x") }}';
    const doc = parsePromptFile(text);
    const vars = doc.sections[0]!.variables.map((v) => [v.name, at(doc, v.range), v.range.start.line, v.guarded]);
    assert.deepEqual(vars, [
      ['name', 'name', 1, false],
      ['docs', 'docs', 1, false],
      ['opt', 'opt', 2, true],
    ]);
  });

  it('a .prompt file starting with a BOM still has front matter', () => {
    const doc = parsePromptFile('\uFEFF---\nname: x\n---\nuser:\nHi');
    assert.equal(doc.name, 'x');
    assert.deepEqual(doc.diagnostics, []);
  });

  it('CRLF front matter: ranges still point at the right text', () => {
    const doc = parsePromptFile('---\r\nname: x\r\nmodels: [openai:a, anthropic:b]\r\n---\r\nuser:\r\n{{ q }}\r\n');
    assert.deepEqual(doc.models.map((m) => at(doc, m.range)), ['openai:a', 'anthropic:b']);
    assert.deepEqual(doc.sections[0]!.variables.map((v) => [at(doc, v.range), v.range.start]), [['q', { line: 5, character: 3 }]]);
  });

  it('an unclosed front matter ends at the first role marker', () => {
    const doc = parsePromptFile('---\nname: x\nuser:\nHello {{ q }}');
    assert.equal(doc.name, 'x');
    assert.equal(doc.frontMatter!.closed, false);
    assert.deepEqual(doc.sections.map((s) => [s.role, s.source]), [['user', 'Hello {{ q }}']]);
    assert.deepEqual(doc.diagnostics.map((d) => d.code), ['frontmatter-unclosed']);
  });

  const inputCases: [string, string, [string, string | undefined, boolean, unknown][]][] = [
    ['long form', 'q: { type: string, description: The question, default: hi }', [['q', 'string', true, 'hi']]],
    ['shorthand value is the default', 'q: hello\nn: 3', [['q', undefined, true, 'hello'], ['n', undefined, true, 3]]],
    ['shorthand without a value has no default', 'q:', [['q', undefined, false, undefined]]],
    ['an object without spec keys is an object default', 'user: { name: Ada, plan: pro }', [['user', undefined, true, { name: 'Ada', plan: 'pro' }]]],
    ['a sample is the default when there is none', 'q: { type: string, sample: from sample }', [['q', 'string', true, 'from sample']]],
    ['an explicit null default', 'q: { type: string, default: null }', [['q', 'string', true, null]]],
  ];
  for (const [why, yaml, expected] of inputCases) {
    it(`inputs: ${why}`, () => {
      const inputsYaml = yaml.split('\n').map((l) => '  ' + l).join('\n');
      const doc = parsePromptFile(`---\ninputs:\n${inputsYaml}\n---\nuser:\nx`);
      assert.deepEqual(doc.diagnostics, []);
      assert.deepEqual([...doc.inputs.values()].map((i) => [i.name, i.type, i.hasDefault, i.default]), expected);
    });
  }

  const testsCases: [string, string, unknown][] = [
    ['a path', 'tests: triage.tests.yaml', 'triage.tests.yaml'],
    ['a list of paths', 'tests: [a.tests.yaml, b.csv]', ['a.tests.yaml', 'b.csv']],
    ['inline cases', 'tests:\n  - vars: { q: 1 }\n    assert: [{ type: equals, value: x }]', [{ vars: { q: 1 }, assert: [{ type: 'equals', value: 'x' }] }]],
  ];
  for (const [why, yaml, expected] of testsCases) {
    it(`tests kept raw: ${why}`, () => {
      const doc = parsePromptFile(`---\n${yaml}\n---\nuser:\nx`, { path: 'dir/p.prompt' });
      assert.deepEqual(doc.tests?.value, expected);
      assert.equal(doc.dir, 'dir');
    });
  }

  it('params: stop as a string becomes a list; json_schema response format and tools are kept', () => {
    const doc = parsePromptFile(`---
params:
  stop: END
  seed: 7
  top_p: 0.9
  max_completion_tokens: 50
  response_format: { type: json_schema, json_schema: { name: out, strict: true, schema: { type: object } } }
  tools:
    - type: function
      function: { name: lookup, parameters: { type: object, properties: { id: { type: string } } } }
  tool_choice: auto
---
user:
x`);
    assert.deepEqual(doc.diagnostics, []);
    assert.deepEqual(doc.params, {
      stop: ['END'],
      seed: 7,
      top_p: 0.9,
      max_tokens: 50,
      response_format: { type: 'json_schema', json_schema: { name: 'out', strict: true, schema: { type: 'object' } } },
      tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: { id: { type: 'string' } } } } }],
      tool_choice: 'auto',
    });
  });
});

describe('promptFile: Prompty', () => {
  it('v1: model.api/configuration/parameters and sample map onto the model', () => {
    const doc = parsePromptFile(
      `---
name: Basic Prompt
description: A basic prompt
authors: [someone]
version: 1.0
model:
  api: chat
  configuration:
    type: azure_openai
    azure_deployment: gpt-35-turbo
    azure_endpoint: https://example.openai.azure.com
  parameters:
    max_tokens: 128
    temperature: 0.2
inputs:
  first_name:
    type: string
sample:
  first_name: Jane
  question: What is Prompty?
template: jinja2
---
system:
Hello {{ first_name }}.

user:
{{ question }}
`,
      { path: 'basic.prompty' },
    );
    assert.equal(doc.kind, 'prompty');
    assert.deepEqual(doc.diagnostics, [], 'Prompty keys are not unknown in a .prompty file');
    assert.deepEqual(doc.models.map((m) => [m.text, at(doc, m.range)]), [['azure_openai:gpt-35-turbo', 'gpt-35-turbo']]);
    assert.deepEqual(doc.params, { max_tokens: 128, temperature: 0.2 });
    assert.deepEqual([...doc.inputs.values()].map((i) => [i.name, i.default]), [['first_name', 'Jane'], ['question', 'What is Prompty?']]);
  });

  it('v1: an OpenAI configuration names the model with name', () => {
    const doc = parsePromptFile('---\nmodel:\n  configuration: { type: openai, name: gpt-4o }\n---\nuser:\nx', { path: 'a.prompty' });
    assert.deepEqual(doc.models.map((m) => m.text), ['openai:gpt-4o']);
  });

  it('v2: model.id/provider/options and an inputs list map onto the model', () => {
    const doc = parsePromptFile(
      `---
name: greeting
model:
  id: gpt-4o-mini
  provider: openai
  connection: { kind: key, apiKey: "\${env:OPENAI_API_KEY}" }
  options: { temperature: 0.5, maxOutputTokens: 100, topP: 0.9, stopSequences: [END] }
inputs:
  - name: name
    kind: string
    default: World
template:
  format: { kind: jinja2 }
  parser: { kind: prompty }
---
system:
You are a friendly assistant.

user:
Say hello to {{name}}.
`,
      { path: 'greeting.prompty' },
    );
    assert.deepEqual(doc.diagnostics, []);
    assert.deepEqual(doc.models.map((m) => m.ref), [{ provider: 'openai', model: 'gpt-4o-mini' }]);
    assert.deepEqual(doc.params, { temperature: 0.5, max_tokens: 100, top_p: 0.9, stop: ['END'] });
    assert.deepEqual([...doc.inputs.values()].map((i) => [i.name, i.type, i.default, at(doc, i.range)]), [['name', 'string', 'World', 'name']]);
  });
});
