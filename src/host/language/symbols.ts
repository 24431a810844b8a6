import * as vscode from 'vscode';
import { toRange } from './convert';
import { promptOutline, type OutlineNode } from './outline';
import type { PromptDocuments } from './promptDocuments';

function kindOf(kind: OutlineNode['kind']): vscode.SymbolKind {
  switch (kind) {
    case 'frontMatter':
      return vscode.SymbolKind.Namespace;
    case 'key':
      return vscode.SymbolKind.Property;
    case 'input':
      return vscode.SymbolKind.Variable;
    case 'section':
      return vscode.SymbolKind.String;
    case 'messages':
      return vscode.SymbolKind.Array;
  }
}

function toSymbol(node: OutlineNode): vscode.DocumentSymbol {
  const symbol = new vscode.DocumentSymbol(node.name, node.detail, kindOf(node.kind), toRange(node.range), toRange(node.selectionRange));
  symbol.children = node.children.map(toSymbol);
  return symbol;
}

/** Outline and breadcrumbs: the front matter (its keys, inputs under `inputs`) and each message section. */
export class PromptSymbols implements vscode.DocumentSymbolProvider {
  constructor(private readonly docs: PromptDocuments) {}

  async provideDocumentSymbols(document: vscode.TextDocument, token: vscode.CancellationToken): Promise<vscode.DocumentSymbol[] | undefined> {
    const state = await this.docs.get(document);
    if (state.kind !== 'parsed' || token.isCancellationRequested) return undefined;
    return promptOutline(state.doc).map(toSymbol);
  }
}
