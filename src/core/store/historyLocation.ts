// Where the history lives: `.assay/history.sqlite` in the first workspace folder unless the
// `assay.history.path` setting says otherwise. The `.assay` folder ignores itself in git.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';

export const HISTORY_DIR = '.assay';
export const HISTORY_FILE = 'history.sqlite';

/** The history file for a workspace root; `setting` (absolute, or relative to the root) overrides. */
export function resolveHistoryPath(workspaceRoot: string, setting?: string | null): string {
  const s = setting?.trim();
  if (s) return isAbsolute(s) ? s : resolve(workspaceRoot, s);
  return join(workspaceRoot, HISTORY_DIR, HISTORY_FILE);
}

/**
 * Creates the history file's folder if needed. A folder that Assay creates, or any folder named `.assay`,
 * gets a `.gitignore` holding `*` so history stays local unless the user opts in; an existing
 * `.gitignore` is left alone, and so is a user-chosen folder that already existed.
 */
export function ensureHistoryDir(filePath: string): void {
  const dir = dirname(filePath);
  const existed = existsSync(dir);
  if (!existed) mkdirSync(dir, { recursive: true });
  const gitignore = join(dir, '.gitignore');
  if ((!existed || basename(dir) === HISTORY_DIR) && !existsSync(gitignore)) {
    writeFileSync(gitignore, '# Assay history stays on this machine; remove this file to commit it.\n*\n');
  }
}
