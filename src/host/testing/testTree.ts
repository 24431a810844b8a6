// The Test Explorer's "Assay" controller: prompt files → their cases (→ one child per model when the
// prompt has several), plus a bank beside a prompt that its `tests:` does not name as a group of its own.
// Discovery is lazy (the Testing view asks through `resolveHandler`, an opened prompt file adds itself) and
// a file watcher keeps resolved items in step with the files. Runs go through the RunCoordinator.
import * as vscode from 'vscode';
import { PROMPT_LANGUAGE_ID } from '../commandIds';
import { readConfig } from '../config';
import type { Ctx } from '../context';
import { isTrusted, RESTRICTED_REASON } from '../trust';
import { loadTestingCore } from './lazyTestingCore';
import { promptForBank, promptHasTests } from './pairing';
import type { SuiteTarget } from './runPlan';
import type { DiscoveredCase, DiscoveredPrompt } from './testDiscovery';
import { currentText } from '../workspaceText';
import { hostFileAccess } from '../fileAccess';

/** What an item stands for. */
export type ItemData =
  | { kind: 'prompt'; promptPath: string }
  | { kind: 'bank'; promptPath: string; bankPath: string }
  | { kind: 'case'; promptPath: string; bankPath?: string; caseId: string }
  | { kind: 'model'; promptPath: string; bankPath?: string; caseId: string; model: string };

/** The shape of the tree, for the integration tests (`assay.internal.testTree`). */
export interface TreeNode {
  id: string;
  label: string;
  uri?: string;
  line?: number;
  children: TreeNode[];
}

/** Starts runs for the Test Explorer's profiles (the RunCoordinator). */
export interface TreeRunner {
  runFromExplorer(request: vscode.TestRunRequest, token: vscode.CancellationToken, options: { allModels?: boolean; repeat?: number }): Promise<void>;
}

const PROMPT_GLOB = '**/*.{prompt,prompty}';
const WATCH_GLOB = '**/*.{prompt,prompty,yaml,yml,json,jsonl,csv}';
const REPEAT_KEY = 'assay.testing.repeat';
/** Quiet time after an edit before the items of that file are read again. */
const EDIT_DELAY_MS = 300;

function toRange(r: { start: { line: number; character: number }; end: { line: number; character: number } } | undefined): vscode.Range | undefined {
  return r ? new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character) : undefined;
}

/** Case items under `root` (through a bank group) by id, with their lines. */
function caseLines(root: vscode.TestItem): Map<string, number | undefined> {
  const out = new Map<string, number | undefined>();
  const walk = (items: vscode.TestItemCollection) =>
    items.forEach((i) => {
      out.set(i.id, i.range?.start.line);
      walk(i.children);
    });
  walk(root.children);
  return out;
}

export class TestTree implements vscode.Disposable {
  readonly controller: vscode.TestController;
  private readonly data = new WeakMap<vscode.TestItem, ItemData>();
  private readonly disposables: vscode.Disposable[] = [];
  /** Bank file (fs path) → prompt files whose items list its cases. */
  private readonly banks = new Map<string, Set<string>>();
  /** Prompt files whose children were resolved (they are refreshed when their files change). */
  private readonly resolved = new Set<string>();
  private discovery: Promise<void> | undefined;
  private watcher: vscode.FileSystemWatcher | undefined;
  /** Per edited file (fs path): the pending refresh. */
  private readonly edits = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly read = new vscode.EventEmitter<DiscoveredPrompt>();
  /** Fires when items were added, removed or re-resolved. */
  readonly onDidChange = this.changed.event;
  /** Fires with what a prompt's tests are now, each time they were read (a file changed, or on first use). */
  readonly onDidReadPrompt = this.read.event;

