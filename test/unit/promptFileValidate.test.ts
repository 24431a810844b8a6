import * as assert from 'node:assert/strict';
import { parsePromptFile } from '../../src/core/promptFile/parsePromptFile';
import { PROMPT_DIAGNOSTIC_CODES, type PromptDocument } from '../../src/core/promptFile/promptDocument';
import { STARTER_PROMPT } from '../../src/core/promptFile/starter';
import { validatePromptFile } from '../../src/core/promptFile/validatePromptFile';
import type { Diagnostic, Range, Severity } from '../../src/core/types';

function at(doc: PromptDocument, r: Range): string {
  return doc.text.slice(doc.lines.offsetAt(r.start), doc.lines.offsetAt(r.end));
}

const KNOWN = ['openai', 'anthropic', 'echo'];

interface Case {
  why: string;
  text: string;
  path?: string;
  code: keyof typeof PROMPT_DIAGNOSTIC_CODES;
  severity: Severity;
  /** The exact text the diagnostic's range covers. */
  covers: string;
  /** Zero-based line the range starts on. */
  line: number;
  /** Part of the message. */
  says?: string;
}

/** A front matter and body with one declared, used input, so only the problem under test is reported. */
const file = (yaml: string, body = 'user:\n{{ q }}\n'): string => `---\n${yaml}\ninputs:\n  q: hi\n---\n${body}`;

