import * as assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { TraceStore } from '../../src/core/store/traceStore';
import { makeTrace, tempFolder } from '../support/storeFixtures';

const DAY = 86_400_000;

describe('history retention', function () {
  this.timeout(30_000);
  let folder: ReturnType<typeof tempFolder>;
  let file: string;
  const stores: TraceStore[] = [];
  const open = async (options: Partial<Parameters<typeof TraceStore.open>[0]>) => {
    const s = await TraceStore.open({ path: file, saveDebounceMs: 60_000, maxSaveDelayMs: 60_000, ...options });
    stores.push(s);
    return s;
  };

  beforeEach(() => {
    folder = tempFolder();
    file = join(folder.dir, 'history.sqlite');
  });
  afterEach(async () => {
    await Promise.allSettled(stores.splice(0).map((s) => s.close()));
    folder.cleanup();
  });

  it('keeps at most maxTraces, removing the oldest first, with their evaluations, feedback and empty runs', async () => {
    const store = await open({ maxTraces: 20 });
    const oldVersion = await store.addPromptVersion({ path: 'a.prompt', content: 'old' });
    const newVersion = await store.addPromptVersion({ path: 'a.prompt', content: 'new' });
    const oldRun = await store.startRun({ kind: 'test', models: [], promptVersionId: oldVersion, startedAt: 0 });
    await store.finishRun(oldRun, { endedAt: 1 });
    const newRun = await store.startRun({ kind: 'test', models: [], promptVersionId: newVersion, startedAt: 10_000 });
    // Inserted out of order, so "oldest" must come from startedAt, not insertion.
    const order = Array.from({ length: 30 }, (_, i) => (i * 7) % 30);
    const ids = await store.addTraces(order.map((i) => makeTrace({ startedAt: 1000 + i, caseId: `t${i}`, runId: i < 10 ? oldRun : newRun, promptVersionId: i < 10 ? oldVersion : newVersion })));
    const byCase = new Map(order.map((i, k) => [`t${i}`, ids[k]!]));
    await store.addEvaluations([{ traceId: byCase.get('t0')!, assertionType: 'equals', pass: true }]);
    await store.setFeedback(byCase.get('t1')!, { rating: 1 });

    const saved = await store.flush();
    assert.strictEqual(saved.retained, 10);
    const kept = (await store.listTraces({}, { limit: 100 })).items.map((t) => t.caseId);
    assert.deepStrictEqual(kept, Array.from({ length: 20 }, (_, i) => `t${29 - i}`), 'the 20 newest remain');
    const stats = await store.stats();
    assert.deepStrictEqual(
      [stats.counts.traces, stats.counts.evaluations, stats.counts.feedback, stats.counts.runs, stats.counts.promptVersions],
      [20, 0, 0, 1, 1],
      'evaluations, feedback, the emptied run and its now unreferenced prompt version went with them',
    );
    await store.close();
    const reopened = await open({ maxTraces: 20 });
    assert.strictEqual((await reopened.stats()).counts.traces, 20, 'on disk too');
  });

  it('never removes a prompt version still referenced by a run or a trace', async () => {
    const store = await open({ maxTraces: 1 });
    const version = await store.addPromptVersion({ path: 'keep.prompt', content: 'still used' });
    await store.startRun({ kind: 'playground', models: [], promptVersionId: version, startedAt: 0 });
    await store.addTraces([makeTrace({ startedAt: 1 }), makeTrace({ startedAt: 2 })]);
    await store.flush();
    assert.strictEqual((await store.stats()).counts.promptVersions, 1);
  });

  it('removes traces older than maxAgeDays', async () => {
    const store = await open({ maxAgeDays: 30 });
    const now = Date.now();
    await store.addTraces([makeTrace({ startedAt: now - 40 * DAY, caseId: 'old' }), makeTrace({ startedAt: now - 10 * DAY, caseId: 'recent' })]);
    await store.flush();
    assert.deepStrictEqual((await store.listTraces()).items.map((t) => t.caseId), ['recent']);
  });

  it('keeps the file under maxSizeMB, oldest first', async () => {
    const store = await open({ maxSizeMB: 1, maxTraces: 0 });
    const big = 'lorem ipsum dolor sit amet '.repeat(200);
    for (let batch = 0; batch < 4; batch++) {
      await store.addTraces(Array.from({ length: 250 }, (_, i) => makeTrace({ startedAt: batch * 1000 + i, text: `${batch}-${i} ${big}` })));
    }
    const saved = await store.flush();
    assert.ok((saved.retained ?? 0) > 0, 'something was removed');
    assert.ok(statSync(file).size <= 1024 * 1024, `file is ${statSync(file).size} bytes`);
    const survivors = (await store.listTraces({}, { limit: 1000 })).items.map((t) => t.startedAt);
    const all = Array.from({ length: 4 }, (_, b) => Array.from({ length: 250 }, (_, i) => b * 1000 + i)).flat();
    const newestFirst = all.sort((a, b) => b - a);
    assert.strictEqual(survivors.length, 1000 - saved.retained!, 'count matches');
    assert.deepStrictEqual(survivors, newestFirst.slice(0, survivors.length), 'the survivors are the newest');
  });
});