  constructor(
    private readonly ctx: Ctx,
    private readonly runner: TreeRunner,
  ) {
    this.controller = vscode.tests.createTestController('assay', 'Assay');
    this.disposables.push(this.controller, this.changed, this.read);
    this.controller.resolveHandler = (item) => (item ? this.resolve(item) : this.discoverAll());
    this.controller.refreshHandler = () => this.rediscover();

    const guard = (options: { allModels?: boolean; repeat?: () => number }) => async (request: vscode.TestRunRequest, token: vscode.CancellationToken) => {
      if (!isTrusted()) return this.refuseUntrusted(request);
      await this.runner.runFromExplorer(request, token, { ...(options.allModels ? { allModels: true } : {}), ...(options.repeat ? { repeat: options.repeat() } : {}) });
    };
    this.controller.createRunProfile('Run (prompt models)', vscode.TestRunProfileKind.Run, guard({}), true);
    this.controller.createRunProfile('Run on all models', vscode.TestRunProfileKind.Run, guard({ allModels: true }), false);
    const repeats = this.controller.createRunProfile('Run with repeats', vscode.TestRunProfileKind.Run, guard({ repeat: () => this.repeatCount() }), false);
    repeats.configureHandler = () => void this.configureRepeats();

    this.disposables.push(
      vscode.workspace.onDidOpenTextDocument((d) => {
        if (d.languageId === PROMPT_LANGUAGE_ID && d.uri.scheme === 'file') void this.ensurePrompt(d.uri.fsPath);
      }),
      // Unsaved edits count (the loaders read what the editor shows): a case typed or deleted shows at once,
      // and no item keeps a range past the end of a file that got shorter.
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length > 0) this.scheduleEdit(e.document.uri);
      }),
      vscode.workspace.onDidCloseTextDocument((d) => this.scheduleEdit(d.uri)),
      { dispose: () => this.edits.forEach((t) => clearTimeout(t)) },
    );
    for (const d of vscode.workspace.textDocuments) if (d.languageId === PROMPT_LANGUAGE_ID && d.uri.scheme === 'file') void this.ensurePrompt(d.uri.fsPath);
  }

  /** The item with `id`, searched through resolved items. */
  findItem(id: string): vscode.TestItem | undefined {
    const walk = (items: vscode.TestItemCollection): vscode.TestItem | undefined => {
      let found: vscode.TestItem | undefined;
      items.forEach((i) => {
        found ??= i.id === id ? i : walk(i.children);
      });
      return found;
    };
    return walk(this.controller.items);
  }

  /** Adds a Run profile (not the default) that Restricted Mode refuses as it does the others. */
  addRunProfile(label: string, run: (request: vscode.TestRunRequest, token: vscode.CancellationToken) => Promise<unknown>): vscode.TestRunProfile {
    const profile = this.controller.createRunProfile(
      label,
      vscode.TestRunProfileKind.Run,
      async (request, token) => {
        if (!isTrusted()) return this.refuseUntrusted(request);
        await run(request, token);
      },
      false,
    );
    this.disposables.push(profile);
    return profile;
  }

  /** Prompt files whose items list cases of `bankPath` (their tests: names it, or it pairs with them). */
  promptsOfBank(bankPath: string): string[] {
    return [...(this.banks.get(bankPath) ?? [])];
  }

  /** Bank files whose cases the tree lists under `promptPath`. */
  banksOf(promptPath: string): string[] {
    return [...this.banks].filter(([, prompts]) => prompts.has(promptPath)).map(([bank]) => bank);
  }

  /** What `item` stands for. */
  dataOf(item: vscode.TestItem): ItemData | undefined {
    return this.data.get(item);
  }

  private repeatCount(): number {
    return this.ctx.extension.workspaceState.get<number>(REPEAT_KEY, 5);
  }

  private async configureRepeats(): Promise<void> {
    const value = await vscode.window.showInputBox({
      title: 'Assay: runs per case and model',
      prompt: 'The "Run with repeats" profile runs each case this many times on each model (flakiness, pass-rate intervals).',
      value: String(this.repeatCount()),
      validateInput: (v) => (/^\d+$/.test(v.trim()) && Number(v) >= 1 && Number(v) <= 100 ? undefined : 'A whole number from 1 to 100'),
    });
    if (value !== undefined) await this.ctx.extension.workspaceState.update(REPEAT_KEY, Number(value.trim()));
  }

  private refuseUntrusted(request: vscode.TestRunRequest): void {
    const run = this.controller.createTestRun(request, 'Assay (Restricted Mode)', false);
    const message = new vscode.TestMessage(RESTRICTED_REASON);
    for (const item of request.include ?? this.roots()) run.errored(item, message);
    run.end();
    void vscode.window.showWarningMessage(`Assay: running tests is off. ${RESTRICTED_REASON}`, 'Manage Workspace Trust').then((pick) => {
      if (pick) void vscode.commands.executeCommand('workbench.trust.manage');
    });
  }

  roots(): vscode.TestItem[] {
    const out: vscode.TestItem[] = [];
    this.controller.items.forEach((i) => out.push(i));
    return out;
  }

  private startWatching(): void {
    if (this.watcher) return;
    this.watcher = vscode.workspace.createFileSystemWatcher(WATCH_GLOB);
    this.disposables.push(
      this.watcher,
      this.watcher.onDidCreate((u) => void this.fileChanged(u)),
      this.watcher.onDidChange((u) => void this.fileChanged(u)),
      this.watcher.onDidDelete((u) => void this.fileDeleted(u)),
    );
  }

  /** Finds every prompt file with tests in the workspace (once; the watcher keeps it current). */
  discoverAll(): Promise<void> {
    this.discovery ??= (async () => {
      this.startWatching();
      const files = await vscode.workspace.findFiles(PROMPT_GLOB, '**/node_modules/**', 5000);
      await Promise.all(files.filter((u) => u.scheme === 'file').map((u) => this.ensurePrompt(u.fsPath)));
    })();
    return this.discovery;
  }

  private async rediscover(): Promise<void> {
    this.discovery = undefined;
    this.controller.items.replace([]);
    this.resolved.clear();
    this.banks.clear();
    await this.discoverAll();
    this.changed.fire();
  }

  /** Adds (or removes) the root item of a prompt file by whether it has tests; returns it. */
  async ensurePrompt(promptPath: string): Promise<vscode.TestItem | undefined> {
    this.startWatching();
    const uri = vscode.Uri.file(promptPath);
    const id = uri.toString();
    const text = await currentText(promptPath);
    const existing = this.controller.items.get(id);
    if (text === undefined || !promptHasTests(promptPath, text)) {
      if (existing) {
        this.controller.items.delete(id);
        this.resolved.delete(promptPath);
        this.changed.fire();
      }
      return undefined;
    }
    if (existing) return existing;
    const item = this.controller.createTestItem(id, vscode.workspace.asRelativePath(uri, false), uri);
    item.canResolveChildren = true;
    item.range = new vscode.Range(0, 0, 0, 0);
    this.data.set(item, { kind: 'prompt', promptPath });
    this.controller.items.add(item);
    this.changed.fire();
    return item;
  }

  /** The root of a prompt file with its children resolved. */
  async resolvedPrompt(promptPath: string): Promise<vscode.TestItem | undefined> {
    const item = await this.ensurePrompt(promptPath);
    if (item && !this.resolved.has(promptPath)) await this.resolve(item);
    return item;
  }

  private async resolve(item: vscode.TestItem): Promise<void> {
    const data = this.data.get(item);
    if (!data || data.kind !== 'prompt') return;
    const text = await currentText(data.promptPath);
    if (text === undefined) return;
    const core = await loadTestingCore();
    const found = core.discoverPrompt(data.promptPath, text, readConfig().defaultModels, hostFileAccess());
    this.fill(item, found);
    this.read.fire(found);
    this.resolved.add(data.promptPath);
    item.canResolveChildren = false;
    this.changed.fire();
  }

  private fill(root: vscode.TestItem, found: DiscoveredPrompt): void {
    const promptPath = found.promptPath;
    for (const [bank, prompts] of this.banks) {
      prompts.delete(promptPath);
      if (prompts.size === 0) this.banks.delete(bank);
    }
    const linkBank = (bank: string) => {
      const set = this.banks.get(bank) ?? new Set<string>();
      set.add(promptPath);
      this.banks.set(bank, set);
    };
    for (const f of found.bankFiles) linkBank(f);
    const children = found.cases.map((c) => this.caseItem(root.id, c, found.models, { kind: 'case', promptPath, caseId: c.id }));
    if (found.pairedBank) {
      const bankUri = vscode.Uri.file(found.pairedBank.bankPath);
      linkBank(found.pairedBank.bankPath);
      const group = this.controller.createTestItem(`${root.id}|${bankUri.toString()}`, vscode.workspace.asRelativePath(bankUri, false), bankUri);
      group.range = new vscode.Range(0, 0, 0, 0);
      this.data.set(group, { kind: 'bank', promptPath, bankPath: found.pairedBank.bankPath });
      group.children.replace(found.pairedBank.cases.map((c) => this.caseItem(group.id, c, found.models, { kind: 'case', promptPath, bankPath: found.pairedBank!.bankPath, caseId: c.id })));
      children.push(group);
    }
    const before = caseLines(root);
    root.children.replace(children);
    const after = caseLines(root);
    // Results (and their gutter marks) of cases that moved or went away are outdated, not shown as current.
    if ([...before].some(([id, line]) => after.get(id) !== line)) this.controller.invalidateTestResults(root);
    const problem = found.diagnostics.find((d) => d.severity === 'error');
    root.error = problem ? `${vscode.workspace.asRelativePath(problem.file, false)}:${problem.range.start.line + 1}: ${problem.message}` : undefined;
  }

  private caseItem(parentId: string, c: DiscoveredCase, models: string[], data: ItemData & { kind: 'case' }): vscode.TestItem {
    const uri = vscode.Uri.file(c.file);
    const item = this.controller.createTestItem(`${parentId}/${c.id}`, c.label, uri);
    const range = toRange(c.range);
    if (range) item.range = new vscode.Range(range.start.line, range.start.character, range.start.line, range.start.character);
    this.data.set(item, data);
    if (models.length > 1) item.children.replace(models.map((m) => this.modelItem(item, m)));
    return item;
  }

  private modelItem(caseItem: vscode.TestItem, model: string): vscode.TestItem {
    const data = this.data.get(caseItem) as ItemData & { kind: 'case' };
    const item = this.controller.createTestItem(`${caseItem.id}@${model}`, model, caseItem.uri);
    item.range = caseItem.range;
    this.data.set(item, { ...data, kind: 'model', model });
    return item;
  }

  /**
   * The item a result of (case, model) goes to: the model child, or the case itself when it runs on one
   * model only. A run on more models than the tree shows ("all models") adds the missing children.
   */
  leafFor(promptPath: string, bankPath: string | undefined, caseId: string, model: string, runModels: readonly string[]): vscode.TestItem | undefined {
    const caseItem = this.caseItemFor(promptPath, bankPath, caseId);
    if (!caseItem) return undefined;
    if (caseItem.children.size === 0 && runModels.length <= 1) return caseItem;
    let child = caseItem.children.get(`${caseItem.id}@${model}`);
    if (!child) {
      const wanted = caseItem.children.size === 0 ? runModels : [model];
      for (const m of wanted) if (!caseItem.children.get(`${caseItem.id}@${m}`)) caseItem.children.add(this.modelItem(caseItem, m));
      child = caseItem.children.get(`${caseItem.id}@${model}`);
    }
    return child;
  }

  /** The case item, if the tree has it. */
  caseItemFor(promptPath: string, bankPath: string | undefined, caseId: string): vscode.TestItem | undefined {
    const root = this.controller.items.get(vscode.Uri.file(promptPath).toString());
    if (!root) return undefined;
    const parent = bankPath ? root.children.get(`${root.id}|${vscode.Uri.file(bankPath).toString()}`) : root;
    return parent?.children.get(`${parent.id}/${caseId}`);
  }

  /** The item that stands for a whole suite target (what a CodeLens run includes). */
  suiteItem(target: SuiteTarget): vscode.TestItem | undefined {
    const root = this.controller.items.get(vscode.Uri.file(target.promptPath).toString());
    if (!root || !target.bankPath) return root;
    return root.children.get(`${root.id}|${vscode.Uri.file(target.bankPath).toString()}`) ?? root;
  }

  /** Refreshes the items of an edited file once typing pauses (only files the tree lists something of). */
  private scheduleEdit(uri: vscode.Uri): void {
    if (uri.scheme !== 'file') return;
    const path = uri.fsPath;
    if (!this.banks.has(path) && !this.resolved.has(path) && promptForBank(path) === undefined) return;
    clearTimeout(this.edits.get(path));
    this.edits.set(
      path,
      setTimeout(() => {
        this.edits.delete(path);
        void this.fileChanged(uri);
      }, EDIT_DELAY_MS),
    );
  }

  /** Refreshes the items that come from `uri` (the watcher calls it; so does "Add to test bank" without waiting for it). */
  async fileChanged(uri: vscode.Uri): Promise<void> {
    if (uri.scheme !== 'file') return;
    const path = uri.fsPath;
    const prompts = new Set<string>();
    if (/\.prompty?$/i.test(path)) prompts.add(path);
    for (const p of this.banks.get(path) ?? []) prompts.add(p);
    const paired = promptForBank(path);
    if (paired) prompts.add(paired);
    for (const p of prompts) {
      const item = await this.ensurePrompt(p);
      if (item && this.resolved.has(p)) await this.resolve(item);
    }
  }

  private async fileDeleted(uri: vscode.Uri): Promise<void> {
    if (/\.prompty?$/i.test(uri.fsPath) && this.controller.items.get(uri.toString())) {
      this.controller.items.delete(uri.toString());
      this.resolved.delete(uri.fsPath);
      this.changed.fire();
      return;
    }
    await this.fileChanged(uri);
  }

  /** Discovers and resolves everything, then describes the tree (integration tests). */
  async snapshot(): Promise<TreeNode[]> {
    await this.discoverAll();
    for (const root of this.roots()) {
      const data = this.data.get(root);
      if (data?.kind === 'prompt') await this.resolvedPrompt(data.promptPath);
    }
    const describe = (item: vscode.TestItem): TreeNode => {
      const children: TreeNode[] = [];
      item.children.forEach((c) => children.push(describe(c)));
      return {
        id: item.id,
        label: item.label,
        ...(item.uri ? { uri: item.uri.toString() } : {}),
        ...(item.range ? { line: item.range.start.line } : {}),
        children,
      };
    };
    return this.roots()
      .map(describe)
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  dispose(): void {
    for (const d of this.disposables.splice(0).reverse()) d.dispose();
  }
}
