// The views as issue #18 met them in a 1000×700 window (the editor and a panel side by side leave each
// about 330 px): the results matrix, the playground, the Runs view's filter and a dashboard with one day of
// history; then the screenshots of the four webviews in dark and light at 1440×900 and 1000×700 that the
// README's images come from.
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { startMockLlm, type MockLlm, type MockRequest } from '../support/mockLlmServer';
import { mockedSessionOptions, startSession, type E2eSession } from './support/session';
import { quickOpen, runCommand, screenshot, screenshotIfFailed, webviewContent } from './support/workbench';

const PROMPT = 'narrow.prompt';
const ERRORS_PROMPT = 'errors.prompt';
const CASES = 12;
const SLOW_WORDS = 400;
const OPENAI = 'openai:gpt-4o-mini';
const ANTHROPIC = 'anthropic:claude-3-5-haiku-latest';

function promptText(rule = 'Answer with one word.'): string {
  const cases = Array.from({ length: CASES }, (_, i) => `  - description: ticket number ${i + 1} about a charge\n    vars: { ticket: "ticket ${i + 1}" }\n    assert:\n      - type: equals\n        value: billing`).join('\n');
  return `---
name: narrow
models: [${OPENAI}, ${ANTHROPIC}]
params: { temperature: 0, max_tokens: 20 }
inputs:
  ticket: { type: string, default: "I was charged twice" }
tests:
${cases}
---
system:
Route the ticket. ${rule}

user:
{{ ticket }}
`;
}

/** Three columns that fail or answer oddly: right-to-left override in the output, no key, a dead server. */
const ERRORS_TEXT = `---
name: errors
models: [${OPENAI}, keyed:gpt-4o-mini, dead:gpt-4o-mini]
inputs:
  ticket: { type: string, default: "BIDI" }
---
user:
{{ ticket }}
`;

/** Every fourth ticket is a bug (a failing cell); markers ask for a slow stream or a bidi override. */
function reply(req: MockRequest): string {
  if (req.prompt.includes('SLOW-STREAM')) return Array.from({ length: SLOW_WORDS }, (_, i) => `w${i}`).join(' ');
  if (req.prompt.includes('BIDI')) return 'invoice_\u202Etxt.exe';
  const n = Number(/ticket (\d+)/.exec(req.prompt)?.[1] ?? 1);
  const messages = (req.body?.messages ?? []) as { role: string; content: string }[];
  const system = typeof req.body?.system === 'string' ? req.body.system : (messages.find((m) => m.role === 'system')?.content ?? '');
  // Once the prompt asks for a sentence, the first ticket's answer becomes one (and fails equals).
  if (n === 1 && /sentence/.test(system)) return 'This ticket is about billing.';
  return n % 4 === 0 ? 'bug' : 'billing';
}

