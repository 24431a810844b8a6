import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { acquireLock } from '../../src/core/store/fileLock';
import { tempFolder } from '../support/storeFixtures';

/** A pid that is certainly not running: a child that has already exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('history lock file', () => {
  let folder: ReturnType<typeof tempFolder>;
  let lock: string;
  beforeEach(() => {
    folder = tempFolder('assay-lock-');
    lock = join(folder.dir, 'history.sqlite.lock');
  });
  afterEach(() => folder.cleanup());

  it('is taken, records who holds it, and is released', () => {
    const held = acquireLock(lock, { staleMs: 30_000, timeoutMs: 100 });
    assert.ok(held);
    const info = JSON.parse(readFileSync(lock, 'utf8')) as { pid: number; host: string };
    assert.deepStrictEqual([info.pid, info.host], [process.pid, hostname()]);
    assert.strictEqual(held.release(), true);
    assert.strictEqual(existsSync(lock), false);
  });

  it('cannot be taken twice; the second waiter gives up after its timeout', () => {
    const held = acquireLock(lock, { staleMs: 30_000, timeoutMs: 100 });
    assert.ok(held);
    assert.strictEqual(acquireLock(lock, { staleMs: 30_000, timeoutMs: 50 }), null, 'held by a live owner');
    held.release();
    assert.ok(acquireLock(lock, { staleMs: 30_000, timeoutMs: 50 }), 'free again');
  });

  const stale: [string, () => object][] = [
    ['its process is dead', () => ({ pid: deadPid(), host: hostname(), time: Date.now(), nonce: 'dead' })],
    ['it is older than the stale limit', () => ({ pid: process.pid, host: hostname(), time: Date.now() - 60_000, nonce: 'old' })],
    ['it is from another machine and old', () => ({ pid: 1, host: 'elsewhere', time: Date.now() - 60_000, nonce: 'far' })],
  ];
  for (const [why, make] of stale) {
    it(`breaks a stale lock: ${why}`, () => {
      writeFileSync(lock, JSON.stringify(make()));
      const held = acquireLock(lock, { staleMs: 30_000, timeoutMs: 200 });
      assert.ok(held, why);
      assert.strictEqual((JSON.parse(readFileSync(lock, 'utf8')) as { nonce: string }).nonce, held.info.nonce, 'the lock is now ours');
    });
  }

  it('keeps a fresh lock of a live process on another machine', () => {
    writeFileSync(lock, JSON.stringify({ pid: 1, host: 'elsewhere', time: Date.now(), nonce: 'theirs' }));
    assert.strictEqual(acquireLock(lock, { staleMs: 30_000, timeoutMs: 50 }), null);
  });

  it('does not remove a lock that someone else took after ours was broken', () => {
    const held = acquireLock(lock, { staleMs: 30_000, timeoutMs: 100 });
    assert.ok(held);
    writeFileSync(lock, JSON.stringify({ pid: process.pid, host: hostname(), time: Date.now(), nonce: 'newcomer' }));
    assert.strictEqual(held.release(), false);
    assert.strictEqual(existsSync(lock), true, "the newcomer's lock stays");
  });
});
