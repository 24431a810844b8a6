// Helpers shared by the integration tests (bundled into each test file).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

/** `publisher.name` from package.json. */
export const EXTENSION_ID = 'assay.assay';

export function assayExtension(): vscode.Extension<unknown> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not loaded in the test host`);
  return ext;
}

/** The fixture workspace folder (a temporary copy of test/fixtures/workspace) the tests run in. */
export function workspaceUri(...segments: string[]): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the test host was started without a workspace folder');
  return vscode.Uri.joinPath(folder.uri, ...segments);
}

/**
 * Resolves with the first event that satisfies `predicate`; rejects after `timeoutMs` with `what` in the
 * message. Subscribe before triggering the action that fires the event.
 */
export function nextEvent<T>(event: vscode.Event<T>, what: string, predicate: (e: T) => boolean = () => true, timeoutMs = 10_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const sub = event((e) => {
      if (!predicate(e)) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(e);
    });
  });
}

/**
 * Waits for a condition VS Code exposes no event for (e.g. `Extension.isActive`), checking it on every
 * turn of the event loop's timer phase; rejects after `timeoutMs` naming `what`.
 */
export function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise<void>((resolve, reject) => {
    const check = () => {
      if (condition()) resolve();
      else if (Date.now() > deadline) reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      else setTimeout(check, 10);
    };
    check();
  });
}

/** Closes every editor, reverting untitled and dirty ones first so no save prompt blocks the next test. */
export async function closeAllEditors(): Promise<void> {
  const openTabs = () => vscode.window.tabGroups.all.reduce((n, g) => n + g.tabs.length, 0);
  for (let guard = openTabs(); guard > 0 && openTabs() > 0; guard--) {
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  }
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}
