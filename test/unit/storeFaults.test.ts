// The history store against real file-system faults: a full disk and a read-only mount (a small tmpfs),
// file modes, the crash journal, and runs left open by a process that stopped.
import * as assert from 'node:assert/strict';
import { appendFileSync, existsSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { acquireLock } from '../../src/core/store/fileLock';
import { decodeRecords, encodeRecord } from '../../src/core/store/storeJournal';
import { TraceStore } from '../../src/core/store/traceStore';
import { mountSmallFs, type SmallFs } from '../support/smallFileSystem';
import { makeTrace, tempFolder } from '../support/storeFixtures';

const mode = (path: string): number => statSync(path).mode & 0o777;

describe('TraceStore under file-system faults', function () {
  this.timeout(60_000);
  const open: TraceStore[] = [];
  const openStore = async (path: string, options: Partial<Parameters<typeof TraceStore.open>[0]> = {}) => {
    const s = await TraceStore.open({ path, saveDebounceMs: 60_000, maxSaveDelayMs: 60_000, ...options });
    open.push(s);
    return s;
  };
  afterEach(async () => {
    await Promise.allSettled(open.splice(0).map((s) => s.close()));
  });

  describe('files and journal', () => {
    let folder: ReturnType<typeof tempFolder>;
    let file: string;
    beforeEach(() => {
      folder = tempFolder();
      file = join(folder.dir, 'sub', 'history.sqlite');
    });
    afterEach(() => folder.cleanup());

    it('creates the history, its journal and its lock readable by the owner only', async () => {
      const store = await openStore(file);
      await store.addTraces([makeTrace()]);
      const journal = readdirSync(join(folder.dir, 'sub')).find((n) => n.startsWith('history.sqlite.journal-'));
      assert.ok(journal, 'the write was journaled before it was acknowledged');
      assert.strictEqual(mode(join(folder.dir, 'sub', journal)), 0o600);
      assert.strictEqual((await store.flush()).saved, true);
      assert.strictEqual(mode(file), 0o600);
      assert.strictEqual(mode(join(folder.dir, 'sub')), 0o700, 'a folder Assay creates is private too');
      const lock = acquireLock(`${file}.lock`, { staleMs: 30_000, timeoutMs: 1_000 });
      assert.ok(lock);
      assert.strictEqual(mode(`${file}.lock`), 0o600);
      lock.release();
      await store.close();
      assert.deepStrictEqual(readdirSync(join(folder.dir, 'sub')).sort(), ['.gitignore', 'history.sqlite'], 'a clean close removes the journal');
    });

    it('journal lines survive a torn last line and carry blobs intact', () => {
      const blob = new Uint8Array([0, 1, 2, 250, 255]);
      const text =
        encodeRecord({ t: 'rows', rows: [['trace_payloads', 'REPLACE', ['t1', blob]]] }) +
        encodeRecord({ t: 'del', ids: ['t0'] }) +
        encodeRecord({ t: 'open', runs: ['r1'] }).slice(0, 10);
      const records = decodeRecords(text);
      assert.strictEqual(records.length, 2, 'the torn line is dropped');
      assert.deepStrictEqual(records[0], { t: 'rows', rows: [['trace_payloads', 'REPLACE', ['t1', blob]]] });
      assert.deepStrictEqual(records[1], { t: 'del', ids: ['t0'] });
    });

    it("marks a run left open by a store that closed before finishing it 'interrupted'", async () => {
      const store = await openStore(file);
      const runId = await store.startRun({ kind: 'cli', models: ['openai:gpt-4o-mini'] });
      await store.addTraces([makeTrace({ runId })]);
      await store.close();
      const again = await openStore(file);
      const run = (await again.listRuns()).items.find((r) => r.id === runId);
      assert.strictEqual(run?.status, 'interrupted');
      assert.deepStrictEqual((await again.stats()).runStatuses, { interrupted: 1 });
    });

    it('leaves no empty lock file when the lock cannot be written', () => {
      // A lock path inside a missing folder fails at once with the file system's error, not as a timeout.
      assert.throws(() => acquireLock(join(folder.dir, 'missing', 'x.lock'), { staleMs: 1_000, timeoutMs: 1_000 }), /ENOENT/);
      assert.strictEqual(existsSync(join(folder.dir, 'missing')), false);
    });
  });

  describe('on a small file system', () => {
    let fs: SmallFs | null;
    let file: string;
    const why: { reason?: string } = {};
    beforeEach(function () {
      fs = mountSmallFs(4096, why);
      if (!fs) this.skip();
      file = join(fs.dir, 'history.sqlite');
    });
    afterEach(() => fs?.unmount());

    /** A saved history of 120 traces. */
    async function history(): Promise<Buffer> {
      const store = await openStore(file, { journal: false });
      await store.addTraces(Array.from({ length: 120 }, (_, i) => makeTrace({ caseId: `old-${i}`, text: `${i} `.repeat(300) })));
      const saved = await store.close();
      assert.strictEqual(saved.saved, true, saved.error);
      return readFileSync(file);
    }

    /** Fills the file system to the last byte with another file; returns its path. */
    function fill(): string {
      const filler = join(fs!.dir, 'filler.bin');
      const chunk = Buffer.alloc(4096, 1);
      for (;;) {
        try {
          appendFileSync(filler, chunk);
        } catch (err) {
          assert.strictEqual((err as NodeJS.ErrnoException).code, 'ENOSPC');
          return filler;
        }
      }
    }

    it('a full disk fails the save with the reason and the path, keeps the previous file byte for byte, and the store goes on', async () => {
      const before = await history();
      const store = await openStore(file);
      const problems: string[] = [];
      store.onProblem((m) => problems.push(m));
      const filler = fill();
      await store.addTraces([makeTrace({ caseId: 'new-1' })]);
      const saved = await store.flush();
      assert.strictEqual(saved.saved, false);
      // Which write meets the full disk first (the lock file or the save's temp file) is the file system's choice.
      assert.match(saved.error ?? '', /^(saving \S+history\.sqlite failed|cannot create the lock file \S+history\.sqlite\.lock): the disk is full\. The history file on disk is unchanged\./);
      assert.deepStrictEqual(readFileSync(file), before, 'the previous file is intact');
      assert.deepStrictEqual(readdirSync(fs!.dir).filter((n) => n.includes('.tmp-') || n.endsWith('.lock')), [], 'no temp or lock file left');
      // The worker lives: reads and more writes work, and a save succeeds once there is room.
      await store.addTraces([makeTrace({ caseId: 'new-2' })]);
      assert.strictEqual((await store.stats()).counts.traces, 122);
      assert.strictEqual((await store.flush()).error, saved.error, 'still full');
      assert.strictEqual(problems.filter((p) => p === saved.error).length, 1, `told once: ${problems.join(' | ')}`);
      unlinkSync(filler);
      const retry = await store.flush();
      assert.strictEqual(retry.saved, true, retry.error);
      const reopened = await openStore(file);
      assert.strictEqual((await reopened.stats()).counts.traces, 122);
    });

    it('a read-only mount fails the save with the reason, keeps the file, and the worker survives', async () => {
      const before = await history();
      fs!.remount('ro');
      const store = await openStore(file);
      const problems: string[] = [];
      store.onProblem((m) => problems.push(m));
      await store.addTraces([makeTrace()]);
      const saved = await store.flush();
      assert.strictEqual(saved.saved, false);
      assert.match(saved.error ?? '', /cannot create the lock file .*history\.sqlite\.lock: the file system is read-only\. The history file on disk is unchanged\./);
      assert.match(problems[0] ?? '', /crash journal .*: the file system is read-only/);
      assert.strictEqual(problems[1], saved.error);
      assert.deepStrictEqual(readFileSync(file), before);
      assert.strictEqual((await store.stats()).counts.traces, 121, 'the worker still answers');
      fs!.remount('rw');
      const retry = await store.flush();
      assert.strictEqual(retry.saved, true, `saved once the mount is writable again: ${retry.error}`);
    });
  });

  it('a crashed writer is replayed on open even when its journal ends mid-line', async () => {
    const folder = tempFolder();
    try {
      const file = join(folder.dir, 'history.sqlite');
      // A journal as a process killed mid-write leaves it: pid 2^22+1 is never alive.
      const journal = `${file}.journal-${hostname().replace(/[^A-Za-z0-9]/g, '')}-4194305-1-abc`;
      const store = await openStore(file, { journal: false });
      const runId = await store.startRun({ id: 'run-dead', kind: 'cli', models: ['echo:echo'] });
      await store.close();
      writeFileSync(journal, encodeRecord({ t: 'open', runs: [runId] }) + '{"t":"rows","ro');
      const again = await openStore(file);
      assert.deepStrictEqual(again.openReport.replayed, { journals: 1, rows: 0, interruptedRuns: ['run-dead'] });
      assert.strictEqual((await again.listRuns()).items[0]?.status, 'interrupted');
      assert.strictEqual(existsSync(journal), false, 'replayed and saved, the journal is gone');
    } finally {
      folder.cleanup();
    }
  });

  it('a trace journaled before schema 5 (no parent_id, step) is replayed into the leading columns', async () => {
    const folder = tempFolder();
    try {
      const file = join(folder.dir, 'history.sqlite');
      const journal = `${file}.journal-${hostname().replace(/[^A-Za-z0-9]/g, '')}-4194305-1-old`;
      const store = await openStore(file, { journal: false });
      await store.close();
      // The 29 values of a version-4 trace row, in its column order.
      const old = ['01OLDTRACE0000000000000000', null, null, null, 'case-1', 0, 'openai', 'gpt-4o-mini', null, 'billing', null, 'stop', 10, 2, 0, 0, 0, 0.001, 120, null, 'ok', null, null, null, 0, 1, 1_700_000_000_000, 1_700_000_000_120, 400];
      writeFileSync(journal, encodeRecord({ t: 'rows', rows: [['traces', 'IGNORE', old]] }));
      const again = await openStore(file);
      assert.strictEqual(again.openReport.replayed?.rows, 1);
      const trace = await again.getTrace('01OLDTRACE0000000000000000');
      assert.deepStrictEqual([trace?.text, trace?.caseId, trace?.parentId, trace?.step], ['billing', 'case-1', null, null]);
    } finally {
      folder.cleanup();
    }
  });
});
