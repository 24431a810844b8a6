// The Test Explorer's "Run in Batch (half price)" profile: the picked prompts, banks, cases and models go
// through the providers' batch APIs by running `assay test --batch` — the extension's own CLI — in a
// terminal, on this window's history. The editor reads the CLI's lines as they come: the batches' progress
// and time left show in the notification, every line in the Test Explorer's output; when the run ends, its
// JSON report gives each picked item its verdict.
//
// Why the CLI and not the core batch code in the extension host: a batch run outlives the window (answers
// can take up to 24 h), and what resumes it is `assay test --resume RUN_ID` — the CLI, whether the user
// runs it or the editor offers it when the history next opens (batchResume.ts). Resuming rebuilds the run
// from the command line stored with its batches and matches the answers back by suite, case and model; an
// in-process run would load its suites with the editor's settings (endpoints, default models, keys) and
// could be resumed into different suites, whose answers would then match nothing. Started as the CLI, the
// run and its resume are one code path (as promptfoo configs run in promptfooRun.ts): the same plan, the
// same live fallback and its note, the same exit codes. What it costs: the verdicts arrive when the run
// ends (from the report), not case by case.
//
// Cancelling asks (tests pass the answer): leave the batches running — the CLI's Ctrl+C: the run is stored
// as waiting, resumable later at the batch price — or cancel them at the provider, keeping and reporting
// what they had finished (`assay test --resume RUN_ID --cancel`). Closing the window leaves them running.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { waitingBatchStates } from '../../core/batch/waitingRuns';
import type { TestSuite } from '../../core/run/testSuite';
import { readConfig } from '../config';
import type { Ctx } from '../context';
import { RUNS_VIEW_ID } from '../traces/traceCommandIds';
import { requireTrust } from '../trust';
import { hostFileAccess } from '../fileAccess';
import { batchCommand } from './batchArgs';
import { resumeBatchRun } from './batchResume';
import { loadTestingCore } from './lazyTestingCore';
import { CliTerminal, cliCommand } from './cliProcess';
import { explorerTitle, type RunCoordinator } from './runCoordinator';
import type { SuiteTarget } from './runPlan';
import type { TestTree } from './testTree';
import { reportExecutions, type ItemVerdict, type ReportedExecution } from './testRunReport';

/** What to do when a batch run is cancelled. */
export type BatchCancelChoice = 'leave' | 'cancel';

export interface BatchRunOptions {
  /** The answer to "leave the batches running or cancel them?" without asking (tests). */
  onCancel?: BatchCancelChoice;
  /** `--batch-poll-max` in seconds (tests: the local batch server moves a step per status read). */
  pollMaxSeconds?: number;
}

/** How a batch run ended, in plain data (`assay.internal.runTestItemsInBatch`). */
export interface BatchRunSummary {
  outcome: 'done' | 'refused' | 'left-running' | 'cancelled';
  /** The CLI's exit code (of the cancelling run after a cancel). */
  exitCode?: number;
  /** The run's first suite's id, when the CLI got that far. */
  runId?: string;
  message: string;
  /** Per Test Explorer item reported: its id and verdict. */
  items: { id: string; verdict: ItemVerdict }[];
  /** The progress messages the notification showed (the CLI's batch lines). */
  progress?: string[];
}

interface Planned {
  target: SuiteTarget;
  suite: TestSuite;
}

const CANCEL_BATCHES = 'Cancel Batches';
const LEAVE_RUNNING = 'Leave Batches Running';

/** The results of a JSON report (`assay test --json`) that reporting reads. */
interface ReportResult extends ReportedExecution {
  caseId: string;
  model: string;
}

/** The report's suites (each with its run id and results), or why it cannot be read. */
function readReport(path: string): { runId: string; results: ReportResult[] }[] | string {
  let json: { format?: unknown; suites?: { runId?: unknown; results?: unknown }[] };
  try {
    json = JSON.parse(readFileSync(path, 'utf8')) as typeof json;
  } catch (err) {
    return `its report ${path} cannot be read (${err instanceof Error ? err.message : String(err)})`;
  }
  if (json.format !== 'assay-test-results' || !Array.isArray(json.suites)) return `${path} is not an assay test report`;
  return json.suites.map((s) => ({
    runId: String(s.runId),
    results: (Array.isArray(s.results) ? (s.results as (ReportResult & { error: ReportResult['error'] | null })[]) : []).map((r) => {
      const { error, ...rest } = r;
      return { ...rest, ...(error ? { error } : {}) };
    }),
  }));
}

