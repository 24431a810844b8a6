// The store's worker thread (bundled to dist/storeWorker.js): owns sql.js and every file operation,
// and saves on a debounce — soon after writes stop, and at least every few seconds while they go on.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { LiveOtlpExport, LiveOtlpStats } from '../export/otlpLive';
import { loadSqlJs } from './sqlite';
import { NotHistoryError, StoreEngine } from './storeEngine';
import type { FromWorker, StoreEvent, ToWorker } from './storeProtocol';
import type { SaveResult, StoreOptions } from './storeTypes';

function requirePort(): MessagePort {
  if (!parentPort) throw new Error('storeWorker must run in a worker thread');
  return parentPort;
}
const port = requirePort();

const post = (m: FromWorker) => port.postMessage(m);
const emit = (e: StoreEvent) => post({ kind: 'event', ...e });

/**
 * Debounced saves: `debounceMs` after the last write, or `maxDelayMs` after the first unsaved one. While
 * writes keep coming, a save is at least SAVE_SPACING times its own last duration apart: a save exports
 * and writes the whole file, so a large history saved every few seconds would spend the worker's time
 * (and memory, a copy of the file each) on saving. Unsaved rows are in the crash journal meanwhile.
 */
const SAVE_SPACING = 20;

class SaveScheduler {
  private firstDirtyAt = 0;
  private lastWriteAt = 0;
  private lastSaveMs = 0;
  /** The last failure reported, so a retry that fails the same way stays quiet. */
  private lastError: string | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly engine: StoreEngine,
    private readonly debounceMs: number,
    private readonly maxDelayMs: number,
  ) {}

  noteWrite(): void {
    const now = Date.now();
    if (!this.firstDirtyAt) this.firstDirtyAt = now;
    this.lastWriteAt = now;
    this.schedule();
  }

  private schedule(): void {
    if (this.timer) return;
    const due = Math.min(this.lastWriteAt + this.debounceMs, this.firstDirtyAt + this.maxDelay());
    this.timer = setTimeout(() => this.tick(), Math.max(0, due - Date.now()));
  }

  private tick(): void {
    this.timer = undefined;
    const now = Date.now();
    if (now - this.lastWriteAt >= this.debounceMs || now - this.firstDirtyAt >= this.maxDelay()) this.saveNow();
    else this.schedule();
  }

  private maxDelay(): number {
    return Math.max(this.maxDelayMs, SAVE_SPACING * this.lastSaveMs);
  }

  /** Saves at once (flush, close) and reports the outcome; a failed save is retried later. */
  saveNow(save: () => SaveResult = () => this.engine.save()): SaveResult {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    let result: SaveResult;
    try {
      result = save();
    } catch (err) {
      // A bug, not a disk problem (those are results): reported, and the worker lives on.
      result = { saved: false, merged: false, error: `saving the history failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}` };
    }
    this.firstDirtyAt = 0;
    if (result.saved) {
      this.lastSaveMs = result.ms ?? 0;
      emit({ event: 'saved', result });
    }
    if (result.error && result.error !== this.lastError) emit({ event: 'problem', message: result.error });
    this.lastError = result.error;
    if (this.engine.dirty && this.engine.canSave) {
      // Retry after the longer delay rather than hammering a locked or full disk.
      this.firstDirtyAt = Date.now();
      this.lastWriteAt = Date.now();
      this.schedule();
    }
    return result;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** Forces the crash journal to disk a little after writes, batching many writes into one fdatasync. */
class JournalSyncer {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly engine: StoreEngine,
    private readonly delayMs: number,
  ) {}

  noteWrite(): void {
    if (this.timer || !this.engine.journalNeedsSync) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.engine.syncJournal();
    }, this.delayMs);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

function exportSummary(stats: LiveOtlpStats, queueDir: string): string {
  const parts = [`${stats.sent} spans sent`];
  if (stats.queued > 0) parts.push(`${stats.queued} queued in ${queueDir} for the next run`);
  if (stats.dropped > 0) parts.push(`${stats.dropped} dropped (queue full)`);
  return `OpenTelemetry export: ${parts.join(', ')}`;
}

async function main(): Promise<void> {
  const options = (workerData as { options: StoreOptions }).options;
  let engine: StoreEngine;
  try {
    const SQL = await loadSqlJs();
    engine = StoreEngine.open(SQL, options, emit);
    if (!engine.report.readOnlyReason) engine.warmUp();
  } catch (err) {
    post({ kind: 'fatal', message: err instanceof Error ? err.message : String(err), notHistory: err instanceof NotHistoryError });
    return;
  }
  // Loaded only when asked for: the OpenTelemetry exporter costs a few hundred ms of start-up.
  let live: LiveOtlpExport | undefined;
  if (options.otlp) {
    // `require`, not `import()`: it stays lazy in the bundle and also runs from sources (tsx's CommonJS hook).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { LiveOtlpExport } = require('../export/otlpLive') as typeof import('../export/otlpLive');
    live = new LiveOtlpExport(options.otlp, (n) => emit({ event: 'exportNotice', ...n }));
  }
  engine.exportSink = live;
  const scheduler = new SaveScheduler(engine, options.saveDebounceMs ?? 1_000, options.maxSaveDelayMs ?? 5_000);
  const syncer = new JournalSyncer(engine, options.journalSyncMs ?? 200);
  let closed = false;

  port.on('message', (msg: ToWorker) => {
    if (closed) {
      post({ kind: 'result', id: msg.id, ok: false, error: 'the history store is closed' });
      return;
    }
    try {
      if (msg.kind === 'writes') {
        const result = engine.applyWrites(msg.ops);
        if (result.some((r) => r === null)) {
          scheduler.noteWrite();
          syncer.noteWrite();
        }
        post({ kind: 'result', id: msg.id, ok: true, result });
        return;
      }
      let result: unknown;
      switch (msg.method) {
        case 'flush':
          result = scheduler.saveNow();
          break;
        case 'close':
          scheduler.stop();
          syncer.stop();
          result = scheduler.saveNow(() => engine.close());
          scheduler.stop();
          closed = true;
          if (live) {
            // The history is saved; the spans still to send get a bounded moment, the rest wait on disk.
            const saved = result;
            void live.close().then((stats) => {
              emit({ event: 'exportNotice', level: 'info', message: exportSummary(stats, options.otlp!.queueDir), stats });
              post({ kind: 'result', id: msg.id, ok: true, result: saved });
            });
            return;
          }
          break;
        case 'deleteTraces':
          result = engine.deleteTraces(...msg.args);
          if ((result as number) > 0) {
            scheduler.noteWrite();
            syncer.noteWrite();
          }
          break;
        default: {
          const fn = engine[msg.method] as (...a: unknown[]) => unknown;
          result = fn.apply(engine, msg.args);
        }
      }
      post({ kind: 'result', id: msg.id, ok: true, result });
    } catch (err) {
      post({ kind: 'result', id: msg.id, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    }
  });
  post({ kind: 'ready', report: engine.report });
}

void main();
