import * as vscode from 'vscode';
import type { CommandId } from '../commandIds';
import type { Ctx } from '../context';
import { toDiagnostic } from './convert';
import { DebouncedChecks } from './debouncedChecks';
import { isPromptDocument, LARGE_FILE_BYTES, type PromptDocuments } from './promptDocuments';

/** Quiet time after the last keystroke before a file is checked again. */
export const DIAGNOSTICS_DELAY_MS = 250;

/** The command behind the large-file notice's button. */
export const PARSE_LARGE_COMMAND: CommandId = 'assay.parseLargePromptFile';

/**
 * Live problems for prompt files: checked on open at once and after typing pauses, cleared on close.
 * A check that finds the document edited since it started is dropped (a newer one is scheduled).
 */
export class PromptDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('assay-prompt');
  private readonly checks: DebouncedChecks;
  private readonly noticed = new Set<string>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    ctx: Ctx,
    private readonly docs: PromptDocuments,
  ) {
    this.checks = new DebouncedChecks(ctx, (d) => this.check(d));
    this.subscriptions.push(
      this.collection,
      this.checks,
      vscode.workspace.onDidOpenTextDocument((d) => this.schedule(d, 0)),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length > 0) this.schedule(e.document, DIAGNOSTICS_DELAY_MS);
      }),
      vscode.workspace.onDidCloseTextDocument((d) => this.forget(d.uri)),
      docs.onDidChange((uri) => {
        for (const d of vscode.workspace.textDocuments) if (!uri || d.uri.toString() === uri.toString()) this.schedule(d, 0);
      }),
    );
    for (const d of vscode.workspace.textDocuments) this.schedule(d, 0);
  }

  private schedule(document: vscode.TextDocument, delayMs: number): void {
    if (!isPromptDocument(document)) {
      // A file switched to another language keeps no prompt diagnostics.
      this.checks.cancel(document.uri);
      if (this.collection.has(document.uri)) this.collection.delete(document.uri);
      return;
    }
    this.checks.schedule(document, delayMs);
  }

  private async check(document: vscode.TextDocument): Promise<void> {
    if (document.isClosed) return;
    const version = document.version;
    const state = await this.docs.get(document);
    if (document.isClosed || document.version !== version || state.version !== version) return;
    if (state.kind === 'binary') {
      const at = document.positionAt(state.nulOffset);
      const d = new vscode.Diagnostic(
        new vscode.Range(at, at.translate(0, 1)),
        'This file looks binary (it contains NUL bytes), so Assay does not read it as a prompt. Prompt files are UTF-8 text.',
        vscode.DiagnosticSeverity.Error,
      );
      d.code = 'binary-file';
      d.source = 'assay';
      this.collection.set(document.uri, [d]);
      return;
    }
    if (state.kind === 'large') {
      this.collection.delete(document.uri);
      this.noticeLarge(document, state.bytes);
      return;
    }
    this.collection.set(document.uri, this.docs.diagnostics(document, state).map(toDiagnostic));
  }

  /** Says once per file why a large file shows no problems, with a button to parse it anyway. */
  private noticeLarge(document: vscode.TextDocument, bytes: number): void {
    const key = document.uri.toString();
    if (this.noticed.has(key)) return;
    this.noticed.add(key);
    const name = document.uri.path.split('/').pop() ?? 'This file';
    const mb = (bytes / 1024 / 1024).toFixed(1);
    void vscode.window
      .showInformationMessage(
        `Assay: ${name} is ${mb} MB. Prompt files over ${LARGE_FILE_BYTES / 1024 / 1024} MB are not checked as you type.`,
        'Parse Anyway',
      )
      .then((pick) => {
        if (pick) void vscode.commands.executeCommand(PARSE_LARGE_COMMAND, document.uri);
      });
  }

  private forget(uri: vscode.Uri): void {
    this.checks.cancel(uri);
    this.noticed.delete(uri.toString());
    this.collection.delete(uri);
  }

  dispose(): void {
    for (const d of this.subscriptions.splice(0)) d.dispose();
  }
}
