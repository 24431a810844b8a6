import * as assert from 'node:assert/strict';
import { parse } from 'yaml';
import { appendToBankText, newTestCase, planAddCase, type AddCasePlan, type NewCaseInput } from '../../src/core/testBank/addCase';
import { parsePromptFile } from '../../src/core/promptFile/parsePromptFile';
import { parseTestBank } from '../../src/core/testBank/loadTestBank';
import { resolveTests } from '../../src/core/testBank/loadTestBank';
import { TEST_FILES } from '../support/testFiles';

const equalsInput: NewCaseInput = { vars: { city: 'Oslo' }, output: 'It is snowing in Oslo.', assertion: { kind: 'equals' } };

function files(initial: Record<string, string>): (path: string) => string | undefined {
  return (path) => initial[path];
}

function edits(plan: AddCasePlan): { path: string; text: string; create: boolean }[] {
  assert.ok(!('error' in plan), `expected edits, got an error: ${'error' in plan ? plan.error : ''}`);
  return plan.edits;
}

function only(plan: AddCasePlan): string {
  const list = edits(plan);
  assert.strictEqual(list.length, 1, 'one file should change');
  return list[0]!.text;
}

describe('addCase: the new case', () => {
  const table: [string, NewCaseInput, unknown][] = [
    ['equals this output', equalsInput, { vars: { city: 'Oslo' }, assert: [{ type: 'equals', value: 'It is snowing in Oslo.' }] }],
    ['similar to it, default threshold', { ...equalsInput, assertion: { kind: 'similar' } }, { vars: { city: 'Oslo' }, assert: [{ type: 'similar', value: 'It is snowing in Oslo.', threshold: 0.75 }] }],
    ['similar with its own threshold', { ...equalsInput, assertion: { kind: 'similar', threshold: 0.9 } }, { vars: { city: 'Oslo' }, assert: [{ type: 'similar', value: 'It is snowing in Oslo.', threshold: 0.9 }] }],
    ['an llm-rubric the user typed', { ...equalsInput, assertion: { kind: 'llm-rubric', rubric: 'mentions the weather' } }, { vars: { city: 'Oslo' }, assert: [{ type: 'llm-rubric', value: 'mentions the weather' }] }],
    ['a description, trimmed', { ...equalsInput, description: '  snow  ' }, { description: 'snow', vars: { city: 'Oslo' }, assert: [{ type: 'equals', value: 'It is snowing in Oslo.' }] }],
  ];
  for (const [why, input, expected] of table) {
    it(why, () => assert.deepStrictEqual(newTestCase(input), expected, why));
  }

  it('copies the variables (later changes to the call do not leak in)', () => {
    const vars = { city: 'Oslo' };
    const c = newTestCase({ ...equalsInput, vars });
    vars.city = 'Lima';
    assert.strictEqual(c.vars.city, 'Oslo', 'the case keeps the value it was made with');
  });
});