const cases: Case[] = [
  { why: 'YAML syntax error: an unclosed [ is marked where it opens, not on the next line', text: file('name: [unclosed'), code: 'yaml-syntax', severity: 'error', covers: '[unclosed', line: 1, says: 'opened here' },
  { why: 'YAML syntax error: an unclosed quote is marked where it opens', text: file('description: "no end\nname: x'), code: 'yaml-syntax', severity: 'error', covers: '"no end', line: 1, says: 'Missing closing "quote' },
  { why: 'duplicate key, on the second key', text: file('name: a\nname: b'), code: 'duplicate-key', severity: 'error', covers: 'name', line: 2, says: "'name'" },
  { why: 'missing closing ---', text: '---\nname: x\nuser:\nhi', code: 'frontmatter-unclosed', severity: 'error', covers: '---', line: 0 },
  { why: 'front matter that is a list', text: '---\n- a\n- b\n---\nuser:\nhi', code: 'frontmatter-not-mapping', severity: 'error', covers: '- a\n- b\n', line: 1 },
  { why: 'unknown key, with a suggestion', text: file('nmae: x'), code: 'unknown-key', severity: 'warning', covers: 'nmae', line: 1, says: "Did you mean 'name'?" },
  { why: 'a Prompty key in a .prompt file', text: file('sample: { q: 1 }'), code: 'unknown-key', severity: 'warning', covers: 'sample', line: 1, says: 'Prompty key' },
  { why: 'a parameter at the top level', text: file('temperature: 0'), code: 'unknown-key', severity: 'warning', covers: 'temperature', line: 1, says: "go under 'params'" },
  { why: 'unknown key in an input spec', text: '---\ninputs:\n  q: { type: string, descripton: x }\n---\nuser:\n{{ q }}', code: 'unknown-key', severity: 'warning', covers: 'descripton', line: 2, says: "'description'" },
  { why: 'unknown key in a Prompty model block', text: file('model: { id: x, provider: openai, optons: {} }'), code: 'unknown-key', severity: 'warning', covers: 'optons', line: 1, says: "'options'" },
  { why: 'temperature given as a word', text: file('params: { temperature: hot }'), code: 'wrong-type', severity: 'error', covers: 'hot', line: 1, says: 'must be a number' },
  { why: 'max_tokens not a whole number', text: file('params:\n  max_tokens: 2.5'), code: 'wrong-type', severity: 'error', covers: '2.5', line: 2 },
  { why: 'stop as a number', text: file('params: { stop: 5 }'), code: 'wrong-type', severity: 'error', covers: '5', line: 1 },
  { why: 'name as a number', text: file('name: 42'), code: 'wrong-type', severity: 'error', covers: '42', line: 1, says: "'name' must be a string" },
  { why: 'params as a list', text: file('params: [1]'), code: 'wrong-type', severity: 'error', covers: '[1]', line: 1 },
  { why: 'json_schema without a schema', text: file('params:\n  response_format: { type: json_schema, json_schema: { name: out } }'), code: 'wrong-type', severity: 'error', covers: '{ name: out }', line: 2, says: 'schema' },
  { why: 'unknown response_format type', text: file('params:\n  response_format: { type: xml }'), code: 'wrong-type', severity: 'error', covers: 'xml', line: 2 },
  { why: 'a tool without a function name', text: file('params:\n  tools:\n    - { type: function, function: { description: x } }'), code: 'wrong-type', severity: 'error', covers: '{ type: function, function: { description: x } }', line: 3, says: 'Tool 1' },
  { why: 'a model without a provider', text: file('models: [openai:gpt-4o, gpt-4o]'), code: 'model-ref', severity: 'error', covers: 'gpt-4o', line: 1, says: 'needs a provider' },
  { why: 'a model that is not a string', text: file('model: 5'), code: 'model-ref', severity: 'error', covers: '5', line: 1 },
  { why: 'a Prompty v2 model without a provider', text: file('model: { id: gpt-4o }'), code: 'model-ref', severity: 'error', covers: 'gpt-4o', line: 1, says: 'provider' },
  { why: 'both model and models', text: file('model: openai:a\nmodels: [openai:b]'), code: 'model-conflict', severity: 'warning', covers: '[openai:b]', line: 2 },
  { why: 'an unknown provider, with a suggestion', text: file('models: [opneai:gpt-4o]'), code: 'unknown-provider', severity: 'warning', covers: 'opneai:gpt-4o', line: 1, says: "Did you mean 'openai'?" },
  { why: 'a Prompty completion API', path: 'x.prompty', text: file('model: { api: completion, configuration: { type: openai, name: gpt-4o } }'), code: 'prompty-api', severity: 'warning', covers: 'completion', line: 1 },
  { why: 'a camelCase parameter', text: file('params: { maxTokens: 5 }'), code: 'unknown-param', severity: 'warning', covers: 'maxTokens', line: 1, says: "Did you mean 'max_tokens'?" },
  { why: 'a parameter Assay does not send', text: file('params: { frequency_penalty: 0.5 }'), code: 'unsupported-param', severity: 'info', covers: 'frequency_penalty', line: 1 },
  { why: 'temperature out of range', text: file('params: { temperature: 3 }'), code: 'param-range', severity: 'warning', covers: '3', line: 1 },
  { why: 'a misspelt input type', text: '---\ninputs:\n  q: { type: strng }\n---\nuser:\n{{ q }}', code: 'input-type', severity: 'warning', covers: 'strng', line: 2, says: "'string'" },
  { why: 'a default of the wrong type', text: '---\ninputs:\n  q: { type: number, default: abc }\n---\nuser:\n{{ q }}', code: 'input-type', severity: 'warning', covers: 'abc', line: 2 },
  { why: 'an input name templates cannot use', text: '---\ninputs:\n  my-var: 1\n---\nuser:\nx', code: 'input-name', severity: 'warning', covers: 'my-var', line: 2 },
  { why: 'a Prompty sample file', path: 'x.prompty', text: file('sample: sample.json'), code: 'sample-file', severity: 'info', covers: 'sample.json', line: 1 },
  { why: 'tests as a number', text: file('tests: 42'), code: 'tests-shape', severity: 'error', covers: '42', line: 1 },
  { why: 'tests mixing paths and cases', text: file('tests: [a.yaml, { vars: {} }]'), code: 'tests-shape', severity: 'error', covers: '[a.yaml, { vars: {} }]', line: 1 },
  { why: 'a Prompty tool Assay cannot run', path: 'x.prompty', text: file('tools:\n  - { name: search, kind: web_search }'), code: 'unsupported-tool', severity: 'error', covers: '{ name: search, kind: web_search }', line: 2, says: "kind 'web_search'" },
  { why: 'Prompty outputs and a response_format', path: 'x.prompty', text: file('model: { id: gpt-4o, options: { responseFormat: { type: json_object } } }\noutputs:\n  - { name: a, kind: string }'), code: 'output-conflict', severity: 'warning', covers: 'outputs', line: 2 },
  { why: 'a Prompty base in a 2.0 file', path: 'x.prompty', text: file('base: evaluation.prompty\nmodel: { id: gpt-4o, provider: openai }'), code: 'prompty-base', severity: 'warning', covers: 'base', line: 1, says: 'not merged' },
  { why: 'a Prompty base file that cannot be read', path: '/nonexistent-dir/x.prompty', text: file('base: evaluation.prompty\nsample: { q: hi }'), code: 'base-file', severity: 'error', covers: 'base', line: 1, says: 'cannot read the base file evaluation.prompty' },
  { why: 'a handlebars Prompty template', path: 'x.prompty', text: file('template: handlebars'), code: 'template-format', severity: 'warning', covers: 'handlebars', line: 1 },
  { why: 'an unset ${env:} without default', path: 'x.prompty', text: file('sample:\n  q: ${env:ASSAY_TEST_UNSET_VARIABLE}'), code: 'env-ref', severity: 'warning', covers: '${env:ASSAY_TEST_UNSET_VARIABLE}', line: 2 },
  { why: 'a ${file:} that cannot be read', path: '/nonexistent-dir/x.prompty', text: file('sample:\n  q: ${file:missing.txt}'), code: 'file-ref', severity: 'error', covers: '${file:missing.txt}', line: 2 },
  { why: 'a role name of another tool', text: file('', 'user:\n{{ q }}\nhuman:\nhi'), code: 'unknown-role', severity: 'warning', covers: 'human:', line: 7 },
  { why: 'a misspelt role', text: file('', 'user:\n{{ q }}\n# asistant:\nhi'), code: 'unknown-role', severity: 'warning', covers: 'asistant:', line: 7 },
  { why: 'a cache lifetime Anthropic does not take', text: file('', 'user[cache="2h"]:\n{{ q }}'), code: 'role-attribute', severity: 'error', covers: 'user[cache="2h"]:', line: 5 },
  { why: 'text after a messages placeholder', text: file('', 'messages: q\nhello there\nuser:\n{{ q }}'), code: 'messages-placeholder', severity: 'error', covers: 'hello there', line: 6 },
  { why: 'an empty section', text: file('', 'system:\n\nuser:\n{{ q }}'), code: 'empty-section', severity: 'warning', covers: 'system:', line: 5 },
  { why: 'an unclosed block points at its opening tag', text: file('', 'user:\n{% if q %}\n{{ q }}'), code: 'template-syntax', severity: 'error', covers: '{% if q %}', line: 6, says: '{% if %}' },
  { why: 'a bad expression points at the token', text: file('', 'user:\nfine line\n{{ q + }}'), code: 'template-syntax', severity: 'error', covers: '}}', line: 7, says: 'unexpected token' },
  { why: 'an unknown tag', text: file('', 'user:\n{{ q }} {% frobnicate %}'), code: 'template-syntax', severity: 'error', covers: 'frobnicate', line: 6, says: 'unknown block tag' },
  { why: 'a stray comment end', text: file('', 'user:\n{{ q }} #} oops'), code: 'template-syntax', severity: 'error', covers: '#}', line: 6 },
  { why: 'include has nothing to load', text: file('', 'user:\n{{ q }}\n{% include "other.prompt" %}'), code: 'template-include', severity: 'warning', covers: '{% include "other.prompt" %}', line: 7 },
  { why: 'an undeclared variable, with a suggestion', text: file('', 'user:\n{{ q }} and {{ qq }}'), code: 'undeclared-variable', severity: 'warning', covers: 'qq', line: 6, says: "Did you mean 'q'?" },
  { why: 'an undeclared messages placeholder variable', text: file('', 'messages: history\nuser:\n{{ q }}'), code: 'undeclared-variable', severity: 'warning', covers: 'messages: history', line: 5 },
  { why: 'an input no template uses', text: '---\ninputs:\n  q: hi\n  extra: 1\n---\nuser:\n{{ q }}', code: 'unused-input', severity: 'warning', covers: 'extra', line: 3 },
  { why: 'a model past its shutdown date', text: file('models: [anthropic:claude-3-opus-20240229]'), code: 'model-shutdown', severity: 'warning', covers: 'anthropic:claude-3-opus-20240229', line: 1, says: 'was shut down on 2026-01-05' },
  { why: 'a model with a shutdown date ahead', text: file('model: openai:gpt-5'), code: 'model-deprecated', severity: 'info', covers: 'openai:gpt-5', line: 1, says: 'shuts down on 2026-12-11' },
  { why: 'temperature with a reasoning effort other than none', text: file('model: openai:gpt-5.4-nano\nparams: { temperature: 0, reasoning_effort: low }'), code: 'model-param', severity: 'warning', covers: 'openai:gpt-5.4-nano', line: 1, says: 'only with reasoning_effort none' },
];

