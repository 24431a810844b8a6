// Child processes as the tests watch them (Linux: /proc): whether one still runs, when it has exited,
// and finding one by its command line.
import { readdirSync, readFileSync } from 'node:fs';

/** Whether a process still runs: it exists and is not a zombie waiting to be reaped. */
export function isAlive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Resolves when `pid` has exited (the kernel finishes a SIGKILL a moment after it is sent); a process never killed times the test out. */
export async function exited(pid: number): Promise<true> {
  while (isAlive(pid)) await new Promise((r) => setImmediate(r));
  return true;
}

/** The pid of a running process (not this one) whose command line contains `needle`. */
export async function waitForChild(needle: string): Promise<number> {
  for (;;) {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
      try {
        if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').includes(needle)) return Number(entry);
      } catch {
        // Gone meanwhile.
      }
    }
    await new Promise((r) => setImmediate(r));
  }
}
