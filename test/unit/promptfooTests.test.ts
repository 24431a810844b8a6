// promptfoo's test semantics, table by table, with the expansions and orders promptfoo documents and
// implements: var combinations, scenarios, defaultTest, prompt/provider filters, transforms, file vars,
// rendered prompts read as promptfoo's providers read them.
import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promptfooCases } from '../../src/core/run/promptfooCases';
import { readRenderedPrompt, renderPromptfooTemplate } from '../../src/core/run/promptfooPrompt';
import { promptfooSuites } from '../../src/core/run/testSuite';
import { runTransform } from '../../src/core/run/userTransform';
import { computeModelMetrics } from '../../src/core/stats/derivedMetrics';
import { renderTemplate } from '../../src/core/template/templateRenderer';
import { compileMetricExpression } from '../../src/core/stats/metricExpression';
import { loadTestBankFile } from '../../src/core/testBank/loadTestBank';
import { parsePromptfooConfig } from '../../src/core/testBank/promptfooConfig';
import { expandVarCombinations, isAllowedPrompt, isAllowedProvider } from '../../src/core/testBank/promptfooTests';
import type { BankDiagnostic } from '../../src/core/testBank/testBankTypes';
import { tempFolder } from '../support/storeFixtures';
import { TEST_FILES } from '../support/testFiles';

const errors = (diags: BankDiagnostic[]) => diags.filter((d) => d.severity === 'error').map((d) => `${d.code}: ${d.message}`);

describe('promptfoo var expansion', () => {
  const cases: [string, Record<string, unknown>, Record<string, unknown>[]][] = [
    ['a scalar is one test', { a: 'x', n: 1 }, [{ a: 'x', n: 1 }]],
    ['a list of text is one test per item', { a: ['1', '2'] }, [{ a: '1' }, { a: '2' }]],
    [
      'two lists multiply, the last key varying fastest',
      { a: ['1', '2'], b: ['x', 'y'], c: 'k' },
      [
        { a: '1', b: 'x', c: 'k' },
        { a: '1', b: 'y', c: 'k' },
        { a: '2', b: 'x', c: 'k' },
        { a: '2', b: 'y', c: 'k' },
      ],
    ],
    ['a list of numbers is one value (promptfoo expands only when the first item is text)', { a: [1, 2] }, [{ a: [1, 2] }]],
    ['a list of mappings is one value', { a: [{ q: 1 }, { q: 2 }] }, [{ a: [{ q: 1 }, { q: 2 }] }]],
    ['an empty list is one value', { a: [] }, [{ a: [] }]],
    ['a list starting with text expands whatever follows', { a: ['s', 3] }, [{ a: 's' }, { a: 3 }]],
    ['no vars is one test', {}, [{}]],
  ];
  for (const [why, vars, expected] of cases) it(why, () => assert.deepStrictEqual(expandVarCombinations(vars), expected));
});

describe('promptfoo prompt and provider filters', () => {
  const prompts: [string, string[] | undefined, boolean][] = [
    ['any', undefined, true],
    ['short', ['short'], true],
    ['long', ['short'], false],
    ['group:one', ['group'], true],
    ['grouped', ['group'], false],
  ];
  for (const [label, allowed, expected] of prompts) it(`prompt ${label} with ${JSON.stringify(allowed)}: ${expected}`, () => assert.strictEqual(isAllowedPrompt(label, allowed), expected));

  const providers: [{ label: string; id?: string }, string[] | undefined, boolean][] = [
    [{ label: 'mini', id: 'openai:gpt-4o-mini' }, undefined, true],
    [{ label: 'mini', id: 'openai:gpt-4o-mini' }, ['mini'], true],
    [{ label: 'mini', id: 'openai:gpt-4o-mini' }, ['openai:gpt-4o-mini'], true],
    [{ label: 'mini', id: 'openai:gpt-4o-mini' }, ['openai:*'], true],
    [{ label: 'mini', id: 'openai:gpt-4o-mini' }, ['anthropic:*', 'big'], false],
    [{ label: 'openai:gpt-4o' }, ['openai:gpt-4o-mini'], false],
  ];
  for (const [names, allowed, expected] of providers) {
    it(`provider ${names.label} with ${JSON.stringify(allowed)}: ${expected}`, () => assert.strictEqual(isAllowedProvider(names, allowed), expected));
  }
});

