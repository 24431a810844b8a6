// Keeps examples/, docs/prompt-format.md and the code in step: the examples are clean and render, every
// prompt shown in the docs parses without problems, and every code and key the parser knows is documented.
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { INPUT_TYPES, PARAM_KEYS, PROMPT_KEYS, PROMPTY_KEYS } from '../../src/core/promptFile/frontMatter';
import { parsePromptFile } from '../../src/core/promptFile/parsePromptFile';
import { PROMPT_DIAGNOSTIC_CODES } from '../../src/core/promptFile/promptDocument';
import { renderPrompt } from '../../src/core/promptFile/renderPrompt';
import { validatePromptFile } from '../../src/core/promptFile/validatePromptFile';

const root = join(__dirname, '../..');
const KNOWN = ['openai', 'anthropic', 'echo'];
const docs = readFileSync(join(root, 'docs/prompt-format.md'), 'utf8');

describe('promptFile: examples and docs', () => {
  const examples = readdirSync(join(root, 'examples')).filter((f) => /\.prompty?$/.test(f));

  it('examples/ holds at least three prompt files, one of them .prompty', () => {
    assert.ok(examples.length >= 3, examples.join(', '));
    assert.ok(examples.some((f) => f.endsWith('.prompty')));
  });

  for (const name of examples) {
    it(`example ${name}: no diagnostics, renders with its defaults and with each inline test case`, () => {
      const path = join(root, 'examples', name);
      const doc = parsePromptFile(readFileSync(path, 'utf8'), { path });
      assert.deepEqual(validatePromptFile(doc, { knownProviders: KNOWN }).map((d) => `${d.code}: ${d.message}`), []);
      assert.ok(doc.models.length > 0, 'names a model');
      const defaults = renderPrompt(doc, {});
      assert.ok('messages' in defaults, JSON.stringify(defaults));
      assert.ok(defaults.messages.some((m) => m.role === 'user'), 'has a user message');
      const cases = Array.isArray(doc.tests?.value) ? (doc.tests.value as { vars?: Record<string, unknown> }[]) : [];
      for (const [i, c] of cases.entries()) {
        const r = renderPrompt(doc, c.vars ?? {});
        assert.ok('messages' in r, `case ${i + 1}: ${JSON.stringify(r)}`);
      }
    });
  }

  const blocks = [...docs.matchAll(/```(prompt|prompty)\n([\s\S]*?)```/g)].map((m) => ({ kind: m[1]!, text: m[2]! }));
  it('the docs show prompt files', () => assert.ok(blocks.length >= 5, `${blocks.length} blocks`));
  blocks.forEach((b, i) => {
    it(`docs block ${i + 1} (${b.kind}) parses with no diagnostics and renders`, () => {
      const doc = parsePromptFile(b.text, { path: `docs.${b.kind}` });
      assert.deepEqual(validatePromptFile(doc).map((d) => `${d.code}: ${d.message}`), []);
      const r = renderPrompt(doc, {});
      assert.ok('messages' in r, JSON.stringify(r));
    });
  });

  it('documents every diagnostic code', () => {
    const missing = Object.keys(PROMPT_DIAGNOSTIC_CODES).filter((c) => !docs.includes(`| \`${c}\` |`));
    assert.deepEqual(missing, []);
  });

  it('documents every front-matter key, parameter and input type', () => {
    const names = [...PROMPT_KEYS, ...PROMPTY_KEYS, ...PARAM_KEYS, ...INPUT_TYPES];
    assert.deepEqual(names.filter((k) => !docs.includes(`\`${k}\``)), []);
  });
});
