import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { formatModelRef, parseModelRef } from '../../src/core/assertions/providerRef';
import { loadPromptfooConfig, parsePromptfooConfig } from '../../src/core/testBank/promptfooConfig';
import type { BankDiagnostic } from '../../src/core/testBank/testBankTypes';
import { TEST_FILES } from '../support/testFiles';

const DIR = join(__dirname, '../fixtures/banks/promptfoo');
const CONFIG = join(DIR, 'promptfooconfig.yaml');
const where = (diags: BankDiagnostic[]) => diags.map((d) => `${d.code}@${d.range.start.line}`).sort();

describe('promptfoo provider ids', () => {
  const cases: [string, string | undefined, string][] = [
    ['openai:gpt-4o-mini', 'openai:gpt-4o-mini', 'provider:model'],
    ['openai:chat:gpt-4o-mini', 'openai:gpt-4o-mini', 'the chat: kind is dropped'],
    ['anthropic:messages:claude-3-5-haiku-latest', 'anthropic:claude-3-5-haiku-latest', 'the messages: kind is dropped'],
    ['openai:embedding:text-embedding-3-small', 'openai:text-embedding-3-small', 'embedding:'],
    ['ollama:chat:llama3.1:8b', 'ollama:llama3.1:8b', 'colons in the model are kept'],
    ['ollama:llama3.1:8b', 'ollama:llama3.1:8b', 'a model tag without a kind'],
    ['OpenAI:gpt-4o', 'openai:gpt-4o', 'the provider is lower-cased'],
    ['openai:chatgpt-4o-latest', 'openai:chatgpt-4o-latest', 'a model starting with "chat" is not a kind'],
    ['gpt-4o', undefined, 'no provider'],
    ['openai:', undefined, 'no model'],
  ];
  for (const [id, expected, why] of cases) {
    it(`${id} (${why})`, () => {
      const ref = parseModelRef(id);
      assert.strictEqual('error' in ref ? undefined : formatModelRef(ref), expected, why);
    });
  }
});