describe('promptfoo tests, scenarios and defaultTest', () => {
  let folder: ReturnType<typeof tempFolder>;
  beforeEach(() => (folder = tempFolder('assay-pf-tests-')));
  afterEach(() => folder.cleanup());
  const parse = (yaml: string) => parsePromptfooConfig(yaml, join(folder.dir, 'promptfooconfig.yaml'), TEST_FILES);
  const build = async (yaml: string, trusted = true) => {
    const config = parse(yaml);
    assert.deepStrictEqual(errors([...config.diagnostics, ...config.tests.diagnostics]), []);
    return promptfooCases(config, { trusted, files: TEST_FILES });
  };

  it('runs tests, then scenarios (scenario, row, test), each list var expanded; defaultTest merged into all', async () => {
    const { cases, diagnostics } = await build(`
prompts: ['{{a}}']
providers: [echo]
defaultTest:
  vars: { lang: en, a: default }
  assert: [{ type: contains, value: d }]
  threshold: 0.5
  metadata: { team: x }
  options: { prefix: '> ' }
tests:
  - description: t1
    vars: { a: [p, q] }
    assert: [{ type: contains, value: t }]
  - description: t2
    vars: { lang: fr }
    metadata: { team: y }
    threshold: 1
scenarios:
  - config:
      - vars: { a: r1 }
        assert: [{ type: contains, value: row }]
        options: { suffix: dropped }
      - vars: { a: r2 }
    tests:
      - description: s1
        vars: { b: [u, v] }
      - description: s2
        assert: [{ type: contains, value: test }]
`);
    assert.deepStrictEqual(diagnostics, []);
    assert.deepStrictEqual(
      cases.map((c) => [c.description, c.vars, c.assert.map((a) => a.value), c.threshold, c.metadata, c.options]),
      [
        ['t1', { lang: 'en', a: 'p' }, ['d', 't'], 0.5, { team: 'x' }, { prefix: '> ' }],
        ['t1', { lang: 'en', a: 'q' }, ['d', 't'], 0.5, { team: 'x' }, { prefix: '> ' }],
        ['t2', { lang: 'fr', a: 'default' }, ['d'], 1, { team: 'y' }, { prefix: '> ' }],
        ['s1', { lang: 'en', a: 'r1', b: 'u' }, ['d', 'row'], 0.5, { team: 'x' }, { prefix: '> ' }],
        ['s1', { lang: 'en', a: 'r1', b: 'v' }, ['d', 'row'], 0.5, { team: 'x' }, { prefix: '> ' }],
        ['s2', { lang: 'en', a: 'r1' }, ['d', 'row', 'test'], 0.5, { team: 'x' }, { prefix: '> ' }],
        ['s1', { lang: 'en', a: 'r2', b: 'u' }, ['d'], 0.5, { team: 'x' }, { prefix: '> ' }],
        ['s1', { lang: 'en', a: 'r2', b: 'v' }, ['d'], 0.5, { team: 'x' }, { prefix: '> ' }],
        ['s2', { lang: 'en', a: 'r2' }, ['d', 'test'], 0.5, { team: 'x' }, { prefix: '> ' }],
      ],
    );
    assert.strictEqual(new Set(cases.map((c) => c.id)).size, cases.length, 'every expanded case has its own id');
    const one = `prompts: ['{{a}}']\nproviders: [echo]\ntests:\n  - description: t1\n    vars: { a: [p, q] }\n`;
    const before = (await build(one)).cases.map((c) => c.id);
    const after = (await build(`${one}  - description: t9\n`)).cases.map((c) => c.id);
    assert.deepStrictEqual(after.slice(0, 2), before, 'ids are stable across edits elsewhere');
  });

  it('a config with neither tests nor scenarios runs each prompt once; one with only scenarios runs only them', async () => {
    assert.deepStrictEqual((await build(`prompts: [hi]\nproviders: [echo]\n`)).cases.map((c) => c.vars), [{}]);
    assert.deepStrictEqual((await build(`prompts: [hi]\nproviders: [echo]\nscenarios:\n  - config: [{ vars: { a: '1' } }]\n`)).cases.map((c) => c.vars), [{ a: '1' }]);
  });

  it('honours disableVarExpansion and disableDefaultAsserts', async () => {
    const { cases } = await build(`
prompts: ['{{a}}']
providers: [echo]
defaultTest: { assert: [{ type: contains, value: d }] }
tests:
  - vars: { a: [x, y] }
    options: { disableVarExpansion: true, disableDefaultAsserts: true }
    assert: [{ type: contains, value: own }]
`);
    assert.deepStrictEqual(cases.map((c) => [c.vars, c.assert.map((a) => a.value)]), [[{ a: ['x', 'y'] }, ['own']]]);
  });

  it('runs transformVars (the case’s, else defaultTest’s) before expansion, merging what it returns', async () => {
    writeFileSync(join(folder.dir, 'tv.js'), 'module.exports = (vars, context) => ({ upper: String(vars.name).toUpperCase(), hasPrompt: typeof context.prompt });\n');
    const { cases, diagnostics } = await build(`
prompts: ['{{a}}']
providers: [echo]
defaultTest:
  options: { transformVars: '{ ...vars, n: vars.list.length }' }
tests:
  - vars: { list: [a, b, c] }
  - vars: { name: ada }
    options: { transformVars: file://tv.js }
`);
    assert.deepStrictEqual(diagnostics, []);
    assert.deepStrictEqual(
      cases.map((c) => c.vars),
      [{ list: 'a', n: 3 }, { list: 'b', n: 3 }, { list: 'c', n: 3 }, { name: 'ada', upper: 'ADA', hasPrompt: 'object' }],
    );
  });

  const refused: [string, string, boolean, RegExp][] = [
    ['transform in an untrusted workspace', 'tests: [{ options: { transform: output.trim() } }]', false, /untrusted-code: .*transform runs JavaScript/],
    ['transformVars in an untrusted workspace', 'defaultTest: { options: { transformVars: vars } }', false, /untrusted-code: .*transformVars runs JavaScript/],
    ['a Python transform', 'tests: [{ options: { transform: file://t.py } }]', true, /invalid-transform: .*Python transforms/],
    ['inline code that does not compile', "tests: [{ options: { transform: 'output +' } }]", true, /invalid-transform: .*does not compile/],
    ['postprocess, the old name', 'tests: [{ options: { postprocess: output } }]', true, /unsupported: a test: options.postprocess/],
    ['transformVars that returns no object', "tests: [{ options: { transformVars: '42' } }]", true, /transform-vars: .*must return an object/],
  ];
  for (const [why, yaml, trusted, expected] of refused) {
    it(`refuses ${why} before any call`, async () => {
      const r = await promptfooCases(parse(`prompts: [hi]\nproviders: [echo]\n${yaml}\n`), { trusted, files: TEST_FILES });
      assert.match(errors(r.diagnostics).join('\n'), expected);
    });
  }

  it('reads vars from files as promptfoo renders them: text and JSON trimmed as written, YAML as JSON (a string quoted), a glob as a list, vars: a path or glob as the whole mapping', async () => {
    mkdirSync(join(folder.dir, 'docs'));
    writeFileSync(join(folder.dir, 'docs', 'a.txt'), 'alpha');
    writeFileSync(join(folder.dir, 'docs', 'b.txt'), 'beta');
    writeFileSync(join(folder.dir, 'data.json'), '{"k": [1, 2]}\n');
    writeFileSync(join(folder.dir, 'topic.yaml'), 'world peace\n');
    writeFileSync(join(folder.dir, 'vars.yaml'), 'who: ada\nwhat: [x, y]\n');
    writeFileSync(join(folder.dir, 'docs', 'v1.yaml'), 'who: bo\n');
    writeFileSync(join(folder.dir, 'docs', 'v2.json'), '{"what": "z"}');
    const { cases } = await build(`
prompts: ['{{doc}}']
providers: [echo]
tests:
  - vars: { doc: file://docs/*.txt, data: file://data.json, topic: file://topic.yaml }
  - vars: file://vars.yaml
  - vars: docs/v*
`);
    assert.deepStrictEqual(
      cases.map((c) => c.vars),
      [
        { doc: 'alpha', data: '{"k": [1, 2]}', topic: '"world peace"' },
        { doc: 'beta', data: '{"k": [1, 2]}', topic: '"world peace"' },
        { who: 'ada', what: 'x' },
        { who: 'ada', what: 'y' },
        { who: 'bo', what: 'z' },
      ],
    );
  });

  it("an Anthropic provider with thinking keeps promptfoo's showThinking default (true) unless the config says false", () => {
    const config = parse(
      'prompts: [hi]\nproviders:\n  - id: anthropic:messages:claude-sonnet-4-6\n    config: { thinking: { type: adaptive }, effort: low }\n  - id: anthropic:messages:claude-sonnet-4-6\n    label: quiet\n    config: { thinking: { type: adaptive }, showThinking: false }\n  - anthropic:messages:claude-haiku-4-5\n  - id: openai:gpt-4o\n    config: { thinking: { type: adaptive } }\n',
    );
    assert.deepStrictEqual(config.providers.slice(0, 3).map((p) => p.params), [
      { thinking: { type: 'adaptive' }, effort: 'low', showThinking: true },
      { thinking: { type: 'adaptive' }, showThinking: false },
      {},
    ]);
    assert.match(errors(config.diagnostics).join('\n'), /openai:gpt-4o: config thinking is not supported/);
  });

  const badVars: [string, string, RegExp][] = [
    ['a missing image var', 'vars: { img: file://cat.png }', /file-not-found: vars.img: file not found: cat.png/],
    ['an audio var', 'vars: { a: file://talk.mp3 }', /unsupported: vars.a: talk.mp3 is not a text file; audio, video and PDF/],
    ['a glob matching nothing', 'vars: { d: file://none/*.txt }', /file-not-found: vars.d: no file matches/],
    ['a vars file that is no mapping', 'vars: file://list.json', /invalid-case: vars: list.json must hold a mapping/],
    ['providerOutput', 'providerOutput: canned', /unsupported: "providerOutput" on a test case/],
    ['an assertion transform that does not compile', "assert: [{ type: equals, value: x, transform: 'output +' }]", /invalid-transform: transform: the transform does not compile/],
  ];
  for (const [why, entry, expected] of badVars) {
    it(`an error for ${why}`, () => {
      writeFileSync(join(folder.dir, 'list.json'), '[1]');
      const config = parse(`prompts: [hi]\nproviders: [echo]\ntests:\n  - ${entry}\n`);
      assert.match(errors(config.tests.diagnostics).join('\n'), expected);
    });
  }

  const configKeys: [string, string, RegExp | null][] = [
    ['derivedMetrics without a value', 'derivedMetrics: [{ name: x }]', /invalid-metrics: a derived metric needs a name and a value/],
    ['a non-mapping env', 'env: [a]', /invalid-env: env must be a mapping/],
    ['a filter that is not JavaScript', 'nunjucksFilters: { up: file://up.py }', /invalid-filters: nunjucksFilters.up must name a JavaScript file/],
    ['scenarios that are not a list', 'scenarios: { config: [] }', /invalid-scenarios/],
    ['a scenario without config', 'scenarios: [{ tests: [] }]', /invalid-scenarios: a scenario needs config/],
    ['env of text, numbers and booleans', 'env: { A: x, B: 2, C: true }', null],
  ];
  for (const [why, yaml, expected] of configKeys) {
    it(`config: ${why}`, () => {
      const config = parse(`prompts: [hi]\nproviders: [echo]\n${yaml}\n`);
      if (expected) assert.match(errors(config.diagnostics).join('\n'), expected);
      else assert.deepStrictEqual([errors(config.diagnostics), config.env], [[], { A: 'x', B: '2', C: 'true' }]);
    });
  }

  it('a prompt written without file:// that names a file or matches a glob is read from the file(s), as promptfoo reads it; otherwise it is the text', () => {
    mkdirSync(join(folder.dir, 'ps'), { recursive: true });
    writeFileSync(join(folder.dir, 'prompt.txt'), 'From file {{x}}');
    writeFileSync(join(folder.dir, 'ps', 'a.txt'), 'A');
    writeFileSync(join(folder.dir, 'ps', 'b.txt'), 'B');
    const config = parse("prompts: [prompt.txt, 'ps/*.txt', 'Say {{x}} and/or not', 'Is 2.5 > 2?', 'Plain words']\nproviders: [echo]\n");
    assert.deepStrictEqual(errors(config.diagnostics), []);
    assert.deepStrictEqual(config.prompts.map((p) => p.template), ['From file {{x}}', 'A', 'B', 'Say {{x}} and/or not', 'Is 2.5 > 2?', 'Plain words']);
    const missing = parse("prompts: ['missing.txt']\nproviders: [echo]\n");
    assert.match(errors(missing.diagnostics).join('\n'), /file-not-found: prompt "missing.txt" reads as a file path, and promptfoo finds no such file/);
  });

  it("a CSV prompts file is one prompt per row (its label column, else promptfoo's own label); without commas one per line", () => {
    writeFileSync(join(folder.dir, 'prompts.csv'), 'prompt,label\n"Tell me about {{topic}}, briefly","Brief"\n"Write a poem about {{topic}}",\n');
    writeFileSync(join(folder.dir, 'lines.csv'), 'prompt\nOne {{x}}\nTwo {{x}}\n');
    const config = parse("prompts: ['file://prompts.csv', { id: 'file://lines.csv', label: L }]\nproviders: [echo]\n");
    assert.deepStrictEqual(errors(config.diagnostics), []);
    assert.deepStrictEqual(config.prompts.map((p) => [p.label, p.template]), [
      ['Brief', 'Tell me about {{topic}}, briefly'],
      ['Prompt 2 - Write a poem about {{topic}}', 'Write a poem about {{topic}}'],
      ['L', 'One {{x}}'],
      ['L', 'Two {{x}}'],
    ]);
  });

  it('a YAML or JSON prompts file may list prompts ({ id | raw, label }) instead of chat messages', () => {
    writeFileSync(join(folder.dir, 'prompts.yaml'), '- { id: a, label: First, raw: "One {{x}}" }\n- raw: Two {{x}}\n');
    writeFileSync(join(folder.dir, 'chat.yaml'), '- { role: user, content: "Hi {{x}}" }\n');
    writeFileSync(join(folder.dir, 'prompts.json'), '[{ "raw": "Three", "label": "third" }]');
    const config = parse("prompts: ['file://prompts.yaml', 'file://chat.yaml', 'file://prompts.json', 'file://p.py:Prompt.prompt']\nproviders: [echo]\n");
    assert.deepStrictEqual(config.prompts.map((p) => [p.label, p.kind, p.template]), [
      ['First', 'text', 'One {{x}}'],
      ['Two {{x}}', 'text', 'Two {{x}}'],
      ['chat.yaml', 'chat', '[{"role":"user","content":"Hi {{x}}"}]'],
      ['third', 'text', 'Three'],
      ['p.py:Prompt.prompt', 'function', undefined],
    ]);
  });

  it('resolves $ref into the config (assertionTemplates); a reference to nothing is an error where it is written', async () => {
    const { cases } = await build(`prompts: [hi]
providers: [echo]
assertionTemplates:
  short: { type: javascript, value: output.length < 50 }
tests:
  - assert: [{ $ref: '#/assertionTemplates/short' }, { type: contains, value: x }]
`);
    assert.deepStrictEqual(cases[0]!.assert.map((a) => [a.type, a.value]), [['javascript', 'output.length < 50'], ['contains', 'x']]);
    const bad = parse("prompts: [hi]\nproviders: [echo]\ntests:\n  - assert: [{ $ref: '#/assertionTemplates/nope' }]\n");
    assert.deepStrictEqual(bad.diagnostics.filter((d) => d.severity === 'error').map((d) => [d.code, d.range.start.line]), [['invalid-ref', 3]]);
  });

  it('an options.provider map names a model per use: moderation kept; a use it lacks is an error, as promptfoo throws', async () => {
    const file = join(folder.dir, 'promptfooconfig.yaml');
    const config = (provider: string) => `prompts: [hi]
providers: [echo]
defaultTest:
  options:
    provider: ${provider}
tests:
  - assert: [{ type: moderation }, { type: similar, value: x }]
  - assert: [{ type: llm-rubric, value: y, provider: { embedding: openai:embedding:e } }]
`;
    writeFileSync(file, config('{ text: openai:chat:t, embedding: openai:embedding:e, moderation: openai:moderation:m }'));
    const full = await promptfooSuites(file, { root: folder.dir, defaultModels: [], files: TEST_FILES, trusted: true });
    assert.deepStrictEqual(errors(full.flatMap((x) => x.diagnostics)), [
      `invalid-provider: llm-rubric needs a "text" provider, but its provider names one only for embedding: add text: <provider id> (promptfoo stops there too, with "Invalid provider definition for output type 'text'")`,
    ]);
    assert.strictEqual((full[0]!.cases[0]!.options?.provider as Record<string, unknown>).moderation, 'openai:moderation:m');

    writeFileSync(file, config('{ text: openai:chat:t, embedding: openai:embedding:e }'));
    const partial = await promptfooSuites(file, { root: folder.dir, defaultModels: [], files: TEST_FILES, trusted: true });
    const partialErrors = errors(partial.flatMap((x) => x.diagnostics));
    assert.strictEqual(partialErrors.length, 2, partialErrors.join('\n'));
    assert.ok(partialErrors.some((e) => e.startsWith('invalid-provider: moderation needs a "moderation" provider, but options.provider names one only for text, embedding')), partialErrors.join('\n'));
  });

  it('pairs prompts with the cases whose prompts list allows them; nunjucksFilters render', async () => {
    writeFileSync(join(folder.dir, 'shout.js'), 'module.exports = (s) => String(s).toUpperCase() + "!";\n');
    const file = join(folder.dir, 'promptfooconfig.yaml');
    writeFileSync(
      file,
      `prompts:
  - { raw: 'Hi {{ name | shout }}', label: greet }
  - { raw: 'Bye {{ name }}', label: 'farewell:short' }
providers: [echo]
nunjucksFilters: { shout: file://shout.js }
tests:
  - { vars: { name: a }, prompts: [greet] }
  - { vars: { name: b }, prompts: [farewell] }
  - { vars: { name: c } }
`,
    );
    const suites = await promptfooSuites(file, { root: folder.dir, defaultModels: [], files: TEST_FILES, trusted: true });
    assert.deepStrictEqual(errors(suites.flatMap((s) => s.diagnostics)), []);
    const rendered = await Promise.all(suites.map(async (s) => [s.prompt.label, await Promise.all(s.cases.map(async (c) => JSON.stringify(await s.prompt.render(c.vars))))]));
    assert.deepStrictEqual(rendered, [
      ['greet', ['{"messages":[{"role":"user","content":"Hi A!"}]}', '{"messages":[{"role":"user","content":"Hi C!"}]}']],
      ['farewell:short', ['{"messages":[{"role":"user","content":"Bye b"}]}', '{"messages":[{"role":"user","content":"Bye c"}]}']],
    ]);
    const untrusted = await promptfooSuites(file, { root: folder.dir, defaultModels: [], files: TEST_FILES, trusted: false });
    assert.match(errors(untrusted.flatMap((s) => s.diagnostics)).join('\n'), /untrusted-code: nunjucksFilters run JavaScript/);
  });
});

