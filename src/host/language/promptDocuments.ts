import * as vscode from 'vscode';
import type { PromptDocument } from '../../core/promptFile/promptDocument';
import type { PriceBook } from '../../core/pricing/pricing';
import type { Diagnostic } from '../../core/types';
import { PROMPT_LANGUAGE_ID } from '../commandIds';
import { readConfig, type EndpointSetting } from '../config';
import type { ProviderInfo } from './hoverText';
import { loadCore, type Core } from './lazyCore';

/** Files over this many bytes are parsed only on request ("Parse anyway"). */
export const LARGE_FILE_BYTES = 1024 * 1024;

/** A prompt document as the language features see it. */
export type PromptState =
  | { kind: 'parsed'; version: number; doc: PromptDocument; core: Core }
  | { kind: 'binary'; version: number; nulOffset: number }
  | { kind: 'large'; version: number; bytes: number };

interface Entry {
  version: number;
  state: PromptState;
  diagnostics?: Diagnostic[];
}

export function isPromptDocument(document: vscode.TextDocument): boolean {
  return document.languageId === PROMPT_LANGUAGE_ID;
}

/**
 * Parsed prompt files, cached by (uri, version): every feature asks here, so one edit is parsed once
 * however many providers run. Parsing is lazy (on the first question) and never runs template code.
 */
export class PromptDocuments implements vscode.Disposable {
  private readonly cache = new Map<string, Entry>();
  private readonly largeAllowed = new Set<string>();
  private endpointsCache: EndpointSetting[] | undefined;
  private prices: PriceBook | undefined;
  private readonly changed = new vscode.EventEmitter<vscode.Uri | undefined>();
  private readonly subscriptions: vscode.Disposable[] = [];

  /** Fires when results change without an edit: a large file is allowed, settings change (undefined = all). */
  readonly onDidChange = this.changed.event;

  constructor() {
    this.subscriptions.push(
      this.changed,
      vscode.workspace.onDidCloseTextDocument((d) => this.cache.delete(d.uri.toString())),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration('assay')) return;
        this.endpointsCache = undefined;
        this.prices = undefined;
        for (const entry of this.cache.values()) delete entry.diagnostics;
        this.changed.fire(undefined);
      }),
    );
  }

  /** The user's endpoints (`assay.endpoints`), read once per settings change. */
  endpoints(): EndpointSetting[] {
    this.endpointsCache ??= readConfig().endpoints;
    return this.endpointsCache;
  }

  /** Provider names models may use: the built-ins and the configured endpoints. */
  knownProviders(core: Core): string[] {
    return [...new Set([...core.BUILTIN_PROVIDERS.map((p) => p.name), ...this.endpoints().map((e) => e.name)])];
  }

  /** Where a provider name comes from: an endpoint setting (which may override a built-in), a built-in, or nowhere. */
  providerInfo(core: Core, name: string): ProviderInfo {
    const endpoint = this.endpoints().find((e) => e.name === name);
    if (endpoint) return { kind: 'endpoint', name, baseUrl: endpoint.baseUrl, ...(endpoint.kind ? { endpointKind: endpoint.kind } : {}) };
    if (core.BUILTIN_PROVIDERS.some((p) => p.name === name)) return { kind: 'builtin', name };
    return { kind: 'unknown', name };
  }

  /** Prices: the built-in table under the user's `assay.pricing` (invalid entries skipped). */
  priceBook(core: Core): PriceBook {
    this.prices ??= new core.PriceBook(core.parsePricingOverrides(readConfig().pricing).overrides);
    return this.prices;
  }

  /** Lets a file over 1 MB be parsed (the notice's "Parse anyway"). */
  allowLarge(uri: vscode.Uri): void {
    const key = uri.toString();
    if (this.largeAllowed.has(key)) return;
    this.largeAllowed.add(key);
    this.cache.delete(key);
    this.changed.fire(uri);
  }

  isLargeAllowed(uri: vscode.Uri): boolean {
    return this.largeAllowed.has(uri.toString());
  }

  /** The document's state at its current version, parsing it if needed. */
  async get(document: vscode.TextDocument): Promise<PromptState> {
    const core = await loadCore();
    return this.getLoaded(document, core);
  }

  private getLoaded(document: vscode.TextDocument, core: Core): PromptState {
    const key = document.uri.toString();
    const cached = this.cache.get(key);
    if (cached && cached.version === document.version) return cached.state;
    const version = document.version;
    const text = document.getText();
    let state: PromptState;
    const nul = text.indexOf('\u0000');
    if (nul !== -1) state = { kind: 'binary', version, nulOffset: nul };
    else if (text.length > LARGE_FILE_BYTES / 4 && Buffer.byteLength(text, 'utf8') > LARGE_FILE_BYTES && !this.largeAllowed.has(key)) {
      state = { kind: 'large', version, bytes: Buffer.byteLength(text, 'utf8') };
    } else {
      const path = document.uri.scheme === 'file' ? document.uri.fsPath : undefined;
      const doc = core.parsePromptFile(text, path !== undefined ? { path } : { kind: /\.prompty$/i.test(document.uri.path) ? 'prompty' : 'prompt' });
      state = { kind: 'parsed', version, doc, core };
    }
    this.cache.set(key, { version, state });
    return state;
  }

  /** Parse and validation diagnostics of a parsed document, cached with it. */
  diagnostics(document: vscode.TextDocument, state: PromptState & { kind: 'parsed' }): Diagnostic[] {
    const entry = this.cache.get(document.uri.toString());
    if (entry && entry.state === state && entry.diagnostics) return entry.diagnostics;
    const list = state.core.validatePromptFile(state.doc, { knownProviders: this.knownProviders(state.core) });
    if (entry && entry.state === state) entry.diagnostics = list;
    return list;
  }

  dispose(): void {
    for (const d of this.subscriptions.splice(0)) d.dispose();
    this.cache.clear();
  }
}
