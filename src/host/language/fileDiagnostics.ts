// Live problems for one kind of YAML/CSV file (test banks, promptfoo configs): checked on open at once and
// after typing pauses, cleared on close or when the file stops being of that kind. A check that finds the
// document edited since it started is dropped (a newer one is scheduled). Fixes they carry become quick fixes.
import * as vscode from 'vscode';
import type { Diagnostic } from '../../core/types';
import type { Ctx } from '../context';
import { toDiagnostic } from './convert';
import { DebouncedChecks } from './debouncedChecks';
import { DIAGNOSTICS_DELAY_MS } from './diagnostics';
import type { QuickFixes } from './quickFixes';

/** What a kind of file contributes: which documents it covers and their problems. */
export interface FileChecker {
  /** The diagnostic collection's name. */
  name: string;
  applies(document: vscode.TextDocument): boolean;
  /** The document's own problems (undefined: no answer, keep what is shown). */
  problems(document: vscode.TextDocument): Promise<Diagnostic[] | undefined>;
}

export class FileDiagnostics implements vscode.Disposable {
  private readonly collection: vscode.DiagnosticCollection;
  private readonly checks: DebouncedChecks;
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  private readonly subscriptions: vscode.Disposable[] = [];
  /** Fires after a file's problems were set or cleared. */
  readonly onDidChange = this.changed.event;

  constructor(
    ctx: Ctx,
    private readonly checker: FileChecker,
    private readonly fixes: QuickFixes,
  ) {
    this.collection = vscode.languages.createDiagnosticCollection(checker.name);
    this.checks = new DebouncedChecks(ctx, (d) => this.check(d));
    this.subscriptions.push(
      this.collection,
      this.checks,
      this.changed,
      vscode.workspace.onDidOpenTextDocument((d) => this.schedule(d, 0)),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length > 0) this.schedule(e.document, DIAGNOSTICS_DELAY_MS);
      }),
      vscode.workspace.onDidCloseTextDocument((d) => this.forget(d.uri)),
    );
    for (const d of vscode.workspace.textDocuments) this.schedule(d, 0);
  }

  /** Checks open files of this kind not checked yet (what counts as this kind was learnt later). */
  checkUnchecked(): void {
    for (const d of vscode.workspace.textDocuments) if (!this.collection.has(d.uri) && this.checker.applies(d)) this.checks.schedule(d, 0);
  }

  /** The errors last found in the file open as `uri`, or undefined when it was not checked. */
  errorsOf(uri: vscode.Uri): number | undefined {
    if (!this.collection.has(uri)) return undefined;
    return (this.collection.get(uri) ?? []).filter((d) => d.severity === vscode.DiagnosticSeverity.Error).length;
  }

  private schedule(document: vscode.TextDocument, delayMs: number): void {
    if (!this.checker.applies(document)) {
      if (this.collection.has(document.uri)) this.forget(document.uri);
      else this.checks.cancel(document.uri);
      return;
    }
    this.checks.schedule(document, delayMs);
  }

  private async check(document: vscode.TextDocument): Promise<void> {
    if (document.isClosed) return;
    const version = document.version;
    const problems = await this.checker.problems(document);
    if (!problems || document.isClosed || document.version !== version) return;
    this.collection.set(document.uri, problems.map(toDiagnostic));
    this.fixes.record(document.uri, problems);
    this.changed.fire(document.uri);
  }

  private forget(uri: vscode.Uri): void {
    this.checks.cancel(uri);
    this.collection.delete(uri);
    this.fixes.forget(uri);
    this.changed.fire(uri);
  }

  dispose(): void {
    for (const d of this.subscriptions.splice(0)) d.dispose();
  }
}
