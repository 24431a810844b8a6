// The extension's own CLI (dist/cli.js) as the editor starts it: Node (VS Code's executable runs as Node
// with ELECTRON_RUN_AS_NODE), this window's history, and the keys stored in Assay as their standard
// variables. `runCliTask` (promptfooRun.ts) runs it as a task; `CliTerminal` runs it in a terminal whose
// output the editor also reads line by line (a batch run's progress and time left go to the notification
// and the Test Explorer's output as they are printed).
import { spawn, type ChildProcess } from 'node:child_process';
import * as vscode from 'vscode';
import { ENV_FALLBACK } from '../apiKeys';
import type { Ctx } from '../context';

/** What runs the CLI: the executable, its arguments and the variables to add. */
export interface CliCommand {
  command: string;
  argv: string[];
  env: Record<string, string>;
}

/** `assay ARGS --history <this window's history>` as a command. */
export async function cliCommand(ctx: Ctx, args: readonly string[]): Promise<CliCommand> {
  const cli = vscode.Uri.joinPath(ctx.extension.extensionUri, 'dist', 'cli.js').fsPath;
  const env: Record<string, string> = { ELECTRON_RUN_AS_NODE: '1' };
  // The key the editor's own calls use (stored in Assay, else the variable as the extension host has it), set
  // explicitly: a task's terminal does not inherit the extension host's environment, and a key stored in Assay
  // wins over the variable here as it does in the editor.
  for (const [provider, variable] of Object.entries(ENV_FALLBACK)) {
    const key = await ctx.keys.get(provider);
    if (key) env[variable] = key;
  }
  const history = ctx.services.historyPath();
  return { command: process.execPath, argv: [cli, ...args, ...(history ? ['--history', history] : [])], env };
}

export interface CliTerminalOptions {
  cwd: string;
  /** The terminal's name. */
  name: string;
  /** Each line the CLI prints (stdout and stderr). */
  onLine?: (line: string) => void;
  /** Ctrl+C typed in the terminal; without it, Ctrl+C goes to the CLI as SIGINT. */
  onInterrupt?: () => void;
}

/**
 * The CLI in a terminal of its own: its output shown there and handed over line by line. `exit` resolves
 * with its exit code (a stop signal's code when a signal ended it); `signal` sends it one (SIGINT is the
 * CLI's Ctrl+C). Closing the terminal sends SIGHUP, as closing a shell's terminal would.
 */
export class CliTerminal implements vscode.Disposable {
  readonly exit: Promise<number | undefined>;
  private child: ChildProcess | undefined;
  private readonly terminal: vscode.Terminal;
  private readonly write = new vscode.EventEmitter<string>();

  constructor(command: CliCommand, private readonly options: CliTerminalOptions) {
    let settle!: (code: number | undefined) => void;
    this.exit = new Promise((resolve) => (settle = resolve));
    const pty: vscode.Pseudoterminal = {
      onDidWrite: this.write.event,
      open: () => this.start(command, settle),
      close: () => this.signal('SIGHUP'),
      handleInput: (data) => {
        if (data !== '\x03') return;
        if (this.options.onInterrupt) this.options.onInterrupt();
        else this.signal('SIGINT');
      },
    };
    this.terminal = vscode.window.createTerminal({ name: options.name, pty });
    this.terminal.show(true);
  }

  private start(command: CliCommand, settle: (code: number | undefined) => void): void {
    const child = spawn(command.command, command.argv, { cwd: this.options.cwd, env: { ...process.env, ...command.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const lines = { out: '', err: '' };
    const take = (which: 'out' | 'err') => (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      this.write.fire(text.replace(/\r?\n/g, '\r\n'));
      const parts = (lines[which] + text).split(/\r?\n/);
      lines[which] = parts.pop()!;
      for (const line of parts) this.options.onLine?.(line);
    };
    child.stdout!.on('data', take('out'));
    child.stderr!.on('data', take('err'));
    child.on('error', (err) => {
      this.write.fire(`Assay: the CLI did not start: ${err.message}\r\n`);
      settle(undefined);
    });
    child.on('close', (code, signal) => {
      for (const rest of [lines.out, lines.err]) if (rest !== '') this.options.onLine?.(rest);
      const exit = code ?? (signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : signal === 'SIGHUP' ? 129 : undefined);
      this.write.fire(`\r\n[assay exited with ${String(exit)}]\r\n`);
      settle(exit);
    });
  }

  /** Sends the CLI a signal (nothing once it has ended). */
  signal(name: NodeJS.Signals): void {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill(name);
  }

  dispose(): void {
    this.write.dispose();
  }
}