export class BatchRuns implements vscode.Disposable {
  private active: vscode.CancellationTokenSource | undefined;
  /** The CLI of the run in progress. */
  private terminal: CliTerminal | undefined;

  constructor(
    private readonly ctx: Ctx,
    private readonly coordinator: RunCoordinator,
    private readonly tree: TestTree,
  ) {}

  /** Cancels the batch run in progress as the Test Explorer's stop button does (it asks what to do with the batches). */
  cancel(): boolean {
    if (!this.active) return false;
    this.active.cancel();
    return true;
  }

  /** The window is closing: the CLI stops waiting (its Ctrl+C), so the run is stored as waiting, offered for resuming on the next open. */
  dispose(): void {
    this.terminal?.signal('SIGINT');
  }

  /** Runs the Test Explorer's request through the batch APIs (the profile's handler). */
  async runFromExplorer(request: vscode.TestRunRequest, token: vscode.CancellationToken, options: BatchRunOptions = {}): Promise<BatchRunSummary> {
    if (!(await requireTrust('Running tests in batch'))) return this.refuse(request, 'Restricted Mode: trust the workspace to run tests.');
    // One at a time, so that cancelling has one meaning; live runs may go on beside it (a batch can take hours).
    if (this.active) return this.refuse(request, 'a batch run is in progress; wait for it or cancel it first.');
    const targets = await this.coordinator.explorerTargets(request);
    if (targets.length === 0) return this.refuse(request, 'nothing to run in the picked items.');
    await this.coordinator.saveInputs(targets);
    const planned = await this.plan(targets);
    if (typeof planned === 'string') return this.refuse(request, planned);
    const history = this.ctx.services.historyPath();
    // The run is resumable only through the history (and the editor reads its outcome from there).
    if (!history) return this.refuse(request, 'a batch run needs the history (open a folder, and keep assay.history on): it stores the batches so the run can be resumed.');
    const reportPath = join(dirname(history), 'batch-reports', `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}.json`);
    const command = batchCommand(planned, { reportPath, ...(options.pollMaxSeconds !== undefined ? { pollMaxSeconds: options.pollMaxSeconds } : {}) });
    if ('error' in command) return this.refuse(request, `cannot run this in batch: ${command.error}`);

    const title = explorerTitle(targets);
    const run = this.tree.controller.createTestRun(request, `${title} (batch)`, true);
    for (const leaf of this.leaves(planned)) {
      run.enqueued(leaf);
      run.started(leaf);
    }
    run.appendOutput(`Assay: running in the terminal "batch ${title}": assay ${command.argv.join(' ')}\r\n`);
    run.appendOutput('The batches\u2019 progress and time left, and any provider that runs live for want of a batch API, are printed there.\r\n');
    const source = new vscode.CancellationTokenSource();
    this.active = source;
    try {
      return await this.wait(run, { request, token, source, options, planned, title, command, reportPath });
    } finally {
      this.active = undefined;
      source.dispose();
      run.end();
    }
  }

  /** The suites of `targets` as the editor reads them (their leaves, and the cases `--case` names). */
  private async plan(targets: SuiteTarget[]): Promise<Planned[] | string> {
    const core = await loadTestingCore();
    const config = readConfig();
    const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? dirname(targets[0]!.promptPath);
    const out: Planned[] = [];
    for (const target of targets) {
      const p = core.planSuite(target, { root, defaultModels: config.defaultModels, files: hostFileAccess() });
      if ('error' in p) return p.error;
      out.push({ target, suite: p.suite });
    }
    for (const t of targets) await this.tree.resolvedPrompt(t.promptPath);
    return out;
  }

  private leafOf(p: Planned, caseId: string, model: string): vscode.TestItem | undefined {
    return this.tree.leafFor(p.target.promptPath, p.target.bankPath, caseId, model, p.suite.models.map((m) => m.label));
  }

  private leaves(planned: readonly Planned[]): vscode.TestItem[] {
    const out: vscode.TestItem[] = [];
    for (const p of planned) for (const c of p.suite.cases) for (const m of p.suite.models) {
      const leaf = this.leafOf(p, c.id, m.label);
      if (leaf) out.push(leaf);
    }
    return out;
  }