/** The day shutdown dates are compared with, so the cases do not change meaning as time passes. */
const TODAY = '2026-12-07';

describe('promptFile: validate', () => {
  const seen = new Set<string>();
  for (const c of cases) {
    it(`${c.code}: ${c.why}`, () => {
      const doc = parsePromptFile(c.text, { path: c.path ?? 'test.prompt' });
      const all = validatePromptFile(doc, { knownProviders: KNOWN, today: TODAY });
      const found = all.filter((d) => d.code === c.code);
      assert.equal(found.length, 1, `exactly one ${c.code}; got ${JSON.stringify(all.map((d) => `${d.code}: ${d.message}`))}`);
      const d = found[0]!;
      seen.add(d.code);
      assert.equal(d.severity, c.severity, 'severity');
      assert.equal(at(doc, d.range), c.covers, 'the range covers exactly the offending text');
      assert.equal(d.range.start.line, c.line, 'line');
      if (c.says) assert.ok(d.message.includes(c.says), `message "${d.message}" should say "${c.says}"`);
    });
  }

  it('every diagnostic code is exercised by a case above', () => {
    const missing = Object.keys(PROMPT_DIAGNOSTIC_CODES).filter((code) => !seen.has(code));
    assert.deepEqual(missing, [], 'codes without a validation case');
  });

  const clean: [string, string, string?][] = [
    ['the starter template', STARTER_PROMPT],
    ['a body-only file with no variables', 'Translate the text into French.'],
    ['guarded optional variables still count as used', '---\ninputs:\n  extra: { type: string }\n---\nuser:\n{% if extra is defined %}{{ extra }}{% endif %}'],
    ['a declared messages placeholder', '---\ninputs:\n  history: { type: messages, default: [] }\n  q: x\n---\nsystem:\nS\nmessages: history\nuser:\n{{ q }}'],
    ['loop variables and set targets are not inputs', '---\ninputs:\n  docs: []\n---\nuser:\n{% set sep = "-" %}{% for d in docs %}{{ sep }}{{ d }}{{ loop.index }}{% endfor %}'],
    ['literal braces in a raw block', 'user:\n{% raw %}{{ not_a_variable }}{% endraw %}'],
    ['a Prompty v1 file', '---\nname: p\nmodel:\n  api: chat\n  configuration: { type: openai, name: gpt-4o }\nsample: { q: hi }\n---\nuser:\n{{ q }}', 'p.prompty'],
  ];
  for (const [why, text, path] of clean) {
    it(`no diagnostics: ${why}`, () => {
      const diags = validatePromptFile(parsePromptFile(text, { path: path ?? 'clean.prompt' }), { knownProviders: KNOWN });
      assert.deepEqual(diags.map((d: Diagnostic) => `${d.code}: ${d.message}`), []);
    });
  }

  it('without known providers, any well-formed provider passes', () => {
    const doc = parsePromptFile(file('models: [my-vllm:qwen2.5]'));
    assert.deepEqual(validatePromptFile(doc), []);
  });

  it('sorts diagnostics by position', () => {
    const doc = parsePromptFile(file('nmae: x\nparams: { temperature: hot }', 'user:\n{{ zz }}'));
    const lines = validatePromptFile(doc).map((d) => d.range.start.line);
    assert.deepEqual(lines, [...lines].sort((a, b) => a - b));
    assert.ok(lines.length >= 3);
  });

  it('does not call an input unused when a section has a syntax error (its variables are unknown)', () => {
    const doc = parsePromptFile('---\ninputs:\n  q: hi\n---\nuser:\n{{ q }} {% if %}');
    assert.deepEqual(validatePromptFile(doc).map((d) => d.code), ['template-syntax']);
  });
});
