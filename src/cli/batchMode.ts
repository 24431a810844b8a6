// `assay test --batch` and `--resume RUN_ID`: the options, the dispatcher wired to history, and the lines
// a batch run prints (batches created, progress with an ETA, live fallbacks, the resume command).
import { BatchDispatcher, type BatchEvent } from '../core/batch/batchDispatcher';
import { allBatches, withBatches } from '../core/batch/batchState';
import type { BatchRunState } from '../core/batch/batchState';
import type { PriceBook } from '../core/pricing/pricing';
import type { ProviderRegistry } from '../core/providers/providerRegistry';
import { needsChains, promptUsesConversation } from '../core/run/conversationChains';
import type { Engine } from '../core/run/engine';
import type { TestSuite } from '../core/run/testSuite';
import type { TraceStore } from '../core/store/traceStore';
import { UsageError } from './cliTypes';

/** The batch options of `assay test`. */
export interface BatchArgs {
  batch: boolean;
  resume?: string;
  cancel: boolean;
  /** The longest wait between status reads, in seconds. */
  pollMaxSeconds?: number;
  /** Grader calls run live instead of in batches of their own. */
  liveGraders: boolean;
}

/** Takes a batch option into `a`; false for any other option. */
export function batchOption(name: string, value: () => string, a: BatchArgs): boolean {
  switch (name) {
    case '--batch':
      a.batch = true;
      return true;
    case '--resume':
      a.resume = value();
      return true;
    case '--cancel':
      a.cancel = true;
      return true;
    case '--live-graders':
      a.liveGraders = true;
      return true;
    case '--batch-poll-max': {
      const v = value();
      const n = Number(v);
      if (!Number.isFinite(n) || n <= 0 || n > 3600) throw new UsageError(`--batch-poll-max must be a number of seconds above 0, at most 3600 (got '${v}')`);
      a.pollMaxSeconds = n;
      return true;
    }
    default:
      return false;
  }
}

/** Combinations that make no sense, as usage errors. */
export function checkBatchArgs(a: BatchArgs & { files: string[]; noHistory: boolean; list: boolean }): void {
  if (a.cancel && a.resume === undefined) throw new UsageError('--cancel cancels the batches of a run: give it with --resume RUN_ID');
  if (a.resume !== undefined && (a.files.length > 0 || a.batch)) throw new UsageError('--resume RUN_ID runs what that run ran: give no files and no --batch with it (only --history, if the run used one)');
  if (a.resume !== undefined && a.noHistory) throw new UsageError('--resume reads the run from history: it cannot be used with --no-history');
  if (a.liveGraders && !a.batch) throw new UsageError('--live-graders says how a batch run grades: give it with --batch (a resumed run keeps what it was started with)');
}

/**
 * Cases a batch run cannot send, one line each with where they are written. A batch round holds the requests
 * of every case at once, and these cases wait on another case's answer (a prompt that reads `_conversation`,
 * a case with `storeOutputAs`) or must run alone (`runSerially`): batched, they would wait forever. They are
 * refused before any call, never run live in their place.
 */
export function batchRefusals(suites: readonly TestSuite[], where: (file: string) => string): string[] {
  const at = (c: TestSuite['cases'][number]): string => `${where(c.source.file)}${c.range ? `:${c.range.start.line + 1}` : ''}`;
  const out: string[] = [];
  for (const s of suites) {
    if (s.cases.length === 0) continue;
    const next = 'run this suite without --batch';
    if (needsChains(s.prompt.content, s.cases)) {
      const stored = s.cases.find((c) => typeof c.options?.storeOutputAs === 'string');
      const why = stored && !promptUsesConversation(s.prompt.content) ? 'a case stores its output (storeOutputAs) for the cases after it' : 'its prompt reads _conversation, so each case waits for the answer before it';
      out.push(`${at(stored ?? s.cases[0]!)}: ${s.name}: ${why}, and a batch sends every case at once; ${next}`);
    }
    const serial = s.cases.find((c) => c.options?.runSerially === true);
    if (serial) out.push(`${at(serial)}: ${s.name}: runSerially cases run one at a time, and a batch sends every case at once; ${next}`);
  }
  return out;
}

