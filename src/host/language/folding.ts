import * as vscode from 'vscode';
import { promptFolding } from './outline';
import type { PromptDocuments } from './promptDocuments';

/** Folds the front matter, each message section and multi-line `{# #}` comments. */
export class PromptFolding implements vscode.FoldingRangeProvider {
  /** Asks the editor again when a file's parse changes without an edit ("Parse anyway", settings). */
  readonly onDidChangeFoldingRanges: vscode.Event<void>;

  constructor(private readonly docs: PromptDocuments) {
    this.onDidChangeFoldingRanges = (listener, thisArgs, disposables) => docs.onDidChange(() => listener.call(thisArgs), null, disposables);
  }

  async provideFoldingRanges(document: vscode.TextDocument, _context: vscode.FoldingContext, token: vscode.CancellationToken): Promise<vscode.FoldingRange[] | undefined> {
    const state = await this.docs.get(document);
    if (state.kind !== 'parsed' || token.isCancellationRequested) return undefined;
    return promptFolding(state.doc).map((b) => new vscode.FoldingRange(b.start, b.end, b.kind === 'comment' ? vscode.FoldingRangeKind.Comment : undefined));
  }
}
