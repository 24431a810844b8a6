// The history database's schema, as numbered migrations keyed by `PRAGMA user_version`. Each step runs
// in one transaction and keeps every row; never edit a released step, add a new one (docs/history.md).
import type { Db } from './sqlite';

/** One migration: brings a database at version `version - 1` to `version`. */
export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'prompt versions, runs, traces with compressed payloads, evaluations, feedback',
    sql: `
CREATE TABLE prompt_versions (
  id TEXT PRIMARY KEY,
  path TEXT NOT NULL,
  content TEXT NOT NULL,
  first_seen INTEGER NOT NULL
);
CREATE TABLE runs (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  prompt_path TEXT,
  prompt_version_id TEXT,
  bank_path TEXT,
  models TEXT NOT NULL,
  config TEXT,
  status TEXT NOT NULL,
  summary TEXT,
  started_at INTEGER NOT NULL,
  ended_at INTEGER
);
CREATE INDEX runs_started ON runs (started_at, id);
CREATE TABLE traces (
  id TEXT PRIMARY KEY,
  run_id TEXT,
  prompt_version_id TEXT,
  prompt_path TEXT,
  case_id TEXT,
  repeat_index INTEGER NOT NULL DEFAULT 0,
  provider TEXT NOT NULL,
  model TEXT NOT NULL,
  variables TEXT,
  output TEXT NOT NULL,
  tool_calls TEXT,
  finish_reason TEXT,
  input_tokens INTEGER,
  output_tokens INTEGER,
  cached_tokens INTEGER,
  cache_write_tokens INTEGER,
  reasoning_tokens INTEGER,
  cost REAL,
  latency_ms REAL NOT NULL,
  ttft_ms REAL,
  status TEXT NOT NULL,
  error_kind TEXT,
  error_message TEXT,
  error_status INTEGER,
  cache_hit INTEGER NOT NULL,
  attempts INTEGER,
  started_at INTEGER NOT NULL,
  ended_at INTEGER NOT NULL,
  bytes INTEGER NOT NULL
);
CREATE INDEX traces_started ON traces (started_at, id);
CREATE INDEX traces_run ON traces (run_id, started_at, id);
-- The exact request and raw response, as raw-deflated JSON {"request": …, "response": …}.
CREATE TABLE trace_payloads (
  trace_id TEXT PRIMARY KEY,
  payload BLOB NOT NULL
);
CREATE TABLE evaluations (
  id TEXT PRIMARY KEY,
  trace_id TEXT NOT NULL,
  case_id TEXT,
  assertion_type TEXT NOT NULL,
  pass INTEGER NOT NULL,
  score REAL,
  reason TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX evaluations_trace ON evaluations (trace_id);
CREATE TABLE feedback (
  id TEXT PRIMARY KEY,
  trace_id TEXT NOT NULL,
  rating INTEGER NOT NULL,
  note TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX feedback_trace ON feedback (trace_id, created_at, id);
`,
  },
  {
    version: 2,
    description: "assertion metric and weight (promptfoo's), and an index for every explorer filter",
    sql: `
ALTER TABLE evaluations ADD COLUMN metric TEXT;
ALTER TABLE evaluations ADD COLUMN weight REAL NOT NULL DEFAULT 1;
CREATE INDEX traces_model ON traces (model, started_at, id);
CREATE INDEX traces_provider ON traces (provider, started_at, id);
CREATE INDEX traces_status ON traces (status, started_at, id);
CREATE INDEX traces_prompt_path ON traces (prompt_path, started_at, id);
CREATE INDEX traces_prompt_version ON traces (prompt_version_id, started_at, id);
CREATE INDEX traces_case ON traces (case_id, started_at, id);
CREATE INDEX runs_prompt_path ON runs (prompt_path, started_at, id);
`,
  },
  {
    version: 3,
    description: 'images of requests and variables, once per content hash (traces refer to them)',
    sql: `
CREATE TABLE blobs (
  hash TEXT PRIMARY KEY,
  media_type TEXT NOT NULL,
  data BLOB NOT NULL,
  bytes INTEGER NOT NULL,
  first_seen INTEGER NOT NULL
);
-- Which trace refers to which image: an image goes when no trace refers to it any more.
CREATE TABLE trace_blobs (
  trace_id TEXT NOT NULL,
  hash TEXT NOT NULL,
  PRIMARY KEY (trace_id, hash)
) WITHOUT ROWID;
CREATE INDEX trace_blobs_hash ON trace_blobs (hash);
`,
  },
  {
    version: 4,
    description: 'where an imported run came from (null: recorded by this history\'s own runs)',
    sql: `
ALTER TABLE runs ADD COLUMN origin TEXT;
`,
  },
  {
    version: 5,
    description: "a tool loop's steps: each step a trace under the case's trace (parent_id), numbered from 0 (step)",
    sql: `
ALTER TABLE traces ADD COLUMN parent_id TEXT;
ALTER TABLE traces ADD COLUMN step INTEGER;
CREATE INDEX traces_parent ON traces (parent_id);
`,
  },
  {
    version: 6,
    description: "a batch run's provider batches (JSON), so a run killed while it waits can be resumed",
    sql: `
ALTER TABLE runs ADD COLUMN batch_state TEXT;
`,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** The tables every store database has, in copy order (referenced rows first). */
export const TABLES = ['prompt_versions', 'runs', 'blobs', 'traces', 'trace_payloads', 'trace_blobs', 'evaluations', 'feedback'] as const;
export type TableName = (typeof TABLES)[number];
/** The tables every Assay history has had since version 1 (a file without them is not one of ours). */
export const BASE_TABLES: readonly TableName[] = ['prompt_versions', 'runs', 'traces', 'trace_payloads', 'evaluations', 'feedback'];

/** Settings that belong to the connection, not the file; set after every open. */
export function configureConnection(db: Db): void {
  db.exec('PRAGMA journal_mode = MEMORY; PRAGMA temp_store = MEMORY;');
}

/**
 * Brings `db` to `target` (the latest by default). A new database first gets its page size and
 * incremental auto-vacuum, which can only be chosen before the first table exists. Returns the version
 * it started from. Throws when the file is from a newer Assay or a step fails (the step is rolled back).
 */
export function migrate(db: Db, target: number = SCHEMA_VERSION): number {
  const from = db.userVersion();
  if (from > SCHEMA_VERSION) throw new Error(`schema version ${from} is newer than this Assay understands (${SCHEMA_VERSION})`);
  if (from === 0) {
    // Version 0 with tables is some other program's database: never add ours to it.
    if (Number(db.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table'")) > 0) throw new Error('it is not an Assay history (it holds other tables)');
    db.exec('PRAGMA page_size = 16384; PRAGMA auto_vacuum = INCREMENTAL;');
  }
  for (const m of MIGRATIONS) {
    if (m.version <= from || m.version > target) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.exec(`PRAGMA user_version = ${m.version}`);
    });
  }
  return from;
}
