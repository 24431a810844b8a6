import { UsageError, type CliCommand, type CliIo } from './cliTypes';
import { calibrateCommand } from './calibrateCommand';
import { historyCommand } from './historyCommand';
import { lintCommand } from './lintCommand';
import { mergeCommand } from './mergeCommand';
import { renderCommand } from './renderCommand';
import { evalCommand, testCommand } from './testCommand';
import { replayCommand } from './replayCommand';
import { reviewCommand } from './reviewCommand';

/** Subcommands, by name. Each lives in its own module under src/cli/. */
const COMMANDS: Record<string, CliCommand> = {
  render: renderCommand,
  lint: lintCommand,
  history: historyCommand,
  replay: replayCommand,
  test: testCommand,
  eval: evalCommand,
  merge: mergeCommand,
  review: reviewCommand,
  calibrate: calibrateCommand,
};

const VERSION = '0.1.0';

function help(out: NodeJS.WritableStream): void {
  const lines = [
    `assay ${VERSION} — prompt files, test banks and history, headless`,
    '',
    'Usage: assay <command> [options]',
    '',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`),
    `  ${'help'.padEnd(10)} Show this help, or a command's usage: assay help <command>`,
    `  ${'version'.padEnd(10)} Print the version`,
  ];
  out.write(lines.join('\n') + '\n');
}

/** `--help` or `-h` among a subcommand's options (before a `--` that ends them) asks for its usage. */
function wantsHelp(argv: readonly string[]): boolean {
  for (const a of argv) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
}

/** Runs one CLI invocation and returns its exit code; used by `dist/cli.js` and by the tests. */
export async function runCli(argv: string[], io: Omit<CliIo, 'argv'>): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    const target = rest[0] && COMMANDS[rest[0]];
    if (target) io.stdout.write(target.usage + '\n');
    else help(io.stdout);
    return 0;
  }
  if (name === 'version' || name === '--version') {
    io.stdout.write(VERSION + '\n');
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr.write(`assay: unknown command '${name}'. Run 'assay help' for the list.\n`);
    return 2;
  }
  if (wantsHelp(rest)) {
    io.stdout.write(command.usage + '\n');
    return 0;
  }
  try {
    return await command.run({ ...io, argv: rest });
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`assay ${name}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

/** Signals that stop a run the way Ctrl+C does, and the exit code of a second one (which exits at once). */
const STOP_SIGNALS: Record<string, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/** Runs the process's command line and sets its exit code (the `assay` executable, src/cli/bin.ts). */
export function main(): void {
  const controller = new AbortController();
  // The first signal stops the run: reports are written and history saved (docker stop, CI cancellation
  // and Kubernetes send SIGTERM; a closed terminal SIGHUP). A second one exits at once; the crash journal
  // keeps the calls already recorded.
  for (const [name, code] of Object.entries(STOP_SIGNALS)) {
    process.on(name, () => {
      if (!controller.signal.aborted) {
        controller.abort(name);
        return;
      }
      process.stderr.write(`assay: ${name} again; exiting without waiting\n`);
      process.exit(code);
    });
  }
  // A bug that escapes into an event handler must not pass for failed tests (exit 1): it is exit 70.
  process.on('uncaughtException', (err) => {
    process.stderr.write(`assay: internal error: ${err.stack ?? err.message}\n`);
    process.exit(70);
  });
  runCli(process.argv.slice(2), {
    cwd: process.cwd(),
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    signal: controller.signal,
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`assay: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 70;
    },
  );
}

if (require.main === module) main();
