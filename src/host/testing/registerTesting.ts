// What activation registers for test banks: the CodeLens providers, the Test Explorer controller, the run
// coordinator, the results panel's serializer and the internal commands the integration tests call. All of
// it is cheap; the runner, the assertions and the bank loaders load on first use (lazyTestingCore.ts).
import * as vscode from 'vscode';
import { RUNS_VIEW_ID } from '../traces/traceCommandIds';
import type { NewCaseAssertion } from '../../core/testBank/addCase';
import { RESULTS_VIEW_TYPE, type CellRef } from '../../shared/resultsProtocol';
import { PROMPT_LANGUAGE_ID } from '../commandIds';
import { readConfig } from '../config';
import type { Ctx } from '../context';
import { bankChecker } from '../language/bankDiagnostics';
import { FileDiagnostics } from '../language/fileDiagnostics';
import { languageFeatures } from '../language/registerLanguageFeatures';
import { loadTestingCore } from './lazyTestingCore';
import { ResultsPanels } from './resultsPanel';
import { RunCoordinator, type LastRunSummary } from './runCoordinator';
import type { SuiteTarget } from './runPlan';
import { promptForBank } from './pairing';
import { BANK_SELECTOR, TestCodeLensProvider } from './testCodeLens';
import { TestTree } from './testTree';
import { PromptfooConfigLenses } from './promptfooRun';
import { offerBatchResume } from './batchResume';
import { BatchRuns, type BatchRunOptions } from './batchRun';
import { currentTextSync } from '../workspaceText';
import { hostFileAccess } from '../fileAccess';

/** Arguments of `assay.addToTestBank` (the results panel, the playground and the trace explorer pass them). */
export interface AddToTestBankArgs {
  /** The prompt whose cases get the new one (its `tests:`, or a new NAME.tests.yaml). */
  promptUri?: vscode.Uri | string;
  /** Or a bank file directly. */
  bankUri?: vscode.Uri | string;
  vars: Record<string, unknown>;
  output: string;
  /** Skips the quick pick (tests, and callers that already asked). */
  assertion?: NewCaseAssertion;
  description?: string;
}

/** What the command table calls. */
export interface TestingFeatures {
  readonly coordinator: RunCoordinator;
  readonly tree: TestTree;
  readonly panels: ResultsPanels;
  readonly lenses: TestCodeLensProvider;
  runTestBank(target?: unknown): Promise<LastRunSummary | undefined>;
  runTestCase(target?: unknown, index?: unknown, allModels?: unknown): Promise<LastRunSummary | undefined>;
  showTestResults(target?: unknown): Promise<boolean>;
  cancelTestRun(): boolean;
  addToTestBank(args?: unknown): Promise<{ target: string; path: string } | undefined>;
}

const registered = new WeakMap<Ctx, TestingFeatures>();

function asUri(value: unknown): vscode.Uri | undefined {
  if (value instanceof vscode.Uri) return value;
  if (typeof value === 'string' && value !== '') {
    try {
      return value.includes('://') ? vscode.Uri.parse(value, true) : vscode.Uri.file(value);
    } catch {
      return undefined;
    }
  }
  if (value && typeof value === 'object' && 'uri' in value) return asUri((value as { uri: unknown }).uri);
  return undefined;
}

function isPromptPath(path: string): boolean {
  return /\.prompty?$/i.test(path);
}

/** Asks which assertion the new case checks. */
async function pickAssertion(): Promise<NewCaseAssertion | undefined> {
  const items: (vscode.QuickPickItem & { kind2: NewCaseAssertion['kind'] })[] = [
    { label: '$(check) Equals this output', description: 'equals', detail: 'The case passes when the model answers exactly this again', kind2: 'equals' },
    { label: '$(symbol-ruler) Similar to this output', description: 'similar ≥ 0.75', detail: 'Embedding similarity with this output (needs the embeddings model)', kind2: 'similar' },
    { label: '$(comment) LLM rubric…', description: 'llm-rubric', detail: 'A grader model checks the answer against a rubric you type', kind2: 'llm-rubric' },
  ];
  const pick = await vscode.window.showQuickPick(items, { title: 'Assay: Add to test bank', placeHolder: 'What should the new case check?' });
  if (!pick) return undefined;
  if (pick.kind2 !== 'llm-rubric') return { kind: pick.kind2 };
  const rubric = await vscode.window.showInputBox({
    title: 'Assay: Add to test bank — rubric',
    prompt: 'What does a good answer do? The grader model checks each output against this.',
    placeHolder: 'e.g. Answers with one word: billing, bug or other',
    validateInput: (v) => (v.trim() === '' ? 'Describe what a good answer does' : undefined),
  });
  return rubric === undefined ? undefined : { kind: 'llm-rubric', rubric: rubric.trim() };
}

