import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument, type Node } from 'yaml';
import { parseCsv, parseCsvBank } from '../../src/core/testBank/csvBank';
import { expandGlobConfined, type FileAccess } from '../../src/core/files/safeFiles';
import { parseJsonlBank } from '../../src/core/testBank/jsonlBank';
import { loadTestBankFile, resolveTests } from '../../src/core/testBank/loadTestBank';
import { applyDefaults } from '../../src/core/testBank/normalizeCase';
import { positionsOf } from '../../src/core/testBank/positions';
import type { BankDiagnostic, TestBank } from '../../src/core/testBank/testBankTypes';
import { casesFromInline, parseYamlBank } from '../../src/core/testBank/yamlBank';
import { TEST_FILES } from '../support/testFiles';

const FIXTURES = join(__dirname, '../fixtures/banks');
const fixture = (name: string) => join(FIXTURES, name);

/** `code@line` for each diagnostic, a compact way to state what was reported where. */
const where = (diags: BankDiagnostic[]) => diags.map((d) => `${d.code}@${d.range.start.line}`).sort();
const startLines = (bank: TestBank) => bank.cases.map((c) => c.range?.start.line);

describe('test bank: YAML', () => {
  const bank = loadTestBankFile(fixture('triage.tests.yaml'), TEST_FILES);

  it('loads every case with its description, vars, assertions, threshold and repeat', () => {
    assert.deepStrictEqual(bank.cases.map((c) => c.description), ['double charge goes to billing', 'crash goes to bug', undefined]);
    assert.deepStrictEqual(bank.cases[1].vars, { ticket: 'The app crashes on start', tone: 'angry' });
    assert.deepStrictEqual(bank.cases[0].assert.map((a) => a.type), ['equals', 'contans'], 'an unknown type stays in the case (it errors when run)');
    assert.strictEqual(bank.cases[1].threshold, 0.5);
    assert.strictEqual(bank.cases[1].repeat, 3);
    assert.deepStrictEqual(bank.cases.map((c) => c.source.index), [0, 1, 2]);
  });

  it('gives each case the range of its list item (start line = the "- " line)', () => {
    assert.deepStrictEqual(startLines(bank), [8, 16, 25]);
    assert.strictEqual(bank.cases[0].range?.start.character, 4);
  });

  it('reports an unknown type and an invalid value on the assertion\'s own line', () => {
    assert.deepStrictEqual(where(bank.diagnostics), ['invalid-assertion@23', 'unknown-assertion@14']);
    const unknown = bank.diagnostics.find((d) => d.code === 'unknown-assertion')!;
    assert.match(unknown.message, /unknown assertion type "contans" \(did you mean "contains"\?\)/);
    assert.strictEqual(unknown.severity, 'error');
    assert.strictEqual(unknown.file, fixture('triage.tests.yaml'));
  });

  it('reads bank defaults and loads file:// assertion values relative to the bank', () => {
    assert.deepStrictEqual(bank.defaults.vars, { tone: 'neutral' });
    assert.deepStrictEqual(bank.defaults.assert?.map((a) => [a.type, a.value]), [['not-icontains', 'sorry']]);
    assert.deepStrictEqual(bank.cases[2].assert[0].value, { type: 'object', required: ['route'] }, 'schema.json parsed');
  });

  it('applyDefaults merges vars (the case wins), puts default assertions first, keeps the case threshold', () => {
    const merged = applyDefaults(bank.cases[1], { ...bank.defaults, threshold: 0.9, options: { provider: 'openai:gpt-4o' } });
    assert.deepStrictEqual(merged.vars, { tone: 'angry', ticket: 'The app crashes on start' });
    assert.deepStrictEqual(merged.assert.map((a) => a.type), ['not-icontains', 'icontains-any', 'regex']);
    assert.strictEqual(merged.threshold, 0.5, 'the case threshold wins');
    assert.deepStrictEqual(merged.options, { provider: 'openai:gpt-4o' });
    assert.strictEqual(applyDefaults(bank.cases[0], { threshold: 0.9 }).threshold, 0.9, 'the default threshold fills in');
    assert.strictEqual(bank.cases[1].assert.length, 2, 'the case itself is not modified');
  });

  it('a JSON file is a YAML bank too', () => {
    const json = loadTestBankFile(fixture('list.json'), TEST_FILES);
    assert.deepStrictEqual(json.cases.map((c) => c.description), ['json bank case']);
    assert.deepStrictEqual(json.diagnostics, []);
  });

  const problems: [string, string, string[]][] = [
    ['a syntax error is a diagnostic on the line where the unclosed brace opened', '- vars: {a: 1\n- vars: {b: 2}\n', ['yaml-syntax@0']],
    ['a scalar is not a bank', 'just text\n', ['invalid-tests@0']],
    ['a case that is not a mapping', '- 42\n- vars: {a: 1}\n', ['invalid-case@0']],
    ['vars must be a mapping', '- vars: [1, 2]\n', ['invalid-case@0']],
    ['assert must be a list', '- assert: {type: equals}\n', ['invalid-case@0']],
    ['an assertion without a type', '- assert:\n    - value: x\n', ['invalid-assertion@1']],
    ['repeat must be a whole number', '- repeat: 1.5\n', ['invalid-case@0']],
    ['an unknown case key is a warning', '- vars: {}\n  expected: x\n', ['unknown-key@1']],
    ['an unknown assertion key is a warning', '- assert:\n    - type: equals\n      value: x\n      weighting: 2\n', ['unknown-key@1']],
    ['an assertion transform is read; one that does not compile is an error', '- assert:\n    - type: equals\n      value: x\n      transform: output.trim(\n', ['invalid-transform@1']],
    ['a promptfoo-only case key is an info note', '- vars: {}\n  provider: openai:gpt-4o\n', ['unsupported@1']],
    ['a missing file:// value', '- assert:\n    - type: equals\n      value: file://nope.json\n', ['file-not-found@1']],
    ['tests: must be a list', 'tests: {a: 1}\n', ['invalid-tests@0']],
    ['an unknown bank key', 'test: []\n', ['unknown-key@0']],
    ['an empty file is an empty bank', '', []],
  ];
  for (const [why, text, expected] of problems) {
    it(why, () => assert.deepStrictEqual(where(parseYamlBank(text, join(FIXTURES, 'x.yaml'), TEST_FILES).diagnostics), expected));
  }

  it('an unclosed quote is reported from the quote that opens it to the end of that line', () => {
    const text = '- description: a\n  vars: { ticket: "charged twice }\n  assert:\n    - type: contains\n      value: "x"\n';
    const quote = parseYamlBank(text, join(FIXTURES, 'x.yaml'), TEST_FILES).diagnostics.find((d) => /quote/.test(d.message));
    assert.ok(quote, 'the missing quote is reported');
    assert.deepStrictEqual(quote.range, { start: { line: 1, character: 18 }, end: { line: 1, character: 34 } }, 'not past the end of the file, not at the later, closed quote');
  });

  it('a misspelt assertion type is underlined on the type, with the near name as a fix', () => {
    const text = '- assert:\n    - type: start-with\n      value: x\n';
    const [d] = parseYamlBank(text, join(FIXTURES, 'x.yaml'), TEST_FILES).diagnostics;
    assert.strictEqual(d?.code, 'unknown-assertion');
    assert.match(d.message, /did you mean "starts-with"/);
    const typeRange = { start: { line: 1, character: 12 }, end: { line: 1, character: 22 } };
    assert.deepStrictEqual(d.range, typeRange, 'on `start-with`');
    assert.deepStrictEqual(d.fix, { title: "Change to 'starts-with'", range: typeRange, newText: 'starts-with' });
    assert.strictEqual(parseYamlBank('- assert: [{ type: zzzzzzzz }]\n', join(FIXTURES, 'x.yaml'), TEST_FILES).diagnostics[0]?.fix, undefined, 'no fix without a near name');
  });

  it('a misspelt case key is a warning on the key, with the case key it is a typo of as a fix', () => {
    const [d] = parseYamlBank('- vars: {}\n  asert: []\n', join(FIXTURES, 'x.yaml'), TEST_FILES).diagnostics;
    assert.strictEqual(d?.message, 'unknown test case key "asert" (did you mean "assert"?)');
    const keyRange = { start: { line: 1, character: 2 }, end: { line: 1, character: 7 } };
    assert.deepStrictEqual([d.range, d.fix], [keyRange, { title: "Change to 'assert'", range: keyRange, newText: 'assert' }]);
  });

  it('ids are stable when other cases change, and unique for repeated cases', () => {
    const v1 = parseYamlBank('- description: a\n- description: b\n- vars: {x: 1}\n- vars: {x: 1}\n', '/w/t.tests.yaml', TEST_FILES);
    const v2 = parseYamlBank('- description: new first\n- description: a\n  vars: {changed: true}\n- description: b\n- vars: {x: 1}\n- vars: {x: 1}\n', '/w/t.tests.yaml', TEST_FILES);
    const ids1 = v1.cases.map((c) => c.id);
    assert.strictEqual(new Set(ids1).size, 4, 'unique');
    assert.match(ids1[0], /^t\.tests\.yaml#[0-9a-f]{8}$/);
    assert.strictEqual(ids1[3], `${ids1[2]}~2`, 'a repeated case gets a suffix');
    assert.deepStrictEqual(v2.cases.slice(1).map((c) => c.id), ids1, 'inserting a case and editing vars keeps described ids');
  });
});

describe('test bank: inline tests of a prompt file', () => {
  const text = '---\nname: triage\ntests:\n  - description: first\n    vars: { ticket: a }\n  - vars: { ticket: b }\n    assert:\n      - type: nope\n---\nuser:\n{{ ticket }}\n';
  const front = text.slice(4, text.indexOf('\n---\n', 4) + 1);
  const doc = parseDocument(front);
  const whole = positionsOf(text);
  const bank = casesFromInline(doc.toJS().tests, {
    file: '/w/triage.prompt',
    files: TEST_FILES,
    node: doc.get('tests', true) as Node,
    positionAt: (offset) => whole(offset + 4),
  });

  it('maps case ranges to lines of the prompt file', () => {
    assert.deepStrictEqual(startLines(bank), [3, 5]);
    assert.deepStrictEqual(where(bank.diagnostics), ['unknown-assertion@7']);
    assert.match(bank.cases[0].id, /^triage\.prompt#/);
  });

  it("is-valid-function-call: a value that is not a list of functions is ignored with a warning, as promptfoo ignores it", () => {
    const schema = { type: 'object', properties: { name: { type: 'string' } } };
    const functions = [{ name: 'get_weather', parameters: { type: 'object' } }];
    const bank = casesFromInline(
      [{ assert: [{ type: 'is-valid-function-call', value: schema }, { type: 'not-is-valid-openai-function-call', value: 'x' }, { type: 'is-valid-function-call', value: functions }] }],
      { file: '/w/p.prompt', files: TEST_FILES },
    );
    assert.deepStrictEqual(bank.diagnostics.map((d) => [d.code, d.severity]), [['ignored-value', 'warning'], ['ignored-value', 'warning']]);
    assert.match(bank.diagnostics[0]!.message, /is ignored, as promptfoo ignores it; the call is checked against the functions the request declares/);
    assert.deepStrictEqual(bank.cases[0]!.assert.map((a) => a.value), [undefined, undefined, functions], 'a list of functions is kept: it declares them');
  });

  it('works without a node (no ranges) and rejects a non-list', () => {
    const plain = casesFromInline([{ vars: { a: 1 } }], { file: '/w/p.prompt', files: TEST_FILES });
    assert.deepStrictEqual(startLines(plain), [undefined]);
    assert.deepStrictEqual(where(casesFromInline({ vars: {} }, { file: '/w/p.prompt', files: TEST_FILES }).diagnostics), ['invalid-tests@0']);
  });
});

describe('test bank: CSV', () => {
  const records: [string, string[][], string][] = [
    ['a,b\n1,2\n', [['a', 'b'], ['1', '2']], 'plain'],
    ['a,b\r\n1,2', [['a', 'b'], ['1', '2']], 'CRLF, no final newline'],
    ['"x, y","say ""hi"""\n', [['x, y', 'say "hi"']], 'quoted comma and escaped quote'],
    ['"two\nlines",z\n', [['two\nlines', 'z']], 'a quoted line break'],
    ['\uFEFFa,b\n', [['a', 'b']], 'byte-order mark'],
    ['a,\n\n,b\n', [['a', ''], ['', 'b']], 'empty fields kept, blank lines skipped'],
  ];
  for (const [input, expected, why] of records) {
    it(`parseCsv: ${why}`, () => assert.deepStrictEqual(parseCsv(input).records.map((r) => r.fields), expected));
  }

  it('parseCsv reports an unclosed quote with its line', () => {
    assert.deepStrictEqual(parseCsv('a\n"open\nmore').error, { message: 'a quoted field is never closed', line: 1 });
  });

  const bank = loadTestBankFile(fixture('cases.csv'), TEST_FILES);

  it('turns columns into vars and __expected columns into assertions', () => {
    assert.strictEqual(bank.cases.length, 3);
    const [first, second, third] = bank.cases;
    assert.deepStrictEqual(first.vars, { ticket: 'You billed me twice, again', tone: 'calm' });
    assert.deepStrictEqual(
      first.assert.map((a) => [a.type, a.value, a.metric]),
      [
        ['contains', 'billing', 'routing'],
        ['icontains-any', ['bug', 'not, billing'], 'routing'],
      ],
    );
    assert.strictEqual(first.description, 'double charge');
    assert.strictEqual(first.threshold, 0.5);
    assert.deepStrictEqual(first.metadata, { owner: 'ana' });
    assert.deepStrictEqual(first.options, { prefix: 'Ticket: ' });
    assert.strictEqual(second.vars.ticket, 'Line one\r\nline two');
    assert.deepStrictEqual(second.assert.map((a) => a.type), ['is-json']);
    assert.deepStrictEqual(third.vars, { ticket: 'short row', tone: 'calm' });
    assert.deepStrictEqual(third.assert, []);
  });

  it('gives rows their lines, a multi-line row all of them', () => {
    assert.deepStrictEqual(bank.cases.map((c) => [c.range?.start.line, c.range?.end.line]), [[1, 1], [2, 3], [4, 4]]);
  });

  it('warns about unknown special columns and short rows', () => {
    assert.deepStrictEqual(where(bank.diagnostics), ['csv-columns@4', 'csv-header@0']);
  });

  it('reports a bad __threshold and an unknown __expected type on the row', () => {
    const b = parseCsvBank('q,__expected,__threshold\nx,contians:y,high\n', '/w/t.csv', TEST_FILES);
    assert.deepStrictEqual(where(b.diagnostics), ['invalid-case@1']);
    assert.deepStrictEqual(b.cases[0].assert, [{ type: 'equals', value: 'contians:y', range: b.cases[0].range }], 'an unknown prefix is an equals value');
  });

  it('refuses a value computed by a script (promptfoo would run it) instead of using its source text', () => {
    const b = parseCsvBank('q,__expected\nx,contains:file://expected.js\n', '/w/t.csv', TEST_FILES);
    assert.deepStrictEqual(where(b.diagnostics), ['unsupported@1']);
    assert.match(b.diagnostics[0].message, /a value computed by a script/);
  });

  it("applies promptfoo's __config:__expected<N>:threshold to the Nth assertion of the row", () => {
    const csv = 'q,__expected1,__expected2,__config:__expected2:threshold,__config:__expected:threshold\n' + 'x,contains:a,rouge-n:a b,0.4,3\n' + 'y,,levenshtein:b,0.5,\n';
    const b = parseCsvBank(csv, '/w/t.csv', TEST_FILES);
    assert.deepStrictEqual(b.diagnostics, []);
    assert.deepStrictEqual(b.cases[0].assert.map((a) => [a.type, a.threshold]), [['contains', 3], ['rouge-n', 0.4]]);
    assert.deepStrictEqual(b.cases[0].metadata, { threshold: 0.4 });
    // Row y has one assertion (the empty cell is skipped), so __expected2's threshold has nothing to apply to.
    assert.deepStrictEqual(b.cases[1].assert.map((a) => [a.type, a.threshold]), [['levenshtein', 0.75]]);
  });

  it('reports a malformed __config column and a threshold that is not a number', () => {
    const b = parseCsvBank('q,__expected,__config:__expected:weight,__config:__expected:threshold\nx,contains:a,1,high\n', '/w/t.csv', TEST_FILES);
    assert.deepStrictEqual(where(b.diagnostics), ['csv-header@0', 'invalid-case@1']);
  });
});

describe('test bank: JSONL', () => {
  const bank = loadTestBankFile(fixture('cases.jsonl'), TEST_FILES);

  it('loads one case per line, skipping blank lines', () => {
    assert.deepStrictEqual(bank.cases.map((c) => c.description ?? c.vars.ticket), ['refund question', 'typo']);
    assert.deepStrictEqual(startLines(bank), [0, 2]);
  });

  it('reports bad lines on their own line and keeps going', () => {
    assert.deepStrictEqual(where(bank.diagnostics), ['invalid-assertion@2', 'invalid-case@4', 'jsonl-syntax@3']);
  });

  it('parses text directly too', () => {
    assert.deepStrictEqual(parseJsonlBank('{"vars":{"a":1}}\r\n{"vars":{"a":2}}', '/w/x.jsonl', TEST_FILES).cases.map((c) => c.vars.a), [1, 2]);
  });
});

describe('test bank: files, globs and tests: values', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'assay-banks-'));
    mkdirSync(join(dir, 'cases/deep'), { recursive: true });
    mkdirSync(join(dir, 'node_modules/pkg'), { recursive: true });
    writeFileSync(join(dir, 'cases/a.tests.yaml'), '- description: a\n');
    writeFileSync(join(dir, 'cases/b.csv'), 'q\nb\n');
    writeFileSync(join(dir, 'cases/deep/c.tests.yaml'), 'defaults:\n  vars: { lang: fr }\ntests:\n  - description: c\n');
    writeFileSync(join(dir, 'node_modules/pkg/x.tests.yaml'), '- description: never\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('expandGlobConfined: *, **, braces; node_modules skipped; plain paths returned as they are', () => {
    const expandGlob = (pattern: string, base: string, files: FileAccess = TEST_FILES) => {
      const r = expandGlobConfined(pattern, base, files);
      return 'error' in r ? assert.fail(r.error.message) : r.files;
    };
    const rel = (files: string[]) => files.map((f) => f.slice(dir.length + 1));
    assert.deepStrictEqual(rel(expandGlob('cases/*.yaml', dir)), ['cases/a.tests.yaml']);
    assert.deepStrictEqual(rel(expandGlob('**/*.tests.yaml', dir)), ['cases/a.tests.yaml', 'cases/deep/c.tests.yaml']);
    assert.deepStrictEqual(rel(expandGlob('cases/*.{csv,jsonl}', dir)), ['cases/b.csv']);
    assert.deepStrictEqual(rel(expandGlob('cases/none.yaml', dir)), ['cases/none.yaml']);
  });

  it('a path, a glob, a list mixing paths and inline cases', () => {
    const source = { file: join(dir, 'p.prompt'), files: TEST_FILES };
    assert.deepStrictEqual(resolveTests('cases/a.tests.yaml', dir, source).cases.map((c) => c.description), ['a']);
    assert.deepStrictEqual(resolveTests('file://cases/**/*.yaml', dir, source).cases.map((c) => c.description), ['a', 'c']);
    const mixed = resolveTests(['cases/b.csv', { description: 'inline' }], dir, source);
    assert.deepStrictEqual(mixed.cases.map((c) => c.description ?? c.vars.q), ['b', 'inline']);
    assert.deepStrictEqual(mixed.cases.map((c) => c.source), [{ file: join(dir, 'cases/b.csv'), index: 0 }, { file: join(dir, 'p.prompt'), index: 1 }]);
  });

  it("a file's own defaults apply to its cases only", () => {
    const bank = resolveTests(['cases/a.tests.yaml', 'cases/deep/c.tests.yaml'], dir, { file: join(dir, 'p.prompt'), files: TEST_FILES });
    assert.deepStrictEqual(bank.cases.map((c) => c.vars), [{}, { lang: 'fr' }]);
    assert.deepStrictEqual(bank.defaults, {});
  });

  it('problems point at the entry that names them', () => {
    const text = 'tests:\n  - cases/missing.yaml\n  - 42\n  - gen.py\n  - cases/*.nothing\n';
    const doc = parseDocument(text);
    const bank = resolveTests(doc.toJS().tests, dir, { file: join(dir, 'p.prompt'), files: TEST_FILES, node: doc.get('tests', true) as Node, positionAt: positionsOf(text) });
    assert.deepStrictEqual(where(bank.diagnostics), ['file-not-found@1', 'file-not-found@4', 'invalid-tests@2', 'unsupported@3']);
    assert.ok(bank.diagnostics.every((d) => d.file === join(dir, 'p.prompt')));
  });

  it('loadTestBankFile never throws', () => {
    assert.deepStrictEqual(where(loadTestBankFile(join(dir, 'nope.yaml'), TEST_FILES).diagnostics), ['file-not-found@0']);
    assert.deepStrictEqual(where(loadTestBankFile(join(dir, 'cases'), TEST_FILES).diagnostics), ['not-regular-file@0'], 'a folder is not a file');
    writeFileSync(join(dir, 'notes.txt'), 'x');
    assert.deepStrictEqual(where(loadTestBankFile(join(dir, 'notes.txt'), TEST_FILES).diagnostics), ['unsupported@0'], 'a .txt file is not a bank');
    assert.deepStrictEqual(where(loadTestBankFile(join(dir, 'x.txt'), TEST_FILES).diagnostics), ['file-not-found@0']);
  });
});
