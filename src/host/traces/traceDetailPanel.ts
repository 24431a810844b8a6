// The trace detail: one webview panel per trace (opening a trace again reveals its panel). The webview
// asks, the host answers from the history: feedback, replay, copy as curl, add to test bank, version diff.
import * as vscode from 'vscode';
import { blobRefs } from '../../core/store/blobs';
import { promptVersionId } from '../../core/store/ids';
import {
  AddToTestBankRequest,
  CopyCurlRequest,
  CopyTextCommand,
  DidLoadTraceNotification,
  OpenInPlaygroundCommand,
  OpenTraceCommand,
  OpenVersionDiffCommand,
  ReplayRequest,
  SetFeedbackRequest,
  StartReplayNotification,
  TRACE_DETAIL_VIEW_TYPE,
  type ReplayView,
  type TraceDetail,
  type TraceDetailState,
} from '../../shared/traceProtocol';
import type { NotificationType } from '../../shared/protocol';
import type { Ctx } from '../context';
import { WebviewHost } from '../webview/webviewHost';
import { addToTestBank, copyAsCurl, openInPlayground, openVersionDiff, replayBlocked, replayTrace } from './traceActions';
import { traceDetail } from './traceDetailData';
import { readStoredFile } from './workspaceFiles';

/** Builds what the detail view shows for a trace, or why there is nothing. */
export async function loadTraceDetail(ctx: Ctx, traceId: string): Promise<TraceDetailState> {
  const store = await ctx.services.store();
  if (!store) return { error: 'There is no history in this window (open a folder).' };
  const trace = await store.getTrace(traceId);
  if (!trace) return { error: `Trace ${traceId} is no longer in the history (deleted, or removed by retention).` };
  let promptVersion: TraceDetail['promptVersion'] = 'unknown';
  if (trace.promptVersionId) {
    const current = await readStoredFile(trace.promptPath);
    promptVersion = !current ? 'missing' : promptVersionId(current.text) === trace.promptVersionId ? 'same' : 'changed';
  }
  const blocked = replayBlocked(trace);
  const blobs = new Map<string, { mediaType: string; data: string }>();
  for (const hash of blobRefs(trace.request)) {
    const blob = await store.getBlob(hash);
    if (blob) blobs.set(hash, blob);
  }
  return { trace: traceDetail(trace, { promptVersion, blobs, ...(blocked ? { replayBlocked: blocked } : {}) }) };
}

export class TraceDetailPanel implements vscode.Disposable {
  private readonly host: WebviewHost;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly disposed = new vscode.EventEmitter<void>();
  private readonly posted = new vscode.EventEmitter<{ method: string; params: unknown }>();
  private isDisposed = false;
  /** The last state sent to the webview. */
  state: TraceDetailState | undefined;
  readonly onDidDispose = this.disposed.event;
  /** Every notification sent to the webview (the integration tests read what the view was told). */
  readonly onDidPost = this.posted.event;

  constructor(
    private readonly ctx: Ctx,
    readonly panel: vscode.WebviewPanel,
    readonly traceId: string,
    private readonly openTrace: (traceId: string) => unknown,
  ) {
    this.host = new WebviewHost(panel.webview, ctx.log);
    this.disposables.push(
      this.host,
      this.disposed,
      this.posted,
      this.host.onDidBecomeReady(() => void this.reload()),
      panel.onDidDispose(() => this.dispose()),
    );
    const host = this.host;
    host.onRequest(SetFeedbackRequest, (p) => this.setFeedback(p?.rating, p?.note));
    host.onRequest(ReplayRequest, () => this.replay());
    host.onRequest(CopyCurlRequest, () => copyAsCurl(ctx, traceId));
    host.onRequest(AddToTestBankRequest, async () => (await addToTestBank(ctx, traceId)) ?? { error: 'Cancelled.' });
    host.onCommand(CopyTextCommand, async (p) => {
      if (typeof p?.text !== 'string') return;
      await vscode.env.clipboard.writeText(p.text);
      void vscode.window.setStatusBarMessage(`Assay: copied ${typeof p.what === 'string' ? p.what : 'text'}`, 3000);
    });
    host.onCommand(OpenVersionDiffCommand, () => this.openVersionDiff());
    host.onCommand(OpenInPlaygroundCommand, () => openInPlayground(ctx, traceId));
    host.onCommand(OpenTraceCommand, (p) => typeof p?.traceId === 'string' && this.openTrace(p.traceId));
    panel.webview.options = { enableScripts: true, localResourceRoots: WebviewHost.localResourceRoots(ctx.extension.extensionUri) };
    panel.iconPath = vscode.Uri.joinPath(ctx.extension.extensionUri, 'media', 'assay.svg');
    this.host.setHtml(ctx.extension.extensionUri, 'traceDetail', 'Trace');
  }

