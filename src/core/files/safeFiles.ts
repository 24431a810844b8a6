// Every file Assay reads on its own (test banks, `file://` values, globs, promptfoo configs, prompt files
// found by discovery) goes through here: it must be a regular file inside the workspace or project
// (symlinks resolved and checked), no bigger than the size limit, and a glob walks a bounded number of
// entries without leaving the root. A device, a FIFO, a 200 MB CSV or `../../etc` is a refusal with a
// message that names the file and the next step, never a read.
import { closeSync, constants, fstatSync, openSync, readdirSync, readSync, realpathSync, statSync, type Dirent, type Stats } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';

/** The default limit on a file's size, in MB (setting `assay.files.maxSizeMB`, CLI `--max-file-size-mb`). */
export const DEFAULT_MAX_FILE_MB = 20;
/** How many files a glob may match. */
export const MAX_GLOB_MATCHES = 1_000;
/** How many directory entries one glob may look at before it is refused as too broad. */
export const MAX_GLOB_ENTRIES = 20_000;

/** What Assay may read: the policy the host builds from the workspace and the CLI from the project. */
export interface FileAccess {
  /** Folders files may be read from, as real paths (see `fileAccess`). */
  roots: readonly string[];
  /** Files larger than this many bytes are refused. */
  maxBytes: number;
  /** Read outside `roots` too (a path the user typed on the command line). Devices, FIFOs and size are still refused. */
  allowOutside?: boolean;
  /** Restricted Mode: globs are not expanded and `file://` values are not read. */
  restricted?: boolean;
  /** How the roots are named in messages: `workspace` (the editor) or `project` (the CLI). */
  rootLabel: string;
  /** The setting or flag that raises the size limit, named in messages. */
  limitName: string;
  /**
   * The text of a file as an editor holds it now (unsaved edits), by absolute path; the file on disk is
   * read when this gives undefined. The policy checks (roots, regular file) still apply to the path.
   */
  unsavedText?: (path: string) => string | undefined;
}

/** Why a file was not read. */
export type FileRefusalCode = 'file-not-found' | 'file-unreadable' | 'outside-root' | 'not-regular-file' | 'file-too-large' | 'glob-too-broad' | 'restricted';

/** A file Assay refused or failed to read; `message` names the path as written and says what to do. */
export interface FileRefusal {
  code: FileRefusalCode;
  message: string;
}

/** A policy over `roots` (made real paths; a root that does not exist is kept as written). */
export function fileAccess(options: { roots: readonly string[]; maxSizeMB?: number; allowOutside?: boolean; restricted?: boolean; rootLabel?: string; limitName?: string }): FileAccess {
  const mb = options.maxSizeMB !== undefined && Number.isFinite(options.maxSizeMB) && options.maxSizeMB > 0 ? options.maxSizeMB : DEFAULT_MAX_FILE_MB;
  const access: FileAccess = {
    roots: [...new Set(options.roots.map(realOrResolved))],
    maxBytes: Math.floor(mb * 1024 * 1024),
    rootLabel: options.rootLabel ?? 'workspace',
    limitName: options.limitName ?? 'assay.files.maxSizeMB',
  };
  if (options.allowOutside) access.allowOutside = true;
  if (options.restricted) access.restricted = true;
  return access;
}

