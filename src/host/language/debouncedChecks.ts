import type * as vscode from 'vscode';
import type { Ctx } from '../context';

/**
 * Runs a document check after typing pauses: one pending timer per document, a new request replacing the
 * pending one. A check that fails is logged, never thrown into VS Code's event loop.
 */
export class DebouncedChecks implements vscode.Disposable {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(
    private readonly ctx: Ctx,
    private readonly check: (document: vscode.TextDocument) => Promise<void>,
  ) {}

  /** Checks `document` after `delayMs`, replacing a check still pending for it. */
  schedule(document: vscode.TextDocument, delayMs: number): void {
    const key = document.uri.toString();
    this.cancel(document.uri);
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        this.check(document).catch((err) => this.ctx.log.error(`checking ${document.uri.toString(true)} failed`, err));
      }, delayMs),
    );
  }

  /** Drops the check pending for `uri`, if any. */
  cancel(uri: vscode.Uri): void {
    const key = uri.toString();
    const pending = this.timers.get(key);
    if (pending) clearTimeout(pending);
    this.timers.delete(key);
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
