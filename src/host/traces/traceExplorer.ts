// The trace explorer: the Runs tree in the Assay view container, its filters and paging, the trace detail
// and dashboard panels, alerts, exports and replays. Activation registers the tree, the serializers and
// the version documents; the panels and the replay code load on first use.
import * as vscode from 'vscode';
import type { TraceStore } from '../../core/store/traceStore';
import type { NewCaseAssertion } from '../../core/testBank/addCase';
import { DASHBOARD_VIEW_TYPE, TRACE_DETAIL_VIEW_TYPE } from '../../shared/traceProtocol';
import type { Ctx } from '../context';
import type { Dashboard, DashboardPanel } from './dashboardPanel';
import { RunsTreeModel, describeFilter, isFilterActive, toTraceFilter, type ExplorerFilter, type ExplorerNode, type Grouping } from './runsTreeModel';
import { RunsTreeProvider } from './runsTreeProvider';
import { TraceAlerts } from './traceAlerts';
import { FILTERED_CONTEXT_KEY, RUNS_VIEW_ID, VERSION_SCHEME, type TraceCommandId } from './traceCommandIds';
import type { TraceDetailPanel, TraceDetailPanels } from './traceDetailPanel';
import { filterFromArg, pickFilter, pickGrouping } from './traceFilterPicker';

type Handler = (...args: unknown[]) => unknown;

const explorers = new WeakMap<Ctx, TraceExplorer>();

/** Everything the explorer owns in one window. */
export class TraceExplorer implements vscode.Disposable {
  readonly model: RunsTreeModel;
  readonly tree: RunsTreeProvider;
  readonly view: vscode.TreeView<ExplorerNode>;
  readonly alerts: TraceAlerts;
  private panelsPromise: Promise<TraceDetailPanels> | undefined;
  private dashboardPromise: Promise<Dashboard> | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(readonly ctx: Ctx) {
    this.model = new RunsTreeModel(() => ctx.services.store());
    this.tree = new RunsTreeProvider(ctx, this.model);
    this.view = vscode.window.createTreeView(RUNS_VIEW_ID, { treeDataProvider: this.tree, showCollapseAll: true, canSelectMany: true });
    this.alerts = new TraceAlerts(ctx);
    this.disposables.push(
      this.tree,
      this.view,
      this.alerts,
      ctx.services.onDidOpenStore((store) => this.watch(store)),
      vscode.workspace.registerTextDocumentContentProvider(VERSION_SCHEME, {
        provideTextDocumentContent: async (uri) => {
          const version = await (await ctx.services.store())?.getPromptVersion(uri.query);
          return version ? version.content : `# This prompt version (${uri.query}) is no longer in the history.\n`;
        },
      }),
      vscode.window.registerWebviewPanelSerializer(TRACE_DETAIL_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel, state) => (await this.panels()).revive(panel, state),
      }),
      vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel, state) => (await this.dashboard()).revive(panel, state),
      }),
    );
    void vscode.commands.executeCommand('setContext', FILTERED_CONTEXT_KEY, false);
  }

  /** Follows the history as it changes: the tree, the alerts, the open panels. */
  private watch(store: TraceStore): void {
    const added = store.onDidAddTraces((e) => {
      this.tree.tracesAdded(e.runIds);
      this.alerts.tracesAdded(store, e.runIds);
      void this.dashboardPromise?.then((d) => d.historyChanged());
    });
    const changed = store.onDidChange(() => {
      this.tree.refreshAll();
      void this.panelsPromise?.then((p) => p.reloadAll());
      void this.dashboardPromise?.then((d) => d.historyChanged());
    });
    this.disposables.push(added, changed);
    // A store opened after the tree was first shown (or reopened for another folder): read it afresh.
    this.tree.refreshAll();
  }

  panels(): Promise<TraceDetailPanels> {
    this.panelsPromise ??= traceHost().then(({ TraceDetailPanels }) => this.own(new TraceDetailPanels(this.ctx)));
    return this.panelsPromise;
  }

  dashboard(): Promise<Dashboard> {
    this.dashboardPromise ??= traceHost().then(({ Dashboard }) => this.own(new Dashboard(this.ctx)));
    return this.dashboardPromise;
  }

  private own<T extends vscode.Disposable>(d: T): T {
    this.disposables.push(d);
    return d;
  }

  /**
   * Sets the filter, shows it and reads the tree again. The view is alone in its container, so VS Code
   * folds its header (and the description in it) into the container's title: the filter is also the
   * tree's message, on top of the rows, next to the title bar's "Clear Trace Filter" button.
   */
  setFilter(filter: ExplorerFilter): void {
    this.model.filter = filter;
    const active = isFilterActive(filter);
    const grouping = this.model.grouping === 'run' ? undefined : `by ${this.model.grouping}`;
    this.view.description = [active ? describeFilter(filter) : undefined, grouping].filter(Boolean).join(' · ') || undefined;
    this.view.message = active ? `Filtered: ${describeFilter(filter)}. Clear it with the ✕ in the title bar (Clear Trace Filter).` : undefined;
    void vscode.commands.executeCommand('setContext', FILTERED_CONTEXT_KEY, active);
    this.tree.refreshAll();
  }

  setGrouping(grouping: Grouping): void {
    this.model.grouping = grouping;
    this.setFilter(this.model.filter);
  }

  dispose(): void {
    for (const d of this.disposables.splice(0).reverse()) d.dispose();
  }
}

