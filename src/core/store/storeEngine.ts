// The history store itself, synchronous, inside the worker: sql.js in memory, the file as persistence.
// Saving merges: under a lock file, if another writer changed the file since we last read or wrote it,
// its database becomes ours and our pending rows (and deletions) are re-applied to it before writing.
import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { createRedactor, type Redactor } from '../redact';
import { acquireLock, pidAlive, sleepSync, type HeldLock } from './fileLock';
import { classifyHeader, ensureHistoryDir } from './historyLocation';
import { promptVersionId } from './ids';
import { BlobHasher, externalizeImages, type BlobRow } from './blobs';
import { BASE_TABLES, SCHEMA_VERSION, TABLES, configureConnection, migrate, type TableName } from './schema';
import { Db, type SqlJsStatic, type SqlValue } from './sqlite';
import type { StoreCalls, StoreEvent, WriteOp } from './storeProtocol';
import { deadJournals, encodeRecord, readJournal, safeHost, StoreJournal, type JournalRow } from './storeJournal';
import { importRows } from './storeImport';
import * as queries from './storeQueries';
import type {
  EvaluationInput,
  EvaluationRecord,
  ExportResult,
  FeedbackInput,
  ImportOptions,
  ImportResult,
  OpenReport,
  Page,
  PageRequest,
  PromptVersionInput,
  PromptVersionRecord,
  RunFilter,
  RunFinish,
  RunInput,
  RunRecord,
  RunSummary,
  SaveResult,
  StoreOptions,
  StoreStats,
  TimeSeriesPoint,
  LabeledVerdict,
  TimeSeriesQuery,
  TraceFilter,
  TraceInput,
  TraceRecord,
  TraceSummary,
} from './storeTypes';

const ROWS_PER_TX = 500;

/** A trace's fields as the redactor left them (what the history keeps). */
interface RedactedTrace {
  variables: unknown;
  text: string;
  toolCalls: TraceInput['toolCalls'];
  request: unknown;
  response: unknown;
  errorMessage: string | undefined;
  promptPath: string | null | undefined;
  caseId: string | null | undefined;
}

/** The record of a trace as stored (redacted; images as blob references), for the live export. */
function storedRecord(input: TraceInput & { id: string }, t: RedactedTrace, row: SqlValue[]): TraceRecord {
  return {
    id: input.id,
    model: input.model,
    text: t.text,
    toolCalls: Array.isArray(t.toolCalls) ? t.toolCalls : [],
    finishReason: input.finishReason ?? null,
    usage: input.usage ?? null,
    cost: input.cost ?? null,
    latencyMs: input.latencyMs ?? 0,
    ttftMs: input.ttftMs ?? null,
    request: t.request,
    response: t.response,
    ...(input.error ? { error: { ...input.error, message: t.errorMessage ?? '' } } : {}),
    cacheHit: input.cacheHit === true,
    ...(input.attempts !== undefined ? { attempts: input.attempts } : {}),
    runId: input.runId ?? null,
    promptVersionId: input.promptVersionId ?? null,
    promptPath: t.promptPath ?? null,
    caseId: t.caseId ?? null,
    repeatIndex: row[5] as number,
    parentId: row[29] as string | null,
    step: row[30] as number | null,
    variables: (t.variables ?? null) as Record<string, unknown> | null,
    status: input.error ? 'error' : 'ok',
    startedAt: row[26] as number,
    endedAt: row[27] as number,
    evaluations: [],
    feedback: null,
  };
}

/** An evaluation row (see addEvaluations) as a record. */
function evaluationRecord(row: SqlValue[]): EvaluationRecord {
  return {
    id: row[0] as string,
    traceId: row[1] as string,
    caseId: row[2] as string | null,
    assertionType: row[3] as string,
    pass: row[4] === 1,
    score: row[5] as number | null,
    reason: row[6] as string | null,
    metric: row[7] as string | null,
    weight: row[8] as number,
    createdAt: row[9] as number,
  };
}
const RUN_KINDS = new Set(['playground', 'test', 'replay', 'cli']);
const RUN_END_STATUSES = new Set(['done', 'cancelled', 'failed']);
const ERROR_KINDS = new Set(['auth', 'rate_limit', 'timeout', 'network', 'bad_request', 'not_found', 'server', 'cancelled', 'malformed']);

/** Tables whose new rows wait for the next save (`traces` stands for its payload and image-link rows too). */
type PendingTable = Exclude<TableName, 'trace_payloads' | 'trace_blobs'>;

const PRIMARY_KEY: Record<TableName, string> = {
  prompt_versions: 'id',
  runs: 'id',
  traces: 'id',
  trace_payloads: 'trace_id',
  trace_blobs: 'trace_id',
  blobs: 'hash',
  evaluations: 'id',
  feedback: 'id',
};

const INSERT_TRACE = `INSERT OR IGNORE INTO traces (id, run_id, prompt_version_id, prompt_path, case_id, repeat_index, provider, model, variables,
              output, tool_calls, finish_reason, input_tokens, output_tokens, cached_tokens, cache_write_tokens, reasoning_tokens, cost,
              latency_ms, ttft_ms, status, error_kind, error_message, error_status, cache_hit, attempts, started_at, ended_at, bytes, parent_id, step)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** Columns of journaled rows, in the order the write methods insert them. */
const JOURNAL_COLUMNS: Record<TableName, string> = {
  prompt_versions: 'id, path, content, first_seen',
  runs: 'id, kind, prompt_path, prompt_version_id, bank_path, models, config, status, summary, started_at, ended_at, batch_state',
  traces: `id, run_id, prompt_version_id, prompt_path, case_id, repeat_index, provider, model, variables,
    output, tool_calls, finish_reason, input_tokens, output_tokens, cached_tokens, cache_write_tokens, reasoning_tokens, cost,
    latency_ms, ttft_ms, status, error_kind, error_message, error_status, cache_hit, attempts, started_at, ended_at, bytes, parent_id, step`,
  trace_payloads: 'trace_id, payload',
  blobs: 'hash, media_type, data, bytes, first_seen',
  trace_blobs: 'trace_id, hash',
  evaluations: 'id, trace_id, case_id, assertion_type, pass, score, reason, metric, weight, created_at',
  feedback: 'id, trace_id, rating, note, created_at',
};

/** Raised by input checks: the op is refused with this message, nothing is written. */
class InputError extends Error {}

function chunks<T>(items: T[], size = ROWS_PER_TX): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function isIdString(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= 128;
}

function optionalString(v: unknown, what: string): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw new InputError(`${what} must be a string`);
  return v;
}

function finiteOrNull(v: unknown, what: string): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new InputError(`${what} must be a finite number`);
  return v;
}

function jsonText(v: unknown, what: string): string | null {
  if (v === undefined) return null;
  try {
    return JSON.stringify(v) ?? null;
  } catch (err) {
    throw new InputError(`${what} is not JSON-serialisable: ${message(err)}`);
  }
}

/** Request and response in one raw-deflated JSON blob (one zlib call per trace, not two). */
function compressPayload(request: unknown, response: unknown): Uint8Array {
  const text = jsonText({ request, response }, 'request/response');
  const bytes = Buffer.from(text ?? '{}', 'utf8');
  return deflateRawSync(bytes, deflateOptionsFor(bytes.byteLength));
}

/**
 * zlib's window and hash table sized to the input: zlib's defaults (a 32 KB window, memLevel 8) allocate and
 * clear ~260 KB for every call, most of a small payload's cost. A window at least as long as the input (plus
 * zlib's 262-byte lookahead) finds the same matches; inflating with the default window reads every size.
 */
export function deflateOptionsFor(length: number): { windowBits: number; memLevel: number } {
  const windowBits = Math.min(15, Math.max(9, Math.ceil(Math.log2(length + 262))));
  return { windowBits, memLevel: Math.min(8, windowBits - 6) };
}

/** Identity of the file at `path` (a save renames a new file in, so the inode changes), or null. */
function fingerprintOf(st: { dev: bigint; ino: bigint; size: bigint; mtimeNs: bigint }): string {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}`;
}

