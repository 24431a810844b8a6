/** What a CLI subcommand sees: its own arguments and the streams to write to. */
export interface CliIo {
  argv: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  /** Aborted on Ctrl+C, SIGTERM or SIGHUP; the reason is the signal's name. */
  signal: AbortSignal;
}

/** The exit code of a command stopped by `signal`: 128 + the signal's number, as a shell reports it. */
export function interruptedExitCode(signal: AbortSignal): number {
  const reason: unknown = signal.reason;
  return reason === 'SIGTERM' ? 143 : reason === 'SIGHUP' ? 129 : 130;
}

export interface CliCommand {
  /** One line for `assay help`. */
  summary: string;
  usage: string;
  /** Resolves to the exit code: 0 success, 1 failures found, 2 usage or configuration error. */
  run(io: CliIo): Promise<number>;
}

/** A usage or configuration problem: printed without a stack trace, exit code 2. */
export class UsageError extends Error {}
