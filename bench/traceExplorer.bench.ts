// The trace explorer on a 100,000-trace history, measured from the caller's (extension host's) thread
// through the real store worker: the Runs tree's first page (top level, then the newest run opened, with
// every item's words), a filtered flat page, grouping by model, the dashboard's series, and an OTLP export.
// Targets: the trace explorer issue (first page ≤ 100 ms; dashboard series ≤ 200 ms).
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportOtlp } from '../src/core/export/otlpExport';
import type { TraceInput } from '../src/core/store/storeTypes';
import { TraceStore } from '../src/core/store/traceStore';
import { buildDashboard, buildPromptUsage } from '../src/host/traces/dashboardData';
import { describeRun, describeTrace, RunsTreeModel, type ExplorerNode } from '../src/host/traces/runsTreeModel';
import type { BenchResult, BenchSuite } from './benchTypes';

const TRACES = 100_000;
const PER_RUN = 100;
const DAY = 86_400_000;
const MODELS = [
  { provider: 'openai', model: 'gpt-4o-mini' },
  { provider: 'openai', model: 'gpt-4o' },
  { provider: 'anthropic', model: 'claude-3-5-haiku-latest' },
  { provider: 'anthropic', model: 'claude-sonnet-4-5' },
  { provider: 'ollama', model: 'llama3.1' },
];