  /** Runs the CLI under a cancellable notification, then reports how the run ended. */
  private async wait(
    run: vscode.TestRun,
    w: { request: vscode.TestRunRequest; token: vscode.CancellationToken; source: vscode.CancellationTokenSource; options: BatchRunOptions; planned: Planned[]; title: string; command: { argv: string[]; cwd: string }; reportPath: string },
  ): Promise<BatchRunSummary> {
    let choice: BatchCancelChoice | undefined;
    let asking = false;
    const subs: vscode.Disposable[] = [];
    const shown: string[] = [];
    const exitCode = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Assay: batch run — ${w.title}`, cancellable: true },
      async (progress, token) => {
        progress.report({ message: 'planning the batches' });
        // SIGINT, the CLI's Ctrl+C: it stops waiting, stores the run as waiting in history and exits (130).
        const onCancel = async (): Promise<void> => {
          if (choice || asking) return;
          asking = true;
          choice = w.options.onCancel ?? (await askCancel());
          asking = false;
          if (choice) this.terminal?.signal('SIGINT');
        };
        const terminal = new CliTerminal(await cliCommand(this.ctx, w.command.argv), {
          cwd: w.command.cwd,
          name: `Assay: batch ${w.title}`,
          onLine: (line) => {
            run.appendOutput(`${line}\r\n`);
            // The batch lines: created (or resumed), status with the time left, live fallbacks, retries.
            if (!/^batch[: ]/.test(line)) return;
            shown.push(line.replace(/^batch:? ?/, ''));
            progress.report({ message: shown.at(-1)! });
          },
          onInterrupt: () => void onCancel(),
        });
        this.terminal = terminal;
        for (const t of [w.token, token, run.token, w.source.token]) subs.push(t.onCancellationRequested(() => void onCancel()));
        try {
          return await terminal.exit;
        } finally {
          this.terminal = undefined;
          terminal.dispose();
        }
      },
    );
    for (const s of subs) s.dispose();
    return { ...(await this.settle(run, w.planned, w.reportPath, choice, exitCode)), progress: shown };
  }

  /** What the CLI's exit means: a report to show, a refusal, or a stopped run to cancel or leave waiting. */
  private async settle(run: vscode.TestRun, planned: Planned[], reportPath: string, choice: BatchCancelChoice | undefined, exitCode: number | undefined): Promise<BatchRunSummary> {
    // Exit 0, 1, 100 (failures, as `assay eval` exits) and 3 (history not saved): the report is written.
    if (!choice && exitCode !== undefined && [0, 1, 3, 100].includes(exitCode)) return this.finish(run, planned, reportPath, 'done', exitCode);
    if (!choice && exitCode === 2) return this.failAll(run, planned, 'refused', 'assay test refused the run before any call (exit 2): the reason is in its terminal.', exitCode);
    // Stopped: by a cancel here, or its terminal was closed. Its batches keep running at the provider.
    const runId = await this.waitingRun(reportPath);
    if (!runId) {
      // The stop came after the answers: the run is complete.
      if (existsSync(reportPath)) return this.finish(run, planned, reportPath, 'done', exitCode);
      return this.failAll(run, planned, 'cancelled', 'the run stopped before its batches were stored: nothing is left running.', exitCode, true);
    }
    if (choice === 'cancel') {
      run.appendOutput(`Cancelling the batches of run ${runId} (what they finished is kept)\u2026\r\n`);
      const code = await resumeBatchRun(this.ctx, runId, { cancel: true });
      return this.finish(run, planned, reportPath, 'cancelled', code);
    }
    const message = `its batches keep running at the provider. Resume with "Assay: Resume Batch Run" (run ${runId}); it is also offered when this workspace's history next opens.`;
    void vscode.window.showInformationMessage(`Assay: batch run stopped waiting — ${message}`, 'Resume Now').then((pick) => {
      if (pick) void vscode.commands.executeCommand('assay.resumeBatchRun', runId);
    });
    return { ...this.failAll(run, planned, 'left-running', message, exitCode, true), runId };
  }

  /** The stopped run (its first suite's id) that wrote to `reportPath`, if its batches were stored. */
  private async waitingRun(reportPath: string): Promise<string | undefined> {
    const store = await this.ctx.services.store();
    if (!store) return undefined;
    await store.refresh();
    return (await waitingBatchStates(store)).find((w) => w.state.argv.includes(reportPath))?.runId;
  }

