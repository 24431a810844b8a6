// The playground as a user drives it: code-server with the packaged extension, the example triage prompt
// with two models, and the mock LLM server standing in for OpenAI and Anthropic (the built-in providers'
// base URLs point at it through assay.endpoints; the keys come from the environment).
import * as assert from 'node:assert/strict';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame, FrameLocator, Locator, Page } from 'playwright-core';
import { startMockLlm, type MockLlm, type MockRequest } from '../support/mockLlmServer';
import { REPO_ROOT, mockedSessionOptions, startSession, type E2eSession } from './support/session';
import { runCommand, screenshot, screenshotIfFailed, webviewContent } from './support/workbench';

const SLOW_WORDS = 400;
const XSS_OUTPUT = [
  'Here is <script>window.__assayXss = "script"</script> and',
  '<img src=x onerror="window.__assayXss = \'img\'">',
  'and [click me](javascript:window.__assayXss=\'link\') done.',
].join('\n');

/** Answers by model and by a marker in the ticket, so each test gets the output it needs. */
function reply(req: MockRequest): string {
  if (req.prompt.includes('SLOW-STREAM')) return Array.from({ length: SLOW_WORDS }, (_, i) => `w${i}`).join(' ');
  if (req.prompt.includes('XSS-PAYLOAD')) return XSS_OUTPUT;
  return req.model.startsWith('claude') ? 'billing high' : 'billing normal';
}

