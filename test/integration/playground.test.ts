// The playground panel inside VS Code: the command (with a URI, from the active editor, revealing an open
// panel), the real webview's ready handshake, runs against the mock LLM server through the extension's own
// engine and history, unsaved edits and the stale notice, prefilled inputs, and a reasoning model's summary
// streaming in live. The webview's DOM is the
// e2e tier's; here the host side is driven through the panel the command returns.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { responseReasoning } from '../../src/core/export/payloadMessages';
import type { PlaygroundPanel, PostedMessage } from '../../src/host/playground/playgroundPanel';
import type { TraceExplorer } from '../../src/host/traces/traceExplorer';
import type { ColumnResult, PlaygroundInit, PromptFileInfo, RunUpdate } from '../../src/shared/playgroundProtocol';
import { startMockLlm, type MockLlm } from '../support/mockLlmServer';
import { assayExtension, closeAllEditors, nextEvent, workspaceUri } from './support/vscodeHelpers';

/** Everything a panel posts, with a way to wait for a message. */
class Posts {
  readonly all: PostedMessage[] = [];
  private readonly sub: vscode.Disposable;
  constructor(readonly panel: PlaygroundPanel) {
    this.sub = panel.onDidPost((m) => this.all.push(m));
  }
  /** Resolves with the first message (already posted, or the next) of `method` that satisfies `test`. */
  async next<P>(method: string, test: (p: P) => boolean = () => true, what = method): Promise<P> {
    const seen = this.all.find((m) => m.method === method && test(m.params as P));
    if (seen) return seen.params as P;
    const m = await nextEvent(this.panel.onDidPost, what, (e) => e.method === method && test(e.params as P), 20_000);
    return m.params as P;
  }
  updates(runId: string): RunUpdate[] {
    return this.all.filter((m) => m.method === 'playground/runsUpdated').flatMap((m) => (m.params as { updates: RunUpdate[] }).updates.filter((u) => u.runId === runId));
  }
  dispose(): void {
    this.sub.dispose();
  }
}

/** What the mock reasoning model (`api: responses`) thinks before it answers. */
const SUMMARY = 'The customer was charged twice for one order, so this belongs to billing.';
const REASONING_PROMPT = `---
name: reasoning-fixture
description: A reasoning model through the Responses API with a reasoning summary (written by the playground integration test)
models: [mockpg:thinker]
api: responses
params: { reasoning_effort: low, reasoning_summary: auto, max_tokens: 400 }
---
user:
Which queue takes a double charge?
`;

