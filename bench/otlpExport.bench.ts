// The live OpenTelemetry export's cost per call: the history store takes traces (with an evaluation each)
// through its worker, with the export to a collector (a receiver in a process of its own) and without.
// This process's CPU (all its threads) is measured for a small and a large run, so the slope per trace
// leaves out what does not grow with the run (loading the exporter once, opening, closing); the export's
// overhead is the difference of the two slopes.
import { join } from 'node:path';
import { TraceStore } from '../src/core/store/traceStore';
import { makeTrace, tempFolder } from '../test/support/storeFixtures';
import { startMockProcess } from './benchMock';
import type { BenchResult, BenchSuite } from './benchTypes';

const SMALL = 1_000;
const LARGE = 6_000;
const BATCH = 250;
const ROUNDS = 3;

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

/** CPU microseconds per trace between a small and a large run (medians of ROUNDS each). */
async function slope(endpoint: string | undefined): Promise<number> {
  const at = async (n: number): Promise<number> => {
    const xs: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const run = await storeRun(n, endpoint);
      if (endpoint && run.sent !== n) throw new Error(`the collector got ${run.sent} of ${n} spans`);
      xs.push(run.cpuUs);
    }
    return median(xs);
  };
  return ((await at(LARGE)) - (await at(SMALL))) / (LARGE - SMALL);
}

export const suite: BenchSuite = async () => {
  const receiver = await startMockProcess([], 'test/support/otlpReceiver.ts');
  try {
    await storeRun(SMALL, receiver.url);
    const off = await slope(undefined);
    const on = await slope(receiver.url);
    const perCallMs = (on - off) / 1000;
    const results: BenchResult[] = [
      {
        what: `live OpenTelemetry export: CPU per call added to the history's (traces + evaluations through the store worker in batches of ${BATCH}, collector in another process; slope between ${SMALL.toLocaleString('en')}- and ${LARGE.toLocaleString('en')}-trace runs, medians of ${ROUNDS}: ${(off / 1000).toFixed(3)} ms per trace without, ${(on / 1000).toFixed(3)} ms with)`,
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
