// The open playground panels, one per prompt file: opening a file's playground again reveals its panel.
// Loaded on first use (see registerPlayground.ts), so activation never parses the prompt-file core.
import * as vscode from 'vscode';
import { PLAYGROUND_VIEW_TYPE, type PlaygroundViewState } from '../../shared/playgroundProtocol';
import { PROMPT_LANGUAGE_ID } from '../commandIds';
import type { Ctx } from '../context';
import { WebviewHost } from '../webview/webviewHost';
import { PlaygroundPanel } from './playgroundPanel';

const PROMPT_GLOB = '**/*.{prompt,prompty}';

export class PlaygroundManager implements vscode.Disposable {
  private readonly panels = new Map<string, PlaygroundPanel>();

  constructor(private readonly ctx: Ctx) {}

  /** The panel showing `uri`, if one is open. */
  get(uri: vscode.Uri): PlaygroundPanel | undefined {
    return this.panels.get(uri.toString());
  }

  /**
   * Opens (or reveals) the playground of `uri`; without one, of the active prompt editor, else of a prompt
   * file the user picks; `prefill` fills its form. Resolves to the panel, or undefined when there is nothing
   * to open.
   */
  async open(uri?: vscode.Uri, prefill?: { vars: Record<string, unknown>; source?: string }): Promise<PlaygroundPanel | undefined> {
    const target = uri ?? (await this.pickPromptFile());
    if (!target) return undefined;
    const existing = this.get(target);
    if (existing) {
      existing.reveal();
      if (prefill) await existing.prefill(prefill.vars, prefill.source);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(
      PLAYGROUND_VIEW_TYPE,
      'Playground',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false },
      { enableScripts: true, localResourceRoots: WebviewHost.localResourceRoots(this.ctx.extension.extensionUri) },
    );
    const created = this.adopt(panel, target);
    if (prefill) await created.prefill(prefill.vars, prefill.source);
    return created;
  }

  /** Brings back a panel after a reload, from the state its webview saved. */
  async revive(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const uri = typeof (state as Partial<PlaygroundViewState> | undefined)?.uri === 'string' ? (state as PlaygroundViewState).uri : undefined;
    let target: vscode.Uri | undefined;
    try {
      target = uri ? vscode.Uri.parse(uri, true) : undefined;
    } catch {
      target = undefined;
    }
    if (!target || this.get(target)) {
      // Nothing to show (no saved state), or the file already has a panel.
      panel.dispose();
      return;
    }
    this.adopt(panel, target);
  }

  private adopt(webviewPanel: vscode.WebviewPanel, uri: vscode.Uri): PlaygroundPanel {
    const panel = new PlaygroundPanel(this.ctx, webviewPanel, uri);
    this.panels.set(uri.toString(), panel);
    panel.onDidDispose(() => {
      if (this.panels.get(uri.toString()) === panel) this.panels.delete(uri.toString());
    });
    return panel;
  }

  private async pickPromptFile(): Promise<vscode.Uri | undefined> {
    const active = vscode.window.activeTextEditor?.document;
    if (active && active.languageId === PROMPT_LANGUAGE_ID) return active.uri;
    const files = await vscode.workspace.findFiles(PROMPT_GLOB, '**/node_modules/**', 200);
    if (files.length === 0) {
      void vscode.window.showInformationMessage('Assay: open a .prompt or .prompty file to try it in the playground.', 'New Prompt File').then((pick) => {
        if (pick) void vscode.commands.executeCommand('assay.newPromptFile');
      });
      return undefined;
    }
    if (files.length === 1) return files[0];
    const pick = await vscode.window.showQuickPick(
      files.map((f) => ({ label: vscode.workspace.asRelativePath(f, false), uri: f })).sort((a, b) => a.label.localeCompare(b.label)),
      { title: 'Assay: Open Playground', placeHolder: 'Prompt file' },
    );
    return pick?.uri;
  }

  dispose(): void {
    for (const p of [...this.panels.values()]) p.dispose();
    this.panels.clear();
  }
}
