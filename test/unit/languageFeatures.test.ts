// The editor features' pure halves (src/host/language/* files that do not import vscode): what the cursor
// is on, the outline and folding, and the words hovers, the preview and the status item show.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { INPUT_SPEC_KEYS, INPUT_TYPES, PARAM_KEYS, PROMPT_KEYS, PROMPTY_KEYS } from '../../src/core/promptFile/frontMatter';
import { INPUT_SPEC_KEY_DOCS, INPUT_TYPE_DOCS, PARAM_DOCS, PROMPT_KEY_DOCS, PROMPTY_KEY_DOCS } from '../../src/core/promptFile/keyDocs';
import { parsePromptFile } from '../../src/core/promptFile/parsePromptFile';
import { renderPrompt } from '../../src/core/promptFile/renderPrompt';
import { validatePromptFile } from '../../src/core/promptFile/validatePromptFile';
import { PriceBook } from '../../src/core/pricing/pricing';
import { completionSite, frontMatterKeyAt } from '../../src/host/language/cursorContext';
import { formatUsd, inputMarkdown, modelMarkdown } from '../../src/host/language/hoverText';
import { loadCore } from '../../src/host/language/lazyCore';
import { promptFolding, promptOutline } from '../../src/host/language/outline';
import { previewMarkdown, previewJson, previewNotice, type RenderedPreview } from '../../src/host/language/previewText';
import { tokenStatusView } from '../../src/host/language/tokenText';

const root = join(__dirname, '..', '..');
const CURSOR = '¦';

/** Parses `marked` with the cursor mark removed; returns the document and the cursor's offset. */
function at(marked: string) {
  const offset = marked.indexOf(CURSOR);
  assert.ok(offset !== -1, `no ${CURSOR} in ${JSON.stringify(marked)}`);
  const text = marked.slice(0, offset) + marked.slice(offset + 1);
  return { doc: parsePromptFile(text), offset, text };
}