describe('promptfoo prompt functions and test generators (JavaScript, trusted only)', () => {
  let folder: ReturnType<typeof tempFolder>;
  let file: string;
  beforeEach(() => {
    folder = tempFolder('assay-pf-js-');
    file = join(folder.dir, 'promptfooconfig.yaml');
    writeFileSync(join(folder.dir, 'prompts.js'), [
      'module.exports = ({ vars }) => `Plain ${vars.x}`;',
      'module.exports.chat = async ({ vars }) => [{ role: "system", content: "S" }, { role: "user", content: vars.x }];',
      'module.exports.wrapped = ({ vars }) => ({ prompt: `W ${vars.x}` });',
      'module.exports.configured = () => ({ prompt: "x", config: { temperature: 1 } });',
    ].join('\n'));
    writeFileSync(join(folder.dir, 'gen.js'), 'module.exports = async () => [{ vars: { x: "g1" } }, { vars: { x: ["g2", "g3"] } }];\nmodule.exports.few = [{ description: "named", vars: { x: "n" } }];\n');
    writeFileSync(join(folder.dir, 'bank.yaml'), '- vars: { q: file://gen.py }\n');
  });
  afterEach(() => folder.cleanup());

  it('renders each function prompt; runs generators in place among the tests', async () => {
    writeFileSync(
      file,
      `prompts: [file://prompts.js, 'file://prompts.js:chat', 'file://prompts.js:wrapped']
providers: [echo]
tests:
  - vars: { x: inline }
  - file://gen.js
  - file://gen.js:few
`,
    );
    const suites = await promptfooSuites(file, { root: folder.dir, defaultModels: [], files: TEST_FILES, trusted: true });
    assert.deepStrictEqual(errors(suites.flatMap((s) => s.diagnostics)), []);
    assert.deepStrictEqual(suites.map((s) => s.prompt.label), ['prompts.js', 'prompts.js:chat', 'prompts.js:wrapped']);
    assert.deepStrictEqual(suites[0]!.cases.map((c) => [c.description, c.vars.x]), [
      [undefined, 'g1'],
      [undefined, 'g2'],
      [undefined, 'g3'],
      ['named', 'n'],
      [undefined, 'inline'],
    ]);
    const rendered = await Promise.all(suites.map((s) => s.prompt.render({ x: 'v' })));
    assert.deepStrictEqual(rendered, [
      { messages: [{ role: 'user', content: 'Plain v' }] },
      { messages: [{ role: 'system', content: 'S' }, { role: 'user', content: 'v' }] },
      { messages: [{ role: 'user', content: 'W v' }] },
    ]);
  });

  const refused: [string, string, boolean, RegExp][] = [
    ['a prompt function in an untrusted workspace', "prompts: ['file://prompts.js']\ntests: [{}]", false, /untrusted-code: the prompt function prompts.js runs JavaScript/],
    ['a generator in an untrusted workspace', 'prompts: [hi]\ntests: file://gen.js', false, /untrusted-code: tests from .*gen.js run JavaScript/],
    ['a Python prompt function in an untrusted workspace', "prompts: ['file://p.py:make']\ntests: [{}]", false, /untrusted-code: the prompt function p.py:make runs Python/],
    ['a Python generator in an untrusted workspace', 'prompts: [hi]\ntests: file://gen.py', false, /untrusted-code: tests from .*gen.py run Python/],
    ['a Python generator that raises, with its error', 'prompts: [hi]\ntests: file://bad.py', true, /test-generator: tests from .*bad.py raised ValueError: no data/],
    ['a generator that returns no list', 'prompts: [hi]\ntests: file://notlist.js', true, /test-generator: tests from .*notlist.js must be a list/],
    ['a missing prompt file', "prompts: ['file://nope.txt']\ntests: [{}]", true, /file-not-found: prompt file not found: nope.txt/],
  ];
  for (const [why, yaml, trusted, expected] of refused) {
    it(`refuses ${why}`, async () => {
      writeFileSync(join(folder.dir, 'p.py'), 'def make(): pass\n');
      writeFileSync(join(folder.dir, 'notlist.js'), 'module.exports = { a: 1 };\n');
      writeFileSync(join(folder.dir, 'bad.py'), 'def generate_tests():\n    raise ValueError("no data")\n');
      writeFileSync(file, `${yaml}\nproviders: [echo]\n`);
      const suites = await promptfooSuites(file, { root: folder.dir, defaultModels: [], files: TEST_FILES, trusted });
      assert.match(errors(suites.flatMap((s) => s.diagnostics)).join('\n'), expected);
    });
  }

  it("script vars run when the prompt renders, in order, each seeing the vars before it (Python's get_var, a JavaScript function)", async () => {
    writeFileSync(join(folder.dir, 'ctx.py'), 'def get_var(name, prompt, other_vars):\n    return {"output": "  docs for " + other_vars["q"] + " (" + name + ") \\n"}\n');
    writeFileSync(join(folder.dir, 'more.js'), 'module.exports = (name, prompt, vars) => ({ output: `${vars.ctx}+js` });\n');
    writeFileSync(join(folder.dir, 'bad.py'), 'def get_var(name, prompt, other_vars):\n    return {"error": "no index"}\n');
    writeFileSync(file, "prompts: ['{{ctx}} | {{more}}']\nproviders: [echo]\ntests:\n  - vars: { q: refunds, ctx: file://ctx.py, more: file://more.js }\n  - vars: { q: x, ctx: file://bad.py, more: y }\n");
    const [suite] = await promptfooSuites(file, { root: folder.dir, defaultModels: [], files: TEST_FILES, trusted: true });
    assert.deepStrictEqual(errors(suite!.diagnostics), []);
    assert.deepStrictEqual(await suite!.prompt.render(suite!.cases[0]!.vars), { messages: [{ role: 'user', content: 'docs for refunds (ctx) | docs for refunds (ctx)+js' }] });
    assert.match(JSON.stringify(await suite!.prompt.render(suite!.cases[1]!.vars)), /vars.ctx: .*bad.py answered an error: no index/);
    const untrusted = await promptfooSuites(file, { root: folder.dir, defaultModels: [], files: TEST_FILES, trusted: false });
    assert.match(errors(untrusted.flatMap((s) => s.diagnostics)).join('\n'), /untrusted-code: a test: vars.ctx runs a script/);
  });

  it('a script var in a test bank (not a promptfoo config) is an error where it is written', () => {
    const bank = loadTestBankFile(join(folder.dir, 'bank.yaml'), TEST_FILES);
    assert.match(errors(bank.diagnostics).join('\n'), /script-var: vars.q: variables generated by scripts/);
  });

  it('TypeScript and Python generators, with a { path, config } entry handing its config to the function', async () => {
    writeFileSync(join(folder.dir, 'static.ts'), 'interface T { vars: Record<string, string> }\nconst tests: T[] = [{ vars: { x: "ts" } }];\nexport default tests;\n');
    writeFileSync(join(folder.dir, 'dyn.ts'), 'export async function make(config?: { n: number }): Promise<object[]> {\n  return Array.from({ length: config?.n ?? 1 }, (_, i) => ({ vars: { x: `dyn${i}` } }));\n}\n');
    writeFileSync(join(folder.dir, 'gen.py'), 'def generate_tests(config=None):\n    return [{"vars": {"x": "py" + str((config or {}).get("k", ""))}}]\n\ndef named():\n    return [{"vars": {"x": "named"}}]\n');
    writeFileSync(
      file,
      `prompts: ['{{x}}']
providers: [echo]
tests:
  - file://static.ts
  - file://dyn.ts:make
  - path: file://dyn.ts:make
    config: { n: 2 }
  - file://gen.py
  - path: file://gen.py
    config: { k: 7 }
  - file://gen.py:named
`,
    );
    const [suite] = await promptfooSuites(file, { root: folder.dir, defaultModels: [], files: TEST_FILES, trusted: true });
    assert.deepStrictEqual(errors(suite!.diagnostics), []);
    assert.deepStrictEqual(suite!.cases.map((c) => c.vars.x), ['ts', 'dyn0', 'dyn0', 'dyn1', 'py', 'py7', 'named']);
  });

  it('TypeScript and Python prompt functions: named, a class method, and a whole Python script given the context in argv', async () => {
    writeFileSync(join(folder.dir, 'p.ts'), 'export default async ({ vars }: { vars: Record<string, string> }) => [{ role: "system", content: "TS" }, { role: "user", content: vars.x }];\n');
    writeFileSync(
      join(folder.dir, 'p.py'),
      'import json, sys\n\ndef make(context):\n    return "Py " + context["vars"]["x"]\n\nclass P:\n    @staticmethod\n    def chat(context):\n        return [{"role": "user", "content": "C " + context["vars"]["x"]}]\n\nif __name__ == "__main__":\n    print("Script " + json.loads(sys.argv[1])["vars"]["x"])\n',
    );
    writeFileSync(file, `prompts: [file://p.ts, 'file://p.py:make', 'file://p.py:P.chat', file://p.py]\nproviders: [echo]\ntests: [{ vars: { x: v } }]\n`);
    const suites = await promptfooSuites(file, { root: folder.dir, defaultModels: [], files: TEST_FILES, trusted: true });
    assert.deepStrictEqual(errors(suites.flatMap((s) => s.diagnostics)), []);
    const rendered = await Promise.all(suites.map((s) => s.prompt.render({ x: 'v' })));
    assert.deepStrictEqual(rendered, [
      { messages: [{ role: 'system', content: 'TS' }, { role: 'user', content: 'v' }] },
      { messages: [{ role: 'user', content: 'Py v' }] },
      { messages: [{ role: 'user', content: 'C v' }] },
      { messages: [{ role: 'user', content: 'Script v' }] },
    ]);
  });

  it('a function prompt that returns a provider config renders with those parameters, per model', async () => {
    writeFileSync(file, `prompts: ['file://prompts.js:configured']\nproviders: [echo]\ntests: [{}]\n`);
    const [suite] = await promptfooSuites(file, { root: folder.dir, defaultModels: [], files: TEST_FILES, trusted: true });
    assert.strictEqual(suite!.prompt.perTarget, true, 'a prompt function renders per model');
    assert.deepStrictEqual(await suite!.prompt.render({}, undefined, { id: 'echo', label: 'echo' }), { messages: [{ role: 'user', content: 'x' }], params: { temperature: 1 } });
  });
});