function statFingerprint(path: string): string | null {
  try {
    return fingerprintOf(statSync(path, { bigint: true }));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** The whole file and its fingerprint, read through one descriptor; null when it does not exist. */
function readFile(path: string): { bytes: Uint8Array; fingerprint: string } | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    const st = fstatSync(fd, { bigint: true });
    const bytes = Buffer.allocUnsafe(Number(st.size));
    let off = 0;
    while (off < bytes.length) {
      const n = readSync(fd, bytes, off, bytes.length - off, off);
      if (n === 0) break;
      off += n;
    }
    return { bytes: bytes.subarray(0, off), fingerprint: fingerprintOf(st) };
  } finally {
    closeSync(fd);
  }
}

/** Raised when the file at the history path is not an Assay history: it is refused, never renamed or overwritten. */
export class NotHistoryError extends Error {}

/** A file-system error in words a user acts on. */
export function fsReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOSPC':
      return 'the disk is full';
    case 'EDQUOT':
      return 'the disk quota is used up';
    case 'EROFS':
      return 'the file system is read-only';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EIO':
      return 'an input/output error';
    default:
      return message(err);
  }
}

type Opened = { ok: true; db: Db; from: number } | { ok: false; reason: string; newer: boolean; foreign?: boolean };

/** Opens database bytes, checks them and migrates them to the current schema. */
function openBytes(SQL: SqlJsStatic, bytes: Uint8Array, fullCheck: boolean): Opened {
  let db: Db;
  try {
    db = new Db(new SQL.Database(bytes));
  } catch (err) {
    return { ok: false, reason: message(err), newer: false };
  }
  try {
    configureConnection(db);
    if (fullCheck) {
      const check = String(db.scalar('PRAGMA quick_check'));
      if (check !== 'ok') throw new Error(`integrity check failed: ${check.replace(/\s+/g, ' ').replace(/^\*\*\* in database main \*\*\* /, '')}`);
    } else {
      // Reading the schema is enough to reject a file that is not a database at all.
      db.scalar('SELECT count(*) FROM sqlite_master');
    }
    const version = db.userVersion();
    if (version > SCHEMA_VERSION) {
      db.close();
      return { ok: false, reason: `it was written by a newer version of Assay (schema ${version}, this one knows ${SCHEMA_VERSION})`, newer: true };
    }
    const tables = new Set(db.values("SELECT name FROM sqlite_master WHERE type = 'table'").map((r) => r[0] as string));
    if (version === 0 || !BASE_TABLES.every((t) => tables.has(t))) {
      db.close();
      return { ok: false, reason: "it is a SQLite database without Assay's schema", newer: false, foreign: true };
    }
    return { ok: true, db, from: migrate(db) };
  } catch (err) {
    db.close();
    return { ok: false, reason: message(err), newer: false };
  }
}

function freshDb(SQL: SqlJsStatic): Db {
  const db = new Db(new SQL.Database());
  configureConnection(db);
  migrate(db);
  return db;
}

export class StoreEngine implements StoreCalls {
  private db: Db;
  private readonly pending = new Map<PendingTable, Set<string>>([
    ['prompt_versions', new Set()],
    ['runs', new Set()],
    ['traces', new Set()],
    ['blobs', new Set()],
    ['evaluations', new Set()],
    ['feedback', new Set()],
  ]);
  private readonly pendingDeletes = new Set<string>();
  /** The on-disk file as we last read or wrote it. */
  private fingerprint: string | null = null;
  private lastSavedAt: number | null = null;
  private readOnlyReason: string | undefined;
  private lastRefreshCheck = Date.now();
  private redactor: Redactor;
  /** Live export (OpenTelemetry): hears every trace and evaluation as stored, redacted, in this thread. */
  exportSink: { add(trace: TraceRecord): void; addEvaluations(evaluations: EvaluationRecord[]): void } | undefined;
  private readonly hasher = new BlobHasher();
  private readonly lockPath: string;
  readonly report: OpenReport;
  /** Null when this store saves nothing (read-only) or the journal is turned off. */
  private readonly journal: StoreJournal | null;
  /** Rows of the write batch being applied, journaled as one record at its end. */
  private journalRows: JournalRow[] = [];
  /** Why the journal stopped (a full disk…); reported once, retried after the next good save. */
  private journalError: string | undefined;
  /** Runs this store started and has not finished: a journal left by a crash marks them `interrupted`. */
  private readonly openRuns = new Set<string>();
  /** Dead processes' journals replayed into this store, deleted after the next successful save. */
  private adoptedJournals: string[] = [];

  private constructor(
    private readonly SQL: SqlJsStatic,
    private readonly options: StoreOptions,
    private readonly emit: (e: StoreEvent) => void,
  ) {
    this.redactor = createRedactor({ patterns: options.redactPatterns ?? [], secrets: options.redactSecrets ?? [] });
    this.lockPath = `${options.path}.lock`;
    this.report = { path: options.path, schemaVersion: SCHEMA_VERSION };
    this.db = this.load();
    this.journal = this.readOnlyReason || options.journal === false ? null : new StoreJournal(options.path);
    if (!this.readOnlyReason) this.replayDeadJournals();
  }

  static open(SQL: SqlJsStatic, options: StoreOptions, emit: (e: StoreEvent) => void): StoreEngine {
    return new StoreEngine(SQL, options, emit);
  }

  private get path(): string {
    return this.options.path;
  }

  // ---- opening ------------------------------------------------------------------------------------

