import * as vscode from 'vscode';
import type { TestCase } from '../../core/testBank/testBankTypes';
import type { Ctx } from '../context';
import { isTrusted, RESTRICTED_REASON } from '../trust';
import { isPromptDocument, type PromptDocuments, type PromptState } from './promptDocuments';
import { previewNotice, previewText, type PreviewFormat } from './previewText';
import { hostFileAccess } from '../fileAccess';

/** URI scheme of the read-only rendered-prompt documents. */
export const PREVIEW_SCHEME = 'assay-preview';

/** Quiet time after an edit of the source before an open preview renders again. */
const REFRESH_DELAY_MS = 250;

/** What a preview document shows: which file, with which inputs, in which format. */
export interface PreviewTarget {
  source: vscode.Uri;
  /** Index of the test case whose vars are used; null for the inputs' defaults. */
  testCase: number | null;
  format: PreviewFormat;
}

function fileName(uri: vscode.Uri): string {
  return uri.path.split('/').pop() || 'prompt';
}

/** `assay-preview:/NAME.rendered.md?source=…&case=…&format=…` (the path names the tab and picks the language). */
export function previewUri(t: PreviewTarget): vscode.Uri {
  const query = new URLSearchParams({ source: t.source.toString(), case: t.testCase === null ? 'defaults' : String(t.testCase), format: t.format });
  return vscode.Uri.from({ scheme: PREVIEW_SCHEME, path: `/${fileName(t.source)}.rendered.${t.format === 'json' ? 'json' : 'md'}`, query: query.toString() });
}

export function parsePreviewUri(uri: vscode.Uri): PreviewTarget | undefined {
  if (uri.scheme !== PREVIEW_SCHEME) return undefined;
  const q = new URLSearchParams(uri.query);
  const source = q.get('source');
  if (!source) return undefined;
  const c = q.get('case');
  const testCase = c === null || c === 'defaults' ? null : Number(c);
  if (testCase !== null && !(Number.isInteger(testCase) && testCase >= 0)) return undefined;
  return { source: vscode.Uri.parse(source, true), testCase, format: q.get('format') === 'json' ? 'json' : 'markdown' };
}

/** Options of `assay.previewRenderedPrompt` (for callers that choose without the picker). */
function readOptions(raw: unknown): { testCase?: number | null; format?: PreviewFormat } {
  if (typeof raw !== 'object' || raw === null) return {};
  const o = raw as Record<string, unknown>;
  const out: { testCase?: number | null; format?: PreviewFormat } = {};
  if (o['testCase'] === null || (typeof o['testCase'] === 'number' && Number.isInteger(o['testCase']) && o['testCase'] >= 0)) out.testCase = o['testCase'] as number | null;
  if (o['format'] === 'json' || o['format'] === 'markdown') out.format = o['format'];
  return out;
}

function summarizeVars(vars: Record<string, unknown>): string {
  const s = Object.entries(vars)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');
  return s.length > 100 ? `${s.slice(0, 99)}…` : s;
}

/**
 * The rendered-prompt preview: a read-only virtual document per (file, inputs, format) that renders again
 * when the file changes. In Restricted Mode it shows why it is off instead of rendering.
 */
