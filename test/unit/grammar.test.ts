import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as oniguruma from 'vscode-oniguruma';
import * as vsctm from 'vscode-textmate';

const root = join(__dirname, '..', '..');

async function loadGrammar(): Promise<vsctm.IGrammar> {
  const wasm = readFileSync(join(root, 'node_modules/vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) as ArrayBuffer);
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s: string) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scope: string) =>
      scope === 'source.prompt'
        ? vsctm.parseRawGrammar(readFileSync(join(root, 'syntaxes/prompt.tmLanguage.json'), 'utf8'), 'prompt.tmLanguage.json')
        : scope === 'source.yaml'
          ? // VS Code's own YAML grammar, not ours: an empty one stands in so the embedding resolves
            vsctm.parseRawGrammar(JSON.stringify({ scopeName: 'source.yaml', patterns: [] }), 'yaml.json')
          : null,
  });
  const grammar = await registry.loadGrammar('source.prompt');
  assert.ok(grammar, 'grammar loads');
  return grammar;
}

/** Tokenizes `text` and returns, for each token, its text and innermost-to-outermost scopes. */
function tokenize(grammar: vsctm.IGrammar, text: string): { line: number; text: string; scopes: string[] }[] {
  const out: { line: number; text: string; scopes: string[] }[] = [];
  let state = vsctm.INITIAL;
  text.split('\n').forEach((line, i) => {
    const r = grammar.tokenizeLine(line, state);
    for (const t of r.tokens) out.push({ line: i, text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes });
    state = r.ruleStack;
  });
  return out;
}

const SAMPLE = `---
name: triage
---
system:
You route tickets. {# a comment #}

# User:
{{ ticket | trim }}
{% if urgent %}Be quick.{% endif %}
{% raw %}{{ not a variable }}{% endraw %}
assistant:
ok`;