/** Registers the explorer for this window (activation). */
export function registerTraceExplorer(ctx: Ctx): TraceExplorer {
  const explorer = ctx.push(new TraceExplorer(ctx));
  explorers.set(ctx, explorer);
  // Not contributed (no palette entry): the integration tests reach the explorer through it.
  ctx.push(vscode.commands.registerCommand('assay.internal.traceExplorer', () => explorer));
  return explorer;
}

function explorerOf(ctx: Ctx): TraceExplorer {
  const e = explorers.get(ctx);
  if (!e) throw new Error('the trace explorer is not registered');
  return e;
}

/** A trace id from a command argument: a tree node, an id, or a detail panel's trace. */
function traceIdOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  const node = arg as Partial<ExplorerNode> | undefined;
  if (node?.kind === 'trace') return node.trace!.id;
  return undefined;
}

function runIdOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  const node = arg as Partial<ExplorerNode> | undefined;
  if (node?.kind === 'run') return node.run!.id;
  if (node?.kind === 'trace') return node.trace!.runId ?? undefined;
  return undefined;
}

/** The trace a command acts on: its argument, else the tree's selection. */
function targetTrace(ctx: Ctx, arg: unknown): string | undefined {
  const id = traceIdOf(arg) ?? explorerOf(ctx).view.selection.map(traceIdOf).find((x) => x !== undefined);
  if (!id) void vscode.window.showInformationMessage('Assay: select a trace in the Runs view first.');
  return id;
}

let hostModule: Promise<typeof import('./traceHost')> | undefined;

/** The heavy half of the explorer (part of dist/lazyHost.js in the build), loaded once on first use. */
function traceHost(): Promise<typeof import('./traceHost')> {
  hostModule ??= import('./traceHost');
  return hostModule;
}

const actions = traceHost;

/** Opens a trace's detail panel (in the active group unless `viewColumn` says which). */
export async function openTrace(ctx: Ctx, traceId: string, viewColumn?: vscode.ViewColumn): Promise<TraceDetailPanel> {
  return (await explorerOf(ctx).panels()).open(traceId, viewColumn);
}

