import * as assert from 'node:assert/strict';
import { startSession, type E2eSession } from './support/session';
import type { Page } from 'playwright-core';
import { activeEditorText, runCommand, screenshot, screenshotIfFailed, waitForHighlighting, waitForLanguageMode } from './support/workbench';

describe('packaged extension in code-server', () => {
  let s: E2eSession | undefined;
  const page = (): Page => {
    assert.ok(s, 'no code-server session: before() failed');
    return s.page;
  };
  before(async () => {
    s = await startSession();
  });
  afterEach(async function () {
    await screenshotIfFailed(this.currentTest, s?.page);
  });
  after(async () => {
    await s?.stop();
  });

  it('"Assay: New Prompt File" from the command palette opens a prompt in Prompt mode', async () => {
    await runCommand(page(), 'Assay: New Prompt File');
    const mode = await waitForLanguageMode(page(), 'Assay Prompt');
    assert.strictEqual((await mode.innerText()).trim(), 'Assay Prompt', 'the status bar should show the prompt language');
    const text = await activeEditorText(page());
    assert.match(text, /^---/, 'the new file should start with front matter');
    assert.match(text, /^system:$/m, 'the starter prompt should have a system message');
    await waitForHighlighting(page());
    await screenshot(page(), 'new-prompt-file');
  });

  it('opens a .prompt file from the explorer in Prompt mode', async () => {
    await page().locator('.explorer-folders-view .monaco-list-row', { hasText: 'hello.prompt' }).click();
    await page().locator('.editor-group-container.active .tab.active', { hasText: 'hello.prompt' }).waitFor({ state: 'visible' });
    await waitForLanguageMode(page(), 'Assay Prompt');
    assert.match(await activeEditorText(page()), /Say hello to \{\{ name \}\}/, 'the editor should show the fixture file');
    await waitForHighlighting(page());
    await screenshot(page(), 'hello-prompt');
  });
});