  private load(): Db {
    this.removeDeadTempFiles();
    let disk: ReturnType<typeof readFile>;
    try {
      disk = readFile(this.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EISDIR') throw new NotHistoryError(`${this.path} is a folder, not a history file; choose a file path (assay.history.path, --history).`);
      this.readOnlyReason = `cannot read ${this.path}: ${fsReason(err)}; history is kept in memory only.`;
      this.report.readOnlyReason = this.readOnlyReason;
      return freshDb(this.SQL);
    }
    if (!disk || disk.bytes.length === 0) {
      this.fingerprint = disk?.fingerprint ?? null;
      return freshDb(this.SQL);
    }
    const header = classifyHeader(disk.bytes);
    if (header.kind === 'foreign') throw this.notHistory(header.reason);
    const opened = openBytes(this.SQL, disk.bytes, true);
    if (!opened.ok && opened.foreign) throw this.notHistory(opened.reason);
    if (opened.ok) {
      this.fingerprint = disk.fingerprint;
      if (opened.from < SCHEMA_VERSION) this.report.migratedFrom = opened.from;
      return opened.db;
    }
    if (opened.newer) {
      this.readOnlyReason = `${this.path} was written by a newer version of Assay; history is kept in memory only until Assay is updated (${opened.reason}).`;
      this.report.readOnlyReason = this.readOnlyReason;
      return freshDb(this.SQL);
    }
    const movedTo = this.moveAsideIfUnchanged(disk.fingerprint);
    if (movedTo) {
      const msg = `The history file ${this.path} could not be opened (${opened.reason}). It was moved to ${movedTo} and a fresh history was started.`;
      this.report.recovered = { movedTo, reason: opened.reason, message: msg };
      this.fingerprint = null;
    } else {
      // Someone replaced it while we looked (then it is theirs and fine) or we could not move it.
      return this.retryLoadOnce(opened.reason);
    }
    return freshDb(this.SQL);
  }

  private notHistory(reason: string): NotHistoryError {
    return new NotHistoryError(`${this.path} is not an Assay history (${reason}). It was left untouched; choose another history path (assay.history.path, --history) or move the file away.`);
  }

  private retryLoadOnce(reason: string): Db {
    let disk: ReturnType<typeof readFile> = null;
    try {
      disk = readFile(this.path);
    } catch {
      // Reported below as not movable.
    }
    if (disk && disk.bytes.length > 0) {
      const again = openBytes(this.SQL, disk.bytes, true);
      if (again.ok) {
        this.fingerprint = disk.fingerprint;
        return again.db;
      }
    }
    this.readOnlyReason = `The history file ${this.path} could not be opened (${reason}) and could not be moved aside; history is kept in memory only.`;
    this.report.readOnlyReason = this.readOnlyReason;
    return freshDb(this.SQL);
  }

  /** Renames a corrupt file to `history.sqlite.corrupt-<time>` under the lock; returns the new path. */
  private moveAsideIfUnchanged(seen: string): string | null {
    let lock: ReturnType<typeof acquireLock>;
    try {
      lock = acquireLock(this.lockPath, this.lockOptions());
    } catch {
      return null;
    }
    if (!lock) return null;
    try {
      if (statFingerprint(this.path) !== seen) return null;
      return this.moveAside();
    } catch {
      return null;
    } finally {
      lock.release();
    }
  }

  private moveAside(): string {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    let target = `${this.path}.corrupt-${stamp}`;
    for (let i = 1; existsSync(target); i++) target = `${this.path}.corrupt-${stamp}-${i}`;
    renameSync(this.path, target);
    return target;
  }

  /** Temp files left by a save that was killed (their process is gone). */
  private removeDeadTempFiles(): void {
    const dir = dirname(this.path);
    const prefix = `${basename(this.path)}.tmp-`;
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (!name.startsWith(prefix)) continue;
      const [host, pidText] = name.slice(prefix.length).split('-');
      const pid = Number(pidText);
      if (host !== safeHost() || !Number.isInteger(pid) || pid === process.pid || pidAlive(pid)) continue;
      try {
        unlinkSync(join(dir, name));
      } catch {
        // Another process cleaned it up.
      }
    }
  }

  /**
   * Applies the journals of processes that died before saving, marks the runs they left open
   * `interrupted`, and saves at once so the rows are in the file; the journals go once a save holds them.
   */
  private replayDeadJournals(): void {
    const found = deadJournals(this.path, this.journal?.path ?? '');
    if (found.length === 0) return;
    let rows = 0;
    const interrupted = new Set<string>();
    for (const path of found) {
      const j = readJournal(path);
      if (!j) continue;
      this.adoptedJournals.push(path);
      let lastOpen: string[] = [];
      for (const r of j.records) {
        if (r.t === 'rows') {
          for (const row of r.rows) this.applyRow(row);
          rows += r.rows.length;
          for (const [table, , values] of r.rows) if (table === 'runs' && values[7] === 'running') interrupted.add(values[0] as string);
        } else if (r.t === 'del') {
          this.deleteTracesIn(this.db, r.ids);
          for (const id of r.ids) {
            this.pending.get('traces')!.delete(id);
            this.pendingDeletes.add(id);
          }
        } else {
          lastOpen = r.runs;
        }
      }
      for (const id of lastOpen) interrupted.add(id);
    }
    for (const id of interrupted) {
      this.db.run("UPDATE runs SET status = 'interrupted', ended_at = coalesce(ended_at, (SELECT max(ended_at) FROM traces WHERE run_id = ?), started_at) WHERE id = ? AND status = 'running'", [id, id]);
      if (this.db.changes() > 0) this.markPending('runs', id);
    }
    this.report.replayed = { journals: this.adoptedJournals.length, rows, interruptedRuns: [...interrupted] };
    if (this.dirty) {
      const saved = this.save();
      if (saved.error) this.report.replayed.saveError = saved.error;
    } else {
      this.dropAdoptedJournals();
    }
  }

  /** Re-applies one journaled row (idempotent: a row already there is kept, a run row replaced). */
  private applyRow([table, mode, values]: JournalRow): void {
    if (!(TABLES as readonly string[]).includes(table) || (mode !== 'IGNORE' && mode !== 'REPLACE') || !Array.isArray(values)) return;
    const marks = values.map(() => '?').join(', ');
    // Columns only ever get appended: a row journaled by an older schema fills the leading ones.
    const columns = JOURNAL_COLUMNS[table].split(',').slice(0, values.length).join(',');
    try {
      this.db.run(`INSERT OR ${mode} INTO ${table} (${columns}) VALUES (${marks})`, values);
    } catch {
      // A row from another schema version or a damaged line: skipped, the rest still count.
      return;
    }
    if (table !== 'trace_payloads' && table !== 'trace_blobs') this.markPending(table, values[0] as string);
  }

  private dropAdoptedJournals(): void {
    for (const path of this.adoptedJournals.splice(0)) {
      try {
        unlinkSync(path);
      } catch {
        // Another store replayed and removed it too.
      }
    }
  }

  /** Journals the current batch's rows; a failure is reported once and the rows wait for the next save. */
  private writeJournal(record: Parameters<StoreJournal['append']>[0] | null): void {
    const rows = this.journalRows;
    this.journalRows = [];
    if (!this.journal || this.journalError) return;
    const rec = record ?? (rows.length > 0 ? { t: 'rows' as const, rows } : null);
    if (!rec) return;
    try {
      this.journal.append(rec);
    } catch (err) {
      this.journalError = `cannot write the crash journal ${this.journal.path}: ${fsReason(err)}; until the next save, a crash would lose the latest calls`;
      this.emit({ event: 'problem', message: this.journalError });
    }
  }

  /** Forces journaled rows to disk (the worker calls this shortly after writes). */
  syncJournal(): void {
    if (!this.journal || this.journalError) return;
    try {
      this.journal.sync();
    } catch (err) {
      this.journalError = `cannot write the crash journal ${this.journal.path}: ${fsReason(err)}; until the next save, a crash would lose the latest calls`;
      this.emit({ event: 'problem', message: this.journalError });
    }
  }

  /** Whether journaled rows wait for `syncJournal`. */
  get journalNeedsSync(): boolean {
    return this.journal?.needsSync === true && !this.journalError;
  }

  /** After a save holds every row: the journal starts over (and a journal that failed gets another try). */
  private resetJournal(): void {
    this.dropAdoptedJournals();
    if (!this.journal) return;
    try {
      this.journal.reset([...this.openRuns]);
      this.journalError = undefined;
    } catch (err) {
      const reason = `cannot write the crash journal ${this.journal.path}: ${fsReason(err)}; until the next save, a crash would lose the latest calls`;
      if (reason !== this.journalError) this.emit({ event: 'problem', message: reason });
      this.journalError = reason;
    }
  }

