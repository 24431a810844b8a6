import * as vscode from 'vscode';
import { PriceBook, parsePricingOverrides } from '../core/pricing/pricing';
import { parseEndpointSettings } from '../core/providers/endpointSettings';
import { createNodeFetch, type FetchLike } from '../core/providers/httpTransport';
import { ProviderRegistry } from '../core/providers/providerRegistry';
import { Engine } from '../core/run/engine';
import { LoopBudget } from '../core/run/loopBudget';
import { resolveHistoryPath } from '../core/store/historyLocation';
import { TraceStore } from '../core/store/traceStore';
import { liveOtlpConfig } from '../core/export/otlpConfig';
import type { LiveOtlpOptions } from '../core/export/otlpLive';
import { onConfigChange, readConfig } from './config';
import type { Ctx } from './context';

/**
 * A fetch whose answers reach the SDKs within the loop budget: answers that arrive together are parsed,
 * checked and recorded over several turns of the loop instead of all in the turn they arrived in.
 */
function budgetedFetch(fetch: FetchLike, budget: LoopBudget): FetchLike {
  return async (input, init) => {
    const response = await fetch(input, init);
    await budget.pass();
    return response;
  };
}

/**
 * The core services the editor features share — one engine, one history store — built on first use
 * (activation pays for neither) and rebuilt from settings when they change.
 */
export class Services implements vscode.Disposable {
  private engineInstance: Engine | undefined;
  private engineFingerprint: string | undefined;
  private storePromise: Promise<TraceStore | null> | undefined;
  private pricing: PriceBook | undefined;
  /** The SDKs' transport (one pool of keep-alive connections), rebuilt when the size limit changes. */
  private transport: { maxBytes: number; fetch: FetchLike } | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly storeOpened = new vscode.EventEmitter<TraceStore>();
  /** Fires when the history store opens (after a first use, or after the history path changed). */
  readonly onDidOpenStore = this.storeOpened.event;
  /**
   * The extension host's loop is the editor's: model calls and test runs take at most this much of each
   * turn of it, so a burst of answers from a fast server does not stall the editor (issue #19: event-loop
   * p99 ≤ 20 ms during a run; a turn is the budget, plus one job, plus the turn's I/O). 4 ms rather than 8:
   * p99 ~26 instead of ~35 ms in hostLoop.bench.ts, for a run against a local server ~15% longer
   * (docs/benchmarks.md, note ⁹); against a remote API the answers trickle in and the budget rarely binds.
   */
  readonly loopBudget = new LoopBudget(4);

  constructor(private readonly ctx: Ctx) {
    this.disposables.push(
      this.storeOpened,
      onConfigChange(() => this.reconfigure()),
      vscode.workspace.onDidChangeWorkspaceFolders(() => void this.reopenStore()),
    );
  }

  /** Provider names model references may use: the built-ins and every configured endpoint. */
  knownProviders(): string[] {
    return ['openai', 'anthropic', 'echo', ...readConfig().endpoints.map((e) => e.name.toLowerCase())];
  }

  priceBook(): PriceBook {
    if (!this.pricing) {
      const { overrides, problems } = parsePricingOverrides(readConfig().pricing);
      for (const p of problems) this.ctx.log.warn(p);
      this.pricing = new PriceBook(overrides);
    }
    return this.pricing;
  }

  /** The provider registry as the settings describe it now (preflight checks of test runs use it). */
  registry(): ProviderRegistry {
    const config = readConfig();
    const { configs, problems } = parseEndpointSettings(config.endpoints);
    for (const p of problems) this.ctx.log.warn(`assay.endpoints: ${p}`);
    return new ProviderRegistry({
      keys: (name) => this.ctx.keys.get(name),
      providers: configs,
      redactPatterns: config.historyRedact,
      // Providers that run workspace code (a promptfoo config's exec:, file:// scripts) only in a trusted workspace.
      trustedCode: vscode.workspace.isTrusted,
      fetch: this.fetchFor(config.maxResponseMB * 1024 * 1024),
      log: (level, message) => this.ctx.log[level](message),
    });
  }

  private fetchFor(maxBytes: number): FetchLike {
    if (this.transport?.maxBytes !== maxBytes) this.transport = { maxBytes, fetch: budgetedFetch(createNodeFetch({ maxResponseBytes: maxBytes }), this.loopBudget) };
    return this.transport.fetch;
  }

  engine(): Engine {
    // The settings the engine was built from. Compared on every use as well as on change events: right
    // after a window reload the first call can come before the remote settings have arrived.
    const config = readConfig();
    const fingerprint = JSON.stringify([config.endpoints, config.pricing, config.concurrency, config.requestTimeoutSeconds, config.historyRedact, config.maxResponseMB, vscode.workspace.isTrusted]);
    if (this.engineInstance && fingerprint !== this.engineFingerprint) this.reconfigure();
    this.engineFingerprint = fingerprint;
    if (!this.engineInstance) {
      this.engineInstance = new Engine({
        registry: this.registry(),
        concurrency: config.concurrency,
        requestTimeoutMs: config.requestTimeoutSeconds * 1000,
        pricing: this.priceBook(),
        log: (level, message) => this.ctx.log[level](message),
        loopBudget: this.loopBudget,
      });
    }
    return this.engineInstance;
  }

