// Crash safety of the history: `node dist/cli.js test` on a 3,000-case bank against the mock LLM server,
// killed with SIGKILL at 10 random moments; after each kill the history (its crash journal replayed) must
// hold every call the mock had answered more than a second before the kill. And the journal's cost per
// trace: 10,000 traces inserted with and without it.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TraceStore } from '../src/core/store/traceStore';
import { startMockLlm } from '../test/support/mockLlmServer';
import { makeTrace } from '../test/support/storeFixtures';
import type { BenchResult, BenchSuite } from './benchTypes';
import { TICKET_PROMPT, ticketBank } from '../test/support/ticketBank';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const WORKER = join(ROOT, 'dist', 'storeWorker.js');
const CASES = 3000;
const KILLS = 10;
const CONCURRENCY = 8;
const LATENCY_MS = 20;


const ms = (v: number, digits = 1) => `${v.toFixed(digits)} ms`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Tickets of every trace in the history at `path` (its journals replayed by opening it). */
async function storedTickets(path: string, out: string): Promise<Set<string>> {
  const store = await TraceStore.open({ path, maxTraces: 0, workerPath: WORKER });
  try {
    const r = await store.exportJsonl({}, out);
    if ('error' in r) throw new Error(r.error);
    const tickets = new Set<string>();
    for (const line of readFileSync(out, 'utf8').split('\n').filter(Boolean)) tickets.add(String((JSON.parse(line) as { variables: { n: number } }).variables.n));
    return tickets;
  } finally {
    await store.close();
  }
}

/** One run killed `afterMs` after its first answer; how many calls were due and how many of them history lost. */
async function killedRun(root: string, afterMs: number): Promise<{ due: number; lost: number; answered: number }> {
  const dir = mkdtempSync(join(root, 'run-'));
  mkdirSync(join(dir, '.git'));
  writeFileSync(join(dir, 'load.prompt'), TICKET_PROMPT);
  writeFileSync(join(dir, 'load.tests.yaml'), ticketBank(CASES));
  const mock = await startMockLlm({ latencyMs: LATENCY_MS, record: false });
  try {
    const child = spawn(process.execPath, [CLI, 'test', 'load.tests.yaml', '--concurrency', String(CONCURRENCY)], {
      cwd: dir,
      env: { PATH: process.env.PATH, OPENAI_API_KEY: 'sk-bench', OPENAI_BASE_URL: mock.openaiBaseUrl },
      stdio: 'ignore',
    });
    const exit = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    await mock.waitForAnswered(1);
    // The random moment: a timer, since the point is a moment no event chooses.
    await new Promise<void>((resolve) => setTimeout(resolve, afterMs));
    const killedAt = performance.now();
    child.kill('SIGKILL');
    await exit;
    const due = mock.answered.filter((a) => a.at <= killedAt - 1_000).map((a) => /Ticket (\d+)/.exec(a.prompt)![1]!);
    const history = join(dir, '.assay', 'history.sqlite');
    const tickets = existsSync(join(dir, '.assay')) ? await storedTickets(history, join(dir, 'all.jsonl')) : new Set<string>();
    return { due: due.length, lost: due.filter((t) => !tickets.has(t)).length, answered: mock.answered.length };
  } finally {
    await mock.close();
  }
}

/** ms per trace to insert 10,000 traces (batches of 100) until the worker has them, with or without the journal. */
async function insertCost(root: string, journal: boolean): Promise<number> {
  const dir = mkdtempSync(join(root, journal ? 'journal-' : 'plain-'));
  const store = await TraceStore.open({ path: join(dir, 'history.sqlite'), maxTraces: 0, saveDebounceMs: 600_000, maxSaveDelayMs: 600_000, journal, workerPath: WORKER });
  try {
    const batch = (from: number) => Array.from({ length: 100 }, (_, i) => makeTrace({ caseId: `c${from + i}`, startedAt: Date.UTC(2025, 0, 1) + from + i }));
    for (let i = 0; i < 1000; i += 100) await store.addTraces(batch(-10_000 + i)); // warm-up
    const t0 = performance.now();
    const writes: Promise<string[]>[] = [];
    for (let i = 0; i < 10_000; i += 100) writes.push(store.addTraces(batch(i)));
    await Promise.all(writes);
    // The worker forces the journal to disk within 200 ms; a flush-free stats call waits for every write.
    await store.stats();
    return (performance.now() - t0) / 10_000;
  } finally {
    await store.close();
  }
}

export const suite: BenchSuite = async () => {
  if (!existsSync(CLI) || !existsSync(WORKER)) throw new Error('build first (npm run bench builds dist/)');
  const root = mkdtempSync(join(tmpdir(), 'assay-bench-crash-'));
  const results: BenchResult[] = [];
  try {
    const plain: number[] = [];
    const journaled: number[] = [];
    for (let i = 0; i < 3; i++) {
      plain.push(await insertCost(root, false));
      journaled.push(await insertCost(root, true));
    }
    const cost = median(journaled) - median(plain);
    results.push({ what: 'trace insert with the crash journal, 10,000 traces in batches of 100 (per trace, median of 3)', figure: ms(median(journaled), 3), target: '≤ 0.2 ms', pass: median(journaled) <= 0.2 });
    results.push({ what: 'crash journal cost per trace (journal on − off, medians of 3)', figure: ms(cost, 4), target: '≤ 0.05 ms', pass: cost <= 0.05 });

    // A full run takes ~CASES / (CONCURRENCY / latency) plus overhead; the kills fall anywhere in its first 90 %.
    const span = ((CASES / CONCURRENCY) * LATENCY_MS) * 0.9;
    const runs: { due: number; lost: number; answered: number; at: number }[] = [];
    for (let i = 0; i < KILLS; i++) {
      const at = Math.round(Math.random() * span);
      runs.push({ ...(await killedRun(root, at)), at });
    }
    const lost = runs.reduce((n, r) => n + r.lost, 0);
    const due = runs.reduce((n, r) => n + r.due, 0);
    results.push({
      what: `SIGKILL at ${KILLS} random moments of a ${CASES.toLocaleString('en-US')}-call CLI run (${runs.map((r) => `${(r.at / 1000).toFixed(1)} s`).join(', ')} after the first answer): calls answered ≥ 1 s before the kill missing from history`,
      figure: `${lost} of ${due.toLocaleString('en-US')}`,
      target: '0',
      pass: lost === 0,
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return results;
};