/** The explorer's commands, for the command table (commands.ts). */
export const TRACE_COMMANDS: Record<TraceCommandId, (ctx: Ctx) => Handler> = {
  'assay.traces.refresh': (ctx) => () => {
    const e = explorerOf(ctx);
    e.tree.refreshAll();
    return e;
  },
  'assay.traces.filter': (ctx) => async (arg?: unknown) => {
    const e = explorerOf(ctx);
    // From code (tests, alerts, the dashboard) a filter object; from the view's title bar, the pickers.
    const given = arg && !(arg as { kind?: unknown }).kind ? filterFromArg(arg) : undefined;
    const next = given ?? (await pickFilter(e.model.filter, await ctx.services.store()));
    if (next) e.setFilter(next);
    return e.model.filter;
  },
  'assay.traces.clearFilter': (ctx) => () => {
    explorerOf(ctx).setFilter({});
  },
  'assay.traces.groupBy': (ctx) => async (arg?: unknown) => {
    const e = explorerOf(ctx);
    const grouping = arg === 'run' || arg === 'prompt' || arg === 'model' || arg === 'day' ? arg : await pickGrouping(e.model.grouping);
    if (grouping) e.setGrouping(grouping);
    return e.model.grouping;
  },
  'assay.traces.loadMore': (ctx) => (node?: unknown) => explorerOf(ctx).tree.loadMore(node as ExplorerNode),
  'assay.traces.openTrace': (ctx) => async (arg?: unknown, options?: unknown) => {
    const id = targetTrace(ctx, arg);
    const column = (options as { viewColumn?: unknown } | undefined)?.viewColumn;
    return id ? openTrace(ctx, id, typeof column === 'number' ? column : undefined) : undefined;
  },
  'assay.traces.replayTrace': (ctx) => async (arg?: unknown) => {
    const id = targetTrace(ctx, arg);
    if (!id) return undefined;
    const panel = await openTrace(ctx, id);
    panel.startReplay();
    return panel;
  },
  'assay.traces.replayRun': (ctx) => async (arg?: unknown, options?: unknown) => {
    const runId = runIdOf(arg) ?? (await pickRun(ctx));
    if (!runId) return undefined;
    return (await actions()).replayRun(ctx, runId, { openReport: (options as { openReport?: boolean } | undefined)?.openReport !== false });
  },
  'assay.traces.openInPlayground': (ctx) => async (arg?: unknown) => {
    const id = targetTrace(ctx, arg);
    if (id) await (await actions()).openInPlayground(ctx, id);
  },
  'assay.traces.addToTestBank': (ctx) => async (arg?: unknown, assertion?: unknown) => {
    const id = targetTrace(ctx, arg);
    if (!id) return undefined;
    const result = await (await actions()).addToTestBank(ctx, id, assertion as NewCaseAssertion | undefined);
    if (result && 'error' in result) void vscode.window.showWarningMessage(`Assay: ${result.error}`);
    return result;
  },
  'assay.traces.copyOutput': (ctx) => async (arg?: unknown) => {
    const id = targetTrace(ctx, arg);
    const trace = id ? await (await ctx.services.store())?.getTrace(id) : undefined;
    if (!trace) return undefined;
    await vscode.env.clipboard.writeText(trace.text);
    void vscode.window.setStatusBarMessage('Assay: output copied', 3000);
    return trace.text;
  },
  'assay.traces.copyAsCurl': (ctx) => async (arg?: unknown) => {
    const id = targetTrace(ctx, arg);
    if (!id) return undefined;
    const r = await (await actions()).copyAsCurl(ctx, id);
    if ('error' in r) void vscode.window.showWarningMessage(`Assay: ${r.error}`);
    else void vscode.window.setStatusBarMessage(`Assay: copied as curl${r.keyVariable ? ` (set $${r.keyVariable})` : ''}`, 5000);
    return r;
  },
  'assay.traces.deleteTrace': (ctx) => async (arg?: unknown, selected?: unknown, options?: unknown) => {
    const e = explorerOf(ctx);
    const nodes = Array.isArray(selected) && selected.length > 0 ? selected : [arg ?? e.view.selection[0]];
    const ids = nodes.map(traceIdOf).filter((x): x is string => x !== undefined);
    if (ids.length === 0) return 0;
    const n = await (await actions()).deleteTraces(ctx, ids, (options as { confirm?: boolean } | undefined)?.confirm !== false);
    if (n > 0) void vscode.window.setStatusBarMessage(`Assay: deleted ${n} trace${n === 1 ? '' : 's'}`, 3000);
    return n;
  },
  'assay.traces.export': (ctx) => async (arg?: unknown) => exportTraces(ctx, arg),
  'assay.openDashboard': (ctx) => async (): Promise<DashboardPanel> => (await explorerOf(ctx).dashboard()).open(),
};

