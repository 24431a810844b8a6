// Test banks in the editor, inside VS Code: the CodeLens and their counts, runs through the commands
// against the mock LLM server (the same run fills the Test Explorer and the results panel), cancellation,
// the Test Explorer's tree, and "Add to test bank" keeping the bank's comments. Waits are on promises and
// events only.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { startMockLlm, type MockLlm } from '../support/mockLlmServer';
import type { LastRunSummary } from '../../src/host/testing/runCoordinator';
import type { TreeNode } from '../../src/host/testing/testTree';
import type { ResultsState } from '../../src/shared/resultsProtocol';
import { REVIEW_FORMAT_VERSION, REVIEW_LABELS_FORMAT, type ReviewLabel, type ReviewReportData } from '../../src/shared/reviewReport';
import type { TraceExplorer } from '../../src/host/traces/traceExplorer';
import { assayExtension, closeAllEditors, workspaceUri } from './support/vscodeHelpers';

/** The order lenses read in on a line (VS Code returns resolved lenses in no fixed order). */
function rank(title: string): number {
  const order = ['▶ Run test bank', '▶ Run all', '▶ Run case', '▶ Run on all models', '⊞ Open playground'];
  const i = order.findIndex((o) => title.startsWith(o));
  return i < 0 ? order.length : i;
}

async function lensTitles(uri: vscode.Uri): Promise<{ title: string; line: number }[]> {
  await vscode.workspace.openTextDocument(uri);
  // The second argument resolves that many lenses (the count lens is resolved lazily).
  const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100);
  return lenses
    .filter((l) => l.command?.command.startsWith('assay.'))
    .map((l) => ({ title: l.command!.title, line: l.range.start.line }))
    .sort((a, b) => a.line - b.line || rank(a.title) - rank(b.title));
}

function cellsByCase(summary: LastRunSummary): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const c of summary.cells) (out[c.label] ??= {})[c.model] = c.status;
  return out;
}

