// The playground in Restricted Mode: the panel opens read-only and says why; nothing renders or calls a
// model, whatever the user clicks or types.
import * as assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startMockLlm, type MockLlm } from '../support/mockLlmServer';
import { mockedSessionOptions, startSession, type E2eSession } from './support/session';
import { runCommand, screenshot, screenshotIfFailed, webviewContent } from './support/workbench';

describe('playground in Restricted Mode', () => {
  let mock: MockLlm;
  let s: E2eSession | undefined;
  const page = (): Page => {
    assert.ok(s, 'no code-server session: before() failed');
    return s.page;
  };
  before(async () => {
    mock = await startMockLlm();
    s = await startSession(mockedSessionOptions(mock, { restricted: true, viewport: { width: 1600, height: 1000 } }));
  });
  afterEach(async function () {
    await screenshotIfFailed(this.currentTest, s?.page);
  });
  after(async () => {
    await s?.stop();
    await mock?.close();
  });

  it('opens read-only with the reason, and sends nothing', async () => {
    await page().locator('.explorer-folders-view .monaco-list-row', { hasText: 'hello.prompt' }).first().click();
    await page().locator('.editor-group-container.active .tab.active', { hasText: 'hello.prompt' }).waitFor({ state: 'visible' });
    await runCommand(page(), 'Assay: Open Playground');
    const w = await webviewContent(page());
    const banner = w.locator('#restricted');
    await banner.waitFor();
    assert.match(await banner.innerText(), /Restricted Mode/);
    assert.match(await banner.innerText(), /calls no model/, 'the banner says what is off');
    assert.strictEqual(await w.locator('#run-all[disabled]').count(), 1, 'Run all is disabled');
    assert.strictEqual(await w.locator('[data-action="run-column"][disabled]').count(), 1, 'the column cannot run either');
    await w.locator('[data-input="name"] textarea').press('Control+Enter');
    await w.locator('#status', { hasText: 'Restricted Mode: nothing runs' }).waitFor();
    assert.strictEqual(mock.requests.length, 0, 'no request reached the model server (not even a model listing)');
    await screenshot(page(), 'playground-restricted');
  });
});
