// The results panel (`assay.results`): one webview, revealed and refilled for each run, that shows the run
// as a matrix of cases × models (webview-ui/src/results). It comes back after a reload through its
// serializer: the webview restores the run it saved with setState, the host refills it when it has a newer one.
import * as vscode from 'vscode';
import {
  AddToTestBankCommand,
  RateCellCommand,
  CancelRunCommand,
  DidChangeRunNotification,
  DidUpdateCellsNotification,
  OpenCaseCommand,
  OpenPlaygroundCommand,
  OpenTraceCommand,
  RerunCommand,
  RESULTS_VIEW_TYPE,
  type CellRef,
  type ResultsCell,
  type ResultsState,
} from '../../shared/resultsProtocol';
import type { Ctx } from '../context';
import { WebviewHost } from '../webview/webviewHost';

/** What the panel's buttons do (the testing feature wires them to the coordinator and commands). */
export interface ResultsActions {
  /** `beside` is a group other than the panel's, so what opens leaves the matrix in view. */
  openCase(ref: CellRef, beside: vscode.ViewColumn): unknown;
  openTrace(ref: CellRef, beside: vscode.ViewColumn): unknown;
  openPlayground(ref: CellRef): unknown;
  addToTestBank(ref: CellRef): unknown;
  /** 👍 / 👎 on the cell's trace, with a note (judge calibration reads it). */
  rate(ref: CellRef, rating: 1 | -1): unknown;
  cancel(): unknown;
  rerun(): unknown;
}

export class ResultsPanels implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private host: WebviewHost | undefined;
  private state: ResultsState | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly ctx: Ctx,
    private readonly actions: ResultsActions,
  ) {}

  /** Whether the panel is open (tests and the status-bar command). */
  get isOpen(): boolean {
    return this.panel !== undefined;
  }

  /** The run the panel shows. */
  get current(): ResultsState | undefined {
    return this.state;
  }

  /** Shows `state` (a run starting or ending), opening the panel beside the editor when needed. */
  showRun(state: ResultsState, options: { preserveFocus?: boolean; revealIfHidden?: boolean } = {}): void {
    this.state = state;
    if (!this.panel) {
      if (options.revealIfHidden === false) return;
      this.create(options.preserveFocus ?? true);
    } else if (options.revealIfHidden !== false && !this.panel.visible) this.panel.reveal(undefined, options.preserveFocus ?? true);
    this.host?.notify(DidChangeRunNotification, state);
  }

  /** Sends finished cells of the run in progress. */
  updateCells(state: ResultsState, cells: ResultsCell[]): void {
    if (this.state !== state || !this.host) return;
    this.host.notify(DidUpdateCellsNotification, { runId: state.runId, cells, done: state.done, total: state.total });
  }

  /** Opens or reveals the panel with the last run it showed; false when there is none. */
  reveal(): boolean {
    if (this.panel) {
      this.panel.reveal(undefined, false);
      return true;
    }
    if (!this.state) return false;
    this.create(false);
    this.host?.notify(DidChangeRunNotification, this.state);
    return true;
  }

  /** Adopts a panel VS Code restored after a reload (its webview restores its own saved run). */
  revive(panel: vscode.WebviewPanel): void {
    if (this.panel) {
      panel.dispose();
      return;
    }
    this.adopt(panel);
    if (this.state) this.host?.notify(DidChangeRunNotification, this.state);
  }

  /** The first group when the panel sits elsewhere (the prompt's, as a run opens it), else one beside it. */
  private besideColumn(): vscode.ViewColumn {
    const own = this.panel?.viewColumn;
    return own === undefined || own === vscode.ViewColumn.One ? vscode.ViewColumn.Beside : vscode.ViewColumn.One;
  }

  private create(preserveFocus: boolean): void {
    const panel = vscode.window.createWebviewPanel(
      RESULTS_VIEW_TYPE,
      'Test Results',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus },
      { enableScripts: true, localResourceRoots: WebviewHost.localResourceRoots(this.ctx.extension.extensionUri) },
    );
    this.adopt(panel);
  }

  private adopt(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    panel.iconPath = vscode.Uri.joinPath(this.ctx.extension.extensionUri, 'media', 'assay.svg');
    panel.webview.options = { enableScripts: true, localResourceRoots: WebviewHost.localResourceRoots(this.ctx.extension.extensionUri) };
    const host = new WebviewHost(panel.webview, this.ctx.log);
    this.host = host;
    const guard = <T extends CellRef>(what: string, fn: (ref: T) => unknown) => async (ref: T) => {
      if (!ref || typeof ref.rowKey !== 'string' || typeof ref.model !== 'string') return;
      try {
        await fn(ref);
      } catch (err) {
        this.ctx.log.error(`results: ${what} failed`, err);
        void vscode.window.showErrorMessage(`Assay: ${what} failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    host.onCommand(OpenCaseCommand, guard('opening the case', (r) => this.actions.openCase(r, this.besideColumn())));
    host.onCommand(OpenTraceCommand, guard('opening the trace', (r) => this.actions.openTrace(r, this.besideColumn())));
    host.onCommand(OpenPlaygroundCommand, guard('opening the playground', (r) => this.actions.openPlayground(r)));
    host.onCommand(AddToTestBankCommand, guard('adding to the test bank', (r) => this.actions.addToTestBank(r)));
    host.onCommand(RateCellCommand, guard('rating the output', (r) => (r.rating === 1 || r.rating === -1) && this.actions.rate(r, r.rating)));
    host.onCommand(CancelRunCommand, () => this.actions.cancel());
    host.onCommand(RerunCommand, () => this.actions.rerun());
    host.setHtml(this.ctx.extension.extensionUri, 'results', 'Test Results');
    const subs = [host, panel.onDidDispose(() => this.disposePanel(panel, subs))];
  }

  private disposePanel(panel: vscode.WebviewPanel, subs: vscode.Disposable[]): void {
    if (this.panel !== panel) return;
    for (const d of subs) d.dispose();
    this.panel = undefined;
    this.host = undefined;
  }

  dispose(): void {
    this.panel?.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
