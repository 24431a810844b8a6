// The Runs tree: VS Code's side of RunsTreeModel. Items carry stable ids so expanded runs stay expanded
// when the tree refreshes; new traces refresh only the runs they belong to (the top level only when a new
// run appears), at most once per 300 ms.
import * as vscode from 'vscode';
import type { Ctx } from '../context';
import { formatCost } from '../../shared/format';
import { describeRun, describeTrace, hasSteps, RunsTreeModel, traceOutcome, type ExplorerNode } from './runsTreeModel';

const REFRESH_DEBOUNCE_MS = 300;

const OUTCOME_ICON: Record<ReturnType<typeof traceOutcome>, vscode.ThemeIcon> = {
  error: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconErrored')),
  fail: new vscode.ThemeIcon('close', new vscode.ThemeColor('testing.iconFailed')),
  pass: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  none: new vscode.ThemeIcon('circle-outline'),
};

const RUN_ICON: Record<string, vscode.ThemeIcon> = {
  test: new vscode.ThemeIcon('beaker'),
  playground: new vscode.ThemeIcon('play-circle'),
  replay: new vscode.ThemeIcon('history'),
  cli: new vscode.ThemeIcon('terminal'),
};

export class RunsTreeProvider implements vscode.TreeDataProvider<ExplorerNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ExplorerNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private pendingRuns = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private readonly refreshed = new vscode.EventEmitter<void>();
  /** Fires after a debounced refresh from new traces has been applied (the tests wait on it). */
  readonly onDidRefresh = this.refreshed.event;

  constructor(
    private readonly ctx: Ctx,
    readonly model: RunsTreeModel,
  ) {}

  getTreeItem(node: ExplorerNode): vscode.TreeItem {
    switch (node.kind) {
      case 'run': {
        const d = describeRun(node.run);
        const item = new vscode.TreeItem(d.label, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = node.key;
        item.description = d.description;
        item.tooltip = d.tooltip;
        item.iconPath = node.run.status === 'running' ? new vscode.ThemeIcon('loading~spin') : (RUN_ICON[node.run.kind] ?? new vscode.ThemeIcon('symbol-event'));
        item.contextValue = `run.${node.run.kind}`;
        return item;
      }
      case 'group': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = node.key;
        item.description = `${node.traces.toLocaleString()} calls${node.errors ? ` · ${node.errors} errors` : ''} · ${formatCost(node.cost)}`;
        item.iconPath = new vscode.ThemeIcon(node.grouping === 'model' ? 'hubot' : node.grouping === 'prompt' ? 'file' : 'calendar');
        item.contextValue = `group.${node.grouping}`;
        return item;
      }
      case 'trace': {
        const d = describeTrace(node.trace);
        const item = new vscode.TreeItem(d.label, hasSteps(node.trace) ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
        item.id = node.key;
        item.description = d.description;
        item.tooltip = d.tooltip;
        item.iconPath = OUTCOME_ICON[traceOutcome(node.trace)];
        item.contextValue = node.trace.status === 'ok' ? 'trace.ok' : 'trace.error';
        item.command = { command: 'assay.traces.openTrace', title: 'Open Trace', arguments: [node] };
        item.accessibilityInformation = { label: `${d.label}, ${traceOutcome(node.trace)}, ${d.description}` };
        return item;
      }
      case 'more': {
        const item = new vscode.TreeItem('Load more…', vscode.TreeItemCollapsibleState.None);
        item.id = node.key;
        item.iconPath = new vscode.ThemeIcon('ellipsis');
        item.command = { command: 'assay.traces.loadMore', title: 'Load More', arguments: [node] };
        item.contextValue = 'more';
        return item;
      }
      case 'message': {
        const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
        item.id = node.key;
        item.iconPath = new vscode.ThemeIcon('info');
        return item;
      }
    }
  }

  async getChildren(node?: ExplorerNode): Promise<ExplorerNode[]> {
    try {
      return await this.model.children(node);
    } catch (err) {
      this.ctx.log.error('runs tree: cannot read the history', err);
      return [{ kind: 'message', key: `msg:error:${node?.key ?? 'root'}`, text: `Cannot read the history: ${err instanceof Error ? err.message : String(err)}` }];
    }
  }

  /** Everything again (filter or grouping changed, a manual refresh, history merged or cleared). */
  refreshAll(): void {
    this.model.reset();
    this.changed.fire(undefined);
  }

  async loadMore(node: ExplorerNode): Promise<void> {
    if (node.kind !== 'more') return;
    const parent = await this.model.loadMore(node);
    this.changed.fire(parent);
  }

  /** New traces for these runs: debounced, then only the affected nodes. */
  tracesAdded(runIds: string[]): void {
    for (const id of runIds) this.pendingRuns.add(id);
    if (runIds.length === 0) this.pendingRuns.add('');
    if (this.timer) return;
    this.timer = setTimeout(() => void this.flush(), REFRESH_DEBOUNCE_MS);
  }

  private async flush(): Promise<void> {
    this.timer = undefined;
    const runIds = [...this.pendingRuns];
    this.pendingRuns = new Set();
    try {
      if (!this.model.listsRuns) {
        // Groups and flat trace lists: counts move everywhere, so the top level is read again.
        await this.model.refreshRoot();
        this.changed.fire(undefined);
        return;
      }
      let root = false;
      for (const id of runIds) {
        const node = id ? await this.model.refreshRun(id) : undefined;
        if (node) this.changed.fire(node);
        else root = true;
      }
      if (root) {
        await this.model.refreshRoot();
        this.changed.fire(undefined);
      }
    } catch (err) {
      this.ctx.log.error('runs tree: refresh failed', err);
    } finally {
      this.refreshed.fire();
    }
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.changed.dispose();
    this.refreshed.dispose();
  }
}
