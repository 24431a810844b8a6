import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePromptFile } from '../../src/core/promptFile/parsePromptFile';
import { resolveTests } from '../../src/core/testBank/loadTestBank';
import { appendToJsonBank, appendToJsonlBank, appendToYamlBank, planAddCase, playgroundCase, type FileEdit } from '../../src/host/playground/addToTestBank';

const CASE = playgroundCase({ ticket: 'You billed me twice', tier: 'pro' }, 'billing normal');

/** Writes the planned edits, as the panel's WorkspaceEdit would. */
function apply(edits: FileEdit[]): void {
  for (const e of edits) writeFileSync(e.path, e.text);
}

/** The prompt's test bank as the real loader sees it. */
function loadBank(promptPath: string): ReturnType<typeof resolveTests> {
  const doc = parsePromptFile(readFileSync(promptPath, 'utf8'), { path: promptPath });
  return resolveTests(doc.tests?.value, doc.dir!, { file: promptPath });
}

describe('playground: add to test bank', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'assay-bank-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const read = (p: string): string | undefined => (existsSync(p) ? readFileSync(p, 'utf8') : undefined);
  const plan = (promptText: string, name = 'triage.prompt'): ReturnType<typeof planAddCase> => {
    const path = join(dir, name);
    writeFileSync(path, promptText);
    return planAddCase(parsePromptFile(promptText, { path }), path, CASE, read);
  };

  it('appends to the YAML bank tests: names, keeping its comments', () => {
    writeFileSync(join(dir, 'triage.tests.yaml'), '# routing cases\n- description: crash # a bug\n  vars: { ticket: "It crashes" }\n  assert:\n    - type: starts-with\n      value: bug\n');
    const p = plan('---\ntests: triage.tests.yaml\n---\nuser:\n{{ ticket }} {{ tier }}\n');
    assert.ok('edits' in p, 'error' in p ? p.error : '');
    assert.strictEqual(p.target, 'triage.tests.yaml');
    assert.deepStrictEqual(p.edits.map((e) => [e.path, e.create]), [[join(dir, 'triage.tests.yaml'), false]]);
    apply(p.edits);
    const text = readFileSync(join(dir, 'triage.tests.yaml'), 'utf8');
    assert.match(text, /^# routing cases\n/, 'the leading comment is kept');
    assert.match(text, /description: crash # a bug/, 'the inline comment is kept');
    const bank = loadBank(join(dir, 'triage.prompt'));
    assert.deepStrictEqual(bank.diagnostics, []);
    assert.strictEqual(bank.cases.length, 2);
    assert.deepStrictEqual(bank.cases[1]!.vars, { ticket: 'You billed me twice', tier: 'pro' });
    assert.deepStrictEqual(bank.cases[1]!.assert.map((a) => [a.type, a.value]), [['equals', 'billing normal']]);
  });

  it('appends to the inline tests: list in the front matter, keeping comments and the body', () => {
    const prompt = '---\nname: triage # the router\ntests:\n  - vars: { ticket: old }\n    assert: [{ type: equals, value: other }]\n---\nsystem:\nRoute it.\n\nuser:\n{{ ticket }}\n';
    const p = plan(prompt);
    assert.ok('edits' in p, 'error' in p ? p.error : '');
    apply(p.edits);
    const text = readFileSync(join(dir, 'triage.prompt'), 'utf8');
    assert.match(text, /name: triage # the router/);
    assert.ok(text.endsWith('---\nsystem:\nRoute it.\n\nuser:\n{{ ticket }}\n'), 'the template is untouched');
    const bank = loadBank(join(dir, 'triage.prompt'));
    assert.deepStrictEqual(bank.cases.map((c) => c.vars.ticket), ['old', 'You billed me twice']);
    assert.deepStrictEqual(parsePromptFile(text).diagnostics.filter((d) => d.severity === 'error'), [], 'the prompt still parses cleanly');
  });

  it('creates <name>.tests.yaml and points tests: at it when the prompt has no bank', () => {
    const p = plan('---\nname: triage\nmodel: openai:gpt-4o-mini\n---\nuser:\n{{ ticket }}\n');
    assert.ok('edits' in p, 'error' in p ? p.error : '');
    assert.deepStrictEqual(p.edits.map((e) => [e.path, e.create]), [[join(dir, 'triage.tests.yaml'), true], [join(dir, 'triage.prompt'), false]]);
    apply(p.edits);
    assert.match(readFileSync(join(dir, 'triage.prompt'), 'utf8'), /^---\nname: triage\nmodel: openai:gpt-4o-mini\ntests: triage.tests.yaml\n---\n/);
    assert.match(readFileSync(join(dir, 'triage.tests.yaml'), 'utf8'), /^# Test cases for triage.prompt/);
    assert.strictEqual(loadBank(join(dir, 'triage.prompt')).cases.length, 1);
  });

  it('adds a front matter to a prompt that has none', () => {
    const p = plan('user:\nHello {{ ticket }}\n', 'bare.prompt');
    assert.ok('edits' in p, 'error' in p ? p.error : '');
    apply(p.edits);
    assert.strictEqual(readFileSync(join(dir, 'bare.prompt'), 'utf8'), '---\ntests: bare.tests.yaml\n---\nuser:\nHello {{ ticket }}\n');
    assert.strictEqual(loadBank(join(dir, 'bare.prompt')).cases.length, 1);
  });

  const banks: { name: string; text: string; append: (t: string) => { text: string } | { error: string }; cases: number; why: string }[] = [
    { name: 'b.json', text: '[{"vars":{"ticket":"x"}}]', append: (t) => appendToJsonBank(t, CASE), cases: 2, why: 'a JSON list' },
    { name: 'b.json', text: '{"tests":[]}', append: (t) => appendToJsonBank(t, CASE), cases: 1, why: 'a JSON object with tests' },
    { name: 'b.jsonl', text: '{"vars":{"ticket":"x"}}', append: (t) => appendToJsonlBank(t, CASE), cases: 2, why: 'JSON Lines without a final newline' },
    { name: 'b.yaml', text: 'defaults:\n  vars: { tier: free }\ntests:\n  - vars: { ticket: x }\n', append: (t) => appendToYamlBank(t, CASE), cases: 2, why: 'a YAML mapping with tests:' },
    { name: 'b.yaml', text: '', append: (t) => appendToYamlBank(t, CASE), cases: 1, why: 'an empty YAML file' },
  ];
  for (const b of banks) {
    it(`appends to ${b.why}`, () => {
      const r = b.append(b.text);
      assert.ok('text' in r, 'error' in r ? r.error : '');
      writeFileSync(join(dir, b.name), r.text);
      const bank = resolveTests(b.name, dir, { file: join(dir, 'p.prompt') });
      assert.deepStrictEqual(bank.diagnostics, [], 'the bank loads cleanly');
      assert.strictEqual(bank.cases.length, b.cases);
      assert.strictEqual(bank.cases[b.cases - 1]!.assert[0]!.value, 'billing normal');
    });
  }

  const refusals: { prompt: string; name?: string; setup?: () => void; error: RegExp; why: string }[] = [
    { prompt: '---\ntests: cases.csv\n---\nuser:\nhi\n', setup: () => writeFileSync(join(dir, 'cases.csv'), 'ticket\nx\n'), error: /cases.csv: .*add this one by hand/, why: 'CSV banks' },
    { prompt: '---\ntests: "cases/*.yaml"\n---\nuser:\nhi\n', error: /pattern/, why: 'a glob' },
    { prompt: '---\ntests: bad.yaml\n---\nuser:\nhi\n', setup: () => writeFileSync(join(dir, 'bad.yaml'), '- vars: [\n'), error: /not valid YAML/, why: 'a broken bank' },
    { prompt: '---\nname: x\n', error: /no closing '---'/, why: 'an unclosed front matter' },
    { prompt: '---\nname: p\nmodel:\n  id: gpt-4o\n---\nuser:\nhi\n', name: 'p.prompty', error: /\.prompty files have no tests/, why: 'a .prompty file without tests' },
  ];
  for (const r of refusals) {
    it(`refuses ${r.why} with a reason`, () => {
      r.setup?.();
      const p = plan(r.prompt, r.name);
      assert.ok('error' in p, `expected an error for ${r.why}`);
      assert.match(p.error, r.error);
    });
  }
});