describe('language features: completion sites', () => {
  const cases: { text: string; kind: string; typed?: string; why: string }[] = [
    { text: `---\nna${CURSOR}\n---\nuser:\nhi`, kind: 'topKey', typed: 'na', why: 'a word at the start of a front-matter line is a key' },
    { text: `---\nname: x\n${CURSOR}\n---\n`, kind: 'topKey', typed: '', why: 'an empty front-matter line takes a key' },
    { text: `---\nmod${CURSOR}`, kind: 'topKey', typed: 'mod', why: 'unclosed front matter, cursor at the very end of the file' },
    { text: `---\nname: x\nmod${CURSOR}\nsystem:\nhi`, kind: 'topKey', typed: 'mod', why: 'unclosed front matter ends at the first marker' },
    { text: `---\nname: x\n${CURSOR}---\nuser:\nhi`, kind: 'none', why: 'the closing fence is not YAML' },
    { text: `---\nmodel: openai:gp${CURSOR}\n---\n`, kind: 'modelRef', typed: 'openai:gp', why: 'model value' },
    { text: `---\nmodel: "anth${CURSOR}"\n---\n`, kind: 'modelRef', typed: 'anth', why: 'quoted model value' },
    { text: `---\nmodels: [openai:gpt-4o, an${CURSOR}]\n---\n`, kind: 'modelRef', typed: 'an', why: 'second item of a flow list' },
    { text: `---\nmodels:\n  - op${CURSOR}\n---\n`, kind: 'modelRef', typed: 'op', why: 'indented block list item under models' },
    { text: `---\nmodels:\n- op${CURSOR}\n---\n`, kind: 'modelRef', typed: 'op', why: 'block list item at the key\'s indentation' },
    { text: `---\ntags:\n  - op${CURSOR}\n---\n`, kind: 'none', why: 'a list under another key is not models' },
    { text: `---\nparams:\n  te${CURSOR}\n---\n`, kind: 'paramKey', typed: 'te', why: 'key under params' },
    { text: `---\nparams:\n  temperature: 0\n  ${CURSOR}\n---\n`, kind: 'paramKey', typed: '', why: 'empty line under params' },
    { text: `---\nparams: { temperature: 0, ma${CURSOR} }\n---\n`, kind: 'paramKey', typed: 'ma', why: 'flow mapping of params' },
    { text: `---\ninputs:\n  ticket:\n    ty${CURSOR}\n---\n`, kind: 'inputSpecKey', typed: 'ty', why: 'field of an input' },
    { text: `---\ninputs:\n  ticket:\n    type: st${CURSOR}\n---\n`, kind: 'inputType', typed: 'st', why: 'an input type' },
    { text: `---\ninputs:\n  tone: { type: string, de${CURSOR}\n---\n`, kind: 'inputSpecKey', typed: 'de', why: 'field of an input in flow style' },
    { text: `---\ninputs:\n  tone: { type: nu${CURSOR} }\n---\n`, kind: 'inputType', typed: 'nu', why: 'type in flow style' },
    { text: `---\ninputs:\n  ticket:\n    description: some te${CURSOR}\n---\n`, kind: 'none', why: 'a free-text value' },
    { text: `---\nname: x # co${CURSOR}\n---\n`, kind: 'none', why: 'a YAML comment' },
    { text: `---\ninputs:\n  ti${CURSOR}\n---\n`, kind: 'none', why: 'input names are the author\'s to choose' },
    { text: `user:\nHello {{ tic${CURSOR} }}`, kind: 'variable', typed: 'tic', why: 'inside {{ }}' },
    { text: `user:\n{{ ti${CURSOR}`, kind: 'variable', typed: 'ti', why: 'unclosed {{ at the very end of the file' },
    { text: `user:\n{{- na${CURSOR}`, kind: 'variable', typed: 'na', why: 'whitespace control' },
    { text: `user:\n{{ ticket | tr${CURSOR} }}`, kind: 'filter', typed: 'tr', why: 'after a pipe' },
    { text: `user:\n{{ ticket.na${CURSOR} }}`, kind: 'none', why: 'an attribute is not a variable' },
    { text: `user:\n{{ 1${CURSOR}`, kind: 'none', why: 'a number' },
    { text: `user:\n{{ x is def${CURSOR}`, kind: 'none', why: 'a test name' },
    { text: `user:\n{{ "st${CURSOR}" }}`, kind: 'none', why: 'inside a string literal' },
    { text: `user:\n{% ${CURSOR}`, kind: 'variable', typed: '', why: 'first word of a tag' },
    { text: `user:\n{% for item in ite${CURSOR} %}`, kind: 'variable', typed: 'ite', why: 'expression inside a tag' },
    { text: `user:\n{% raw %}{{ no${CURSOR} }}{% endraw %}`, kind: 'none', why: 'inside a raw block' },
    { text: `user:\n{# {{ no${CURSOR} #}`, kind: 'none', why: 'inside a comment' },
    { text: `user:\nplain te${CURSOR}xt`, kind: 'none', why: 'prose' },
    { text: `user:\n{{ a }} b ${CURSOR}`, kind: 'none', why: 'after a closed expression' },
    { text: `user:\n{{ x }}${CURSOR}`, kind: 'none', why: 'right after }} at the end of the file' },
    { text: `system:\nhi\nmessages: hi${CURSOR}`, kind: 'none', why: 'a messages placeholder line' },
    { text: `---\nname: x\n---\nsystem:\n{{ a }}\nuser:\n{{ b${CURSOR}`, kind: 'variable', typed: 'b', why: 'the second section' },
  ];
  for (const c of cases) {
    it(`${c.why} → ${c.kind}`, () => {
      const { doc, offset, text } = at(c.text);
      const site = completionSite(doc, offset);
      assert.strictEqual(site.kind, c.kind, `site at ${JSON.stringify(c.text)}`);
      if (site.kind !== 'none' && c.typed !== undefined) assert.strictEqual(text.slice(site.start, offset), c.typed, 'the word being completed');
    });
  }

  it('lists the keys already present, except the one being typed', () => {
    const { doc, offset } = at(`---\nname: x\nmodel: openai:gpt-4o\nna${CURSOR}\n---\n`);
    const site = completionSite(doc, offset);
    assert.ok(site.kind === 'topKey');
    assert.deepStrictEqual(site.present.sort(), ['model', 'name'], 'present keys');
  });

  it('replaces the whole model reference when the cursor is inside it', () => {
    const { doc, offset, text } = at(`---\nmodel: open${CURSOR}ai:gpt-4o\n---\n`);
    const site = completionSite(doc, offset);
    assert.ok(site.kind === 'modelRef');
    assert.strictEqual(text.slice(site.start, site.end), 'openai:gpt-4o', 'replace range');
  });

  it('tells a first word in {% %} (keywords fit) from a later one', () => {
    const first = completionSite(at(`user:\n{% i${CURSOR}`).doc, at(`user:\n{% i${CURSOR}`).offset);
    const later = completionSite(at(`user:\n{% if ${CURSOR}`).doc, at(`user:\n{% if ${CURSOR}`).offset);
    assert.ok(first.kind === 'variable' && first.tag === 'statement' && first.firstWord, JSON.stringify(first));
    assert.ok(later.kind === 'variable' && !later.firstWord, JSON.stringify(later));
  });

  it('reads CRLF files the same way', () => {
    const cases: [string, string, string][] = [
      [`---\r\nparams:\r\n  te${CURSOR}\r\n---\r\nuser:\r\nhi`, 'paramKey', 'te'],
      [`---\r\nmodels:\r\n  - op${CURSOR}\r\n---\r\n`, 'modelRef', 'op'],
      [`---\r\nname: x\r\n---\r\nuser:\r\n{{ na${CURSOR} }}\r\n`, 'variable', 'na'],
    ];
    for (const [marked, kind, typed] of cases) {
      const { doc, offset, text } = at(marked);
      const site = completionSite(doc, offset);
      assert.strictEqual(site.kind, kind, JSON.stringify(marked));
      if (site.kind !== 'none') assert.strictEqual(text.slice(site.start, offset), typed);
    }
    const folds = promptFolding(parsePromptFile('---\r\nname: x\r\n---\r\nuser:\r\na\r\nb\r\n'));
    assert.deepStrictEqual(folds, [{ start: 0, end: 2 }, { start: 3, end: 5 }]);
  });

  it('never throws at any offset of a tricky file', () => {
    const text = '---\nmodels: [a:b, "c\ninputs: {x: {\n---\nuser:\n{{ "x }} {% raw %}{{ {# \n{% if %}\nmessages: m\n';
    const doc = parsePromptFile(text);
    for (let o = -1; o <= text.length + 1; o++) {
      completionSite(doc, o);
      frontMatterKeyAt(doc, o);
    }
  });
});