export class PromptPreview implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly ctx: Ctx,
    private readonly docs: PromptDocuments,
  ) {
    this.subscriptions.push(
      this.changed,
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document.uri.scheme !== PREVIEW_SCHEME && e.contentChanges.length > 0) this.refresh((t) => t.source.toString() === e.document.uri.toString(), REFRESH_DELAY_MS);
      }),
      // A saved test bank may change a test case's vars.
      vscode.workspace.onDidSaveTextDocument((d) => {
        if (!isPromptDocument(d)) this.refresh((t) => t.testCase !== null, 0);
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.refresh(() => true, 0)),
      docs.onDidChange(() => this.refresh(() => true, 0)),
    );
  }

  /** Fires `onDidChange` for the open previews `which` selects, after `delayMs` of quiet. */
  private refresh(which: (t: PreviewTarget) => boolean, delayMs: number): void {
    for (const d of vscode.workspace.textDocuments) {
      const target = parsePreviewUri(d.uri);
      if (!target || !which(target)) continue;
      const key = d.uri.toString();
      const pending = this.timers.get(key);
      if (pending) clearTimeout(pending);
      this.timers.set(
        key,
        setTimeout(() => {
          this.timers.delete(key);
          this.changed.fire(d.uri);
        }, delayMs),
      );
    }
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const target = parsePreviewUri(uri);
    if (!target) return previewNotice('markdown', 'Preview', 'This is not an Assay preview address.', uri.toString());
    const name = fileName(target.source);
    // Checked before anything is parsed for rendering: templates can run code.
    if (!isTrusted()) return previewNotice(target.format, name, 'Rendering is off in Restricted Mode.', RESTRICTED_REASON);
    let document: vscode.TextDocument;
    try {
      document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === target.source.toString()) ?? (await vscode.workspace.openTextDocument(target.source));
    } catch (err) {
      return previewNotice(target.format, name, 'The prompt file cannot be opened.', err instanceof Error ? err.message : String(err));
    }
    const state = await this.docs.get(document);
    if (state.kind === 'binary') return previewNotice(target.format, name, 'This file looks binary.', 'Prompt files are UTF-8 text; this one contains NUL bytes.');
    if (state.kind === 'large') {
      return previewNotice(target.format, name, `This file is over 1 MB and has not been parsed.`, 'Run **Assay: Parse Large Prompt File** to parse it, then preview again.');
    }
    const title = state.doc.name ?? name;
    let vars: Record<string, unknown> = {};
    let inputsLabel = 'the default inputs';
    if (target.testCase !== null) {
      const cases = this.testCases(document, state);
      const c = cases[target.testCase];
      if (!c) return previewNotice(target.format, title, `Test case ${target.testCase + 1} no longer exists.`, `The file has ${cases.length} test case${cases.length === 1 ? '' : 's'} now; preview again to pick one.`);
      vars = c.vars;
      inputsLabel = `test case "${c.description ?? `#${target.testCase + 1}`}"`;
    }
    const rendered = state.core.renderPrompt(state.doc, vars);
    if ('error' in rendered) {
      const at = rendered.error.range ? ` (line ${rendered.error.range.start.line + 1})` : '';
      return previewNotice(target.format, title, `Cannot render with ${inputsLabel}${at}.`, rendered.error.message);
    }
    return previewText(
      { title, sourceName: name, inputsLabel, models: state.doc.models.map((m) => m.text), params: state.doc.params, messages: rendered.messages },
      target.format,
    );
  }

  /** The file's test cases (inline or from the files `tests:` names), in order. */
  private testCases(document: vscode.TextDocument, state: PromptState & { kind: 'parsed' }): TestCase[] {
    const { doc, core } = state;
    if (!doc.tests) return [];
    const base = doc.dir ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    if (base === undefined) return [];
    return core.resolveTests(doc.tests.value, base, { file: doc.path ?? document.uri.toString(), range: doc.tests.range, files: hostFileAccess() }).cases;
  }

  /**
   * `assay.previewRenderedPrompt [uri] [{ testCase, format }]`: opens the preview beside the editor. Without
   * `testCase`, a file with test cases asks which inputs to use. Returns the preview's URI.
   */
  async open(target?: unknown, options?: unknown): Promise<vscode.Uri | undefined> {
    let source = target instanceof vscode.Uri ? target : undefined;
    const active = vscode.window.activeTextEditor?.document;
    if (!source && active && (isPromptDocument(active) || active.uri.scheme === PREVIEW_SCHEME)) source = active.uri;
    if (source?.scheme === PREVIEW_SCHEME) source = parsePreviewUri(source)?.source;
    if (!source) {
      void vscode.window.showWarningMessage('Assay: open a .prompt or .prompty file to preview it.');
      return undefined;
    }
    const opts = readOptions(options);
    let testCase = opts.testCase;
    if (testCase === undefined) {
      const picked = await this.pickInputs(source);
      if (picked === undefined) return undefined;
      testCase = picked;
    }
    const uri = previewUri({ source, testCase, format: opts.format ?? 'markdown' });
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true, preserveFocus: true });
    return uri;
  }

  /** Asks "default inputs or which test case?" when the file has cases; undefined when the user cancels. */
  private async pickInputs(source: vscode.Uri): Promise<number | null | undefined> {
    if (!isTrusted()) return null;
    const document = await vscode.workspace.openTextDocument(source);
    const state = await this.docs.get(document);
    if (state.kind !== 'parsed') return null;
    const cases = this.testCases(document, state);
    if (cases.length === 0) return null;
    type Item = vscode.QuickPickItem & { index: number | null };
    const items: Item[] = [
      { label: '$(symbol-variable) Default inputs', description: 'the defaults declared under inputs', index: null },
      ...cases.map((c, i): Item => ({ label: c.description ?? `Test case ${i + 1}`, description: summarizeVars(c.vars), index: i })),
    ];
    const pick = await vscode.window.showQuickPick(items, { title: 'Preview the rendered prompt with…', placeHolder: 'Default inputs or a test case' });
    return pick ? pick.index : undefined;
  }

  /** `assay.togglePreviewFormat`: the active preview as JSON instead of Markdown, or back. */
  async toggleFormat(target?: unknown): Promise<vscode.Uri | undefined> {
    const editor = vscode.window.activeTextEditor;
    const uri = target instanceof vscode.Uri ? target : editor?.document.uri;
    const t = uri ? parsePreviewUri(uri) : undefined;
    if (!t) {
      void vscode.window.showWarningMessage('Assay: no rendered-prompt preview is active.');
      return undefined;
    }
    const next = previewUri({ ...t, format: t.format === 'json' ? 'markdown' : 'json' });
    const doc = await vscode.workspace.openTextDocument(next);
    await vscode.window.showTextDocument(doc, { viewColumn: editor?.viewColumn ?? vscode.ViewColumn.Beside, preview: true });
    this.ctx.log.debug(`preview format → ${next.path}`);
    return next;
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    for (const d of this.subscriptions.splice(0)) d.dispose();
  }
}
