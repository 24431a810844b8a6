// The trace explorer inside VS Code: the Runs tree after a test run against the mock LLM server, paging,
// filters and grouping, refresh by run as traces arrive, the detail panel's feedback and replay, the
// prompt version diff, copy as curl, export, the dashboard's data and the alerts. Waits are on promises and
// events only. Other test files share this window's history, so every check here narrows to its own runs.
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { OtlpExportRequest } from '../../src/core/export/otlpExport';
import type { ReplayReport } from '../../src/core/run/replay';
import type { TraceInput } from '../../src/core/store/storeTypes';
import type { TraceStore } from '../../src/core/store/traceStore';
import type { LastRunSummary } from '../../src/host/testing/runCoordinator';
import type { DashboardPanel } from '../../src/host/traces/dashboardPanel';
import type { ExplorerNode, RunNode, TraceNode } from '../../src/host/traces/runsTreeModel';
import type { TraceExplorer } from '../../src/host/traces/traceExplorer';
import type { TraceDetailPanel } from '../../src/host/traces/traceDetailPanel';
import { startMockLlm, type MockLlm, type MockRequest } from '../support/mockLlmServer';
import { assayExtension, closeAllEditors, nextEvent, workspaceUri } from './support/vscodeHelpers';

const PROMPT = 'traces-triage.prompt';

function promptText(version: string): string {
  return `---
name: traces-triage
models: [mock:alpha, mock:beta]
params: { temperature: 0 }
tests:
  - description: double charge
    vars: { ticket: "I was charged twice" }
    assert:
      - type: equals
        value: billing
  - description: crash
    vars: { ticket: "The app crashes on start" }
    assert:
      - type: equals
        value: bug
---
system:
You route tickets. ${version}

user:
{{ ticket }}
`;
}

/** VERSION-1 routes both tickets right; VERSION-2 answers "Billing." for the charge (a regression). */
function answer(req: MockRequest): string {
  const messages = (req.body?.messages ?? []) as { role: string; content: string }[];
  const v2 = (messages.find((m) => m.role === 'system')?.content ?? '').includes('VERSION-2');
  if (req.prompt.includes('charged')) return v2 ? 'Billing.' : 'billing';
  if (req.prompt.includes('crashes')) return 'bug';
  return 'other';
}

async function items(explorer: TraceExplorer, parent?: ExplorerNode): Promise<{ node: ExplorerNode; item: vscode.TreeItem }[]> {
  const nodes = await explorer.tree.getChildren(parent);
  return nodes.map((node) => ({ node, item: explorer.tree.getTreeItem(node) }));
}

const label = (item: vscode.TreeItem) => (typeof item.label === 'string' ? item.label : (item.label?.label ?? ''));