describe('promptfoo rendered prompts, read as its providers read them', () => {
  const cases: [string, string, boolean, unknown][] = [
    ['plain text is one user message', 'Hello', false, [{ role: 'user', content: 'Hello' }]],
    ['a JSON list of messages is a chat', '[{"role":"system","content":"s"},{"role":"user","content":"u"}]', false, [{ role: 'system', content: 's' }, { role: 'user', content: 'u' }]],
    ['YAML starting - role: is a chat', '- role: user\n  content: hi\n', false, [{ role: 'user', content: 'hi' }]],
    ['text that only starts with [ is text', '[INST] hi', false, [{ role: 'user', content: '[INST] hi' }]],
    ['JSON-looking text that does not parse is an error', '[{"role": }]', false, /did not render to a JSON list/],
    ['a JSON object is an error', '{"role":"user","content":"x"}', false, /must render to a list/],
    ['text-only content parts are the text', '[{"role":"user","content":[{"type":"text","text":"x"}]}]', false, [{ role: 'user', content: 'x' }]],
    ['an unknown content part is an error, never dropped', '[{"role":"user","content":[{"type":"input_audio"}]}]', false, /content part 1 must be/],
    ['an unknown role is an error', '[{"role":"robot","content":"x"}]', false, /role system, user, assistant or tool/],
    ['a chat prompt rendering to text is an error', 'Hello', true, /did not render to a JSON list of messages/],
  ];
  for (const [why, text, chat, expected] of cases) {
    it(why, () => {
      const r = readRenderedPrompt(text, 'p', chat);
      if (expected instanceof RegExp) assert.match('error' in r ? r.error.message : 'no error', expected);
      else assert.deepStrictEqual(r, { messages: expected });
    });
  }

  it('an undefined variable renders as empty text, as in promptfoo (a config with no tests renders {{input}} so)', () => {
    const render = renderPromptfooTemplate({ label: 'p', kind: 'text', template: 'Say: {{ input }}.' }, undefined);
    assert.deepStrictEqual(render({}), { messages: [{ role: 'user', content: 'Say: .' }] });
    assert.deepStrictEqual(render({ input: 'hi' }), { messages: [{ role: 'user', content: 'Say: hi.' }] });
  });

  it("a JSON template renders each string on its own (promptfoo's autoescape): quotes and newlines in a variable stay valid JSON", () => {
    const render = renderPromptfooTemplate({ label: 'p', kind: 'chat', template: '[{"role": "system", "content": "{{ s }}"}, {"role": "user", "content": "Q: {{ q }}"}]' }, undefined);
    assert.deepStrictEqual(render({ s: 'You \'like\' "bananas".\n\nBe brief.', q: 'why?' }), {
      messages: [
        { role: 'system', content: 'You \'like\' "bananas".\n\nBe brief.' },
        { role: 'user', content: 'Q: why?' },
      ],
    });
  });

  it('one trailing newline of a text variable is dropped before rendering, as promptfoo drops it', () => {
    const render = renderPromptfooTemplate({ label: 'p', kind: 'text', template: '<{{ a }}>' }, undefined);
    assert.deepStrictEqual(render({ a: 'block\n\n' }), { messages: [{ role: 'user', content: '<block\n>' }] });
  });

  it("text variables are templates too, as in promptfoo (expected values printed by promptfoo 0.121.20's echo provider)", () => {
    const render = renderPromptfooTemplate({ label: 'p', kind: 'text', template: '<{{ a }}>' }, undefined);
    const cases: [Record<string, unknown>, string][] = [
      [{ a: '{{ b }} and {{ c }}', b: 'B', c: 'C' }, '<B and C>'],
      [{ a: "{{ 'A ' * 3 }}" }, '<NaN>'],
      [{ a: '{{ missing }} here' }, '<{{ missing }} here>'],
      [{ a: 'code {{ not closed' }, '<code {{ not closed>'],
      [{ n: 3, a: '{% for i in range(n) %}{{ i }}{% endfor %}' }, '<{% for i in range(n) %}{{ i }}{% endfor %}>'],
      [{ a: '{{ b | upper }}!', b: 'x$&y' }, '<X$&Y!>'],
      [{ a: '{{ a }}' }, '<{{ a }}>'],
    ];
    for (const [vars, expected] of cases) assert.deepStrictEqual(render(vars), { messages: [{ role: 'user', content: expected }] }, JSON.stringify(vars));
  });

  it('prompt files keep their strict rendering: an undefined variable there is still an error', () => {
    assert.match(JSON.stringify(renderTemplate('{{ input }}', {})), /input \}\} is undefined or null/);
  });
});

