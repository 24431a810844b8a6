// Running a test bank as a user does: code-server with the packaged extension, the example triage prompt
// (two models, four inline cases) and the mock LLM server standing in for OpenAI and Anthropic. Click
// "▶ Run test bank" above the front matter, see the results matrix with its one failing cell, open that
// cell's reason. The screenshot is the README's "Run your test bank" picture.
import * as assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startMockLlm, type MockLlm, type MockRequest } from '../support/mockLlmServer';
import { REPO_ROOT, mockedSessionOptions, startSession, type E2eSession } from './support/session';
import { screenshot, screenshotIfFailed, webviewContent } from './support/workbench';

/**
 * Routes like a decent model, except that the Anthropic stand-in under-rates the enterprise outage: the
 * case "enterprise outages are urgent" fails on that model only — one failing cell out of eight.
 */
function reply(req: MockRequest): string {
  const claude = req.model.startsWith('claude');
  if (/twice/i.test(req.prompt)) return 'billing normal';
  if (/crashes/i.test(req.prompt)) return 'bug normal';
  if (/400 users/i.test(req.prompt)) return claude ? 'bug normal' : 'bug urgent';
  return 'other low';
}

describe('test bank run from the editor', () => {
  let mock: MockLlm;
  let s: E2eSession | undefined;
  const page = (): Page => {
    assert.ok(s, 'no code-server session: before() failed');
    return s.page;
  };

  before(async () => {
    mock = await startMockLlm({ latencyMs: 150, reply });
    s = await startSession(mockedSessionOptions(mock, { viewport: { width: 1440, height: 900 } }));
    copyFileSync(join(REPO_ROOT, 'examples', 'support-triage.prompt'), join(s.workspace, 'support-triage.prompt'));
  });
  afterEach(async function () {
    await screenshotIfFailed(this.currentTest, s?.page);
  });
  after(async () => {
    await s?.stop();
    await mock?.close();
  });

  it('▶ Run test bank shows the matrix with the one failing cell and its reason', async () => {
    // More room for the editor and the results beside it (the screenshot goes in the README).
    await page().keyboard.press('Control+B');
    await page().locator('.part.sidebar').waitFor({ state: 'hidden' });
    // Quick Open searches the disk, so it finds the file copied in after the workbench started.
    await page().keyboard.press('Control+P');
    const input = page().locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible' });
    await input.fill('support-triage.prompt');
    await page().locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'support-triage.prompt' }).first().waitFor({ state: 'visible' });
    await input.press('Enter');
    await page().locator('.editor-group-container.active .tab.active', { hasText: 'support-triage.prompt' }).waitFor({ state: 'visible' });

    const lens = page().locator('.editor-group-container.active .codelens-decoration a', { hasText: 'Run test bank' });
    await lens.waitFor({ state: 'visible', timeout: 60_000 });
    assert.match(await lens.innerText(), /▶ Run test bank \(4 cases × 2 models\)/, 'the lens counts the inline cases and the models');
    await lens.click();

    const results = await webviewContent(page());
    await results.locator('.run-status.done').waitFor({ state: 'visible', timeout: 60_000 });
    assert.strictEqual(await results.locator('td.cell').count(), 8, 'four cases × two models');
    assert.strictEqual(await results.locator('td.cell.pass').count(), 7, 'seven cells pass');
    const failing = results.locator('td.cell.fail');
    assert.strictEqual(await failing.count(), 1, 'exactly one cell fails');
    assert.strictEqual(mock.requests.filter((r) => r.api === 'openai.chat' || r.api === 'anthropic.messages').length, 8, 'one call per cell');

    await failing.click();
    const reason = results.locator('[data-testid="reason"]');
    await reason.waitFor({ state: 'visible' });
    assert.match(await reason.innerText(), /^regex: /, 'the side pane names the failing assertion');
    assert.match(await results.locator('.side-pane pre.output').innerText(), /^bug normal$/, "the model's output is shown as text");
    assert.match(await results.locator('.side-pane .mono').first().innerText(), /anthropic:claude-haiku-4-5/, 'on the model that failed');

    // Keyboard: left to the same case on the other model, which passed; right again.
    await page().keyboard.press('ArrowLeft');
    await results.locator('td.cell.selected.pass').waitFor({ state: 'visible' });
    assert.match(await results.locator('.side-pane .mono').first().innerText(), /openai:gpt-5.5/, 'the arrow key moved the selection');
    await page().keyboard.press('ArrowRight');
    await results.locator('td.cell.selected.fail').waitFor({ state: 'visible' });

    // Failures only: the one failing case is left.
    await results.locator('label[for="f-failures"]').click();
    await results.locator('tbody th.case-cell', { hasText: 'enterprise outages are urgent' }).waitFor({ state: 'visible' });
    assert.strictEqual(await results.locator('tbody th.case-cell').count(), 1, 'one row matches');
    await results.locator('label[for="f-failures"]').click();
    await results.locator('tbody th.case-cell').nth(3).waitFor({ state: 'visible' });

    // Back in the editor (VS Code refreshes an editor's lenses while it has focus), the run's summary
    // has joined the run lens: 7 of 8 passed, what it cost, when.
    await page().locator('.editor-group-container .monaco-editor .view-lines').first().click();
    const summary = page().locator('.editor-group-container .codelens-decoration a', { hasText: /✗ 7\/8/ });
    await summary.waitFor({ state: 'visible' });
    assert.match(await summary.innerText(), /^✗ 7\/8 · \$0\.\d+ · just now$/, 'passed/total, cost and age');
    await screenshot(page(), 'test-bank-results');
  });

  it('the results panel comes back with its run after a window reload', async () => {
    // Reload Window (not a bare page reload) lets the workbench save its editors before it goes.
    const reloaded = page().waitForEvent('load', { timeout: 60_000 });
    await page().keyboard.press('F1');
    const input = page().locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible' });
    await input.fill('>Developer: Reload Window');
    await page().locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'Developer: Reload Window' }).first().waitFor({ state: 'visible' });
    await input.press('Enter');
    await reloaded;
    await page().locator('.monaco-workbench .part.statusbar').waitFor({ state: 'visible', timeout: 60_000 });
    const results = await webviewContent(page());
    await results.locator('.run-status.done').waitFor({ state: 'visible', timeout: 60_000 });
    assert.strictEqual(await results.locator('td.cell.fail').count(), 1, 'the restored matrix still has its failing cell');
    await results.locator('td.cell.selected.fail').waitFor({ state: 'visible' });

    // A domain expert rates the failing output 👎 with a note, from the results panel; the trace keeps it.
    await results.locator('.side-pane [data-action="rate-bad"]').click();
    const note = page().locator('.quick-input-widget .quick-input-box input');
    await note.waitFor({ state: 'visible' });
    await note.fill('enterprise outages are urgent, the model said normal');
    await note.press('Enter');
    await page().locator('.part.statusbar', { hasText: 'Assay: rated 👎' }).waitFor({ state: 'visible', timeout: 30_000 });
    await results.locator('.side-pane [data-action="open-trace"]').click();
    // The trace opens in the other group, over the prompt: the matrix stays in view beside it.
    await page().locator('.tabs-container .tab', { hasText: 'Trace:' }).waitFor({ state: 'visible', timeout: 30_000 });
    await results.locator('td.cell.selected.fail').waitFor({ state: 'visible' });
    const detail = page().locator('iframe.webview.ready');
    await detail.nth(1).waitFor({ state: 'attached', timeout: 30_000 });
    let rated = false;
    for (let i = 0; i < (await detail.count()) && !rated; i++) {
      const w = await webviewContent(page(), i);
      if ((await w.locator('#thumbs-down').count()) === 0) continue;
      await w.locator('#thumbs-down[aria-pressed="true"]').waitFor({ state: 'attached', timeout: 30_000 });
      assert.strictEqual(await w.locator('#feedback-note').evaluate((el) => (el as unknown as { value: string }).value), 'enterprise outages are urgent, the model said normal');
      rated = true;
    }
    assert.ok(rated, 'the trace detail shows the rating and its note');
    await screenshot(page(), 'results-rated-trace');
    // The trace opened as a tab over the prompt: close it, back to the prompt file.
    await page().locator('.tabs-container .tab', { hasText: 'Trace:' }).locator('.codicon-close').click();
    await page().locator('.editor-group-container .monaco-editor .view-lines').first().waitFor({ state: 'visible' });
  });

  it("after the reload the summary lens, read back from the history, opens that run's traces", async () => {
    await page().locator('.editor-group-container .monaco-editor .view-lines').first().click();
    const summary = page().locator('.editor-group-container .codelens-decoration a', { hasText: /✗ 7\/8/ });
    await summary.waitFor({ state: 'visible', timeout: 30_000 });
    await summary.click();
    // The Assay view opens on its Runs tree, filtered to the stored run: that run's row is listed.
    await page().locator('.part.sidebar .composite.title', { hasText: /Assay: Runs/i }).waitFor({ state: 'visible', timeout: 30_000 });
    await page().locator('.part.sidebar .monaco-list-row', { hasText: 'support-triage.prompt' }).first().waitFor({ state: 'visible', timeout: 30_000 });
  });

  it('deleting the failing case takes its ✗ out of the gutter; no stale mark stays on the lines that moved up', async () => {
    const group = page().locator('.editor-group-container', { has: page().locator('.tab.active', { hasText: 'support-triage.prompt' }) }).first();
    const editor = group.locator('.monaco-editor').first();
    await editor.locator('.view-lines').click();
    // A fresh run, so the gutter shows this window's results: a ✗ beside the failing case.
    await group.locator('.codelens-decoration a', { hasText: 'Run test bank' }).first().click();
    // The run is over when the results compare it with the one before.
    const results = await webviewContent(page());
    await results.locator('.run-status.done').waitFor({ state: 'visible', timeout: 60_000 });
    await results.getByText('vs previous').first().waitFor({ state: 'visible', timeout: 60_000 });
    const failedMark = editor.locator('.testing-run-glyph.codicon-testing-failed-icon:not(.retired)');
    await failedMark.first().waitFor({ state: 'attached', timeout: 30_000 });
    // Lines 29–35 are the case "enterprise outages are urgent"; delete them without saving.
    await editor.locator('.view-lines').click();
    await page().keyboard.press('Control+G');
    const line = page().locator('.quick-input-widget .quick-input-box input');
    await line.waitFor({ state: 'visible' });
    await line.fill(':29');
    await line.press('Enter');
    await editor.locator('.view-lines', { hasText: 'enterprise outages are urgent' }).waitFor({ state: 'visible' });
    for (let i = 0; i < 7; i++) await page().keyboard.press('Control+Shift+K');
    await editor.locator('.view-lines', { hasText: 'enterprise outages are urgent' }).waitFor({ state: 'detached' });
    // The Test Explorer follows the unsaved edit: the case goes, and the results of the cases that moved are outdated.
    await failedMark.first().waitFor({ state: 'detached', timeout: 30_000 });
    // The gutter is drawn again from the test items when the editor comes back (here from a new, empty tab):
    // no item may keep the removed case's range.
    await page().keyboard.press('Control+N');
    await page().locator('.tab.active', { hasText: 'Untitled' }).waitFor({ state: 'visible' });
    await page().keyboard.press('Control+W');
    await group.locator('.tab.active', { hasText: 'support-triage.prompt' }).waitFor({ state: 'visible' });
    await editor.locator('.testing-run-glyph').first().waitFor({ state: 'attached' });
    assert.strictEqual(await failedMark.count(), 0, 'no current ✗ is left in the gutter');
    await screenshot(page(), 'test-bank-case-deleted');
    await page().keyboard.press('Control+Z');
  });
});