describe('language features: the key under the cursor', () => {
  const cases: { text: string; key?: string; path?: string[]; why: string }[] = [
    { text: `---\nna${CURSOR}me: x\n---\n`, key: 'name', path: [], why: 'top-level key' },
    { text: `---\nparams:\n  temp${CURSOR}erature: 0\n---\n`, key: 'temperature', path: ['params'], why: 'block param' },
    { text: `---\nparams: { temp${CURSOR}erature: 0 }\n---\n`, key: 'temperature', path: ['params'], why: 'flow param' },
    { text: `---\ninputs:\n  ticket:\n    de${CURSOR}fault: 1\n---\n`, key: 'default', path: ['inputs', 'ticket'], why: 'input field' },
    { text: `---\ninputs:\n  tone: { ty${CURSOR}pe: string }\n---\n`, key: 'type', path: ['inputs', 'tone'], why: 'flow input field' },
    { text: `---\nname: na${CURSOR}me\n---\n`, why: 'a value is not a key' },
    { text: `---\nname: x\n---\nuser:\nna${CURSOR}me: x`, why: 'the body is not front matter' },
  ];
  for (const c of cases) {
    it(c.why, () => {
      const { doc, offset } = at(c.text);
      const k = frontMatterKeyAt(doc, offset);
      if (c.key === undefined) assert.strictEqual(k, undefined, JSON.stringify(k));
      else {
        assert.strictEqual(k?.key, c.key, 'key');
        assert.deepStrictEqual(k?.path, c.path, 'path');
      }
    });
  }
});