describe('promptfoo transforms', () => {
  let folder: ReturnType<typeof tempFolder>;
  before(() => {
    folder = tempFolder('assay-pf-transform-');
    writeFileSync(join(folder.dir, 't.js'), 'module.exports = (output, context) => `${output}|${context.vars.x}`;\nmodule.exports.named = (output) => output.length;\n');
    writeFileSync(join(folder.dir, 't.mjs'), 'export default async (output) => ({ wrapped: output });\n');
  });
  after(() => folder.cleanup());
  const ctx = { vars: { x: 'X' }, prompt: { label: 'p' } };
  const cases: [string, string, unknown][] = [
    ['one line is an expression over output', 'output.toUpperCase()', 'ABC'],
    ['one line may end with a semicolon', 'output + context.vars.x;', 'abcX'],
    ['several lines are a function body', 'const n = output.length;\nreturn n * 2;', 6],
    ['await works in a body', 'const v = await Promise.resolve(output);\nreturn v + "!";', 'abc!'],
    ['a file exporting a function', 'file://t.js', 'abc|X'],
    ['a named function of a file', 'file://t.js:named', 3],
    ['an ES module default export', 'file://t.mjs', { wrapped: 'abc' }],
    ['null is an error', 'null', /returned nothing/],
    ['a throw is an error', 'output.nope()', /threw: .*not a function/],
    ['a missing file is an error', 'file://none.js', /not found/],
  ];
  for (const [why, code, expected] of cases) {
    it(why, async () => {
      const r = await runTransform(code, 'output', 'abc', ctx, { baseDir: folder.dir, trusted: true });
      if (expected instanceof RegExp) assert.match('error' in r ? r.error : 'no error', expected);
      else assert.deepStrictEqual('value' in r ? r.value : r, expected);
    });
  }
  it('does not run untrusted', async () => {
    assert.match(JSON.stringify(await runTransform('output', 'output', 'abc', ctx, { baseDir: folder.dir, trusted: false })), /trusted workspace/);
  });
  it('a synchronous endless loop stops at the time limit', async () => {
    const r = await runTransform('while (true) {}\nreturn 1;', 'output', 'abc', ctx, { baseDir: folder.dir, trusted: true, timeoutMs: 50 });
    assert.match('error' in r ? r.error : '', /did not finish within 50 ms/);
  });
});

