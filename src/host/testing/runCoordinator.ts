// The one place test runs start, whoever asks (CodeLens, the Test Explorer's profiles, commands, the
// results panel): it plans the suites through the core, checks models and keys before any call, creates the
// Test Explorer's TestRun (so a CodeLens run fills the Test Explorer too), shows a cancellable progress
// notification and a status-bar item, turns every cancel (notification, Test Explorer, status bar, panel,
// command) into one AbortSignal, streams cells to the results panel and keeps the last run for the
// CodeLens summary and `assay.internal.lastRunSummary`.
import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import type { GradingSettings } from '../../core/run/gradingContext';
import type { CaseExecution, RunReport } from '../../core/run/runReport';
import type { TestSuite } from '../../core/run/testSuite';
import type { BankDiagnostic } from '../../core/testBank/testBankTypes';
import type { ModelRef } from '../../core/types';
import { toRange } from '../language/convert';
import type { ResultsCell, ResultsState } from '../../shared/resultsProtocol';
import { readConfig } from '../config';
import type { Ctx } from '../context';
import { mergeRuns, runGroup } from '../traces/runsTreeModel';
import { requireTrust } from '../trust';
import { loadTestingCore, type TestingCore } from './lazyTestingCore';
import { ResultsBuilder } from './resultsState';
import type { ResultsPanels } from './resultsPanel';
import type { SuiteTarget } from './runPlan';
import { summaryText, type RunGist } from './summaryText';
import { reportExecutions } from './testRunReport';
import type { DiscoveredPrompt } from './testDiscovery';
import type { TestTree } from './testTree';
import { currentText } from '../workspaceText';
import { hostFileAccess } from '../fileAccess';

/** What to run. */
export interface RunRequest {
  targets: SuiteTarget[];
  /** Notification and Test Explorer title. */
  title: string;
  allModels?: boolean;
  repeat?: number;
  /** Set when the Test Explorer started the run: its request (the TestRun is made from it) and token. */
  explorer?: { request: vscode.TestRunRequest; token: vscode.CancellationToken };
}

/** One execution as `assay.internal.lastRunSummary` reports it. */
export interface SummaryCell {
  suite: string;
  caseId: string;
  label: string;
  model: string;
  status: string;
  passes: number;
  total: number;
  reason: string;
}

/** The last run, in plain data (integration tests call `assay.internal.lastRunSummary`). */
export interface LastRunSummary {
  runId: string;
  title: string;
  status: 'done' | 'cancelled';
  text: string;
  totals: { passed: number; failed: number; errors: number; flaky: number };
  cells: SummaryCell[];
}

/** The run the results panel shows: what was asked, the suites, and the panel state. */
export interface ShownRun {
  request: RunRequest;
  targets: SuiteTarget[];
  suites: TestSuite[];
  builder: ResultsBuilder;
}

/** A finished run: its reports (one per suite) and the panel state built from them. */
export interface FinishedRun {
  request: RunRequest;
  suites: TestSuite[];
  reports: RunReport[];
  builder: ResultsBuilder;
}

function gistOf(reports: readonly RunReport[]): RunGist {
  let passed = 0;
  let total = 0;
  let errors = 0;
  let flaky = 0;
  let cost = 0;
  let unknown = 0;
  let endedAt = 0;
  for (const r of reports) {
    passed += r.totals.passed;
    total += r.totals.executions;
    errors += r.totals.errors;
    cost += r.totals.cost + r.totals.graderCost;
    unknown += r.totals.costUnknown;
    flaky += r.models.reduce((n, m) => n + m.flaky.length, 0);
    endedAt = Math.max(endedAt, r.endedAt);
  }
  return { passed, total, errors, flaky, cost, costUnknown: unknown > 0, endedAt, cancelled: reports.some((r) => r.status === 'cancelled') };
}

/** The gist of a results matrix (a full run with partial reruns merged in). */
function gistOfState(state: ResultsState): RunGist {
  const executions = state.cells.flatMap((c) => c.executions);
  return {
    passed: executions.filter((e) => e.status === 'pass').length,
    total: executions.length,
    errors: executions.filter((e) => e.status === 'error').length,
    flaky: state.totals.flaky,
    cost: state.totals.cost,
    costUnknown: state.totals.costUnknown > 0,
    endedAt: state.endedAt ?? Date.now(),
    cancelled: state.status === 'cancelled',
  };
}

