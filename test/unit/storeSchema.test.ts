import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { idTime, isId, newId, promptVersionId } from '../../src/core/store/ids';
import { MIGRATIONS, SCHEMA_VERSION, configureConnection, migrate } from '../../src/core/store/schema';
import { Db, loadSqlJs } from '../../src/core/store/sqlite';
import { traceWhere } from '../../src/core/store/storeQueries';
import { TraceStore } from '../../src/core/store/traceStore';
import type { TraceFilter } from '../../src/core/store/storeTypes';
import { tempFolder } from '../support/storeFixtures';

async function emptyDb(): Promise<Db> {
  const SQL = await loadSqlJs();
  const db = new Db(new SQL.Database());
  configureConnection(db);
  return db;
}

/** A version-1 database with one row in every table, as Assay 0.1 would have written it. */
function seedV1(db: Db): void {
  migrate(db, 1);
  db.exec(`
    INSERT INTO prompt_versions VALUES ('${'b'.repeat(64)}', 'triage.prompt', 'system:\nhi', 1000);
    INSERT INTO runs (id, kind, prompt_path, prompt_version_id, bank_path, models, config, status, summary, started_at, ended_at)
      VALUES ('run1', 'test', 'triage.prompt', '${'b'.repeat(64)}', NULL, '["openai:gpt-4o-mini"]', '{"repeat":1}', 'done', NULL, 1000, 2000);
    INSERT INTO traces (id, run_id, prompt_version_id, prompt_path, case_id, repeat_index, provider, model, variables, output, tool_calls,
      finish_reason, input_tokens, output_tokens, cached_tokens, cache_write_tokens, reasoning_tokens, cost, latency_ms, ttft_ms, status,
      error_kind, error_message, error_status, cache_hit, attempts, started_at, ended_at, bytes)
      VALUES ('trace1', 'run1', '${'b'.repeat(64)}', 'triage.prompt', 'c1', 0, 'openai', 'gpt-4o-mini', '{"ticket":"x"}', 'billing', NULL,
      'stop', 10, 1, 0, 0, 0, 0.001, 250, 100, 'ok', NULL, NULL, NULL, 0, 1, 1500, 1750, 400);
    INSERT INTO trace_payloads VALUES ('trace1', x'abae0500');
    INSERT INTO evaluations VALUES ('eval1', 'trace1', 'c1', 'equals', 1, 1, 'matched', 1600);
    INSERT INTO feedback VALUES ('fb1', 'trace1', 1, 'good', 1700);
  `);
}

