// One playground panel on one prompt file: the webview (WebviewHost: CSP, nonce, ready-gated typed
// messages), the session that runs its columns, and the glue to VS Code — the open document (unsaved
// edits count), workspace trust, settings, the test bank, and the commands an error suggests.
import { dirname } from 'node:path';
import * as vscode from 'vscode';
import { PRICE_TABLE } from '../../core/pricing/priceTable';
import { parsePromptFile } from '../../core/promptFile/parsePromptFile';
import type { PromptDocument } from '../../core/promptFile/promptDocument';
import type { ModelListResult } from '../../core/providers/providerTypes';
import { resolveTests } from '../../core/testBank/loadTestBank';
import type { NotificationType } from '../../shared/protocol';
import {
  AddToTestBankRequest,
  DidChangeCatalogNotification,
  DidChangeFileNotification,
  DidChangeTrustNotification,
  DidInitNotification,
  DidPrefillNotification,
  DidUpdateRunsNotification,
  DiffRequest,
  ErrorActionCommand,
  GetFeedbackRequest,
  RevealInFileCommand,
  RunCommand,
  SetFeedbackRequest,
  StopCommand,
  TestCasesRequest,
  type CaseChoice,
  type FormValue,
  type ModelCatalog,
  type PromptFileInfo,
} from '../../shared/playgroundProtocol';
import { readConfig } from '../config';
import type { Ctx } from '../context';
import { isTrusted, RESTRICTED_REASON } from '../trust';
import { WebviewHost } from '../webview/webviewHost';
import { buildCatalog } from './modelCatalog';
import { caseValues, coerceValues, inputFields, promptFileInfo } from './playgroundInputs';
import { PlaygroundSession, type PromptSource } from './playgroundSession';
import { hostFileAccess } from '../fileAccess';

/** How long edits settle before the panel hears that the file changed. */
const FILE_CHANGE_DEBOUNCE_MS = 150;

/** A message the panel posted to its webview (for tests and diagnostics). */
export interface PostedMessage {
  method: string;
  params: unknown;
}

export class PlaygroundPanel implements vscode.Disposable {
  readonly host: WebviewHost;
  readonly session: PlaygroundSession;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly posted = new vscode.EventEmitter<PostedMessage>();
  private readonly disposed = new vscode.EventEmitter<void>();
  /** Every notification sent to the webview, in order. */
  readonly onDidPost = this.posted.event;
  readonly onDidDispose = this.disposed.event;
  private catalog: ModelCatalog | undefined;
  private listing: Promise<void> | undefined;
  private fileTimer: ReturnType<typeof setTimeout> | undefined;
  private isDisposed = false;