describe('promptfoo derivedMetrics', () => {
  const scope = { p: 0.5, r: 0.25, tp: 3, fp: 1, __count: 4 };
  const cases: [string, number | RegExp][] = [
    ['tp / (tp + fp)', 0.75],
    ['2 * p * r / (p + r)', 1 / 3],
    ['-p + 1', 0.5],
    ['2 ^ 3 ^ 2', 512],
    ['2 ** 3', 8],
    ['-2 ^ 2', -4],
    ['tp % 2', 1],
    ['max(p, r, 0.1) + min(tp, fp)', 1.5],
    ['sqrt(16) + abs(-1) + round(2.5) + floor(1.9) + ceil(1.1) + pow(2, 2)', 15],
    ['1e-1 * 10 + .5', 1.5],
    ['tp / __count', 0.75],
    ['missing + 1', /no metric named missing/],
    ['tp / 0', /not a finite number/],
    ['(tp + fp', /not closed/],
    ['tp +', /ends too early/],
    ['eval(tp)', /unknown function eval\(\)/],
    ['tp; fp', /unexpected ";"/],
    ['tp fp', /unexpected "fp"/],
  ];
  for (const [text, expected] of cases) {
    it(`${text} → ${String(expected)}`, () => {
      const c = compileMetricExpression(text);
      const r = 'error' in c ? c : c.evaluate(scope);
      if (expected instanceof RegExp) assert.match('error' in r ? r.error : `value ${r.value}`, expected);
      else assert.ok('value' in r && Math.abs(r.value - expected) < 1e-12, JSON.stringify(r));
    });
  }

  it('sums each metric over a model’s executions, counts them as __count, evaluates in order', () => {
    const metrics = computeModelMetrics(
      ['a', 'b'],
      [
        { model: 'a', namedScores: { hit: 1, len: 0.5 } },
        { model: 'a', namedScores: { hit: 0 } },
        { model: 'a' },
        { model: 'b', namedScores: { hit: 1 } },
      ],
      [
        { name: 'rate', value: 'hit / __count' },
        { name: 'pct', value: 'rate * 100' },
      ],
    );
    assert.deepStrictEqual(metrics, [
      { model: 'a', namedScores: { hit: 1, len: 0.5 }, derived: [{ name: 'rate', value: 1 / 3 }, { name: 'pct', value: (1 / 3) * 100 }] },
      { model: 'b', namedScores: { hit: 1 }, derived: [{ name: 'rate', value: 1 }, { name: 'pct', value: 100 }] },
    ]);
  });

  it('totals a metric as promptfoo 0.121.20 does: each execution adds Σ score × weight over the metric’s assertions', () => {
    // One execution: rouge 1 (weight 1), contains 0 (weight 1), bleu 0.2 (weight 2) under `overlap`: mean 0.35, weight 4.
    // promptfoo's accumulateNamedMetric adds 0.35 × 4 = 1.4; a metric of weight-0 assertions adds its plain mean.
    const assertions = [
      { metric: 'overlap', weight: 1 },
      { metric: 'overlap', weight: 1 },
      { metric: 'overlap', weight: 2 },
      { metric: 'recorded', weight: 0 },
      { weight: 1 },
    ];
    const [m] = computeModelMetrics(['a'], [{ model: 'a', namedScores: { overlap: 0.35, recorded: 0.5 }, assertions }], [{ name: 'per_case', value: 'overlap / __count' }]);
    assert.ok(Math.abs(m!.namedScores.overlap! - 1.4) < 1e-12, String(m!.namedScores.overlap));
    assert.strictEqual(m!.namedScores.recorded, 0.5);
    assert.ok(Math.abs(m!.derived[0]!.value! - 1.4) < 1e-12);
  });

  it('a config’s derived metric that does not compile is an error where it is written', () => {
    const config = parsePromptfooConfig('prompts: [hi]\nproviders: [echo]\nderivedMetrics:\n  - name: f1\n    value: 2 * p * r / (p + r\n  - { name: ok, value: p }\n', '/x/promptfooconfig.yaml', TEST_FILES);
    assert.deepStrictEqual(config.diagnostics.map((d) => [d.code, d.range.start.line, d.message]), [['invalid-metrics', 3, 'derived metric f1: a ( is not closed']]);
    assert.deepStrictEqual(config.derivedMetrics, [{ name: 'ok', value: 'p' }]);
  });
});
