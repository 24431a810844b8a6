import * as vscode from 'vscode';
import type { PromptDocument } from '../../core/promptFile/promptDocument';
import type { Range } from '../../core/types';
import { toRange } from './convert';
import { frontMatterKeyAt } from './cursorContext';
import { inputMarkdown, keyMarkdown, modelMarkdown } from './hoverText';
import type { PromptDocuments } from './promptDocuments';

function contains(r: Range, line: number, character: number): boolean {
  const afterStart = line > r.start.line || (line === r.start.line && character >= r.start.character);
  const beforeEnd = line < r.end.line || (line === r.end.line && character <= r.end.character);
  return afterStart && beforeEnd;
}

function useCount(doc: PromptDocument, name: string): number {
  let n = 0;
  for (const s of doc.sections) for (const v of s.variables) if (v.name === name) n++;
  for (const s of doc.sections) if (s.role === 'messages' && (s.messagesVariable ?? 'messages') === name) n++;
  return n;
}

/** Hovers: a variable or input (description, default), a model reference (provider, price), a front-matter key (what it means). */
export class PromptHover implements vscode.HoverProvider {
  constructor(private readonly docs: PromptDocuments) {}

  async provideHover(document: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): Promise<vscode.Hover | undefined> {
    const state = await this.docs.get(document);
    if (state.kind !== 'parsed' || token.isCancellationRequested || state.version !== document.version) return undefined;
    const { doc, core } = state;
    const { line, character } = position;
    const hover = (markdown: string, range: Range): vscode.Hover => new vscode.Hover(new vscode.MarkdownString(markdown), toRange(range));

    for (const s of doc.sections) {
      if (s.role === 'messages' && s.markerRange && contains(s.markerRange, line, character)) {
        const name = s.messagesVariable ?? 'messages';
        return hover(`${inputMarkdown(name, doc.inputs.get(name), useCount(doc, name))}\n\nThis placeholder splices the list of earlier messages held by \`${name}\` into the conversation.`, s.markerRange);
      }
      const use = s.variables.find((v) => contains(v.range, line, character));
      if (use) return hover(inputMarkdown(use.name, doc.inputs.get(use.name), useCount(doc, use.name)), use.range);
    }
    for (const input of doc.inputs.values()) {
      if (contains(input.range, line, character)) return hover(inputMarkdown(input.name, input, useCount(doc, input.name)), input.range);
    }
    const model = doc.models.find((m) => contains(m.range, line, character));
    if (model) {
      return hover(modelMarkdown(model.ref, this.docs.providerInfo(core, model.ref.provider), this.docs.priceBook(core).priceOf(model.ref)), model.range);
    }
    const key = frontMatterKeyAt(doc, document.offsetAt(position));
    if (key) {
      const docs = core.keyDocs;
      const parent = key.path.join('.');
      const entry =
        parent === '' ? ([docs.PROMPT_KEY_DOCS[key.key] ?? docs.PROMPTY_KEY_DOCS[key.key], 'front-matter key'] as const)
        : parent === 'params' ? ([docs.PARAM_DOCS[key.key], 'generation parameter'] as const)
        : key.path.length === 2 && key.path[0] === 'inputs' ? ([docs.INPUT_SPEC_KEY_DOCS[key.key], `field of input ${key.path[1]}`] as const)
        : undefined;
      if (entry?.[0]) return hover(keyMarkdown(key.key, entry[0], entry[1]), doc.lines.range(key.start, key.end));
    }
    return undefined;
  }
}
