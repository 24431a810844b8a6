// What a batch run keeps in history (runs.batch_state of its first suite's run) so that another process
// can resume it: the command line to load the same suites again, the run ids to record under, and the
// provider batches already submitted.
import type { BatchRef } from './batchDispatcher';

export const BATCH_STATE_FORMAT = 1;

/** A batch run's resumable state. */
export interface BatchRunState {
  format: typeof BATCH_STATE_FORMAT;
  /** The command (`test`, or `eval` with promptfoo's conventions), its arguments, and the folder it ran in. */
  command: 'test' | 'eval';
  argv: string[];
  cwd: string;
  /** One run id per suite, in the order the command line loads them. */
  runIds: string[];
  startedAt: number;
  batches: BatchRef[];
}

const isString = (v: unknown): v is string => typeof v === 'string';

function isRef(v: unknown): v is BatchRef {
  const r = v as BatchRef;
  return !!r && isString(r.provider) && isString(r.id) && Number.isInteger(r.chunk) && Number.isInteger(r.items) && typeof r.submittedAt === 'number';
}

/** The stored state, or what is wrong with it. */
export function parseBatchState(raw: unknown): BatchRunState | { error: string } {
  const s = raw as Partial<BatchRunState> | null;
  if (!s || typeof s !== 'object') return { error: 'it has no batch state (it was not run with --batch)' };
  if (s.format !== BATCH_STATE_FORMAT) return { error: `its batch state has format ${String(s.format)}, which this Assay does not know` };
  if ((s.command !== 'test' && s.command !== 'eval') || !Array.isArray(s.argv) || !s.argv.every(isString) || !isString(s.cwd) || !Array.isArray(s.runIds) || !s.runIds.every(isString) || typeof s.startedAt !== 'number') {
    return { error: 'its batch state is damaged (command, argv, cwd, runIds or startedAt)' };
  }
  if (!Array.isArray(s.batches) || !s.batches.every(isRef)) return { error: 'its batch state is damaged (batches)' };
  return s as BatchRunState;
}
