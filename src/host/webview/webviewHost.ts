import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import {
  isIpcMessage,
  ReadyCommand,
  type CommandType,
  type IpcMessage,
  type NotificationType,
  type RequestType,
} from '../../shared/protocol';

type AnyHandler = (params: unknown) => unknown;

/**
 * The host side of one webview: its HTML (CSP `default-src 'none'`, scripts by nonce), and the typed
 * protocol of src/shared/protocol.ts — notifications queue until the webview says it is ready, requests
 * are answered by id, handler errors are logged and returned to the webview as data.
 */
export class WebviewHost implements vscode.Disposable {
  private ready = false;
  private readonly queue: IpcMessage[] = [];
  private readonly handlers = new Map<string, AnyHandler>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly readyEmitter = new vscode.EventEmitter<void>();
  /** Fires each time the webview (re)loads its script and says it is ready. */
  readonly onDidBecomeReady = this.readyEmitter.event;

  constructor(
    readonly webview: vscode.Webview,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables.push(
      this.readyEmitter,
      webview.onDidReceiveMessage((msg: unknown) => void this.receive(msg)),
    );
  }

  /** Resource roots a webview may load from: the bundles and the media folder, nothing else. */
  static localResourceRoots(extensionUri: vscode.Uri): vscode.Uri[] {
    return [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')];
  }

  /** Sets the webview's HTML for the bundle `dist/webview/<name>.js`, with `media/webview.css`. */
  setHtml(extensionUri: vscode.Uri, name: string, title: string): void {
    const nonce = randomBytes(16).toString('base64');
    const script = this.webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', `${name}.js`));
    const style = this.webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'webview.css'));
    const csp = [
      "default-src 'none'",
      `style-src ${this.webview.cspSource} 'unsafe-inline'`,
      `font-src ${this.webview.cspSource}`,
      `img-src ${this.webview.cspSource} data:`,
      `script-src 'nonce-${nonce}'`,
    ].join('; ');
    this.ready = false;
    this.webview.html = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}">
<title>${escapeHtml(title)}</title>
</head>
<body>
<div id="app" role="main"></div>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
  }

  /** Handles a command (no reply) from the webview. */
  onCommand<P>(type: CommandType<P>, handler: (params: P) => unknown): void {
    this.handlers.set(type.method, handler as AnyHandler);
  }

  /** Handles a request from the webview; the resolved value is sent back as its response. */
  onRequest<P, R>(type: RequestType<P, R>, handler: (params: P) => R | Promise<R>): void {
    this.handlers.set(type.method, handler as AnyHandler);
  }

  /** Sends a notification, queued until the webview is ready. */
  notify<P>(type: NotificationType<P>, params: P): void {
    const msg: IpcMessage = { method: type.method, params };
    if (this.ready) void this.webview.postMessage(msg);
    else this.queue.push(msg);
  }

  get isReady(): boolean {
    return this.ready;
  }

  private async receive(raw: unknown): Promise<void> {
    if (!isIpcMessage(raw)) return;
    if (raw.method === ReadyCommand.method) {
      this.ready = true;
      this.readyEmitter.fire();
      for (const msg of this.queue.splice(0)) void this.webview.postMessage(msg);
      return;
    }
    const handler = this.handlers.get(raw.method);
    if (!handler) {
      this.log.warn(`webview: no handler for ${raw.method}`);
      if (raw.id !== undefined) void this.webview.postMessage({ method: raw.method, id: raw.id, response: true, error: `unknown method ${raw.method}` });
      return;
    }
    try {
      const result = await handler(raw.params);
      if (raw.id !== undefined) void this.webview.postMessage({ method: raw.method, id: raw.id, response: true, params: result });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.log.error(`webview ${raw.method} failed`, err);
      if (raw.id !== undefined) void this.webview.postMessage({ method: raw.method, id: raw.id, response: true, error: message });
      else void vscode.window.showErrorMessage(`Assay: ${message}`);
    }
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
