// Quick fixes for the obvious repairs core diagnostics carry (`fix`: a misspelt assertion type…). VS Code
// hands a code-action provider copies of the diagnostics, so fixes are found again by range and message.
import * as vscode from 'vscode';
import type { Diagnostic } from '../../core/types';
import { toRange } from './convert';

interface Recorded {
  range: vscode.Range;
  message: string;
  fix: NonNullable<Diagnostic['fix']>;
}

export class QuickFixes implements vscode.CodeActionProvider, vscode.Disposable {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];
  private readonly byUri = new Map<string, Recorded[]>();
  private readonly registration: vscode.Disposable;

  constructor() {
    this.registration = vscode.languages.registerCodeActionsProvider([{ scheme: 'file' }, { scheme: 'untitled' }], this, { providedCodeActionKinds: QuickFixes.kinds });
  }

  /** Remembers the fixes among the diagnostics just shown for `uri` (replacing the previous ones). */
  record(uri: vscode.Uri, shown: readonly Diagnostic[]): void {
    const fixes = shown.filter((d) => d.fix).map((d) => ({ range: toRange(d.range), message: d.message, fix: d.fix! }));
    if (fixes.length > 0) this.byUri.set(uri.toString(), fixes);
    else this.byUri.delete(uri.toString());
  }

  forget(uri: vscode.Uri): void {
    this.byUri.delete(uri.toString());
  }

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const recorded = this.byUri.get(document.uri.toString());
    if (!recorded) return [];
    const actions: vscode.CodeAction[] = [];
    for (const diagnostic of context.diagnostics) {
      if (diagnostic.source !== 'assay') continue;
      const found = recorded.find((r) => r.message === diagnostic.message && r.range.isEqual(diagnostic.range));
      if (!found) continue;
      const action = new vscode.CodeAction(found.fix.title, vscode.CodeActionKind.QuickFix);
      action.edit = new vscode.WorkspaceEdit();
      action.edit.replace(document.uri, toRange(found.fix.range), found.fix.newText);
      action.diagnostics = [diagnostic];
      action.isPreferred = true;
      actions.push(action);
    }
    return actions;
  }

  dispose(): void {
    this.registration.dispose();
    this.byUri.clear();
  }
}