  reveal(): void {
    this.panel.reveal(undefined, false);
  }

  private notify<P>(type: NotificationType<P>, params: P): void {
    this.host.notify(type, params);
    this.posted.fire({ method: type.method, params });
  }

  /** Reads the trace again and sends it to the webview. */
  async reload(): Promise<TraceDetailState> {
    const state = await loadTraceDetail(this.ctx, this.traceId);
    if (this.isDisposed) return state;
    this.state = state;
    this.panel.title = 'trace' in state ? `Trace: ${state.trace.model.slice(state.trace.model.indexOf(':') + 1)}` : 'Trace';
    this.notify(DidLoadTraceNotification, state);
    return state;
  }

  /** 👍 (1), 👎 (-1) or take back (0), with a note; saved to the history. */
  async setFeedback(rating: unknown, note: unknown): Promise<{ ok: true } | { error: string }> {
    if (rating !== 1 && rating !== -1 && rating !== 0) return { error: 'A rating is 1 (👍), -1 (👎) or 0.' };
    const store = await this.ctx.services.store();
    if (!store) return { error: 'There is no history in this window.' };
    const text = typeof note === 'string' && note.trim() !== '' ? note.trim().slice(0, 4000) : null;
    await store.setFeedback(this.traceId, { rating, note: text });
    await this.reload();
    return { ok: true };
  }

  /** Opens the prompt version the trace ran with as a diff against today's file. */
  openVersionDiff(): Promise<boolean> {
    return openVersionDiff(this.ctx, this.traceId);
  }

  /** Asks the view to replay (it shows the comparison when the answer comes). */
  startReplay(): void {
    this.notify(StartReplayNotification, {});
  }

  /** Replays the trace with today's prompt and returns the comparison. */
  async replay(): Promise<ReplayView | { error: string }> {
    const result = await replayTrace(this.ctx, this.traceId);
    // The prompt may have changed since the panel loaded: the version button follows.
    if (!('error' in result)) void this.reload();
    return result;
  }

  dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    this.disposed.fire();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}

/** The open detail panels, one per trace. */
export class TraceDetailPanels implements vscode.Disposable {
  private readonly panels = new Map<string, TraceDetailPanel>();

  constructor(private readonly ctx: Ctx) {}

  get(traceId: string): TraceDetailPanel | undefined {
    return this.panels.get(traceId);
  }

  /** Opens (or reveals) the detail of a trace, in the active group unless told which. */
  open(traceId: string, viewColumn: vscode.ViewColumn = vscode.ViewColumn.Active): TraceDetailPanel {
    const existing = this.panels.get(traceId);
    if (existing) {
      existing.reveal();
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(TRACE_DETAIL_VIEW_TYPE, 'Trace', { viewColumn, preserveFocus: false }, {
      enableScripts: true,
      localResourceRoots: WebviewHost.localResourceRoots(this.ctx.extension.extensionUri),
    });
    return this.adopt(panel, traceId);
  }

  /** Brings a panel back after a reload, from the trace id its webview saved. */
  revive(panel: vscode.WebviewPanel, state: unknown): void {
    const traceId = (state as { traceId?: unknown } | undefined)?.traceId;
    if (typeof traceId !== 'string' || this.panels.has(traceId)) {
      panel.dispose();
      return;
    }
    this.adopt(panel, traceId);
  }

  /** Re-reads every open panel (after deletions or merged history). */
  reloadAll(): void {
    for (const p of this.panels.values()) void p.reload();
  }

  private adopt(webviewPanel: vscode.WebviewPanel, traceId: string): TraceDetailPanel {
    const panel = new TraceDetailPanel(this.ctx, webviewPanel, traceId, (id) => this.open(id));
    this.panels.set(traceId, panel);
    panel.onDidDispose(() => {
      if (this.panels.get(traceId) === panel) this.panels.delete(traceId);
    });
    return panel;
  }

  dispose(): void {
    for (const p of [...this.panels.values()]) p.dispose();
    this.panels.clear();
  }
}