  private lockOptions() {
    return { staleMs: this.options.lockStaleMs ?? 30_000, timeoutMs: this.options.lockTimeoutMs ?? 15_000 };
  }

  // ---- writes -------------------------------------------------------------------------------------

  /** Applies a batch of write ops; returns an error message (or null) per op. */
  applyWrites(ops: WriteOp[]): (string | null)[] {
    const results: (string | null)[] = [];
    const runIds = new Set<string>();
    let traces = 0;
    for (const op of ops) {
      try {
        switch (op.op) {
          case 'addPromptVersions':
            this.addPromptVersions(...op.args);
            break;
          case 'startRun':
            this.startRun(...op.args);
            break;
          case 'finishRun':
            this.finishRun(...op.args);
            break;
          case 'addTraces': {
            const added = this.addTraces(...op.args);
            traces += added.length;
            for (const t of added) if (t.runId) runIds.add(t.runId);
            break;
          }
          case 'addEvaluations':
            this.addEvaluations(...op.args);
            break;
          case 'setFeedback':
            this.setFeedback(...op.args);
            break;
          case 'setRunBatch':
            this.setRunBatch(...op.args);
            break;
          default:
            throw new InputError(`unknown write op '${(op as { op: string }).op}'`);
        }
        results.push(null);
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        results.push(err.message);
      }
    }
    // Before the caller hears "written": from here on a crash of this process loses none of these rows.
    this.writeJournal(null);
    if (traces > 0) this.emit({ event: 'tracesAdded', count: traces, runIds: [...runIds] });
    return results;
  }

  private markPending(table: PendingTable, id: string): void {
    this.pending.get(table)!.add(id);
  }

  addPromptVersions(versions: PromptVersionInput[]): void {
    if (!Array.isArray(versions)) throw new InputError('prompt versions must be an array');
    const rows = versions.map((v) => {
      if (!v || typeof v.path !== 'string' || typeof v.content !== 'string') throw new InputError('a prompt version needs a path and content (strings)');
      return [promptVersionId(v.content), this.redactor.text(v.path), this.redactor.text(v.content), Date.now()] as SqlValue[];
    });
    for (const chunk of chunks(rows)) {
      this.db.transaction(() => {
        for (const row of chunk) {
          this.db.run('INSERT OR IGNORE INTO prompt_versions (id, path, content, first_seen) VALUES (?, ?, ?, ?)', row);
          if (this.db.changes() > 0) {
            this.markPending('prompt_versions', row[0] as string);
            this.journalRows.push(['prompt_versions', 'IGNORE', row]);
          }
        }
      });
    }
  }

  startRun(run: RunInput & { id: string }): void {
    if (!run || !isIdString(run.id)) throw new InputError('a run needs an id');
    if (!RUN_KINDS.has(run.kind)) throw new InputError(`run kind must be playground, test, replay or cli (got '${String(run.kind)}')`);
    if (!Array.isArray(run.models) || !run.models.every((m) => typeof m === 'string')) throw new InputError('run models must be an array of provider:model strings');
    const r = this.redactor.value({ config: run.config, promptPath: run.promptPath, bankPath: run.bankPath });
    this.db.run(
      // A run started again under its id (a resumed batch run) keeps its batch state and origin.
      `INSERT INTO runs (id, kind, prompt_path, prompt_version_id, bank_path, models, config, status, summary, started_at, ended_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'running', NULL, ?, NULL)
       ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, prompt_path = excluded.prompt_path, prompt_version_id = excluded.prompt_version_id,
         bank_path = excluded.bank_path, models = excluded.models, config = excluded.config, status = 'running', summary = NULL,
         started_at = excluded.started_at, ended_at = NULL`,
      [
        run.id,
        run.kind,
        optionalString(r.promptPath, 'promptPath'),
        optionalString(run.promptVersionId, 'promptVersionId'),
        optionalString(r.bankPath, 'bankPath'),
        JSON.stringify(run.models),
        jsonText(r.config, 'run config'),
        Math.round(finiteOrNull(run.startedAt, 'startedAt') ?? Date.now()),
      ],
    );
    this.markPending('runs', run.id);
    this.openRuns.add(run.id);
    this.journalRun(run.id);
  }

  private journalRun(id: string): void {
    const row = this.db.values(`SELECT ${JOURNAL_COLUMNS.runs} FROM runs WHERE id = ?`, [id])[0];
    if (row) this.journalRows.push(['runs', 'REPLACE', row]);
  }

  finishRun(runId: string, finish: RunFinish = {}): void {
    const status = finish.status ?? 'done';
    if (!RUN_END_STATUSES.has(status)) throw new InputError(`run status must be done, cancelled or failed (got '${String(status)}')`);
    this.db.run('UPDATE runs SET status = ?, summary = ?, ended_at = ? WHERE id = ?', [
      status,
      jsonText(this.redactor.value(finish.summary), 'run summary'),
      Math.round(finiteOrNull(finish.endedAt, 'endedAt') ?? Date.now()),
      runId,
    ]);
    if (this.db.changes() === 0) throw new InputError(`no run '${runId}'`);
    this.markPending('runs', runId);
    this.openRuns.delete(runId);
    this.journalRun(runId);
  }

  /** Stores a batch run's provider batches (see src/core/batch/batchState.ts) on its run. */
  setRunBatch(runId: string, state: unknown): void {
    this.db.run('UPDATE runs SET batch_state = ? WHERE id = ?', [jsonText(this.redactor.value(state), 'batch state'), runId]);
    if (this.db.changes() === 0) throw new InputError(`no run '${runId}'`);
    this.markPending('runs', runId);
    this.journalRun(runId);
  }

  /** A run's batch state as `setRunBatch` stored it, or null (no such run, or not a batch run). */
  runBatch(runId: string): unknown {
    const text = this.db.scalar('SELECT batch_state FROM runs WHERE id = ?', [runId]);
    return typeof text === 'string' ? (JSON.parse(text) as unknown) : null;
  }