const OUTLINED = [
  '---', //                              0
  'name: triage', //                     1
  'models: [openai:gpt-4o-mini]', //     2
  'inputs:', //                          3
  '  ticket: { type: string }', //       4
  '  tone: friendly', //                 5
  '---', //                              6
  '', //                                 7
  'You are a router.', //                8
  '', //                                 9
  'user:', //                            10
  '{{ ticket }} {{ tone }}', //          11
  '{# a note', //                        12
  'over two lines #}', //                13
  '', //                                 14
  'messages: history', //                15
  'assistant:', //                       16
].join('\n');

describe('language features: outline and folding', () => {
  const doc = parsePromptFile(OUTLINED);

  it('outlines the front matter and each section, in order', () => {
    const outline = promptOutline(doc);
    assert.deepStrictEqual(outline.map((n) => n.name), ['front matter', 'system', 'user', 'messages: history', 'assistant']);
    assert.deepStrictEqual(outline[0]!.children.map((n) => n.name), ['name', 'models', 'inputs'], 'front-matter keys');
    assert.deepStrictEqual(outline[0]!.children[2]!.children.map((n) => n.name), ['ticket', 'tone'], 'inputs under inputs');
    assert.strictEqual(outline[0]!.children[1]!.detail, 'openai:gpt-4o-mini', 'models detail');
  });

  const lines = (n: { range: { start: { line: number }; end: { line: number } } }) => [n.range.start.line, n.range.end.line];
  it('gives each section its lines without trailing blank lines', () => {
    const outline = promptOutline(doc);
    assert.deepStrictEqual(lines(outline[1]!), [8, 8], 'implicit system message starts at its first text line');
    assert.deepStrictEqual(lines(outline[2]!), [10, 13], 'user section');
    assert.deepStrictEqual(lines(outline[4]!), [16, 16], 'empty assistant section');
    assert.strictEqual(outline[2]!.detail, '{{ ticket }} {{ tone }}', 'first line as detail');
  });

  it('keeps every selection range inside its range', () => {
    const inside = (n: ReturnType<typeof promptOutline>[number]): void => {
      const r = n.range;
      const s = n.selectionRange;
      const le = (a: { line: number; character: number }, b: { line: number; character: number }) => a.line < b.line || (a.line === b.line && a.character <= b.character);
      assert.ok(le(r.start, s.start) && le(s.end, r.end), `${n.name}: ${JSON.stringify(n.range)} ∌ ${JSON.stringify(n.selectionRange)}`);
      n.children.forEach(inside);
    };
    promptOutline(doc).forEach(inside);
  });

  it('folds the front matter, sections over one line, and multi-line comments', () => {
    const folds = promptFolding(doc).map((f) => `${f.start}-${f.end}${f.kind ? ` ${f.kind}` : ''}`);
    assert.deepStrictEqual(folds.sort(), ['0-6', '10-13', '12-13 comment'].sort());
  });

  it('folds an unclosed front matter up to the first marker', () => {
    const folds = promptFolding(parsePromptFile('---\nname: x\nmodel: a:b\nsystem:\nhi\nthere'));
    assert.deepStrictEqual(folds, [{ start: 0, end: 2 }, { start: 3, end: 5 }]);
  });

  it('outlines a file with no front matter and no markers as one system message', () => {
    const outline = promptOutline(parsePromptFile('Just text.\nMore.'));
    assert.deepStrictEqual(outline.map((n) => [n.name, ...lines(n)]), [['system', 0, 1]]);
  });
});

