import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { assayExtension, closeAllEditors, until, workspaceUri } from './support/vscodeHelpers';
import { PROMPT_LANGUAGE_ID } from '../../src/host/commandIds';

// Runs first (files load in name order): nothing has activated Assay yet.
describe('activation', () => {
  after(closeAllEditors);

  it('stays inactive until a prompt file opens (no * or onStartupFinished activation)', () => {
    assert.strictEqual(assayExtension().isActive, false, 'Assay activated before any prompt file was opened');
  });

  it('activates when a .prompt file opens, which gets the prompt language', async () => {
    const doc = await vscode.workspace.openTextDocument(workspaceUri('hello.prompt'));
    await vscode.window.showTextDocument(doc);
    assert.strictEqual(doc.languageId, PROMPT_LANGUAGE_ID, 'a .prompt file should open in the prompt language');
    await until(() => assayExtension().isActive, 'Assay to activate on onLanguage:prompt');
  });
});
