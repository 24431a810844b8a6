// A separate process that writes to a history file, for the multi-writer and crash tests.
//   node --import tsx test/support/storeWriter.ts FILE COUNT BATCH [--pause partialTemp|beforeRename]
// Prints `ready`, waits for a line `go` on stdin, then adds COUNT traces in batches of BATCH with a save
// after each batch, prints `done <merges>` (how many saves merged another writer's file) and exits.
// With --pause it adds COUNT traces, saves once normally, adds COUNT more, and starts a save that stops
// dead midway, printing `paused` (the test then kills it with SIGKILL).
import { createInterface } from 'node:readline';
import { TraceStore } from '../../src/core/store/traceStore';
import { makeTrace } from './storeFixtures';

async function main(): Promise<void> {
  const [file, countText, batchText, flag, stage] = process.argv.slice(2);
  const count = Number(countText);
  const batch = Number(batchText);
  const pause = flag === '--pause' ? (stage as 'partialTemp' | 'beforeRename') : undefined;
  const store = await TraceStore.open({
    path: file!,
    saveDebounceMs: 60_000,
    maxSaveDelayMs: 60_000,
  });
  const lines = createInterface({ input: process.stdin });
  const go = new Promise<void>((resolve) => lines.on('line', (l) => l.trim() === 'go' && resolve()));
  process.stdout.write('ready\n');
  await go;
  lines.close();

  const tag = `pid${process.pid}`;
  const add = async (from: number, n: number, s: TraceStore) => {
    const traces = Array.from({ length: n }, (_, i) => makeTrace({ caseId: `${tag}-${from + i}`, startedAt: Date.now() }));
    await s.addTraces(traces);
  };

  if (!pause) {
    let merges = 0;
    for (let done = 0; done < count; done += batch) {
      await add(done, Math.min(batch, count - done), store);
      const r = await store.flush();
      if (r.error) throw new Error(r.error);
      if (r.merged) merges++;
    }
    await store.close();
    process.stdout.write(`done ${merges}\n`);
    return;
  }

  await add(0, count, store);
  const first = await store.flush();
  if (first.error) throw new Error(first.error);
  await store.close();
  const crashing = await TraceStore.open({ path: file!, saveDebounceMs: 60_000, maxSaveDelayMs: 60_000, faultInjection: { pauseSave: pause } });
  crashing.onSavePaused(() => process.stdout.write('paused\n'));
  await add(count, count, crashing);
  void crashing.flush();
}

main().catch((err: unknown) => {
  process.stderr.write(`storeWriter: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