describe('language features: hover and completion text', () => {
  const money: [number, string][] = [
    [0.15, '$0.15'],
    [0.6, '$0.60'],
    [10, '$10.00'],
    [1.25, '$1.25'],
    [0.075, '$0.075'],
    [0.025, '$0.025'],
    [0.005, '$0.005'],
    [0, '$0'],
  ];
  for (const [n, s] of money) it(`formats ${n} per 1M tokens as ${s}`, () => assert.strictEqual(formatUsd(n), s));

  it('describes a declared input with its type, description, default and uses', () => {
    const doc = parsePromptFile(OUTLINED.replace('ticket: { type: string }', "ticket: { type: string, description: The customer's message, default: I was charged twice }"));
    const md = inputMarkdown('ticket', doc.inputs.get('ticket'), 1);
    assert.match(md, /\*\*ticket\*\* — string input/, 'name and type');
    assert.match(md, /The customer's message/, 'description');
    assert.match(md, /Default: `"I was charged twice"`/, 'default as JSON');
    assert.match(md, /Read once/, 'uses');
  });

  it('says when an input has no default, and when a variable is not declared', () => {
    const doc = parsePromptFile('---\ninputs:\n  q:\n---\n{{ q }}');
    assert.match(inputMarkdown('q', doc.inputs.get('q'), 1), /No default/);
    assert.match(inputMarkdown('zz', undefined, 2), /not declared in `inputs`/);
  });

  const book = new PriceBook({ 'ollama:*': { input: 0, output: 0 } });
  const refCases: { ref: string; provider: Parameters<typeof modelMarkdown>[1]; has: RegExp[]; why: string }[] = [
    { ref: 'openai:gpt-4o-mini', provider: { kind: 'builtin', name: 'openai' }, has: [/Provider: OpenAI/, /input \$0\.15/, /output \$0\.60/, /cached input \$0\.075/, /as of 2025-06-10/], why: 'a priced OpenAI model' },
    { ref: 'anthropic:claude-3-5-haiku-latest', provider: { kind: 'builtin', name: 'anthropic' }, has: [/Anthropic/, /input \$0\.80/, /output \$4\.00/], why: 'a priced Anthropic model' },
    { ref: 'openai:gpt-99', provider: { kind: 'builtin', name: 'openai' }, has: [/Price unknown/, /assay\.pricing/], why: 'an unpriced model' },
    { ref: 'ollama:llama3.1:8b', provider: { kind: 'endpoint', name: 'ollama', baseUrl: 'http://localhost:11434/v1' }, has: [/endpoint \*\*ollama\*\*/, /localhost:11434/, /From your `assay\.pricing`/], why: 'an endpoint priced by the user' },
    { ref: 'openai:gpt-4o', provider: { kind: 'endpoint', name: 'openai', baseUrl: 'https://gateway.example/v1' }, has: [/Provider: OpenAI via `https:\/\/gateway\.example\/v1`/, /^(?![\s\S]*openai-compatible)/], why: 'a built-in re-pointed at a gateway is still OpenAI, not "openai-compatible"' },
    { ref: 'anthropic:claude-x', provider: { kind: 'endpoint', name: 'anthropic', baseUrl: 'https://proxy.example', endpointKind: 'anthropic' }, has: [/Provider: Anthropic via/], why: 'a re-pointed Anthropic with its kind spelled out' },
    { ref: 'opneai:gpt-4o', provider: { kind: 'unknown', name: 'opneai' }, has: [/not configured/], why: 'an unknown provider' },
    { ref: 'echo:echo', provider: { kind: 'builtin', name: 'echo' }, has: [/no API call/, /free/], why: 'the echo provider' },
  ];
  for (const c of refCases) {
    it(`model hover: ${c.why}`, () => {
      const [provider, ...rest] = c.ref.split(':');
      const ref = { provider: provider!, model: rest.join(':') };
      const md = modelMarkdown(ref, c.provider, book.priceOf(ref));
      for (const re of c.has) assert.match(md, re, md);
    });
  }
});

describe('language features: preview and status text', () => {
  const preview: RenderedPreview = {
    title: 'triage',
    sourceName: 'triage.prompt',
    inputsLabel: 'the default inputs',
    models: ['openai:gpt-4o-mini'],
    params: { temperature: 0, max_tokens: 20 },
    messages: [
      { role: 'system', content: 'You route tickets.' },
      { role: 'user', content: 'I was charged twice' },
    ],
  };

  it('shows each message under a role heading, after a header naming the inputs and params', () => {
    const md = previewMarkdown(preview);
    assert.match(md, /^# triage — rendered with the default inputs$/m);
    assert.match(md, /^Params: temperature 0, max_tokens 20/m);
    assert.ok(md.includes('## system\n\nYou route tickets.\n\n## user\n\nI was charged twice\n'), md);
  });

  it('gives the JSON a provider would get', () => {
    const json = JSON.parse(previewJson(preview)) as { messages: unknown; params: unknown; models: unknown };
    assert.deepStrictEqual(json.messages, preview.messages);
    assert.deepStrictEqual(json.params, preview.params);
    assert.deepStrictEqual(json.models, preview.models);
  });

  it('says why there is nothing to show, in either format', () => {
    assert.match(previewNotice('markdown', 'x', 'Rendering is off in Restricted Mode.', 'because'), /not rendered[\s\S]*Restricted Mode[\s\S]*because/);
    assert.deepStrictEqual(JSON.parse(previewNotice('json', 'x', 'off', 'because')), { prompt: 'x', error: 'off', detail: 'because' });
  });

  const statusCases: { status: Parameters<typeof tokenStatusView>[0]; text: string; tooltip: RegExp; why: string }[] = [
    { status: { kind: 'restricted', reason: 'Restricted Mode: no rendering.' }, text: '$(shield) tokens off', tooltip: /^Restricted Mode: no rendering\.$/, why: 'Restricted Mode says why it is off' },
    { status: { kind: 'counted', method: 'o200k_base', models: [{ model: 'openai:gpt-4o-mini', tokens: 1234, exact: true, inputUsd: 0.000185 }] }, text: '$(symbol-numeric) 1,234 tokens', tooltip: /openai:gpt-4o-mini: 1,234 tokens, \$0\.000185 input/, why: 'an exact count' },
    { status: { kind: 'counted', method: 'o200k_base', models: [{ model: 'anthropic:claude-3-5-haiku-latest', tokens: 50, exact: false, inputUsd: null }] }, text: '$(symbol-numeric) ~50 tokens', tooltip: /≈ 50 tokens \(estimate\), cost unknown[\s\S]*estimates/, why: 'an estimate is labelled' },
    { status: { kind: 'error', message: "Missing variable 'q'", line: 4 }, text: '$(warning) tokens n/a', tooltip: /\(line 5\): Missing variable 'q'/, why: 'a render error' },
    { status: { kind: 'large', bytes: 2 * 1024 * 1024 }, text: '$(file) not parsed', tooltip: /2\.0 MB[\s\S]*Parse Large Prompt File/, why: 'a large file' },
    { status: { kind: 'binary' }, text: '$(warning) binary file', tooltip: /binary/, why: 'a binary file' },
  ];
  for (const c of statusCases) {
    it(`status item: ${c.why}`, () => {
      const view = tokenStatusView(c.status);
      assert.strictEqual(view.text, c.text);
      assert.match(view.tooltip, c.tooltip, view.tooltip);
    });
  }
});

describe('language features: key documentation and snippets', () => {
  const coverage: [string, readonly string[], Readonly<Record<string, unknown>>][] = [
    ['PROMPT_KEYS', PROMPT_KEYS, PROMPT_KEY_DOCS],
    ['PROMPTY_KEYS', PROMPTY_KEYS, PROMPTY_KEY_DOCS],
    ['PARAM_KEYS', PARAM_KEYS, PARAM_DOCS],
    ['INPUT_SPEC_KEYS', INPUT_SPEC_KEYS, INPUT_SPEC_KEY_DOCS],
    ['INPUT_TYPES', INPUT_TYPES, INPUT_TYPE_DOCS],
  ];
  for (const [name, keys, docs] of coverage) {
    it(`documents exactly the keys of ${name}`, () => assert.deepStrictEqual(Object.keys(docs).sort(), [...keys].sort()));
  }

  it('loads the lazily bundled core with every function and table', async () => {
    const core = await loadCore();
    for (const [k, v] of Object.entries(core)) assert.ok(v !== undefined, `core.${k}`);
    assert.strictEqual(core.parsePromptFile, parsePromptFile, 'the same parser the rest of core uses');
  });

  /** A snippet body with each placeholder replaced by its default (the first choice; empty for tab stops). */
  function expand(body: string[]): string {
    let s = body.join('\n');
    for (let i = 0; i < 5; i++) s = s.replace(/\$\{\d+:([^${}]*)\}/g, '$1').replace(/\$\{\d+\|([^,|]*)[^|]*\|\}/g, '$1');
    return s.replace(/\$\d+/g, '');
  }
  const snippets = JSON.parse(readFileSync(join(root, 'snippets/assay-prompt.code-snippets'), 'utf8')) as Record<string, { prefix: string[]; body: string[]; description: string }>;

  it('has a prefix, a description and a body for every snippet', () => {
    assert.deepStrictEqual(Object.keys(snippets).sort(), ['Input', 'Prompt file', 'Role section', 'Test case']);
    for (const [name, s] of Object.entries(snippets)) {
      assert.ok(s.prefix.length > 0 && s.description && s.body.length > 0, name);
    }
  });

  it('expands "Prompt file" into a prompt with no problems that renders', () => {
    const doc = parsePromptFile(expand(snippets['Prompt file']!.body));
    assert.deepStrictEqual(validatePromptFile(doc, { knownProviders: ['openai', 'anthropic', 'echo'] }), [], 'diagnostics of the expanded snippet');
    const r = renderPrompt(doc);
    assert.ok('messages' in r, JSON.stringify(r));
    assert.deepStrictEqual(r.messages.map((m) => m.role), ['system', 'user']);
  });

  it('expands "Role section" into a new message and "Input" into a typed input', () => {
    const withRole = parsePromptFile(`system:\nhi\n${expand(snippets['Role section']!.body)}`);
    assert.deepStrictEqual(withRole.sections.map((s) => s.role), ['system', 'user']);
    const input = expand(snippets['Input']!.body).split('\n').map((l) => `  ${l}`).join('\n');
    const withInput = parsePromptFile(`---\ninputs:\n${input}\n---\n{{ name }}`);
    assert.deepStrictEqual(withInput.diagnostics, []);
    assert.strictEqual(withInput.inputs.get('name')?.type, 'string');
  });

  it('expands "Test case" into a case the prompt file accepts', () => {
    const cases = expand(snippets['Test case']!.body).split('\n').map((l) => `  ${l}`).join('\n');
    const doc = parsePromptFile(`---\ninputs:\n  name: x\ntests:\n${cases}\n---\n{{ name }}`);
    assert.deepStrictEqual(doc.diagnostics, []);
    assert.ok(Array.isArray(doc.tests?.value) && (doc.tests.value as unknown[]).length === 1);
  });
});
