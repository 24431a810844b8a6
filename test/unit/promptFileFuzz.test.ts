// Parsing and validation must never throw and must keep every range inside the document, whatever
// the input: the editor runs them on every keystroke, half-typed files included.
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as fc from 'fast-check';
import { parsePromptFile } from '../../src/core/promptFile/parsePromptFile';
import type { PromptDocument } from '../../src/core/promptFile/promptDocument';
import { renderPrompt } from '../../src/core/promptFile/renderPrompt';
import { STARTER_PROMPT } from '../../src/core/promptFile/starter';
import { validatePromptFile } from '../../src/core/promptFile/validatePromptFile';
import type { Range } from '../../src/core/types';

const root = join(__dirname, '../..');
function promptFiles(dir: string): { name: string; text: string }[] {
  return readdirSync(join(root, dir))
    .filter((f) => /\.prompty?$/.test(f))
    .map((f) => ({ name: f, text: readFileSync(join(root, dir, f), 'utf8') }));
}
const corpus = [{ name: 'starter.prompt', text: STARTER_PROMPT }, ...promptFiles('examples'), ...promptFiles('test/fixtures/prompts')];

/** Fragments that stress the parser: fences, markers, template delimiters, YAML syntax, odd characters. */
const SNIPPETS = [
  '---', '---\n', '\n', '\r\n', '\r', '\t', ' ', 'user:\n', 'assistant:', '# system:\n', 'messages: h\n', 'human:\n', '{{', '}}', '{%', '%}',
  '{#', '#}', '{{ x }}', '{% if x %}', '{% endif %}', '{% for a in b %}', '{% endfor %}', '{% raw %}', '{% endraw %}', '{%- ', ' -%}',
  ':', ': ', '- ', '  ', '"', "'", '&a ', '*a', '!!binary ', '? ', '[', ']', '{', '}', ',', '|\n', '>-\n', 'model: ', 'models: [',
  'inputs:\n  ', 'params: {', 'tests: ', 'sample: ', '\uFEFF', '\u2028', '\u0000', 'é', '😀', '\uD800', 'provider:model',
];

function mutate(text: string, edits: { op: number; at: number; len: number; snippet: string }[]): string {
  let t = text;
  for (const e of edits) {
    const at = t.length === 0 ? 0 : e.at % (t.length + 1);
    if (e.op === 0) t = t.slice(0, at) + e.snippet + t.slice(at);
    else if (e.op === 1) t = t.slice(0, at) + t.slice(at + e.len);
    else t = t.slice(0, at) + e.snippet + t.slice(at + e.len);
  }
  return t;
}

const edit = fc.record({
  op: fc.integer({ min: 0, max: 2 }),
  at: fc.nat(),
  len: fc.integer({ min: 0, max: 40 }),
  snippet: fc.oneof(fc.constantFrom(...SNIPPETS), fc.string({ maxLength: 8 }), fc.string({ unit: 'binary', maxLength: 4 })),
});
const mutatedFile = fc.tuple(fc.constantFrom(...corpus), fc.array(edit, { minLength: 1, maxLength: 8 })).map(([f, edits]) => mutate(f.text, edits));

function assertRange(doc: PromptDocument, r: Range, what: string): void {
  const lines = doc.lines;
  for (const p of [r.start, r.end]) {
    assert.ok(Number.isInteger(p.line) && p.line >= 0 && p.line < lines.lineCount, `${what}: line ${p.line} of ${lines.lineCount}`);
    const len = lines.lineText(p.line).length;
    assert.ok(Number.isInteger(p.character) && p.character >= 0 && p.character <= len, `${what}: character ${p.character} of ${len} on line ${p.line}`);
  }
  const before = r.start.line < r.end.line || (r.start.line === r.end.line && r.start.character <= r.end.character);
  assert.ok(before, `${what}: start after end ${JSON.stringify(r)}`);
}

function checkDocument(text: string, path: string): void {
  const doc = parsePromptFile(text, { path });
  const diags = validatePromptFile(doc, { knownProviders: ['openai', 'anthropic', 'echo'] });
  for (const d of diags) {
    assertRange(doc, d.range, `diagnostic ${d.code}`);
    assert.ok(['error', 'warning', 'info', 'hint'].includes(d.severity));
    assert.ok(typeof d.message === 'string' && d.message.length > 0);
  }
  for (const s of doc.sections) {
    assertRange(doc, s.bodyRange, 'section body');
    if (s.markerRange) assertRange(doc, s.markerRange, 'marker');
    for (const v of s.variables) assertRange(doc, v.range, `variable ${v.name}`);
  }
  for (const m of doc.models) assertRange(doc, m.range, 'model');
  for (const i of doc.inputs.values()) assertRange(doc, i.range, 'input');
  if (doc.tests) assertRange(doc, doc.tests.range, 'tests');
  if (doc.frontMatter) {
    assertRange(doc, doc.frontMatter.range, 'front matter');
    for (const r of doc.frontMatter.keyRanges.values()) assertRange(doc, r, 'key');
  }
}

describe('promptFile: fuzz (never throws, ranges inside the document)', () => {
  it(`the corpus itself (${corpus.length} files)`, () => {
    for (const f of corpus) checkDocument(f.text, f.name);
  });

  for (const kind of ['prompt', 'prompty']) {
    it(`mutated .${kind} files`, () => {
      fc.assert(fc.property(mutatedFile, (text) => checkDocument(text, `fuzz.${kind}`)), { numRuns: 1000 });
    });
  }

  it('random text, random bytes and random lines', () => {
    const anyText = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('utf8')),
      fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('latin1')),
      fc.array(fc.constantFrom(...SNIPPETS), { maxLength: 60 }).map((parts) => parts.join('')),
    );
    fc.assert(fc.property(anyText, (text) => checkDocument(text, 'random.prompt')), { numRuns: 2000 });
  });

  it('rendering mutated files returns messages or an error, never throws', () => {
    const vars = fc.dictionary(fc.constantFrom('x', 'q', 'ticket', 'history', 'documents', 'h'), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 });
    fc.assert(
      fc.property(mutatedFile, vars, (text, v) => {
        const r = renderPrompt(parsePromptFile(text), v);
        assert.ok('messages' in r || ('error' in r && typeof r.error.message === 'string'));
      }),
      { numRuns: 400 },
    );
  });
});
