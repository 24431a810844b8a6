// Batch runs that stopped waiting before their answers came (Ctrl+C, a closed terminal, a killed process):
// their provider batches go on running and the history keeps them (`runs.batch_state`), so the editor can
// offer what `assay test --resume RUN_ID` does.
import type { TraceStore } from '../store/traceStore';
import { allBatches, parseBatchState, type BatchRunState } from './batchState';

/** One batch run that can be resumed. */
export interface WaitingBatchRun {
  runId: string;
  startedAt: number;
  /** Provider batches submitted. */
  batches: number;
  /** The command line it ran, for people to recognise it. */
  command: string;
}

/** The history's interrupted batch runs with their stored state, newest first (runs of more suites once, by their first run). */
export async function waitingBatchStates(store: Pick<TraceStore, 'listRuns' | 'runBatch'>, limit = 50): Promise<{ runId: string; state: BatchRunState }[]> {
  const runs = await store.listRuns({ status: 'interrupted' }, { limit });
  const out: { runId: string; state: BatchRunState }[] = [];
  for (const run of runs.items) {
    const raw = await store.runBatch(run.id);
    if (raw === null || raw === undefined) continue;
    const state = parseBatchState(raw);
    if ('error' in state || state.runIds[0] !== run.id) continue;
    out.push({ runId: run.id, state });
  }
  return out;
}

/** The history's interrupted batch runs, newest first (runs of more suites are listed once, by their first run). */
export async function waitingBatchRuns(store: Pick<TraceStore, 'listRuns' | 'runBatch'>, limit = 50): Promise<WaitingBatchRun[]> {
  return (await waitingBatchStates(store, limit)).map(({ runId, state }) => ({ runId, startedAt: state.startedAt, batches: allBatches(state).length, command: ['assay', state.command, ...state.argv].join(' ') }));
}
