import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { assayExtension, closeAllEditors, nextEvent } from './support/vscodeHelpers';
import { PROMPT_LANGUAGE_ID } from '../../src/host/commandIds';

describe('commands', () => {
  before(async () => {
    await assayExtension().activate();
  });
  afterEach(closeAllEditors);

  it('registers every command package.json contributes', async () => {
    const contributed = (assayExtension().packageJSON.contributes.commands as { command: string }[]).map((c) => c.command);
    assert.ok(contributed.length > 0, 'package.json contributes no command');
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.filter((id) => !registered.has(id));
    assert.deepStrictEqual(missing, [], 'contributed commands that activate() did not register');
  });

  it('assay.newPromptFile opens an untitled prompt document with front matter', async () => {
    const shown = nextEvent(vscode.window.onDidChangeActiveTextEditor, 'the new prompt file to become the active editor', (e) => e?.document.languageId === PROMPT_LANGUAGE_ID);
    await vscode.commands.executeCommand('assay.newPromptFile');
    const editor = await shown;
    assert.ok(editor, 'no active editor after assay.newPromptFile');
    const doc = editor.document;
    assert.strictEqual(doc.isUntitled, true, 'the new prompt file should be untitled until saved');
    assert.strictEqual(doc.languageId, PROMPT_LANGUAGE_ID, 'the new document should use the prompt language');
    const text = doc.getText();
    assert.match(text, /^---\n[\s\S]*?\n---\n/, 'the starter text should open with a front-matter block');
    assert.match(text, /^name: \S+/m, 'the front matter should name the prompt');
  });
});