/** A test-run call with payloads. */
function trace(i: number, runId: string, startedAt: number): TraceInput {
  const model = MODELS[i % MODELS.length]!;
  const failed = i % 20 === 7;
  const answer = ['billing', 'bug', 'other'][i % 3]!;
  const ticket = `Ticket #${i}: I was charged twice for my subscription this month and would like a refund.`;
  return {
    runId,
    promptPath: `prompts/triage-${i % 8}.prompt`,
    promptVersionId: `version-${i % 8}`,
    caseId: `case-${i % 50}`,
    variables: { ticket },
    model,
    text: failed ? '' : answer,
    toolCalls: [],
    finishReason: failed ? null : 'stop',
    usage: failed ? null : { inputTokens: 180 + (i % 40), outputTokens: 1, cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
    cost: failed ? null : 0.000027,
    latencyMs: 200 + (i % 300),
    ttftMs: failed ? null : 120 + (i % 100),
    request: { model: model.model, messages: [{ role: 'system', content: 'Route the ticket: billing, bug or other.' }, { role: 'user', content: ticket }], temperature: 0, max_tokens: 20 },
    response: failed ? null : { id: `chatcmpl-${i}`, choices: [{ index: 0, message: { role: 'assistant', content: answer }, finish_reason: 'stop' }] },
    ...(failed ? { error: { kind: 'rate_limit' as const, message: 'Rate limit reached', status: 429 } } : {}),
    cacheHit: false,
    startedAt,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const ms = (x: number, digits = 1) => `${x.toFixed(digits)} ms`;

/** Times `fn` `n` times after `warm` warm-up runs; the median. */
async function timed(n: number, warm: number, fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < warm; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    await fn();
    times.push(performance.now() - s);
  }
  return median(times);
}

/** What the tree shows when the view opens: the top level, then the newest run expanded, all words computed. */
async function firstPage(model: RunsTreeModel): Promise<number> {
  model.reset();
  const top = await model.children();
  for (const n of top) if (n.kind === 'run') describeRun(n.run);
  const run = top.find((n): n is Extract<ExplorerNode, { kind: 'run' }> => n.kind === 'run');
  if (!run) throw new Error('no run at the top level');
  const traces = await model.children(run);
  for (const n of traces) if (n.kind === 'trace') describeTrace(n.trace);
  return top.length + traces.length;
}

export const suite: BenchSuite = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'assay-bench-explorer-'));
  const bundled = join(__dirname, '..', 'dist', 'storeWorker.js');
  const results: BenchResult[] = [];
  const now = Date.now();
  // Within the dashboard's 30 days (today and the 29 before it).
  const t0 = now - 29 * DAY;
  const step = (29 * DAY) / TRACES;
  try {
    const store = await TraceStore.open({
      path: join(dir, 'history.sqlite'),
      maxTraces: 0,
      saveDebounceMs: 600_000,
      maxSaveDelayMs: 600_000,
      ...(existsSync(bundled) ? { workerPath: bundled } : {}),
    });
    const fillStart = performance.now();
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < TRACES; i += PER_RUN) {
      const runId = await store.startRun({ kind: 'test', promptPath: `prompts/triage-${(i / PER_RUN) % 8}.prompt`, models: MODELS.map((m) => `${m.provider}:${m.model}`), startedAt: t0 + i * step });
      writes.push(store.addTraces(Array.from({ length: PER_RUN }, (_, k) => trace(i + k, runId, t0 + (i + k) * step))));
      if (writes.length >= 20) await Promise.all(writes.splice(0));
    }
    await Promise.all(writes);
    const stats = await store.stats();
    if (stats.counts.traces !== TRACES) throw new Error(`expected ${TRACES} traces, have ${stats.counts.traces}`);
    results.push({ what: `build the 100,000-trace history (1,000 runs; setup, not a target)`, figure: `${((performance.now() - fillStart) / 1000).toFixed(1)} s`, target: '—', pass: null });

    const model = new RunsTreeModel(async () => store);
    let shown = 0;
    const first = await timed(15, 3, async () => (shown = await firstPage(model)));
    results.push({ what: `Runs tree first page of a 100,000-trace history (${shown} items: 50 runs, the newest run's 100 traces), median`, figure: ms(first), target: '≤ 100 ms', pass: first <= 100 });

    model.filter = { provider: 'anthropic', model: 'claude-3-5-haiku-latest', status: 'error' };
    const filtered = await timed(15, 3, async () => {
      model.reset();
      const page = await model.children();
      for (const n of page) if (n.kind === 'trace') describeTrace(n.trace);
    });
    results.push({ what: 'Runs tree, filtered flat page (model + status error) of 100,000, median', figure: ms(filtered), target: '—', pass: null });

    model.filter = {};
    model.grouping = 'model';
    const grouped = await timed(5, 1, async () => {
      model.reset();
      await model.children();
    });
    results.push({ what: 'Runs tree grouped by model (counts over 100,000 traces), median', figure: ms(grouped), target: '—', pass: null });

    let points = 0;
    const dashboard = await timed(9, 2, async () => {
      const data = await buildDashboard(store, { days: 30, now });
      points = data.x.length * data.metrics.latencyP50.length;
      if (data.totals.last30.traces !== TRACES) throw new Error(`dashboard saw ${data.totals.last30.traces} traces`);
    });
    results.push({ what: `dashboard series for 100,000 traces (30 days × 5 models = ${points} points per chart, and the totals), median`, figure: ms(dashboard), target: '≤ 200 ms', pass: dashboard <= 200 });
    let prompts = 0;
    const usage = await timed(5, 1, async () => (prompts = (await buildPromptUsage(store, { days: 30, now })).length));
    results.push({ what: `dashboard cost and usage by prompt file (${prompts} prompts over 100,000 traces; sent after the charts), median`, figure: ms(usage), target: '—', pass: null });

    const out = join(dir, 'export.otlp.json');
    const exportStart = performance.now();
    const exported = await exportOtlp(store, { from: now - 3 * DAY }, out);
    const exportMs = performance.now() - exportStart;
    if ('error' in exported) throw new Error(exported.error);
    results.push({
      what: `OTLP/JSON export of ${exported.count.toLocaleString('en-US')} traces (${(statSync(out).size / 1024 / 1024).toFixed(1)} MB)`,
      figure: `${(exportMs / exported.count).toFixed(3)} ms per trace`,
      target: '—',
      pass: null,
    });
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
};
