// A cross-process lock file (`history.sqlite.lock`) for saves. Synchronous: it runs in the store's
// worker, where a blocking wait costs the extension host nothing.
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';

/** What a lock file holds. */
export interface LockInfo {
  pid: number;
  host: string;
  /** ms since the epoch when taken. */
  time: number;
  nonce: string;
}

export interface LockOptions {
  /** Older than this, a lock is broken even if its process still seems alive. */
  staleMs: number;
  /** Give up after waiting this long. */
  timeoutMs: number;
}

export interface HeldLock {
  readonly info: LockInfo;
  /** Removes the lock if it is still ours; false when someone broke it meanwhile. */
  release(): boolean;
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the current thread (the worker) for `ms`. */
export function sleepSync(ms: number): void {
  Atomics.wait(sleepCell, 0, 0, ms);
}

function readLock(path: string): LockInfo | null {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockInfo>;
    if (typeof parsed.pid === 'number' && typeof parsed.time === 'number' && typeof parsed.nonce === 'string') {
      return { pid: parsed.pid, host: String(parsed.host ?? ''), time: parsed.time, nonce: parsed.nonce };
    }
    return null;
  } catch {
    return null;
  }
}

/** Whether a process with this id runs on this machine (EPERM: it does, as another user). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether a lock (or, when unreadable, the lock file itself) is stale. */
export function isStale(path: string, info: LockInfo | null, staleMs: number, now = Date.now()): boolean {
  if (!info) {
    // Unreadable: a writer died between creating and filling it, or it is being written right now.
    try {
      return now - statSync(path).mtimeMs > Math.min(staleMs, 2_000);
    } catch {
      return false;
    }
  }
  if (info.host === hostname() && info.pid !== process.pid && !pidAlive(info.pid)) return true;
  return now - info.time > staleMs;
}

function tryCreate(path: string, info: LockInfo): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, JSON.stringify(info));
  } catch (err) {
    // A full disk can create the file and then refuse its bytes: never leave an empty lock behind.
    closeSync(fd);
    try {
      unlinkSync(path);
    } catch {
      // Already gone.
    }
    throw err;
  }
  closeSync(fd);
  return true;
}

/**
 * Breaks `path` if it is still the stale lock we saw. Breakers serialise on a second lock file so
 * two of them can never both remove a lock and one of them delete the other's fresh lock.
 */
function breakStale(path: string, seen: LockInfo | null, staleMs: number): void {
  const breaker = `${path}.break`;
  const me: LockInfo = { pid: process.pid, host: hostname(), time: Date.now(), nonce: randomBytes(8).toString('hex') };
  if (!tryCreate(breaker, me)) {
    if (isStale(breaker, readLock(breaker), Math.min(staleMs, 10_000))) {
      try {
        unlinkSync(breaker);
      } catch {
        // Someone else removed it first.
      }
    }
    return;
  }
  try {
    const now = readLock(path);
    const same = seen === null ? now === null : now !== null && now.nonce === seen.nonce;
    if (same && isStale(path, now, staleMs)) {
      try {
        unlinkSync(path);
      } catch {
        // Already gone.
      }
    }
  } finally {
    try {
      unlinkSync(breaker);
    } catch {
      // Already gone.
    }
  }
}

/**
 * Takes the lock, waiting (and breaking a stale one) up to `timeoutMs`; null on timeout. Throws the file
 * system's error (EACCES, EROFS, ENOSPC…) when the lock file cannot be created at all.
 */
export function acquireLock(path: string, options: LockOptions): HeldLock | null {
  const info: LockInfo = { pid: process.pid, host: hostname(), time: Date.now(), nonce: randomBytes(12).toString('hex') };
  const deadline = Date.now() + options.timeoutMs;
  let wait = 2;
  for (;;) {
    info.time = Date.now();
    if (tryCreate(path, info)) break;
    const holder = readLock(path);
    const stale = isStale(path, holder, options.staleMs);
    if (stale) breakStale(path, holder, options.staleMs);
    if (Date.now() >= deadline) return null;
    if (stale) {
      sleepSync(1);
    } else {
      sleepSync(wait + Math.random() * wait);
      wait = Math.min(wait * 2, 50);
    }
  }
  return {
    info,
    release(): boolean {
      const now = readLock(path);
      if (!now || now.nonce !== info.nonce) return false;
      try {
        unlinkSync(path);
      } catch {
        return false;
      }
      return true;
    },
  };
}
