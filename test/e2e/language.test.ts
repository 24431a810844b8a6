// The prompt language as a user sees it in the packaged extension: colours, squiggles, the token status
// item, the rendered-prompt preview from the command palette, and the large-file notice.
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { startSession, type E2eSession } from './support/session';
import { activeEditorText, screenshot, screenshotIfFailed, waitForHighlighting, waitForLanguageMode, waitForNotification } from './support/workbench';

/** The status-bar entry of the token estimate (its text always ends in "tokens…", "not parsed" or "binary file"). */
function tokenItem(page: Page, text: RegExp): Locator {
  return page.locator('.part.statusbar .statusbar-item', { hasText: text });
}

async function openFromExplorer(page: Page, name: string): Promise<void> {
  await page.locator('.explorer-folders-view .monaco-list-row', { hasText: name }).first().click();
  await page.locator('.editor-group-container.active .tab.active', { hasText: name }).waitFor({ state: 'visible' });
  await waitForLanguageMode(page, 'Assay Prompt');
}

/** Opens a file by name with Quick Open (Ctrl+P), e.g. one written after the explorer was drawn. */
async function quickOpen(page: Page, name: string): Promise<void> {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible' });
  await input.fill(name);
  await page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ state: 'visible' });
  await input.press('Enter');
  await page.locator('.editor-group-container.active .tab.active', { hasText: name }).waitFor({ state: 'visible' });
}

/**
 * Switches to Dark Modern, the desktop default (VS Code for the web starts in Light Modern), through the
 * color-theme picker as a user would.
 */
async function useDarkTheme(page: Page): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible' });
  await input.fill('>Preferences: Color Theme');
  // Clicked rather than Enter: the fuzzy match may rank "Show or Focus Standalone Color Picker" first.
  await page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: /^\s*Preferences: Color Theme/ }).first().click();
  // The theme picker replaces the command list.
  await page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'Light Modern' }).first().waitFor({ state: 'visible' });
  await input.fill('Dark Modern');
  await page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: /^\s*Dark Modern/ }).first().waitFor({ state: 'visible' });
  await input.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  await page.locator('.monaco-workbench.vs-dark').waitFor({ state: 'attached' });
}

describe('prompt language in the packaged extension', () => {
  let s: E2eSession | undefined;
  const page = (): Page => {
    assert.ok(s, 'no code-server session: before() failed');
    return s.page;
  };
  before(async () => {
    s = await startSession();
    await useDarkTheme(s.page);
  });
  afterEach(async function () {
    await screenshotIfFailed(this.currentTest, s?.page);
  });
  after(async () => {
    await s?.stop();
  });

  it('highlights a prompt file, squiggles its problems and shows the token estimate', async () => {
    await openFromExplorer(page(), 'broken.prompt');
    await waitForHighlighting(page());
    const editor = page().locator('.editor-group-container.active .monaco-editor');
    await editor.locator('.squiggly-warning').first().waitFor({ state: 'visible' });
    const tokens = tokenItem(page(), /tokens/);
    await tokens.waitFor({ state: 'visible' });
    // The fixture reads an undeclared variable, so rendering with the defaults fails and says so.
    assert.match(await tokens.innerText(), /tokens n\/a/, 'the status item says the prompt cannot render with its defaults');
    await screenshot(page(), 'language-broken-prompt');
  });

  it('counts tokens for a prompt that renders, and previews it from the command palette', async () => {
    await openFromExplorer(page(), 'hello.prompt');
    const tokens = tokenItem(page(), /\d+ tokens/);
    await tokens.waitFor({ state: 'visible' });
    assert.match(await tokens.innerText(), /^\s*\d+ tokens\s*$/, 'an exact count for openai:gpt-4o-mini (no ~)');
    await runCommandWithPick(page(), 'Assay: Preview Rendered Prompt', 'Default inputs');
    await page().locator('.tab', { hasText: 'hello.prompt.rendered.md' }).waitFor({ state: 'visible' });
    const preview = page().locator('.editor-group-container', { has: page().locator('.tab.active', { hasText: 'hello.prompt.rendered.md' }) });
    await preview.locator('.view-lines', { hasText: 'Say hello to Ada.' }).waitFor({ state: 'visible' });
    assert.match((await preview.locator('.view-lines').innerText()).replace(/\u00a0/g, ' '), /## user/);
    // Markdown colours arrive once VS Code's Markdown grammar has loaded.
    await preview.locator('.view-lines span[class*="mtk"]:not(.mtk1)').first().waitFor({ state: 'visible' });
    await screenshot(page(), 'language-preview');
  });

  it('asks before parsing a file over 1 MB, and parses it on "Parse Anyway"', async () => {
    assert.ok(s);
    const filler = `${'This line pads the file past one megabyte. '.repeat(4)}\n`.repeat(6500);
    writeFileSync(join(s.workspace, 'huge.prompt'), `---\nname: huge\n---\nsystem:\n${filler}\nuser:\n{{ missing }}\n`);
    await quickOpen(page(), 'huge.prompt');
    await tokenItem(page(), /not parsed/).waitFor({ state: 'visible' });
    const notice = await waitForNotification(page(), /huge\.prompt is 1\.\d MB/);
    await notice.locator('.monaco-button', { hasText: 'Parse Anyway' }).click();
    await tokenItem(page(), /tokens n\/a/).waitFor({ state: 'visible' });
    assert.match(await activeEditorText(page()), /name: huge/);
  });
});

/** Runs a palette command that opens a Quick Pick, and picks the row whose label contains `choice`. */
async function runCommandWithPick(page: Page, title: string, choice: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ state: 'visible' });
  await input.press('Enter');
  const row = page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: choice }).first();
  await row.waitFor({ state: 'visible' });
  await row.click();
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
}
