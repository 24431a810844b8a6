// Importing another history file (a teammate's, a CI job's, the shards of a sharded run) into this one.
// Rows keep their ids — globally unique, so nothing of ours is overwritten and importing twice adds
// nothing — and each imported run notes its origin. Shards' runs of one suite can be filed as one run.
import type { Db, SqlValue } from './sqlite';
import type { ImportOptions, ImportResult, ImportRunGroup } from './storeTypes';

type Counted = Omit<ImportResult, 'source' | 'saveError'>;
type Pending = 'prompt_versions' | 'runs' | 'blobs' | 'traces' | 'evaluations' | 'feedback';

function columnsOf(db: Db, table: string): string[] {
  return db.values(`SELECT name FROM pragma_table_info('${table}') ORDER BY cid`).map((r) => r[0] as string);
}

/** Copies every row of `table` (INSERT OR IGNORE), letting `edit` change one first; calls `added` for each new row. */
function copyTable(src: Db, dst: Db, table: string, edit: ((row: Record<string, SqlValue>) => boolean) | null, added: (row: Record<string, SqlValue>) => void): void {
  const columns = columnsOf(dst, table);
  const insert = `INSERT OR IGNORE INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
  src.each(`SELECT ${columns.join(', ')} FROM ${table}`, [], (values) => {
    const row: Record<string, SqlValue> = {};
    columns.forEach((c, i) => (row[c] = values[i]!));
    if (edit && !edit(row)) return;
    dst.run(insert, columns.map((c) => row[c]!));
    if (dst.changes() > 0) added(row);
  });
}

function parseConfig(text: SqlValue): Record<string, unknown> {
  try {
    const v: unknown = typeof text === 'string' ? JSON.parse(text) : null;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The merged run of a group, from the first shard run found; the same row every time (idempotent). */
function writeMergedRun(dst: Db, shardRun: Record<string, SqlValue>, group: ImportRunGroup, origin: string | null, summary: string): boolean {
  const existed = dst.scalar('SELECT 1 FROM runs WHERE id = ?', [group.into]) !== null;
  const config = parseConfig(shardRun.config);
  for (const [k, v] of Object.entries(group.config)) {
    if (v === null) delete config[k];
    else config[k] = v;
  }
  dst.run(
    `INSERT OR REPLACE INTO runs (id, kind, prompt_path, prompt_version_id, bank_path, models, config, status, summary, started_at, ended_at, origin)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [group.into, shardRun.kind!, shardRun.prompt_path!, shardRun.prompt_version_id!, shardRun.bank_path!, shardRun.models!, JSON.stringify(config), group.status, summary, Math.round(group.startedAt), Math.round(group.endedAt), shardRun.origin ?? origin],
  );
  return !existed;
}

/**
 * Copies `src`'s rows into `dst` in one transaction; `markPending` hears every row added (the next save
 * writes it). `redact` is applied to the merged runs' summaries, which come from the caller.
 */
export function importRows(src: Db, dst: Db, options: ImportOptions, markPending: (table: Pending, id: string) => void, redact: (v: unknown) => unknown): Counted {
  const counts: Counted = { runs: 0, traces: 0, evaluations: 0, feedback: 0, promptVersions: 0, grouped: [] };
  const groupOf = new Map<string, ImportRunGroup>();
  for (const g of options.runs ?? []) for (const id of g.from) groupOf.set(id, g);
  const written = new Set<string>();
  dst.transaction(() => {
    copyTable(src, dst, 'prompt_versions', null, (r) => {
      counts.promptVersions++;
      markPending('prompt_versions', r.id as string);
    });
    copyTable(
      src,
      dst,
      'runs',
      (r) => {
        const group = groupOf.get(r.id as string);
        if (!group) {
          r.origin ??= options.origin;
          return true;
        }
        counts.grouped.push(r.id as string);
        if (!written.has(group.into)) {
          written.add(group.into);
          if (writeMergedRun(dst, r, group, options.origin, JSON.stringify(redact(group.summary)))) counts.runs++;
          markPending('runs', group.into);
        }
        return false;
      },
      (r) => {
        counts.runs++;
        markPending('runs', r.id as string);
      },
    );
    copyTable(
      src,
      dst,
      'traces',
      (r) => {
        const group = typeof r.run_id === 'string' ? groupOf.get(r.run_id) : undefined;
        if (group) r.run_id = group.into;
        return true;
      },
      (r) => {
        counts.traces++;
        const payload = src.scalar('SELECT payload FROM trace_payloads WHERE trace_id = ?', [r.id!]);
        if (payload !== null) dst.run('INSERT OR REPLACE INTO trace_payloads (trace_id, payload) VALUES (?, ?)', [r.id!, payload]);
        // The images the trace refers to (stored once by content hash) come along with it.
        for (const [hash] of src.values('SELECT hash FROM trace_blobs WHERE trace_id = ?', [r.id!])) {
          const blob = src.values('SELECT hash, media_type, data, bytes, first_seen FROM blobs WHERE hash = ?', [hash!])[0];
          if (blob) {
            dst.run('INSERT OR IGNORE INTO blobs (hash, media_type, data, bytes, first_seen) VALUES (?, ?, ?, ?, ?)', blob);
            markPending('blobs', hash as string);
          }
          dst.run('INSERT OR IGNORE INTO trace_blobs (trace_id, hash) VALUES (?, ?)', [r.id!, hash!]);
        }
        markPending('traces', r.id as string);
      },
    );
    copyTable(src, dst, 'evaluations', null, (r) => {
      counts.evaluations++;
      markPending('evaluations', r.id as string);
    });
    copyTable(src, dst, 'feedback', null, (r) => {
      counts.feedback++;
      markPending('feedback', r.id as string);
    });
  });
  return counts;
}