export function registerTesting(ctx: Ctx): TestingFeatures {
  const coordinator = ctx.push(new RunCoordinator(ctx));
  const tree = ctx.push(new TestTree(ctx, coordinator));
  coordinator.tree = tree;
  ctx.push(tree.onDidReadPrompt((found) => coordinator.dropRemovedCases(found)));

  /** What a bank runs as: against the prompt beside it, else against a prompt whose tests: names it. */
  const bankTarget = async (path: string): Promise<SuiteTarget | undefined> => {
    const core = await loadTestingCore();
    const paired = core.targetForBank(path, readConfig().defaultModels, hostFileAccess());
    if (paired) return paired;
    await tree.snapshot();
    const promptPath = tree.promptsOfBank(path)[0];
    return promptPath ? { promptPath, fromFile: path } : undefined;
  };

  const targetsOfFile = async (uri: vscode.Uri): Promise<SuiteTarget[] | string> => {
    const core = await loadTestingCore();
    const path = uri.fsPath;
    if (isPromptPath(path)) {
      const text = currentTextSync(path);
      if (text === undefined) return `${vscode.workspace.asRelativePath(uri, false)} cannot be read`;
      const found = core.discoverPrompt(path, text, readConfig().defaultModels, hostFileAccess());
      const targets: SuiteTarget[] = [];
      if (found.cases.length > 0) targets.push({ promptPath: path });
      if (found.pairedBank) targets.push({ promptPath: path, bankPath: found.pairedBank.bankPath });
      if (targets.length === 0) return `${vscode.workspace.asRelativePath(uri, false)} has no test cases: add a tests: list (or NAME.tests.yaml beside it)`;
      return targets;
    }
    const target = await bankTarget(path);
    if (!target) return `${vscode.workspace.asRelativePath(uri, false)} has no prompt file to run against: put NAME.prompt beside NAME.tests.yaml`;
    return [target];
  };

  const activeUri = (): vscode.Uri | undefined => vscode.window.activeTextEditor?.document.uri;

  const cellContext = (ref: CellRef) => {
    const shown = coordinator.shownRun;
    if (!shown) return undefined;
    const rowIndex = shown.builder.state.rows.findIndex((r) => r.key === ref.rowKey);
    if (rowIndex < 0) return undefined;
    const row = shown.builder.state.rows[rowIndex]!;
    const suiteIndex = Number(row.key.slice(0, row.key.indexOf(':')));
    const target = shown.targets[suiteIndex];
    const cell = shown.builder.state.cells.find((c) => c.row === rowIndex && c.model === ref.model);
    const execution = cell?.executions.find((e) => e.repeatIndex === (ref.repeatIndex ?? 0)) ?? cell?.executions[0];
    return { row, target, cell, execution, testCase: shown.suites[suiteIndex]?.cases.find((c) => c.id === row.caseId) };
  };

  const panels = ctx.push(
    new ResultsPanels(ctx, {
      openCase: async (ref, beside) => {
        const c = cellContext(ref);
        if (!c?.row.uri) return;
        const uri = vscode.Uri.parse(c.row.uri, true);
        let line = c.row.line;
        if (line === undefined && c.target) {
          const core = await loadTestingCore();
          const text = currentTextSync(c.target.promptPath);
          const found = text === undefined ? undefined : core.discoverPrompt(c.target.promptPath, text, readConfig().defaultModels, hostFileAccess());
          line = [...(found?.cases ?? []), ...(found?.pairedBank?.cases ?? [])].find((x) => x.id === c.row.caseId)?.range?.start.line;
        }
        const editor = await vscode.window.showTextDocument(uri, { viewColumn: beside });
        if (line !== undefined) {
          const pos = new vscode.Position(line, 0);
          editor.selection = new vscode.Selection(pos, pos);
          editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
        }
      },
      openTrace: async (ref, beside) => {
        const traceId = cellContext(ref)?.execution?.traceId ?? ref.traceId;
        if (!traceId) return void vscode.window.showInformationMessage('Assay: this result has no trace in history.');
        await vscode.commands.executeCommand('assay.traces.openTrace', traceId, { viewColumn: beside });
      },
      openPlayground: async (ref) => {
        const c = cellContext(ref);
        if (!c?.target) return;
        // The case's variables fill the playground's inputs (its second argument; older builds ignore it).
        await vscode.commands.executeCommand('assay.openPlayground', vscode.Uri.file(c.target.promptPath), { vars: c.row.vars, source: `test case "${c.row.label}"` });
      },
      addToTestBank: async (ref) => {
        const c = cellContext(ref);
        if (!c?.target || !c.execution) return;
        const args: AddToTestBankArgs = {
          ...(c.target.bankPath ? { bankUri: vscode.Uri.file(c.target.bankPath) } : { promptUri: vscode.Uri.file(c.target.promptPath) }),
          vars: c.row.vars,
          output: c.execution.output,
          description: `${c.row.label} (${ref.model})`,
        };
        await vscode.commands.executeCommand('assay.addToTestBank', args);
      },
      rate: async (ref, rating) => {
        const c = cellContext(ref);
        // A panel restored after a reload: the run is not in memory, the trace id came with the click.
        const traceId = c?.execution?.traceId ?? ref.traceId;
        const store = await ctx.services.store();
        if (!traceId || !store || !(await store.getTrace(traceId))) return void vscode.window.showInformationMessage('Assay: this result has no trace in history to rate.');
        const note = await vscode.window.showInputBox({
          title: `Assay: ${rating === 1 ? '👍 good' : '👎 bad'} — ${c ? `${c.row.label} (${ref.model})` : ref.model}`,
          prompt: 'A note on why (optional; Enter to save, Escape to cancel). Judge calibration sets ratings against the LLM judges.',
        });
        if (note === undefined) return;
        await store.setFeedback(traceId, { rating, note: note.trim() === '' ? null : note.trim() });
        void vscode.window.setStatusBarMessage(`Assay: rated ${rating === 1 ? '👍' : '👎'}`, 3000);
      },
      cancel: () => coordinator.cancel(),
      rerun: async () => {
        const shown = coordinator.shownRun;
        if (shown && !coordinator.isRunning) await coordinator.run(shown.request.explorer ? { ...shown.request, explorer: undefined, targets: shown.targets } : shown.request);
      },
    }),
  );
  coordinator.panels = panels;
  ctx.push(vscode.window.registerWebviewPanelSerializer(RESULTS_VIEW_TYPE, { deserializeWebviewPanel: async (panel) => panels.revive(panel) }));

  // A bank named by a prompt elsewhere is known once the Test Explorer has read every prompt: the first
  // such bank opened starts that (once), and its lenses appear when it is done.
  let fullScan: Promise<void> | undefined;
  const hasPrompt = (bank: string): boolean => {
    if (promptForBank(bank) !== undefined || tree.promptsOfBank(bank).length > 0) return true;
    fullScan ??= tree.snapshot().then(
      () => lenses.refresh(),
      (err: unknown) => ctx.log.warn(`testing: discovery failed: ${err instanceof Error ? err.message : String(err)}`),
    );
    return false;
  };
  const isKnownBank = (path: string): boolean => promptForBank(path) !== undefined || tree.promptsOfBank(path).length > 0;
  const bankProblems = ctx.push(new FileDiagnostics(ctx, bankChecker(isKnownBank), languageFeatures(ctx).fixes));
  ctx.push(tree.onDidChange(() => bankProblems.checkUnchecked()));
  const lenses: TestCodeLensProvider = new TestCodeLensProvider(languageFeatures(ctx).docs, coordinator, hasPrompt, bankProblems);
  ctx.push(lenses);
  ctx.push(vscode.languages.registerCodeLensProvider([{ language: PROMPT_LANGUAGE_ID, scheme: 'file' }, ...(BANK_SELECTOR as vscode.DocumentFilter[])], lenses));
  ctx.push(tree.onDidChange(() => lenses.refresh()));
  // Batch runs: started from the Test Explorer as `assay test --batch` (batchRun.ts); runs left waiting are
  // offered for resuming when the history opens (batchResume.ts).
  const batchRuns = ctx.push(new BatchRuns(ctx, coordinator, tree));
  tree.addRunProfile('Run in Batch (half price)', (request, token) => batchRuns.runFromExplorer(request, token));
  const offered = new Set<string>();
  ctx.push(ctx.services.onDidOpenStore((store) => void offerBatchResume(ctx, store, offered)));
  // promptfoo configs run as `assay eval` runs them (see promptfooRun.ts).
  const promptfooLenses = ctx.push(new PromptfooConfigLenses());
  ctx.push(vscode.languages.registerCodeLensProvider([{ language: 'yaml', scheme: 'file' }], promptfooLenses));

  const features: TestingFeatures = {
    coordinator,
    tree,
    panels,
    lenses,
    async runTestBank(target) {
      const uri = asUri(target) ?? activeUri();
      if (!uri || uri.scheme !== 'file') {
        void vscode.window.showWarningMessage('Assay: open a prompt file or a test bank to run its tests.');
        return undefined;
      }
      const targets = await targetsOfFile(uri);
      if (typeof targets === 'string') {
        void vscode.window.showWarningMessage(`Assay: ${targets}`);
        return undefined;
      }
      const done = await coordinator.run({ targets, title: vscode.workspace.asRelativePath(uri, false) });
      return done ? coordinator.lastRunSummary() : undefined;
    },
    async runTestCase(target, index, allModels) {
      const uri = asUri(target);
      if (!uri || typeof index !== 'number') return undefined;
      let base: SuiteTarget;
      if (isPromptPath(uri.fsPath)) base = { promptPath: uri.fsPath };
      else {
        const t = await bankTarget(uri.fsPath);
        if (!t) {
          void vscode.window.showWarningMessage(`Assay: ${vscode.workspace.asRelativePath(uri, false)} has no prompt file to run against`);
          return undefined;
        }
        base = t;
      }
      const done = await coordinator.run({
        targets: [{ ...base, caseRefs: [{ file: uri.fsPath, index }] }],
        title: `${vscode.workspace.asRelativePath(uri, false)} · case ${index + 1}`,
        ...(allModels === true ? { allModels: true } : {}),
      });
      return done ? coordinator.lastRunSummary() : undefined;
    },
    async showTestResults(target) {
      const uri = asUri(target);
      if (uri ? coordinator.showRunOf(uri.fsPath) : panels.reveal()) return true;
      // A run from a previous session: its traces and verdicts are in the history, shown by the Runs view.
      const stored = uri ? coordinator.storedRunOf(uri.fsPath) : undefined;
      if (stored) {
        await vscode.commands.executeCommand('assay.traces.filter', { runId: stored });
        await vscode.commands.executeCommand(`${RUNS_VIEW_ID}.focus`);
        return true;
      }
      const what = uri ? `${vscode.workspace.asRelativePath(uri, false)} has not run in this window (its summary comes from the history)` : 'no test run in this window yet';
      const pick = await vscode.window.showInformationMessage(`Assay: ${what}. Run the test bank to see its results here.`, 'Run Test Bank');
      if (pick) await features.runTestBank(uri);
      return false;
    },
    cancelTestRun() {
      // A batch run asks whether to leave its batches running or cancel them.
      return coordinator.cancel() || batchRuns.cancel();
    },
    async addToTestBank(raw) {
      const args = (raw ?? {}) as Partial<AddToTestBankArgs>;
      const promptUri = asUri(args.promptUri);
      const bankUri = asUri(args.bankUri);
      if ((!promptUri && !bankUri) || typeof args.output !== 'string') {
        void vscode.window.showWarningMessage('Assay: "Add to test bank" needs a result: use it from a cell of the test results, the playground or a trace.');
        return undefined;
      }
      const vars = args.vars && typeof args.vars === 'object' ? (args.vars as Record<string, unknown>) : {};
      const assertion = args.assertion ?? (await pickAssertion());
      if (!assertion) return undefined;
      const core = await loadTestingCore();
      const plan = core.planAddCase(bankUri ? { bankPath: bankUri.fsPath } : { promptPath: promptUri!.fsPath }, { vars, output: args.output, assertion, ...(args.description ? { description: args.description } : {}) }, currentTextSync);
      if ('error' in plan) {
        void vscode.window.showErrorMessage(`Assay: cannot add the case: ${plan.error}`);
        return undefined;
      }
      const edit = new vscode.WorkspaceEdit();
      for (const e of plan.edits) {
        const uri = vscode.Uri.file(e.path);
        if (e.create) edit.createFile(uri, { overwrite: false, ignoreIfExists: false, contents: new TextEncoder().encode(e.text) });
        else {
          const doc = await vscode.workspace.openTextDocument(uri);
          edit.replace(uri, new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), e.text);
        }
      }
      if (!(await vscode.workspace.applyEdit(edit))) {
        void vscode.window.showErrorMessage('Assay: cannot add the case: the edit was refused (is the file read-only?)');
        return undefined;
      }
      for (const e of plan.edits) {
        const doc = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === e.path);
        if (doc?.isDirty) await doc.save();
      }
      for (const e of plan.edits) await tree.fileChanged(vscode.Uri.file(e.path));
      lenses.refresh();
      void vscode.window.showInformationMessage(`Assay: added a case to ${plan.target}.`, 'Open').then(async (pick) => {
        if (!pick) return;
        const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(plan.targetPath));
        const editor = await vscode.window.showTextDocument(doc);
        const end = doc.lineAt(doc.lineCount - 1).range.end;
        editor.revealRange(new vscode.Range(end, end));
      });
      return { target: plan.target, path: plan.targetPath };
    },
  };

  // Internal commands: not contributed (no palette entry); the integration tests call them.
  ctx.push(vscode.commands.registerCommand('assay.internal.lastRunSummary', () => coordinator.lastRunSummary()));
  ctx.push(vscode.commands.registerCommand('assay.internal.lastRunRefusal', () => coordinator.lastRefusal));
  ctx.push(vscode.commands.registerCommand('assay.internal.testTree', () => tree.snapshot()));
  ctx.push(vscode.commands.registerCommand('assay.internal.resultsState', () => panels.current));
  // What a Test Explorer profile does with the items the user picked (ids from assay.internal.testTree).
  ctx.push(
    vscode.commands.registerCommand('assay.internal.runTestItems', async (ids: unknown, options?: { allModels?: boolean; repeat?: number }) => {
      await tree.snapshot();
      const items = (Array.isArray(ids) ? ids : []).map((id) => tree.findItem(String(id))).filter((i): i is vscode.TestItem => i !== undefined);
      const source = new vscode.CancellationTokenSource();
      try {
        await coordinator.runFromExplorer(new vscode.TestRunRequest(items), source.token, options ?? {});
      } finally {
        source.dispose();
      }
      return coordinator.lastRunSummary();
    }),
  );
  // The batch profile's handler on items picked by id; `options` answers its cancel question (tests).
  ctx.push(
    vscode.commands.registerCommand('assay.internal.runTestItemsInBatch', async (ids: unknown, options?: BatchRunOptions) => {
      await tree.snapshot();
      const items = (Array.isArray(ids) ? ids : []).map((id) => tree.findItem(String(id))).filter((i): i is vscode.TestItem => i !== undefined);
      const source = new vscode.CancellationTokenSource();
      try {
        return await batchRuns.runFromExplorer(new vscode.TestRunRequest(items), source.token, options ?? {});
      } finally {
        source.dispose();
      }
    }),
  );
  registered.set(ctx, features);
  return features;
}

/** The testing features registered for `ctx` (for the command table). */
export function testingFeatures(ctx: Ctx): TestingFeatures {
  const f = registered.get(ctx);
  if (!f) throw new Error('the test features are not registered');
  return f;
}