describe('editor views in a narrow window (#18)', () => {
  let mock: MockLlm;
  let s: E2eSession | undefined;
  const page = (): Page => {
    assert.ok(s, 'no code-server session: before() failed');
    return s.page;
  };

  before(async () => {
    mock = await startMockLlm({ tokensPerSecond: 40, reply });
    const options = mockedSessionOptions(mock, { viewport: { width: 1000, height: 700 } });
    const endpoints = options.userSettings!['assay.endpoints'] as object[];
    options.userSettings!['assay.endpoints'] = [
      ...endpoints,
      // An OpenAI endpoint whose key (KEYED_API_KEY) is not set: the call is never sent.
      { name: 'keyed', kind: 'openai', baseUrl: mock.openaiBaseUrl },
      // Nothing listens on port 9: the connection is refused, retried, and fails.
      { name: 'dead', baseUrl: 'http://127.0.0.1:9/v1' },
    ];
    s = await startSession(options);
    writeFileSync(join(s.workspace, PROMPT), promptText());
    writeFileSync(join(s.workspace, ERRORS_PROMPT), ERRORS_TEXT);
  });
  afterEach(async function () {
    await screenshotIfFailed(this.currentTest, s?.page);
  });
  after(async () => {
    await s?.stop();
    await mock?.close();
  });

  const openFile = (name: string): Promise<void> => quickOpen(page(), name);

  /** Runs the bank from its lens; returns the results webview once the run is done. */
  async function runBank(): Promise<FrameLocator> {
    await openFile(PROMPT);
    const lens = page().locator('.editor-group-container.active .codelens-decoration a', { hasText: 'Run test bank' });
    await lens.waitFor({ state: 'visible', timeout: 60_000 });
    // A breadcrumb's hover can sit over the lens line after a theme switch: away with it first.
    await page().mouse.move(600, 600);
    await page().keyboard.press('Escape');
    await lens.click();
    const results = await webviewContent(page());
    await results.locator('.run-status.done').waitFor({ state: 'visible', timeout: 60_000 });
    return results;
  }

  /** The box of a locator inside a webview, in the webview's own coordinates. */
  const box = async (l: Locator): Promise<{ x: number; y: number; width: number; height: number }> => {
    const b = await l.evaluate((el) => {
      const r = el.getBoundingClientRect();
      return { x: r.x, y: r.y, width: r.width, height: r.height };
    });
    return b;
  };
  const inside = (inner: { x: number; y: number; width: number; height: number }, outer: { x: number; y: number; width: number; height: number }): boolean =>
    inner.y >= outer.y - 1 && inner.y + inner.height <= outer.y + outer.height + 1 && inner.x >= outer.x - 1 && inner.x + inner.width <= outer.x + outer.width + 1;

  it('the results matrix shows several rows, whole headers, and keeps the selected cell in view', async () => {
    const w = await runBank();
    const scroller = w.locator('.matrix-scroll');
    const area = await box(scroller);
    const rows = w.locator('table.matrix tbody tr[role="row"]');
    let visible = 0;
    // Rows are wider than a narrow matrix (it scrolls sideways): count those wholly inside it from top to bottom.
    for (let i = 0; i < (await rows.count()); i++) {
      const r = await box(rows.nth(i));
      if (r.y >= area.y - 1 && r.y + r.height <= area.y + area.height + 1) visible++;
    }
    assert.ok(visible >= 5, `at least five rows in view (${visible}; matrix ${Math.round(area.width)}×${Math.round(area.height)} px)`);
    const heads = w.locator('table.matrix thead th');
    const heights = await heads.evaluateAll((ths) => ths.map((th) => th.getBoundingClientRect().height));
    // "Case" is one short word: every model's header is as tall as it (one line), none wraps.
    assert.ok(heights.every((h) => h <= heights[0]! + 1), `headers stay on one line (${heights.join(', ')} px)`);

    await w.locator('td.cell').first().click();
    for (let i = 0; i < CASES - 1; i++) await scroller.press('ArrowDown');
    await scroller.press('ArrowRight');
    const selected = w.locator('td.cell.selected');
    await selected.waitFor();
    const where = await selected.evaluate((td) => {
      const sc = td.closest('.matrix-scroll')!;
      return `row ${td.parentElement?.getAttribute('aria-rowindex')} col ${td.getAttribute('data-col')}; cell ${JSON.stringify(td.getBoundingClientRect())}; matrix ${JSON.stringify(sc.getBoundingClientRect())} scrollTop ${sc.scrollTop}/${sc.scrollHeight}`;
    });
    assert.strictEqual(await selected.getAttribute('data-row'), String(CASES - 1), `the last row is selected (${where})`);
    assert.ok(inside(await box(selected), await box(scroller)), `the selected cell (last row, second model) is inside the matrix (${where})`);
    const viewportHeight = await scroller.evaluate((el) => el.ownerDocument.documentElement.clientHeight);
    const sel = await box(selected);
    assert.ok(sel.y >= 0 && sel.y + sel.height <= viewportHeight + 1, 'and inside the panel');
    await screenshot(page(), 'narrow-results');
  });

  it('a failing cell offers Open trace first; a cached re-run says cached instead of old figures', async () => {
    const w = await webviewContent(page());
    await w.locator('td.cell[data-status="fail"]').first().click();
    assert.strictEqual((await w.locator('.side-pane .actions .btn:not(.secondary)').innerText()).trim(), 'Open trace', 'the primary action of a failure');
    await w.locator('td.cell[data-status="pass"]').first().click();
    assert.strictEqual((await w.locator('.side-pane .actions .btn:not(.secondary)').innerText()).trim(), 'Add to test bank', 'a passing output can become a case');

    await w.locator('.title-bar button', { hasText: 'Run again' }).click();
    // The new run's cells come from the cache, and say so instead of the first run's figures.
    await w.locator('td.cell .small', { hasText: /^cached$/ }).first().waitFor({ timeout: 60_000 });
    await w.locator('.run-status.done').waitFor({ timeout: 60_000 });
    const stats = w.locator(`.model-stats[data-model="${OPENAI}"]`);
    assert.match(await stats.innerText(), /p50 cached[\s\S]*p95 cached[\s\S]*cached 12 of 12/, 'no latency was measured: the percentiles say why');
    await w.locator('td.cell').first().click();
    assert.match(await w.locator('.side-pane').innerText(), /cached \(no call made\) · originally \d+ ms/);
  });

  it('the playground fits a 330 px panel: columns wrap, parameter fields keep their labels apart', async () => {
    await runCommand(page(), 'View: Close All Editors');
    await openFile(PROMPT);
    await runCommand(page(), 'Assay: Open Playground');
    const w = await webviewContent(page());
    const columns = w.locator('.column');
    await columns.nth(1).waitFor({ state: 'visible' });
    const width = await columns.first().evaluate((el) => el.ownerDocument.documentElement.clientWidth);
    assert.ok(width < 480, `the panel is narrow (${width} px)`);
    for (let i = 0; i < 2; i++) {
      const b = await box(columns.nth(i));
      assert.ok(b.x >= 0 && b.x + b.width <= width + 1, `column ${i + 1} is entirely on screen (${Math.round(b.x)}–${Math.round(b.x + b.width)} of ${width} px)`);
      await columns.nth(i).locator('details.params summary').click();
      const fields = columns.nth(i).locator('.params-grid vscode-text-field');
      const boxes = await Promise.all([0, 1, 2].map((k) => box(fields.nth(k))));
      for (const f of boxes) assert.ok(f.width >= 90, `a parameter field is wide enough for its label (${Math.round(f.width)} px)`);
      for (let a = 0; a < 3; a++)
        for (let b2 = a + 1; b2 < 3; b2++) {
          const p = boxes[a]!;
          const q = boxes[b2]!;
          const overlap = p.x < q.x + q.width && q.x < p.x + p.width && p.y < q.y + q.height && q.y < p.y + p.height;
          assert.ok(!overlap, 'parameter fields do not overlap');
        }
    }
    await screenshot(page(), 'narrow-playground');
  });

  it('Stop counts what streamed the same way in every column and says what stopped', async () => {
    const w = await webviewContent(page());
    await w.locator('[data-input="ticket"] textarea').fill('SLOW-STREAM please');
    await w.locator('#run-all').click();
    for (const m of [OPENAI, ANTHROPIC]) await w.locator(`.column.running[data-model="${m}"] .output-text`, { hasText: 'w3 ' }).waitFor({ timeout: 20_000 });
    await w.locator('#stop').click();
    await w.locator('.column.running').first().waitFor({ state: 'detached', timeout: 15_000 });
    for (const m of [OPENAI, ANTHROPIC]) {
      const c = w.locator(`.column[data-model="${m}"]`);
      const words = (await c.locator('.output-text').innerText()).trim().split(/\s+/).length;
      const tokens = c.locator('[data-stat="tokens"]');
      assert.strictEqual(await tokens.getAttribute('data-estimated'), 'true', `${m}: tokens are marked as estimated`);
      const out = Number(/≈\d+ in \/ (\d+) out/.exec(await tokens.innerText())?.[1]);
      assert.ok(out >= words, `${m}: ${out} output tokens counted for ${words} streamed words`);
      assert.match(await c.locator('[data-stat="cost"]').innerText(), /cost ≈\$\d/, `${m}: priced from the count`);
    }
    await w.locator('#status', { hasText: /Stopped: 0 finished, 2 stopped/ }).waitFor();
    await screenshot(page(), 'narrow-playground-stopped');
  });

  it('errors: "not sent" for a call never made, the real time of a refused connection, no empty box; bidi overrides shown as marks', async () => {
    await runCommand(page(), 'View: Close All Editors');
    await openFile(ERRORS_PROMPT);
    await runCommand(page(), 'Assay: Open Playground');
    const w = await webviewContent(page());
    await w.locator('.column').nth(2).waitFor({ state: 'visible' });
    await w.locator('#run-all').click();
    await w.locator('.column.running').first().waitFor({ state: 'detached', timeout: 60_000 });
    const text = await w.locator(`.column[data-model="${OPENAI}"] .output-text`).innerText();
    assert.strictEqual(text.trim(), 'invoice_⟨U+202E⟩txt.exe', 'the override is a visible mark, not a reversal');
    const keyed = w.locator('.column[data-model="keyed:gpt-4o-mini"]');
    assert.match(await keyed.locator('.error-box').innerText(), /auth/);
    assert.match(await keyed.locator('[data-stat="latency"]').innerText(), /latency not sent/);
    assert.strictEqual(await keyed.locator('.output').count(), 0, 'no empty output box above the error');
    const dead = w.locator('.column[data-model="dead:gpt-4o-mini"]');
    await dead.locator('.error-box').waitFor();
    assert.strictEqual(await dead.locator('.output').count(), 0);
    const latency = await dead.locator('[data-stat="latency"]').innerText();
    assert.doesNotMatch(latency, /not sent|latency \d ms$/, `the refused connection took its retries' time (${latency})`);
    await screenshot(page(), 'narrow-playground-errors');
  });

  it('the dashboard with one day of history says so and shows each run; its filter shows in the Runs view and clears in one click', async () => {
    await runCommand(page(), 'View: Close All Editors');
    await runCommand(page(), 'Assay: Open Dashboard');
    const w = await webviewContent(page());
    await w.locator('#not-enough-history').waitFor({ timeout: 30_000 });
    assert.match(await w.locator('#not-enough-history').innerText(), /Not enough history yet/);
    assert.strictEqual(await w.locator('.uplot').count(), 0, 'no charts of a single day');
    assert.match(await w.locator('#total-today').innerText(), /\d+ calls/);
    const bars = w.locator('#run-bars .label');
    assert.ok((await bars.count()) >= 2, 'a bar per run');
    await screenshot(page(), 'narrow-dashboard-short-history');

    await w.locator('#run-bars .label', { hasText: PROMPT }).first().click();
    const sidebar = page().locator('.part.sidebar');
    const message = sidebar.getByText(/Filtered: .*narrow\.prompt/);
    await message.waitFor({ state: 'visible', timeout: 30_000 });
    const size = await message.boundingBox();
    assert.ok(size && size.width > 50, 'the filter is on screen, not a zero-width description');
    await screenshot(page(), 'narrow-runs-filtered');
    await sidebar.locator('.title-actions .action-label[aria-label^="Clear Trace Filter"]').click();
    await message.waitFor({ state: 'detached' });
  });

  it('the replay report is a view with case descriptions and a link to each trace', async () => {
    await runCommand(page(), 'View: Close All Editors');
    writeFileSync(join(s!.workspace, PROMPT), promptText('Answer in one sentence.'));
    try {
      await replayFromRunsView();
    } finally {
      // The screenshots below run the bank as first written.
      writeFileSync(join(s!.workspace, PROMPT), promptText());
    }
  });

  async function replayFromRunsView(): Promise<void> {
    // With the test run's own button in the Runs view (shown on hover), as a user would.
    await runCommand(page(), 'Assay: Focus on Runs View');
    const testRun = page().locator('.part.sidebar .pane-body .monaco-list-row', { hasText: PROMPT }).filter({ hasText: 'test ·' }).first();
    await testRun.hover();
    await testRun.locator('.actions .action-label[aria-label^="Replay Run Against Current Prompt"]').click();
    const w = await webviewContent(page());
    await w.locator('#replay-totals').waitFor({ timeout: 60_000 });
    assert.strictEqual(await page().locator('.tab', { hasText: 'Untitled' }).count(), 0, 'no unsaved Markdown document');
    const regression = w.locator('.item[data-change="regressed"]');
    assert.strictEqual(await regression.count(), 2, 'the first case regressed on both models');
    assert.strictEqual((await regression.first().locator('h3').innerText()).trim(), 'ticket number 1 about a charge', 'named by its description, not a hash');
    assert.match(await regression.first().innerText(), /This ticket is about billing\./);
    await screenshot(page(), 'narrow-replay-report');
    await regression.first().locator('a.trace-link', { hasText: 'open replayed trace' }).click();
    await page().locator('.tab', { hasText: /^Trace/ }).first().waitFor();
  }

  describe('screenshots for the README', () => {
    async function setTheme(name: string): Promise<void> {
      await page().locator('.part.sidebar .composite.title .title-label').click();
      await page().keyboard.press('F1');
      const input = page().locator('.quick-input-widget .quick-input-box input');
      await input.fill('>Preferences: Color Theme');
      await page().locator('.quick-input-widget .quick-input-list .monaco-list-row[aria-label^="Preferences: Color Theme"]').click();
      await page().locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: name }).first().waitFor();
      await input.fill(name);
      await input.press('Enter');
      await page().locator('.quick-input-widget').waitFor({ state: 'hidden' });
    }

    /** Waits until one of the open webviews shows `selector` (the results panel stays open behind the trace). */
    async function webviewHaving(selector: string): Promise<void> {
      for (let attempt = 0; attempt < 60; attempt++) {
        const count = await page().locator('iframe.webview.ready').count();
        for (let i = 0; i < count; i++) {
          const w = await webviewContent(page(), i);
          if ((await w.locator(selector).count()) > 0) return;
        }
        await page().locator('iframe.webview.ready').nth(count).waitFor({ state: 'attached', timeout: 500 }).catch(() => undefined);
      }
      throw new Error(`no webview shows ${selector}`);
    }

    async function shootAll(tag: string): Promise<void> {
      // Keys pressed while a webview has focus may not reach the workbench: focus its side bar first.
      await page().locator('.part.sidebar .composite.title .title-label').click();
      await page().keyboard.press('Escape');
      await runCommand(page(), 'View: Close All Editors');
      const results = await runBank();
      await results.locator('td.cell[data-status="fail"]').first().click();
      await screenshot(page(), `results-${tag}`);
      await results.locator('.side-pane .actions .btn', { hasText: 'Open trace' }).click();
      const trace = page().locator('.tab', { hasText: /^Trace/ }).first();
      await trace.waitFor();
      await webviewHaving('#trace-stats');
      await screenshot(page(), `trace-detail-${tag}`);

      await runCommand(page(), 'View: Close All Editors');
      await openFile(PROMPT);
      await runCommand(page(), 'Assay: Open Playground');
      const w = await webviewContent(page());
      await w.locator('[data-input="ticket"] textarea').fill('I was charged twice for my subscription this month.');
      await w.locator('#run-all').click();
      await w.locator('#status', { hasText: 'Done' }).waitFor({ timeout: 30_000 });
      await screenshot(page(), `playground-${tag}`);

      await runCommand(page(), 'View: Close All Editors');
      await runCommand(page(), 'Assay: Open Dashboard');
      const d = await webviewContent(page());
      await d.locator('#total-today').waitFor({ timeout: 30_000 });
      await screenshot(page(), `dashboard-${tag}`);
    }

    for (const [theme, themeName] of [
      ['dark', 'Dark Modern'],
      ['light', 'Light Modern'],
    ] as const) {
      for (const [width, height] of [
        [1440, 900],
        [1000, 700],
      ] as const) {
        it(`${theme} at ${width}×${height}`, async () => {
          if (theme === 'light') await setTheme(themeName);
          await page().setViewportSize({ width, height });
          await shootAll(`${theme}-${width}x${height}`);
        });
      }
    }
  });
});
