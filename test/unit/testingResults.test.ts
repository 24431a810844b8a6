// The editor's test runs without the editor: discovery of a prompt's cases (inline with prompt-file
// ranges, from banks with bank ranges, a paired bank), the suites a click plans, and the results matrix
// built from real runs through the echo provider (it answers with the rendered prompt).
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProviderRegistry } from '../../src/core/providers/providerRegistry';
import { Engine } from '../../src/core/run/engine';
import type { RunReport } from '../../src/core/run/runReport';
import { runTests } from '../../src/core/run/testRun';
import { passRateChange } from '../../src/core/stats/significance';
import type { TestSuite } from '../../src/core/run/testSuite';
import { promptForBank } from '../../src/host/testing/pairing';
import { ResultsBuilder } from '../../src/host/testing/resultsState';
import { planSuite, targetForBank, type SuiteTarget } from '../../src/host/testing/runPlan';
import { discoverPrompt } from '../../src/host/testing/testDiscovery';
import type { ResultsState } from '../../src/shared/resultsProtocol';
import { cellGrid, mergeCells, rowWindow, verdictText, visibleRows } from '../../webview-ui/src/results/resultsModel';
import { TEST_FILES } from '../support/testFiles';

const GRADING = { graderModel: { provider: 'echo', model: 'grader' } };

const INLINE = `---
name: greet
models: [echo:a, echo:b]
tests:
  - description: says hello
    vars: { name: Ada }
    assert:
      - type: contains
        value: Hello Ada
  - description: wrong on purpose
    vars: { name: Bob }
    assert:
      - type: equals
        value: Hi Bob
---
user:
Hello {{ name }}
`;

const BANK = `# greet bank
- description: from the bank
  vars: { name: Cy }
  assert:
    - type: icontains
      value: hello cy
`;

describe('editor test runs: discovery and plans', () => {
  let dir: string;
  const file = (name: string) => join(dir, name);
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'assay-testing-'));
    writeFileSync(file('greet.prompt'), INLINE);
    writeFileSync(file('greet.tests.yaml'), BANK);
    writeFileSync(file('named.prompt'), '---\nmodel: echo:a\ntests: banks/named.tests.yaml\n---\nuser:\nHello {{ name }}\n');
    mkdirSync(file('banks'));
    writeFileSync(file('banks/named.tests.yaml'), BANK);
    writeFileSync(file('lonely.tests.yaml'), BANK);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a prompt with inline tests and a bank beside it: inline cases at their prompt-file lines, the bank as its own group', () => {
    const found = discoverPrompt(file('greet.prompt'), INLINE, ['echo:default'], TEST_FILES);
    assert.deepStrictEqual(found.models, ['echo:a', 'echo:b'], "the file's models");
    assert.deepStrictEqual(found.cases.map((c) => [c.label, c.file === file('greet.prompt'), c.index, c.range?.start.line]), [
      ['says hello', true, 0, 4],
      ['wrong on purpose', true, 1, 9],
    ], 'inline cases with their lines in the prompt file');
    assert.deepStrictEqual(found.pairedBank && [found.pairedBank.bankPath, found.pairedBank.cases.map((c) => [c.label, c.range?.start.line])], [file('greet.tests.yaml'), [['from the bank', 1]]], 'the paired bank');
  });

  it('a prompt whose tests: names a bank elsewhere: cases live in the bank, which is not paired again', () => {
    const found = discoverPrompt(file('named.prompt'), '---\nmodel: echo:a\ntests: banks/named.tests.yaml\n---\nuser:\nHello {{ name }}\n', ['echo:default'], TEST_FILES);
    assert.deepStrictEqual(found.cases.map((c) => [c.file, c.range?.start.line]), [[file('banks/named.tests.yaml'), 1]], 'the case is in the bank file');
    assert.deepStrictEqual(found.bankFiles, [file('banks/named.tests.yaml')], 'the bank is watched for this prompt');
    assert.strictEqual(found.pairedBank, undefined, 'no paired bank');
  });

  it('a bank runs against the prompt beside it; one without a prompt has nothing to run against', () => {
    assert.deepStrictEqual(targetForBank(file('greet.tests.yaml'), [], TEST_FILES), { promptPath: file('greet.prompt'), bankPath: file('greet.tests.yaml') }, 'not named by tests: → a bank suite');
    assert.strictEqual(promptForBank(file('lonely.tests.yaml')), undefined, 'no lonely.prompt');
    assert.strictEqual(targetForBank(file('lonely.tests.yaml'), [], TEST_FILES), undefined, 'nothing to run it against');
  });

  const plans: [string, SuiteTarget, { allModels?: boolean }, string[], string[]][] = [
    ['the whole prompt', { promptPath: 'greet.prompt' }, {}, ['says hello', 'wrong on purpose'], ['echo:a', 'echo:b']],
    ['one case by its position (CodeLens)', { promptPath: 'greet.prompt', caseRefs: [{ file: 'greet.prompt', index: 1 }] }, {}, ['wrong on purpose'], ['echo:a', 'echo:b']],
    ['one model (a Test Explorer model item)', { promptPath: 'greet.prompt', models: ['echo:b'] }, {}, ['says hello', 'wrong on purpose'], ['echo:b']],
    ['all models adds the default models', { promptPath: 'greet.prompt' }, { allModels: true }, ['says hello', 'wrong on purpose'], ['echo:a', 'echo:b', 'echo:default']],
    ['the paired bank', { promptPath: 'greet.prompt', bankPath: 'greet.tests.yaml' }, {}, ['from the bank'], ['echo:a', 'echo:b']],
  ];
  for (const [why, target, options, cases, models] of plans) {
    it(`plans ${why}`, () => {
      const t = { ...target, promptPath: file(target.promptPath), ...(target.bankPath ? { bankPath: file(target.bankPath) } : {}), ...(target.caseRefs ? { caseRefs: target.caseRefs.map((r) => ({ ...r, file: file(r.file) })) } : {}) };
      const planned = planSuite(t, { root: dir, defaultModels: ['echo:default'], files: TEST_FILES, ...options });
      assert.ok('suite' in planned, `planned: ${'error' in planned ? planned.error : ''}`);
      assert.deepStrictEqual(planned.suite.cases.map((c) => c.description), cases, 'cases');
      assert.deepStrictEqual(planned.suite.models.map((m) => m.label), models, 'models');
    });
  }

  it('a case that no longer exists is an error with a next step, not an empty run', () => {
    const planned = planSuite({ promptPath: file('greet.prompt'), caseIds: ['gone'] }, { root: dir, defaultModels: [], files: TEST_FILES });
    assert.ok('error' in planned && /no test case to run/.test(planned.error), 'explained');
  });
});

