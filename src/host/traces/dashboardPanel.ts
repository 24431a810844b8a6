// The dashboard panel: charts over time per model, totals, cost by prompt file. One panel per window; it
// re-reads the history (debounced) when traces arrive while it is visible.
import * as vscode from 'vscode';
import { DASHBOARD_VIEW_TYPE, DidLoadDashboardNotification, SetRangeCommand, ShowTracesCommand, type DashboardData } from '../../shared/traceProtocol';
import type { NotificationType } from '../../shared/protocol';
import type { Ctx } from '../context';
import { WebviewHost } from '../webview/webviewHost';
import { buildDashboard, buildPassRates, buildPromptUsage } from './dashboardData';
import { RUNS_VIEW_ID } from './traceCommandIds';

const RANGES = [7, 30, 90];

export class DashboardPanel implements vscode.Disposable {
  private readonly host: WebviewHost;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly posted = new vscode.EventEmitter<{ method: string; params: unknown }>();
  private readonly disposed = new vscode.EventEmitter<void>();
  private days = 30;
  private timer: NodeJS.Timeout | undefined;
  private isDisposed = false;
  private stale = false;
  /** The last data sent. */
  data: DashboardData | undefined;
  readonly onDidPost = this.posted.event;
  readonly onDidDispose = this.disposed.event;

  constructor(
    private readonly ctx: Ctx,
    readonly panel: vscode.WebviewPanel,
    state?: unknown,
  ) {
    const saved = (state as { days?: unknown } | undefined)?.days;
    if (typeof saved === 'number' && RANGES.includes(saved)) this.days = saved;
    this.host = new WebviewHost(panel.webview, ctx.log);
    this.disposables.push(
      this.host,
      this.posted,
      this.disposed,
      this.host.onDidBecomeReady(() => void this.reload()),
      panel.onDidDispose(() => this.dispose()),
      panel.onDidChangeViewState(() => {
        if (panel.visible && this.stale) void this.reload();
      }),
    );
    this.host.onCommand(SetRangeCommand, (p) => {
      if (typeof p?.days === 'number' && RANGES.includes(p.days)) {
        this.days = p.days;
        void this.reload();
      }
    });
    this.host.onCommand(ShowTracesCommand, async (p) => {
      const filter: Record<string, string> = {};
      if (typeof p?.model === 'string' && p.model.includes(':')) {
        filter.provider = p.model.slice(0, p.model.indexOf(':'));
        filter.model = p.model.slice(p.model.indexOf(':') + 1);
      }
      if (typeof p?.promptPath === 'string' && p.promptPath !== '(no prompt file)') filter.promptPath = p.promptPath;
      await vscode.commands.executeCommand('assay.traces.filter', filter);
      await vscode.commands.executeCommand(`${RUNS_VIEW_ID}.focus`);
    });
    panel.webview.options = { enableScripts: true, localResourceRoots: WebviewHost.localResourceRoots(ctx.extension.extensionUri) };
    panel.iconPath = vscode.Uri.joinPath(ctx.extension.extensionUri, 'media', 'assay.svg');
    this.host.setHtml(ctx.extension.extensionUri, 'dashboard', 'Assay Dashboard');
  }

  reveal(): void {
    this.panel.reveal(undefined, false);
  }

  private notify<P>(type: NotificationType<P>, params: P): void {
    this.host.notify(type, params);
    this.posted.fire({ method: type.method, params });
  }

  /** New traces: re-read soon if visible, else when shown again. */
  historyChanged(): void {
    if (!this.panel.visible) {
      this.stale = true;
      return;
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.reload(), 1000);
  }

  async reload(): Promise<DashboardData> {
    this.stale = false;
    const store = await this.ctx.services.store();
    const days = this.days;
    const data: DashboardData = store
      ? await buildDashboard(store, { days })
      : {
          days: this.days,
          x: [],
          metrics: { latencyP50: [], latencyP95: [], tokens: [], cost: [], errorRate: [] },
          totals: { today: zero(), last7: zero(), last30: zero() },
          byPrompt: [],
          buildMs: 0,
          daysWithCalls: 0,
          empty: 'Open a folder: history is kept per workspace folder.',
        };
    if (this.isDisposed) return data;
    this.data = data;
    this.notify(DidLoadDashboardNotification, data);
    if (store && data.byPrompt === null) {
      // The table follows the charts.
      const [byPrompt, passRates] = await Promise.all([buildPromptUsage(store, { days }), buildPassRates(store, { days })]);
      if (this.isDisposed || this.data !== data) return data;
      this.data = { ...data, byPrompt, passRates };
      this.notify(DidLoadDashboardNotification, this.data);
    }
    return this.data;
  }

  dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    clearTimeout(this.timer);
    this.disposed.fire();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}

function zero() {
  return { traces: 0, errors: 0, cost: 0, inputTokens: 0, outputTokens: 0 };
}

/** The one dashboard of the window. */
export class Dashboard implements vscode.Disposable {
  private current: DashboardPanel | undefined;

  constructor(private readonly ctx: Ctx) {}

  get panel(): DashboardPanel | undefined {
    return this.current;
  }

  open(): DashboardPanel {
    if (this.current) {
      this.current.reveal();
      return this.current;
    }
    const panel = vscode.window.createWebviewPanel(DASHBOARD_VIEW_TYPE, 'Assay Dashboard', vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: WebviewHost.localResourceRoots(this.ctx.extension.extensionUri),
    });
    return this.adopt(panel);
  }

  revive(panel: vscode.WebviewPanel, state: unknown): void {
    if (this.current) {
      panel.dispose();
      return;
    }
    this.adopt(panel, state);
  }

  historyChanged(): void {
    this.current?.historyChanged();
  }

  private adopt(webviewPanel: vscode.WebviewPanel, state?: unknown): DashboardPanel {
    const panel = new DashboardPanel(this.ctx, webviewPanel, state);
    this.current = panel;
    panel.onDidDispose(() => {
      if (this.current === panel) this.current = undefined;
    });
    return panel;
  }

  dispose(): void {
    this.current?.dispose();
  }
}
