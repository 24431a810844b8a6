// Live problems for test banks (`*.tests.yaml`, CSV, JSONL…): the same loader a run uses, checked on open
// and after typing pauses, so a syntax error or a misspelt assertion type shows where it is written
// instead of surfacing as a failed run. Only the bank's own problems are shown here (a file it references
// has its own).
import * as vscode from 'vscode';
import type { BankDiagnostic } from '../../core/testBank/testBankTypes';
import type { Ctx } from '../context';
import { hostFileAccess } from '../fileAccess';
import { loadTestingCore } from '../testing/lazyTestingCore';
import { toDiagnostic } from './convert';
import { DebouncedChecks } from './debouncedChecks';
import { DIAGNOSTICS_DELAY_MS } from './diagnostics';
import type { QuickFixes } from './quickFixes';

/** A bank by its name alone: `NAME.tests.yaml`, `NAME.test.json`… (CSV and JSONL need a prompt that runs them). */
const BANK_NAME = /\.tests?\.(ya?ml|json|jsonl|csv)$/i;

export class BankDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('assay-bank');
  private readonly checks: DebouncedChecks;
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  private readonly subscriptions: vscode.Disposable[] = [];
  /** Fires after a bank's problems were set (the CodeLens reads them). */
  readonly onDidChange = this.changed.event;

  constructor(
    ctx: Ctx,
    private readonly fixes: QuickFixes,
    /** Whether a file that is not named like a bank is one (a prompt's `tests:` names it, it pairs with a prompt). */
    private readonly isKnownBank: (path: string) => boolean,
  ) {
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

  /** Checks open banks not checked yet (the Test Explorer learnt which files are banks). */
  checkNewBanks(): void {
    for (const d of vscode.workspace.textDocuments) if (!this.collection.has(d.uri) && this.isBank(d)) this.checks.schedule(d, 0);
  }

  /** The errors last found in a bank, or undefined when it was not checked. */
  errorsOf(uri: vscode.Uri): number | undefined {
    if (!this.collection.has(uri)) return undefined;
    return (this.collection.get(uri) ?? []).filter((d) => d.severity === vscode.DiagnosticSeverity.Error).length;
  }

  private isBank(document: vscode.TextDocument): boolean {
    if (document.uri.scheme !== 'file') return false;
    return BANK_NAME.test(document.uri.path) || this.isKnownBank(document.uri.fsPath);
  }

  private schedule(document: vscode.TextDocument, delayMs: number): void {
    if (!this.isBank(document)) {
      if (this.collection.has(document.uri)) this.forget(document.uri);
      return;
    }
    this.checks.schedule(document, delayMs);
  }

  private async check(document: vscode.TextDocument): Promise<void> {
    if (document.isClosed) return;
    const version = document.version;
    const core = await loadTestingCore();
    if (document.isClosed || document.version !== version) return;
    const file = document.uri.fsPath;
    const bank = core.parseTestBank(document.getText(), file, hostFileAccess());
    const own: BankDiagnostic[] = bank.diagnostics.filter((d) => d.file === file);
    this.collection.set(document.uri, own.map(toDiagnostic));
    this.fixes.record(document.uri, own);
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