  /** The history file for this window, or undefined without a workspace folder. */
  historyPath(): string | undefined {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!folder || folder.uri.scheme !== 'file') return undefined;
    return resolveHistoryPath(folder.uri.fsPath, readConfig().historyPath);
  }

  /**
   * The history store, opened on first use. Opening writes nothing: `.assay/` appears with the first save,
   * so merely reading (a lens's last-run summary, say) leaves the workspace untouched. Resolves to null (with the reason logged once) when there is
   * no workspace folder or the store cannot start; callers then run without history.
   */
  store(): Promise<TraceStore | null> {
    this.storePromise ??= this.openStore();
    return this.storePromise;
  }

  private async openStore(): Promise<TraceStore | null> {
    const path = this.historyPath();
    if (!path) {
      this.ctx.log.info('history: no workspace folder; calls are not recorded');
      return null;
    }
    const config = readConfig();
    const otlp = this.liveOtlp(path, config);
    try {
      const store = await TraceStore.open({
        path,
        ...(otlp ? { otlp } : {}),
        redactPatterns: config.historyRedact,
        // The keys, header values and URL credentials in use now: caught even where no pattern would.
        redactSecrets: await this.registry().secretsInUse(),
        maxTraces: config.historyMaxTraces,
        maxSizeMB: config.historyMaxSizeMB,
      });
      // Each distinct problem once: a save that keeps failing the same way (a full disk) is not a stream of toasts.
      const told = new Set<string>();
      store.onProblem((message) => {
        this.ctx.log.error(`history: ${message}`);
        if (told.has(message)) return;
        told.add(message);
        this.warnHistory(`Assay history: ${message} Free space or fix the folder's permissions, or choose another location in the assay.history.path setting.`);
      });
      store.onExportNotice((n) => {
        this.ctx.log.info(n.message);
        if (n.level === 'warning' && !told.has(n.message)) {
          told.add(n.message);
          void vscode.window.showWarningMessage(`Assay: ${n.message}.`, 'Show Log').then((pick) => pick && this.ctx.log.show());
        }
      });
      const { recovered, readOnlyReason, replayed } = store.openReport;
      if (recovered) this.warnHistory(`Assay: ${recovered.message}`);
      if (readOnlyReason) this.warnHistory(`Assay: history is not being saved: ${readOnlyReason}`);
      if (replayed) {
        this.ctx.log.info(`history: added back ${replayed.rows} unsaved rows from ${replayed.journals} crash journal(s); runs marked interrupted: ${replayed.interruptedRuns.join(', ') || 'none'}`);
        if (replayed.saveError) this.warnHistory(`Assay history: ${replayed.saveError}`);
      }
      this.ctx.log.info(`history: ${path}`);
      this.storeOpened.fire(store);
      return store;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.ctx.log.error(`history: ${message}`);
      void vscode.window.showErrorMessage(`Assay: the history could not be opened (${message}). Runs continue without history.`, 'Choose Location', 'Show Log').then((pick) => {
        if (pick === 'Show Log') this.ctx.log.show();
        else if (pick) void vscode.commands.executeCommand('workbench.action.openSettings', 'assay.history.path');
      });
      return null;
    }
  }

  /**
   * The live OpenTelemetry export's options from `assay.otlp.*` and the editor's environment, or undefined
   * when it is off; a configuration it cannot run is an error message with the setting to fix.
   */
  private liveOtlp(historyPath: string, config: ReturnType<typeof readConfig>): LiveOtlpOptions | undefined {
    const resolved = liveOtlpConfig(process.env, historyPath, {
      endpoint: config.otlp.endpoint,
      ...(config.otlp.captureMessageContent !== undefined ? { captureMessageContent: config.otlp.captureMessageContent } : {}),
    });
    if (!resolved) return undefined;
    if ('error' in resolved) {
      this.ctx.log.error(`OpenTelemetry export: ${resolved.error}`);
      void vscode.window.showErrorMessage(`Assay: OpenTelemetry export is off: ${resolved.error}.`, 'Open Settings').then((pick) => {
        if (pick) void vscode.commands.executeCommand('workbench.action.openSettings', 'assay.otlp');
      });
      return undefined;
    }
    this.ctx.log.info(`OpenTelemetry export: to ${resolved.options.url}${resolved.options.includeMessages ? ', with prompts and outputs' : ''}`);
    return resolved.options;
  }

  /** A history warning with its next steps: the setting that moves the history, and the log. */
  private warnHistory(text: string): void {
    void vscode.window.showWarningMessage(text, 'Choose Location', 'Show Log').then((pick) => {
      if (pick === 'Show Log') this.ctx.log.show();
      else if (pick) void vscode.commands.executeCommand('workbench.action.openSettings', 'assay.history.path');
    });
  }

  private async reopenStore(): Promise<void> {
    const old = this.storePromise;
    this.storePromise = undefined;
    const store = await old;
    await store?.close().catch((err: unknown) => this.ctx.log.error('history: close failed', err));
  }

  private reconfigure(): void {
    this.pricing = undefined;
    if (this.engineInstance) {
      const config = readConfig();
      this.engineInstance.configure({
        registry: this.registry(),
        concurrency: config.concurrency,
        requestTimeoutMs: config.requestTimeoutSeconds * 1000,
        pricing: this.priceBook(),
      });
    }
    const open = this.storePromise;
    if (open) {
      // The export lives in the store's worker: a changed endpoint or opt-in takes effect by reopening.
      const otlp = JSON.stringify(readConfig().otlp);
      const otlpChanged = otlp !== this.otlpSeen;
      this.otlpSeen = otlp;
      void open.then((store) => {
        if (store && (store.path !== this.historyPath() || otlpChanged)) void this.reopenStore();
      });
    }
  }

  /** The `assay.otlp.*` settings the open store was started with. */
  private otlpSeen = JSON.stringify(readConfig().otlp);

  /** Saves and closes the history (deactivation waits for this). */
  async close(): Promise<void> {
    const store = await this.storePromise;
    this.storePromise = undefined;
    await store?.close();
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