describe('prompt TextMate grammar', () => {
  let tokens: { line: number; text: string; scopes: string[] }[];
  before(async () => {
    tokens = tokenize(await loadGrammar(), SAMPLE);
  });

  const find = (line: number, text: string) => {
    const t = tokens.find((x) => x.line === line && x.text.trim() === text);
    assert.ok(t, `token '${text}' on line ${line + 1}: ${JSON.stringify(tokens.filter((x) => x.line === line).map((x) => x.text))}`);
    return t.scopes;
  };

  const cases: [number, string, string, string][] = [
    [0, '---', 'punctuation.definition.frontmatter.begin.prompt', 'front matter opens'],
    [1, 'name: triage', 'meta.embedded.block.frontmatter', 'front matter is embedded YAML'],
    [2, '---', 'punctuation.definition.frontmatter.end.prompt', 'front matter closes'],
    [3, 'system', 'entity.name.section.role.prompt', 'role marker'],
    [4, '{#', 'comment.block.nunjucks.prompt', 'Nunjucks comment'],
    [6, 'User', 'entity.name.section.role.prompt', 'role marker with # and capital letter'],
    [7, '{{', 'punctuation.section.embedded.begin.nunjucks.prompt', 'expression opens'],
    [7, 'ticket', 'variable.other.nunjucks.prompt', 'variable inside {{ }}'],
    [7, 'trim', 'support.function.filter.nunjucks.prompt', 'filter'],
    [8, 'if', 'keyword.control.nunjucks.prompt', 'statement keyword'],
    [9, '{{ not a variable }}', 'string.unquoted.raw.nunjucks.prompt', 'raw block is literal'],
    [10, 'assistant', 'entity.name.section.role.prompt', 'assistant marker'],
  ];
  for (const [line, text, scope, why] of cases) {
    it(`${why}: '${text}' → ${scope}`, () => {
      assert.ok(find(line, text).includes(scope), `scopes of '${text}': ${find(line, text).join(' ')}`);
    });
  }

  it('plain prose is not a variable', () => {
    const scopes = find(4, 'You route tickets.');
    assert.ok(!scopes.some((s) => s.startsWith('variable')), scopes.join(' '));
  });

  it('a role word inside a sentence is not a marker', async () => {
    const t = tokenize(await loadGrammar(), 'body\nthe system: is down');
    assert.ok(!t.some((x) => x.scopes.includes('entity.name.section.role.prompt')));
  });

  // Lines the parser (parsePromptFile's ROLE_MARKER and MESSAGES_MARKER) treats as markers, and lines it
  // does not: the grammar must agree, or the colours would promise a message boundary that is not there.
  const markerCases: { line: string; scope: string | undefined; why: string }[] = [
    { line: 'messages:', scope: 'entity.name.section.messages.prompt', why: 'bare messages placeholder' },
    { line: 'messages: history', scope: 'entity.name.section.messages.prompt', why: 'placeholder naming its variable' },
    { line: '# Messages : chat_log  ', scope: 'entity.name.section.messages.prompt', why: 'placeholder with #, capital letter and spaces' },
    { line: 'system :', scope: 'entity.name.section.role.prompt', why: 'space before the colon' },
    { line: '  ASSISTANT:', scope: 'entity.name.section.role.prompt', why: 'indented, upper case' },
    { line: 'messages: two words', scope: undefined, why: 'a placeholder names one variable' },
    { line: 'messages: {{ history }}', scope: undefined, why: 'a template is not a variable name' },
    { line: 'user: hi', scope: undefined, why: 'text after the colon makes an ordinary line' },
  ];
  for (const c of markerCases) {
    it(`marker line '${c.line}': ${c.why}`, async () => {
      const t = tokenize(await loadGrammar(), `text\n${c.line}\nmore`).filter((x) => x.line === 1);
      const sections = t.filter((x) => x.scopes.some((s) => s.startsWith('entity.name.section.')));
      if (c.scope === undefined) assert.strictEqual(sections.length, 0, `'${c.line}' should not be a marker: ${JSON.stringify(t)}`);
      else assert.ok(sections.some((x) => x.scopes.includes(c.scope!)), `'${c.line}' should carry ${c.scope}: ${JSON.stringify(t)}`);
    });
  }

  it("the placeholder's variable is scoped as a variable", async () => {
    const t = tokenize(await loadGrammar(), 'x\nmessages: history');
    const v = t.find((x) => x.text === 'history');
    assert.ok(v?.scopes.includes('variable.other.messages.prompt'), JSON.stringify(t));
  });

  it('expressions and tags keep their scopes in every message after a placeholder', async () => {
    const t = tokenize(await loadGrammar(), 'system:\nhi\nmessages: history\nuser:\n{{ question }}');
    const q = t.find((x) => x.text === 'question');
    assert.ok(q?.scopes.includes('variable.other.nunjucks.prompt'), JSON.stringify(t));
  });

  // The parser splits messages at markers before reading templates, so an unclosed tag ends at the next one.
  for (const [open, what] of [['{{ broken }', 'expression'], ['{% if x', 'tag'], ['{# note', 'comment'], ['{% raw %}', 'raw block']] as const) {
    it(`an unclosed ${what} stops at the next role marker`, async () => {
      const t = tokenize(await loadGrammar(), `system:\n${open}\nuser:\n{{ q }}`);
      const marker = t.find((x) => x.line === 2 && x.text === 'user');
      assert.ok(marker?.scopes.includes('entity.name.section.role.prompt'), `user: after '${open}': ${JSON.stringify(marker)}`);
      const q = t.find((x) => x.line === 3 && x.text === 'q');
      assert.ok(q?.scopes.includes('variable.other.nunjucks.prompt'), `{{ q }} after '${open}': ${JSON.stringify(q)}`);
    });
  }

  it('a multi-line expression still spans lines when no marker interrupts it', async () => {
    const t = tokenize(await loadGrammar(), 'system:\n{{ a\n | trim }}');
    const trim = t.find((x) => x.line === 2 && x.text === 'trim');
    assert.ok(trim?.scopes.includes('support.function.filter.nunjucks.prompt'), JSON.stringify(trim));
  });
});
