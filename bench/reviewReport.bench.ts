// The reviewer's HTML report (`assay test --html`) for 1,000 cases × 3 models: its size (target ≤ 3 MB),
// the time to write it, and the time Debian's headless Chromium takes from opening the file to a drawn
// results matrix (target ≤ 1 s). Outputs are a few sentences each, as a support-triage bank's are.
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchChromium } from '../scripts/codeServer.mjs';
import { reviewReportData } from '../src/core/report/reviewData';
import { reviewReportHtml } from '../src/core/report/reviewHtml';
import { reviewPageScript } from '../src/core/report/reviewScript';
import { modelStatsOf, totalsOf, type CaseExecution, type RunReport } from '../src/core/run/runReport';
import { tempFolder } from '../test/support/storeFixtures';
import type { BenchResult, BenchSuite } from './benchTypes';

const CASES = 1000;
const MODELS = ['openai:gpt-5.5', 'anthropic:claude-haiku-4-5', 'ollama:llama3.2'];

function execution(i: number, j: number): CaseExecution {
  const pass = (i + j) % 6 !== 0;
  const output = `Thanks for reaching out about ticket ${i}. I checked your account and it looks like the charge on the 3rd was applied twice because of a retry on our side. I have refunded the duplicate; it will show up in 3–5 business days. Category: ${pass ? 'billing' : 'other'}.`;
  return {
    index: i * MODELS.length + j,
    caseId: `triage.tests.yaml#${i}`,
    description: `ticket ${i}: double charge after a retry`,
    caseIndex: i,
    model: MODELS[j]!,
    modelRef: { provider: MODELS[j]!.split(':')[0]!, model: MODELS[j]!.split(':')[1]! },
    repeatIndex: 0,
    repeats: 1,
    status: pass ? 'pass' : 'fail',
    cancelled: false,
    score: pass ? 1 : 0.5,
    reason: pass ? 'All assertions passed' : 'contains: Output does not contain "billing"',
    assertions: [
      { type: 'contains', index: 0, pass, score: pass ? 1 : 0, reason: pass ? 'Assertion passed' : 'Output does not contain "billing"', weight: 1, rawPass: pass, modelGraded: false },
      { type: 'llm-rubric', index: 1, pass: true, score: 1, reason: 'The reply apologises, explains the duplicate charge and states the refund timeline.', weight: 1, rawPass: true, modelGraded: true },
    ],
    output,
    vars: { ticket: `Ticket ${i}: I was charged twice this month for my subscription, please help`, tier: 'pro' },
    usage: { inputTokens: 120, outputTokens: 60, cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
    cost: 0.0004,
    graderCost: 0.0002,
    latencyMs: 800 + ((i * 37 + j * 11) % 900),
    ttftMs: null,
    cacheHit: false,
    traceId: `01M98YZTP018PN66Q0Q9T${String(i * 3 + j).padStart(5, '0')}`,
    startedAt: 1_765_000_000_000 + i,
  };
}

function report(): RunReport {
  const executions: CaseExecution[] = [];
  for (let i = 0; i < CASES; i++) for (let j = 0; j < MODELS.length; j++) executions.push(execution(i, j));
  return {
    runId: '01M98YZTP018PN66Q0Q9TRCFYF',
    suite: { name: 'triage.tests.yaml', promptPath: 'triage.prompt', bankPath: 'triage.tests.yaml' },
    status: 'done',
    executions,
    models: modelStatsOf(executions, MODELS),
    comparisons: [],
    totals: totalsOf(executions),
    startedAt: 1_765_000_000_000,
    endedAt: 1_765_000_100_000,
    durationMs: 100_000,
    recorded: true,
    warnings: [],
  };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export const suite: BenchSuite = async () => {
  const reports = [report()];
  const script = reviewPageScript();
  const writes: number[] = [];
  let html = '';
  for (let k = 0; k < 5; k++) {
    const t0 = performance.now();
    html = reviewReportHtml(reviewReportData(reports, { tool: 'assay bench', generatedAt: Date.now() }), script);
    writes.push(performance.now() - t0);
  }
  const folder = tempFolder('assay-review-bench-');
  const file = join(folder.dir, 'report.html');
  writeFileSync(file, html);
  const bytes = statSync(file).size;
  const browser = await launchChromium();
  const opens: number[] = [];
  try {
    for (let k = 0; k < 5; k++) {
      const page = await browser.newPage();
      const t0 = performance.now();
      await page.goto(pathToFileURL(file).href);
      await page.getByTestId('row').first().waitFor();
      opens.push(performance.now() - t0);
      await page.close();
    }
  } finally {
    await browser.close();
    folder.cleanup();
  }
  const mb = bytes / 1024 / 1024;
  const open = median(opens);
  const results: BenchResult[] = [
    { what: `HTML review report, ${CASES.toLocaleString('en-US')} cases × ${MODELS.length} models (~270-character outputs, 2 assertions each): file size`, figure: `${mb.toFixed(2)} MB`, target: '≤ 3 MB', pass: mb <= 3 },
    { what: '… open in headless Chromium, navigation to the first drawn matrix row (median of 5)', figure: `${Math.round(open)} ms (${opens.map((t) => Math.round(t)).join(', ')})`, target: '≤ 1000 ms', pass: open <= 1000 },
    { what: '… build the data and write the page in Node (median of 5)', figure: `${Math.round(median(writes))} ms`, target: '—', pass: null },
  ];
  return results;
};