  private traceRow(input: TraceInput & { id: string }): { trace: SqlValue[]; payload: SqlValue[]; blobs: BlobRow[]; redacted: RedactedTrace } {
    if (!input || typeof input !== 'object') throw new InputError('a trace must be an object');
    if (!isIdString(input.id)) throw new InputError('a trace needs an id');
    if (!input.model || typeof input.model.provider !== 'string' || typeof input.model.model !== 'string') throw new InputError(`trace ${input.id}: model must be {provider, model}`);
    if (typeof input.text !== 'string') throw new InputError(`trace ${input.id}: text must be a string`);
    const startedAt = finiteOrNull(input.startedAt, 'startedAt');
    if (startedAt === null) throw new InputError(`trace ${input.id}: startedAt (ms since the epoch) is required`);
    const latencyMs = finiteOrNull(input.latencyMs, 'latencyMs') ?? 0;
    if (input.error && !ERROR_KINDS.has(input.error.kind)) throw new InputError(`trace ${input.id}: unknown error kind '${String(input.error.kind)}'`);
    // Images leave first: stored once by hash, and never scanned by the redactor (they are not text).
    const found = new Map<string, BlobRow>();
    const t = this.redactor.value({
      variables: externalizeImages(input.variables, this.hasher, found),
      text: input.text,
      toolCalls: input.toolCalls,
      request: externalizeImages(input.request, this.hasher, found),
      response: input.response,
      errorMessage: input.error?.message,
      promptPath: input.promptPath,
      caseId: input.caseId,
    });
    const payload = compressPayload(t.request, t.response);
    const variables = jsonText(t.variables ?? undefined, 'variables');
    const toolCalls = Array.isArray(t.toolCalls) && t.toolCalls.length > 0 ? jsonText(t.toolCalls, 'toolCalls') : null;
    const u = input.usage;
    const bytes = 300 + payload.length + t.text.length + (variables?.length ?? 0) + (toolCalls?.length ?? 0);
    return {
      trace: [
        input.id,
        optionalString(input.runId, 'runId'),
        optionalString(input.promptVersionId, 'promptVersionId'),
        optionalString(t.promptPath, 'promptPath'),
        optionalString(t.caseId, 'caseId'),
        Math.max(0, Math.floor(finiteOrNull(input.repeatIndex, 'repeatIndex') ?? 0)),
        input.model.provider,
        input.model.model,
        variables,
        t.text,
        toolCalls,
        optionalString(input.finishReason, 'finishReason'),
        u ? finiteOrNull(u.inputTokens, 'usage.inputTokens') ?? 0 : null,
        u ? finiteOrNull(u.outputTokens, 'usage.outputTokens') ?? 0 : null,
        u ? finiteOrNull(u.cachedInputTokens, 'usage.cachedInputTokens') ?? 0 : null,
        u ? finiteOrNull(u.cacheWriteTokens, 'usage.cacheWriteTokens') ?? 0 : null,
        u ? finiteOrNull(u.reasoningTokens, 'usage.reasoningTokens') ?? 0 : null,
        finiteOrNull(input.cost, 'cost'),
        latencyMs,
        finiteOrNull(input.ttftMs, 'ttftMs'),
        input.error ? 'error' : 'ok',
        input.error ? input.error.kind : null,
        input.error ? (t.errorMessage ?? '') : null,
        input.error ? finiteOrNull(input.error.status, 'error.status') : null,
        input.cacheHit ? 1 : 0,
        finiteOrNull((input as { attempts?: unknown }).attempts, 'attempts'),
        Math.round(startedAt),
        Math.round(finiteOrNull(input.endedAt, 'endedAt') ?? startedAt + latencyMs),
        bytes,
        optionalString(input.parentId, 'parentId'),
        input.step === undefined || input.step === null ? null : Math.max(0, Math.floor(finiteOrNull(input.step, 'step') ?? 0)),
      ],
      payload: [input.id, payload],
      blobs: [...found.values()],
      redacted: t,
    };
  }

  /** Stores an image unless it is already there, and that `traceId` refers to it. */
  private addBlob(traceId: string, row: BlobRow): void {
    const values: SqlValue[] = [row.hash, row.mediaType, row.bytes, row.bytes.length, Date.now()];
    this.db.run('INSERT OR IGNORE INTO blobs (hash, media_type, data, bytes, first_seen) VALUES (?, ?, ?, ?, ?)', values);
    if (this.db.changes() > 0) {
      this.markPending('blobs', row.hash);
      this.journalRows.push(['blobs', 'IGNORE', values]);
    }
    const link: SqlValue[] = [traceId, row.hash];
    this.db.run('INSERT OR IGNORE INTO trace_blobs (trace_id, hash) VALUES (?, ?)', link);
    this.journalRows.push(['trace_blobs', 'IGNORE', link]);
  }

  /** An image by hash (the trace detail shows images the stored request refers to), or `null`. */
  getBlob(hash: string): { mediaType: string; data: string } | null {
    const row = this.db.values('SELECT media_type, data FROM blobs WHERE hash = ?', [hash])[0];
    if (!row) return null;
    return { mediaType: row[0] as string, data: Buffer.from(row[1] as Uint8Array).toString('base64') };
  }

  /**
   * Runs the trace write path once on a throw-away row, rolled back: the first real batch then meets warm
   * code (redaction, compression, sql.js statements) instead of arriving seconds late on a busy machine.
   */
  warmUp(): void {
    const sample = { id: 'warm-up', model: { provider: 'warm', model: 'up' }, text: 'warm', toolCalls: [], finishReason: 'stop', usage: null, cost: null, latencyMs: 1, ttftMs: null, cacheHit: false, request: { messages: [{ role: 'user', content: 'warm up sk-00000000000000000000' }] }, response: { id: 'x' }, variables: { v: 'warm' }, startedAt: Date.now() } as TraceInput & { id: string };
    const { trace, payload } = this.traceRow(sample);
    encodeRecord({ t: 'rows', rows: [['traces', 'IGNORE', trace], ['trace_payloads', 'REPLACE', payload]] });
    this.db.raw.exec('BEGIN');
    try {
      this.db.run(INSERT_TRACE, trace);
      this.db.run('INSERT OR REPLACE INTO trace_payloads (trace_id, payload) VALUES (?, ?)', payload);
    } finally {
      this.db.raw.exec('ROLLBACK');
    }
  }

  /** Adds traces (ignoring ids already stored); returns the ones added. */
  addTraces(traces: (TraceInput & { id: string })[]): (TraceInput & { id: string })[] {
    if (!Array.isArray(traces)) throw new InputError('traces must be an array');
    const rows = traces.map((t, index) => ({ index, ...this.traceRow(t) }));
    const added: (TraceInput & { id: string })[] = [];
    for (const chunk of chunks(rows)) {
      this.db.transaction(() => {
        for (const { index, trace, payload, blobs, redacted } of chunk) {
          this.db.run(
            INSERT_TRACE,
            trace,
          );
          if (this.db.changes() === 0) continue;
          for (const b of blobs) this.addBlob(trace[0] as string, b);
          this.db.run('INSERT OR REPLACE INTO trace_payloads (trace_id, payload) VALUES (?, ?)', payload);
          this.markPending('traces', trace[0] as string);
          this.journalRows.push(['traces', 'IGNORE', trace], ['trace_payloads', 'REPLACE', payload]);
          added.push(traces[index]!);
          if (this.exportSink) this.exportSink.add(storedRecord(traces[index]!, redacted, trace));
        }
      });
    }
    return added;
  }

  addEvaluations(evaluations: (EvaluationInput & { id: string })[]): void {
    if (!Array.isArray(evaluations)) throw new InputError('evaluations must be an array');
    const now = Date.now();
    const rows = evaluations.map((e) => {
      if (!e || !isIdString(e.id) || !isIdString(e.traceId)) throw new InputError('an evaluation needs an id and a traceId');
      if (typeof e.assertionType !== 'string' || typeof e.pass !== 'boolean') throw new InputError(`evaluation ${e.id}: assertionType (string) and pass (boolean) are required`);
      return [
        e.id,
        e.traceId,
        optionalString(e.caseId, 'caseId'),
        e.assertionType,
        e.pass ? 1 : 0,
        finiteOrNull(e.score, 'score'),
        e.reason === undefined || e.reason === null ? null : this.redactor.text(String(e.reason)),
        optionalString(e.metric, 'metric'),
        finiteOrNull(e.weight, 'weight') ?? 1,
        now,
      ] as SqlValue[];
    });
    for (const chunk of chunks(rows)) {
      this.db.transaction(() => {
        for (const row of chunk) {
          this.db.run(
            'INSERT OR IGNORE INTO evaluations (id, trace_id, case_id, assertion_type, pass, score, reason, metric, weight, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
            row,
          );
          if (this.db.changes() > 0) {
            this.markPending('evaluations', row[0] as string);
            this.journalRows.push(['evaluations', 'IGNORE', row]);
            if (this.exportSink) this.exportSink.addEvaluations([evaluationRecord(row)]);
          }
        }
      });
    }
  }

