// Where the test-bank CodeLens goes (line scans, no YAML parse) and what the summary lens says.
import * as assert from 'node:assert/strict';
import { parseTestBank } from '../../src/core/testBank/loadTestBank';
import { listItems, scanInlineTests, scanJsonlBank, scanYamlBank } from '../../src/host/testing/lensScan';
import { formatUsd } from '../../src/shared/format';
import { summaryText, timeAgo } from '../../src/host/testing/summaryText';
import { TEST_FILES } from '../support/testFiles';

const lines = (layout: ReturnType<typeof scanYamlBank>) => layout && { list: layout.listLine, cases: layout.cases.map((c) => `${c.line}#${c.index}`) };

describe('test lenses: where the cases of a bank start', () => {
  const table: [string, string, { list: number; cases: string[] } | undefined][] = [
    ['a top-level list after comments', '# bank\n\n- vars: { a: 1 }\n  assert:\n    - type: equals\n      value: x\n- description: two\n', { list: 2, cases: ['2#0', '6#1'] }],
    ['a mapping with tests:, defaults first', 'defaults:\n  assert:\n    - type: contains\n      value: x\ntests:\n  # first\n  - description: one\n    assert:\n      - type: equals\n  - description: two\n', { list: 4, cases: ['6#0', '9#1'] }],
    ['tests: items at column 0', 'tests:\n- vars: {}\n- vars: {}\ndescription: after\n', { list: 0, cases: ['1#0', '2#1'] }],
    ['keys after tests: end the list', 'tests:\n  - vars: {}\ndefaults:\n  assert:\n    - type: x\n', { list: 0, cases: ['1#0'] }],
    ['a flow list has no per-case lines', 'tests: [{ vars: {} }]\n', { list: 0, cases: [] }],
    ['no list at all', 'description: nothing\n', undefined],
    ['CRLF line endings', '- vars: {}\r\n- vars: {}\r\n', { list: 0, cases: ['0#0', '1#1'] }],
  ];
  for (const [why, text, expected] of table) {
    it(why, () => assert.deepStrictEqual(lines(scanYamlBank(text)), expected, why));
  }

  it('agrees with the loader on every case start line and index of a real bank', () => {
    const text = ['# header', 'tests:', '  - description: a', '    vars: { x: "- not an item" }', '  - description: b', '    assert:', '      - type: equals', '        value: "- b"', '  - vars:', '      x: |', '        - inside a block scalar', ''].join('\n');
    const loaded = parseTestBank(text, '/w/b.tests.yaml', TEST_FILES).cases.map((c) => `${c.range!.start.line}#${c.source.index}`);
    assert.deepStrictEqual(scanYamlBank(text)?.cases.map((c) => `${c.line}#${c.index}`), loaded, 'the scan finds what the loader finds');
  });

  it('inline tests: paths keep their index but get no lens', () => {
    const prompt = ['---', 'tests:', '  - base.tests.yaml', '  - description: inline', '    vars: {}', '  - file://more.yaml', '  - { vars: { a: 1 } }', '---'];
    const found = scanInlineTests((l) => prompt[l]!, 2, 6);
    assert.deepStrictEqual(found, [{ line: 3, index: 1 }, { line: 6, index: 3 }], 'two inline cases at indexes 1 and 3');
  });

  it('JSONL: one lens per case line, blank lines skipped', () => {
    assert.deepStrictEqual(scanJsonlBank('{"vars":{}}\n\n{"vars":{}}\n')?.cases, [{ line: 0, index: 0 }, { line: 2, index: 1 }], 'indexes count cases, not lines');
    assert.strictEqual(scanJsonlBank('\n\n'), undefined, 'nothing to run');
  });

  it('listItems ignores nested lists deeper than the first level', () => {
    assert.deepStrictEqual(listItems(['  - a: 1', '    b:', '      - nested', '  - c: 2'], 0, 4), [{ line: 0, index: 0 }, { line: 3, index: 1 }], 'nested items are not cases');
  });
});

describe('test lenses: the summary', () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);
  const base = { passed: 18, total: 20, errors: 0, flaky: 2, cost: 0.012, costUnknown: false, endedAt: now - 3 * 60_000, cancelled: false };
  const table: [string, Parameters<typeof summaryText>[0], string][] = [
    ['the issue example', base, '✗ 18/20 · 2 flaky · $0.012 · 3 min ago'],
    ['all passed', { ...base, passed: 20, flaky: 0 }, '✓ 20/20 · $0.012 · 3 min ago'],
    ['only errors besides passes', { ...base, passed: 19, errors: 1, flaky: 0 }, '⚠ 19/20 · 1 error · $0.012 · 3 min ago'],
    ['unknown cost', { ...base, passed: 20, flaky: 0, cost: 0, costUnknown: true }, '✓ 20/20 · cost unknown · 3 min ago'],
    ['partly unknown cost', { ...base, passed: 20, flaky: 0, costUnknown: true }, '✓ 20/20 · $0.012 + unknown · 3 min ago'],
    ['cancelled', { ...base, cancelled: true }, '⊘ 18/20 · 2 flaky · $0.012 · 3 min ago · cancelled'],
  ];
  for (const [why, gist, expected] of table) {
    it(why, () => assert.strictEqual(summaryText(gist, now), expected, why));
  }

  it('formats small costs with two significant digits and ages in words', () => {
    assert.deepStrictEqual([0, 0.000088, 0.0004, 0.012, 1.5].map(formatUsd), ['$0', '$0.000088', '$0.0004', '$0.012', '$1.50'], 'costs');
    assert.deepStrictEqual([10_000, 3 * 60_000, 2 * 3_600_000, 3 * 86_400_000].map((ms) => timeAgo(now - ms, now)), ['just now', '3 min ago', '2 h ago', '3 days ago'], 'ages');
  });
});
