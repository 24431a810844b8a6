// The live OpenTelemetry export's cost per call: the history store takes traces (with an evaluation each)
// through its worker, with the export to a collector (a receiver in a process of its own) and without.
// This process's CPU (all its threads) is measured for a small and a large run, so the slope per trace
// leaves out what does not grow with the run (loading the exporter once, opening, closing); the export's
// overhead is the difference of the two slopes, taken per round (the runs with and without alternate) and
// then the median over the rounds.
import { join } from 'node:path';
import { TraceStore } from '../src/core/store/traceStore';
import { makeTrace, tempFolder } from '../test/support/storeFixtures';
import { startMockProcess } from './benchMock';
import type { BenchResult, BenchSuite } from './benchTypes';

const SMALL = 1_000;
const LARGE = 6_000;
const BATCH = 250;
const ROUNDS = 5;

/** CPU microseconds to store n traces and evaluations and close the store (saving; sending the rest). */
async function storeRun(n: number, endpoint: string | undefined): Promise<{ cpuUs: number; sent: number }> {
  const folder = tempFolder('assay-bench-otlp-');
  const path = join(folder.dir, 'history.sqlite');
  const store = await TraceStore.open({
    path,
    maxTraces: 0,
    ...(endpoint ? { otlp: { url: `${endpoint}/v1/traces`, includeMessages: false, queueDir: `${path}.otlp-queue` } } : {}),
  });
  let sent = 0;
  store.onExportNotice((n) => {
    if (n.stats) sent = n.stats.sent;
  });
  const start = process.cpuUsage();
  for (let k = 0; k < n; k += BATCH) {
    const ids = await store.addTraces(Array.from({ length: BATCH }, (_, i) => makeTrace({ startedAt: Date.now(), caseId: `case-${k + i}` })));
    await store.addEvaluations(ids.map((traceId) => ({ traceId, assertionType: 'contains', pass: true, score: 1, reason: 'found' })));
  }
  await store.close();
  const cpu = process.cpuUsage(start);
  folder.cleanup();
  return { cpuUs: cpu.user + cpu.system, sent };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * CPU microseconds per trace between a small and a large run, without and with the export. Each round
 * runs the four in turn, so a change in the machine's other load moves both sides of a round alike; the
 * figures are medians over the rounds.
 */
async function slopes(endpoint: string): Promise<{ off: number; on: number; overhead: number; range: [number, number] }> {
  const offs: number[] = [];
  const ons: number[] = [];
  const overheads: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const cpu: Record<'off' | 'on', Record<number, number>> = { off: {}, on: {} };
    for (const n of [SMALL, LARGE]) {
      cpu.off[n] = (await storeRun(n, undefined)).cpuUs;
      const run = await storeRun(n, endpoint);
      if (run.sent !== n) throw new Error(`the collector got ${run.sent} of ${n} spans`);
      cpu.on[n] = run.cpuUs;
    }
    const off = (cpu.off[LARGE]! - cpu.off[SMALL]!) / (LARGE - SMALL);
    const on = (cpu.on[LARGE]! - cpu.on[SMALL]!) / (LARGE - SMALL);
    offs.push(off);
    ons.push(on);
    overheads.push(on - off);
  }
  return { off: median(offs), on: median(ons), overhead: median(overheads), range: [Math.min(...overheads), Math.max(...overheads)] };
}

export const suite: BenchSuite = async () => {
  const receiver = await startMockProcess([], 'test/support/otlpReceiver.ts');
  try {
    await storeRun(SMALL, receiver.url);
    const { off, on, overhead, range } = await slopes(receiver.url);
    const perCallMs = overhead / 1000;
    const results: BenchResult[] = [
      {
        what: `live OpenTelemetry export: CPU per call added to the history's (traces + evaluations through the store worker in batches of ${BATCH}, collector in another process; slope between ${SMALL.toLocaleString('en')}- and ${LARGE.toLocaleString('en')}-trace runs, with and without in turn, medians of ${ROUNDS} rounds: ${(off / 1000).toFixed(3)} ms per trace without, ${(on / 1000).toFixed(3)} ms with; the rounds' overheads ${(range[0] / 1000).toFixed(3)}–${(range[1] / 1000).toFixed(3)} ms)`,
        figure: `${perCallMs.toFixed(3)} ms`,
        target: '≤ 0.05 ms',
        pass: perCallMs <= 0.05,
      },
    ];
    return results;
  } finally {
    receiver.child.kill();
  }
};
