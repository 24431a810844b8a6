// The Test Explorer's "Run in Batch (half price)" profile inside VS Code: it runs `assay test --batch` as a
// task against the local batch server (the real OpenAI SDK in the CLI), reports the JSON report's verdicts
// on the Test Explorer's items and records the run in the window's history; a cancel either cancels the
// batches at the provider (what they finished is reported) or leaves them running for a later resume.
import * as assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { waitingBatchRuns } from '../../src/core/batch/waitingRuns';
import type { BatchRunSummary } from '../../src/host/testing/batchRun';
import type { TreeNode } from '../../src/host/testing/testTree';
import type { TraceExplorer } from '../../src/host/traces/traceExplorer';
import { startMockBatchServer, type MockBatchServer } from '../support/mockBatchServer';
import { assayExtension, closeAllEditors, workspaceUri } from './support/vscodeHelpers';

const PROMPT = `---
model: openai:gpt-4o-mini
tests:
  - description: goes to billing
    vars: { ticket: charged twice }
    assert: [{ type: equals, value: billing }]
  - description: goes to bugs
    vars: { ticket: it crashes }
    assert: [{ type: equals, value: bug }]
---
user:
{{ ticket }}
`;

/** Every node under `nodes`, depth first. */
function flat(nodes: readonly TreeNode[]): TreeNode[] {
  return nodes.flatMap((n) => [n, ...flat(n.children)]);
}

/** The prompt's item once the Test Explorer lists it (the tree reads a new file as it is opened). */
async function promptNode(uri: vscode.Uri): Promise<TreeNode> {
  await vscode.workspace.openTextDocument(uri);
  for (let i = 0; i < 100; i++) {
    const found = (await vscode.commands.executeCommand<TreeNode[]>('assay.internal.testTree')).find((n) => n.uri === uri.toString());
    if (found) return found;
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.fail(`${uri.fsPath} is not in the Test Explorer`);
}

/** Verdicts by case label (each case runs on one model here). */
function verdicts(node: TreeNode, summary: BatchRunSummary): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of node.children) for (const leaf of flat([c])) {
    const item = summary.items.find((i) => i.id === leaf.id);
    if (item) out[c.label] = item.verdict;
  }
  return out;
}