  setFeedback(feedbackId: string, traceId: string, feedback: FeedbackInput): void {
    if (!isIdString(feedbackId)) throw new InputError('feedback needs an id');
    if (!feedback || ![1, -1, 0].includes(feedback.rating)) throw new InputError('rating must be 1 (👍), -1 (👎) or 0 (none)');
    if (this.db.scalar('SELECT 1 FROM traces WHERE id = ?', [traceId]) === null) throw new InputError(`no trace '${traceId}'`);
    const note = optionalString(feedback.note, 'note');
    const row: SqlValue[] = [feedbackId, traceId, feedback.rating, note === null ? null : this.redactor.text(note), Date.now()];
    this.db.run('INSERT OR IGNORE INTO feedback (id, trace_id, rating, note, created_at) VALUES (?, ?, ?, ?, ?)', row);
    this.markPending('feedback', feedbackId);
    this.journalRows.push(['feedback', 'IGNORE', row]);
  }

  /** Deletes traces with their payloads, evaluations and feedback. */
  private deleteTracesIn(db: Db, ids: string[]): number {
    let n = 0;
    for (const chunk of chunks(ids)) {
      const json = JSON.stringify(chunk);
      db.transaction(() => {
        db.run('DELETE FROM traces WHERE id IN (SELECT value FROM json_each(?))', [json]);
        n += db.changes();
        db.run('DELETE FROM trace_payloads WHERE trace_id IN (SELECT value FROM json_each(?))', [json]);
        db.run('DELETE FROM trace_blobs WHERE trace_id IN (SELECT value FROM json_each(?))', [json]);
        db.run('DELETE FROM evaluations WHERE trace_id IN (SELECT value FROM json_each(?))', [json]);
        db.run('DELETE FROM feedback WHERE trace_id IN (SELECT value FROM json_each(?))', [json]);
      });
    }
    // Images no trace refers to any more.
    if (n > 0) db.run('DELETE FROM blobs WHERE NOT EXISTS (SELECT 1 FROM trace_blobs tb WHERE tb.hash = blobs.hash)');
    return n;
  }

  deleteTraces(ids: string[]): number {
    if (!Array.isArray(ids)) throw new InputError('ids must be an array');
    const valid = ids.filter(isIdString);
    const n = this.deleteTracesIn(this.db, valid);
    for (const id of valid) {
      this.pending.get('traces')!.delete(id);
      this.pendingDeletes.add(id);
    }
    if (valid.length > 0) this.writeJournal({ t: 'del', ids: valid });
    if (n > 0) this.emit({ event: 'changed', reason: 'deleted' });
    return n;
  }