async function pickRun(ctx: Ctx): Promise<string | undefined> {
  const store = await ctx.services.store();
  if (!store) return undefined;
  const runs = (await store.listRuns({}, { limit: 50 })).items.filter((r) => r.kind !== 'replay');
  if (runs.length === 0) {
    void vscode.window.showInformationMessage('Assay: there is no run to replay yet. Run a test bank or the playground first; its calls can then be replayed against the current prompt.');
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    runs.map((r) => ({
      label: r.promptPath ? vscode.workspace.asRelativePath(r.promptPath) : r.kind,
      description: `${r.kind} · ${r.models.join(', ')} · ${new Date(r.startedAt).toLocaleString()}`,
      value: r.id,
    })),
    { title: 'Replay which run against the current prompt?', placeHolder: 'The 50 newest runs; type to filter by prompt file or model', matchOnDescription: true },
  );
  return pick?.value;
}

type ExportFormat = 'jsonl' | 'otlp' | 'otlp-messages';

/**
 * "Export Traces": the traces the Runs tree's filter selects, to JSONL or OTLP/JSON. From code, pass
 * `{ format, out }` to skip the pickers.
 */
async function exportTraces(ctx: Ctx, arg: unknown): Promise<{ count: number; path: string } | { error: string } | undefined> {
  const store = await ctx.services.store();
  if (!store) {
    void vscode.window.showInformationMessage('Assay: there is no history in this window.');
    return undefined;
  }
  const given = (arg ?? {}) as { format?: unknown; out?: unknown };
  let format = given.format === 'jsonl' || given.format === 'otlp' || given.format === 'otlp-messages' ? (given.format as ExportFormat) : undefined;
  if (!format) {
    const pick = await vscode.window.showQuickPick(
      [
        { label: 'JSONL', description: 'every field of each trace, one JSON object per line', value: 'jsonl' as const },
        { label: 'OpenTelemetry (OTLP/JSON)', description: 'gen_ai.* spans for any OpenTelemetry backend; no prompt or output text', value: 'otlp' as const },
        { label: 'OpenTelemetry with messages', description: 'also gen_ai.input.messages / gen_ai.output.messages', value: 'otlp-messages' as const },
      ],
      { title: 'Export the traces the filter selects' },
    );
    if (!pick) return undefined;
    format = pick.value;
  }
  let out = typeof given.out === 'string' ? given.out : undefined;
  if (!out) {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = await vscode.window.showSaveDialog({
      title: 'Export traces',
      ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, format === 'jsonl' ? 'traces.jsonl' : 'traces.otlp.json') } : {}),
      filters: format === 'jsonl' ? { 'JSON Lines': ['jsonl'] } : { 'OTLP/JSON': ['json', 'jsonl'] },
    });
    if (!target) return undefined;
    out = target.fsPath;
  }
  const filter = toTraceFilter(explorerOf(ctx).model.filter);
  const result =
    format === 'jsonl'
      ? await store.exportJsonl(filter, out)
      : await (await traceHost()).exportOtlp(store, filter, out, { includeMessages: format === 'otlp-messages' });
  if ('error' in result) void vscode.window.showErrorMessage(`Assay: ${result.error}`);
  else if (!given.out) {
    void vscode.window.showInformationMessage(`Assay: exported ${result.count.toLocaleString()} trace${result.count === 1 ? '' : 's'}.`, 'Open').then((pick) => {
      if (pick) void vscode.window.showTextDocument(vscode.Uri.file(result.path));
    });
  }
  return result;
}
