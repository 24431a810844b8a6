import * as vscode from 'vscode';
import { ApiKeys } from './apiKeys';
import { Services } from './services';

/**
 * Owns everything the extension registers. Every disposable goes through `push`, so deactivation
 * (and the integration tests' reloads) leave nothing behind.
 */
export class Ctx implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  readonly log: vscode.LogOutputChannel;
  readonly keys: ApiKeys;
  /** The engine and the history store, built on first use. */
  readonly services: Services;

  constructor(readonly extension: vscode.ExtensionContext) {
    this.log = vscode.window.createOutputChannel('Assay', { log: true });
    this.push(this.log);
    this.keys = this.push(new ApiKeys(extension.secrets));
    this.services = this.push(new Services(this));
  }

  push<T extends vscode.Disposable>(d: T): T {
    this.disposables.push(d);
    return d;
  }

  dispose(): void {
    for (const d of this.disposables.splice(0).reverse()) {
      try {
        d.dispose();
      } catch (err) {
        console.error('[assay] dispose failed', err);
      }
    }
  }
}