  constructor(
    private readonly ctx: Ctx,
    readonly panel: vscode.WebviewPanel,
    readonly uri: vscode.Uri,
  ) {
    panel.webview.options = { enableScripts: true, localResourceRoots: WebviewHost.localResourceRoots(ctx.extension.extensionUri) };
    panel.iconPath = vscode.Uri.joinPath(ctx.extension.extensionUri, 'media', 'assay.svg');
    this.host = new WebviewHost(panel.webview, ctx.log);
    this.session = new PlaygroundSession({
      engine: () => ctx.services.engine(),
      store: () => ctx.services.store(),
      readPrompt: () => this.readPrompt(),
      files: hostFileAccess,
      isTrusted,
      restrictedReason: RESTRICTED_REASON,
      send: (updates) => this.notify(DidUpdateRunsNotification, { updates }),
      log: (level, message) => ctx.log[level](`playground: ${message}`),
    });
    this.registerHandlers();
    this.disposables.push(
      this.host,
      this.posted,
      this.disposed,
      this.host.onDidBecomeReady(() => void this.sendInit()),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document.uri.toString() === this.uri.toString() && e.contentChanges.length > 0) this.fileChanged();
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        this.notify(DidChangeTrustNotification, { trusted: true });
        void this.refreshCatalog(true);
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration('assay')) return;
        this.fileChanged();
        void this.refreshCatalog(true);
      }),
      panel.onDidDispose(() => this.dispose()),
    );
    if (uri.scheme === 'file') {
      // Edits on disk (another editor, git) when the file is not open here.
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(dirname(uri.fsPath)), uri.path.split('/').pop()!));
      this.disposables.push(watcher, watcher.onDidChange(() => this.fileChanged()), watcher.onDidCreate(() => this.fileChanged()));
    }
    this.host.setHtml(ctx.extension.extensionUri, 'playground', `Playground: ${this.label()}`);
    panel.title = `Playground: ${uri.path.split('/').pop()}`;
  }

  /** The prompt file's path relative to the workspace. */
  label(): string {
    return vscode.workspace.asRelativePath(this.uri, false);
  }

  reveal(): void {
    this.panel.reveal(undefined, false);
  }

  private notify<P>(type: NotificationType<P>, params: P): void {
    this.host.notify(type, params);
    this.posted.fire({ method: type.method, params });
  }

  private registerHandlers(): void {
    const host = this.host;
    host.onCommand(RunCommand, (params) => {
      void this.session.run(params).catch((err: unknown) => this.ctx.log.error('playground: run failed', err));
    });
    host.onCommand(StopCommand, () => this.session.stop());
    host.onRequest(SetFeedbackRequest, (p) => this.session.setFeedback(p?.traceId, p?.feedback));
    host.onRequest(GetFeedbackRequest, (p) => this.session.getFeedback(p?.traceIds));
    host.onRequest(DiffRequest, (p) => this.session.diff(p?.left, p?.right));
    host.onRequest(TestCasesRequest, () => this.testCases());
    host.onRequest(AddToTestBankRequest, (p) => this.addToTestBank(p?.values, p?.output));
    host.onCommand(ErrorActionCommand, (p) => this.errorAction(p?.action, p?.provider));
    host.onCommand(RevealInFileCommand, (p) => this.revealInFile(p?.range));
  }

  /** The prompt file's text now: the open document's (unsaved edits count), else the file on disk. */
  async readPrompt(): Promise<PromptSource | { error: string }> {
    try {
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === this.uri.toString()) ?? (await vscode.workspace.openTextDocument(this.uri));
      return { text: doc.getText(), ...(this.uri.scheme === 'file' ? { path: this.uri.fsPath } : {}), label: this.label() };
    } catch (err) {
      return { error: `Cannot read ${this.label()}: ${err instanceof Error ? err.message : String(err)}` };
    }
  }

  private async parse(): Promise<{ doc: PromptDocument; source: PromptSource } | { error: string }> {
    const source = await this.readPrompt();
    if ('error' in source) return source;
    return { doc: parsePromptFile(source.text, source.path ? { path: source.path } : {}), source };
  }

  async fileInfo(): Promise<PromptFileInfo> {
    const parsed = await this.parse();
    const where = { uri: this.uri.toString(), label: this.label(), defaultModels: readConfig().defaultModels };
    if ('error' in parsed) {
      return { ...where, name: this.label(), fileHash: '', inputs: [], models: where.defaultModels, modelsFromFile: false, params: {}, hasTests: false, hasSchema: false, problems: [parsed.error] };
    }
    return promptFileInfo(parsed.doc, where);
  }

  /** Fills the webview's form with `vars` (typed as the form shows them). */
  async prefill(vars: Record<string, unknown>, source?: string): Promise<void> {
    const parsed = await this.parse();
    if ('error' in parsed) return;
    this.notify(DidPrefillNotification, { values: caseValues(inputFields(parsed.doc), vars), ...(source ? { source } : {}) });
  }

  private fileChanged(): void {
    if (this.fileTimer !== undefined) clearTimeout(this.fileTimer);
    this.fileTimer = setTimeout(() => {
      this.fileTimer = undefined;
      if (!this.isDisposed) void this.fileInfo().then((info) => this.notify(DidChangeFileNotification, info));
    }, FILE_CHANGE_DEBOUNCE_MS);
  }

  private async sendInit(): Promise<void> {
    const file = await this.fileInfo();
    if (this.isDisposed) return;
    this.catalog ??= this.baseCatalog(file);
    this.notify(DidInitNotification, {
      file,
      trusted: isTrusted(),
      ...(isTrusted() ? {} : { restrictedReason: RESTRICTED_REASON }),
      historyEnabled: this.ctx.services.historyPath() !== undefined,
      catalog: this.catalog,
      live: this.session.liveRuns(),
    });
    void this.refreshCatalog(false);
  }

  private baseCatalog(file: PromptFileInfo, listings?: Map<string, ModelListResult>): ModelCatalog {
    const config = readConfig();
    return buildCatalog({
      fileModels: file.modelsFromFile ? file.models : [],
      defaultModels: config.defaultModels,
      endpoints: config.endpoints,
      priceTable: PRICE_TABLE,
      ...(listings ? { listings } : {}),
    });
  }

  /** Asks every provider for its models (once per panel, again after settings change); not in Restricted Mode. */
  private refreshCatalog(force: boolean): Promise<void> {
    if (!isTrusted()) return Promise.resolve();
    if (this.listing && !force) return this.listing;
    this.listing = (async () => {
      const engine = this.ctx.services.engine();
      const providers = ['openai', 'anthropic', ...readConfig().endpoints.map((e) => e.name.toLowerCase())];
      const unique = [...new Set(providers)];
      const results = await Promise.all(unique.map((p) => engine.listModels(p).then((r) => [p, r] as const)));
      const file = await this.fileInfo();
      this.catalog = this.baseCatalog(file, new Map(results));
      if (!this.isDisposed) this.notify(DidChangeCatalogNotification, this.catalog);
    })().catch((err: unknown) => this.ctx.log.warn(`playground: listing models failed: ${String(err)}`));
    return this.listing;
  }

  private async testCases(): Promise<{ cases: CaseChoice[]; problems: string[] }> {
    const parsed = await this.parse();
    if ('error' in parsed) return { cases: [], problems: [parsed.error] };
    const { doc, source } = parsed;
    if (!doc.tests) return { cases: [], problems: [] };
    const bank = resolveTests(doc.tests.value, doc.dir ?? (source.path ? dirname(source.path) : '.'), { file: source.path ?? source.label, range: doc.tests.range, files: hostFileAccess() });
    const fields = inputFields(doc);
    const cases = bank.cases.slice(0, 500).map((c, i) => ({ label: c.description ?? `case ${i + 1}`, values: caseValues(fields, c.vars) }));
    return { cases, problems: bank.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message) };
  }

  /**
   * "Add to test bank": the shared `assay.addToTestBank` command (it asks which assertion to write and
   * appends the case to the prompt's bank), with this column's variables and output.
   */
  async addToTestBank(values: unknown, output: unknown): Promise<{ file: string } | { error: string }> {
    if (typeof output !== 'string') return { error: 'There is no output to expect.' };
    if (this.uri.scheme !== 'file') return { error: 'Save the prompt file first.' };
    const parsed = await this.parse();
    if ('error' in parsed) return parsed;
    const coerced = coerceValues(inputFields(parsed.doc), values && typeof values === 'object' ? (values as Record<string, FormValue>) : {});
    if ('error' in coerced) return coerced;
    const added = await vscode.commands.executeCommand<{ target: string } | undefined>('assay.addToTestBank', { promptUri: this.uri, vars: coerced.vars, output });
    return added ? { file: added.target } : { error: 'cancelled, or the case could not be written' };
  }

  private async errorAction(action: unknown, provider: unknown): Promise<void> {
    if (action === 'setApiKey') await vscode.commands.executeCommand('assay.setApiKey', typeof provider === 'string' ? provider : undefined);
    else if (action === 'openSettings') await vscode.commands.executeCommand('workbench.action.openSettings', 'assay.endpoints');
    else if (action === 'showLog') this.ctx.log.show();
  }

  private async revealInFile(range: unknown): Promise<void> {
    const r = range as { start?: { line?: unknown; character?: unknown }; end?: { line?: unknown; character?: unknown } } | undefined;
    const pos = (p: { line?: unknown; character?: unknown } | undefined): vscode.Position =>
      new vscode.Position(Math.max(0, Number(p?.line) || 0), Math.max(0, Number(p?.character) || 0));
    const selection = r ? new vscode.Range(pos(r.start), pos(r.end ?? r.start)) : undefined;
    const editor = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === this.uri.toString());
    await vscode.window.showTextDocument(this.uri, { viewColumn: editor?.viewColumn ?? vscode.ViewColumn.One, ...(selection ? { selection } : {}) });
  }

  dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    if (this.fileTimer !== undefined) clearTimeout(this.fileTimer);
    this.session.dispose();
    this.disposed.fire();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}