describe('playground (compare models side by side)', () => {
  let mock: MockLlm;
  let s: E2eSession | undefined;
  const page = (): Page => {
    assert.ok(s, 'no code-server session: before() failed');
    return s.page;
  };

  before(async () => {
    mock = await startMockLlm({ tokensPerSecond: 40, reply });
    s = await startSession(mockedSessionOptions(mock, { viewport: { width: 1600, height: 1000 } }));
    copyFileSync(join(REPO_ROOT, 'examples', 'support-triage.prompt'), join(s.workspace, 'support-triage.prompt'));
  });
  afterEach(async function () {
    await screenshotIfFailed(this.currentTest, s?.page);
  });
  after(async () => {
    await s?.stop();
    await mock?.close();
  });

  /** The playground webview's content. */
  const playground = (): Promise<FrameLocator> => webviewContent(page());
  const column = (w: FrameLocator, model: string): Locator => w.locator(`.column[data-model="${model}"]`);
  const OPENAI = 'openai:gpt-5.5';
  const ANTHROPIC = 'anthropic:claude-haiku-4-5';

  /** The playground's own window (for reading globals a payload might have set). */
  async function playgroundFrame(): Promise<Frame> {
    const outer = await page().locator('iframe.webview.ready').first().elementHandle();
    const outerFrame = await outer!.contentFrame();
    const inner = await outerFrame!.locator('#active-frame').elementHandle();
    return (await inner!.contentFrame())!;
  }

  /** Types into a form field of the inputs (a toolkit text area). */
  async function setTicket(w: FrameLocator, text: string): Promise<void> {
    const field = w.locator('[data-input="ticket"] textarea');
    await field.fill(text);
  }

  /** Starts a run with `start` and waits until no column is running. */
  async function runAndWait(w: FrameLocator, start: () => Promise<void>): Promise<void> {
    const label = await w.locator('#history-label').innerText();
    const runs = Number(/of (\d+)/.exec(label)?.[1] ?? 0);
    await start();
    // The webview counts the run the moment it starts it, so "running" can be waited on without a race.
    await w.locator('#history-label', { hasText: `of ${Math.min(runs + 1, 20)}` }).waitFor();
    await w.locator('.column.running').first().waitFor({ state: 'detached', timeout: 30_000 });
  }
  const runAll = (w: FrameLocator): Promise<void> => runAndWait(w, () => w.locator('#run-all').click());

  it('opens from the command palette on the example prompt with one column per model', async () => {
    // Quick Open (Ctrl+P) searches the disk, so it finds the example copied in after the workbench loaded.
    await page().keyboard.press('Control+P');
    const input = page().locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible' });
    await input.fill('support-triage.prompt');
    await page().locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'support-triage.prompt' }).first().waitFor();
    await input.press('Enter');
    await page().locator('.editor-group-container.active .tab.active', { hasText: 'support-triage.prompt' }).waitFor({ state: 'visible' });
    // Room for the columns: the editor and the playground share the width.
    await runCommand(page(), 'View: Toggle Primary Side Bar Visibility');
    await runCommand(page(), 'Assay: Open Playground');
    const w = await playground();
    await column(w, OPENAI).waitFor({ state: 'visible' });
    await column(w, ANTHROPIC).waitFor({ state: 'visible' });
    assert.strictEqual(await w.locator('.column').count(), 2, 'one column per model of the file');
    assert.strictEqual(await w.locator('[data-input="ticket"] textarea').inputValue(), 'I was charged twice for my subscription this month, please refund one of them.', 'the form starts at the input default');
    await w.locator('#status', { hasText: 'ready' }).waitFor();
  });

  it('fills the inputs from a case of the test bank', async () => {
    const w = await playground();
    await w.locator('#case-picker').click();
    await w.locator('#case-picker vscode-option', { hasText: 'a crash report is a bug' }).click();
    await w.locator('#status', { hasText: 'Inputs filled from "a crash report is a bug"' }).waitFor();
    assert.strictEqual(await w.locator('[data-input="ticket"] textarea').inputValue(), 'The desktop app crashes every time I open the settings page.');
    await setTicket(w, 'I was charged twice for my subscription this month, please refund one of them.');
  });

  it('runs both columns at once; each shows its output, tokens, latency and cost', async () => {
    const w = await playground();
    const before = mock.requests.length;
    await runAll(w);
    for (const [model, text] of [[OPENAI, 'billing normal'], [ANTHROPIC, 'billing high']] as const) {
      const c = column(w, model);
      assert.strictEqual((await c.locator('.output-text').innerText()).trim(), text, `${model} output`);
      assert.match(await c.locator('[data-stat="tokens"]').innerText(), /tokens \d+ in \/ 2 out/, `${model} tokens`);
      assert.match(await c.locator('[data-stat="latency"]').innerText(), /latency \d+ ms/, `${model} latency`);
      assert.match(await c.locator('[data-stat="ttft"]').innerText(), /TTFT \d+ ms/, `${model} time to first token`);
      assert.match(await c.locator('[data-stat="cost"]').innerText(), /cost \$\d/, `${model} is priced`);
      assert.match(await c.locator('[data-stat="finish"]').innerText(), /finish stop/, `${model} finish reason`);
    }
    const sent = mock.requests.slice(before);
    assert.deepStrictEqual(sent.map((r) => [r.api, r.stream]).sort(), [['anthropic.messages', true], ['openai.chat', true]], 'one streamed call per provider');
    await screenshot(page(), 'playground-run');
  });

  it('shows a word-level diff of the two outputs', async () => {
    const w = await playground();
    await w.locator('#diff summary').click();
    const out = w.locator('#diff-output');
    await out.locator('del').first().waitFor();
    assert.strictEqual(await out.locator('del').innerText(), 'normal', 'removed on the left');
    assert.strictEqual(await out.locator('ins').innerText(), 'high', 'added on the right');
    assert.match(await w.locator('#diff-summary').innerText(), /\+1 \/ −1 words/);
    await screenshot(page(), 'playground-diff');
  });

  it('Stop cancels a slow stream while it is streaming', async () => {
    const w = await playground();
    await setTicket(w, 'SLOW-STREAM: the app is slow');
    await w.locator('#run-all').click();
    const out = column(w, OPENAI).locator('.output-text');
    // Streaming: text arrives a word at a time, long before the 10 s the whole answer takes.
    await w.locator(`.column.running[data-model="${OPENAI}"] .output-text`, { hasText: 'w3 ' }).waitFor({ timeout: 15_000 });
    await screenshot(page(), 'playground-streaming');
    await w.locator('#stop').click();
    await w.locator('.column.running').first().waitFor({ state: 'detached', timeout: 15_000 });
    const text = (await out.innerText()).trim();
    assert.ok(text.startsWith('w0 w1 w2 w3'), 'the streamed text stays');
    assert.ok(!text.includes(`w${SLOW_WORDS - 1}`), `the stream was cut short (${text.split(' ').length} of ${SLOW_WORDS} words)`);
    assert.match(await column(w, OPENAI).locator('[data-stat="finish"]').innerText(), /cancelled/);
    await w.locator('#status', { hasText: 'Stopped' }).waitFor();
  });

  it('keeps a 👍 after the window reloads', async () => {
    let w = await playground();
    await setTicket(w, 'You billed me twice in March.');
    await runAll(w);
    const up = column(w, OPENAI).locator('[data-action="thumbs-up"]');
    await up.click();
    await column(w, OPENAI).locator('[data-action="thumbs-up"][aria-pressed="true"]').waitFor();
    await w.locator('#status', { hasText: 'Saved 👍' }).waitFor();

    await runCommand(page(), 'Developer: Reload Window');
    await page().locator('.monaco-workbench .part.statusbar').waitFor({ state: 'visible', timeout: 60_000 });
    w = await playground();
    await column(w, OPENAI).locator('[data-action="thumbs-up"][aria-pressed="true"]').waitFor({ timeout: 30_000 });
    assert.strictEqual((await column(w, OPENAI).locator('.output-text').innerText()).trim(), 'billing normal', 'the output came back with the panel');
    await screenshot(page(), 'playground-after-reload');
  });

  it('adds an output to the test bank as a new case, and the outputs turn stale', async () => {
    const w = await playground();
    await column(w, OPENAI).locator('[data-action="add-to-bank"]').click();
    await page().locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'Equals this output' }).click();
    await w.locator('#status', { hasText: 'Added a test case to' }).waitFor();
    const prompt = readFileSync(join(s!.workspace, 'support-triage.prompt'), 'utf8');
    assert.match(prompt, /- vars:\n\s+ticket: You billed me twice in March\.\n\s+customer_tier: pro\n\s+assert:\n\s+- type: equals\n\s+value: billing normal\n/, 'the inline tests gained the case');
    // The prompt file changed under the outputs: the panel says they are stale.
    await w.locator('#stale').waitFor();
  });

  it('shows an output full of XSS payloads as text and runs none of it', async () => {
    const w = await playground();
    await setTicket(w, 'XSS-PAYLOAD');
    await runAll(w);
    const c = column(w, OPENAI);
    const text = await c.locator('.output-text').innerText();
    assert.ok(text.includes('<script>window.__assayXss = "script"</script>'), 'the script tag is shown as text');
    assert.ok(text.includes('<img src=x onerror='), 'the img tag is shown as text');
    assert.strictEqual(await c.locator('.output script, .output img').count(), 0, 'no element was created from the output');

    await c.locator('[data-view="markdown"]').click();
    const md = c.locator('.output-markdown');
    await md.waitFor();
    assert.match(await md.innerText(), /<script>window.__assayXss/, 'markdown shows raw HTML as text');
    assert.strictEqual(await md.locator('script, img, iframe, [onerror]').count(), 0, 'markdown created no active element');
    assert.strictEqual(await md.locator('a[href^="javascript" i]').count(), 0, 'no javascript: link');
    await md.getByText('click me').click();

    const frame = await playgroundFrame();
    assert.strictEqual(await frame.evaluate('typeof window.__assayXss'), 'undefined', 'no payload ran in the webview');
    assert.strictEqual(await page().evaluate('typeof window.__assayXss'), 'undefined', 'nor in the workbench');
    await screenshot(page(), 'playground-xss-markdown');
  });

  it('is usable with the keyboard: Ctrl+Enter runs, and Tab reaches the buttons', async () => {
    const w = await playground();
    await setTicket(w, 'Keyboard run');
    const before = mock.requests.length;
    await runAndWait(w, () => w.locator('[data-input="ticket"] textarea').press('Control+Enter'));
    await w.locator('#status', { hasText: 'Done' }).waitFor();
    assert.strictEqual(mock.requests.length - before, 2, 'Ctrl+Enter ran both columns');
    assert.strictEqual(await w.locator('#status').getAttribute('aria-live'), 'polite', 'the status line is announced');
    const frame = await playgroundFrame();
    const focused = (): Promise<string> => frame.evaluate<string>('document.activeElement ? document.activeElement.id : ""');
    await w.locator('#run-all').focus();
    await page().keyboard.press('Tab');
    assert.strictEqual(await focused(), 'add-column', 'Tab moves through the toolbar (Stop is disabled and skipped)');
    await page().keyboard.press('Tab');
    assert.strictEqual(await focused(), 'history-prev', 'then to the history buttons');
    await page().keyboard.press('Enter');
    await w.locator('#viewing-history').waitFor();
    assert.match(await w.locator('#history-label').innerText(), /^Run \d+ of \d+$/);
  });

  it('reads well in a light theme', async () => {
    // Keyboard back to the workbench (the webview had it), then "Preferences: Color Theme" → Light Modern.
    await page().locator('.tab', { hasText: 'support-triage.prompt' }).first().click();
    await page().keyboard.press('F1');
    const input = page().locator('.quick-input-widget .quick-input-box input');
    await input.fill('>Preferences: Color Theme');
    await page().locator('.quick-input-widget .quick-input-list .monaco-list-row[aria-label^="Preferences: Color Theme"]').click();
    await page().locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'Light Modern' }).first().waitFor();
    await input.fill('Light Modern');
    await input.press('Enter');
    await page().locator('.monaco-workbench.vs').waitFor();
    const w = await playground();
    await w.locator('#history-next').click();
    await w.locator('#viewing-history').waitFor({ state: 'detached' });
    await column(w, OPENAI).locator('[data-view="text"]').click();
    await screenshot(page(), 'playground-light');
  });

});
