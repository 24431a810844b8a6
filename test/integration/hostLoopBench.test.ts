// Not part of the test suite: the in-editor half of bench/hostLoop.bench.ts (issue #19's "extension-host
// event-loop p99 during such a run"). It registers only when the bench names its output file in
// ASSAY_BENCH_HOST_LOOP, so `npm test` never runs it. It runs a 2,000-case bank through "Run test bank"
// (the Test Explorer run, the results panel and the history, as a user's run) against the bench's mock
// server in another process, twice, samples the extension host's event-loop delay during the second run and
// writes the figures.
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import type { LastRunSummary } from '../../src/host/testing/runCoordinator';
import { assayExtension, closeAllEditors, workspaceUri } from './support/vscodeHelpers';

const OUT = process.env.ASSAY_BENCH_HOST_LOOP;
const MOCK_URL = process.env.ASSAY_BENCH_MOCK_URL;
const CASES = Number(process.env.ASSAY_BENCH_CASES ?? 2000);
const CONCURRENCY = Number(process.env.ASSAY_BENCH_CONCURRENCY ?? 100);
/** Where to write a CPU profile of the extension host during the run (for finding where the time goes). */
const PROFILE = process.env.ASSAY_BENCH_HOST_PROFILE;
/** Where to write the stalls of the run (each gap > 20 ms between 5 ms ticks, as [start, end, cpu] in µs:
 * start and end on the monotonic clock the CPU profile's timestamps use, cpu the main thread's CPU time in
 * the gap — far below end − start when the machine, not the extension host, held it up). */
const STALLS = process.env.ASSAY_BENCH_HOST_STALLS;

/** What the ticks of a 5 ms interval saw until `stop()`. */
interface TurnRecorder {
  /** Every gap longer than 20 ms, as written to ASSAY_BENCH_HOST_STALLS. */
  stalls: Array<[number, number, number]>;
  /** The main thread's CPU time in each gap between ticks, in µs. */
  cpu: number[];
  stop(): void;
}

/**
 * The CPU time of the extension host's main thread in µs, from Linux's schedstat (Node 20 has no
 * per-thread figure); elsewhere the whole process's, which also counts the history worker, GC helpers and
 * the thread pool.
 */
function mainThreadCpu(): () => number {
  const file = `/proc/${process.pid}/task/${process.pid}/schedstat`;
  try {
    readFileSync(file);
    return () => Number(readFileSync(file, 'latin1').split(' ')[0]) / 1000;
  } catch {
    return () => {
      const u = process.cpuUsage();
      return u.user + u.system;
    };
  }
}

/**
 * Ticks every 5 ms and keeps, per gap between ticks, the main thread's CPU time. On a busy machine a gap
 * is mostly time the extension host waited for a core; its CPU time is what the gap would be on an idle one.
 */
function recordTurns(): TurnRecorder {
  const now = () => Number(process.hrtime.bigint() / 1000n);
  const cpuNow = mainThreadCpu();
  const rec: TurnRecorder = { stalls: [], cpu: [], stop: () => clearInterval(tick) };
  let last = now();
  let lastCpu = cpuNow();
  const tick = setInterval(() => {
    const t = now();
    const c = cpuNow();
    if (t - last > 20_000) rec.stalls.push([last, t, c - lastCpu]);
    rec.cpu.push(c - lastCpu);
    last = t;
    lastCpu = c;
  }, 5);
  return rec;
}

function percentileOf(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
}

if (OUT && MOCK_URL) {
  describe('bench: the extension host during a 2,000-case run', function () {
    this.timeout(600_000);

    it('runs the bank from the editor and records the event-loop delay', async () => {
      await assayExtension().activate();
      const config = vscode.workspace.getConfiguration('assay');
      await config.update('endpoints', [{ name: 'mock', baseUrl: `${MOCK_URL}/v1`, models: ['alpha'] }], vscode.ConfigurationTarget.Global);
      await config.update('concurrency', CONCURRENCY, vscode.ConfigurationTarget.Global);
      const cases = Array.from({ length: CASES }, (_, i) => JSON.stringify({ description: `case ${i}`, vars: { q: `question ${i}` }, assert: [{ type: 'contains', value: 'question' }] }));
      writeFileSync(workspaceUri('loop.tests.jsonl').fsPath, cases.join('\n') + '\n');
      writeFileSync(workspaceUri('loop.prompt').fsPath, '---\nmodels: [mock:alpha]\ntests: loop.tests.jsonl\n---\nuser:\nAnswer {{ q }}\n');

      // The one-off costs of a workspace's first run come first: a small run of another prompt loads the lazy
      // modules and warms the code, and the Test Explorer lists the bank's 2,000 items. The measured run is then
      // the steady state of a user iterating (its calls are new: the response cache has none of them).
      writeFileSync(workspaceUri('warm.tests.jsonl').fsPath, cases.slice(0, 200).join('\n') + '\n');
      writeFileSync(workspaceUri('warm.prompt').fsPath, '---\nmodels: [mock:alpha]\ntests: warm.tests.jsonl\n---\nuser:\nWarm up with {{ q }}\n');
      const warm = await vscode.commands.executeCommand<LastRunSummary | undefined>('assay.runTestBank', workspaceUri('warm.prompt'));
      assert.strictEqual(warm?.cells.length, 200, 'the warm-up run ran every case');
      await vscode.commands.executeCommand('assay.internal.testTree');
      const inspector = PROFILE ? new Session() : undefined;
      if (inspector) {
        inspector.connect();
        await inspector.post('Profiler.enable');
        await inspector.post('Profiler.start');
      }
      const turns = recordTurns();
      const loop = monitorEventLoopDelay({ resolution: 5 });
      loop.enable();
      const t0 = performance.now();
      const summary = await vscode.commands.executeCommand<LastRunSummary | undefined>('assay.runTestBank', workspaceUri('loop.prompt'));
      const wallMs = performance.now() - t0;
      loop.disable();
      turns.stop();
      if (STALLS) writeFileSync(STALLS, JSON.stringify(turns.stalls));
      if (inspector && PROFILE) {
        const { profile } = await inspector.post('Profiler.stop');
        writeFileSync(PROFILE, JSON.stringify(profile));
        inspector.disconnect();
      }
      assert.ok(summary, 'the run finished');
      assert.strictEqual(summary.cells.length, CASES, 'every case ran');
      assert.strictEqual(summary.totals.passed, CASES, 'and passed (the mock echoes the question)');
      const ms = (ns: number) => Math.round((ns / 1e6) * 10) / 10;
      writeFileSync(OUT, JSON.stringify({ cases: CASES, concurrency: CONCURRENCY, wallMs: Math.round(wallMs), p50Ms: ms(loop.percentile(50)), p99Ms: ms(loop.percentile(99)), maxMs: ms(loop.max), cpuP99Ms: ms(percentileOf(turns.cpu, 99) * 1000), cpuMaxMs: ms(Math.max(...turns.cpu) * 1000), passed: summary.totals.passed }));
      await config.update('endpoints', undefined, vscode.ConfigurationTarget.Global);
      await config.update('concurrency', undefined, vscode.ConfigurationTarget.Global);
      await closeAllEditors();
    });
  });
}
