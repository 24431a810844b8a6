// Where the history lives: `.assay/history.sqlite` in the first workspace folder unless the
// `assay.history.path` setting says otherwise. The `.assay` folder ignores itself in git.
import { closeSync, existsSync, mkdirSync, openSync, readSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';

export const HISTORY_DIR = '.assay';
export const HISTORY_FILE = 'history.sqlite';

/** The history file for a workspace root; `setting` (absolute, or relative to the root) overrides. */
export function resolveHistoryPath(workspaceRoot: string, setting?: string | null): string {
  const s = setting?.trim();
  if (s) return isAbsolute(s) ? s : resolve(workspaceRoot, s);
  return join(workspaceRoot, HISTORY_DIR, HISTORY_FILE);
}

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/**
 * What a file's first 100 bytes (the SQLite header) say: `foreign` when it is no SQLite database or one
 * whose user_version (offset 60) Assay never writes (0), else its schema version for a closer look.
 */
export function classifyHeader(bytes: Uint8Array): { kind: 'foreign'; reason: string } | { kind: 'sqlite'; userVersion: number } {
  if (bytes.length < 100 || !Buffer.from(bytes.buffer, bytes.byteOffset, 16).equals(SQLITE_MAGIC)) {
    return { kind: 'foreign', reason: 'it is not a SQLite database' };
  }
  const userVersion = Buffer.from(bytes.buffer, bytes.byteOffset, 100).readUInt32BE(60);
  if (userVersion === 0) return { kind: 'foreign', reason: "it is a SQLite database without Assay's schema" };
  return { kind: 'sqlite', userVersion };
}

/**
 * Why the file at `path` can never be an Assay history (a typo such as `--history results.json`), from its
 * header alone; undefined when it is missing, empty, unreadable (the store reports that) or may be one.
 */
export function foreignHistoryFile(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EISDIR' ? 'it is a folder' : undefined;
  }
  try {
    const head = Buffer.alloc(100);
    const n = readSync(fd, head, 0, 100, 0);
    if (n === 0) return undefined;
    const header = classifyHeader(head.subarray(0, n));
    return header.kind === 'foreign' ? header.reason : undefined;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EISDIR' ? 'it is a folder' : undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * Creates the history file's folder if needed. A folder that Assay creates, or any folder named `.assay`,
 * gets a `.gitignore` holding `*` so history stays local unless the user opts in; an existing
 * `.gitignore` is left alone, and so is a user-chosen folder that already existed.
 */
export function ensureHistoryDir(filePath: string): void {
  const dir = dirname(filePath);
  const existed = existsSync(dir);
  if (!existed) mkdirSync(dir, { recursive: true, mode: 0o700 });
  const gitignore = join(dir, '.gitignore');
  if ((!existed || basename(dir) === HISTORY_DIR) && !existsSync(gitignore)) {
    writeFileSync(gitignore, '# Assay history stays on this machine; remove this file to commit it.\n*\n');
  }
}