describe('history schema and migrations', () => {
  it('numbers migrations 1, 2, … without gaps', () => {
    assert.deepStrictEqual(MIGRATIONS.map((m) => m.version), MIGRATIONS.map((_, i) => i + 1));
    assert.strictEqual(SCHEMA_VERSION, MIGRATIONS.length);
  });

  it('creates a new database with 16 KiB pages, incremental vacuum and the latest version', async () => {
    const db = await emptyDb();
    assert.strictEqual(migrate(db), 0, 'started from nothing');
    assert.deepStrictEqual(
      [db.scalar('PRAGMA page_size'), db.scalar('PRAGMA auto_vacuum'), db.userVersion()],
      [16384, 2, SCHEMA_VERSION],
      'page size, auto_vacuum=INCREMENTAL, user_version',
    );
    db.close();
  });

  it('migrates version 1 to the latest and keeps every row', async () => {
    const db = await emptyDb();
    seedV1(db);
    const before = Object.fromEntries(['prompt_versions', 'runs', 'traces', 'trace_payloads', 'evaluations', 'feedback'].map((t) => [t, db.all(`SELECT * FROM ${t}`)]));
    assert.strictEqual(migrate(db), 1, 'was at version 1');
    assert.strictEqual(db.userVersion(), SCHEMA_VERSION);
    for (const [table, rows] of Object.entries(before)) {
      const after = db.all(`SELECT * FROM ${table}`);
      assert.strictEqual(after.length, rows.length, `${table}: row count`);
      for (const [i, row] of rows.entries()) for (const [k, v] of Object.entries(row)) assert.deepStrictEqual(after[i]![k], v, `${table}.${k} kept`);
    }
    assert.deepStrictEqual(db.all('SELECT metric, weight FROM evaluations'), [{ metric: null, weight: 1 }], 'v2 columns get their defaults');
    assert.deepStrictEqual(db.all('SELECT origin FROM runs'), [{ origin: null }], "v3: a run from before has no origin (it is the history's own)");
    assert.strictEqual(migrate(db), SCHEMA_VERSION, 'migrating again does nothing');
    db.close();
  });

  it("refuses to add its tables to another program's database", async () => {
    const db = await emptyDb();
    db.exec('CREATE TABLE notes (body TEXT)');
    assert.throws(() => migrate(db), /not an Assay history/);
    db.close();
  });

  it('refuses a database from a newer Assay', async () => {
    const db = await emptyDb();
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
    assert.throws(() => migrate(db), /newer than this Assay understands/);
    db.close();
  });

  it('opens a version-1 file, migrates it in memory and saves it at the latest version', async () => {
    const folder = tempFolder();
    try {
      const file = join(folder.dir, 'history.sqlite');
      const db = await emptyDb();
      seedV1(db);
      writeFileSync(file, db.export());
      db.close();
      const store = await TraceStore.open({ path: file });
      assert.strictEqual(store.openReport.migratedFrom, 1);
      const trace = await store.getTrace('trace1');
      assert.deepStrictEqual([trace!.text, trace!.runId, trace!.evaluations[0]!.weight, trace!.feedback!.note], ['billing', 'run1', 1, 'good']);
      await store.setFeedback('trace1', { rating: -1 });
      await store.close();
      const SQL = await loadSqlJs();
      const saved = new Db(new SQL.Database(readFileSync(file)));
      assert.strictEqual(saved.userVersion(), SCHEMA_VERSION, 'the file is at the latest version after a save');
      assert.strictEqual(Number(saved.scalar('SELECT count(*) FROM feedback')), 2);
      saved.close();
    } finally {
      folder.cleanup();
    }
  });

  it('keeps a file from a newer Assay untouched and works in memory, saying why', async () => {
    const folder = tempFolder();
    try {
      const file = join(folder.dir, 'history.sqlite');
      const db = await emptyDb();
      migrate(db);
      db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
      const bytes = db.export();
      db.close();
      writeFileSync(file, bytes);
      const store = await TraceStore.open({ path: file });
      assert.match(store.openReport.readOnlyReason ?? '', /newer version of Assay/);
      const [id] = await store.addTraces([{ model: { provider: 'p', model: 'm' }, text: 't', toolCalls: [], finishReason: null, usage: null, cost: null, latencyMs: 1, ttftMs: null, request: null, response: null, cacheHit: false, startedAt: 1 }]);
      assert.ok(await store.getTrace(id!), 'kept in memory');
      const saved = await store.close();
      assert.deepStrictEqual([saved.saved, /newer version/.test(saved.error ?? '')], [false, true]);
      assert.deepStrictEqual(readFileSync(file), Buffer.from(bytes), 'the file is untouched');
    } finally {
      folder.cleanup();
    }
  });

  const filters: [string, TraceFilter, RegExp][] = [
    ['model', { model: 'm' }, /traces_model/],
    ['provider', { provider: 'p' }, /traces_provider/],
    ['prompt path', { promptPath: 'a' }, /traces_prompt_path/],
    ['prompt version', { promptVersionId: 'v' }, /traces_prompt_version/],
    ['run', { runId: 'r' }, /traces_run/],
    ['case', { caseId: 'c' }, /traces_case/],
    ['a tool loop case\'s steps', { parentId: 'x' }, /traces_parent/],
    ['one row per case in a run', { runId: 'r', topLevel: true }, /traces_run/],
    ['status', { status: 'error' }, /traces_status/],
    ['error kind (through status order)', { errorKind: 'timeout' }, /traces_started|traces_status/],
    ['time range', { from: 1, to: 2 }, /traces_started/],
    ['no filter (newest first)', {}, /traces_started/],
  ];
  for (const [why, filter, index] of filters) {
    it(`uses an index for the explorer filter: ${why}`, async () => {
      const db = await emptyDb();
      migrate(db);
      const where = traceWhere(filter);
      const plan = db
        .all(`EXPLAIN QUERY PLAN SELECT t.id FROM traces t ${where.sql.length ? `WHERE ${where.sql.join(' AND ')}` : ''} ORDER BY t.started_at DESC, t.id DESC LIMIT 100`, where.params)
        .map((r) => String(r.detail))
        .join(' | ');
      assert.match(plan, index, plan);
      assert.doesNotMatch(plan, /SCAN t(?! USING)/, `no full table scan without an index: ${plan}`);
      db.close();
    });
  }
});

describe('history ids', () => {
  it('are 26 Crockford base32 characters, unique, and encode their time', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newId(1_700_000_000_000)));
    assert.strictEqual(ids.size, 10_000, 'unique');
    for (const id of ids) assert.strictEqual(isId(id) && idTime(id) === 1_700_000_000_000, true, id);
  });

  it('sort by time, and in creation order within one millisecond', () => {
    const made = [newId(5), newId(5), newId(5), newId(6), newId(1_000_000), newId(2 ** 40)];
    assert.deepStrictEqual([...made].sort(), made);
  });

  it('name prompt versions by the SHA-256 of their content', () => {
    assert.strictEqual(promptVersionId('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