describe('playground panel', function () {
  this.timeout(60_000);
  let mock: MockLlm;
  const uri = (): vscode.Uri => workspaceUri('playground.prompt');

  before(async () => {
    await assayExtension().activate();
    mock = await startMockLlm({
      tokensPerSecond: 200,
      reply: (req) => (req.api === 'openai.responses' ? { reasoning: SUMMARY, text: 'billing', usage: { reasoning: 24 } } : `${req.model} heard: ${req.prompt}`),
    });
    const config = vscode.workspace.getConfiguration('assay');
    await config.update('endpoints', [{ name: 'mockpg', baseUrl: mock.openaiBaseUrl }], vscode.ConfigurationTarget.Global);
    await config.update('pricing', { 'mockpg:*': { input: 1, output: 2 } }, vscode.ConfigurationTarget.Global);
  });
  after(async () => {
    const config = vscode.workspace.getConfiguration('assay');
    await config.update('endpoints', undefined, vscode.ConfigurationTarget.Global);
    await config.update('pricing', undefined, vscode.ConfigurationTarget.Global);
    await closeAllEditors();
    await mock?.close();
  });

  /** What the current panel posted since it opened (a recorder per panel, created when the command returns it). */
  const recorders = new Map<PlaygroundPanel, Posts>();
  async function open(arg?: vscode.Uri, options?: unknown): Promise<{ panel: PlaygroundPanel; posts: Posts }> {
    const panel = await vscode.commands.executeCommand<PlaygroundPanel | undefined>('assay.openPlayground', arg, options);
    assert.ok(panel, 'assay.openPlayground returned no panel');
    let posts = recorders.get(panel);
    if (!posts) {
      posts = new Posts(panel);
      recorders.set(panel, posts);
    }
    return { panel, posts };
  }
  after(() => {
    for (const p of recorders.values()) p.dispose();
  });

  it('opens beside the prompt editor, loads its webview and describes the file', async () => {
    await vscode.window.showTextDocument(uri(), { viewColumn: vscode.ViewColumn.One });
    const { panel, posts } = await open(uri());
    // The webview's script ran (under the panel's CSP) and answered the ready handshake: the host then sends init.
    const init = await posts.next<PlaygroundInit>('playground/init', () => true, 'the webview to load and receive init');
    assert.strictEqual(panel.host.isReady, true, 'the webview said it is ready');
    assert.strictEqual(panel.panel.viewType, 'assay.playground');
    assert.strictEqual(panel.panel.viewColumn, vscode.ViewColumn.Two, 'beside the editor');
    assert.strictEqual(panel.panel.title, 'Playground: playground.prompt');
    assert.strictEqual(panel.panel.webview.options.enableScripts, true);
    assert.deepStrictEqual(init.file.models, ['mockpg:left', 'mockpg:right']);
    assert.deepStrictEqual(init.file.inputs.map((f) => [f.name, f.kind, f.initial]), [['topic', 'text', 'tea'], ['count', 'integer', '2']]);
    assert.deepStrictEqual([init.trusted, init.historyEnabled], [true, true]);
    assert.ok(init.catalog.models.some((m) => m.ref === 'mockpg:left'), 'the file models are in the picker');
    const catalog = await posts.next<{ models: { ref: string; source: string }[] }>('playground/catalogChanged', (c) => c.models.some((m) => m.source === 'listed'), 'the model listing');
    assert.ok(catalog.models.some((m) => m.ref === 'mockpg:gpt-4o' && m.source === 'listed'), 'the endpoint models (GET /models) are offered once listed');
  });

  it('reveals the open panel instead of opening a second one, with or without a URI', async () => {
    const first = await open(uri());
    const again = await open(uri());
    assert.strictEqual(again.panel, first.panel, 'one panel per prompt file');
    await vscode.window.showTextDocument(uri(), { viewColumn: vscode.ViewColumn.One });
    const fromEditor = await open(undefined);
    assert.strictEqual(fromEditor.panel, first.panel, 'no argument: the active prompt editor');
  });

  it('runs both columns through the extension engine: streamed updates, priced results, history and feedback', async () => {
    const { panel, posts } = await open(uri());
    const before = mock.requests.length;
    const live = await panel.session.run({
      runId: 'it-run-1',
      columns: [
        { id: 'L', model: 'mockpg:left', params: {} },
        { id: 'R', model: 'mockpg:right', params: { temperature: 0.5 } },
      ],
      values: { topic: 'kettles', count: '3' },
    });
    assert.strictEqual(live.status, 'done');
    await posts.next<{ updates: RunUpdate[] }>('playground/runsUpdated', (p) => p.updates.some((u) => u.runId === 'it-run-1' && u.done), 'the end of the run');
    const sent = mock.requests.slice(before);
    assert.deepStrictEqual(sent.map((r) => r.model).sort(), ['left', 'right']);
    assert.ok(sent.every((r) => r.prompt === 'Tell me 3 things about kettles.'), 'the form values were rendered into the prompt');
    assert.deepStrictEqual(sent.map((r) => r.body?.temperature).sort(), [0, 0.5], 'the column override');
    const updates = posts.updates('it-run-1');
    const streamed = updates.map((u) => u.deltas?.L ?? '').join('');
    assert.strictEqual(streamed, 'left heard: Tell me 3 things about kettles.', 'column L streamed its text to the webview');
    const results = updates.flatMap((u) => u.finished ?? []);
    const left = results.find((r) => r.columnId === 'L') as ColumnResult;
    assert.deepStrictEqual([left.status, left.finishReason], ['ok', 'stop']);
    assert.ok(left.cost !== null && left.cost > 0, 'priced by assay.pricing');
    assert.ok(left.traceId, 'recorded in the history');
    assert.deepStrictEqual(await panel.session.setFeedback(left.traceId, { rating: 1, note: 'crisp' }), { ok: true });
    assert.deepStrictEqual(await panel.session.getFeedback([left.traceId]), { [left.traceId]: { rating: 1, note: 'crisp' } }, 'the rating reads back from the history');
  });

  it("streams a reasoning model's summary to the webview while it runs, apart from the output, and records it in the trace", async () => {
    const file = workspaceUri('reasoning.prompt');
    await vscode.workspace.fs.writeFile(file, Buffer.from(REASONING_PROMPT));
    try {
      const { panel, posts } = await open(file);
      await posts.next<PlaygroundInit>('playground/init', (i) => i.file.label === 'reasoning.prompt', 'the reasoning panel to load');
      const before = mock.requests.length;
      const run = await panel.session.run({ runId: 'it-reasoning', columns: [{ id: 'R', model: 'mockpg:thinker', params: {} }], values: {} });
      assert.deepStrictEqual([run.failure, run.finished.map((r) => r.error)], [undefined, [undefined]], 'the run went through');
      await posts.next<{ updates: RunUpdate[] }>('playground/runsUpdated', (p) => p.updates.some((u) => u.runId === 'it-reasoning' && u.done), 'the end of the reasoning run');
      // The panel also lists the endpoint's models (GET /models) when it opens.
      const sent = mock.requests.slice(before).filter((r) => r.api !== 'openai.models');
      assert.deepStrictEqual(
        sent.map((r) => [r.api, r.stream, r.body?.reasoning]),
        [['openai.responses', true, { effort: 'low', summary: 'auto' }]],
        'one streamed Responses API call asking for a summary',
      );

      const updates = posts.updates('it-reasoning');
      const finishedAt = updates.findIndex((u) => u.finished?.some((r) => r.columnId === 'R'));
      const live = updates.slice(0, finishedAt).filter((u) => u.reasoningDeltas?.R);
      assert.ok(live.length > 1, `the summary arrived in several messages before the column finished (${live.length})`);
      assert.strictEqual(live.map((u) => u.reasoningDeltas!.R).join(''), SUMMARY, 'the whole summary streamed, in order');
      const firstText = updates.findIndex((u) => u.deltas?.R);
      assert.ok(firstText > updates.indexOf(live[0]!), 'the summary showed before the answer began');
      assert.strictEqual(updates.map((u) => u.deltas?.R ?? '').join(''), 'billing', 'the output stream holds the answer only');

      const result = updates[finishedAt]!.finished!.find((r) => r.columnId === 'R')!;
      assert.deepStrictEqual([result.status, result.text, result.reasoning], ['ok', 'billing', SUMMARY], 'the finished column holds the summary apart from its text');
      assert.ok(result.traceId, 'recorded in the history');
      const explorer = await vscode.commands.executeCommand<TraceExplorer>('assay.internal.traceExplorer');
      const store = await explorer!.ctx.services.store();
      const trace = await store!.getTrace(result.traceId);
      assert.strictEqual(trace?.text, 'billing', 'the trace output is the answer');
      assert.strictEqual(responseReasoning(trace?.response), SUMMARY, 'the trace detail reads the summary from the stored response');
      assert.strictEqual(trace?.usage?.reasoningTokens, 24);
      panel.panel.dispose();
    } finally {
      await vscode.workspace.fs.delete(file);
    }
  });

  it('runs the unsaved text and tells the webview the file changed', async () => {
    const { panel, posts } = await open(uri());
    const doc = await vscode.workspace.openTextDocument(uri());
    const oldHash = (await panel.fileInfo()).fileHash;
    const edit = new vscode.WorkspaceEdit();
    const line = doc.getText().split('\n').findIndex((l) => l.startsWith('Tell me'));
    edit.replace(uri(), doc.lineAt(line).range, 'EDITED: name {{ count }} kinds of {{ topic }}.');
    const changed = posts.next<PromptFileInfo>('playground/fileChanged', (f) => f.fileHash !== oldHash, 'the file-changed notification');
    assert.ok(await vscode.workspace.applyEdit(edit));
    const info = await changed;
    assert.strictEqual(doc.isDirty, true, 'the edit is not saved');
    assert.notStrictEqual(info.fileHash, oldHash, 'a new prompt version: the webview marks older outputs stale');
    const before = mock.requests.length;
    await panel.session.run({ runId: 'it-run-2', columns: [{ id: 'L', model: 'mockpg:left', params: {} }], values: { topic: 'tea', count: '1' } });
    assert.strictEqual(mock.requests[before]?.prompt, 'EDITED: name 1 kinds of tea.', 'the unsaved edit was used');
    const started = posts.updates('it-run-2').find((u) => u.started);
    assert.strictEqual(started?.started?.fileHash, info.fileHash, 'the run ran the new version');
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('workbench.action.files.revert');
    assert.strictEqual(doc.isDirty, false);
  });

  it('fills the form from assay.openPlayground(uri, { vars })', async () => {
    // The panel is open (and recorded) already: the prefill is posted while the command runs.
    const { posts } = await open(uri(), { vars: { topic: 'teapots', count: 4 }, source: 'a trace' });
    const prefill = await posts.next<{ values: Record<string, unknown>; source?: string }>('playground/prefill');
    assert.deepStrictEqual(prefill, { values: { topic: 'teapots', count: '4' }, source: 'a trace' });
  });

  it('closing the panel disposes it; the command then opens a new one', async () => {
    const { panel } = await open(uri());
    const disposed = nextEvent(panel.onDidDispose, 'the panel to dispose');
    panel.panel.dispose();
    await disposed;
    const { panel: fresh, posts } = await open(uri());
    assert.notStrictEqual(fresh, panel, 'a new panel');
    await posts.next<PlaygroundInit>('playground/init', () => true, 'the new webview to load');
  });
});
