// The `assay` executable, dist/cli.js. It loads the CLI bundle (dist/cliMain.js) through V8's code cache:
// the code one run compiled (V8's bytecode) is kept in the OS temp folder, and the next run starts from it
// instead of parsing and compiling the bundle again — what Node 22 does with its module compile cache, which Node
// 20 lacks. Code loaded this way cannot `import()` (v8-compile-cache, which does the same for every
// module, has that flaw too), so the one `import()` of a user's file (a `javascript` assertion's
// `file://` module) happens in a sandbox worker thread, whose code Node compiles itself
// (src/core/sandbox/sandboxWorkerSource.ts). ASSAY_NO_COMPILE_CACHE=1 turns the cache off.
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import type * as Cli from './main';

type Wrapper = (exports: unknown, require: NodeJS.Require, module: { exports: unknown }, filename: string, dirname: string) => void;

/**
 * Where the cache of `source` lives: per user, per checkout (the bundle's folder: code compiled from one
 * checkout carries its file name into stack traces, so two checkouts must never share), Node build and
 * bundle content, and per command, since each compiles a different part of the bundle (a cache made by
 * `assay version` would hold little of `test`).
 */
function cacheFile(filename: string, source: string, command: string): string | undefined {
  try {
    const key = createHash('sha1').update(`${process.version} ${process.arch}\0`).update(source).digest('hex').slice(0, 16);
    const checkout = createHash('sha1').update(filename).digest('hex').slice(0, 12);
    const name = /^[a-z]{1,16}$/.test(command) ? command : 'other';
    // Per user id (Windows' temp folder is per user already); a container's user may have no name.
    return join(tmpdir(), `assay-v8-cache-${process.getuid?.() ?? 'user'}`, checkout, `cliMain-${key}-${name}.bin`);
  } catch {
    return undefined;
  }
}

/**
 * Whether the cache folder is ours alone: code read from it runs, and the temp folder is shared, so a
 * folder another user made (or could write to) is never read. Windows' temp folder is per user.
 */
function ownFolder(dir: string): boolean {
  if (process.platform === 'win32') return true;
  const st = lstatSync(dir);
  return st.isDirectory() && st.uid === process.getuid?.() && (st.mode & 0o022) === 0;
}

function readCache(file: string | undefined): Buffer | undefined {
  if (!file) return undefined;
  try {
    if (!ownFolder(join(file, '..', '..')) || !ownFolder(join(file, '..'))) return undefined;
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** Writes the cache next to its final name, then renames it, so a reader never sees half a file. */
function writeCache(file: string, data: Buffer): void {
  try {
    mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
    if (!ownFolder(join(file, '..', '..')) || !ownFolder(join(file, '..'))) return;
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, data);
    renameSync(partial, file);
  } catch {
    // A read-only or full temp folder: the next run compiles again.
  }
}

/** Loads `filename` as CommonJS, through the code cache unless `useCache` is false. */
function load(filename: string, useCache: boolean): unknown {
  const source = readFileSync(filename, 'utf8');
  const file = useCache ? cacheFile(filename, source, process.argv[2] ?? '') : undefined;
  const cachedData = readCache(file);
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename, ...(cachedData ? { cachedData } : {}) });
  if (file && (!cachedData || script.cachedDataRejected)) {
    // Made at exit, so it holds every function this run compiled, not just the top level.
    process.once('exit', () => writeCache(file, script.createCachedData()));
  }
  const module = { exports: {} as unknown };
  (script.runInThisContext() as Wrapper)(module.exports, createRequire(filename), module, filename, __dirname);
  return module.exports;
}

// A run keeps little alive (its results) but allocates fast (each call's request, response and their
// parse). V8's default lets the heap grow to up to 4× what survived the last full collection before it
// collects again: 40,000 calls held ~300 MB of heap, mostly garbage, for ~80 MB alive. Growing by half
// instead keeps the heap near what is alive, for a few more collections (docs/benchmarks.md, #19).
v8.setFlagsFromString('--heap-growing-percent=50');

const cli = load(join(__dirname, 'cliMain.js'), process.env.ASSAY_NO_COMPILE_CACHE !== '1') as typeof Cli;
cli.main();
