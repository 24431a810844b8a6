// A reasoning model in the playground, as a user sees it: the reasoning summary (OpenAI Responses API,
// `reasoning_summary`) appears above the output while the column still streams, then stays with the
// finished result, apart from the output the assertions read.
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator } from 'playwright-core';
import { startMockLlm, type MockLlm } from '../support/mockLlmServer';
import { mockedSessionOptions, startSession } from './support/session';
import { quickOpen, runCommand, screenshot, sessionPerSuite, webviewContent } from './support/workbench';

const SUMMARY = 'The customer was charged twice for one order, so the ticket belongs to the billing queue.';
const PROMPT = `---
name: reasoning-triage
models: [openai:gpt-5.5]
api: responses
params: { reasoning_effort: low, reasoning_summary: auto }
---
user:
Which queue takes a double charge?
`;

describe('playground: a reasoning model streams its summary live', () => {
  let mock: MockLlm | undefined;
  const page = sessionPerSuite(
    async () => {
      // Slow enough (8 words/s) that the summary is on screen for a while before the answer starts.
      mock = await startMockLlm({ tokensPerSecond: 8, reply: () => ({ reasoning: SUMMARY, text: 'billing' }) });
      return startSession({
        ...mockedSessionOptions(mock, { viewport: { width: 1400, height: 900 } }),
        prepare: (workspace) => writeFileSync(join(workspace, 'reasoning.prompt'), PROMPT),
      });
    },
    async () => mock?.close(),
  );

  it('shows the summary above the output while the column runs, then with the result', async () => {
    await quickOpen(page(), 'reasoning.prompt');
    await runCommand(page(), 'Assay: Open Playground');
    const w: FrameLocator = await webviewContent(page());
    const column = w.locator('.column[data-model="openai:gpt-5.5"]');
    await column.waitFor({ state: 'visible' });
    await w.locator('#status', { hasText: 'ready' }).waitFor();

    await w.locator('#run-all').click();
    const live = w.locator('.column.running [data-reasoning][data-live]');
    await live.locator('.thinking-text', { hasText: 'The customer was charged' }).waitFor({ timeout: 20_000 });
    assert.strictEqual(await live.getAttribute('open'), '', 'open while it streams');
    assert.ok(!(await column.locator('.output .output-text').innerText()).includes('customer'), 'the summary is not in the output');
    await screenshot(page(), 'playground-reasoning-live');

    await w.locator('.column.running').waitFor({ state: 'detached', timeout: 30_000 });
    assert.strictEqual(await w.locator('[data-live]').count(), 0, 'the live box gave way to the result');
    assert.strictEqual((await column.locator('.output .output-text').innerText()).trim(), 'billing');
    const kept = column.locator('details.reasoning[data-reasoning]');
    assert.strictEqual((await kept.locator('pre').textContent())?.trim(), SUMMARY, 'the finished result keeps the whole summary');
    await kept.locator('summary').click();
    await screenshot(page(), 'playground-reasoning-done');
  });
});
