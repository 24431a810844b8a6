// A promptfoo config runs in the editor exactly as `assay eval -c CONFIG` runs it in CI: the extension's
// own CLI (dist/cli.js) as a VS Code task, in the terminal panel, recording into this window's history (so
// the run appears in the trace explorer). One code path for both, so the verdicts, refusals and exit codes
// are the CLI's. Trusted workspaces only: a config can name scripts, commands and prompt functions.
import { dirname } from 'node:path';
import * as vscode from 'vscode';
import type { Ctx } from '../context';
import { isPromptfooConfigDocument } from '../language/promptfooDiagnostics';
import { requireTrust } from '../trust';
import { cliCommand } from './cliProcess';

/** The task type (declared in package.json's taskDefinitions). */
const TASK_TYPE = 'assay';

/** "▶ Run with assay eval" on the first line of a promptfoo config. */
export class PromptfooConfigLenses implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  // The title says whether the workspace must be trusted first.
  private readonly trust = vscode.workspace.onDidGrantWorkspaceTrust(() => this.changed.fire());

  dispose(): void {
    this.trust.dispose();
    this.changed.dispose();
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (document.uri.scheme !== 'file' || !isPromptfooConfigDocument(document)) return [];
    const title = vscode.workspace.isTrusted ? '▶ Run with assay eval' : '▶ Run with assay eval (trust the workspace first)';
    return [new vscode.CodeLens(new vscode.Range(0, 0, 0, 0), { title, command: 'assay.runPromptfooConfig', arguments: [document.uri], tooltip: 'Runs this config as `assay eval -c` does, in a terminal; the run is recorded in the history' })];
  }
}

/**
 * Runs `assay eval -c CONFIG` as a task and resolves with its exit code (0 all passed, 100 failures, 2
 * refused before any call, as the CLI documents), or undefined when it did not start.
 */
export async function runPromptfooConfig(ctx: Ctx, target?: unknown): Promise<number | undefined> {
  const uri = target instanceof vscode.Uri ? target : vscode.window.activeTextEditor?.document.uri;
  if (!uri || uri.scheme !== 'file') {
    void vscode.window.showInformationMessage('Assay: open a promptfoo config (promptfooconfig.yaml) to run it.');
    return undefined;
  }
  if (!(await requireTrust('Running a promptfoo config'))) return undefined;
  const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (document?.isDirty) await document.save();
  const name = vscode.workspace.asRelativePath(uri, false);
  return runCliTask(ctx, ['eval', '-c', uri.fsPath], { cwd: dirname(uri.fsPath), name: `eval ${name}`, scope: vscode.workspace.getWorkspaceFolder(uri) });
}

/**
 * Runs the extension's own CLI (`assay ARGS --history <this window's history>`) as a task in the terminal
 * panel and resolves with its exit code. Keys stored in Assay for the built-in providers go in as their
 * standard variables when those are unset.
 */
export async function runCliTask(ctx: Ctx, args: string[], options: { cwd: string; name: string; scope?: vscode.WorkspaceFolder }): Promise<number | undefined> {
  const { command, argv, env } = await cliCommand(ctx, args);
  const task = new vscode.Task({ type: TASK_TYPE, config: options.name }, options.scope ?? vscode.TaskScope.Workspace, options.name, 'assay', new vscode.ProcessExecution(command, argv, { cwd: options.cwd, env }));
  task.presentationOptions = { reveal: vscode.TaskRevealKind.Always, panel: vscode.TaskPanelKind.Dedicated, clear: true };
  const execution = await vscode.tasks.executeTask(task);
  return new Promise((resolve) => {
    const sub = vscode.tasks.onDidEndTaskProcess((e) => {
      if (e.execution !== execution) return;
      sub.dispose();
      ctx.log.info(`assay ${options.name}: exit ${String(e.exitCode)}`);
      resolve(e.exitCode);
    });
  });
}
