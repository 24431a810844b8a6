// Restricted Mode as a user meets it: the folder is opened with "No, I don't trust the authors". Prompt
// files are still highlighted and checked, but nothing renders: the token item and the preview say why.
import * as assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startSession, type E2eSession } from './support/session';
import { runCommand, screenshot, screenshotIfFailed, waitForHighlighting, waitForLanguageMode } from './support/workbench';

async function openFromExplorer(page: Page, name: string): Promise<void> {
  await page.locator('.explorer-folders-view .monaco-list-row', { hasText: name }).first().click();
  await page.locator('.editor-group-container.active .tab.active', { hasText: name }).waitFor({ state: 'visible' });
  await waitForLanguageMode(page, 'Assay Prompt');
}

describe('Restricted Mode (untrusted workspace)', () => {
  let s: E2eSession | undefined;
  const page = (): Page => {
    assert.ok(s, 'no code-server session: before() failed');
    return s.page;
  };
  before(async () => {
    s = await startSession({ restricted: true });
  });
  afterEach(async function () {
    await screenshotIfFailed(this.currentTest, s?.page);
  });
  after(async () => {
    await s?.stop();
  });

  it('opens the workspace in Restricted Mode', async () => {
    await page().locator('.part.statusbar .statusbar-item', { hasText: 'Restricted Mode' }).waitFor({ state: 'visible' });
  });

  it('still highlights and checks a prompt file, but counts no tokens', async () => {
    await openFromExplorer(page(), 'broken.prompt');
    await waitForHighlighting(page());
    const editor = page().locator('.editor-group-container.active .monaco-editor');
    await editor.locator('.squiggly-warning, .squiggly-error').first().waitFor({ state: 'visible' });
    const tokens = page().locator('.part.statusbar .statusbar-item', { hasText: /tokens off/ });
    await tokens.waitFor({ state: 'visible' });
    await screenshot(page(), 'restricted-prompt-file');
  });

  it('turns the run lens into a Restricted Mode lens that says why and offers to manage trust', async () => {
    await openFromExplorer(page(), 'hello.prompt');
    const editor = page().locator('.editor-group-container.active .monaco-editor');
    const lens = editor.locator('.codelens-decoration a', { hasText: 'Run test bank (Restricted Mode)' });
    await lens.waitFor({ state: 'visible' });
    await lens.click();
    const toast = page().locator('.notifications-toasts .notification-toast', { hasText: 'Restricted Mode' });
    await toast.waitFor({ state: 'visible' });
    await toast.locator('.monaco-button', { hasText: 'Manage Workspace Trust' }).waitFor({ state: 'visible' });
    await screenshot(page(), 'restricted-run-lens');
  });

  it('shows why the rendered-prompt preview is off instead of rendering', async () => {
    await openFromExplorer(page(), 'hello.prompt');
    await runCommand(page(), 'Assay: Preview Rendered Prompt');
    const preview = page().locator('.editor-group-container', { has: page().locator('.tab.active', { hasText: 'hello.prompt.rendered.md' }) });
    await preview.locator('.view-lines', { hasText: 'Restricted Mode' }).first().waitFor({ state: 'visible' });
    const text = (await preview.locator('.view-lines').innerText()).replace(/\u00a0/g, ' ');
    assert.doesNotMatch(text, /Say hello to/, 'the template must not have been rendered');
  });
});
