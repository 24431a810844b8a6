// The trace explorer as a user meets it: code-server with the packaged extension and the mock LLM server
// standing in for OpenAI and Anthropic. A test run fills the Assay view's Runs tree; a trace opens in its
// detail view; 👍 survives a window reload; after an edit to the prompt, "Replay with Current Prompt"
// shows the old and new outputs with a diff; the dashboard draws its charts. The screenshots are the
// README's "Inspect traces" pictures.
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { ensureHistoryDir } from '../../src/core/store/historyLocation';
import { TraceStore } from '../../src/core/store/traceStore';
import { RUN_SUMMARY_FORMAT } from '../../src/core/run/runHistory';
import { summarizeRun } from '../../src/core/stats/runStats';
import { startMockLlm, type MockLlm, type MockRequest } from '../support/mockLlmServer';
import { makeTrace } from '../support/storeFixtures';
import { mockedSessionOptions, startSession, type E2eSession } from './support/session';
import { runCommand, screenshot, screenshotIfFailed, webviewContent } from './support/workbench';

const PROMPT = 'inspect-traces.prompt';

function promptText(rule: string): string {
  return `---
name: inspect-traces
models: [openai:gpt-4o-mini, anthropic:claude-3-5-haiku-latest]
params: { temperature: 0, max_tokens: 20 }
tests:
  - description: a double charge goes to billing
    vars: { ticket: "You billed me twice in March. I want my money back." }
    assert:
      - type: equals
        value: billing
  - description: a crash report is a bug
    vars: { ticket: "The desktop app crashes every time I open the settings page." }
    assert:
      - type: equals
        value: bug
---
system:
You route support tickets. ${rule}

user:
{{ ticket }}
`;
}

/** One word, as asked; once the prompt asks for a sentence, the billing answer becomes one (and fails equals). */
function reply(req: MockRequest): string {
  const messages = (req.body?.messages ?? []) as { role: string; content: string }[];
  const system = typeof req.body?.system === 'string' ? req.body.system : (messages.find((m) => m.role === 'system')?.content ?? '');
  const sentence = /sentence/i.test(system);
  if (/twice/i.test(req.prompt)) return sentence ? 'This ticket belongs to billing.' : 'billing';
  if (/crashes/i.test(req.prompt)) return 'bug';
  return 'other';
}

/**
 * Two weeks of earlier runs, so the dashboard has lines to draw: a daily test run of two prompts on two
 * models, latency drifting up on one of them, a few rate-limit errors. Written through the history store
 * (a second writer, as another window would be); the extension opens the file on first use.
 */
