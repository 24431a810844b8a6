// The reviewer's HTML report, end to end: `assay test --html` on a bank whose outputs are hostile markup,
// opened from disk in Debian's headless Chromium (playwright-core), filtered, searched, marked, its labels
// saved through the browser's download and imported with `assay review import` into the real history.
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../../scripts/codeServer.mjs';
import { reviewReportData } from '../../src/core/report/reviewData';
import { reviewReportHtml, scriptSafeJson } from '../../src/core/report/reviewHtml';
import { reviewPageScript } from '../../src/core/report/reviewScript';
import { modelStatsOf, totalsOf } from '../../src/core/run/runReport';
import { TraceStore } from '../../src/core/store/traceStore';
import { REVIEW_FORMAT_VERSION, REVIEW_REPORT_FORMAT, type ReviewLabelsFile } from '../../src/shared/reviewReport';
import { runCliIn } from '../support/cliCapture';
import { tempFolder } from '../support/storeFixtures';

const cli = (cwd: string, argv: string[]) => runCliIn(cwd, argv);

/** Outputs that would run script if any of them reached the page as markup. */
const PAYLOADS = [
  '<img src=x onerror="window.__pwned=1;alert(1)">',
  '</script><script>window.__pwned=2;alert(2)</script>',
  '<svg/onload="window.__pwned=3"><iframe src="javascript:window.__pwned=4"></iframe>',
  '<!-- <script>window.__pwned=5</script> -->\u2028<a href="javascript:window.__pwned=6">x</a>',
];

// echo:* answers with the rendered prompt, so each case's output is its variable: the payloads come back
// as model output. Two models make two columns.
const BANK = `---
models: [echo:alpha, echo:beta]
tests:
  - description: billing question
    vars: { t: "I was charged twice" }
    assert: [{ type: contains, value: twice }]
  - description: crash report
    vars: { t: "the app crashes on start" }
    assert: [{ type: contains, value: billing }]
${PAYLOADS.map((p, i) => `  - description: "hostile ${i + 1} <b onmouseover=window.__pwned=${10 + i}>x</b>"\n    vars: { t: ${JSON.stringify(p)} }\n    assert: [{ type: contains, value: ${i % 2 === 0 ? 'window' : 'nothing-like-this'} }]`).join('\n')}
---
user:
{{ t }}
`;

/** Run in the page (the test's own code, allowed by the test harness, not by the page's policy). */
const INJECT = `(() => {
  const div = document.createElement('div');
  div.innerHTML = '<img src=x onerror="window.__pwned=99"><a id=j href="javascript:window.__pwned=98">j</a>';
  document.body.appendChild(div);
  const s = document.createElement('script');
  s.textContent = 'window.__pwned = 97';
  document.body.appendChild(s);
  document.getElementById('j').click();
})()`;

