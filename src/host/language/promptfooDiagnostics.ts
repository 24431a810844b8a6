// Problems in promptfoo configs, shown where they are written: the same refusals `assay test` stops on
// (an unknown provider, a key Assay cannot run…), so they are seen before a run, not after.
import * as vscode from 'vscode';
import type { Ctx } from '../context';
import { hostFileAccess } from '../fileAccess';
import { toDiagnostic } from './convert';
import { DebouncedChecks } from './debouncedChecks';
import { DIAGNOSTICS_DELAY_MS } from './diagnostics';
import { loadCore } from './lazyCore';
import type { QuickFixes } from './quickFixes';

const BY_NAME = /(^|[\\/])([^\\/]*\.)?promptfooconfig\.ya?ml$/i;

/** A promptfoo config: by its name, or a YAML file with promptfoo's shape (top-level prompts: and providers: or targets:). */
export function isPromptfooConfigDocument(document: Pick<vscode.TextDocument, 'uri' | 'languageId' | 'getText'>): boolean {
  if (document.uri.scheme !== 'file' && document.uri.scheme !== 'untitled') return false;
  if (BY_NAME.test(document.uri.path)) return true;
  if (document.languageId !== 'yaml' || /\.tests?\.ya?ml$/i.test(document.uri.path)) return false;
  const text = document.getText();
  return /^prompts\s*:/m.test(text) && /^(providers|targets)\s*:/m.test(text);
}

/** Live diagnostics for promptfoo configs, checked on open and after typing pauses, cleared on close. */
export class PromptfooConfigDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('assay-promptfoo');
  private readonly checks: DebouncedChecks;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    ctx: Ctx,
    private readonly fixes: QuickFixes,
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
    );
    for (const d of vscode.workspace.textDocuments) this.schedule(d, 0);
  }

  private schedule(document: vscode.TextDocument, delayMs: number): void {
    if (!isPromptfooConfigDocument(document)) {
      this.checks.cancel(document.uri);
      if (this.collection.has(document.uri)) this.collection.delete(document.uri);
      return;
    }
    this.checks.schedule(document, delayMs);
  }

  private async check(document: vscode.TextDocument): Promise<void> {
    if (document.isClosed) return;
    const version = document.version;
    const core = await loadCore();
    if (document.isClosed || document.version !== version) return;
    const file = document.uri.fsPath;
    const config = core.parsePromptfooConfig(document.getText(), file, hostFileAccess());
    // Problems in the files it references (a CSV of tests…) belong to those files; here, the config's own.
    const own = [...config.diagnostics, ...config.tests.diagnostics].filter((d) => d.file === file);
    this.collection.set(document.uri, own.map(toDiagnostic));
    this.fixes.record(document.uri, own);
  }

  private forget(uri: vscode.Uri): void {
    this.checks.cancel(uri);
    this.collection.delete(uri);
    this.fixes.forget(uri);
  }

  dispose(): void {
    for (const d of this.subscriptions.splice(0)) d.dispose();
  }
}