describe('trace explorer', function () {
  this.timeout(60_000);
  let mock: MockLlm;
  let explorer: TraceExplorer;
  let store: TraceStore;
  let runId: string;

  const runNode = async (id = runId): Promise<RunNode> => {
    const found = (await explorer.tree.getChildren()).find((n): n is RunNode => n.kind === 'run' && n.run.id === id);
    assert.ok(found, `run ${id} is at the top of the tree`);
    return found;
  };

  before(async () => {
    await assayExtension().activate();
    mock = await startMockLlm({ reply: answer, latencyMs: 5 });
    const config = vscode.workspace.getConfiguration('assay');
    await config.update('endpoints', [{ name: 'mock', baseUrl: mock.openaiBaseUrl }], vscode.ConfigurationTarget.Global);
    writeFileSync(workspaceUri(PROMPT).fsPath, promptText('VERSION-1'));
    explorer = (await vscode.commands.executeCommand<TraceExplorer>('assay.internal.traceExplorer'))!;
    assert.ok(explorer, 'the explorer is registered');
    await vscode.commands.executeCommand('assay.traces.clearFilter');
    await vscode.commands.executeCommand('assay.traces.groupBy', 'run');
    // The run records into the window's history; the explorer shows it.
    const summary = await vscode.commands.executeCommand<LastRunSummary | undefined>('assay.runTestBank', workspaceUri(PROMPT));
    assert.ok(summary, 'the test run finished');
    runId = summary.runId;
    store = (await explorer.ctx.services.store())!;
    assert.ok(store, 'the window has a history');
  });
  after(async () => {
    const config = vscode.workspace.getConfiguration('assay');
    for (const key of ['endpoints', 'alerts.errorRate', 'alerts.latencyMs']) await config.update(key, undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('assay.traces.clearFilter');
    await closeAllEditors();
    await mock?.close();
  });

  describe('Runs tree', () => {
    it('lists the run newest first with its prompt, models, pass rate and cost; its traces below', async () => {
      explorer.tree.refreshAll();
      const top = await items(explorer);
      assert.strictEqual(top[0]?.node.kind === 'run' && top[0].node.run.id, runId, 'the newest run comes first');
      const run = top[0]!.item;
      assert.strictEqual(label(run), PROMPT, 'a run is labelled by its prompt file');
      assert.match(String(run.description), /^test · alpha \+1 · 100% pass · .+ · \d\d:\d\d$/, `kind, models, pass rate, cost, time: ${run.description}`);
      assert.strictEqual(run.id, `run:${runId}`, 'a stable id keeps it expanded across refreshes');
      assert.strictEqual(run.collapsibleState, vscode.TreeItemCollapsibleState.Collapsed);

      const traces = await items(explorer, top[0]!.node);
      assert.deepStrictEqual(traces.map((t) => label(t.item)).sort(), ['alpha', 'alpha', 'beta', 'beta'], '2 cases × 2 models');
      for (const t of traces) {
        assert.match(String(t.item.description), /^\d+ ms · .*“(billing|bug)”$/, `latency, cost and the output's first words: ${t.item.description}`);
        assert.strictEqual((t.item.iconPath as vscode.ThemeIcon).id, 'pass', 'a passing trace shows the pass icon');
        assert.deepStrictEqual(t.item.command?.command, 'assay.traces.openTrace', 'a click opens the detail');
        assert.strictEqual(t.item.contextValue, 'trace.ok', 'the context menu of a successful call');
      }
    });

    it('refreshes only the run whose traces changed, and the top level for a new run', async () => {
      const node = await runNode();
      await explorer.tree.getChildren(node);
      const fired: (ExplorerNode | undefined)[] = [];
      const sub = explorer.tree.onDidChangeTreeData((e) => fired.push(e));
      try {
        const refreshed = nextEvent(explorer.tree.onDidRefresh, 'the debounced refresh');
        const [first] = await store.listTraces({ runId }, { limit: 1 }).then((p) => p.items);
        const copy = (await store.getTrace(first!.id))!;
        const extra: TraceInput = { ...copy, runId, startedAt: Date.now() };
        delete (extra as { id?: string }).id;
        await store.addTraces([extra]);
        await refreshed;
        assert.deepStrictEqual(fired, [node], 'one change event, for that run only (expanded runs elsewhere stay as they are)');
        assert.strictEqual((await explorer.tree.getChildren(node)).filter((n) => n.kind === 'trace').length, 5, 'the run now lists the new trace');
        assert.match(String(explorer.tree.getTreeItem(node).description), / · 100% pass · /, 'and its description is re-read');

        fired.length = 0;
        const again = nextEvent(explorer.tree.onDidRefresh, 'the refresh for a new run');
        const other = await store.startRun({ kind: 'cli', models: ['mock:alpha'] });
        await store.addTraces([{ ...extra, runId: other, startedAt: Date.now() }]);
        await again;
        assert.deepStrictEqual(fired, [undefined], 'a new run refreshes the top level');
        assert.strictEqual((await explorer.tree.getChildren())[0]?.kind === 'run' && ((await explorer.tree.getChildren())[0] as RunNode).run.id, other, 'and shows first');
      } finally {
        sub.dispose();
      }
    });

    it('pages through a long run with "Load more…"', async () => {
      const big = await store.startRun({ kind: 'cli', models: ['mock:alpha'] });
      const [first] = (await store.listTraces({ runId }, { limit: 1 })).items;
      const template = (await store.getTrace(first!.id))!;
      const t0 = Date.now() - 1_000_000;
      const rows: TraceInput[] = Array.from({ length: 230 }, (_, i) => {
        const t: TraceInput = { ...template, runId: big, caseId: `case-${i}`, startedAt: t0 + i };
        delete (t as { id?: string }).id;
        return t;
      });
      await store.addTraces(rows);
      explorer.tree.refreshAll();
      const node = await runNode(big);
      const page1 = await explorer.tree.getChildren(node);
      assert.deepStrictEqual([page1.filter((n) => n.kind === 'trace').length, page1.at(-1)?.kind], [100, 'more'], 'the first page and a Load more item');
      const more = explorer.tree.getTreeItem(page1.at(-1)!);
      assert.strictEqual(label(more), 'Load more…');
      assert.strictEqual(more.command?.command, 'assay.traces.loadMore');
      const changed = nextEvent(explorer.tree.onDidChangeTreeData, 'the run to refresh after loading more', (e) => e === node);
      await vscode.commands.executeCommand('assay.traces.loadMore', page1.at(-1));
      await changed;
      const page2 = await explorer.tree.getChildren(node);
      assert.deepStrictEqual([page2.filter((n) => n.kind === 'trace').length, page2.at(-1)?.kind], [200, 'more'], 'two pages');
      await vscode.commands.executeCommand('assay.traces.loadMore', page2.at(-1));
      const page3 = await explorer.tree.getChildren(node);
      assert.deepStrictEqual([page3.length, page3.at(-1)?.kind], [230, 'trace'], 'all 230, no more to load');
      const ids = page3.map((n) => (n as TraceNode).trace.caseId);
      assert.deepStrictEqual(ids.slice(0, 2), ['case-229', 'case-228'], 'newest first');
      assert.strictEqual(new Set(page3.map((n) => n.key)).size, 230, 'no trace twice across pages');
    });

    it('filters by model, status and text, shows the filter in the view, and groups by model', async () => {
      const filter = await vscode.commands.executeCommand('assay.traces.filter', { provider: 'mock', model: 'beta', promptPath: PROMPT });
      assert.deepStrictEqual(filter, { provider: 'mock', model: 'beta', promptPath: PROMPT });
      assert.strictEqual(explorer.view.description, `mock:beta · ${PROMPT}`, 'the active filter in the view description');
      const beta = (await items(explorer)).filter((t) => t.node.kind !== 'more');
      assert.ok(beta.length >= 2 && beta.every((t) => t.node.kind === 'trace' && t.node.trace.model === 'beta'), `only beta traces, as a flat list: ${beta.map((t) => `${t.node.kind} ${label(t.item)}`).join(', ')}`);

      await vscode.commands.executeCommand('assay.traces.filter', { text: 'BUG', promptPath: PROMPT });
      const bugs = (await items(explorer)).filter((t) => t.node.kind !== 'more');
      assert.ok(bugs.length >= 2 && bugs.every((t) => t.node.kind === 'trace' && t.node.trace.outputPreview === 'bug'), 'text in the output, case-insensitive');

      await vscode.commands.executeCommand('assay.traces.filter', { status: 'error', promptPath: PROMPT });
      const none = await items(explorer);
      assert.deepStrictEqual(none.map((t) => label(t.item)), ['No traces match the filter.'], 'an empty result says so');

      await vscode.commands.executeCommand('assay.traces.filter', { promptPath: PROMPT });
      await vscode.commands.executeCommand('assay.traces.groupBy', 'model');
      const groups = await items(explorer);
      assert.deepStrictEqual(
        groups.map((g) => label(g.item)).sort(),
        ['mock:alpha', 'mock:beta'],
        'one group per model (most calls first)',
      );
      assert.match(String(groups[0]!.item.description), /^\d+ calls · /, 'with its count');
      const alpha = await explorer.tree.getChildren(groups.find((g) => label(g.item) === 'mock:alpha')!.node);
      assert.ok(alpha.length > 0 && alpha.every((n) => n.kind === 'trace' && n.trace.model === 'alpha'), 'the group holds its model’s traces');

      await vscode.commands.executeCommand('assay.traces.groupBy', 'run');
      await vscode.commands.executeCommand('assay.traces.clearFilter');
      assert.strictEqual(explorer.view.description, undefined, 'no description without a filter');
      assert.strictEqual((await explorer.tree.getChildren())[0]?.kind, 'run', 'runs again');
    });

  });

  describe('trace detail', () => {
    let traceId: string;
    let panel: TraceDetailPanel;

    before(async () => {
      const traces = (await store.listTraces({ runId, model: 'alpha', text: 'billing' }, { limit: 1 })).items;
      traceId = traces[0]!.id;
      panel = (await vscode.commands.executeCommand<TraceDetailPanel>('assay.traces.openTrace', traceId))!;
    });

    it('shows what was sent and received', async () => {
      const state = await panel.reload();
      assert.ok('trace' in state, 'the trace loads');
      const t = state.trace;
      assert.deepStrictEqual(
        t.messages.map((m) => [m.role, m.parts.map((p) => p.text).join('')]),
        [
          ['system', 'You route tickets. VERSION-1'],
          ['user', 'I was charged twice'],
        ],
        'the messages as sent',
      );
      assert.strictEqual(t.output, 'billing');
      assert.strictEqual(JSON.parse(t.requestJson).model, 'alpha', 'the exact payload');
      assert.deepStrictEqual(t.variables, { ticket: 'I was charged twice' });
      assert.deepStrictEqual(t.evaluations.map((e) => [e.type, e.pass]), [['equals', true]], 'the evaluation results');
      assert.strictEqual(t.promptVersion, 'same', "today's file is the version that ran");
      assert.strictEqual(t.replayBlocked, undefined, 'replay can run');
    });

    it('keeps 👍 and a note in the history', async () => {
      const posted = nextEvent(panel.onDidPost, 'the view to be told', (m) => m.method === 'trace/load');
      assert.deepStrictEqual(await panel.setFeedback(1, '  right queue  '), { ok: true });
      await posted;
      const stored = await store.getTrace(traceId);
      assert.deepStrictEqual([stored?.feedback?.rating, stored?.feedback?.note], [1, 'right queue'], 'saved to the history');
      panel.dispose();
      panel = (await vscode.commands.executeCommand<TraceDetailPanel>('assay.traces.openTrace', traceId))!;
      const state = await panel.reload();
      assert.ok('trace' in state && state.trace.feedback?.rating === 1 && state.trace.feedback.note === 'right queue', 'a new panel shows it');
      const rated = (await store.listTraces({ runId, rating: 1 }, {})).items.map((t) => t.id);
      assert.deepStrictEqual(rated, [traceId], 'the 👍 filter finds it');
      assert.deepStrictEqual(await panel.setFeedback(5, ''), { error: 'A rating is 1 (👍), -1 (👎) or 0.' }, 'bad input is an error, not a crash');
    });

    it('replays with the current prompt: old and new side by side, a word diff, both verdicts', async () => {
      writeFileSync(workspaceUri(PROMPT).fsPath, promptText('VERSION-2'));
      const state = await panel.reload();
      assert.ok('trace' in state && state.trace.promptVersion === 'changed', 'the prompt file changed since');
      const view = await panel.replay();
      assert.ok(!('error' in view), 'error' in view ? view.error : '');
      assert.deepStrictEqual([view.old.text, view.new?.text], ['billing', 'Billing.'], 'old and new outputs');
      assert.deepStrictEqual(view.diff.parts, [
        { value: 'billing', kind: 'removed' },
        { value: 'Billing.', kind: 'added' },
      ]);
      assert.strictEqual(view.verdictChange, 'regressed', 'passed before, fails now');
      assert.deepStrictEqual([view.old.verdict?.pass, view.new?.verdict?.pass], [true, false], 'the assertion verdicts, old and new');
      const replayed = await store.getTrace(view.new!.traceId);
      assert.strictEqual(replayed?.runId, view.replayRunId, 'the replay is recorded as its own run');
    });

    it('opens the prompt version as a diff against the current file', async () => {
      const opened = nextEvent(vscode.window.tabGroups.onDidChangeTabs, 'the diff editor', () => vscode.window.tabGroups.activeTabGroup.activeTab?.input instanceof vscode.TabInputTextDiff);
      // What the view's "Diff Prompt Version" button asks for.
      assert.strictEqual(await panel.openVersionDiff(), true);
      await opened;
      const input = vscode.window.tabGroups.activeTabGroup.activeTab!.input as vscode.TabInputTextDiff;
      assert.strictEqual(input.original.scheme, 'assay-version', 'the stored version on the left');
      assert.strictEqual(input.modified.fsPath, workspaceUri(PROMPT).fsPath, 'today’s file on the right');
      const original = await vscode.workspace.openTextDocument(input.original);
      assert.strictEqual(original.getText(), promptText('VERSION-1'), 'the version that ran');
    });

    it('copies the request as curl with the key as a placeholder', async () => {
      const r = await vscode.commands.executeCommand<{ keyVariable: string | null } | { error: string }>('assay.traces.copyAsCurl', traceId);
      assert.deepStrictEqual(r, { keyVariable: 'MOCK_API_KEY' });
      const text = await vscode.env.clipboard.readText();
      assert.ok(text.startsWith(`curl '${mock.openaiBaseUrl}/chat/completions'`), text.split('\n')[0]);
      assert.match(text, /-H "Authorization: Bearer \$MOCK_API_KEY"/);
    });

    it('adds the trace to the test bank', async () => {
      const r = await vscode.commands.executeCommand<{ file: string } | { error: string }>('assay.traces.addToTestBank', traceId, { kind: 'equals' });
      assert.ok(r && 'file' in r, JSON.stringify(r));
      assert.match(readFileSync(workspaceUri(PROMPT).fsPath, 'utf8'), /vars:\s*\n?\s*ticket: I was charged twice[\s\S]*value: billing[\s\S]*---/, 'a third case with the output as expected value');
    });
  });

  describe('whole runs, export, dashboard and alerts', () => {
    it('replays a whole run and reports changed outputs and verdicts', async () => {
      writeFileSync(workspaceUri(PROMPT).fsPath, promptText('VERSION-2'));
      const report = await vscode.commands.executeCommand<ReplayReport | undefined>('assay.traces.replayRun', runId, { openReport: false });
      assert.ok(report, 'the replay ran');
      assert.strictEqual(report.sourceRunId, runId);
      assert.ok(report.totals.replayed >= 4, `every trace replayed (${JSON.stringify(report.totals)})`);
      assert.ok(report.totals.regressions >= 2, 'the double charge regressed on both models');
      assert.strictEqual(report.totals.errors, 0, 'no call failed');
    });

    it('exports the filtered traces as OTLP/JSON', async () => {
      await vscode.commands.executeCommand('assay.traces.filter', { runId });
      const out = workspaceUri('.assay', 'export.otlp.json').fsPath;
      const r = await vscode.commands.executeCommand<{ count: number; path: string }>('assay.traces.export', { format: 'otlp', out });
      assert.ok(r && r.count >= 4, JSON.stringify(r));
      const spans = readFileSync(out, 'utf8').trim().split('\n').flatMap((l) => (JSON.parse(l) as OtlpExportRequest).resourceSpans[0]!.scopeSpans[0]!.spans);
      assert.strictEqual(spans.length, r.count);
      assert.ok(spans.every((s) => s.attributes.some((a) => a.key === 'gen_ai.provider.name' && 'stringValue' in a.value && a.value.stringValue === 'mock')), 'gen_ai attributes');
      await vscode.commands.executeCommand('assay.traces.clearFilter');
    });

    it('the dashboard has per-model series, totals and cost by prompt file', async () => {
      const panel = (await vscode.commands.executeCommand<DashboardPanel>('assay.openDashboard'))!;
      const data = await panel.reload();
      assert.strictEqual(data.days, 30);
      assert.strictEqual(data.x.length, 30, 'one point per day');
      assert.ok(data.metrics.latencyP50.some((s) => s.key === 'mock:alpha'), 'a series per model');
      const today = data.metrics.tokens.find((s) => s.key === 'mock:alpha')!.values.at(-1);
      assert.ok(typeof today === 'number' && today > 0, 'today has tokens');
      assert.ok(data.totals.today.traces >= 8 && data.totals.last7.traces >= data.totals.today.traces, 'totals for today and the week');
      assert.ok(data.byPrompt?.some((p) => p.promptPath === PROMPT), 'usage by prompt file');
      panel.dispose();
    });

    it('warns once per run when its error rate crosses assay.alerts.errorRate', async () => {
      const config = vscode.workspace.getConfiguration('assay');
      await config.update('alerts.errorRate', 0.2, vscode.ConfigurationTarget.Global);
      writeFileSync(workspaceUri(PROMPT).fsPath, promptText('VERSION-3'));
      mock.fault({ kind: 'status', status: 400, times: 4, message: 'bad request for the alert test' });
      const alerted = nextEvent(explorer.alerts.onDidAlert, 'the error-rate alert');
      const summary = await vscode.commands.executeCommand<LastRunSummary | undefined>('assay.runTestBank', workspaceUri(PROMPT));
      const alert = await alerted;
      assert.strictEqual(alert.runId, summary?.runId, 'about this run');
      assert.strictEqual(alert.kind, 'errorRate');
      assert.match(alert.message, /^traces-triage\.prompt \(test\): \d of \d calls failed \(\d+%, alert above 20%\)\.$/);
    });

    it('warns when a call is slower than assay.alerts.latencyMs', async () => {
    const config = vscode.workspace.getConfiguration('assay');
    await config.update('alerts.errorRate', undefined, vscode.ConfigurationTarget.Global);
    await config.update('alerts.latencyMs', 1, vscode.ConfigurationTarget.Global);
    writeFileSync(workspaceUri(PROMPT).fsPath, promptText('VERSION-4'));
    const alerted = nextEvent(explorer.alerts.onDidAlert, 'the latency alert');
    const summary = await vscode.commands.executeCommand<LastRunSummary | undefined>('assay.runTestBank', workspaceUri(PROMPT));
    const alert = await alerted;
    assert.deepStrictEqual([alert.runId, alert.kind], [summary?.runId, 'latency'], 'about this run, once');
    assert.match(alert.message, /^traces-triage\.prompt \(test\): a call took \d+ ms \(alert above 1 ms\)\.$/);
    await config.update('alerts.latencyMs', undefined, vscode.ConfigurationTarget.Global);
  });

  it('deletes a trace and drops it from the tree', async () => {
      const [victim] = (await store.listTraces({ runId }, { limit: 1 })).items;
      const refreshed = nextEvent(explorer.tree.onDidChangeTreeData, 'the tree to refresh after the delete');
      const n = await vscode.commands.executeCommand<number>('assay.traces.deleteTrace', victim!.id, undefined, { confirm: false });
      assert.strictEqual(n, 1);
      await refreshed;
      assert.strictEqual(await store.getTrace(victim!.id), null, 'gone from the history');
    });
  });
});
