// A hostile folder opened in Restricted Mode (issue #13): `tests: /dev/zero`, a bank that is a symlink to
// /dev/zero, a FIFO and a glob over /usr. Before the file policy, discovery read /dev/zero until the
// extension host aborted. Now the prompts show their Restricted Mode lens, the Testing view lists them with
// the refusal, and the extension host still answers commands afterwards.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startSession, type E2eSession } from './support/session';
import { runCommand, screenshot, screenshotIfFailed, waitForLanguageMode } from './support/workbench';

async function openFromExplorer(page: Page, name: string): Promise<void> {
  await page.locator('.explorer-folders-view .monaco-list-row', { hasText: name }).first().click();
  await page.locator('.editor-group-container.active .tab.active', { hasText: name }).waitFor({ state: 'visible' });
  await waitForLanguageMode(page, 'Assay Prompt');
}

describe('Restricted Mode: a hostile folder', () => {
  let s: E2eSession | undefined;
  const page = (): Page => {
    assert.ok(s, 'no code-server session: before() failed');
    return s.page;
  };
  before(async () => {
    s = await startSession({
      restricted: true,
      prepare: (ws) => {
        writeFileSync(join(ws, 'zero.prompt'), '---\nname: zero\nmodel: openai:gpt-4o-mini\ntests: /dev/zero\n---\nuser:\nhi\n');
        symlinkSync('/dev/zero', join(ws, 'linked.tests.yaml'));
        writeFileSync(join(ws, 'linked.prompt'), '---\nname: linked\nmodel: openai:gpt-4o-mini\ntests: [linked.tests.yaml, fifo.tests.yaml, "/usr/**/*.yaml"]\n---\nuser:\nhi\n');
        execFileSync('mkfifo', [join(ws, 'fifo.tests.yaml')]);
      },
    });
  });
  afterEach(async function () {
    await screenshotIfFailed(this.currentTest, s?.page);
  });
  after(async () => {
    await s?.stop();
  });

  it('opens tests: /dev/zero and shows the Restricted Mode lens', async () => {
    await page().locator('.part.statusbar .statusbar-item', { hasText: 'Restricted Mode' }).waitFor({ state: 'visible' });
    await openFromExplorer(page(), 'zero.prompt');
    const editor = page().locator('.editor-group-container.active .monaco-editor');
    await editor.locator('.codelens-decoration a', { hasText: 'Run test bank (Restricted Mode)' }).waitFor({ state: 'visible' });
    await screenshot(page(), 'restricted-hostile-lens');
  });

  it('a bank symlinked to /dev/zero, a FIFO and a glob over /usr: the lens still shows', async () => {
    await openFromExplorer(page(), 'linked.prompt');
    const editor = page().locator('.editor-group-container.active .monaco-editor');
    await editor.locator('.codelens-decoration a', { hasText: 'Run test bank (Restricted Mode)' }).waitFor({ state: 'visible' });
  });

  it('the Testing view discovers both prompts and says what it refused', async () => {
    await runCommand(page(), 'Testing: Focus on Test Explorer View');
    const rows = page().locator('.test-explorer .monaco-list-row');
    await rows.filter({ hasText: 'zero.prompt' }).first().waitFor({ state: 'visible', timeout: 60_000 });
    const linked = rows.filter({ hasText: 'linked.prompt' }).first();
    await linked.waitFor({ state: 'visible', timeout: 60_000 });
    // Expanding resolves its tests: the banks are refused, and the refusal is the item's error.
    await linked.click();
    await page().keyboard.press('ArrowRight');
    await rows.filter({ hasText: /is not a regular file inside the workspace/ }).first().waitFor({ state: 'visible', timeout: 60_000 });
    await screenshot(page(), 'restricted-hostile-testing');
  });

  it('the extension host survived: an Assay command still runs', async () => {
    await runCommand(page(), 'Assay: New Prompt File');
    await waitForLanguageMode(page(), 'Assay Prompt');
    const crashed = page().locator('.notifications-toasts .notification-toast', { hasText: /Extension host terminated|extension host .* crashed/i });
    assert.strictEqual(await crashed.count(), 0, 'no extension host crash notice');
  });
});
