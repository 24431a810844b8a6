// Runs the CLI in-process with captured streams (the tests of commands that need no TTY or signal).
import { Writable } from 'node:stream';
import { runCli } from '../../src/cli/main';

/** A stream that keeps what is written to it. */
export class Capture extends Writable {
  text = '';
  /** `isTTY`: stands for a terminal (the CLI then redraws its progress line in place). */
  constructor(readonly isTTY = false) {
    super();
  }
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/** `assay ARGV…` in `cwd` with `env` as its whole environment; its exit code and what it printed. */
export async function runCliIn(cwd: string, argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await runCli(argv, { cwd, env, stdout, stderr, signal: new AbortController().signal });
  return { code, out: stdout.text, err: stderr.text };
}
