import * as vscode from 'vscode';
import { LiveModels } from '../../core/models/liveModels';
import { PROMPT_LANGUAGE_ID } from '../commandIds';
import type { Ctx } from '../context';
import { COMPLETION_TRIGGERS, PromptCompletion } from './completion';
import { PromptDiagnostics } from './diagnostics';
import { FileDiagnostics } from './fileDiagnostics';
import { promptfooChecker } from './promptfooDiagnostics';
import { PromptFolding } from './folding';
import { PromptHover } from './hover';
import { isPromptDocument, PromptDocuments } from './promptDocuments';
import { PREVIEW_SCHEME, PromptPreview } from './preview';
import { QuickFixes } from './quickFixes';
import { PromptSymbols } from './symbols';
import { TokenStatusItem } from './tokenStatus';

/** What the language features expose to the command table. */
export interface LanguageFeatures {
  readonly docs: PromptDocuments;
  readonly preview: PromptPreview;
  /** Quick fixes of the diagnostics that carry one (banks, promptfoo configs). */
  readonly fixes: QuickFixes;
  /** `assay.parseLargePromptFile [uri]`: parse a file over 1 MB (default: the active prompt file). */
  parseLarge(target?: unknown): Promise<vscode.Uri | undefined>;
}

const registered = new WeakMap<Ctx, LanguageFeatures>();

/**
 * Registers the prompt language's editor features. Cheap by design (activation budget): providers and
 * listeners only; the parser and the tokenizer load on first use.
 */
export function registerLanguageFeatures(ctx: Ctx): LanguageFeatures {
  const selector: vscode.DocumentSelector = [{ language: PROMPT_LANGUAGE_ID }];
  const docs = ctx.push(new PromptDocuments());
  const preview = ctx.push(new PromptPreview(ctx, docs));
  ctx.push(new PromptDiagnostics(ctx, docs));
  const fixes = ctx.push(new QuickFixes());
  ctx.push(new FileDiagnostics(ctx, promptfooChecker, fixes));
  // Models the endpoints list live (GET /models), offered in completion; listed only in a trusted workspace.
  const live = new LiveModels((provider) => ctx.services.engine().listModels(provider));
  ctx.push(vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('assay') && live.clear()));
  ctx.push(vscode.languages.registerCompletionItemProvider(selector, new PromptCompletion(docs, vscode.Uri.joinPath(ctx.extension.extensionUri, 'snippets', 'assay-prompt.code-snippets'), live), ...COMPLETION_TRIGGERS));
  ctx.push(vscode.languages.registerHoverProvider(selector, new PromptHover(docs)));
  ctx.push(vscode.languages.registerDocumentSymbolProvider(selector, new PromptSymbols(docs), { label: 'Assay Prompt' }));
  ctx.push(vscode.languages.registerFoldingRangeProvider(selector, new PromptFolding(docs)));
  ctx.push(vscode.workspace.registerTextDocumentContentProvider(PREVIEW_SCHEME, preview));
  ctx.push(new TokenStatusItem(ctx, docs));

  const features: LanguageFeatures = {
    docs,
    preview,
    fixes,
    async parseLarge(target) {
      const active = vscode.window.activeTextEditor?.document;
      const uri = target instanceof vscode.Uri ? target : active && isPromptDocument(active) ? active.uri : undefined;
      if (!uri) {
        void vscode.window.showWarningMessage('Assay: open the large prompt file first.');
        return undefined;
      }
      docs.allowLarge(uri);
      return uri;
    },
  };
  registered.set(ctx, features);
  return features;
}

/** The features registered for `ctx` (for command handlers). */
export function languageFeatures(ctx: Ctx): LanguageFeatures {
  const f = registered.get(ctx);
  if (!f) throw new Error('the prompt language features are not registered');
  return f;
}
