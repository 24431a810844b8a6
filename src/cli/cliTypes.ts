/** What a CLI subcommand sees: its own arguments and the streams to write to. */
export interface CliIo {
  argv: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  /** Aborted on Ctrl+C. */
  signal: AbortSignal;
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
