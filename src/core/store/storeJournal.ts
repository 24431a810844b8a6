// The store's crash journal: every row a write adds goes, already redacted, to an append-only file beside
// the history (`history.sqlite.journal-<host>-<pid>-<start>`) before the write is acknowledged, so a
// process killed between saves loses nothing. A save truncates it; a clean close deletes it; the next
// store to open the history replays the journals of processes that are gone and marks their open runs
// `interrupted`. One journal per process: windows and CLI runs never write each other's.
import { closeSync, fdatasyncSync, ftruncateSync, openSync, readdirSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { pidAlive } from './fileLock';
import { ensureHistoryDir } from './historyLocation';
import type { TableName } from './schema';
import type { SqlValue } from './sqlite';

/** A row as it was written: table, conflict mode, values in column order. */
export type JournalRow = [table: TableName, mode: 'IGNORE' | 'REPLACE', values: SqlValue[]];

/** One line of a journal. */
export type JournalRecord =
  | { t: 'rows'; rows: JournalRow[] }
  | { t: 'del'; ids: string[] }
  /** Runs this process started and has not finished, written after each truncation. */
  | { t: 'open'; runs: string[] };

/** A dead process's journal, read back. */
export interface DeadJournal {
  path: string;
  records: JournalRecord[];
}

/** The host part of journal and temp-file names. */
export function safeHost(): string {
  return hostname().replace(/[^A-Za-z0-9]/g, '') || 'host';
}

/** When this process started, in seconds since the epoch: tells a recycled pid (a new container) from us. */
const PROCESS_START = Math.round(Date.now() / 1000 - process.uptime());

function encodeValue(v: SqlValue): unknown {
  return v instanceof Uint8Array ? { b: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') } : v;
}

function decodeValue(v: unknown): SqlValue {
  if (v !== null && typeof v === 'object' && typeof (v as { b?: unknown }).b === 'string') return new Uint8Array(Buffer.from((v as { b: string }).b, 'base64'));
  return v as SqlValue;
}

/** One JSON line; blobs as `{"b": base64}`. */
export function encodeRecord(record: JournalRecord): string {
  if (record.t !== 'rows') return JSON.stringify(record) + '\n';
  return JSON.stringify({ t: 'rows', rows: record.rows.map(([table, mode, values]) => [table, mode, values.map(encodeValue)]) }) + '\n';
}

/** The complete lines of a journal's text; a torn last line (the process died mid-write) is dropped. */
export function decodeRecords(text: string): JournalRecord[] {
  const out: JournalRecord[] = [];
  const lines = text.split('\n');
  // The last element is '' after a complete final line, or a torn fragment.
  for (const line of lines.slice(0, -1)) {
    if (!line) continue;
    let parsed: JournalRecord;
    try {
      parsed = JSON.parse(line) as JournalRecord;
    } catch {
      continue;
    }
    if (parsed.t === 'rows' && Array.isArray(parsed.rows)) {
      out.push({ t: 'rows', rows: parsed.rows.map(([table, mode, values]) => [table, mode, (values as unknown[]).map(decodeValue)] as JournalRow) });
    } else if ((parsed.t === 'del' && Array.isArray(parsed.ids)) || (parsed.t === 'open' && Array.isArray(parsed.runs))) {
      out.push(parsed);
    }
  }
  return out;
}

/** The journal of this store. Opened on the first write, so read-only use creates no file. */
export class StoreJournal {
  readonly path: string;
  private fd: number | undefined;
  private unsynced = false;

  constructor(private readonly historyPath: string) {
    this.path = `${historyPath}.journal-${safeHost()}-${process.pid}-${PROCESS_START}-${Math.random().toString(36).slice(2, 8)}`;
  }

  /** Appends one record; throws the file system's error (the caller reports it). */
  append(record: JournalRecord): void {
    if (this.fd === undefined) {
      // The first write may come before the first save has created the folder.
      ensureHistoryDir(this.historyPath);
      this.fd = openSync(this.path, 'a', 0o600);
    }
    const bytes = Buffer.from(encodeRecord(record), 'utf8');
    let off = 0;
    while (off < bytes.length) off += writeSync(this.fd, bytes, off, bytes.length - off);
    this.unsynced = true;
  }

  /** Whether `sync` has anything to do. */
  get needsSync(): boolean {
    return this.unsynced;
  }

  /** Forces appended records to the disk (a process kill loses nothing without this; a power cut would). */
  sync(): void {
    if (this.fd === undefined || !this.unsynced) return;
    this.unsynced = false;
    fdatasyncSync(this.fd);
  }

  /** Empties the journal after a save holds everything in it; `open` lists the runs still going. */
  reset(openRuns: string[]): void {
    if (this.fd === undefined) return;
    ftruncateSync(this.fd, 0);
    this.unsynced = false;
    if (openRuns.length > 0) this.append({ t: 'open', runs: openRuns });
  }

  /** Closes the journal; `remove` deletes it (a clean close after a successful save). */
  close(remove: boolean): void {
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
    } finally {
      this.fd = undefined;
      if (remove) {
        try {
          unlinkSync(this.path);
        } catch {
          // Already gone.
        }
      }
    }
  }
}

/** Journals beside `historyPath` whose process is gone (same host only: another host's pids mean nothing here). */
export function deadJournals(historyPath: string, own: string): string[] {
  const dir = dirname(historyPath);
  const prefix = `${basename(historyPath)}.journal-`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix) || join(dir, name) === own) continue;
    const [host, pidText, startText] = name.slice(prefix.length).split('-');
    const pid = Number(pidText);
    if (host !== safeHost() || !Number.isInteger(pid)) continue;
    const sameProcess = pid === process.pid && Math.abs(Number(startText) - PROCESS_START) <= 2;
    if (pid === process.pid ? sameProcess : pidAlive(pid)) continue;
    out.push(join(dir, name));
  }
  return out.sort();
}

/** Reads a dead journal; null when it vanished (another store replayed it first). */
export function readJournal(path: string): DeadJournal | null {
  try {
    return { path, records: decodeRecords(readFileSync(path, 'utf8')) };
  } catch {
    return null;
  }
}
