// Driving the VS Code workbench like a user. Every helper waits on a selector, never on a fixed delay.
import * as assert from 'node:assert/strict';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, type E2eSession } from './session';

/** Screenshots land here; CI keeps the folder as an artifact (it is git-ignored). */
export const ARTIFACTS_DIR = join(REPO_ROOT, 'test-artifacts', 'e2e');

/** Opens the command palette (F1), types `title` and runs the entry whose label is exactly `title`. */
export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${title}`);
  const row = page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: title }).first();
  await row.waitFor({ state: 'visible' });
  await input.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
}

/**
 * Opens a workspace file with Quick Open (Ctrl+P), which searches the disk, so it also finds files written
 * after the workbench loaded; waits for its tab.
 */
export async function quickOpen(page: Page, name: string): Promise<void> {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible' });
  await input.fill(name);
  // Enter takes the top row: wait until the search has put the file there (before, the list shows the
  // recently opened files, where it may be lower down).
  await page.locator('.quick-input-widget .quick-input-list .monaco-list-row').first().filter({ hasText: name }).waitFor({ state: 'visible' });
  await input.press('Enter');
  await page.locator('.editor-group-container.active .tab.active', { hasText: name }).waitFor({ state: 'visible' });
}

/** A status bar entry by its id, e.g. `status.editor.mode` (the language mode). */
export function statusBarItem(page: Page, id: string): Locator {
  return page.locator(`.part.statusbar [id="${id}"]`);
}

/** Waits until the status bar's language mode reads `language` (e.g. "Prompt"). */
export async function waitForLanguageMode(page: Page, language: string): Promise<Locator> {
  const item = statusBarItem(page, 'status.editor.mode').filter({ hasText: new RegExp(`^\\s*${escapeRegExp(language)}\\s*$`) });
  await item.waitFor({ state: 'visible' });
  return item;
}

/** Waits for a notification toast whose text matches; returns it (e.g. to click one of its buttons). */
export async function waitForNotification(page: Page, text: string | RegExp, timeout = 30_000): Promise<Locator> {
  const toast = page.locator('.notifications-toasts .notification-toast', { hasText: text }).first();
  await toast.waitFor({ state: 'visible', timeout });
  return toast;
}

/** Waits for a modal dialog (e.g. a confirmation) whose text matches; click its `.dialog-buttons a` to answer. */
export async function waitForDialog(page: Page, text: string | RegExp, timeout = 30_000): Promise<Locator> {
  const dialog = page.locator('.monaco-dialog-box', { hasText: text }).first();
  await dialog.waitFor({ state: 'visible', timeout });
  return dialog;
}

/**
 * The content of a webview panel: VS Code nests it in `iframe.webview.ready` → `#active-frame`.
 * `index` picks among several open webviews (in DOM order).
 */
export async function webviewContent(page: Page, index = 0): Promise<FrameLocator> {
  const outer = page.locator('iframe.webview.ready').nth(index);
  await outer.waitFor({ state: 'attached' });
  const inner = outer.contentFrame().locator('#active-frame');
  await inner.waitFor({ state: 'attached' });
  return inner.contentFrame();
}

/** The text of the active editor as rendered (Monaco draws only the visible lines). */
export async function activeEditorText(page: Page): Promise<string> {
  const lines = page.locator('.editor-group-container.active .monaco-editor .view-lines');
  await lines.waitFor({ state: 'visible' });
  return (await lines.innerText()).replace(/\u00a0/g, ' ');
}

/**
 * Waits until the active editor shows syntax colouring (a token class other than Monaco's default
 * `mtk1`): the TextMate grammar loads asynchronously, after the text is first drawn.
 */
export async function waitForHighlighting(page: Page): Promise<void> {
  await page.locator('.editor-group-container.active .monaco-editor .view-lines span[class*="mtk"]:not(.mtk1)').first().waitFor({ state: 'visible' });
}

/** Saves `test-artifacts/e2e/<name>.png` and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, `${name.replace(/[^\w.-]+/g, '-')}.png`);
  await page.screenshot({ path });
  return path;
}

/** For `afterEach`: a screenshot named after the test when it failed. */
export async function screenshotIfFailed(test: Mocha.Test | undefined, page: Page | undefined): Promise<void> {
  if (test?.state !== 'failed' || !page || page.isClosed()) return;
  const path = await screenshot(page, `failed-${test.fullTitle()}`);
  console.error(`      screenshot of the failure: ${path}`);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * One session for the calling `describe`: `start` runs in `before` (start the mock servers there too),
 * a failed test leaves a screenshot, and `after` stops the session, then runs `stop`. Returns the page.
 */
export function sessionPerSuite(start: () => Promise<E2eSession>, stop: () => Promise<void> = async () => {}): () => Page {
  let s: E2eSession | undefined;
  before(async () => {
    s = await start();
  });
  afterEach(async function () {
    await screenshotIfFailed(this.currentTest, s?.page);
  });
  after(async () => {
    await s?.stop();
    await stop();
  });
  return () => {
    assert.ok(s, 'no code-server session: before() failed');
    return s.page;
  };
}