describe('HTML report for reviewers (assay test --html)', function () {
  this.timeout(60_000);
  let folder: ReturnType<typeof tempFolder>;
  let browser: Browser;
  let html: string;
  let history: string;

  before(async () => {
    folder = tempFolder('assay-review-');
    writeFileSync(join(folder.dir, 'triage.prompt'), BANK);
    history = join(folder.dir, 'history.sqlite');
    // Twice: the second run has a previous run to compare with.
    for (const _ of [1, 2]) {
      const r = await cli(folder.dir, ['test', 'triage.prompt', '--history', history, '--html', 'report.html']);
      assert.strictEqual(r.code, 1, r.err);
    }
    html = join(folder.dir, 'report.html');
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    folder?.cleanup();
  });

  interface Opened {
    context: BrowserContext;
    page: Page;
    /** Console errors, page errors and dialogs seen. */
    incidents: string[];
  }

  async function open(): Promise<Opened> {
    const context = await browser.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    const incidents: string[] = [];
    page.on('dialog', (d) => {
      incidents.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    page.on('pageerror', (e) => incidents.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') incidents.push(`console: ${m.text()}`);
    });
    await page.goto(pathToFileURL(html).href);
    await page.getByTestId('matrix').waitFor();
    return { context, page, incidents };
  }

  it('is one file with the data as inert JSON and a policy that admits only its own script and style by hash', () => {
    const text = readFileSync(html, 'utf8');
    assert.doesNotMatch(text, /<(link|img|iframe|svg)\b/i, 'nothing loads from outside and no markup of the data is in the file');
    assert.strictEqual(text.match(/<script\b/g)?.length, 2, 'the JSON block and the page script');
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(text)?.[1] ?? '';
    assert.match(csp, /^default-src 'none'; script-src 'sha256-[^']+'; style-src 'sha256-[^']+';/);
    const script = /<script>([\s\S]*)<\/script>\n<\/body>/.exec(text)![1]!;
    const hash = `'sha256-${createHash('sha256').update(script).digest('base64')}'`;
    assert.ok(csp.includes(`script-src ${hash}`), 'the policy names the page script by its hash');
    const data = /<script type="application\/json" id="assay-data">([\s\S]*?)<\/script>/.exec(text)![1]!;
    assert.ok(!data.includes('<'), 'no < in the data block');
    const parsed = JSON.parse(data) as { format: string; suites: { cells: { output: string }[] }[] };
    assert.strictEqual(parsed.format, REVIEW_REPORT_FORMAT);
    assert.ok(parsed.suites[0]!.cells.some((c) => c.output.includes(PAYLOADS[1]!)), 'the payloads survive as data');
  });

  it('scriptSafeJson escapes what could end the script element or break the line', () => {
    const s = scriptSafeJson({ a: '</script><!--\u2028\u2029&>' });
    assert.strictEqual(s, '{"a":"\\u003c/script\\u003e\\u003c!--\\u2028\\u2029\\u0026\\u003e"}');
    assert.deepStrictEqual(JSON.parse(s), { a: '</script><!--\u2028\u2029&>' });
    assert.throws(() => reviewReportHtml({ format: REVIEW_REPORT_FORMAT, version: REVIEW_FORMAT_VERSION, reportId: 'x', tool: 't', generatedAt: '', suites: [] }, 'a="</script>"'), /cannot be inlined/);
  });

  it('renders the matrix, the summary with the comparison and significance, and a cell’s output and assertions', async () => {
    const { context, page, incidents } = await open();
    try {
      assert.strictEqual(await page.getByTestId('row').count(), 6);
      assert.deepStrictEqual(await page.locator('table.matrix th').allTextContents(), ['Case', 'echo:alpha', 'echo:beta']);
      assert.strictEqual(await page.getByTestId('cell').count(), 12);
      assert.match((await page.locator('table.models').first().textContent()) ?? '', /echo:alpha\s*50\.0%/);
      const comparison = (await page.getByTestId('comparison').first().textContent()) ?? '';
      assert.match(comparison, /echo:alpha vs the run of .*: 0 regressions, 0 fixes/);
      assert.match(comparison, /McNemar's exact test p = 1\.0000: no change/);
      await page.locator('tr[data-testid=row]', { hasText: 'crash report' }).getByTestId('cell').first().click();
      assert.match((await page.getByTestId('detail-status').textContent()) ?? '', /^FAIL \(score 0\.00\): /);
      assert.strictEqual(await page.getByTestId('detail-output').textContent(), 'user:\nthe app crashes on start');
      assert.match((await page.getByTestId('assertion').first().textContent()) ?? '', /✗ contains 0\.00 — Output does not contain "billing"/);
      assert.deepStrictEqual(incidents, []);
    } finally {
      await context.close();
    }
  });

  it('runs nothing from hostile outputs or descriptions, and the policy stops even markup injected into the page', async () => {
    const { context, page, incidents } = await open();
    try {
      for (const row of await page.locator('tr[data-testid=row]', { hasText: 'hostile' }).all()) {
        await row.getByTestId('cell').first().click();
        await row.hover();
      }
      const shown = (await page.getByTestId('detail-output').textContent()) ?? '';
      assert.strictEqual(shown, `user:\n${PAYLOADS[3]}`, 'the last payload is shown as text, as it was');
      assert.strictEqual(await page.locator('#app img, #app svg, #app iframe, #app b, #app a[href^="javascript"]').count(), 0, 'no element came from the data');
      // Defence in depth: markup put into the page by hand (as a rendering bug would) still runs nothing.
      const refused = page.waitForEvent('console', { predicate: (m) => /Content Security Policy/.test(m.text()) }).then(() => 'refused');
      const ran = page.waitForFunction('window.__pwned !== undefined').then(() => 'ran');
      await page.evaluate(INJECT);
      assert.strictEqual(await Promise.race([refused, ran]), 'refused');
      ran.catch(() => undefined);
      assert.strictEqual(await page.evaluate('typeof window.__pwned'), 'undefined');
      assert.deepStrictEqual(
        incidents.filter((i) => !/Content Security Policy/.test(i)),
        [],
        'no dialog, no error other than the policy refusing the injected script',
      );
      assert.ok(incidents.some((i) => /Content Security Policy/.test(i)), 'the policy reported what it refused');
    } finally {
      await context.close();
    }
  });

  it('filters by status, model and label, and searches outputs and descriptions', async () => {
    const { context, page } = await open();
    try {
      const rows = page.getByTestId('row');
      await page.getByTestId('filter-status').selectOption('fail');
      assert.strictEqual(await rows.count(), 3, 'crash report and two hostile cases fail');
      assert.match((await page.getByTestId('shown-count').textContent()) ?? '', /^3 of 6 cases$/);
      await page.getByTestId('filter-model').selectOption('echo:beta');
      assert.deepStrictEqual(await page.locator('table.matrix th').allTextContents(), ['Case', 'echo:beta']);
      assert.strictEqual(await page.getByTestId('cell').count(), 3);
      await page.getByTestId('filter-status').selectOption('all');
      await page.getByTestId('filter-model').selectOption('all');
      await page.getByTestId('search').fill('CRASHES');
      assert.deepStrictEqual(await rows.evaluateAll((els) => els.map((e) => e.querySelector('td')!.textContent)), ['crash report']);
      await page.getByTestId('search').fill('onerror');
      assert.strictEqual(await rows.count(), 1, 'the img payload, found in the output');
      await page.getByTestId('search').fill('no such text anywhere');
      assert.strictEqual(await rows.count(), 0);
      await page.getByTestId('search').fill('');
      await page.getByTestId('filter-label').selectOption('good');
      assert.strictEqual(await rows.count(), 0, 'nothing is labeled yet');
    } finally {
      await context.close();
    }
  });

  it('marks cells good or bad with a note, keeps the marks over a reload, saves a labels file that assay review import brings into history', async () => {
    const { context, page } = await open();
    try {
      const crash = page.locator('tr[data-testid=row]', { hasText: 'crash report' }).getByTestId('cell');
      await crash.first().click();
      await page.getByTestId('label-note').fill('the judge is right: the answer is wrong');
      await page.getByTestId('label-bad').click();
      const billing = page.locator('tr[data-testid=row]', { hasText: 'billing question' }).getByTestId('cell');
      await billing.nth(1).click();
      await page.getByTestId('label-good').click();
      await page.getByTestId('label-note').fill('fine answer');
      assert.strictEqual(await page.getByTestId('label-count').textContent(), '2 labeled');
      assert.strictEqual(await page.getByTestId('cell-mark').count(), 2);

      // A tab's localStorage writes reach the browser a moment after setItem: a reload at once can start from the
      // copy before them. A second tab of the report sees them once they have arrived, and the reload goes after.
      const witness = await context.newPage();
      await witness.goto(page.url());
      await witness.waitForFunction(() => {
        const storage = (globalThis as unknown as { localStorage: { getItem(key: string): string | null } }).localStorage;
        const key = Object.keys(storage).find((k) => k.startsWith('assay-review:'));
        return key !== undefined && Object.keys(JSON.parse(storage.getItem(key) ?? '{}') as object).length === 2;
      });
      await witness.close();
      await page.reload();
      await page.getByTestId('matrix').waitFor();
      assert.strictEqual(await page.getByTestId('label-count').textContent(), '2 labeled', 'marks survive a reload');
      await page.getByTestId('filter-label').selectOption('bad');
      assert.deepStrictEqual(await page.getByTestId('row').evaluateAll((els) => els.map((e) => e.querySelector('td')!.textContent)), ['crash report']);

      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('save-labels').click()]);
      const saved = join(folder.dir, 'labels.json');
      await download.saveAs(saved);
      const file = JSON.parse(readFileSync(saved, 'utf8')) as ReviewLabelsFile;
      assert.strictEqual(file.format, 'assay-review-labels');
      const byLabel = Object.fromEntries(file.labels.map((l) => [l.label, l]));
      assert.strictEqual(byLabel.bad!.note, 'the judge is right: the answer is wrong');
      assert.strictEqual(byLabel.bad!.model, 'echo:alpha');
      assert.strictEqual(byLabel.good!.note, 'fine answer');
      assert.strictEqual(byLabel.good!.model, 'echo:beta');

      const imported = await cli(folder.dir, ['review', 'import', 'labels.json', '--history', history]);
      assert.strictEqual(imported.code, 0, imported.err);
      assert.match(imported.out, /^imported 2 labels \(1 good, 1 bad\) into /);
      const again = await cli(folder.dir, ['review', 'import', 'labels.json', '--history', history]);
      assert.strictEqual(again.code, 0, again.err);
      const store = await TraceStore.open({ path: history, maxTraces: 0 });
      try {
        const bad = await store.getTrace(byLabel.bad!.traceId!);
        assert.deepStrictEqual([bad?.feedback?.rating, bad?.feedback?.note], [-1, 'the judge is right: the answer is wrong']);
        assert.strictEqual(bad?.caseId, byLabel.bad!.caseId);
        const good = await store.getTrace(byLabel.good!.traceId!);
        assert.deepStrictEqual([good?.feedback?.rating, good?.feedback?.note], [1, 'fine answer']);
        assert.strictEqual((await store.stats()).counts.feedback, 2, 'the second import added nothing');
      } finally {
        await store.close();
      }
    } finally {
      await context.close();
    }
  });

  it('draws 200 cases at first and 200 more per "Show more", filters applying to all of them', async () => {
    // A run written by the CLI at this size would take a while; the page is built from reports of the same shape.
    const cases = 450;
    const executions = Array.from({ length: cases }, (_, i) => ({
      index: i, caseId: `bank#${i}`, description: `case ${i}`, caseIndex: i, model: 'echo:echo', modelRef: { provider: 'echo', model: 'echo' },
      repeatIndex: 0, repeats: 1, status: (i % 3 === 0 ? 'fail' : 'pass') as 'fail' | 'pass', cancelled: false, score: i % 3 === 0 ? 0 : 1, reason: 'r',
      assertions: [], output: `output ${i}`, vars: {}, usage: null, cost: null, graderCost: null, latencyMs: 1, ttftMs: null, cacheHit: false, traceId: null, startedAt: 0,
    }));
    const report = { runId: 'R', suite: { name: 'big', promptPath: null, bankPath: null }, status: 'done' as const, executions, models: modelStatsOf(executions, ['echo:echo']), comparisons: [], totals: totalsOf(executions), startedAt: 0, endedAt: 1, durationMs: 1, recorded: false, warnings: [] };
    const file = join(folder.dir, 'big.html');
    writeFileSync(file, reviewReportHtml(reviewReportData([report], { tool: 'test', generatedAt: 0 }), reviewPageScript()));
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await page.goto(pathToFileURL(file).href);
      const rows = page.getByTestId('row');
      await rows.first().waitFor();
      assert.strictEqual(await rows.count(), 200);
      await page.getByTestId('show-more').click();
      assert.strictEqual(await rows.count(), 400);
      await page.getByTestId('show-more').click();
      assert.strictEqual(await rows.count(), 450);
      assert.strictEqual(await page.getByTestId('show-more').count(), 0);
      await page.getByTestId('filter-status').selectOption('fail');
      assert.strictEqual(await rows.count(), 150, 'every third case fails; under 200, so all are drawn');
      assert.strictEqual(await page.getByTestId('shown-count').textContent(), '150 of 450 cases');
    } finally {
      await context.close();
    }
  });

  it('review import refuses a file that is not a labels file, a label without a trace, and a trace not in the history, importing nothing', async () => {
    const write = (name: string, doc: unknown): string => (writeFileSync(join(folder.dir, name), JSON.stringify(doc)), name);
    const label = { traceId: '01M98YZTP018PN66Q0Q9TRCFYF', runId: 'r', caseId: 'c', model: 'echo:alpha', repeatIndex: 0, label: 'good', note: '', labeledAt: '2026-01-01T00:00:00Z' };
    const file = (labels: unknown[]) => ({ format: 'assay-review-labels', version: 1, reportId: 'x', savedAt: '2026-01-01T00:00:00Z', labels });
    const cases: [string, string, RegExp][] = [
      ['a JSON report', write('report.json', { format: 'assay-test-results' }), /not an Assay labels file/],
      ['no trace id', write('no-trace.json', file([{ ...label, traceId: null }])), /written without history \(--no-history\)/],
      ['a bad label', write('bad-label.json', file([{ ...label, label: 'meh' }])), /label 1: "label" must be "good" or "bad"/],
      ['an unknown trace', write('unknown.json', file([label])), /no trace 01M98YZTP018PN66Q0Q9TRCFYF \(c on echo:alpha\) in this history/],
    ];
    const before = await cli(folder.dir, ['history', 'stats', '--json', '--path', history]);
    for (const [what, name, message] of cases) {
      const r = await cli(folder.dir, ['review', 'import', name, '--history', history]);
      assert.strictEqual(r.code, 2, what);
      assert.match(r.err, message, what);
      assert.match(r.err, /nothing was imported/, what);
    }
    const after = await cli(folder.dir, ['history', 'stats', '--json', '--path', history]);
    assert.strictEqual((JSON.parse(after.out) as { counts: { feedback: number } }).counts.feedback, (JSON.parse(before.out) as { counts: { feedback: number } }).counts.feedback);
  });
});
