// The dashboard's pass rate per prompt version: test runs' stored summaries (as runTests writes them) in a
// real history, pooled per version with Wilson intervals, each version compared with the one before.
import * as assert from 'node:assert/strict';
import { buildPassRates } from '../../src/host/traces/dashboardData';
import { RUN_SUMMARY_FORMAT } from '../../src/core/run/runHistory';
import { summarizeRun, type Execution } from '../../src/core/stats/runStats';
import { wilsonInterval } from '../../src/core/stats/wilson';
import { passRateChange, describeChange } from '../../src/core/stats/significance';
import { TraceStore } from '../../src/core/store/traceStore';
import { eachHistoryFile } from '../support/storeFixtures';

const MODEL = 'openai:gpt-5.5';
const HOUR = 3_600_000;

/** Executions of `cases` cases whose first `passing` pass. */
function executions(cases: number, passing: (i: number) => boolean): Execution[] {
  return Array.from({ length: cases }, (_, i) => ({ caseId: `c${i}`, model: MODEL, pass: passing(i), cost: 0, latencyMs: 10 }));
}

describe('dashboard: pass rate by prompt version', () => {
  const history = eachHistoryFile();
  let store: TraceStore;
  beforeEach(async () => {
    store = await TraceStore.open({ path: history.file });
  });
  afterEach(() => store.close());

  async function testRun(version: string | null, at: number, execs: Execution[], kind: 'test' | 'cli' | 'playground' = 'test'): Promise<void> {
    const id = await store.startRun({ kind, promptPath: 'prompts/triage.prompt', promptVersionId: version, bankPath: 'prompts/triage.tests.yaml', models: [MODEL], startedAt: at });
    await store.finishRun(id, { status: 'done', endedAt: at + 1000, summary: { format: RUN_SUMMARY_FORMAT, suite: 'triage', models: summarizeRun(execs) } });
  }

  it('pools each version’s runs with a 95% Wilson interval, oldest version first, and tests each change on the shared cases', async () => {
    const now = Date.now();
    const v1a = executions(40, (i) => i < 30);
    const v1b = executions(40, (i) => i < 32);
    const v2 = executions(40, (i) => i < 12);
    await testRun('aaaaaaaa1111', now - 5 * HOUR, v1a);
    await testRun('aaaaaaaa1111', now - 4 * HOUR, v1b);
    await testRun('bbbbbbbb2222', now - 2 * HOUR, v2);
    // Not test runs, or not finished: left out.
    await testRun('cccccccc3333', now - HOUR, executions(5, () => true), 'playground');
    await store.startRun({ kind: 'test', promptPath: 'prompts/triage.prompt', promptVersionId: 'dddd', models: [MODEL], startedAt: now });

    const rows = await buildPassRates(store, { days: 7, now });
    assert.deepEqual(
      rows.map((r) => [r.suite, r.model, r.versionId, r.runs, r.passes, r.trials]),
      [
        ['prompts/triage.prompt', MODEL, 'aaaaaaaa1111', 2, 62, 80],
        ['prompts/triage.prompt', MODEL, 'bbbbbbbb2222', 1, 12, 40],
      ],
    );
    assert.deepEqual(rows[0]!.interval, wilsonInterval(62, 80));
    assert.equal(rows[0]!.passRate, 62 / 80);
    assert.equal(rows[0]!.change, undefined, 'the first version has nothing to compare with');
    // The newest run of v1 against v2, paired by case: 20 cases passed before and fail now, none the other way.
    const expected = passRateChange(summarizeRun(v1b)[0]!.cases, summarizeRun(v2)[0]!.cases);
    assert.equal(expected.verdict, 'significant-regression');
    assert.deepEqual(rows[1]!.change, { text: describeChange(expected), verdict: 'significant-regression' });
    assert.match(rows[1]!.change!.text, /80\.0% → 30\.0%.*McNemar's exact test/);
  });

  it('keeps to the shown days, and says nothing when there are no finished test runs', async () => {
    const now = Date.now();
    assert.deepEqual(await buildPassRates(store, { days: 7, now }), []);
    await testRun('old', now - 10 * 24 * HOUR, executions(4, () => true));
    assert.deepEqual(await buildPassRates(store, { days: 7, now }), []);
    assert.equal((await buildPassRates(store, { days: 30, now })).length, 1);
  });
});