describe('test banks in the editor', function () {
  this.timeout(60_000);
  let mock: MockLlm;

  before(async () => {
    await assayExtension().activate();
    mock = await startMockLlm();
    const config = vscode.workspace.getConfiguration('assay');
    await config.update('endpoints', [{ name: 'mock', baseUrl: mock.openaiBaseUrl, models: ['alpha', 'beta'] }], vscode.ConfigurationTarget.Global);
    await config.update('defaultModels', ['mock:alpha'], vscode.ConfigurationTarget.Global);
  });
  after(async () => {
    const config = vscode.workspace.getConfiguration('assay');
    await config.update('endpoints', undefined, vscode.ConfigurationTarget.Global);
    await config.update('defaultModels', undefined, vscode.ConfigurationTarget.Global);
    await closeAllEditors();
    await mock?.close();
  });

  it('shows run, playground and per-case lenses with their counts on a prompt file and its bank', async () => {
    const prompt = await lensTitles(workspaceUri('triage.prompt'));
    assert.deepStrictEqual(
      prompt.map((l) => `${l.line}: ${l.title}`),
      ['0: ▶ Run test bank (3 cases × 2 models)', '0: ⊞ Open playground'],
      'a prompt whose tests: names a bank: the counts come from the bank, the models from the file',
    );

    const bank = await lensTitles(workspaceUri('triage.tests.yaml'));
    assert.deepStrictEqual(
      bank.map((l) => `${l.line}: ${l.title}`),
      ['2: ▶ Run all (3 cases)', '2: ▶ Run case', '2: ▶ Run on all models', '8: ▶ Run case', '8: ▶ Run on all models', '14: ▶ Run case', '14: ▶ Run on all models'],
      'the bank: run all above the list, one pair above each case',
    );

    const inline = await lensTitles(workspaceUri('hello.prompt'));
    assert.deepStrictEqual(
      inline.map((l) => `${l.line}: ${l.title}`),
      ['0: ▶ Run test bank (1 case × 1 model)', '0: ⊞ Open playground', '8: ▶ Run case', '8: ▶ Run on all models'],
      'inline tests: lenses above each case in the prompt file',
    );
  });

  it('the Test Explorer tree matches the fixture: prompt files → cases → one child per model', async () => {
    const tree = await vscode.commands.executeCommand<TreeNode[]>('assay.internal.testTree');
    const byLabel = new Map(tree.map((n) => [n.label, n]));
    for (const file of ['hello.prompt', 'notes.prompt', 'triage.prompt', 'weather.prompt']) assert.ok(byLabel.has(file), `${file} has tests and should be a root (roots: ${[...byLabel.keys()].join(', ')})`);
    assert.ok(!byLabel.has('broken.prompt'), 'a prompt without tests is not in the tree');

    const triage = byLabel.get('triage.prompt')!;
    assert.deepStrictEqual(
      triage.children.map((c) => [c.label, c.uri?.endsWith('/triage.tests.yaml'), c.line, c.children.map((m) => m.label)]),
      [
        ['a double charge keeps its words', true, 2, ['mock:alpha', 'mock:beta']],
        ['a crash report is a bug', true, 8, ['mock:alpha', 'mock:beta']],
        ['a greeting is echoed', true, 14, ['mock:alpha', 'mock:beta']],
      ],
      'cases live in the bank file at their lines, with a child per model',
    );
    const weather = byLabel.get('weather.prompt')!;
    assert.deepStrictEqual(
      weather.children.map((c) => [c.label, c.children.length]),
      [
        ['Oslo', 0],
        ['Lima', 0],
      ],
      'one model: the case is the leaf',
    );
    const hello = byLabel.get('hello.prompt')!;
    assert.deepStrictEqual(
      hello.children.map((c) => [c.label, c.uri?.endsWith('/hello.prompt'), c.line]),
      [['says hello', true, 8]],
      'an inline case lives in the prompt file',
    );
  });

  it('calls to a server on this machine reuse their connection (keep-alive past VS Code\'s proxy wrapper)', async () => {
    const config = vscode.workspace.getConfiguration('assay');
    await config.update('concurrency', 1, vscode.ConfigurationTarget.Global);
    try {
      // A prompt of its own: the other tests' calls are in the response cache.
      const cases = ['one', 'two', 'three', 'four', 'five', 'six'].map((w) => `  - vars: { word: ${w} }\n    assert: [{ type: contains, value: ${w} }]`).join('\n');
      writeFileSync(workspaceUri('keepalive.prompt').fsPath, `---\nmodels: [mock:alpha]\ntests:\n${cases}\n---\nuser:\nSay {{ word }}\n`);
      const calls = mock.requests.length;
      const connections = mock.connections;
      const summary = await vscode.commands.executeCommand<LastRunSummary | undefined>('assay.runTestBank', workspaceUri('keepalive.prompt'));
      assert.ok(summary, 'the run finished');
      assert.strictEqual(mock.requests.length - calls, 6, 'six cases, one after another');
      assert.ok(mock.connections - connections <= 1, `6 calls in turn over at most one new connection (opened ${mock.connections - connections})`);
    } finally {
      await config.update('concurrency', undefined, vscode.ConfigurationTarget.Global);
      rmSync(workspaceUri('keepalive.prompt').fsPath, { force: true });
    }
  });

  it('Run test bank runs every case on every model against the mock and reports pass/fail per case', async () => {
    const before = mock.requests.length;
    const summary = await vscode.commands.executeCommand<LastRunSummary | undefined>('assay.runTestBank', workspaceUri('triage.prompt'));
    assert.ok(summary, 'the command returns the finished run');
    assert.deepStrictEqual(
      cellsByCase(summary),
      {
        'a double charge keeps its words': { 'mock:alpha': 'pass', 'mock:beta': 'pass' },
        'a crash report is a bug': { 'mock:alpha': 'fail', 'mock:beta': 'fail' },
        'a greeting is echoed': { 'mock:alpha': 'pass', 'mock:beta': 'pass' },
      },
      'the crash report fails on both models, the others pass',
    );
    assert.strictEqual(mock.requests.length - before, 6, '3 cases × 2 models calls');
    assert.deepStrictEqual(summary.totals, { passed: 4, failed: 2, errors: 0, flaky: 0 }, 'totals over the cells');
    const failing = summary.cells.find((c) => c.status === 'fail')!;
    assert.match(failing.reason, /^equals: /, 'the reason names the failing assertion');

    const last = await vscode.commands.executeCommand<LastRunSummary>('assay.internal.lastRunSummary');
    assert.deepStrictEqual(last, summary, 'the internal command reports the same run');
    const panel = await vscode.commands.executeCommand<ResultsState>('assay.internal.resultsState');
    assert.strictEqual(panel.status, 'done', 'the results panel shows the finished run');
    assert.deepStrictEqual(panel.models, ['mock:alpha', 'mock:beta'], 'one column per model');
    assert.strictEqual(panel.cells.filter((c) => c.status === 'fail').length, 2, 'two failing cells in the matrix');
    assert.ok(panel.stats.every((m) => m.trials === 3 && m.passes === 2 && m.low < 2 / 3 && m.high > 2 / 3), 'per-model pass rate with its interval');

    assert.strictEqual(await vscode.commands.executeCommand<boolean>('assay.showTestResults', workspaceUri('triage.prompt')), true, "the summary lens's command shows this prompt's run");
    const lenses = await lensTitles(workspaceUri('triage.prompt'));
    assert.ok(
      lenses.some((l) => /^✗ 4\/6 · \$0 · just now$|^✗ 4\/6 · cost unknown · just now$/.test(l.title)),
      `the summary lens appears after the run (lenses: ${lenses.map((l) => l.title).join(' | ')})`,
    );
  });

  it("Export Report writes the last run as the reviewer's page; the labels saved from it import as feedback on its traces", async () => {
    const summary = await vscode.commands.executeCommand<LastRunSummary | undefined>('assay.runTestBank', workspaceUri('triage.prompt'));
    assert.ok(summary, 'the run finished');
    const dir = mkdtempSync(join(tmpdir(), 'assay-report-'));
    const target = vscode.Uri.file(join(dir, 'report.html'));
    const written = await vscode.commands.executeCommand<vscode.Uri | undefined>('assay.exportReport', target);
    assert.strictEqual(written?.fsPath, target.fsPath);
    const html = readFileSync(target.fsPath, 'utf8');
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'/, 'a page that runs no script from its data');
    const json = /<script type="application\/json" id="assay-data">([\s\S]*?)<\/script>/.exec(html);
    assert.ok(json, 'the data is embedded as JSON');
    const data = JSON.parse(json[1]!) as ReviewReportData;
    const suite = data.suites[0]!;
    assert.strictEqual(suite.runId, summary.runId, 'the report is of the last run');
    const failing = suite.cells.find((c) => c.status === 'fail' && c.model === 'mock:alpha')!;
    assert.ok(failing.traceId, 'each result carries its trace id');
    assert.strictEqual(suite.cases[failing.caseIndex]!.description, 'a crash report is a bug');

    const label: ReviewLabel = { traceId: failing.traceId, runId: suite.runId, caseId: suite.cases[failing.caseIndex]!.id, model: failing.model, repeatIndex: 0, label: 'good', note: 'bug is right; the expected answer is too strict', labeledAt: new Date().toISOString() };
    const labels = vscode.Uri.file(join(dir, 'labels.json'));
    writeFileSync(labels.fsPath, JSON.stringify({ format: REVIEW_LABELS_FORMAT, version: REVIEW_FORMAT_VERSION, reportId: data.reportId, labels: [label] }));
    assert.strictEqual(await vscode.commands.executeCommand<number | undefined>('assay.importReviewLabels', labels), 1, 'one label imported');
    const explorer = (await vscode.commands.executeCommand<TraceExplorer>('assay.internal.traceExplorer'))!;
    const store = (await explorer.ctx.services.store())!;
    const trace = await store.getTrace(failing.traceId!);
    assert.deepStrictEqual([trace?.feedback?.rating, trace?.feedback?.note], [1, label.note], 'the mark is the trace’s feedback');
    // No model-graded assertion in this bank: nothing to calibrate, and the command says so (it returns the empty list).
    assert.deepStrictEqual(await vscode.commands.executeCommand('assay.calibrateJudges'), []);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a promptfoo config runs from its CodeLens as `assay eval` runs it: the same exit code, the run in the history', async () => {
    const uri = workspaceUri('echo.promptfooconfig.yaml');
    writeFileSync(
      uri.fsPath,
      'prompts: ["Route: {{ticket}}"]\nproviders: [echo]\ntests:\n  - vars: { ticket: a }\n    assert: [{ type: contains, value: a }]\n  - vars: { ticket: b }\n    assert: [{ type: equals, value: nope }]\n',
    );
    try {
      await vscode.workspace.openTextDocument(uri);
      const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
      const lens = lenses.find((l) => l.command?.command === 'assay.runPromptfooConfig');
      assert.strictEqual(lens?.command?.title, '▶ Run with assay eval', 'the lens on the config');
      const explorer = (await vscode.commands.executeCommand<TraceExplorer>('assay.internal.traceExplorer'))!;
      const store = (await explorer.ctx.services.store())!;
      const before = (await store.listRuns({ kind: 'cli' }, { limit: 100 })).items.length;
      const code = await vscode.commands.executeCommand<number | undefined>('assay.runPromptfooConfig', uri);
      assert.strictEqual(code, 100, "one test fails: promptfoo's exit code for failures, as assay eval gives it");
      await store.refresh();
      const runs = (await store.listRuns({ kind: 'cli' }, { limit: 100 })).items;
      assert.strictEqual(runs.length, before + 1, 'the run is in this window’s history');
      assert.deepStrictEqual([runs[0]!.totals.traces, runs[0]!.totals.passed, runs[0]!.totals.failed], [2, 1, 1]);
    } finally {
      rmSync(uri.fsPath, { force: true });
    }
  });

  it('Resume Batch Run runs `assay test --resume RUN_ID` on this window’s history, and gives its exit code', async () => {
    const config = workspaceUri('resume.promptfooconfig.yaml');
    writeFileSync(config.fsPath, 'prompts: ["Route: {{ticket}}"]\nproviders: [echo]\ntests:\n  - vars: { ticket: a }\n    assert: [{ type: contains, value: a }]\n  - vars: { ticket: b }\n    assert: [{ type: equals, value: nope }]\n');
    try {
      const explorer = (await vscode.commands.executeCommand<TraceExplorer>('assay.internal.traceExplorer'))!;
      const store = (await explorer.ctx.services.store())!;
      const runId = await store.startRun({ kind: 'cli', models: ['echo'], startedAt: Date.now() });
      // A batch run of `assay eval` stopped before anything was submitted: echo has no batch API, so the
      // resumed run calls it live, under the stored run id, and exits as assay eval does (100: a failure).
      await store.setRunBatch(runId, { format: 1, command: 'eval', argv: ['-c', 'resume.promptfooconfig.yaml', '--batch'], cwd: workspaceUri('.').fsPath, runIds: [runId], startedAt: Date.now(), batches: [] });
      await store.flush();
      assert.strictEqual(await vscode.commands.executeCommand<number | undefined>('assay.resumeBatchRun', runId), 100, 'the stored command line ran again: one test fails');
      await store.refresh();
      const run = (await store.listRuns({ kind: 'cli' }, { limit: 100 })).items.find((r) => r.id === runId);
      assert.deepStrictEqual([run?.status, run?.totals.traces], ['done', 2], 'recorded under the stored run, now finished');
      assert.strictEqual(await vscode.commands.executeCommand<number | undefined>('assay.resumeBatchRun', 'no-such-run'), 2, 'an unknown run is refused');
    } finally {
      rmSync(config.fsPath, { force: true });
    }
  });

  it('Run case runs one case of a bank; the run is filed under the prompt', async () => {
    const summary = await vscode.commands.executeCommand<LastRunSummary | undefined>('assay.runTestCase', workspaceUri('triage.tests.yaml'), 2, false);
    assert.ok(summary, 'the case ran');
    assert.deepStrictEqual(cellsByCase(summary), { 'a greeting is echoed': { 'mock:alpha': 'pass', 'mock:beta': 'pass' } }, 'only the third case, on both models');
  });

  it('a Test Explorer run of one model item runs that case on that model only; repeats count k/K', async () => {
    const tree = await vscode.commands.executeCommand<TreeNode[]>('assay.internal.testTree');
    const crash = tree.find((n) => n.label === 'triage.prompt')!.children.find((c) => c.label === 'a crash report is a bug')!;
    const beta = crash.children.find((m) => m.label === 'mock:beta')!;
    const one = await vscode.commands.executeCommand<LastRunSummary>('assay.internal.runTestItems', [beta.id]);
    assert.deepStrictEqual(cellsByCase(one), { 'a crash report is a bug': { 'mock:beta': 'fail' } }, 'one case on one model');

    const greeting = tree.find((n) => n.label === 'triage.prompt')!.children.find((c) => c.label === 'a greeting is echoed')!;
    const repeated = await vscode.commands.executeCommand<LastRunSummary>('assay.internal.runTestItems', [greeting.id], { repeat: 2 });
    assert.deepStrictEqual(
      repeated.cells.map((c) => [c.model, c.status, c.passes, c.total]),
      [
        ['mock:alpha', 'pass', 2, 2],
        ['mock:beta', 'pass', 2, 2],
      ],
      'the "with repeats" profile runs each model twice (no cache for repeats)',
    );
  });

  it('cancelling stops the run at once: calls in flight end as cancelled', async () => {
    // notes.prompt has not run yet, so its call is not served from the cache: the mock holds it.
    mock.fault({ kind: 'hang', times: 1, match: (r) => r.api === 'openai.chat' && r.prompt === 'Write a note about tea.' });
    const arrived = mock.requests.length;
    const running = vscode.commands.executeCommand<LastRunSummary | undefined>('assay.runTestBank', workspaceUri('notes.prompt'));
    await mock.waitForRequests(arrived + 1);
    const t0 = Date.now();
    assert.strictEqual(await vscode.commands.executeCommand<boolean>('assay.cancelTestRun'), true, 'there was a run to cancel');
    const summary = await running;
    assert.ok(summary, 'the cancelled run still reports');
    assert.strictEqual(summary.status, 'cancelled', 'the run ends as cancelled');
    assert.ok(Date.now() - t0 < 10_000, 'well before the 120 s request timeout');
    assert.deepStrictEqual(summary.cells.map((c) => [c.label, c.status]), [['tea', 'error']], 'the held call ended without a verdict');
    assert.strictEqual(await vscode.commands.executeCommand<boolean>('assay.cancelTestRun'), false, 'nothing is left running');
  });

  it('Add to test bank appends a case and keeps the bank file comments', async () => {
    const uri = workspaceUri('notes.tests.yaml');
    const original = readFileSync(uri.fsPath, 'utf8');
    const result = await vscode.commands.executeCommand<{ target: string; path: string } | undefined>('assay.addToTestBank', {
      promptUri: workspaceUri('notes.prompt'),
      vars: { topic: 'coffee' },
      output: 'Coffee: roast, grind, brew.',
      assertion: { kind: 'equals' },
      description: 'coffee',
    });
    assert.ok(result, 'the case was added');
    assert.strictEqual(result.path, uri.fsPath, "it went to the bank the prompt's tests: names");
    const text = readFileSync(uri.fsPath, 'utf8');
    assert.ok(text.startsWith(original), `the bank keeps every line it had, comments included:\n${text}`);
    assert.match(text.slice(original.length), /^ {2}- description: coffee\n {4}vars:\n {6}topic: coffee\n {4}assert:\n {6}- type: equals\n {8}value: "Coffee: roast, grind, brew\."\n$/, 'the new case follows, in the list');

    const tree = await vscode.commands.executeCommand<TreeNode[]>('assay.internal.testTree');
    const notes = tree.find((n) => n.label === 'notes.prompt');
    assert.deepStrictEqual(notes?.children.map((c) => c.label).sort(), ['coffee', 'tea'], 'the Test Explorer lists the new case after the file watcher fires');
  });
});