describe('batch runs from the Test Explorer', function () {
  this.timeout(120_000);
  let server: MockBatchServer;
  const folder = workspaceUri('batchui');
  const prompt = workspaceUri('batchui', 'route.prompt');

  before(async () => {
    await assayExtension().activate();
    server = await startMockBatchServer({ reply: (body) => ({ text: JSON.stringify(body.messages).includes('charged') ? 'billing' : 'other' }) });
    mkdirSync(folder.fsPath, { recursive: true });
    // The CLI finds this config from the folder of the picked files: the built-in openai endpoint at the local server.
    writeFileSync(workspaceUri('batchui', 'assay.config.yaml').fsPath, `endpoints:\n  - name: openai\n    baseUrl: ${server.openaiBaseUrl}\n`);
    writeFileSync(prompt.fsPath, PROMPT);
    const explorer = (await vscode.commands.executeCommand<TraceExplorer>('assay.internal.traceExplorer'))!;
    // The CLI task gets the key stored in Assay as OPENAI_API_KEY.
    await explorer.ctx.keys.set('openai', 'sk-batch-ui-test');
  });
  after(async () => {
    const explorer = (await vscode.commands.executeCommand<TraceExplorer>('assay.internal.traceExplorer'))!;
    await explorer.ctx.keys.clear('openai');
    await closeAllEditors();
    rmSync(folder.fsPath, { recursive: true, force: true });
    await server?.close();
  });

  it('runs the picked prompt through the batch API and reports each case in the Test Explorer and the history', async () => {
    const node = await promptNode(prompt);
    const before = server.batches.size;
    const summary = (await vscode.commands.executeCommand<BatchRunSummary>('assay.internal.runTestItemsInBatch', [node.id], { pollMaxSeconds: 0.2 }))!;
    assert.strictEqual(summary.outcome, 'done', summary.message);
    assert.strictEqual(summary.exitCode, 1, 'one case fails: the CLI exits 1');
    assert.deepStrictEqual(verdicts(node, summary), { 'goes to billing': 'passed', 'goes to bugs': 'failed' });
    const progress = summary.progress ?? [];
    assert.ok(progress.some((m) => /^openai batch \S+ created with 2 requests/.test(m)), progress.join('\n'));
    assert.ok(progress.some((m) => /: in_progress, \d\/2 done/.test(m)), `the batch's progress in the notification: ${progress.join('\n')}`);
    assert.ok(progress.some((m) => /done, about \d+ s left$/.test(m)), `with the time left: ${progress.join('\n')}`);
    assert.strictEqual(server.batches.size, before + 1, 'one batch for the endpoint');
    const batch = [...server.batches.values()].at(-1)!;
    assert.deepStrictEqual([batch.api, batch.requests.length, batch.status], ['openai', 2, 'completed']);

    const explorer = (await vscode.commands.executeCommand<TraceExplorer>('assay.internal.traceExplorer'))!;
    const store = (await explorer.ctx.services.store())!;
    const run = (await store.listRuns({ kind: 'cli' }, { limit: 100 })).items.find((r) => r.id === summary.runId);
    assert.deepStrictEqual([run?.status, run?.totals.traces, run?.totals.passed, run?.totals.failed], ['done', 2, 1, 1], 'recorded in this window’s history');
  });

  it('Cancel Test Run on a waiting batch run cancels its batches at the provider (when asked to) and reports what ended', async () => {
    const node = await promptNode(prompt);
    server.hold();
    try {
      const created = server.batches.size;
      const running = vscode.commands.executeCommand<BatchRunSummary>('assay.internal.runTestItemsInBatch', [node.id], { pollMaxSeconds: 0.2, onCancel: 'cancel' });
      const batch = await server.whenCreated(created + 1);
      // The CLI reads a batch's status only after storing it in history: from then on the run can be resumed.
      await server.whenRequested(`GET /v1/batches/${batch.id}`);
      assert.strictEqual(await vscode.commands.executeCommand<boolean>('assay.cancelTestRun'), true, 'the batch run takes the cancel');
      await server.whenRequested(`POST /v1/batches/${batch.id}/cancel`);
      server.release();
      const summary = (await running)!;
      assert.strictEqual(summary.outcome, 'cancelled', summary.message);
      assert.strictEqual(batch.cancelled, true, 'the batch was cancelled at the provider');
      assert.deepStrictEqual(Object.values(verdicts(node, summary)), ['skipped', 'skipped'], 'the batch ran neither request before it was cancelled: skipped, as in a cancelled live run');
      const explorer = (await vscode.commands.executeCommand<TraceExplorer>('assay.internal.traceExplorer'))!;
      const store = (await explorer.ctx.services.store())!;
      assert.ok(!(await waitingBatchRuns(store)).some((w) => w.runId === summary.runId), 'the run is finished, no longer waiting');
    } finally {
      server.release();
    }
  });

  it('leaving the batches running stores the run as waiting; Resume Batch Run finishes it', async () => {
    const node = await promptNode(prompt);
    server.hold();
    const created = server.batches.size;
    const running = vscode.commands.executeCommand<BatchRunSummary>('assay.internal.runTestItemsInBatch', [node.id], { pollMaxSeconds: 0.2, onCancel: 'leave' });
    const batch = await server.whenCreated(created + 1);
    await server.whenRequested(`GET /v1/batches/${batch.id}`);
    await vscode.commands.executeCommand('assay.cancelTestRun');
    const summary = (await running)!;
    server.release();
    assert.strictEqual(summary.outcome, 'left-running', summary.message);
    assert.strictEqual(batch.cancelled, false, 'the batch keeps running at the provider');
    const explorer = (await vscode.commands.executeCommand<TraceExplorer>('assay.internal.traceExplorer'))!;
    const store = (await explorer.ctx.services.store())!;
    assert.ok((await waitingBatchRuns(store)).some((w) => w.runId === summary.runId), 'offered for resuming');
    assert.strictEqual(await vscode.commands.executeCommand<number | undefined>('assay.resumeBatchRun', summary.runId), 1, 'resumed: the stored batch answered, one case fails');
    await store.refresh();
    const run = (await store.listRuns({ kind: 'cli' }, { limit: 100 })).items.find((r) => r.id === summary.runId);
    assert.deepStrictEqual([run?.status, run?.totals.traces], ['done', 2]);
    assert.strictEqual(server.batches.size, created + 1, 'the resumed run submitted no new batch');
  });
});
