import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { loadSqlJs } from '../../src/core/store/sqlite';
import { TraceStore } from '../../src/core/store/traceStore';
import { makeTrace, tempFolder } from '../support/storeFixtures';

const ROOT = join(__dirname, '..', '..');
const WRITER = join(ROOT, 'test', 'support', 'storeWriter.ts');

/** A `storeWriter` child process and the lines it prints. */
function startWriter(args: string[]): { child: ChildProcess; line: (want: RegExp) => Promise<string>; exit: Promise<number | null>; stderr: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  const seen: string[] = [];
  const waiters: { want: RegExp; resolve: (l: string) => void }[] = [];
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  createInterface({ input: child.stdout! }).on('line', (l) => {
    seen.push(l);
    for (const w of [...waiters]) {
      if (w.want.test(l)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(l);
      }
    }
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const line = (want: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const hit = seen.find((l) => want.test(l));
      if (hit) return resolve(hit);
      waiters.push({ want, resolve });
      void exit.then((code) => reject(new Error(`writer exited (${code}) before printing ${want}: ${err}`)));
    });
  return { child, line, exit, stderr: () => err };
}

/** Resolves with the next value `listen` delivers. */
function next<T>(listen: (l: (e: T) => void) => { dispose(): void }): Promise<T> {
  return new Promise((resolve) => {
    const d = listen((e) => {
      d.dispose();
      resolve(e);
    });
  });
}

describe('TraceStore with several writers and crashes', function () {
  this.timeout(60_000);
  let folder: ReturnType<typeof tempFolder>;
  let file: string;
  const open: TraceStore[] = [];
  const openStore = async (options: Partial<Parameters<typeof TraceStore.open>[0]> = {}) => {
    const s = await TraceStore.open({ path: file, saveDebounceMs: 60_000, maxSaveDelayMs: 60_000, ...options });
    open.push(s);
    return s;
  };

  beforeEach(() => {
    folder = tempFolder();
    file = join(folder.dir, 'history.sqlite');
  });
  afterEach(async () => {
    await Promise.allSettled(open.splice(0).map((s) => s.close()));
    folder.cleanup();
  });

  it('two processes writing 1,000 traces each at the same time end with 2,000', async () => {
    const a = startWriter([file, '1000', '100']);
    const b = startWriter([file, '1000', '100']);
    await Promise.all([a.line(/^ready$/), b.line(/^ready$/)]);
    a.child.stdin!.write('go\n');
    b.child.stdin!.write('go\n');
    const done = Promise.all([a.line(/^done /), b.line(/^done /)]);
    const [codeA, codeB] = await Promise.all([a.exit, b.exit]);
    assert.deepStrictEqual([codeA, codeB], [0, 0], `writers failed: ${a.stderr()} ${b.stderr()}`);
    const merges = (await done).map((l) => Number(l.split(' ')[1]));
    assert.ok(merges[0]! + merges[1]! > 0, `the writers overlapped and merged each other's saves (${merges})`);
    const store = await openStore();
    const stats = await store.stats();
    assert.strictEqual(stats.counts.traces, 2000, 'nothing lost');
    const page = await store.listTraces({}, { limit: 1000, withTotal: true });
    const perWriter = new Map<string, number>();
    for (const t of page.items) perWriter.set(t.caseId!.split('-')[0]!, (perWriter.get(t.caseId!.split('-')[0]!) ?? 0) + 1);
    assert.strictEqual(page.total, 2000);
    assert.strictEqual(perWriter.size, 2, 'both writers are represented');
    assert.strictEqual(existsSync(`${file}.lock`), false, 'no lock left behind');
  });

  for (const stage of ['partialTemp', 'beforeRename'] as const) {
    it(`a process killed with SIGKILL in the middle of saving (${stage}) leaves the previous file whole`, async () => {
      const w = startWriter([file, '200', '200', '--pause', stage]);
      await w.line(/^ready$/);
      w.child.stdin!.write('go\n');
      await w.line(/^paused$/);
      const before = readFileSync(file);
      assert.strictEqual(existsSync(`${file}.lock`), true, 'the lock is held while saving');
      assert.strictEqual(readdirSync(folder.dir).some((n) => n.includes('.tmp-')), true, 'a temp file is being written');
      w.child.kill('SIGKILL');
      await w.exit;

      assert.deepStrictEqual(readFileSync(file), before, 'the file was not touched');
      const store = await openStore();
      assert.strictEqual(store.openReport.recovered, undefined, 'nothing to recover');
      assert.strictEqual(store.openReport.replayed?.journals, 1, "the dead writer's journal was replayed");
      assert.strictEqual((await store.stats()).counts.traces, 400, 'the first save and the 200 journaled traces of the killed save');
      assert.strictEqual(readdirSync(folder.dir).some((n) => n.includes('.journal-')), false, 'the replayed journal is gone once saved');
      assert.strictEqual(readdirSync(folder.dir).some((n) => n.includes('.tmp-')), false, "the dead writer's temp file is gone");
      await store.addTraces([makeTrace()]);
      const saved = await store.flush();
      assert.strictEqual(saved.saved, true, `the dead writer's lock is broken: ${saved.error}`);
      assert.strictEqual((await store.stats()).counts.traces, 401);
    });
  }

  const garbage: [string, () => Buffer][] = [
    ['a database cut in half', () => readFileSync(file).subarray(0, Math.floor(readFileSync(file).length / 2))],
    ['a copy with one page overwritten', () => {
      const bytes = Buffer.from(readFileSync(file));
      bytes.fill(0x5a, 16384 * 3, 16384 * 4);
      return bytes;
    }],
  ];
  for (const [why, make] of garbage) {
    it(`moves a corrupt file aside, reports it and starts fresh: ${why}`, async () => {
      const first = await openStore();
      await first.addTraces(Array.from({ length: 300 }, () => makeTrace({ text: 'x'.repeat(2000) })));
      await first.close();
      const bad = make();
      writeFileSync(file, bad);

      const store = await openStore();
      const recovered = store.openReport.recovered;
      assert.ok(recovered, 'recovery reported');
      assert.match(recovered.movedTo, /history\.sqlite\.corrupt-\d{4}-\d\d-\d\dT/);
      assert.match(recovered.message, /could not be opened .* moved to .*fresh history/);
      assert.deepStrictEqual(readFileSync(recovered.movedTo), bad, 'the corrupt bytes are kept as they were');
      assert.strictEqual((await store.stats()).counts.traces, 0, 'a fresh history');
      await store.addTraces([makeTrace()]);
      assert.strictEqual((await store.flush()).saved, true);
    });
  }

  const otherDb = async (sql: string): Promise<Buffer> => {
    const SQL = await loadSqlJs();
    const db = new SQL.Database();
    db.exec(sql);
    const bytes = Buffer.from(db.export());
    db.close();
    return bytes;
  };
  const foreign: [string, () => Buffer | Promise<Buffer>][] = [
    ['a JSON file (a --history typo)', () => Buffer.from(JSON.stringify({ results: Array.from({ length: 200 }, (_, i) => ({ i })) }))],
    ['text that is not a database at all', () => Buffer.from('this is not sqlite '.repeat(1000))],
    ['a SQLite database of another program', () => otherDb('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES (\'keep me\');')],
    ["a SQLite database with a user_version but not Assay's tables", () => otherDb('CREATE TABLE traces (x); PRAGMA user_version = 2;')],
  ];
  for (const [why, make] of foreign) {
    it(`refuses a file that is not an Assay history and leaves it untouched: ${why}`, async () => {
      const bytes = await make();
      writeFileSync(file, bytes);
      await assert.rejects(openStore(), /is not an Assay history \(.*\)\. It was left untouched; choose another history path/);
      assert.deepStrictEqual(readFileSync(file), bytes, 'byte for byte');
      assert.deepStrictEqual(readdirSync(folder.dir).sort(), ['history.sqlite'], 'nothing renamed, no lock, journal or temp file');
    });
  }

  it("moves aside a file damaged while open (never merging it), reports it and writes this window's history in its place", async () => {
    const store = await openStore();
    await store.addTraces(Array.from({ length: 300 }, () => makeTrace({ text: 'x'.repeat(2000) })));
    await store.flush();
    const damaged = Buffer.from(readFileSync(file));
    damaged.fill(0x5a, 16384 * 3, 16384 * 4);
    writeFileSync(file, damaged);
    await store.addTraces([makeTrace()]);
    const problem = next(store.onProblem);
    const saved = await store.flush();
    assert.strictEqual(saved.saved, true, saved.error);
    assert.strictEqual(saved.merged, false, 'the damaged file was not merged');
    assert.match(await problem, /was damaged \(.*\)\. It was moved to .*history\.sqlite\.corrupt-/);
    const aside = readdirSync(folder.dir).filter((n) => n.includes('.corrupt-'));
    assert.strictEqual(aside.length, 1);
    assert.deepStrictEqual(readFileSync(join(folder.dir, aside[0]!)), damaged, 'the damaged bytes are kept as they were');
    const other = await openStore();
    assert.strictEqual(other.openReport.recovered, undefined, 'the file written in its place is whole');
    assert.strictEqual((await other.stats()).counts.traces, 301);
  });

  it('never saves over a file that another program put at the history path while open', async () => {
    const store = await openStore();
    await store.addTraces([makeTrace()]);
    await store.flush();
    const theirs = Buffer.from('{"not": "a history"}\n');
    writeFileSync(file, theirs);
    await store.addTraces([makeTrace()]);
    const saved = await store.flush();
    assert.strictEqual(saved.saved, false);
    assert.match(saved.error ?? '', /is no longer an Assay history .* not saved over it/);
    assert.deepStrictEqual(readFileSync(file), theirs);
    assert.strictEqual(existsSync(`${file}.lock`), false);
  });

  it('merges deletions, feedback and clears between two stores on one file', async () => {
    const a = await openStore();
    const [t1, t2] = await a.addTraces([makeTrace({ caseId: 'one' }), makeTrace({ caseId: 'two' })]);
    await a.flush();
    const b = await openStore();
    assert.strictEqual((await b.stats()).counts.traces, 2, 'b sees what a saved');

    await a.deleteTraces([t1!]);
    await a.setFeedback(t2!, { rating: 1 });
    await a.flush();
    const [t3] = await b.addTraces([makeTrace({ caseId: 'three' })]);
    await b.setFeedback(t2!, { rating: -1, note: 'later' });
    const merged = await b.flush();
    assert.strictEqual(merged.merged, true, "b merged a's save");
    const ids = (await b.listTraces()).items.map((t) => t.id).sort();
    assert.deepStrictEqual(ids, [t2!, t3!].sort(), "a's deletion held, b's trace kept");
    assert.strictEqual((await b.getTrace(t2!))!.feedback!.rating, -1, 'the later rating wins');
    assert.strictEqual(await a.refresh(), true, 'a loads b’s save');
    assert.strictEqual((await a.getTrace(t2!))!.feedback!.note, 'later');

    const [t4] = await b.addTraces([makeTrace({ caseId: 'four' })]);
    await a.clear();
    await b.flush();
    assert.deepStrictEqual((await b.listTraces()).items.map((t) => t.id), [t4], 'a clear removes what was saved, not what b had not saved yet');
  });

  it("picks up another window's saves before list queries", async () => {
    const a = await openStore();
    const b = await openStore({ refreshIntervalMs: 0 });
    assert.strictEqual((await b.listTraces()).items.length, 0);
    await a.addTraces([makeTrace({ caseId: 'from a' })]);
    await a.flush();
    const changed = next(b.onDidChange);
    assert.deepStrictEqual((await b.listTraces()).items.map((t) => t.caseId), ['from a']);
    assert.deepStrictEqual(await changed, { reason: 'merged' });
  });

  it("keeps a pending trace's prompt version and run when another writer's retention removed them", async () => {
    const a = await openStore({ maxTraces: 1 });
    const b = await openStore();
    const versionId = await b.addPromptVersion({ path: 'p.prompt', content: 'hello' });
    const runId = await b.startRun({ kind: 'test', models: ['openai:gpt-4o-mini'], promptVersionId: versionId, startedAt: 500 });
    await b.finishRun(runId, { endedAt: 3000 });
    await b.addTraces([makeTrace({ runId, promptVersionId: versionId, startedAt: 1000 })]);
    await b.flush();
    await a.refresh();
    await a.addTraces([makeTrace({ startedAt: 5000 })]);
    const trimmed = await a.flush();
    assert.strictEqual(trimmed.retained, 1, "a's retention removed b's older trace, its run and its prompt version");
    const [late] = await b.addTraces([makeTrace({ runId, promptVersionId: versionId, startedAt: 2000 })]);
    await b.flush();
    const check = await openStore({ maxTraces: 0 });
    const trace = await check.getTrace(late!);
    assert.ok(trace, 'b’s new trace is there');
    assert.strictEqual((await check.runSummary(runId))?.run.id, runId, 'its run came back with it');
    assert.strictEqual((await check.stats()).counts.promptVersions, 1, 'and its prompt version');
  });
});