describe('addCase: YAML banks keep comments and layout', () => {
  const bank = [
    '# Weather bank: keep this header',
    'description: weather checks',
    'defaults:',
    '  assert:',
    '    - type: contains   # every answer names the city',
    '      value: "{{ city }}"',
    'tests:',
    '  # the classics',
    '  - description: Oslo',
    '    vars: { city: Oslo }',
    '  - description: Lima',
    '    vars: { city: Lima }  # trailing comment',
    '',
  ].join('\n');

  it('appends to tests: and keeps every comment, flow map and the header', () => {
    const text = only(planAddCase({ bankPath: '/w/weather.tests.yaml' }, { ...equalsInput, vars: { city: 'Paris' }, description: 'Paris' }, files({ '/w/weather.tests.yaml': bank })));
    assert.ok(text.startsWith(bank), `every byte of the old bank (comments, flow maps, spacing) is kept:\n${text}`);
    const loaded = parseTestBank(text, '/w/weather.tests.yaml', TEST_FILES);
    assert.deepStrictEqual(loaded.diagnostics, [], 'the result is a valid bank');
    assert.deepStrictEqual(loaded.cases.map((c) => c.description), ['Oslo', 'Lima', 'Paris'], 'the case goes last');
    assert.deepStrictEqual(loaded.cases[2]!.assert.map((a) => [a.type, a.value]), [['equals', 'It is snowing in Oslo.']], 'with the picked assertion');
    assert.deepStrictEqual(loaded.cases[2]!.range?.start.line, 12, 'the new case starts on a new line after the old ones');
  });

  it('appends to a top-level list', () => {
    const text = only(planAddCase({ bankPath: '/w/b.yaml' }, equalsInput, files({ '/w/b.yaml': '# cases\n- vars: { city: Rome }\n' })));
    assert.ok(text.startsWith('# cases\n- vars: { city: Rome }\n- vars:'), `the old item is untouched and the new one follows:\n${text}`);
    assert.strictEqual(parseTestBank(text, '/w/b.yaml', TEST_FILES).cases.length, 2, 'two cases');
  });

  it('starts a list in an empty or comment-only file and keeps the comment', () => {
    const text = only(planAddCase({ bankPath: '/w/new.yaml' }, equalsInput, files({ '/w/new.yaml': '# to be filled\n' })));
    assert.ok(text.includes('# to be filled'), `the comment stays:\n${text}`);
    assert.deepStrictEqual(parse(text), [newTestCase(equalsInput)], 'one case');
  });

  it('creates a missing bank file', () => {
    const list = edits(planAddCase({ bankPath: '/w/missing.tests.yaml' }, equalsInput, files({})));
    assert.deepStrictEqual(list.map((e) => [e.path, e.create]), [['/w/missing.tests.yaml', true]], 'the bank is created');
  });

  it('keeps CRLF line endings and a comment under the last case with it', () => {
    const crlf = '- vars: { city: Rome }\r\n  # about Rome\r\n# end of list\r\n';
    const text = only(planAddCase({ bankPath: '/w/b.yaml' }, equalsInput, files({ '/w/b.yaml': crlf })));
    assert.ok(text.startsWith('- vars: { city: Rome }\r\n  # about Rome\r\n- vars:\r\n'), `the indented comment stays with its case:\n${JSON.stringify(text)}`);
    assert.ok(!/[^\r]\n/.test(text), 'no bare LF is introduced');
    assert.ok(text.endsWith('# end of list\r\n'), 'the closing comment stays last');
  });

  it('keeps a multi-line output exactly', () => {
    const output = 'line one\n  indented: with colon\n# not a comment\n';
    const text = only(planAddCase({ bankPath: '/w/b.yaml' }, { ...equalsInput, output }, files({ '/w/b.yaml': '- vars: {}\n' })));
    assert.strictEqual(parseTestBank(text, '/w/b.yaml', TEST_FILES).cases[1]!.assert[0]!.value, output, 'the expected value round-trips');
  });

  const refusals: [string, string, RegExp][] = [
    ['invalid YAML', 'tests: [a\n', /not valid YAML/],
    ['tests: that is not a list', 'tests: nope\n', /tests: is not a list/],
    ['a scalar document', 'just text\n', /neither a list of cases nor a mapping/],
  ];
  for (const [why, text, message] of refusals) {
    it(`refuses ${why} with a clear message`, () => {
      const plan = planAddCase({ bankPath: '/w/b.yaml' }, equalsInput, files({ '/w/b.yaml': text }));
      assert.ok('error' in plan, `${why} should be refused`);
      assert.match(plan.error, message, why);
    });
  }
});

describe('addCase: other bank formats', () => {
  it('JSON: appends to the list with the file indentation', () => {
    const text = only(planAddCase({ bankPath: '/w/b.json' }, equalsInput, files({ '/w/b.json': '[\n    { "vars": { "city": "Rome" } }\n]\n' })));
    assert.ok(text.includes('\n    {\n        "vars"'), `four-space indentation is kept:\n${text}`);
    assert.deepStrictEqual(JSON.parse(text), [{ vars: { city: 'Rome' } }, newTestCase(equalsInput)], 'the case is appended');
  });

  it('JSON: appends to an object with tests', () => {
    const text = only(planAddCase({ bankPath: '/w/b.json' }, equalsInput, files({ '/w/b.json': '{ "tests": [] }' })));
    assert.deepStrictEqual(JSON.parse(text), { tests: [newTestCase(equalsInput)] }, 'into tests');
  });

  it('JSONL: appends one line, adding the missing newline first', () => {
    const text = only(planAddCase({ bankPath: '/w/b.jsonl' }, equalsInput, files({ '/w/b.jsonl': '{"vars":{"city":"Rome"}}' })));
    assert.strictEqual(text, `{"vars":{"city":"Rome"}}\n${JSON.stringify(newTestCase(equalsInput))}\n`, 'one line per case');
    assert.strictEqual(parseTestBank(text, '/w/b.jsonl', TEST_FILES).cases.length, 2, 'both lines load');
  });

  it('CSV: refused with the reason and what to do instead', () => {
    const plan = planAddCase({ bankPath: '/w/cases.csv' }, equalsInput, files({ '/w/cases.csv': 'city\nRome\n' }));
    assert.ok('error' in plan, 'CSV is refused');
    assert.match(plan.error, /^cases\.csv: .*\.tests\.yaml/, 'the message names the file and the alternative');
  });

  it('an unknown extension is refused', () => {
    assert.ok('error' in appendToBankText('/w/cases.txt', '', newTestCase(equalsInput)), 'txt is not a bank');
  });

  it('an empty rubric is refused', () => {
    const plan = planAddCase({ bankPath: '/w/b.yaml' }, { ...equalsInput, assertion: { kind: 'llm-rubric', rubric: '  ' } }, files({ '/w/b.yaml': '' }));
    assert.ok('error' in plan && /rubric is empty/.test(plan.error), 'a rubric is needed');
  });
});

