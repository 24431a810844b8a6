import * as vscode from 'vscode';
import { promptFolding } from './outline';
import type { PromptDocuments } from './promptDocuments';

/** Folds the front matter, each message section and multi-line `{# #}` comments. */
export class PromptFolding implements vscode.FoldingRangeProvider {
  constructor(private readonly docs: PromptDocuments) {}

  async provideFoldingRanges(document: vscode.TextDocument, _context: vscode.FoldingContext, token: vscode.CancellationToken): Promise<vscode.FoldingRange[] | undefined> {
    const state = await this.docs.get(document);
    if (state.kind !== 'parsed' || token.isCancellationRequested) return undefined;
    return promptFolding(state.doc).map((b) => new vscode.FoldingRange(b.start, b.end, b.kind === 'comment' ? vscode.FoldingRangeKind.Comment : undefined));
  }
}
