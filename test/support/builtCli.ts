// The CLI as it ships, for tests that run it as a process: the real build (esbuild.mjs) into a folder of
// the suite's own, made before the suite's tests and removed after them.
import * as assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { tempFolder } from './storeFixtures';

const ROOT = join(__dirname, '..', '..');

/** Registers the suite's build (`before`) and clean-up (`after`); returns the path of the built `cli.js`. */
export function builtCli(prefix: string): string {
  const built = tempFolder(prefix);
  before(function () {
    this.timeout(300_000);
    const build = spawnSync(process.execPath, [join(ROOT, 'esbuild.mjs'), '--outdir', built.dir], { cwd: ROOT, encoding: 'utf8' });
    assert.strictEqual(build.status, 0, build.stderr);
  });
  after(() => built.cleanup());
  return join(built.dir, 'cli.js');
}

/** A running `assay` process and what it printed so far. */
export interface CliProcess {
  child: ChildProcess;
  /** The exit code; -1 when a signal ended it. */
  exit: Promise<number | null>;
  out: () => string;
  err: () => string;
  /** Resolves with the first stdout line from now on that matches `want`. */
  line(want: RegExp): Promise<string>;
  /** Resolves with the stdout lines so far that match `want` once there are `count`; fails if the process exits first. */
  lines(want: RegExp, count: number): Promise<string[]>;
}

/** Starts `node cliJs ARGS…` in `cwd` with exactly `env` (plus no compile cache). */
export function startCli(cliJs: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): CliProcess {
  const child = spawn(process.execPath, [cliJs, ...args], { cwd, env: { ...env, ASSAY_NO_COMPILE_CACHE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const seen: string[] = [];
  const next: { want: RegExp; resolve: (l: string) => void }[] = [];
  const counted: { want: RegExp; count: number; resolve: (l: string[]) => void }[] = [];
  const check = (): void => {
    for (const w of [...counted]) {
      const hits = seen.filter((l) => w.want.test(l));
      if (hits.length >= w.count) counted.splice(counted.indexOf(w), 1)[0]!.resolve(hits);
    }
  };
  createInterface({ input: child.stdout! }).on('line', (l) => {
    out += l + '\n';
    seen.push(l);
    for (const w of [...next]) if (w.want.test(l)) next.splice(next.indexOf(w), 1)[0]!.resolve(l);
    check();
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  return {
    child,
    exit,
    out: () => out,
    err: () => err,
    line: (want) => new Promise((resolve) => next.push({ want, resolve })),
    lines: (want, count) =>
      Promise.race([
        new Promise<string[]>((resolve) => {
          counted.push({ want, count, resolve });
          check();
        }),
        exit.then((code) => assert.fail(`exited ${code} before ${count} lines matching ${want}:\n${out}\n${err}`)),
      ]),
  };
}
