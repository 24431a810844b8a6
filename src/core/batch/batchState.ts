// What a batch run keeps in history (runs.batch_state of its first suite's run) so that another process
// can resume it: the command line to load the same suites again, the run ids to record under, and the
// provider batches already submitted (the outputs', and the grader rounds').
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
  /** The batches of the calls under test (round 0). */
  batches: BatchRef[];
  /**
   * The batches of grader calls, each with its round (1, 2…). Apart from `batches` so that a state an older
   * Assay reads still means what it did: it resumes the outputs and asks the graders live.
   */
  graderBatches?: BatchRef[];
}

const isString = (v: unknown): v is string => typeof v === 'string';

function isRef(v: unknown): v is BatchRef {
  const r = v as BatchRef;
  return !!r && isString(r.provider) && isString(r.id) && Number.isInteger(r.chunk) && Number.isInteger(r.items) && typeof r.submittedAt === 'number';
}

const isGraderRef = (v: unknown): v is BatchRef => isRef(v) && Number.isInteger(v.round) && v.round! > 0;

/** The stored state, or what is wrong with it. */
export function parseBatchState(raw: unknown): BatchRunState | { error: string } {
  const s = raw as Partial<BatchRunState> | null;
  if (!s || typeof s !== 'object') return { error: 'it has no batch state (it was not run with --batch)' };
  if (s.format !== BATCH_STATE_FORMAT) return { error: `its batch state has format ${String(s.format)}, which this Assay does not know` };
  if ((s.command !== 'test' && s.command !== 'eval') || !Array.isArray(s.argv) || !s.argv.every(isString) || !isString(s.cwd) || !Array.isArray(s.runIds) || !s.runIds.every(isString) || typeof s.startedAt !== 'number') {
    return { error: 'its batch state is damaged (command, argv, cwd, runIds or startedAt)' };
  }
  if (!Array.isArray(s.batches) || !s.batches.every(isRef)) return { error: 'its batch state is damaged (batches)' };
  if (s.graderBatches !== undefined && (!Array.isArray(s.graderBatches) || !s.graderBatches.every(isGraderRef))) return { error: 'its batch state is damaged (graderBatches)' };
  return s as BatchRunState;
}

/** Every batch of a state, the grader rounds' after the outputs'. */
export function allBatches(state: BatchRunState): BatchRef[] {
  return [...state.batches, ...(state.graderBatches ?? [])];
}

/** `batches` as a state stores them: the outputs' apart from the grader rounds'. */
export function withBatches(state: BatchRunState, batches: readonly BatchRef[]): BatchRunState {
  const graders = batches.filter((b) => (b.round ?? 0) > 0);
  const out: BatchRunState = { ...state, format: BATCH_STATE_FORMAT, batches: batches.filter((b) => (b.round ?? 0) === 0) };
  if (graders.length > 0) out.graderBatches = graders;
  else delete out.graderBatches;
  return out;
}
