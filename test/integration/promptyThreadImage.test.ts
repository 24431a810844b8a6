// A Prompty 2.0 file with a `kind: thread` input and a `kind: image` input, run in the playground and in
// the Test Explorer against the mock LLM server: what reaches the model is the thread's turns as messages
// of their own and the picture as an image content part, the same from both.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { PlaygroundPanel } from '../../src/host/playground/playgroundPanel';
import type { LastRunSummary } from '../../src/host/testing/runCoordinator';
import type { TreeNode } from '../../src/host/testing/testTree';
import type { RunUpdate } from '../../src/shared/playgroundProtocol';
import { startMockLlm, type MockLlm, type MockRequest } from '../support/mockLlmServer';
import { assayExtension, closeAllEditors, nextEvent, workspaceUri } from './support/vscodeHelpers';

const FILE = 'vision-thread.prompty';

/** The chat messages a request carried, as the OpenAI wire has them. */
type WireMessage = { role: string; content: string | { type: string; text?: string; image_url?: { url: string } }[] };

function messagesOf(req: MockRequest | undefined): WireMessage[] {
  assert.ok(req, 'the mock received the call');
  assert.strictEqual(req.api, 'openai.chat');
  return req.body?.messages as WireMessage[];
}

/** The request the file with its test case's values must produce, the picture read from beside the file. */
function expectedMessages(): WireMessage[] {
  const png = readFileSync(workspaceUri('pixel.png').fsPath).toString('base64');
  return [
    { role: 'system', content: 'You describe pictures.' },
    { role: 'user', content: 'I have a photo of my kettle.' },
    { role: 'assistant', content: 'Send it over.' },
    {
      role: 'user',
      content: [
        { type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } },
        { type: 'text', text: 'Which colour is the kettle?' },
      ],
    },
  ];
}

describe('a Prompty 2.0 file with a thread and an image', function () {
  this.timeout(60_000);
  let mock: MockLlm;

  before(async () => {
    await assayExtension().activate();
    mock = await startMockLlm({ reply: () => 'seen' });
    const config = vscode.workspace.getConfiguration('assay');
    await config.update('endpoints', [{ name: 'mockvt', baseUrl: mock.openaiBaseUrl, models: ['vision'] }], vscode.ConfigurationTarget.Global);
  });
  after(async () => {
    await vscode.workspace.getConfiguration('assay').update('endpoints', undefined, vscode.ConfigurationTarget.Global);
    await closeAllEditors();
    await mock?.close();
  });

  it('runs in the playground: the thread as separate messages, the picture as an image part', async () => {
    const panel = await vscode.commands.executeCommand<PlaygroundPanel | undefined>('assay.openPlayground', workspaceUri(FILE));
    assert.ok(panel, 'assay.openPlayground returned no panel');
    const info = await panel.fileInfo();
    assert.deepStrictEqual(
      info.inputs.map((f) => [f.name, f.kind, f.declaredType]),
      [
        ['history', 'json', 'thread'],
        ['photo', 'text', 'image'],
        ['question', 'text', 'string'],
      ],
      'the form: the thread as JSON, the picture as a path, URL or data URI',
    );
    assert.deepStrictEqual(info.models, ['mockvt:vision'], "the 2.0 model's provider and id");
    const ended = nextEvent(panel.onDidPost, 'the end of the run', (m) => m.method === 'playground/runsUpdated' && (m.params as { updates: RunUpdate[] }).updates.some((u) => u.runId === 'vt-1' && u.done));
    const before = mock.requests.length;
    const history = JSON.stringify([
      { role: 'user', content: 'I have a photo of my kettle.' },
      { role: 'assistant', content: 'Send it over.' },
    ]);
    const live = await panel.session.run({
      runId: 'vt-1',
      columns: [{ id: 'V', model: 'mockvt:vision', params: {} }],
      values: { history, photo: 'pixel.png', question: 'Which colour is the kettle?' },
    });
    await ended;
    assert.deepStrictEqual(
      live.finished.map((r) => [r.status, r.text, r.error?.message]),
      [['ok', 'seen', undefined]],
    );
    assert.strictEqual(mock.requests.length - before, 1, 'one call');
    assert.deepStrictEqual(messagesOf(mock.requests[before]), expectedMessages());
    panel.panel.dispose();
  });

  it('runs from the Test Explorer with the case values: the same request', async () => {
    const tree = await vscode.commands.executeCommand<TreeNode[]>('assay.internal.testTree');
    const root = tree.find((n) => n.label === FILE);
    assert.ok(root, `${FILE} is a root of the Test Explorer (roots: ${tree.map((n) => n.label).join(', ')})`);
    assert.deepStrictEqual(root.children.map((c) => c.label), ['a thread and a picture']);
    const before = mock.requests.length;
    const summary = await vscode.commands.executeCommand<LastRunSummary>('assay.internal.runTestItems', [root.children[0]!.id]);
    assert.deepStrictEqual(
      summary.cells.map((c) => [c.label, c.model, c.status]),
      [['a thread and a picture', 'mockvt:vision', 'pass']],
    );
    assert.strictEqual(mock.requests.length - before, 1, 'one call (nothing was served from a cache)');
    assert.deepStrictEqual(messagesOf(mock.requests[before]), expectedMessages());
  });
});
