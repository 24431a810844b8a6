// TraceStore.importHistory on real sql.js files: rows keep their ids and are added once, imported runs
// note their origin (an origin already there is kept), our own rows are never overwritten, and groups of
// shard runs become one run.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { TraceStore } from '../../src/core/store/traceStore';
import type { ImportOptions } from '../../src/core/store/storeTypes';
import { makeTrace, tempFolder } from '../support/storeFixtures';

describe('history import (TraceStore.importHistory)', function () {
  this.timeout(90_000);
  let folder: ReturnType<typeof tempFolder>;
  beforeEach(() => (folder = tempFolder('assay-import-')));
  afterEach(() => folder.cleanup());

  /** A history with `runs` runs of two traces each (one evaluation per trace); returns the file and the run ids. */
  async function history(name: string, runs: number, config: Record<string, unknown> = {}): Promise<{ path: string; ids: string[] }> {
    const path = join(folder.dir, name);
    const store = await TraceStore.open({ path });
    const ids: string[] = [];
    for (let r = 0; r < runs; r++) {
      const id = await store.startRun({ kind: 'cli', promptPath: 'a.prompt', promptVersionId: null, bankPath: 'a.prompt', models: ['openai:gpt-4o-mini'], config: { ...config, cases: 2 } });
      const traces = await store.addTraces([makeTrace({ runId: id, caseId: `c${r}a` }), makeTrace({ runId: id, caseId: `c${r}b` })]);
      await store.addEvaluations(traces.map((traceId) => ({ traceId, assertionType: 'equals', pass: true, score: 1, reason: 'ok' })));
      await store.finishRun(id, { status: 'done', summary: { shard: r } });
      ids.push(id);
    }
    await store.close();
    return { path, ids };
  }

  /** Imports each source in turn into one open store (a worker start per store is the slow part). */
  async function importAll(target: string, sources: [string, ImportOptions][]) {
    const store = await TraceStore.open({ path: join(folder.dir, target) });
    try {
      const results = [];
      for (const [source, options] of sources) results.push(await store.importHistory(source, options));
      return results;
    } finally {
      await store.close();
    }
  }
  const importInto = async (target: string, source: string, options: ImportOptions) => (await importAll(target, [[source, options]]))[0]!;

  async function runsOf(target: string) {
    const store = await TraceStore.open({ path: join(folder.dir, target) });
    try {
      return (await store.listRuns({}, { limit: 50 })).items.map((r) => ({ id: r.id, origin: r.origin, traces: r.totals.traces, config: r.config, summary: r.summary }));
    } finally {
      await store.close();
    }
  }

  it('adds every row once; importing again adds nothing', async () => {
    const { path, ids } = await history('alice.sqlite', 2);
    const results = await importAll('mine.sqlite', [
      [path, { origin: 'alice' }],
      [path, { origin: 'alice' }],
    ]);
    const counts = results.map((r) => ('error' in r ? r.error : [r.runs, r.traces, r.evaluations]));
    assert.deepStrictEqual(counts, [[2, 4, 4], [0, 0, 0]]);
    const runs = await runsOf('mine.sqlite');
    assert.deepStrictEqual(runs.map((r) => [r.id, r.origin, r.traces]).sort(), ids.map((id) => [id, 'alice', 2]).sort());
  });

  it('keeps an origin already noted, and never overwrites our own rows', async () => {
    const alice = await history('alice.sqlite', 1);
    await importInto('bob.sqlite', alice.path, { origin: 'alice' });
    const mine = await history('mine.sqlite', 1);
    const r = await importInto('mine.sqlite', join(folder.dir, 'bob.sqlite'), { origin: 'bob' });
    assert.ok(!('error' in r) && r.runs === 1, JSON.stringify(r));
    const runs = await runsOf('mine.sqlite');
    assert.deepStrictEqual(runs.map((x) => [x.id, x.origin]).sort(), [[alice.ids[0], 'alice'], [mine.ids[0], null]].sort(), "alice's run came through bob and stays alice's");
    const again = await importInto('mine.sqlite', join(folder.dir, 'mine.sqlite'), { origin: 'me' });
    assert.match('error' in again ? again.error : '', /is this history itself; nothing was imported/);
  });

  it('files the shard runs of a group as one run with the given summary and config', async () => {
    const s1 = await history('s1.sqlite', 1, { shard: '1/2' });
    const s2 = await history('s2.sqlite', 1, { shard: '2/2' });
    const into = s1.ids[0]!;
    const group = { into, from: [s1.ids[0]!, s2.ids[0]!], status: 'done' as const, summary: { merged: true }, config: { cases: 4, shard: null, shards: 2 }, startedAt: 1000, endedAt: 2000 };
    const twice = [s1, s2, s1, s2].map((s): [string, ImportOptions] => [s.path, { origin: null, runs: [group] }]);
    const results = await importAll('merged.sqlite', twice);
    assert.deepStrictEqual(results.map((r) => ('error' in r ? r.error : [r.runs, r.traces])), [[1, 2], [0, 2], [0, 0], [0, 0]], 'one run; each shard adds its traces once');
    const runs = await runsOf('merged.sqlite');
    assert.deepStrictEqual(runs, [{ id: into, origin: null, traces: 4, config: { cases: 4, shards: 2 }, summary: { merged: true } }]);
  });
});