describe('addCase: prompt files', () => {
  const inline = [
    '---',
    'name: weather',
    '# models under test',
    'models: [echo:echo]',
    'tests:',
    '  # first case',
    '  - description: Oslo',
    '    vars: { city: Oslo }',
    '---',
    'user:',
    'What is the weather in {{ city }}?',
    '',
  ].join('\n');

  it('inline tests: the case joins the list in the front matter; comments and body stay', () => {
    const text = only(planAddCase({ promptPath: '/w/weather.prompt' }, { ...equalsInput, vars: { city: 'Paris' } }, files({ '/w/weather.prompt': inline })));
    const before = inline.slice(0, inline.indexOf('---\nuser:'));
    assert.ok(text.startsWith(before), `the front matter up to the last case is kept byte for byte:\n${text}`);
    assert.ok(text.endsWith('---\nuser:\nWhat is the weather in {{ city }}?\n'), 'the body is untouched');
    const doc = parsePromptFile(text, { path: '/w/weather.prompt' });
    assert.deepStrictEqual(doc.diagnostics, [], 'the prompt file still parses cleanly');
    const cases = resolveTests(doc.tests?.value, '/w', { file: '/w/weather.prompt', files: TEST_FILES }).cases;
    assert.deepStrictEqual(cases.map((c) => c.vars.city), ['Oslo', 'Paris'], 'the new case is last');
  });

  it('tests: naming a file appends to that file', () => {
    const prompt = '---\nname: w\ntests: banks/weather.tests.yaml\n---\nuser:\nhi\n';
    const list = edits(planAddCase({ promptPath: '/w/p.prompt' }, equalsInput, files({ '/w/p.prompt': prompt, '/w/banks/weather.tests.yaml': '- vars: {}\n' })));
    assert.deepStrictEqual(list.map((e) => [e.path, e.create]), [['/w/banks/weather.tests.yaml', false]], 'only the bank changes');
  });

  it('tests: a list of paths appends to the first file (file:// accepted)', () => {
    const prompt = '---\ntests: [file://a.tests.yaml, b.tests.yaml]\n---\nuser:\nhi\n';
    const list = edits(planAddCase({ promptPath: '/w/p.prompt' }, equalsInput, files({ '/w/p.prompt': prompt, '/w/a.tests.yaml': '' })));
    assert.deepStrictEqual(list.map((e) => e.path), ['/w/a.tests.yaml'], 'the first named file');
  });

  it('tests: a glob is refused', () => {
    const plan = planAddCase({ promptPath: '/w/p.prompt' }, equalsInput, files({ '/w/p.prompt': '---\ntests: cases/*.yaml\n---\nuser:\nhi\n' }));
    assert.ok('error' in plan && /pattern/.test(plan.error), 'a pattern names no single file');
  });

  it('no tests: creates NAME.tests.yaml and names it in the front matter', () => {
    const prompt = '---\nname: w # the name\nmodel: echo:echo\n---\nuser:\nhi {{ city }}\n';
    const plan = planAddCase({ promptPath: '/w/w.prompt' }, equalsInput, files({ '/w/w.prompt': prompt }));
    const list = edits(plan);
    assert.deepStrictEqual(list.map((e) => [e.path, e.create]), [['/w/w.tests.yaml', true], ['/w/w.prompt', false]], 'a new bank and the edited prompt');
    assert.strictEqual(list[1]!.text, '---\nname: w # the name\nmodel: echo:echo\ntests: w.tests.yaml\n---\nuser:\nhi {{ city }}\n', 'tests: is added, the rest kept');
    assert.strictEqual(parseTestBank(list[0]!.text, '/w/w.tests.yaml', TEST_FILES).cases.length, 1, 'the new bank has the case');
  });

  it('no tests: but a paired bank beside it: appends there and leaves the prompt alone', () => {
    const list = edits(planAddCase({ promptPath: '/w/w.prompt' }, equalsInput, files({ '/w/w.prompt': '---\nname: w\n---\nuser:\nhi\n', '/w/w.tests.yaml': '- vars: {}\n' })));
    assert.deepStrictEqual(list.map((e) => e.path), ['/w/w.tests.yaml'], 'only the paired bank changes');
  });

  const refusals: [string, string, RegExp][] = [
    ['an unclosed front matter', '---\nname: w\ntests:\n  - vars: {}\n', /no closing/],
    ['tests: of the wrong type', '---\ntests: 3\n---\nuser:\nhi\n', /neither a path nor a list/],
  ];
  for (const [why, text, message] of refusals) {
    it(`refuses ${why}`, () => {
      const plan = planAddCase({ promptPath: '/w/p.prompt' }, equalsInput, files({ '/w/p.prompt': text }));
      assert.ok('error' in plan, why);
      assert.match(plan.error, message, why);
    });
  }

  it('a missing prompt file is an error, not a throw', () => {
    const plan = planAddCase({ promptPath: '/w/gone.prompt' }, equalsInput, files({}));
    assert.ok('error' in plan && /does not exist/.test(plan.error), 'reported');
  });
});
