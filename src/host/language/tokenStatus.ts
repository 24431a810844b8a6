import * as vscode from 'vscode';
import type { ModelRef } from '../../core/types';
import type { Ctx } from '../context';
import { readConfig } from '../config';
import { isTrusted, RESTRICTED_REASON } from '../trust';
import { isPromptDocument, type PromptDocuments } from './promptDocuments';
import { tokenStatusView, type ModelTokens, type TokenStatus } from './tokenText';

/** Quiet time after typing before tokens are counted again. */
const RECOUNT_DELAY_MS = 300;
/** Models listed in the tooltip at most. */
const MAX_MODELS = 8;

/**
 * The status-bar item of the active prompt file: tokens of the prompt rendered with the default inputs
 * (exact for OpenAI models, an estimate for others). Off in Restricted Mode, where nothing renders.
 */
export class TokenStatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('assay.tokens', vscode.StatusBarAlignment.Right, 100);
  private readonly subscriptions: vscode.Disposable[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Bumped by every update; a count that finishes after a newer update started is dropped. */
  private generation = 0;

  constructor(
    private readonly ctx: Ctx,
    private readonly docs: PromptDocuments,
  ) {
    this.item.name = 'Assay: Prompt Tokens';
    this.item.command = { command: 'assay.previewRenderedPrompt', title: 'Preview Rendered Prompt' };
    this.subscriptions.push(
      this.item,
      vscode.window.onDidChangeActiveTextEditor(() => this.schedule(0)),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document === vscode.window.activeTextEditor?.document && e.contentChanges.length > 0) this.schedule(RECOUNT_DELAY_MS);
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.schedule(0)),
      docs.onDidChange(() => this.schedule(0)),
    );
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.update().catch((err) => this.ctx.log.error('token count failed', err));
    }, delayMs);
  }

  private async update(): Promise<void> {
    const generation = ++this.generation;
    const document = vscode.window.activeTextEditor?.document;
    if (!document || !isPromptDocument(document)) {
      this.item.hide();
      return;
    }
    const status = await this.status(document);
    if (generation !== this.generation) return;
    const view = tokenStatusView(status);
    this.item.text = view.text;
    this.item.tooltip = new vscode.MarkdownString(view.tooltip);
    this.item.show();
  }

  private async status(document: vscode.TextDocument): Promise<TokenStatus> {
    // Checked before anything renders: templates can run code.
    if (!isTrusted()) return { kind: 'restricted', reason: RESTRICTED_REASON };
    const state = await this.docs.get(document);
    if (state.kind === 'binary') return { kind: 'binary' };
    if (state.kind === 'large') return { kind: 'large', bytes: state.bytes };
    const { doc, core } = state;
    const rendered = core.renderPrompt(doc, {});
    if ('error' in rendered) {
      const line = rendered.error.range?.start.line;
      return { kind: 'error', message: rendered.error.message, ...(line !== undefined ? { line } : {}) };
    }
    let refs: ModelRef[] = doc.models.map((m) => m.ref);
    if (refs.length === 0) {
      refs = readConfig()
        .defaultModels.map((t) => core.parseModelRef(t))
        .filter((r): r is ModelRef => !('error' in r));
    }
    if (refs.length === 0) refs = [{ provider: 'openai', model: 'gpt-5.5' }];
    const book = this.docs.priceBook(core);
    const models: ModelTokens[] = [];
    for (const ref of refs.slice(0, MAX_MODELS)) {
      const count = await core.countPromptTokens(rendered.messages, ref);
      const price = book.priceOf(ref);
      models.push({ model: `${ref.provider}:${ref.model}`, tokens: count.tokens, exact: count.exact, inputUsd: price ? (count.tokens * price.input) / 1_000_000 : null });
    }
    return { kind: 'counted', models, method: "o200k_base, the tokenizer of OpenAI's current models" };
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.subscriptions.splice(0)) d.dispose();
  }
}