/** Whether a request runs only some cases or models of its targets. */
function isPartial(request: RunRequest): boolean {
  return request.targets.some((t) => t.caseRefs !== undefined || t.caseIds !== undefined || t.models !== undefined);
}

function parseRef(core: TestingCore, text: string): ModelRef | undefined {
  const ref = core.parseModelRef(text);
  return 'error' in ref ? undefined : ref;
}

/** A run's title: the files of its suites. */
export function explorerTitle(targets: readonly SuiteTarget[]): string {
  return targets.map((t) => vscode.workspace.asRelativePath(t.bankPath ?? t.promptPath, false)).join(', ');
}

/** Why the last run asked for did not start, as the user was told (`assay.internal.lastRunRefusal`). */
export interface RunRefusal {
  message: string;
  /** The buttons the message offered. */
  actions: string[];
}

const OPEN_FILE = 'Open File';

/**
 * Resolves in the next turn of the event loop, after its timers: the big steps of a run's start (reading
 * a large bank, building the results matrix, sending it to the panel) each take a turn of their own.
 */
const nextTurn = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** `bank.tests.yaml:3:19: Missing closing "quote (and 1 more problem)`: the first error where it is. */
function refusalText(errors: readonly BankDiagnostic[]): string {
  const first = errors[0]!;
  const where = `${vscode.workspace.asRelativePath(first.file, false)}:${first.range.start.line + 1}:${first.range.start.character + 1}`;
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more problem${errors.length > 2 ? 's' : ''}: see Problems)` : '';
  return `${where}: ${first.message}${more}`;
}

export class RunCoordinator implements vscode.Disposable {
  private active: { abort: AbortController; title: string; builder?: ResultsBuilder } | undefined;
  private last: FinishedRun | undefined;
  private shown: ShownRun | undefined;
  /** Per prompt file (fs path): its latest run in this window, for its summary lens's "show results". */
  private readonly shownByPrompt = new Map<string, ShownRun>();
  /** Per prompt file (fs path): the gist of its latest run, for the summary lens. */
  private readonly gists = new Map<string, { gist: RunGist; runId: string | null }>();
  private readonly historyLookups = new Set<string>();
  /** For prompt files whose summary came from the history: the id of that stored run. */
  private readonly storedRunIds = new Map<string, string>();
  private readonly status: vscode.StatusBarItem;
  private readonly finished = new vscode.EventEmitter<FinishedRun>();
  private readonly gistsChanged = new vscode.EventEmitter<void>();
  private readonly disposables: vscode.Disposable[] = [];
  /** Fires when a run ends (done or cancelled). */
  readonly onDidFinishRun = this.finished.event;
  /** Fires when a summary lens would change (a run ended, a stored run was found). */
  readonly onDidChangeSummaries = this.gistsChanged.event;
  tree: TestTree | undefined;
  panels: ResultsPanels | undefined;
  /** Why the last request did not run, if it did not. */
  lastRefusal: RunRefusal | undefined;

  constructor(private readonly ctx: Ctx) {
    this.status = vscode.window.createStatusBarItem('assay.testRun', vscode.StatusBarAlignment.Left, 5);
    this.status.name = 'Assay Test Run';
    this.status.command = 'assay.showTestResults';
    this.disposables.push(this.status, this.finished, this.gistsChanged);
  }

  get isRunning(): boolean {
    return this.active !== undefined;
  }

  get lastRun(): FinishedRun | undefined {
    return this.last;
  }

  /** Shows the latest run of a prompt file in the results panel; false when this window has none. */
  showRunOf(promptPath: string): boolean {
    const run = this.shownByPrompt.get(promptPath);
    if (!run || !this.panels) return false;
    this.shown = run;
    this.panels.showRun(run.builder.state, { preserveFocus: false });
    return true;
  }

  /**
   * Drops from a prompt's latest results the rows of cases that no longer exist (`found`: its tests as
   * read now). A bank that does not load is left alone: its cases may come back once it is fixed.
   */
  dropRemovedCases(found: DiscoveredPrompt): void {
    const shown = this.shownByPrompt.get(found.promptPath);
    if (!shown || shown.builder.state.status === 'running' || found.diagnostics.some((d) => d.severity === 'error')) return;
    const ids = new Set([...found.cases, ...(found.pairedBank?.cases ?? [])].map((c) => c.id));
    if (!shown.builder.dropRows((row) => ids.has(row.caseId))) return;
    if (this.shown === shown) this.panels?.showRun(shown.builder.state, { preserveFocus: true, revealIfHidden: false });
  }

  /** The run the results panel shows (in progress or finished). */
  get shownRun(): ShownRun | undefined {
    return this.shown;
  }

  /** Stops the run in progress at once (calls in flight end as cancelled, queued ones never start). */
  cancel(): boolean {
    if (!this.active) return false;
    this.active.abort.abort();
    return true;
  }

  /** The summary lens text for a prompt file, or undefined when it has no run yet (a history lookup starts). */
  summaryFor(promptPath: string): { text: string; runId: string | null } | undefined {
    const g = this.gists.get(promptPath);
    if (g) return { text: summaryText(g.gist), runId: g.runId };
    if (!this.historyLookups.has(promptPath)) {
      this.historyLookups.add(promptPath);
      void this.lookUpHistory(promptPath);
    }
    return undefined;
  }

  /** The stored run behind a prompt file's summary lens when it came from the history (a previous session). */
  storedRunOf(promptPath: string): string | undefined {
    return this.gists.get(promptPath)?.runId === null ? this.storedRunIds.get(promptPath) : undefined;
  }

  /** Finds the latest stored run of a prompt file (a previous session's) for its summary lens. */
  private async lookUpHistory(promptPath: string): Promise<void> {
    try {
      const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
      if (!root) return;
      const store = await this.ctx.services.store();
      if (!store || this.gists.has(promptPath)) return;
      const core = await loadTestingCore();
      const page = await store.listRuns({ promptPath: core.projectPath(root, promptPath) }, { limit: 20 });
      // The latest full run: a rerun of some cases (marked partial) would read as the whole bank.
      const found = page.items.find((r) => (r.kind === 'test' || r.kind === 'cli') && r.status !== 'running' && (r.config as { partial?: unknown } | null)?.partial !== true);
      if (!found || this.gists.has(promptPath)) return;
      // The runs of one click (inline cases and a paired bank) sum into one summary.
      const group = runGroup(found);
      const run = group ? mergeRuns(page.items.filter((r) => runGroup(r) === group)) : found;
      const summary = run.summary as { models?: { passes?: number; trials?: number; errors?: number; flaky?: unknown[]; cost?: { total?: number; unknown?: number } }[] } | null;
      const models = Array.isArray(summary?.models) ? summary.models : [];
      if (models.length === 0) return;
      const gist: RunGist = {
        passed: models.reduce((n, m) => n + (m.passes ?? 0), 0),
        total: models.reduce((n, m) => n + (m.trials ?? 0) + (m.errors ?? 0), 0),
        errors: models.reduce((n, m) => n + (m.errors ?? 0), 0),
        flaky: models.reduce((n, m) => n + (Array.isArray(m.flaky) ? m.flaky.length : 0), 0),
        cost: run.totals.cost,
        costUnknown: run.totals.unpriced > 0,
        endedAt: run.endedAt ?? run.startedAt,
        cancelled: run.status === 'cancelled',
      };
      this.gists.set(promptPath, { gist, runId: null });
      this.storedRunIds.set(promptPath, run.id);
      this.gistsChanged.fire();
    } catch (err) {
      this.ctx.log.warn(`testing: cannot read the last run of ${promptPath} from history: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Runs the Test Explorer's request (a profile's handler). */
  async runFromExplorer(request: vscode.TestRunRequest, token: vscode.CancellationToken, options: { allModels?: boolean; repeat?: number }): Promise<void> {
    const tree = this.tree;
    if (!tree) return;
    const targets = await this.explorerTargets(request);
    if (targets.length === 0) {
      const run = tree.controller.createTestRun(request, 'Assay', false);
      run.end();
      return;
    }
    const title = explorerTitle(targets);
    await this.run({ targets, title, ...options, explorer: { request, token } });
  }

  /** The suites a Test Explorer request picks: whole prompts and banks, or some cases and models of them. */
  async explorerTargets(request: vscode.TestRunRequest): Promise<SuiteTarget[]> {
    const tree = this.tree;
    if (!tree) return [];
    const include: readonly vscode.TestItem[] = request.include ?? (await tree.discoverAll().then(() => tree.roots()));
    const excluded = new Set((request.exclude ?? []).map((i) => i.id));
    const targets = new Map<string, SuiteTarget>();
    const add = (key: string, target: SuiteTarget) => {
      const prev = targets.get(key);
      if (!prev) targets.set(key, target);
      else if (prev.caseIds && target.caseIds) prev.caseIds = [...new Set([...prev.caseIds, ...target.caseIds])];
      else if (!target.caseIds) delete prev.caseIds;
      if (prev && prev.models && target.models) prev.models = [...new Set([...prev.models, ...target.models])];
      else if (prev && !target.models) delete prev.models;
    };
    for (const item of include) {
      if (excluded.has(item.id)) continue;
      const data = tree.dataOf(item);
      if (!data) continue;
      if (data.kind === 'prompt') {
        await tree.resolvedPrompt(data.promptPath);
        const core = await loadTestingCore();
        const text = await currentText(data.promptPath);
        const found = text === undefined ? undefined : core.discoverPrompt(data.promptPath, text, readConfig().defaultModels, hostFileAccess());
        if (found && found.cases.length > 0) add(`${data.promptPath}|`, { promptPath: data.promptPath });
        if (found?.pairedBank) add(`${data.promptPath}|${found.pairedBank.bankPath}`, { promptPath: data.promptPath, bankPath: found.pairedBank.bankPath });
      } else if (data.kind === 'bank') add(`${data.promptPath}|${data.bankPath}`, { promptPath: data.promptPath, bankPath: data.bankPath });
      else {
        const key = `${data.promptPath}|${data.bankPath ?? ''}`;
        add(key, {
          promptPath: data.promptPath,
          ...(data.bankPath ? { bankPath: data.bankPath } : {}),
          caseIds: [data.caseId],
          ...(data.kind === 'model' ? { models: [data.model] } : {}),
        });
      }
    }
    return [...targets.values()];
  }

  /** Saves the prompt and bank files a run reads, so it runs what the editor shows. */
  async saveInputs(targets: readonly SuiteTarget[]): Promise<void> {
    const paths = new Set<string>();
    for (const t of targets) {
      paths.add(t.promptPath);
      if (t.bankPath) paths.add(t.bankPath);
      if (t.fromFile) paths.add(t.fromFile);
    }
    // The banks a prompt's tests: loads (as the Test Explorer last read them).
    for (const t of targets) if (!t.bankPath) for (const b of this.tree?.banksOf(t.promptPath) ?? []) paths.add(b);
    for (const d of vscode.workspace.textDocuments) {
      if (d.isDirty && d.uri.scheme === 'file' && paths.has(d.uri.fsPath)) await d.save();
    }
  }

  /**
   * Runs `request` to the end (or until cancelled) and returns the finished run; undefined when nothing ran
   * (Restricted Mode, a run already going, load errors, a missing key — each explained to the user).
   */
  async run(request: RunRequest): Promise<FinishedRun | undefined> {
    const tree = this.tree;
    const refuse = (message: string, error = true, at?: BankDiagnostic): undefined => {
      const location = at ? new vscode.Location(vscode.Uri.file(at.file), toRange(at.range)) : undefined;
      if (request.explorer && tree) {
        const run = tree.controller.createTestRun(request.explorer.request, 'Assay', false);
        const testMessage = new vscode.TestMessage(message);
        if (location) testMessage.location = location;
        for (const item of request.explorer.request.include ?? tree.roots()) run.errored(item, testMessage);
        run.end();
      }
      const actions = location ? [OPEN_FILE] : [];
      this.lastRefusal = { message, actions };
      if (error) {
        void vscode.window.showErrorMessage(`Assay: ${message}`, ...actions).then(async (pick) => {
          if (pick !== OPEN_FILE || !location) return;
          const editor = await vscode.window.showTextDocument(location.uri);
          editor.selection = new vscode.Selection(location.range.start, location.range.end);
          editor.revealRange(location.range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
        });
      }
      return undefined;
    };
    if (!(await requireTrust('Running a test bank'))) return refuse('Restricted Mode: trust the workspace to run tests.', false);
    if (this.active) {
      const pick = await vscode.window.showWarningMessage(`Assay: a test run is in progress (${this.active.title}).`, 'Cancel It', 'Show Results');
      if (pick === 'Cancel It') this.cancel();
      if (pick === 'Show Results') this.panels?.reveal();
      return undefined;
    }
    const abort = new AbortController();
    this.active = { abort, title: request.title };
    this.lastRefusal = undefined;
    const running = (on: boolean) => void vscode.commands.executeCommand('setContext', 'assay.testRunning', on);
    running(true);
    try {
      return await this.runNow(request, abort, refuse);
    } finally {
      this.active = undefined;
      this.status.hide();
      running(false);
    }
  }

  private async runNow(request: RunRequest, abort: AbortController, refuse: (message: string, error?: boolean, at?: BankDiagnostic) => undefined): Promise<FinishedRun | undefined> {
    const tree = this.tree;
    await this.saveInputs(request.targets);
    const core = await loadTestingCore();
    const config = readConfig();
    const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? (request.targets[0] ? request.targets[0].promptPath.replace(/[\\/][^\\/]*$/, '') : '.');
    // Reading the banks (the command that asked may have just read them too) takes a turn of the loop of its own.
    await nextTurn();
    const planned = request.targets.map((t) => core.planSuite(t, { root, defaultModels: config.defaultModels, files: hostFileAccess(), ...(request.allModels ? { allModels: true } : {}) }));
    await nextTurn();
    const failedPlan = planned.find((p) => 'error' in p);
    if (failedPlan && 'error' in failedPlan) {
      const first = failedPlan.diagnostics[0];
      return first ? refuse(refusalText(failedPlan.diagnostics), true, first) : refuse(failedPlan.error);
    }
    const suites = planned.map((p) => (p as { suite: TestSuite }).suite);
    const targets = planned.map((p) => p.target);

    const graderModel = parseRef(core, config.graderModel) ?? { provider: 'openai', model: 'gpt-5.5' };
    const embeddingModel = parseRef(core, config.embeddingModel);
    const grading: GradingSettings = { graderModel, ...(embeddingModel ? { embeddingModel } : {}) };
    const used = core.modelsUsed(suites, grading);
    const problems = [...used.problems, ...(await core.checkModels(used.uses, this.ctx.services.registry(), (name) => this.ctx.keys.get(name)))];
    if (problems.length > 0) {
      const missing = problems.find((p) => p.kind === 'missing-key');
      const message = problems.map((p) => p.message).join('; ');
      if (missing) {
        const provider = missing.envVar?.replace(/_API_KEY$/, '').toLowerCase();
        void vscode.window.showErrorMessage(`Assay: ${message}`, 'Set API Key').then((pick) => {
          if (pick) void vscode.commands.executeCommand('assay.setApiKey', provider);
        });
        this.markPreflight(request, suites, targets, message);
        return undefined;
      }
      this.markPreflight(request, suites, targets, message);
      return refuse(message);
    }

    // The Test Explorer's run: the explorer's own request, or one made for a CodeLens or command run.
    for (const t of targets) await tree?.resolvedPrompt(t.promptPath);
    const include = targets.map((t) => tree?.suiteItem(t)).filter((i): i is vscode.TestItem => i !== undefined);
    const testRun = tree?.controller.createTestRun(request.explorer?.request ?? new vscode.TestRunRequest(include), request.title, true);
    const [store, engine] = await Promise.all([this.ctx.services.store(), Promise.resolve(this.ctx.services.engine())]);

    const builder = new ResultsBuilder(`pending-${Date.now()}`, request.title, suites, {
      toUri: (p) => vscode.Uri.file(p).toString(),
      ...(request.repeat !== undefined ? { repeat: request.repeat } : {}),
      canOpenTrace: await this.canOpenTrace(),
    });
    this.active!.builder = builder;
    this.shown = { request, targets, suites, builder };
    // For a large bank, building the matrix and sending it to the panel are each a turn's work.
    await nextTurn();
    const panel = this.panels;
    panel?.showRun(builder.state, { preserveFocus: true });
    await nextTurn();

    const total = builder.state.total;
    const counts = { done: 0, passed: 0, failed: 0, errors: 0 };
    const leafCache = new Map<string, vscode.TestItem | undefined>();
    const leaf = (s: number, caseId: string, model: string): vscode.TestItem | undefined => {
      const key = `${s}\u0000${caseId}\u0000${model}`;
      if (!leafCache.has(key)) leafCache.set(key, tree?.leafFor(targets[s]!.promptPath, targets[s]!.bankPath, caseId, model, suites[s]!.models.map((m) => m.label)));
      return leafCache.get(key);
    };
    const groups = new Map<string, CaseExecution[]>();
    // Each item is a message to the workbench: thousands of them are spread over turns of the loop.
    const budget = this.ctx.services.loopBudget;
    if (testRun) for (let s = 0; s < suites.length; s++) for (const c of suites[s]!.cases) for (const m of suites[s]!.models) {
      const item = leaf(s, c.id, m.label);
      if (item) testRun.enqueued(item);
      await budget.pass();
    }

    const statusText = () => `$(sync~spin) Assay ${counts.done}/${total}${counts.failed > 0 ? ` · ${counts.failed} failed` : ''}`;
    this.status.text = statusText();
    this.status.tooltip = `Assay is running ${request.title}. Click to show the results; cancel from the notification or the Test Explorer.`;
    this.status.show();

    const cancelSubs: vscode.Disposable[] = [];
    const onCancel = (token: vscode.CancellationToken | undefined) => {
      if (token) cancelSubs.push(token.onCancellationRequested(() => abort.abort()));
    };
    onCancel(request.explorer?.token);
    onCancel(testRun?.token);

    let pendingCells = new Map<ResultsCell, true>();
    let flushTimer: ReturnType<typeof setTimeout> | undefined;
    const flush = () => {
      flushTimer = undefined;
      if (pendingCells.size === 0) return;
      const cells = [...pendingCells.keys()];
      pendingCells = new Map();
      panel?.updateCells(builder.state, cells);
    };
    const queueCell = (cell: ResultsCell | undefined) => {
      if (!cell) return;
      pendingCells.set(cell, true);
      flushTimer ??= setTimeout(flush, 100);
    };

    // The suites of one request (a prompt's inline cases and its paired bank) are one run in the Runs view.
    const group = suites.length > 1 ? randomUUID() : undefined;
    const reports = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Assay: ${request.title}`, cancellable: true },
      async (progress, token) => {
        onCancel(token);
        let reported = 0;
        const report = () => {
          const pct = total > 0 ? (counts.done / total) * 100 : 100;
          progress.report({ message: `${counts.done}/${total} · ${counts.passed} passed · ${counts.failed} failed${counts.errors > 0 ? ` · ${counts.errors} errors` : ''}`, increment: pct - reported });
          reported = pct;
        };
        report();
        // The notification and the status bar are each a message to the workbench: at most ten a second, not
        // one per case (a 2,000-case run against a local server would send thousands a second).
        let progressTimer: ReturnType<typeof setTimeout> | undefined;
        const showProgress = () => {
          progressTimer = undefined;
          this.status.text = statusText();
          report();
        };
        const queueProgress = () => {
          progressTimer ??= setTimeout(showProgress, 100);
        };
        // The suites run together, so select-best and max-score compare every prompt of a promptfoo config.
        const comparisons = core.comparisonHub(suites, request.repeat);
        return Promise.all(
          suites.map((suite, s) =>
            core.runTests({
              suite,
              engine,
              store,
              grading,
              comparisons,
              trusted: vscode.workspace.isTrusted,
              limits: readConfig().limits,
              ...(request.repeat !== undefined ? { repeat: request.repeat } : {}),
              signal: abort.signal,
              loopBudget: budget,
              kind: 'test',
              runConfig: { source: request.explorer ? 'testExplorer' : 'editor', models: suite.models.map((m) => m.label), allModels: request.allModels === true, ...(group ? { group } : {}), ...(isPartial(request) ? { partial: true } : {}) },
              onCaseStarted: (started) => {
                const item = leaf(s, started.caseId, started.model);
                if (item && started.repeatIndex === 0) testRun?.started(item);
                queueCell(builder.started(s, started.caseId, started.model));
              },
              onCaseFinished: (e) => {
                counts.done++;
                if (e.status === 'pass') counts.passed++;
                else if (e.status === 'fail') counts.failed++;
                else counts.errors++;
                queueCell(builder.finished(s, e));
                const key = `${s}\u0000${e.caseId}\u0000${e.model}`;
                const list = groups.get(key) ?? [];
                list.push(e);
                groups.set(key, list);
                if (list.length >= e.repeats && testRun) reportExecutions(testRun, leaf(s, e.caseId, e.model), suite.cases[e.caseIndex], list);
                queueProgress();
              },
              onWarning: (message) => this.ctx.log.warn(`testing: ${message}`),
            }),
          ),
        ).finally(() => {
          if (progressTimer) clearTimeout(progressTimer);
          showProgress();
        });
      },
    );
    for (const d of cancelSubs) d.dispose();
    if (flushTimer) clearTimeout(flushTimer);
    flush();

    // Executions that never reported (a suite cancelled before its cases started) are skipped.
    if (testRun) {
      for (let s = 0; s < suites.length; s++) {
        for (const e of reports[s]!.executions) {
          const key = `${s}\u0000${e.caseId}\u0000${e.model}`;
          if (!groups.has(key)) {
            const item = leaf(s, e.caseId, e.model);
            if (item) testRun.skipped(item);
          }
        }
      }
      testRun.end();
    }

    builder.state.runId = reports[0]?.runId ?? builder.state.runId;
    builder.finish(reports);
    // A rerun of some cases or models joins the latest full picture of its prompt instead of replacing it.
    const base = isPartial(request) && targets.length === 1 ? this.shownByPrompt.get(targets[0]!.promptPath) : undefined;
    if (base && base.builder.state.status !== 'running') {
      base.builder.mergePartial(builder.state);
      this.shown = base;
    }
    const picture = this.shown!;
    const finished: FinishedRun = { request, suites, reports, builder };
    this.last = finished;
    const byPrompt = new Map<string, RunReport[]>();
    targets.forEach((t, i) => byPrompt.set(t.promptPath, [...(byPrompt.get(t.promptPath) ?? []), reports[i]!]));
    for (const [promptPath, list] of byPrompt) {
      this.gists.set(promptPath, { gist: picture === base ? gistOfState(picture.builder.state) : gistOf(list), runId: list[0]!.runId });
      this.shownByPrompt.set(promptPath, picture);
    }
    this.gistsChanged.fire();
    panel?.showRun(picture.builder.state, { preserveFocus: true, revealIfHidden: false });
    this.finished.fire(finished);
    const gist = gistOf(reports);
    this.ctx.log.info(`testing: ${request.title}: ${summaryText(gist)}`);
    if (gist.cancelled) void vscode.window.showInformationMessage(`Assay: run cancelled — ${summaryText(gist)}`);
    return finished;
  }

  private async canOpenTrace(): Promise<boolean> {
    const commands = await vscode.commands.getCommands(true);
    return commands.includes('assay.traces.openTrace');
  }

  /** Marks every leaf of the planned suites errored with a preflight problem (the Test Explorer shows why nothing ran). */
  private markPreflight(request: RunRequest, suites: TestSuite[], targets: SuiteTarget[], message: string): void {
    const tree = this.tree;
    if (!tree) return;
    const include = targets.map((t) => tree.suiteItem(t)).filter((i): i is vscode.TestItem => i !== undefined);
    const run = tree.controller.createTestRun(request.explorer?.request ?? new vscode.TestRunRequest(include), request.title, false);
    suites.forEach((suite, s) => {
      for (const c of suite.cases) for (const m of suite.models) {
        const item = tree.leafFor(targets[s]!.promptPath, targets[s]!.bankPath, c.id, m.label, suite.models.map((x) => x.label));
        if (item) run.errored(item, new vscode.TestMessage(message));
      }
    });
    run.end();
  }

  /** The last run in plain data (`assay.internal.lastRunSummary`). */
  lastRunSummary(): LastRunSummary | undefined {
    const last = this.last;
    if (!last) return undefined;
    const s = last.builder.state;
    return {
      runId: s.runId,
      title: s.title,
      status: s.status === 'cancelled' ? 'cancelled' : 'done',
      text: summaryText(gistOf(last.reports)),
      totals: { passed: s.totals.passed, failed: s.totals.failed, errors: s.totals.errors, flaky: s.totals.flaky },
      cells: s.cells.map((c) => {
        const row = s.rows[c.row]!;
        return { suite: row.suite, caseId: row.caseId, label: row.label, model: c.model, status: c.status, passes: c.passes, total: c.total, reason: c.reason };
      }),
    };
  }

  dispose(): void {
    this.active?.abort.abort();
    for (const d of this.disposables.splice(0).reverse()) d.dispose();
  }
}