  /** Reports the CLI's JSON report on the Test Explorer's items. */
  private async finish(run: vscode.TestRun, planned: Planned[], reportPath: string, outcome: BatchRunSummary['outcome'], exitCode: number | undefined): Promise<BatchRunSummary> {
    const report = readReport(reportPath);
    // Read once: the history keeps the run (a later resume of a run left waiting writes it again, unread).
    rmSync(reportPath, { force: true });
    if (typeof report === 'string' || report.length !== planned.length) {
      const why = typeof report === 'string' ? report : `its report has ${report.length} suites where ${planned.length} were picked`;
      return this.failAll(run, planned, outcome, `the batch run ended (exit ${String(exitCode)}) but ${why}; see its terminal.`, exitCode);
    }
    const items: BatchRunSummary['items'] = [];
    let unmatched = 0;
    report.forEach((suite, s) => {
      const p = planned[s]!;
      const groups = new Map<string, ReportResult[]>();
      for (const r of suite.results) {
        const key = `${r.caseId}\u0000${r.model}`;
        const list = groups.get(key);
        if (list) list.push(r);
        else groups.set(key, [r]);
      }
      for (const list of groups.values()) {
        const { caseId, model } = list[0]!;
        const leaf = this.leafOf(p, caseId, model);
        const verdict = reportExecutions(run, leaf, p.suite.cases.find((c) => c.id === caseId), list);
        if (leaf && verdict) items.push({ id: leaf.id, verdict });
        else unmatched++;
      }
    });
    const reported = new Set(items.map((i) => i.id));
    for (const leaf of this.leaves(planned)) if (!reported.has(leaf.id)) run.skipped(leaf);
    // A model the CLI ran that the editor does not list (the project config's default models differ from the editor's).
    if (unmatched > 0) run.appendOutput(`${unmatched} result${unmatched === 1 ? '' : 's'} of the batch run have no item here (a model the editor does not list); they are in the history.\r\n`);
    const runId = report[0]?.runId;
    await (await this.ctx.services.store())?.refresh();
    const counts = (v: ItemVerdict) => items.filter((i) => i.verdict === v).length;
    const message = `${counts('passed')} passed, ${counts('failed')} failed, ${counts('errored')} errors${counts('skipped') > 0 ? `, ${counts('skipped')} not run` : ''}`;
    void vscode.window.showInformationMessage(`Assay: batch run ${outcome === 'cancelled' ? 'cancelled' : 'finished'} — ${message}.`, 'Show in Runs').then(async (pick) => {
      if (!pick || !runId) return;
      await vscode.commands.executeCommand('assay.traces.filter', { runId });
      await vscode.commands.executeCommand(`${RUNS_VIEW_ID}.focus`);
    });
    return { outcome, ...(exitCode !== undefined ? { exitCode } : {}), ...(runId ? { runId } : {}), message, items };
  }

  /** Every picked item errored (or skipped) with `message`. */
  private failAll(run: vscode.TestRun, planned: Planned[], outcome: BatchRunSummary['outcome'], message: string, exitCode: number | undefined, skip = false): BatchRunSummary {
    const items: BatchRunSummary['items'] = [];
    for (const leaf of this.leaves(planned)) {
      if (skip) run.skipped(leaf);
      else run.errored(leaf, new vscode.TestMessage(message));
      items.push({ id: leaf.id, verdict: skip ? 'skipped' : 'errored' });
    }
    run.appendOutput(`Assay: ${message}\r\n`);
    return { outcome, ...(exitCode !== undefined ? { exitCode } : {}), message, items };
  }

  /** Nothing ran: the Test Explorer's items say why, and so does a message. */
  private refuse(request: vscode.TestRunRequest, message: string): BatchRunSummary {
    const run = this.tree.controller.createTestRun(request, 'Assay (batch)', false);
    const testMessage = new vscode.TestMessage(message);
    for (const item of request.include ?? this.tree.roots()) run.errored(item, testMessage);
    run.end();
    this.coordinator.lastRefusal = { message, actions: [] };
    void vscode.window.showErrorMessage(`Assay: ${message}`);
    return { outcome: 'refused', message, items: [] };
  }
}

/** Asks what a cancel does with batches already at the provider; undefined keeps waiting. */
async function askCancel(): Promise<BatchCancelChoice | undefined> {
  const pick = await vscode.window.showWarningMessage(
    'Stop the batch run?',
    {
      modal: true,
      detail:
        'Its batches are at the provider already. Leave them running to resume the run later ("Assay: Resume Batch Run", also offered when the history next opens) at the batch price, or cancel them: what they finished is kept and reported.',
    },
    LEAVE_RUNNING,
    CANCEL_BATCHES,
  );
  return pick === CANCEL_BATCHES ? 'cancel' : pick === LEAVE_RUNNING ? 'leave' : undefined;
}
