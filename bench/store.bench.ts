// The history store, measured from the caller's (extension host's) thread through the real worker:
// inserts, a save, the event-loop delay meanwhile, memory with 10k traces, and an explorer query on 100k.
// Targets: DESIGN.md §7 and the History issue.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { TraceStore } from '../src/core/store/traceStore';
import type { TraceInput } from '../src/core/store/storeTypes';
import type { BenchResult, BenchSuite } from './benchTypes';

const MODELS = [
  { provider: 'openai', model: 'gpt-4o-mini' },
  { provider: 'openai', model: 'gpt-4o' },
  { provider: 'anthropic', model: 'claude-3-5-haiku-latest' },
  { provider: 'anthropic', model: 'claude-sonnet-4-5' },
  { provider: 'ollama', model: 'llama3.1' },
];
const TICKETS = [
  'I was charged twice for my subscription this month and would like a refund for the duplicate payment.',
  'The export button crashes the app every time I click it on the reports page, since the last update.',
  'Can you tell me whether the Pro plan includes priority support and how many seats it comes with?',
  'My invoice shows the wrong company name and VAT number; please correct it before our audit next week.',
];

/** A trace shaped like a real test-run call: a few hundred tokens of prompt, a short answer, payloads. */
function trace(i: number, runId: string, startedAt: number): TraceInput {
  const model = MODELS[i % MODELS.length]!;
  const ticket = `${TICKETS[i % TICKETS.length]} (ticket #${i})`;
  const failed = i % 10 === 7;
  const answer = ['billing', 'bug', 'other'][i % 3]!;
  return {
    runId,
    promptPath: `prompts/triage-${i % 8}.prompt`,
    promptVersionId: `version-${i % 8}`,
    caseId: `case-${i % 50}`,
    repeatIndex: 0,
    variables: { ticket, customer: `customer-${i % 997}` },
    model,
    text: failed ? '' : answer,
    toolCalls: [],
    finishReason: failed ? null : 'stop',
    usage: failed ? null : { inputTokens: 180 + (i % 40), outputTokens: 1, cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
    cost: failed ? null : 0.000027,
    latencyMs: 200 + (i % 300),
    ttftMs: failed ? null : 120 + (i % 100),
    request: {
      model: model.model,
      messages: [
        { role: 'system', content: 'You route support tickets. Answer with one word: billing, bug or other. Never explain.' },
        { role: 'user', content: ticket },
      ],
      temperature: 0,
      max_tokens: 20,
      stream: true,
      stream_options: { include_usage: true },
    },
    response: failed
      ? null
      : {
          id: `chatcmpl-${i}`,
          object: 'chat.completion',
          created: Math.floor(startedAt / 1000),
          model: model.model,
          choices: [{ index: 0, message: { role: 'assistant', content: answer }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 180 + (i % 40), completion_tokens: 1, total_tokens: 181 + (i % 40) },
        },
    ...(failed ? { error: { kind: 'rate_limit' as const, message: 'Rate limit reached for requests', status: 429 } } : {}),
    cacheHit: i % 13 === 0,
    startedAt,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const ms = (x: number, digits = 2) => `${x.toFixed(digits)} ms`;

/**
 * Adds `count` traces in batches of 100, one run per 1,000, the way a runner does: results arrive on
 * later turns of the event loop and the runner does not wait for each write before the next call.
 */
async function fill(store: TraceStore, from: number, count: number, t0: number): Promise<void> {
  let runId = '';
  const writes: Promise<unknown>[] = [];
  for (let i = from; i < from + count; i += 100) {
    if (i % 1000 === 0) runId = await store.startRun({ kind: 'test', models: MODELS.map((m) => `${m.provider}:${m.model}`), startedAt: t0 + i * 1000 });
    const batch = Array.from({ length: Math.min(100, from + count - i) }, (_, k) => trace(i + k, runId, t0 + (i + k) * 1000));
    writes.push(store.addTraces(batch));
    await new Promise((resolve) => setImmediate(resolve));
  }
  await Promise.all(writes);
}

export const suite: BenchSuite = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'assay-bench-store-'));
  const bundled = join(__dirname, '..', 'dist', 'storeWorker.js');
  const results: BenchResult[] = [];
  const t0 = Date.UTC(2025, 0, 1);
  try {
    const store = await TraceStore.open({
      path: join(dir, 'history.sqlite'),
      maxTraces: 0,
      // Saves only when asked, so each figure measures one thing.
      saveDebounceMs: 600_000,
      maxSaveDelayMs: 600_000,
      ...(existsSync(bundled) ? { workerPath: bundled } : {}),
    });

    // Warm-up: worker JIT, statement cache.
    await fill(store, 0, 1000, t0 - 10_000_000);
    await store.clear();

    const eld = monitorEventLoopDelay({ resolution: 1 });
    eld.enable();
    const insertStart = performance.now();
    await fill(store, 0, 10_000, t0);
    const insertMs = performance.now() - insertStart;
    const saved = await store.flush();
    eld.disable();
    const perTrace = insertMs / 10_000;
    results.push({ what: 'trace insert, 10,000 traces in batches of 100 (per trace, until the worker has them all)', figure: ms(perTrace, 3), target: '≤ 0.2 ms', pass: perTrace <= 0.2 });
    results.push({ what: 'insert 10,000 traces (total)', figure: ms(insertMs, 0), target: '≤ 1000 ms', pass: insertMs <= 1000 });
    if (saved.error || !saved.saved) throw new Error(`save failed: ${saved.error}`);
    results.push({
      what: `save of a 10,000-trace history (${(saved.bytes! / 1024 / 1024).toFixed(1)} MB; export + temp file + fsync + rename, in the worker)`,
      figure: ms(saved.ms!, 0),
      target: '≤ 250 ms',
      pass: saved.ms! <= 250,
    });
    const p99 = eld.percentile(99) / 1e6;
    const max = eld.max / 1e6;
    results.push({ what: 'caller event-loop delay while inserting 10,000 traces and saving, p99', figure: ms(p99, 1), target: '≤ 20 ms', pass: p99 <= 20 });
    results.push({ what: 'caller event-loop delay while inserting 10,000 traces and saving, max', figure: ms(max, 1), target: '≤ 50 ms', pass: max <= 50 });

    (globalThis as { gc?: () => void }).gc?.();
    const rss = process.memoryUsage().rss / 1024 / 1024;
    results.push({ what: 'RSS with 10,000 traces held (process incl. worker)', figure: `${rss.toFixed(0)} MB`, target: '≤ 300 MB', pass: rss <= 300 });

    await fill(store, 10_000, 90_000, t0);
    const stats = await store.stats();
    if (stats.counts.traces !== 100_000) throw new Error(`expected 100,000 traces, have ${stats.counts.traces}`);
    const queries: [string, Parameters<TraceStore['listTraces']>[0], boolean][] = [
      ['explorer page of 100 newest, filtered by model (20k of 100k match)', { model: 'claude-3-5-haiku-latest' }, true],
      ['explorer page of 100, model + status error (10k of 100k match)', { model: 'claude-3-5-haiku-latest', status: 'error' }, false],
      ['explorer page of 100, prompt + time range', { promptPath: 'prompts/triage-3.prompt', from: t0 + 20_000_000, to: t0 + 60_000_000 }, false],
      ['explorer page of 100, text in output', { text: 'bug' }, false],
    ];
    for (const [what, filter, targeted] of queries) {
      for (let i = 0; i < 5; i++) await store.listTraces(filter, { limit: 100 });
      const times: number[] = [];
      for (let i = 0; i < 30; i++) {
        const s = performance.now();
        const page = await store.listTraces(filter, { limit: 100 });
        times.push(performance.now() - s);
        if (page.items.length !== 100) throw new Error(`${what}: got ${page.items.length} rows`);
      }
      const m = median(times);
      results.push({ what: `${what}, median round trip`, figure: ms(m), target: targeted ? '≤ 5 ms' : '—', pass: targeted ? m <= 5 : null });
    }
    const bigSave = await store.flush();
    results.push({ what: `save of a 100,000-trace history (${(bigSave.bytes! / 1024 / 1024).toFixed(0)} MB), in the worker`, figure: ms(bigSave.ms!, 0), target: '—', pass: null });
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
};
