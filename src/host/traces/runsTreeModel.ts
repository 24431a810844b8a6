// The Runs tree's data: nodes, paging through the history with cursors, grouping and filters, and the
// words each node shows. No `vscode` here (runsTreeProvider.ts adapts it), so the benchmarks can measure
// the first page of a large history from plain Node.
import type {
  Page,
  PageRequest,
  RunFilter,
  RunRecord,
  RunSummary,
  TimeSeriesPoint,
  TimeSeriesQuery,
  TraceFilter,
  TraceStatus,
  TraceSummary,
} from '../../core/store/storeTypes';
import { formatCost } from '../../shared/format';

/** How the tree's top level is organised. */
export type Grouping = 'run' | 'prompt' | 'model' | 'day';

export const GROUPINGS: readonly Grouping[] = ['run', 'prompt', 'model', 'day'];

/** A relative time range, resolved when a query runs (so "last 24 h" stays the last 24 h). */
export type SinceRange = '1h' | '24h' | '7d' | '30d';

export const SINCE_MS: Record<SinceRange, number> = { '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 };

/** The explorer's filter: the store's trace filter, with a relative range as an alternative to `from`. */
export interface ExplorerFilter extends TraceFilter {
  since?: SinceRange;
}

/** The part of the history store the tree reads (`TraceStore` satisfies it). */
export interface ExplorerStore {
  listRuns(filter: RunFilter, page: PageRequest): Promise<Page<RunRecord>>;
  listTraces(filter: TraceFilter, page: PageRequest): Promise<Page<TraceSummary>>;
  runSummary(runId: string): Promise<RunSummary | null>;
  timeSeries(query: TimeSeriesQuery): Promise<TimeSeriesPoint[]>;
}

export interface RunNode {
  kind: 'run';
  key: string;
  /** The run; for one click that ran several suites, all of them merged into one record. */
  run: RunRecord;
  /** The runs of one click (the suites of a prompt: inline cases, a paired bank) when there are several. */
  members?: RunRecord[];
}

export interface GroupNode {
  kind: 'group';
  key: string;
  grouping: Exclude<Grouping, 'run'>;
  label: string;
  /** What the group's traces have in common, added to the active filter. */
  filter: TraceFilter;
  traces: number;
  errors: number;
  cost: number;
}

export interface TraceNode {
  kind: 'trace';
  key: string;
  parentKey: string;
  trace: TraceSummary;
}

export interface MoreNode {
  kind: 'more';
  key: string;
  parentKey: string;
}

export interface MessageNode {
  kind: 'message';
  key: string;
  text: string;
}

export type ExplorerNode = RunNode | GroupNode | TraceNode | MoreNode | MessageNode;

export const ROOT_KEY = 'root';

/** Page sizes: runs at the top, traces under a run or group. */
export const RUN_PAGE = 50;
export const TRACE_PAGE = 100;

/** Filter fields that select traces (rather than runs). */
const TRACE_LEVEL: (keyof TraceFilter)[] = ['model', 'provider', 'status', 'errorKind', 'text', 'rating', 'cacheHit', 'caseId', 'promptVersionId'];

/** The store's filter for an explorer filter, `since` resolved against `now`. */
export function toTraceFilter(filter: ExplorerFilter, now = Date.now()): TraceFilter {
  const { since, ...rest } = filter;
  const out: TraceFilter = { ...rest };
  if (since) out.from = Math.max(out.from ?? 0, now - SINCE_MS[since]);
  return out;
}

export function isFilterActive(filter: ExplorerFilter): boolean {
  return Object.values(filter).some((v) => v !== undefined && v !== '');
}

const SINCE_WORDS: Record<SinceRange, string> = { '1h': 'last hour', '24h': 'last 24 h', '7d': 'last 7 days', '30d': 'last 30 days' };

/** The active filter in a few words, for the view's description. */
export function describeFilter(filter: ExplorerFilter): string {
  const parts: string[] = [];
  if (filter.runId) parts.push(`run ${filter.runId.slice(-6)}`);
  if (filter.provider && filter.model) parts.push(`${filter.provider}:${filter.model}`);
  else if (filter.model) parts.push(`model ${filter.model}`);
  else if (filter.provider) parts.push(`provider ${filter.provider}`);
  if (filter.promptPath) parts.push(basename(filter.promptPath));
  if (filter.status) parts.push(filter.status === 'error' ? 'errors' : 'ok');
  if (filter.errorKind) parts.push(filter.errorKind);
  if (filter.rating) parts.push(filter.rating === 1 ? '👍' : '👎');
  if (filter.since) parts.push(SINCE_WORDS[filter.since]);
  if (filter.from !== undefined && !filter.since) parts.push(`since ${shortTime(filter.from)}`);
  if (filter.to !== undefined) parts.push(`until ${shortTime(filter.to)}`);
  if (filter.text) parts.push(`“${filter.text}”`);
  if (filter.caseId) parts.push(`case ${filter.caseId}`);
  if (filter.cacheHit !== undefined) parts.push(filter.cacheHit ? 'cache hits' : 'no cache hits');
  return parts.join(' · ');
}

function basename(path: string): string {
  return path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `14:05` today, else `Jan 15 14:05` (local time). */
export function shortTime(ms: number, now = Date.now()): string {
  const d = new Date(ms);
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  const n = new Date(now);
  if (d.getFullYear() === n.getFullYear() && d.getMonth() === n.getMonth() && d.getDate() === n.getDate()) return hm;
  return `${d.toLocaleString('en-US', { month: 'short' })} ${d.getDate()} ${hm}`;
}

export function formatLatency(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** A run's pass rate: the test run's own figure when it stored one, else its assertion outcomes. */
export function runPassRate(run: RunRecord): number | null {
  const s = run.summary as { format?: unknown; models?: { passes?: unknown; trials?: unknown }[] } | null;
  if (s && typeof s.format === 'string' && s.format.startsWith('assay-test-run/') && Array.isArray(s.models)) {
    let passes = 0;
    let trials = 0;
    for (const m of s.models) {
      if (typeof m?.passes === 'number' && typeof m.trials === 'number') {
        passes += m.passes;
        trials += m.trials;
      }
    }
    if (trials > 0) return passes / trials;
  }
  const judged = run.totals.passed + run.totals.failed;
  return judged > 0 ? run.totals.passed / judged : null;
}

function modelsText(models: string[]): string {
  if (models.length === 0) return '';
  const first = models[0]!.slice(models[0]!.indexOf(':') + 1);
  return models.length === 1 ? first : `${first} +${models.length - 1}`;
}

/** The words of a run node. */
export function describeRun(run: RunRecord, now = Date.now()): { label: string; description: string; tooltip: string } {
  const label = run.promptPath ? basename(run.promptPath) : run.kind;
  const rate = runPassRate(run);
  const bits = [
    run.kind,
    // An imported run (assay history import) is someone else's: say whose, first.
    run.origin ? `from ${run.origin}` : '',
    modelsText(run.models),
    rate === null ? '' : `${Math.round(rate * 100)}% pass`,
    run.totals.errors > 0 ? `${run.totals.errors} error${run.totals.errors === 1 ? '' : 's'}` : '',
    run.totals.traces > 0 ? (run.totals.unpriced > 0 && run.totals.cost === 0 ? 'cost unknown' : formatCost(run.totals.cost)) : '',
    run.status === 'running' ? 'running…' : run.status === 'done' ? '' : run.status,
    shortTime(run.startedAt, now),
  ].filter((b) => b !== '');
  const t = run.totals;
  const tooltip = [
    `${run.kind} run ${run.id}`,
    run.origin ? `Imported from: ${run.origin}` : '',
    run.promptPath ? `Prompt: ${run.promptPath}` : '',
    run.bankPath && run.bankPath !== run.promptPath ? `Tests: ${run.bankPath}` : '',
    `Models: ${run.models.join(', ') || '—'}`,
    `Traces: ${t.traces} (${t.errors} errors) · tokens in ${t.inputTokens}, out ${t.outputTokens}`,
    rate === null ? '' : `Pass rate: ${(rate * 100).toFixed(1)}% (${t.passed} assertions passed, ${t.failed} failed)`,
    `Cost: ${formatCost(t.cost)}${t.unpriced ? ` (+${t.unpriced} unpriced)` : ''}`,
    `Started ${new Date(run.startedAt).toLocaleString()}${run.endedAt ? `, took ${formatLatency(run.endedAt - run.startedAt)}` : ''}`,
  ].filter((l) => l !== '');
  return { label, description: bits.join(' · '), tooltip: tooltip.join('\n') };
}

/** How a trace did: failed call, failed or passed assertions, or no assertions. */
export function traceOutcome(t: Pick<TraceSummary, 'status' | 'passed' | 'failed'>): 'error' | 'fail' | 'pass' | 'none' {
  if (t.status === 'error') return 'error';
  if (t.failed > 0) return 'fail';
  if (t.passed > 0) return 'pass';
  return 'none';
}

/** The first words of an output, on one line. */
export function firstWords(text: string, max = 60): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/** A case trace that ends a tool loop of more than one step (its earlier steps open under it). */
export function hasSteps(t: Pick<TraceSummary, 'step' | 'parentId'>): boolean {
  return t.parentId === null && t.step !== null && t.step > 0;
}

/** Where a trace sits in a tool loop: "step 2" under its case, "3 steps" on the case's trace. */
function stepBit(t: TraceSummary): string {
  if (t.step === null) return '';
  return t.parentId !== null ? `step ${t.step + 1}` : `${t.step + 1} steps`;
}

/** The words of a trace node. */
export function describeTrace(t: TraceSummary): { label: string; description: string; tooltip: string } {
  const outcome = traceOutcome(t);
  const output = t.status === 'error' ? (t.errorKind ?? 'error') : t.outputPreview === '' ? '(empty output)' : `“${firstWords(t.outputPreview)}”`;
  const bits = [stepBit(t), t.status === 'error' && t.latencyMs === 0 ? 'not sent' : formatLatency(t.latencyMs), t.cost === null ? '' : formatCost(t.cost), t.cacheHit ? 'cached' : '', output];
  const tooltip = [
    `${t.provider}:${t.model} · ${outcome === 'error' ? `error (${t.errorKind ?? 'unknown'})` : outcome === 'fail' ? `${t.failed} assertion(s) failed` : outcome === 'pass' ? `${t.passed} assertion(s) passed` : 'ok'}`,
    t.caseId ? `Case: ${t.caseId}${t.repeatIndex ? ` (repeat ${t.repeatIndex + 1})` : ''}` : '',
    t.promptPath ? `Prompt: ${t.promptPath}` : '',
    `Latency ${formatLatency(t.latencyMs)}${t.ttftMs !== null ? `, first token ${formatLatency(t.ttftMs)}` : ''} · tokens in ${t.inputTokens ?? '—'}, out ${t.outputTokens ?? '—'} · ${formatCost(t.cost)}`,
    `${new Date(t.startedAt).toLocaleString()}${t.rating ? ` · ${t.rating === 1 ? '👍' : '👎'}` : ''}`,
    t.outputPreview ? `\n${t.outputPreview}` : '',
  ].filter((l) => l !== '');
  return { label: t.model, description: bits.filter((b) => b !== '').join(' · '), tooltip: tooltip.join('\n') };
}

/** The click a run belongs to: runs started together (one per suite) share it in their config. */
export function runGroup(run: RunRecord): string | undefined {
  const group = (run.config as { group?: unknown } | null)?.group;
  return typeof group === 'string' && group !== '' ? group : undefined;
}

const SUMMED = ['traces', 'errors', 'inputTokens', 'outputTokens', 'cachedInputTokens', 'cost', 'unpriced', 'passed', 'failed'] as const;

function sumTotals(runs: readonly RunRecord[]): RunRecord['totals'] {
  const out = { ...runs[0]!.totals };
  for (const k of SUMMED) out[k] = runs.reduce((n, r) => n + r.totals[k], 0);
  // The mean latency of the calls of every run, weighted by their successful calls.
  const answered = runs.map((r) => ({ n: r.totals.traces - r.totals.errors, mean: r.totals.meanLatencyMs })).filter((x) => x.mean !== null && x.n > 0);
  const calls = answered.reduce((n, x) => n + x.n, 0);
  out.meanLatencyMs = calls > 0 ? answered.reduce((n, x) => n + x.mean! * x.n, 0) / calls : null;
  return out;
}

/** One record for the runs of one click: their models, totals and per-model test summaries together. */
export function mergeRuns(runs: readonly RunRecord[]): RunRecord {
  const lead = runs[0]!;
  if (runs.length === 1) return lead;
  const summaries = runs.map((r) => r.summary as { format?: unknown; models?: unknown[] } | null);
  const format = summaries.find((x) => typeof x?.format === 'string')?.format;
  const status = runs.some((r) => r.status === 'running') ? 'running' : (runs.find((r) => r.status !== 'done')?.status ?? 'done');
  return {
    ...lead,
    bankPath: runs.map((r) => r.bankPath).find((b) => b !== null && b !== lead.promptPath) ?? lead.bankPath,
    models: [...new Set(runs.flatMap((r) => r.models))],
    status,
    summary: format ? { format, models: summaries.flatMap((x) => (Array.isArray(x?.models) ? x.models : [])) } : lead.summary,
    startedAt: Math.min(...runs.map((r) => r.startedAt)),
    endedAt: status === 'running' ? null : Math.max(...runs.map((r) => r.endedAt ?? r.startedAt)),
    totals: sumTotals(runs),
  };
}

/** Runs newest first, those of one click together under the first of them. */
function groupRuns(runs: readonly RunRecord[]): RunRecord[][] {
  const out: RunRecord[][] = [];
  const byGroup = new Map<string, RunRecord[]>();
  for (const r of runs) {
    const g = runGroup(r);
    const list = g ? byGroup.get(g) : undefined;
    if (list) list.push(r);
    else {
      const fresh = [r];
      if (g) byGroup.set(g, fresh);
      out.push(fresh);
    }
  }
  return out;
}

interface ChildList {
  nodes: ExplorerNode[];
  cursor?: string;
}

const DAY_MS = 86_400_000;

/**
 * The tree's data. `children` pages through the store; `loadMore` extends a list; lists are cached per
 * parent so a refresh of one run leaves the others (and the expanded state, through stable keys) alone.
 */
export class RunsTreeModel {
  private readonly lists = new Map<string, ChildList>();
  private readonly groups = new Map<string, GroupNode>();
  private readonly runs = new Map<string, RunNode>();
  grouping: Grouping = 'run';
  filter: ExplorerFilter = {};

  constructor(
    private readonly store: () => Promise<ExplorerStore | null>,
    private readonly now: () => number = Date.now,
    /** Minutes east of UTC, for day buckets. */
    private readonly utcOffsetMinutes: () => number = () => -new Date().getTimezoneOffset(),
  ) {}

  /** Forgets every cached list (a filter or grouping change, a manual refresh). */
  reset(): void {
    this.lists.clear();
    this.groups.clear();
    this.runs.clear();
  }

  /** The node of a run shown at the top level, if loaded. */
  runNode(runId: string): RunNode | undefined {
    return this.runs.get(runId);
  }

  /** Whether the top level lists runs that traces could be added to (run grouping, no trace-level filter). */
  get listsRuns(): boolean {
    return this.grouping === 'run' && !this.traceLevelFilter();
  }

  private traceLevelFilter(): boolean {
    return TRACE_LEVEL.some((k) => this.filter[k] !== undefined && this.filter[k] !== '');
  }

  /** Children of `parent` (the top level when undefined): cached, else the first page. */
  async children(parent?: ExplorerNode): Promise<ExplorerNode[]> {
    const key = parent ? parent.key : ROOT_KEY;
    if (parent && parent.kind !== 'run' && parent.kind !== 'group' && !(parent.kind === 'trace' && hasSteps(parent.trace))) return [];
    const cached = this.lists.get(key);
    if (cached) return withMore(cached, key);
    const store = await this.store();
    if (!store) return [];
    const list = await this.load(store, parent, undefined, parent ? TRACE_PAGE : RUN_PAGE);
    this.lists.set(key, list);
    return withMore(list, key);
  }

  /** Loads the next page after a "Load more" node; resolves to the parent to refresh (undefined: the top). */
  async loadMore(more: MoreNode): Promise<ExplorerNode | undefined> {
    const list = this.lists.get(more.parentKey);
    const parent = more.parentKey === ROOT_KEY ? undefined : this.findParent(more.parentKey);
    if (!list?.cursor) return parent;
    const store = await this.store();
    if (!store) return parent;
    const next = await this.load(store, parent, list.cursor, parent ? TRACE_PAGE : RUN_PAGE);
    list.nodes.push(...next.nodes);
    if (next.cursor) list.cursor = next.cursor;
    else delete list.cursor;
    return parent;
  }

  /**
   * Re-reads a run after its traces changed: its totals, and its loaded traces (as many as were shown).
   * Resolves to the node to refresh, or undefined when the run is not shown (the top level then needs it).
   */
  async refreshRun(runId: string): Promise<RunNode | undefined> {
    const node = this.runs.get(runId);
    if (!node) return undefined;
    const store = await this.store();
    if (store) {
      const fresh = await Promise.all((node.members ?? [node.run]).map(async (r) => (await store.runSummary(r.id))?.run ?? r));
      node.run = mergeRuns(fresh);
      if (node.members) node.members = fresh;
    }
    const list = this.lists.get(node.key);
    if (list && store) {
      const shown = list.nodes.filter((n) => n.kind === 'trace').length;
      this.lists.set(node.key, await this.load(store, node, undefined, Math.min(1000, Math.max(TRACE_PAGE, shown))));
    }
    return node;
  }

  /** Re-reads the top level, keeping as many rows as were shown. */
  async refreshRoot(): Promise<void> {
    const list = this.lists.get(ROOT_KEY);
    if (!list) return;
    const store = await this.store();
    if (!store) return;
    const shown = list.nodes.length;
    this.lists.set(ROOT_KEY, await this.load(store, undefined, undefined, Math.min(1000, Math.max(RUN_PAGE, shown))));
  }

  private findParent(key: string): ExplorerNode | undefined {
    for (const n of this.runs.values()) if (n.key === key) return n;
    return this.groups.get(key);
  }

  private async load(store: ExplorerStore, parent: ExplorerNode | undefined, cursor: string | undefined, limit: number): Promise<ChildList> {
    const now = this.now();
    const filter = toTraceFilter(this.filter, now);
    const page: PageRequest = { limit, ...(cursor ? { cursor } : {}) };
    // A run lists one trace per case execution; a tool loop's earlier steps open under it.
    if (parent?.kind === 'trace') return this.steps(store, parent);
    if (parent?.kind === 'run' && parent.members) return this.memberTraces(store, { ...filter, topLevel: true }, parent, page);
    if (parent?.kind === 'run') return this.traces(store, { ...filter, runId: parent.run.id, topLevel: true }, page, parent.key);
    if (parent?.kind === 'group') return this.traces(store, { ...filter, ...parent.filter }, page, parent.key);

    if (this.grouping === 'run') {
      if (filter.runId) {
        const summary = await store.runSummary(filter.runId);
        return { nodes: summary ? [this.runNodeOf([summary.run])] : [{ kind: 'message', key: 'msg:no-run', text: `Run ${filter.runId} is not in the history.` }] };
      }
      if (this.traceLevelFilter()) return this.traces(store, filter, page, ROOT_KEY);
      const runFilter: RunFilter = {};
      if (filter.promptPath) runFilter.promptPath = filter.promptPath;
      if (filter.from !== undefined) runFilter.from = filter.from;
      if (filter.to !== undefined) runFilter.to = filter.to;
      const runs = await store.listRuns(runFilter, page);
      return { nodes: groupRuns(runs.items).map((g) => this.runNodeOf(g)), ...(runs.nextCursor ? { cursor: runs.nextCursor } : {}) };
    }
    return { nodes: await this.groupNodes(store, filter) };
  }

  /** The node of a run, or of the runs of one click (`runs` newest first; the node is keyed by the first). */
  private runNodeOf(runs: RunRecord[]): RunNode {
    const lead = runs[runs.length - 1]!;
    const ordered = [lead, ...runs.slice(0, -1).reverse()];
    const run = mergeRuns(ordered);
    const existing = this.runs.get(lead.id);
    const node: RunNode = existing ?? { kind: 'run', key: `run:${lead.id}`, run };
    node.run = run;
    if (runs.length > 1) node.members = ordered;
    else delete node.members;
    for (const r of runs) this.runs.set(r.id, node);
    return node;
  }

  /** Traces of every run of one click, a run after the other; the cursor says which run and where in it. */
  private async memberTraces(store: ExplorerStore, filter: TraceFilter, parent: RunNode, page: PageRequest): Promise<ChildList> {
    const members = parent.members!;
    const [at, inner] = page.cursor ? [Number(page.cursor.slice(0, page.cursor.indexOf('|'))), page.cursor.slice(page.cursor.indexOf('|') + 1)] : [0, ''];
    const nodes: ExplorerNode[] = [];
    let limit = page.limit ?? TRACE_PAGE;
    for (let i = at; i < members.length && limit > 0; i++) {
      const list = await this.traces(store, { ...filter, runId: members[i]!.id }, { limit, ...(i === at && inner ? { cursor: inner } : {}) }, parent.key);
      const traces = list.nodes.filter((n) => n.kind === 'trace');
      nodes.push(...traces);
      limit -= traces.length;
      if (list.cursor) return { nodes, cursor: `${i}|${list.cursor}` };
      if (limit === 0 && i + 1 < members.length) return { nodes, cursor: `${i + 1}|` };
    }
    if (nodes.length === 0 && !page.cursor) nodes.push({ kind: 'message', key: `msg:${parent.key}:empty`, text: isFilterActive(this.filter) ? 'No traces match the filter.' : 'No traces.' });
    return { nodes };
  }

  private async traces(store: ExplorerStore, filter: TraceFilter, page: PageRequest, parentKey: string): Promise<ChildList> {
    const result = await store.listTraces(filter, page);
    const nodes: ExplorerNode[] = result.items.map((trace) => ({ kind: 'trace', key: `trace:${parentKey}:${trace.id}`, parentKey, trace }));
    if (nodes.length === 0 && !page.cursor) nodes.push({ kind: 'message', key: `msg:${parentKey}:empty`, text: isFilterActive(this.filter) ? 'No traces match the filter.' : 'No traces.' });
    return { nodes, ...(result.nextCursor ? { cursor: result.nextCursor } : {}) };
  }

  /** A tool loop's earlier steps, first step first (the case's trace itself is the last). */
  private async steps(store: ExplorerStore, parent: TraceNode): Promise<ChildList> {
    const result = await store.listTraces({ parentId: parent.trace.id }, { limit: 1000 });
    const ordered = [...result.items].sort((a, b) => (a.step ?? 0) - (b.step ?? 0));
    return { nodes: ordered.map((trace) => ({ kind: 'trace', key: `trace:${parent.key}:${trace.id}`, parentKey: parent.key, trace })) };
  }

  private async groupNodes(store: ExplorerStore, filter: TraceFilter): Promise<GroupNode[]> {
    const grouping = this.grouping as Exclude<Grouping, 'run'>;
    const points = await store.timeSeries({
      bucket: 'day',
      groupBy: grouping === 'model' ? 'model' : grouping === 'prompt' ? 'prompt' : 'none',
      utcOffsetMinutes: this.utcOffsetMinutes(),
      filter,
    });
    const sums = new Map<string, { traces: number; errors: number; cost: number; latest: number }>();
    for (const p of points) {
      const k = grouping === 'day' ? String(p.start) : p.key;
      const s = sums.get(k) ?? { traces: 0, errors: 0, cost: 0, latest: 0 };
      s.traces += p.traces;
      s.errors += p.errors;
      s.cost += p.cost;
      s.latest = Math.max(s.latest, p.start);
      sums.set(k, s);
    }
    const nodes: GroupNode[] = [];
    for (const [k, s] of sums) {
      let label: string;
      let groupFilter: TraceFilter;
      if (grouping === 'day') {
        const start = Number(k);
        label = new Date(start).toDateString();
        groupFilter = { from: Math.max(start, filter.from ?? start), to: Math.min(start + DAY_MS, filter.to ?? start + DAY_MS) };
      } else if (grouping === 'model') {
        const i = k.indexOf(':');
        label = k;
        groupFilter = { provider: k.slice(0, i), model: k.slice(i + 1) };
      } else {
        // Calls without a prompt file (the key is '') cannot be selected by the store's filter.
        if (k === '') continue;
        label = k;
        groupFilter = { promptPath: k };
      }
      const node: GroupNode = { kind: 'group', key: `group:${grouping}:${k}`, grouping, label, filter: groupFilter, traces: s.traces, errors: s.errors, cost: s.cost };
      this.groups.set(node.key, node);
      nodes.push(node);
    }
    if (grouping === 'day') nodes.sort((a, b) => (b.filter.from ?? 0) - (a.filter.from ?? 0));
    else nodes.sort((a, b) => b.traces - a.traces || a.label.localeCompare(b.label));
    return nodes;
  }
}

function withMore(list: ChildList, parentKey: string): ExplorerNode[] {
  return list.cursor ? [...list.nodes, { kind: 'more', key: `more:${parentKey}`, parentKey }] : list.nodes;
}

/** The status words a filter pick offers. */
export const STATUSES: readonly TraceStatus[] = ['ok', 'error'];