describe('promptfoo config', () => {
  const config = loadPromptfooConfig(CONFIG, TEST_FILES);

  it('reads prompts: inline text, a text file split on ---, a chat JSON file with a label, a .prompt file', () => {
    assert.deepStrictEqual(
      config.prompts.map((p) => [p.label, p.kind]),
      [
        ['Route this ticket: {{ticket}}', 'text'],
        ['prompts/triage.txt#1', 'text'],
        ['prompts/triage.txt#2', 'text'],
        ['chat version', 'chat'],
        ['prompts/triage.prompt', 'promptFile'],
      ],
    );
    assert.strictEqual(config.prompts[1].template, 'You route tickets for {{company}}.');
    assert.strictEqual(config.prompts[2].template, 'Classify: {{ticket}}');
    assert.deepStrictEqual(JSON.parse(config.prompts[3].template!)[0], { role: 'system', content: 'You route tickets.' });
    assert.strictEqual(config.prompts[4].file, join(DIR, 'prompts/triage.prompt'));
    assert.strictEqual(config.prompts[4].template, undefined, 'a .prompt file is parsed by core/promptFile');
    assert.deepStrictEqual(config.prompts.map((p) => p.range?.start.line), [2, 3, 3, 4, 6]);
  });

  it('reads providers: ids, labels, config params, endpoints, custom providers', () => {
    assert.deepStrictEqual(
      config.providers.map((p) => [p.label, formatModelRef(p.model)]),
      [
        ['openai:gpt-4o-mini', 'openai:gpt-4o-mini'],
        ['openai:chat:gpt-4o', 'openai:gpt-4o'],
        ['haiku', 'anthropic:claude-3-5-haiku-latest'],
        ['ollama:chat:llama3.1:8b', 'ollama:llama3.1:8b'],
        ['exec:./run.sh', 'exec:./run.sh'],
      ],
    );
    assert.deepStrictEqual(config.providers[4].custom, { kind: 'exec', custom: { id: 'exec:./run.sh', basePath: DIR, target: './run.sh', options: {} } }, 'an exec: provider runs through an endpoint of its own');
    assert.deepStrictEqual(config.providers[2].params, { temperature: 0, max_tokens: 20 });
    assert.deepStrictEqual(config.providers[3].params, { top_p: 0.9 });
    assert.strictEqual(config.providers[3].apiBaseUrl, undefined, "promptfoo's Ollama provider ignores config.apiBaseUrl, and so does Assay");
    assert.deepStrictEqual(config.providers[3].endpoint.baseUrl, [{ env: 'OLLAMA_BASE_URL' }]);
    assert.deepStrictEqual(config.providers.map((p) => p.stream), [undefined, undefined, true, undefined, undefined], 'config.stream is read');
  });

  it('keeps an inline API key usable but out of every serialisation', () => {
    const haiku = config.providers[2];
    assert.strictEqual(haiku.apiKey, 'sk-ant-api03-fixturefixturefixture', 'the engine can read it');
    assert.ok(!JSON.stringify(config).includes('fixturefixture'), 'JSON leaves it out');
    assert.strictEqual(structuredClone(haiku).apiKey, undefined, 'structured clones (webviews, workers) leave it out');
    assert.ok(!config.diagnostics.some((d) => d.message.includes('fixturefixture')), 'no diagnostic shows it');
  });

  it('collects tests from a glob, a CSV outside the folder and an inline case, with file:// values', () => {
    const described = config.tests.cases.map((c) => c.description ?? String(c.vars.ticket).slice(0, 10));
    assert.deepStrictEqual(described, ['from a.yaml', 'from b.yaml', 'double charge', 'multi-line ticket', 'short row', 'inline case']);
    const b = config.tests.cases[1];
    assert.deepStrictEqual(b.assert.map((a) => a.type), ['not-contains'], "b.yaml's own defaults are applied to its case");
    const inline = config.tests.cases[5];
    assert.strictEqual(inline.vars.document, 'The invoice was sent on May 1.', 'a file:// var is read, trimmed as promptfoo reads it');
    assert.deepStrictEqual(inline.assert[0].value, { type: 'object', required: ['route'] }, 'a file:// schema is parsed');
    assert.strictEqual(inline.range?.start.line, 33);
    assert.strictEqual(inline.source.file, CONFIG);
  });

  it('turns defaultTest and evaluateOptions.repeat into bank defaults', () => {
    assert.deepStrictEqual(config.tests.defaults.vars, { company: 'Acme' });
    assert.deepStrictEqual(config.tests.defaults.assert?.map((a) => [a.type, a.threshold]), [['latency', 5000]]);
    assert.strictEqual(config.tests.defaults.repeat, 2);
  });

  it('reports what it cannot run, where it is written', () => {
    assert.deepStrictEqual(where(config.diagnostics), ['ignored-config@17', 'inline-api-key@10'], 'stream is honoured, exec: is a provider and scenarios are read, so neither is reported');
    assert.deepStrictEqual(config.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code), []);
    assert.deepStrictEqual(
      where(config.tests.diagnostics),
      ['csv-columns@4', 'csv-header@0', 'file-not-found@32'],
      'test problems: a missing file where it is referenced, CSV problems in the CSV',
    );
    assert.deepStrictEqual(config.tests.generators?.map((g) => [g.path, g.range?.start.line]), [[join(DIR, 'generate_tests.py'), 40]], 'a Python generator runs later, where trusted');
    assert.strictEqual(config.tests.diagnostics.find((d) => d.code === 'csv-header')?.file, join(DIR, '../cases.csv'));
    assert.strictEqual(config.description, 'Ticket triage, promptfoo style');
  });

  const minimal: [string, string, string[]][] = [
    ['a single prompt and a single provider as strings', 'prompts: "Hi {{name}}"\nproviders: openai:gpt-4o-mini\ntests:\n  - vars: { name: Ann }\n', []],
    ['the map forms of prompts and providers', "prompts:\n  'Hi {{x}}': greeting\nproviders:\n  - openai:gpt-4o:\n      label: big\n", []],
    ['no prompts and no providers', 'tests: []\n', ['missing-key@0', 'missing-key@0']],
    ['a provider id without a model', 'prompts: [x]\nproviders: [gpt4]\n', ['invalid-provider@1']],
    ['targets: is providers: by another name', 'prompts: [x]\ntargets: [openai:gpt-4o-mini]\n', []],
    ['both providers: and targets:', 'prompts: [x]\nproviders: [openai:gpt-4o-mini]\ntargets: [openai:gpt-4o]\n', ['invalid-config@2']],
    ['an empty providers list', 'prompts: [x]\nproviders: []\n', ['missing-key@1']],
    ['not a mapping', '- a\n', ['invalid-config@0']],
    ['broken YAML: only the syntax error, where the unclosed bracket opened', 'prompts: [x\nproviders: y\n', ['yaml-syntax@0']],
    ['a missing prompt file', 'prompts: [file://nope.txt]\nproviders: [openai:gpt-4o]\n', ['file-not-found@0']],
    ['a Python prompt function is read; it runs when it renders, where trusted', 'prompts: [file://make.py:build]\nproviders: [openai:gpt-4o]\n', []],
    ['a key outside promptfoo\'s schema is ignored with a warning, as promptfoo ignores it', 'prompts: [hi]\nproviders: [openai:gpt-4o]\nvars: { a: 1 }\n', ['ignored-key@2']],
    ['a promptfoo key Assay does not run is an error', 'prompts: [hi]\nproviders: [openai:gpt-4o]\nredteam: { purpose: x }\n', ['unsupported@2']],
  ];
  for (const [why, text, expected] of minimal) {
    it(why, () => {
      const c = parsePromptfooConfig(text, join(DIR, 'inline.yaml'), TEST_FILES);
      assert.deepStrictEqual(where([...c.diagnostics, ...c.tests.diagnostics]), expected);
    });
  }

  it('map forms keep labels', () => {
    const c = parsePromptfooConfig("prompts:\n  'Hi {{x}}': greeting\nproviders:\n  - openai:gpt-4o:\n      label: big\n", join(DIR, 'inline.yaml'), TEST_FILES);
    assert.deepStrictEqual(c.prompts.map((p) => p.label), ['greeting']);
    assert.deepStrictEqual(c.providers.map((p) => p.label), ['big']);
  });

  it('a missing config file is a diagnostic', () => {
    assert.deepStrictEqual(where(loadPromptfooConfig(join(DIR, 'nope.yaml'), TEST_FILES).diagnostics), ['file-not-found@0']);
  });
});