function realOrResolved(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/** Whether `path` is `root` or below it (both absolute, normalised). */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

function insideRoots(access: FileAccess, real: string): boolean {
  return access.allowOutside === true || access.roots.some((root) => isInside(root, real));
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0)} MB`;

function notRegular(shown: string, st: Stats, access: FileAccess): FileRefusal {
  return { code: 'not-regular-file', message: `${shown} is not a regular file inside the ${access.rootLabel} (it is ${kindOf(st)}): Assay reads only regular files; name a file instead` };
}

function tooLarge(shown: string, size: number, access: FileAccess): FileRefusal {
  return {
    code: 'file-too-large',
    message: `${shown} is ${mb(size)}, over the ${mb(access.maxBytes)} limit on files Assay reads: split it, or raise ${access.limitName}`,
  };
}

/** The file `path` is, when Assay may read it: its real path and size; or why not. `shown` is the path as the user wrote it. */
export function statRegular(path: string, access: FileAccess, shown = path): { realPath: string; size: number } | { error: FileRefusal } {
  let real: string;
  try {
    real = realpathSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { error: { code: 'file-not-found', message: `${shown}: no such file` } };
    return { error: { code: 'file-unreadable', message: `cannot read ${shown}: ${code ?? String(e)}` } };
  }
  if (!insideRoots(access, real)) {
    const via = real === resolve(path) ? '' : ` (it leads to ${real})`;
    return { error: { code: 'outside-root', message: `${shown} is not a regular file inside the ${access.rootLabel}${via}: Assay reads only files inside the ${access.rootLabel}; copy the file into it` } };
  }
  let st: Stats;
  try {
    st = statSync(real);
  } catch (e) {
    return { error: { code: 'file-unreadable', message: `cannot read ${shown}: ${(e as NodeJS.ErrnoException).code ?? String(e)}` } };
  }
  if (!st.isFile()) return { error: notRegular(shown, st, access) };
  if (st.size > access.maxBytes) return { error: tooLarge(shown, st.size, access) };
  return { realPath: real, size: st.size };
}

/** Reads a text file under the policy (see `readFileBytes`). */
export function readTextFile(path: string, access: FileAccess, shown = path): { text: string; realPath: string } | { error: FileRefusal } {
  if (access.unsavedText) {
    // An editor's unsaved text of the file wins over the disk (the policy still decides whether it may be read).
    const checked = statRegular(path, access, shown);
    if ('error' in checked) return checked;
    const unsaved = access.unsavedText(path) ?? (checked.realPath !== path ? access.unsavedText(checked.realPath) : undefined);
    if (unsaved !== undefined) return { text: unsaved, realPath: checked.realPath };
  }
  const read = readFileBytes(path, access, shown);
  return 'error' in read ? read : { text: read.bytes.toString('utf8'), realPath: read.realPath };
}

/**
 * Reads a file's bytes under the policy (images). The file is checked by path, then opened without blocking
 * (a FIFO swapped in meanwhile cannot hang the open) and checked again by descriptor; at most `maxBytes` + 1
 * bytes are ever read, so a file that grows past the limit is refused, not read to the end.
 */
export function readFileBytes(path: string, access: FileAccess, shown = path): { bytes: Buffer; realPath: string } | { error: FileRefusal } {
  const checked = statRegular(path, access, shown);
  if ('error' in checked) return checked;
  let fd: number;
  try {
    fd = openSync(checked.realPath, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0));
  } catch (e) {
    return { error: { code: 'file-unreadable', message: `cannot read ${shown}: ${(e as NodeJS.ErrnoException).code ?? String(e)}` } };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { error: notRegular(shown, st, access) };
    let buffer = Buffer.allocUnsafe(Math.min(access.maxBytes + 1, Math.max(st.size + 1, 64 * 1024)));
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length > access.maxBytes) break;
        // The file grew since fstat: keep reading, never past the limit.
        const bigger = Buffer.allocUnsafe(Math.min(access.maxBytes + 1, buffer.length * 2));
        buffer.copy(bigger, 0, 0, length);
        buffer = bigger;
      }
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
    }
    if (length > access.maxBytes) return { error: tooLarge(shown, length, access) };
    return { bytes: buffer.subarray(0, length), realPath: checked.realPath };
  } catch (e) {
    return { error: { code: 'file-unreadable', message: `cannot read ${shown}: ${(e as NodeJS.ErrnoException).code ?? String(e)}` } };
  } finally {
    closeSync(fd);
  }
}

/** Whether `pattern` has glob syntax (`*`, `?`, `{a,b}`). */
export function hasGlob(pattern: string): boolean {
  return /[*?{]/.test(pattern);
}

function segmentRegex(segment: string): RegExp {
  let re = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '{') {
      const close = segment.indexOf('}', i);
      if (close < 0) re += '\\{';
      else {
        re += `(?:${segment
          .slice(i + 1, close)
          .split(',')
          .map((alt) => alt.replace(/[.+^$()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]'))
          .join('|')})`;
        i = close;
      }
    } else re += c!.replace(/[.+^$()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

class GlobBudgetExceeded extends Error {}

/**
 * Files matching `pattern` (relative to `baseDir`), sorted: `*`, `?`, `**`, `{a,b}`; `**` skips dot folders
 * and node_modules, and no walk follows a symlinked folder. A pattern without glob syntax is returned as
 * its absolute path, existing or not (the reader reports it). A glob whose fixed part lies outside the
 * roots, or that would look at more than `MAX_GLOB_ENTRIES` entries or match more than `MAX_GLOB_MATCHES`
 * files, is refused; in Restricted Mode every glob is. Matched symlinks are returned for the reader to check.
 */
export function expandGlobConfined(pattern: string, baseDir: string, access: FileAccess): { files: string[] } | { error: FileRefusal } {
  // resolve() folds every `..` (also one after a wildcard), so the fixed part below is where the walk stays.
  const abs = isAbsolute(pattern) ? resolve(pattern) : resolve(baseDir, pattern);
  if (!hasGlob(pattern)) return { files: [abs] };
  if (access.restricted) {
    return { error: { code: 'restricted', message: `${pattern} is a glob, and globs are not expanded in Restricted Mode: trust the workspace to load these tests` } };
  }
  const parts = abs.split(sep).join('/').split('/');
  const firstGlob = parts.findIndex(hasGlob);
  const fixed = parts.slice(0, firstGlob).join('/') || '/';
  const start = realOrResolved(fixed);
  if (!insideRoots(access, start)) {
    return { error: { code: 'outside-root', message: `${pattern} reaches outside the ${access.rootLabel} (${start}): a glob may only match files inside the ${access.rootLabel}` } };
  }
  const out: string[] = [];
  const budget = { entries: 0 };
  try {
    walk(start === resolve(fixed) ? fixed : start, parts.slice(firstGlob), out, budget);
  } catch (e) {
    if (!(e instanceof GlobBudgetExceeded)) throw e;
    return { error: { code: 'glob-too-broad', message: `${pattern} ${e.message}: narrow the pattern (e.g. name a folder)` } };
  }
  return { files: [...new Set(out)].sort() };
}

function entries(dir: string, budget: { entries: number }): Dirent[] {
  let list: Dirent[];
  try {
    list = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  budget.entries += list.length;
  if (budget.entries > MAX_GLOB_ENTRIES) throw new GlobBudgetExceeded(`looks at more than ${MAX_GLOB_ENTRIES.toLocaleString('en-US')} files and folders`);
  return list;
}

function push(out: string[], path: string): void {
  out.push(path);
  if (out.length > MAX_GLOB_MATCHES) throw new GlobBudgetExceeded(`matches more than ${MAX_GLOB_MATCHES.toLocaleString('en-US')} files`);
}

/** Anything but a folder: a symlink, FIFO or device that matches is returned so the reader refuses it aloud. */
const isFileLike = (e: Dirent) => !e.isDirectory();

function walk(dir: string, segments: string[], out: string[], budget: { entries: number }): void {
  if (segments.length === 0) return;
  const [head, ...tail] = segments as [string, ...string[]];
  if (head === '**') {
    walk(dir, tail, out, budget);
    for (const e of entries(dir, budget)) {
      if (e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules') walk(join(dir, e.name), segments, out, budget);
    }
    return;
  }
  if (!hasGlob(head)) {
    const next = join(dir, head);
    if (tail.length === 0) {
      if (entries(dir, budget).some((e) => e.name === head && isFileLike(e))) push(out, next);
    } else if (entries(dir, budget).some((e) => e.name === head && e.isDirectory())) walk(next, tail, out, budget);
    return;
  }
  const re = segmentRegex(head);
  for (const e of entries(dir, budget)) {
    if (!re.test(e.name)) continue;
    if (tail.length === 0) {
      if (isFileLike(e)) push(out, join(dir, e.name));
    } else if (e.isDirectory()) walk(join(dir, e.name), tail, out, budget);
  }
}
