// The batch runs the editor offers to resume: interrupted runs of the history that kept their provider
// batches (runs.batch_state), found in a real history after the writing process closed without finishing.
import * as assert from 'node:assert/strict';
import { allBatches, BATCH_STATE_FORMAT, parseBatchState, withBatches, type BatchRunState } from '../../src/core/batch/batchState';
import { waitingBatchRuns } from '../../src/core/batch/waitingRuns';
import { TraceStore } from '../../src/core/store/traceStore';
import { eachHistoryFile } from '../support/storeFixtures';

const T = Date.UTC(2026, 11, 7, 20, 0, 0);

function state(runIds: string[]): BatchRunState {
  return {
    format: BATCH_STATE_FORMAT,
    command: 'test',
    argv: ['triage.prompt', '--batch'],
    cwd: '/work/project',
    runIds,
    startedAt: T,
    batches: [{ provider: 'openai', id: 'batch_abc', chunk: 0, items: 40, submittedAt: T + 1000 }],
  } as BatchRunState;
}

describe('batch runs waiting to be resumed', () => {
  const history = eachHistoryFile();

  it('lists an interrupted batch run once (by its first suite’s run), not a finished one or a run without batches', async () => {
    const writer = await TraceStore.open({ path: history.file });
    const first = await writer.startRun({ kind: 'cli', models: ['openai:gpt-5.5'], startedAt: T });
    const second = await writer.startRun({ kind: 'cli', models: ['openai:gpt-5.5'], startedAt: T });
    const graded = withBatches(state([first, second]), [...state([]).batches, { provider: 'openai', id: 'batch_grader', chunk: 0, items: 40, submittedAt: T + 2000, round: 1 }]);
    await writer.setRunBatch(first, graded);
    await writer.setRunBatch(second, graded);
    const finished = await writer.startRun({ kind: 'cli', models: ['openai:gpt-5.5'], startedAt: T });
    await writer.setRunBatch(finished, state([finished]));
    await writer.finishRun(finished, { status: 'done' });
    await writer.startRun({ kind: 'cli', models: ['openai:gpt-5.5'], startedAt: T });
    // The process goes before its runs finish: they are interrupted.
    await writer.close();

    const store = await TraceStore.open({ path: history.file });
    try {
      assert.deepStrictEqual(await waitingBatchRuns(store), [{ runId: first, startedAt: T, batches: 2, command: 'assay test triage.prompt --batch' }]);
    } finally {
      await store.close();
    }
  });

  it('keeps grader rounds apart from the outputs’ batches, so an older reader of the state still resumes the outputs', () => {
    const grader = { provider: 'anthropic', id: 'msgbatch_g', chunk: 0, items: 40, submittedAt: T + 2000, round: 1 };
    const stored = withBatches(state(['r1']), [...state([]).batches, grader]);
    assert.deepStrictEqual(stored.batches.map((b) => b.id), ['batch_abc'], 'round 0 where it always was');
    assert.deepStrictEqual(stored.graderBatches, [grader]);
    assert.deepStrictEqual(allBatches(parseBatchState(JSON.parse(JSON.stringify(stored))) as BatchRunState).map((b) => b.id), ['batch_abc', 'msgbatch_g']);
    assert.deepStrictEqual(parseBatchState({ ...stored, graderBatches: [{ ...grader, round: 0 }] }), { error: 'its batch state is damaged (graderBatches)' }, 'a grader batch has a round');
    assert.ok(!('graderBatches' in withBatches(stored, state([]).batches)), 'no grader rounds, no field');
  });
});