  /**
   * Imports another history file's rows (storeImport.ts) and saves. A file that is not a whole, readable
   * Assay history is refused before anything of it is taken, and left as it is.
   */
  importHistory(source: string, options: ImportOptions): ImportResult | { error: string } {
    if (this.readOnlyReason) return { error: this.readOnlyReason };
    if (resolve(source) === resolve(this.path)) return { error: `${source} is this history itself; nothing was imported` };
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(source);
    } catch (err) {
      return { error: `cannot read ${source}: ${fsReason(err)}; nothing was imported` };
    }
    const header = classifyHeader(bytes);
    const opened: Opened = header.kind === 'foreign' ? { ok: false, reason: header.reason, newer: false } : openBytes(this.SQL, bytes, true);
    if (!opened.ok) return { error: `${source} is not a readable Assay history (${opened.reason}); nothing was imported` };
    let counts: ReturnType<typeof importRows>;
    try {
      counts = importRows(opened.db, this.db, options, (table, id) => this.markPending(table, id), (v) => this.redactor.value(v));
    } finally {
      opened.db.close();
    }
    this.emit({ event: 'changed', reason: 'merged' });
    const saved = this.save();
    return { source, ...counts, ...(saved.error ? { saveError: saved.error } : {}) };
  }

  // ---- saving and merging -------------------------------------------------------------------------

  /** Whether anything waits to be saved. */
  get dirty(): boolean {
    return this.pendingDeletes.size > 0 || [...this.pending.values()].some((s) => s.size > 0);
  }

  private pendingCount(): number {
    let n = this.pendingDeletes.size;
    for (const s of this.pending.values()) n += s.size;
    return n;
  }

  private clearPending(): void {
    for (const s of this.pending.values()) s.clear();
    this.pendingDeletes.clear();
  }

  /** Copies rows by primary key from one database to another, ≤ 500 per transaction. */
  private copyRows(src: Db, dst: Db, table: TableName, ids: Iterable<string>, mode: 'IGNORE' | 'REPLACE'): void {
    const columns = src.values(`SELECT name FROM pragma_table_info('${table}') ORDER BY cid`).map((r) => r[0] as string);
    const list = columns.join(', ');
    const marks = columns.map(() => '?').join(', ');
    for (const chunk of chunks([...ids])) {
      const rows = src.values(`SELECT ${list} FROM ${table} WHERE ${PRIMARY_KEY[table]} IN (SELECT value FROM json_each(?))`, [JSON.stringify(chunk)]);
      dst.transaction(() => {
        for (const row of rows) dst.run(`INSERT OR ${mode} INTO ${table} (${list}) VALUES (${marks})`, row);
      });
    }
  }

  /** Re-applies everything pending in `src` onto `dst` (another writer's newer file). */
  private applyPending(src: Db, dst: Db): void {
    const traces = [...this.pending.get('traces')!];
    const runs = this.pending.get('runs')!;
    const referencedRuns = new Set<string>();
    const versions = new Set(this.pending.get('prompt_versions'));
    // Rows our pending rows point at, in case the other writer's retention removed them meanwhile.
    for (const chunk of chunks(traces)) {
      for (const [runId, versionId] of src.values('SELECT run_id, prompt_version_id FROM traces WHERE id IN (SELECT value FROM json_each(?))', [JSON.stringify(chunk)])) {
        if (typeof runId === 'string' && !runs.has(runId)) referencedRuns.add(runId);
        if (typeof versionId === 'string') versions.add(versionId);
      }
    }
    for (const chunk of chunks([...runs])) {
      for (const [versionId] of src.values('SELECT prompt_version_id FROM runs WHERE id IN (SELECT value FROM json_each(?))', [JSON.stringify(chunk)])) {
        if (typeof versionId === 'string') versions.add(versionId);
      }
    }
    this.copyRows(src, dst, 'prompt_versions', versions, 'IGNORE');
    this.copyRows(src, dst, 'runs', runs, 'REPLACE');
    this.copyRows(src, dst, 'runs', referencedRuns, 'IGNORE');
    this.copyRows(src, dst, 'blobs', this.pending.get('blobs')!, 'IGNORE');
    this.copyRows(src, dst, 'traces', traces, 'IGNORE');
    this.copyRows(src, dst, 'trace_payloads', traces, 'IGNORE');
    this.copyRows(src, dst, 'trace_blobs', traces, 'IGNORE');
    this.copyRows(src, dst, 'evaluations', this.pending.get('evaluations')!, 'IGNORE');
    this.copyRows(src, dst, 'feedback', this.pending.get('feedback')!, 'IGNORE');
    this.deleteTracesIn(dst, [...this.pendingDeletes]);
    // Evaluations or feedback of ours whose trace another writer deleted.
    for (const table of ['evaluations', 'feedback'] as const) {
      for (const chunk of chunks([...this.pending.get(table)!])) {
        dst.run(`DELETE FROM ${table} WHERE id IN (SELECT value FROM json_each(?)) AND trace_id NOT IN (SELECT id FROM traces)`, [JSON.stringify(chunk)]);
      }
    }
  }

  /**
   * If the file changed since we last read or wrote it, loads it and re-applies our pending changes.
   * Returns whether it merged. A file that will not open is moved aside (the caller holds the lock).
   */
  private mergeFromDisk(locked: boolean): boolean {
    const fp = statFingerprint(this.path);
    if (fp === null || fp === this.fingerprint) return false;
    const disk = readFile(this.path);
    if (!disk || disk.bytes.length === 0) return false;
    const header = classifyHeader(disk.bytes);
    // Another writer's file is checked in full before anything of it is taken: damage is never merged.
    const opened: Opened = header.kind === 'foreign' ? { ok: false, reason: header.reason, newer: false, foreign: true } : openBytes(this.SQL, disk.bytes, true);
    if (!opened.ok) {
      if (opened.newer) {
        this.readOnlyReason = `${this.path} was written by a newer version of Assay; this window no longer saves history (${opened.reason}).`;
        throw new Error(this.readOnlyReason);
      }
      if (opened.foreign) {
        // Someone put another file at the history path: it is theirs, never overwritten.
        throw new Error(`${this.path} is no longer an Assay history (${opened.reason}); this window's history was not saved over it. Move that file away or choose another history path.`);
      }
      if (!locked) return false;
      const movedTo = this.moveAside();
      this.emit({ event: 'problem', message: `The history file ${this.path} was damaged (${opened.reason}). It was moved to ${movedTo}; this window's history is written in its place.` });
      this.fingerprint = null;
      return false;
    }
    try {
      this.applyPending(this.db, opened.db);
    } catch (err) {
      opened.db.close();
      throw err;
    }
    this.db.close();
    this.db = opened.db;
    this.fingerprint = disk.fingerprint;
    this.emit({ event: 'changed', reason: 'merged' });
    return true;
  }

  private writeAtomically(bytes: Uint8Array): void {
    const tmp = `${this.path}.tmp-${safeHost()}-${process.pid}-${randomBytes(4).toString('hex')}`;
    // Owner-only: history holds prompts, variables and answers (SECURITY.md).
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      const pause = this.options.faultInjection?.pauseSave;
      const half = pause === 'partialTemp' ? Math.floor(bytes.length / 2) : bytes.length;
      writeAll(fd, bytes.subarray(0, half));
      if (pause === 'partialTemp') this.pauseForever();
      writeAll(fd, bytes.subarray(half));
      fsyncSync(fd);
      closeSync(fd);
      if (pause === 'beforeRename') this.pauseForever();
      renameWithRetry(tmp, this.path);
    } catch (err) {
      try {
        closeSync(fd);
      } catch {
        // Already closed.
      }
      try {
        unlinkSync(tmp);
      } catch {
        // Never created or already renamed.
      }
      throw err;
    }
    fsyncDir(dirname(this.path));
  }

  private pauseForever(): never {
    this.emit({ event: 'savePaused' });
    for (;;) sleepSync(60_000);
  }

  /** Saves now if anything is pending (or `force`): lock, merge, retention, export, atomic write. */
  save(force = false): SaveResult {
    if (this.readOnlyReason) return { saved: false, merged: false, error: this.readOnlyReason };
    if (!this.dirty && !force) return { saved: false, merged: false };
    const t0 = performance.now();
    const lock = this.lockForWrite(`timed out waiting for ${this.lockPath} (another Assay process holds it); the changes stay pending and will be saved later`);
    if ('error' in lock) return { saved: false, merged: false, error: lock.error };
    let merged = false;
    try {
      merged = this.mergeFromDisk(true);
      const retained = this.enforceRetention();
      const bytes = this.db.export();
      this.writeAtomically(bytes);
      this.fingerprint = statFingerprint(this.path);
      this.clearPending();
      this.lastSavedAt = Date.now();
      this.resetJournal();
      return { saved: true, merged, bytes: bytes.length, ms: performance.now() - t0, retained };
    } catch (err) {
      return { saved: false, merged, error: this.saveError(`saving ${this.path} failed`, err) };
    } finally {
      lock.release();
    }
  }

  /** The message of a failed save: what, why in words, and that nothing on disk was harmed. */
  /** The history folder made and the lock taken for a write, or why not (`timedOut` when another process holds it). */
  private lockForWrite(timedOut: string): HeldLock | { error: string } {
    try {
      ensureHistoryDir(this.path);
    } catch (err) {
      return { error: this.saveError(`cannot create the history folder ${dirname(this.path)}`, err) };
    }
    try {
      return acquireLock(this.lockPath, this.lockOptions()) ?? { error: timedOut };
    } catch (err) {
      return { error: this.saveError(`cannot create the lock file ${this.lockPath}`, err) };
    }
  }

  private saveError(what: string, err: unknown): string {
    const journaled = this.journal && !this.journalError ? ` The unsaved rows are kept in ${this.journal.path} and are added the next time the history opens.` : '';
    return `${what}: ${fsReason(err)}. The history file on disk is unchanged.${journaled}`;
  }

  flush(): SaveResult {
    return this.save();
  }

  close(): SaveResult {
    // Runs still open now never finish in this store.
    for (const id of this.openRuns) {
      this.db.run("UPDATE runs SET status = 'interrupted', ended_at = ? WHERE id = ? AND status = 'running'", [Date.now(), id]);
      if (this.db.changes() > 0) this.markPending('runs', id);
    }
    this.openRuns.clear();
    const result = this.save();
    this.db.close();
    // Kept after a failed save: the next store to open the history replays it.
    try {
      this.journal?.sync();
    } catch {
      // Reported by the save already, or the rows were saved.
    }
    this.journal?.close(!this.dirty && !result.error);
    return result;
  }

  /** Loads another writer's newer file (keeping our pending changes); returns whether it did. */
  refresh(): boolean {
    this.lastRefreshCheck = Date.now();
    try {
      return this.mergeFromDisk(false);
    } catch (err) {
      this.emit({ event: 'problem', message: message(err) });
      return false;
    }
  }

  /** Before a list query: picks up another window's saves, checking the file at most every so often. */
  private refreshIfDue(): void {
    const every = this.options.refreshIntervalMs ?? 2_000;
    if (every < 0 || Date.now() - this.lastRefreshCheck < every || this.readOnlyReason) return;
    this.refresh();
  }

  /** Whether saves can succeed at all (false for a file from a newer Assay). */
  get canSave(): boolean {
    return !this.readOnlyReason;
  }

  /** Deletes all history, on disk too, right away under the lock. */
  clear(): SaveResult {
    if (this.readOnlyReason) return { saved: false, merged: false, error: this.readOnlyReason };
    const t0 = performance.now();
    const lock = this.lockForWrite(`timed out waiting for ${this.lockPath}; history was not cleared`);
    if ('error' in lock) return { saved: false, merged: false, error: lock.error };
    try {
      const fresh = freshDb(this.SQL);
      const bytes = fresh.export();
      this.writeAtomically(bytes);
      this.db.close();
      this.db = fresh;
      this.fingerprint = statFingerprint(this.path);
      this.clearPending();
      this.lastSavedAt = Date.now();
      this.resetJournal();
      this.emit({ event: 'changed', reason: 'cleared' });
      return { saved: true, merged: false, bytes: bytes.length, ms: performance.now() - t0 };
    } catch (err) {
      return { saved: false, merged: false, error: this.saveError(`clearing ${this.path} failed`, err) };
    } finally {
      lock.release();
    }
  }

  // ---- retention ----------------------------------------------------------------------------------

  /** Removes the oldest traces beyond the age, count and size limits; returns how many. */
  private enforceRetention(): number {
    const db = this.db;
    const maxTraces = this.options.maxTraces ?? 50_000;
    const maxBytes = (this.options.maxSizeMB ?? 0) * 1024 * 1024;
    const maxAgeDays = this.options.maxAgeDays ?? 0;
    let removed = 0;
    let cutoff = -Infinity;
    const remove = (rows: SqlValue[][]) => {
      if (rows.length === 0) return;
      cutoff = Math.max(cutoff, ...rows.map((r) => r[1] as number));
      removed += this.deleteTracesIn(db, rows.map((r) => r[0] as string));
    };
    if (maxAgeDays > 0) remove(db.values('SELECT id, started_at FROM traces WHERE started_at < ?', [Date.now() - maxAgeDays * 86_400_000]));
    if (maxTraces > 0) {
      const excess = Number(db.scalar('SELECT count(*) FROM traces')) - maxTraces;
      if (excess > 0) remove(db.values('SELECT id, started_at FROM traces ORDER BY started_at, id LIMIT ?', [excess]));
    }
    if (maxBytes > 0) {
      for (let round = 0; round < 4; round++) {
        if (removed > 0) db.exec('PRAGMA incremental_vacuum');
        const used = db.sizeBytes();
        if (used <= maxBytes) break;
        // Free a little more than needed so the next saves don't each trim a few rows.
        const target = used - maxBytes * 0.9;
        const rows: SqlValue[][] = [];
        let freed = 0;
        db.each('SELECT id, started_at, bytes FROM traces ORDER BY started_at, id', [], (row) => {
          rows.push(row);
          freed += row[2] as number;
          return freed < target;
        });
        if (rows.length === 0) break;
        remove(rows);
      }
    }
    if (removed === 0) return 0;
    db.transaction(() => {
      db.run("DELETE FROM runs WHERE status <> 'running' AND started_at <= ? AND NOT EXISTS (SELECT 1 FROM traces t WHERE t.run_id = runs.id)", [cutoff]);
      db.run(
        `DELETE FROM prompt_versions WHERE first_seen <= ?
           AND NOT EXISTS (SELECT 1 FROM traces t WHERE t.prompt_version_id = prompt_versions.id)
           AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.prompt_version_id = prompt_versions.id)`,
        [Date.now()],
      );
    });
    db.exec('PRAGMA incremental_vacuum');
    this.emit({ event: 'changed', reason: 'retention' });
    return removed;
  }

  // ---- queries ------------------------------------------------------------------------------------

  listTraces(filter: TraceFilter = {}, page: PageRequest = {}): Page<TraceSummary> {
    this.refreshIfDue();
    return queries.listTraces(this.db, filter, page);
  }

  getTrace(id: string): TraceRecord | null {
    return queries.getTrace(this.db, id);
  }

  getPromptVersion(id: string): PromptVersionRecord | null {
    return queries.getPromptVersion(this.db, id);
  }

  listRuns(filter: RunFilter = {}, page: PageRequest = {}): Page<RunRecord> {
    this.refreshIfDue();
    return queries.listRuns(this.db, filter, page);
  }

  runSummary(runId: string): RunSummary | null {
    return queries.runSummary(this.db, runId);
  }

  labeledVerdicts(filter: TraceFilter = {}): LabeledVerdict[] {
    this.refreshIfDue();
    return queries.labeledVerdicts(this.db, filter);
  }

  timeSeries(query: TimeSeriesQuery): TimeSeriesPoint[] {
    this.refreshIfDue();
    return queries.timeSeries(this.db, query);
  }

  /** Secrets known only after the store opened (the CLI's keys in use): redacted from every later write. */
  addSecrets(secrets: string[]): void {
    const known = [...(this.options.redactSecrets ?? []), ...secrets];
    this.options.redactSecrets = known;
    this.redactor = createRedactor({ patterns: this.options.redactPatterns ?? [], secrets: known });
  }

  stats(): StoreStats {
    this.refreshIfDue();
    const db = this.db;
    const count = (table: string) => Number(db.scalar(`SELECT count(*) FROM ${table}`));
    let fileBytes = 0;
    try {
      fileBytes = statSync(this.path).size;
    } catch {
      // Not saved yet.
    }
    const stats: StoreStats = {
      path: this.path,
      schemaVersion: db.userVersion(),
      fileBytes,
      dbBytes: db.sizeBytes(),
      counts: {
        promptVersions: count('prompt_versions'),
        runs: count('runs'),
        traces: count('traces'),
        evaluations: count('evaluations'),
        feedback: count('feedback'),
      },
      runStatuses: Object.fromEntries(db.values('SELECT status, count(*) FROM runs GROUP BY status ORDER BY status').map(([status, n]) => [status as string, Number(n)])),
      pendingChanges: this.pendingCount(),
      oldestTraceAt: db.scalar('SELECT min(started_at) FROM traces') as number | null,
      newestTraceAt: db.scalar('SELECT max(started_at) FROM traces') as number | null,
      lastSavedAt: this.lastSavedAt,
      byModel: db
        .values("SELECT provider, model, count(*), total(status = 'error'), total(cost) FROM traces GROUP BY provider, model ORDER BY count(*) DESC, provider, model")
        .map(([provider, model, traces, errors, cost]) => ({
          provider: provider as string,
          model: model as string,
          traces: Number(traces),
          errors: Number(errors),
          cost: Number(cost),
        })),
    };
    if (this.readOnlyReason) stats.readOnlyReason = this.readOnlyReason;
    return stats;
  }

  /** Writes every matching trace in full, oldest first, one JSON object per line. */
  exportJsonl(filter: TraceFilter, outPath: string): ExportResult {
    const tmp = `${outPath}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    let fd: number | undefined;
    let count = 0;
    try {
      mkdirSync(dirname(outPath), { recursive: true });
      fd = openSync(tmp, 'w');
      for (const ids of queries.traceIdsOldestFirst(this.db, filter ?? {})) {
        const lines: string[] = [];
        for (const id of ids) {
          const trace = queries.getTrace(this.db, id);
          if (trace) lines.push(JSON.stringify(trace));
        }
        count += lines.length;
        if (lines.length) writeAll(fd, Buffer.from(lines.join('\n') + '\n', 'utf8'));
      }
      fsyncSync(fd);
      closeSync(fd);
      fd = undefined;
      renameWithRetry(tmp, outPath);
      return { count, path: outPath };
    } catch (err) {
      if (fd !== undefined) closeSync(fd);
      try {
        unlinkSync(tmp);
      } catch {
        // Never created.
      }
      return { error: `cannot write ${outPath}: ${message(err)}` };
    }
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
}

function renameWithRetry(from: string, to: string): void {
  for (let attempt = 0; ; attempt++) {
    try {
      renameSync(from, to);
      return;
    } catch (err) {
      // Windows refuses to replace a file another process has open for a moment.
      const code = (err as NodeJS.ErrnoException).code;
      if (attempt >= 20 || (code !== 'EPERM' && code !== 'EBUSY' && code !== 'EACCES')) throw err;
      sleepSync(10 * (attempt + 1));
    }
  }
}

function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Not supported on every platform (Windows); the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