describe('editor test runs: the results matrix', () => {
  let dir: string;
  let suite: TestSuite;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'assay-results-'));
    writeFileSync(join(dir, 'greet.prompt'), INLINE);
    const planned = planSuite({ promptPath: join(dir, 'greet.prompt') }, { root: dir, defaultModels: [], files: TEST_FILES });
    assert.ok('suite' in planned);
    suite = planned.suite;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function run(repeat?: number, adjust?: (report: RunReport) => void): Promise<ResultsState> {
    const engine = new Engine({ registry: new ProviderRegistry({ providers: [] }) });
    const builder = new ResultsBuilder('r1', 'greet.prompt', [suite], { toUri: (p) => `file://${p}`, canOpenTrace: false, ...(repeat ? { repeat } : {}) });
    assert.strictEqual(builder.state.cells.every((c) => c.status === 'pending'), true, 'every cell starts pending');
    const updates: string[] = [];
    const report = await runTests({
      suite,
      engine,
      grading: GRADING,
      trusted: true,
      ...(repeat ? { repeat } : {}),
      onCaseStarted: (s) => builder.started(0, s.caseId, s.model),
      onCaseFinished: (e) => {
        const cell = builder.finished(0, e);
        if (cell) updates.push(cell.status);
      },
    });
    assert.strictEqual(updates.length, suite.cases.length * suite.models.length * (repeat ?? 1), 'one update per execution');
    adjust?.(report);
    return builder.finish([report]);
  }

  it('the stats carry whether the change against the previous run is significant, in words for the tooltip', async () => {
    const previous = Array.from({ length: 12 }, (_, i) => ({ caseId: `c${i}`, passes: 1, fails: 0 }));
    const current = previous.map((c) => ({ ...c, passes: 0, fails: 1 }));
    const state = await run(undefined, (report) => {
      report.comparisons = [
        { model: 'echo:a', previousRunId: 'p', previousStartedAt: 1, comparison: null, significance: passRateChange(previous, current) },
        { model: 'echo:b', previousRunId: null, previousStartedAt: null, comparison: null, significance: null },
      ];
    });
    const [a, b] = state.stats;
    assert.strictEqual(a!.significance?.verdict, 'significant-regression');
    assert.match(a!.significance!.text, /pass rate 100\.0% → 0\.0% .* on 12 shared cases; McNemar's exact test p = 0\.0005: a significant regression/);
    assert.strictEqual(b!.significance, null, 'no previous run, no verdict');
  });

  it('fills one cell per case × model with status, reason, figures and the expected value of equals', async () => {
    const state = await run();
    assert.deepStrictEqual(state.models, ['echo:a', 'echo:b'], 'columns');
    const grid = cellGrid(state);
    assert.deepStrictEqual(grid.map((row) => row.map((c) => c?.status)), [['pass', 'pass'], ['fail', 'fail']], 'the equals case fails on both models');
    const failing = grid[1]![0]!;
    assert.match(failing.reason, /^equals: /, 'the failing assertion leads the reason');
    assert.strictEqual(failing.executions[0]!.assertions[0]!.expected, 'Hi Bob', 'the expected text for a diff');
    assert.strictEqual(failing.executions[0]!.output, 'user:\nHello Bob', 'the output as text');
    assert.deepStrictEqual(state.totals.passed + state.totals.failed, 4, 'cells counted');
    assert.deepStrictEqual(state.stats.map((m) => [m.model, m.passes, m.trials]), [['echo:a', 1, 2], ['echo:b', 1, 2]], 'per-model counts');
    assert.ok(state.stats.every((m) => m.low < 0.5 && m.high > 0.5), '95% intervals around 50%');
    assert.strictEqual(state.rows[1]!.line, undefined, 'inline cases of a prompt suite carry no line (the host looks it up on open)');
  });

  it('with repeats a cell counts k/K', async () => {
    const state = await run(3);
    const cell = cellGrid(state)[0]![0]!;
    assert.deepStrictEqual([cell.passes, cell.total, cell.executions.length, verdictText(cell)], [3, 3, 3, '✓ 3/3 pass'], 'three of three');
  });

  it('filters, searches and sorts rows; merges updates by row and model', async () => {
    const state = await run();
    const view = (filter: Partial<{ failures: boolean; regressions: boolean; flaky: boolean; text: string }>, column = 'order', descending = false) =>
      visibleRows(state, { filter: { failures: false, regressions: false, flaky: false, text: '', ...filter }, sort: { column, descending } }).map((r) => r.row.label);
    assert.deepStrictEqual(view({}), ['says hello', 'wrong on purpose'], 'file order');
    assert.deepStrictEqual(view({ failures: true }), ['wrong on purpose'], 'failures only');
    assert.deepStrictEqual(view({ regressions: true }), [], 'no previous run, no regressions');
    assert.deepStrictEqual(view({ text: 'BOB' }), ['wrong on purpose'], 'search is case-insensitive and reads outputs and vars');
    assert.deepStrictEqual(view({}, 'status:echo:a'), ['wrong on purpose', 'says hello'], 'status ascending: failures first');
    assert.deepStrictEqual(view({}, 'case', true), ['wrong on purpose', 'says hello'], 'by label, descending');

    const changed = { ...state.cells[0]!, status: 'flaky' as const };
    assert.strictEqual(mergeCells(state, [changed, { ...changed, row: 99 }]), 1, 'unknown cells are ignored');
    assert.deepStrictEqual(view({ flaky: true }), ['says hello'], 'the merged cell counts');
  });

  it('a partial rerun merges into the full matrix: its cells replace theirs, marked newer; figures recounted', async () => {
    const engine = new Engine({ registry: new ProviderRegistry({ providers: [] }) });
    const runOf = async (target: SuiteTarget, id: string): Promise<ResultsBuilder> => {
      const planned = planSuite(target, { root: dir, defaultModels: [], files: TEST_FILES });
      assert.ok('suite' in planned);
      const builder = new ResultsBuilder(id, 'greet.prompt', [planned.suite], { toUri: (p) => `file://${p}`, canOpenTrace: false });
      const report = await runTests({ suite: planned.suite, engine, grading: GRADING, trusted: true, onCaseFinished: (e) => builder.finished(0, e) });
      builder.finish([report]);
      return builder;
    };
    const full = await runOf({ promptPath: join(dir, 'greet.prompt') }, 'full');
    const partial = await runOf({ promptPath: join(dir, 'greet.prompt'), caseRefs: [{ file: join(dir, 'greet.prompt'), index: 1 }], models: ['echo:b'] }, 'partial');
    assert.strictEqual(partial.state.cells.length, 1, 'the rerun is one cell');
    const merged = full.mergePartial(partial.state);
    assert.deepStrictEqual(
      cellGrid(merged).map((row) => row.map((c) => `${c?.status}${c?.newer ? ' (newer)' : ''}`)),
      [
        ['pass', 'pass'],
        ['fail', 'fail (newer)'],
      ],
      'the four cells stay; the rerun one is marked',
    );
    assert.strictEqual(merged.runId, 'full', 'the picture is still the full run');
    assert.deepStrictEqual([merged.totals.passed, merged.totals.failed, merged.done, merged.total], [2, 2, 4, 4]);
    assert.deepStrictEqual(merged.stats.map((m) => [m.model, m.passes, m.trials]), [['echo:a', 1, 2], ['echo:b', 1, 2]], 'per-model counts over the whole matrix');

    assert.strictEqual(full.dropRows((row) => row.label !== 'wrong on purpose'), true, 'a deleted case leaves the matrix');
    assert.deepStrictEqual([merged.rows.map((r) => r.label), merged.cells.map((c) => c.row), merged.totals.passed, merged.totals.failed], [['says hello'], [0, 0], 2, 0]);
    assert.strictEqual(full.cell(0, merged.rows[0]!.caseId, 'echo:b')?.status, 'pass', 'the cells left are found by their new row');
    assert.strictEqual(full.dropRows(() => true), false, 'nothing to drop');
  });

  it('draws a window of rows around the viewport (2,000 cells stay a few dozen rows of DOM)', () => {
    assert.deepStrictEqual(rowWindow(1000, 0, 440, 44), { start: 0, end: 20, before: 0, after: 980 * 44 }, 'top');
    assert.deepStrictEqual(rowWindow(1000, 44 * 500, 440, 44), { start: 490, end: 520, before: 490 * 44, after: 480 * 44 }, 'middle: ten rows either side');
    assert.deepStrictEqual(rowWindow(5, 0, 440, 44), { start: 0, end: 5, before: 0, after: 0 }, 'short tables draw every row');
  });
});