/** How a resumed or new batch run is set up. */
export interface BatchSetup {
  state: BatchRunState;
  /** Cancel the resumed run's batches (and keep what they finished). */
  cancel: boolean;
  resumed: boolean;
}

/** `assay test --resume ID` as the user types it (with `--history` when the run used one). */
function resumeCommand(runId: string, history: string | undefined): string {
  return `assay test --resume ${runId}${history !== undefined ? ` --history ${history}` : ''}`;
}

function minutes(ms: number): string {
  if (ms < 60_000) return `${Math.max(1, Math.round(ms / 1000))} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** Prints a batch run's events: one line per change of a batch's status or counts. */
function printer(out: (line: string) => void, warn: (line: string) => void, resume: string | null): (e: BatchEvent) => void {
  const last = new Map<string, string>();
  return (e) => {
    switch (e.type) {
      case 'live':
        out(`batch: ${e.provider} has no batch API here (${e.reason}); its ${e.grader ? 'grader calls' : 'calls'} run live at the standard price`);
        break;
      case 'submitted': {
        const { batch: b } = e;
        const how = e.resumed ? 'resumed' : 'created';
        const what = b.round ? `grader batch (round ${b.round})` : 'batch';
        out(`batch: ${b.provider} ${what} ${b.id} ${how} with ${b.items} request${b.items === 1 ? '' : 's'}${resume && !e.resumed ? ` (Ctrl+C leaves it running; resume with: ${resume})` : ''}`);
        break;
      }
      case 'status': {
        const s = e.status;
        const text = `${s.status}, ${s.done}/${s.total} done${s.failed > 0 ? ` (${s.failed} failed)` : ''}`;
        if (last.get(e.batch.id) === text) break;
        last.set(e.batch.id, text);
        out(`batch ${e.batch.provider} ${e.batch.id}: ${text}${s.phase === 'running' && e.etaMs !== null ? `, about ${minutes(e.etaMs)} left` : ''}`);
        break;
      }
      case 'retrying':
        out(`batch ${e.batch.provider} ${e.batch.id}: ${e.items} failed request${e.items === 1 ? '' : 's'} retried live (standard price)`);
        break;
      case 'cancelling':
        out(`batch: cancelling ${e.batch.provider} batch ${e.batch.id}; what it finished is kept`);
        break;
      case 'detached':
        if (e.batches.length > 0 && resume) out(`batch: stopped waiting; ${e.batches.map((b) => b.id).join(', ')} keep${e.batches.length === 1 ? 's' : ''} running at the provider. Resume with: ${resume} (add --cancel to cancel)`);
        break;
      case 'problem':
        warn(`warning: batch: ${e.message}`);
        break;
    }
  };
}

export interface DispatcherDeps {
  engine: Engine;
  registry: ProviderRegistry;
  pricing: PriceBook;
  expected: number;
  signal: AbortSignal;
  store: Promise<TraceStore | null>;
  setup: BatchSetup;
  pollMaxSeconds?: number;
  liveGraders: boolean;
  /** The `--history` the user gave, for the resume command. */
  history?: string;
  out: (line: string) => void;
  warn: (line: string) => void;
}

/** The dispatcher of a batch run; its batches are stored on the run's first suite's run as they are created. */
export async function batchDispatcher(d: DispatcherDeps): Promise<BatchDispatcher> {
  const store = await d.store;
  const leadRun = d.setup.state.runIds[0]!;
  if (!store) d.warn('warning: batch: history is off, so this run cannot be resumed if it is stopped (its batches would keep running)');
  const resume = store ? resumeCommand(leadRun, d.history) : null;
  return new BatchDispatcher({
    engine: d.engine,
    registry: d.registry,
    pricing: d.pricing,
    expected: d.expected,
    signal: d.signal,
    poll: { firstDelayMs: Math.min(1_000, (d.pollMaxSeconds ?? 60) * 1000), maxDelayMs: (d.pollMaxSeconds ?? 60) * 1000 },
    ...(d.setup.resumed ? { resumed: allBatches(d.setup.state) } : {}),
    cancel: d.setup.cancel,
    graders: d.liveGraders ? 'live' : 'batch',
    persist: async (batches) => {
      if (store) await store.setRunBatch(leadRun, withBatches(d.setup.state, batches));
    },
    onEvent: printer(d.out, d.warn, resume),
  });
}