async function seedHistory(path: string): Promise<void> {
  ensureHistoryDir(path);
  const store = await TraceStore.open({ path });
  const day = 86_400_000;
  const models = [
    { provider: 'openai', model: 'gpt-4o-mini', base: 420, cost: 0.00002 },
    { provider: 'anthropic', model: 'claude-3-5-haiku-latest', base: 610, cost: 0.00006 },
  ];
  for (let d = 14; d >= 1; d--) {
    const startedAt = Date.now() - d * day;
    for (const promptPath of ['support-triage.prompt', 'summarize.prompt']) {
      // support-triage.prompt was edited a week ago, and the edit broke two cases in three.
      const edited = promptPath === 'support-triage.prompt' && d < 7;
      const promptVersionId = `${promptPath === 'summarize.prompt' ? '5a5a5a5a' : edited ? 'e2e2e2e2' : '7a7a7a7a'}00000000`;
      const runId = await store.startRun({ kind: 'test', promptPath, promptVersionId, models: models.map((m) => `${m.provider}:${m.model}`), startedAt });
      const executions = models.flatMap((m, k) =>
        Array.from({ length: 12 }, (_, i) => {
          const failed = (d + i + k) % 17 === 0;
          return { caseId: `case-${i}`, model: `${m.provider}:${m.model}`, pass: !failed && !(edited && i % 3 !== 2), error: failed, cost: null, latencyMs: m.base };
        }),
      );
      const traces = models.flatMap((m, k) =>
        Array.from({ length: 12 }, (_, i) => {
          const failed = (d + i + k) % 17 === 0;
          const latency = m.base + (k === 1 ? (14 - d) * 25 : 0) + ((i * 37 + d * 11) % 180);
          return makeTrace({
            runId,
            promptPath,
            caseId: `case-${i}`,
            model: { provider: m.provider, model: m.model },
            latencyMs: latency,
            ttftMs: Math.round(latency * 0.4),
            cost: failed ? null : m.cost * (promptPath === 'summarize.prompt' ? 6 : 1),
            usage: failed ? null : { inputTokens: promptPath === 'summarize.prompt' ? 900 : 150, outputTokens: promptPath === 'summarize.prompt' ? 120 : 2, cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
            ...(failed ? { error: { kind: 'rate_limit' as const, message: 'Rate limit reached', status: 429 }, text: '' } : {}),
            startedAt: startedAt + i * 2000 + k * 500,
          });
        }),
      );
      await store.addTraces(traces);
      await store.finishRun(runId, { status: 'done', endedAt: startedAt + 30_000, summary: { format: RUN_SUMMARY_FORMAT, suite: promptPath, models: summarizeRun(executions) } });
    }
  }
  const saved = await store.close();
  assert.ok(saved.saved, `the seeded history was saved (${saved.error ?? ''})`);
}

describe('trace explorer in code-server', () => {
  let mock: MockLlm;
  let s: E2eSession | undefined;
  const page = (): Page => {
    assert.ok(s, 'no code-server session: before() failed');
    return s.page;
  };

  /** The Runs view's tree rows. */
  const rows = (): Locator => page().locator('.part.sidebar .pane-body .monaco-list-row');

  /** The webview of the one trace detail panel (every other editor is closed first). */
  async function detail(): Promise<FrameLocator> {
    const w = await webviewContent(page());
    await w.locator('#trace-stats').waitFor({ state: 'visible', timeout: 30_000 });
    return w;
  }

  before(async () => {
    mock = await startMockLlm({ latencyMs: 120, reply });
    s = await startSession(mockedSessionOptions(mock, { viewport: { width: 1440, height: 900 } }));
    writeFileSync(join(s.workspace, PROMPT), promptText('Answer with one word: billing, bug or other.'));
    await seedHistory(join(s.workspace, '.assay', 'history.sqlite'));
  });
  afterEach(async function () {
    await screenshotIfFailed(this.currentTest, s?.page);
  });
  after(async () => {
    await s?.stop();
    await mock?.close();
  });

  it('a test run appears in the Runs tree; a trace opens in its detail view', async () => {
    // Quick Open searches the disk, so it finds the file written after the workbench started.
    await page().keyboard.press('Control+P');
    const input = page().locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible' });
    await input.fill(PROMPT);
    await page().locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: PROMPT }).first().waitFor({ state: 'visible' });
    await input.press('Enter');
    await page().locator('.editor-group-container.active .tab.active', { hasText: PROMPT }).waitFor({ state: 'visible' });
    const lens = page().locator('.editor-group-container.active .codelens-decoration a', { hasText: 'Run test bank' });
    await lens.waitFor({ state: 'visible', timeout: 60_000 });
    await lens.click();
    const results = await webviewContent(page());
    await results.locator('.run-status.done').waitFor({ state: 'visible', timeout: 60_000 });
    await runCommand(page(), 'View: Close All Editors');

    await runCommand(page(), 'Assay: Focus on Runs View');
    const run = rows().filter({ hasText: PROMPT }).first();
    await run.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await run.innerText(), /test · gpt-4o-mini \+1 · 100% pass/, 'kind, models and pass rate');
    await run.click();
    const billing = rows().filter({ hasText: '“billing”' }).filter({ hasText: 'gpt-4o-mini' }).first();
    await billing.waitFor({ state: 'visible' });
    assert.strictEqual(await rows().filter({ hasText: /“(billing|bug)”/ }).count(), 4, 'two cases × two models');
    await billing.click();

    const w = await detail();
    assert.strictEqual((await w.locator('#output').innerText()).trim(), 'billing', 'the response');
    assert.match(await w.locator('#messages').innerText(), /You route support tickets\.[\s\S]*You billed me twice/, 'the messages as sent');
    assert.match(await w.locator('#evaluations').innerText(), /equals\s+pass/, 'the evaluation result');
    await screenshot(page(), 'trace-detail');
  });

  it('keeps a 👍 and its note after the window reloads', async () => {
    let w = await detail();
    await w.locator('#feedback-note textarea').fill('routed right, one word');
    await w.locator('#thumbs-up').click();
    await w.locator('#thumbs-up[aria-pressed="true"]').waitFor();
    await w.locator('#status', { hasText: 'Feedback saved.' }).waitFor();

    await runCommand(page(), 'Developer: Reload Window');
    await page().locator('.monaco-workbench .part.statusbar').waitFor({ state: 'visible', timeout: 60_000 });
    // The panel comes back by itself (its serializer reopens the same trace).
    w = await detail();
    await w.locator('#thumbs-up[aria-pressed="true"]').waitFor({ timeout: 30_000 });
    assert.strictEqual(await w.locator('#feedback-note textarea').inputValue(), 'routed right, one word', 'the note came back too');
  });

  it('replays the trace with the edited prompt and shows the diff and the verdicts', async () => {
    writeFileSync(join(s!.workspace, PROMPT), promptText('Answer in one sentence.'));
    const w = await detail();
    await w.locator('#replay').click();
    const result = w.locator('#replay-result');
    await result.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await w.locator('#replay-summary').innerText(), /The output changed[\s\S]*regressed/, 'the summary names the regression');
    assert.strictEqual((await w.locator('#replay-old .diff').innerText()).trim(), 'billing', 'the recorded output');
    assert.match(await w.locator('#replay-new .diff').innerText(), /^This ticket belongs to billing\.$/, 'the new sentence');
    assert.strictEqual((await w.locator('#replay-new .diff .added').first().innerText()).trim(), 'This ticket belongs to', 'the words it added, marked');
    await w.locator('#version-diff', { hasText: 'Diff Prompt Version' }).waitFor({ timeout: 10_000 });
    assert.match(await w.locator('#replay-old .verdict').innerText(), /PASS/, 'the old verdict');
    assert.match(await w.locator('#replay-new .verdict').innerText(), /FAIL/, 'the new verdict');
    await screenshot(page(), 'trace-replay');
  });

  it('the dashboard draws its charts', async () => {
    await runCommand(page(), 'View: Close All Editors');
    await runCommand(page(), 'Assay: Open Dashboard');
    const w = await webviewContent(page());
    await w.locator('.uplot canvas').first().waitFor({ state: 'visible', timeout: 30_000 });
    assert.strictEqual(await w.locator('.uplot').count(), 5, 'latency p50 and p95, tokens, cost and error rate');
    assert.match(await w.locator('#total-today').innerText(), /\d+ calls/, 'today’s totals');
    assert.match(await w.locator('#by-prompt').innerText(), new RegExp(PROMPT.replace('.', '\\.')), 'cost by prompt file');
    const versions = w.locator('#pass-rates tr', { hasText: 'support-triage.prompt' });
    assert.strictEqual(await versions.count(), 4, 'two versions of support-triage.prompt on each of two models');
    assert.match(await versions.nth(1).innerText(), /e2e2e2e2[\s\S]*95% CI[\s\S]*significant regression/, 'the edit that broke two cases in three is a significant regression');
    await screenshot(page(), 'trace-dashboard');
  });
});
