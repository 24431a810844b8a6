// CodeLens for running tests from the editor. On a prompt file, above the front matter: "▶ Run test bank
// (N cases × M models)", "⊞ Open playground" and, once a run exists, its summary; above each inline case:
// "▶ Run case" and "▶ Run on all models". On a test bank: "▶ Run all" above the list and the same pair above
// each case. Providing is a line scan (lensScan.ts) plus the shared parse cache; counting the cases, which
// reads bank files, waits for resolveCodeLens.
import { basename, dirname } from 'node:path';
import * as vscode from 'vscode';
import { readConfig } from '../config';
import { isTrusted } from '../trust';
import type { PromptDocuments } from '../language/promptDocuments';
import type { PromptDocument } from '../../core/promptFile/promptDocument';
import type { Core } from '../language/lazyCore';
import { pairedBankOf } from './pairing';
import { scanInlineTests, scanJsonlBank, scanYamlBank, type CaseLine } from './lensScan';
import type { RunCoordinator } from './runCoordinator';
import { hostFileAccess } from '../fileAccess';
import { toRange } from '../language/convert';

/** Test bank files the lenses apply to (they also need a prompt file to run against). */
export const BANK_SELECTOR: vscode.DocumentSelector = [
  { scheme: 'file', pattern: '**/*.tests.{yaml,yml}' },
  { scheme: 'file', pattern: '**/*.test.{yaml,yml}' },
  { scheme: 'file', pattern: '**/*.{jsonl,csv}' },
];

/** The "Run test bank (N cases × M models)" lens; counting reads bank files, so it waits for resolve. */
class CountLens extends vscode.CodeLens {
  constructor(
    range: vscode.Range,
    readonly doc: PromptDocument,
    readonly core: Core,
    readonly document: vscode.TextDocument,
  ) {
    super(range);
  }
}

const RESTRICTED = '$(shield) Run test bank (Restricted Mode)';

/** What the lenses need of the banks' live diagnostics. */
export interface BankProblems {
  /** Errors last found in the bank open as `uri`; undefined when it was not checked. */
  errorsOf(uri: vscode.Uri): number | undefined;
  readonly onDidChange: vscode.Event<vscode.Uri>;
}

/** Instead of counting cases that do not load: how many errors, and a click to the Problems view. */
function problemsCommand(errors: number, where: string): vscode.Command {
  return {
    title: `$(error) ${where} has ${errors} error${errors === 1 ? '' : 's'}: fix ${errors === 1 ? 'it' : 'them'} to run`,
    tooltip: 'Show the errors in the Problems view',
    command: 'workbench.actions.view.problems',
  };
}

function runCaseLenses(uri: vscode.Uri, cases: CaseLine[], restricted: boolean): vscode.CodeLens[] {
  const out: vscode.CodeLens[] = [];
  for (const c of cases) {
    const range = new vscode.Range(c.line, 0, c.line, 0);
    if (restricted) {
      out.push(new vscode.CodeLens(range, { title: '$(shield) Run case (Restricted Mode)', command: 'assay.runTestCase', arguments: [uri, c.index, false] }));
      continue;
    }
    out.push(new vscode.CodeLens(range, { title: '▶ Run case', tooltip: "Run this case on the prompt's models", command: 'assay.runTestCase', arguments: [uri, c.index, false] }));
    out.push(new vscode.CodeLens(range, { title: '▶ Run on all models', tooltip: "Run this case on the prompt's models and every model in assay.defaultModels", command: 'assay.runTestCase', arguments: [uri, c.index, true] }));
  }
  return out;
}

export class TestCodeLensProvider implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly subscriptions: vscode.Disposable[] = [this.changed];

  constructor(
    private readonly docs: PromptDocuments,
    private readonly coordinator: RunCoordinator,
    /** Whether a bank file has a prompt to run against (beside it, or one whose tests: names it). */
    private readonly hasPrompt: (bankPath: string) => boolean,
    private readonly problems: BankProblems,
  ) {
    const refresh = () => this.changed.fire();
    this.subscriptions.push(
      problems.onDidChange(refresh),
      coordinator.onDidChangeSummaries(refresh),
      docs.onDidChange(refresh),
      vscode.workspace.onDidGrantWorkspaceTrust(refresh),
      // A bank saved (or created) beside a prompt changes that prompt's counts.
      vscode.workspace.onDidSaveTextDocument(refresh),
      vscode.workspace.onDidCreateFiles(refresh),
      vscode.workspace.onDidDeleteFiles(refresh),
    );
  }

  /** Asks VS Code to ask again (a run ended, a file changed). */
  refresh(): void {
    this.changed.fire();
  }

  async provideCodeLenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    if (document.uri.scheme !== 'file') return [];
    const restricted = !isTrusted();
    if (/\.prompty?$/i.test(document.uri.fsPath)) return this.promptLenses(document, restricted);
    // A CSV or YAML file that no prompt runs is not a test bank: no lenses.
    if (!this.hasPrompt(document.uri.fsPath)) return [];
    const text = document.getText();
    const layout = /\.jsonl$/i.test(document.uri.fsPath) ? scanJsonlBank(text) : /\.csv$/i.test(document.uri.fsPath) ? { listLine: 0, cases: [] } : scanYamlBank(text);
    const errors = this.problems.errorsOf(document.uri) ?? 0;
    if (errors > 0) {
      const line = layout?.listLine ?? 0;
      return [new vscode.CodeLens(new vscode.Range(line, 0, line, 0), problemsCommand(errors, 'This test bank'))];
    }
    if (!layout) return [];
    const top = new vscode.Range(layout.listLine, 0, layout.listLine, 0);
    const n = /\.csv$/i.test(document.uri.fsPath) ? Math.max(0, text.split(/\r\n|\n|\r/).filter((l) => l.trim() !== '').length - 1) : layout.cases.length;
    const all = new vscode.CodeLens(top, {
      title: restricted ? RESTRICTED : `▶ Run all (${n} case${n === 1 ? '' : 's'})`,
      tooltip: 'Run every case of this bank against the prompt file beside it',
      command: 'assay.runTestBank',
      arguments: [document.uri],
    });
    return [all, ...runCaseLenses(document.uri, layout.cases, restricted)];
  }

  private async promptLenses(document: vscode.TextDocument, restricted: boolean): Promise<vscode.CodeLens[]> {
    const state = await this.docs.get(document);
    if (state.kind !== 'parsed') return [];
    const doc = state.doc;
    const line = doc.frontMatter?.range.start.line ?? 0;
    const top = new vscode.Range(line, 0, line, 0);
    const lenses: vscode.CodeLens[] = [];
    if (doc.tests || pairedBankOf(document.uri.fsPath)) lenses.push(new CountLens(top, state.doc, state.core, document));
    lenses.push(new vscode.CodeLens(top, { title: '⊞ Open playground', tooltip: 'Try this prompt side by side on several models', command: 'assay.openPlayground', arguments: [document.uri] }));
    const summary = this.coordinator.summaryFor(document.uri.fsPath);
    if (summary) lenses.push(new vscode.CodeLens(top, { title: summary.text, tooltip: 'The last run of this test bank: show its results', command: 'assay.showTestResults', arguments: [document.uri] }));
    if (doc.tests && Array.isArray(doc.tests.value)) {
      const cases = scanInlineTests((l) => document.lineAt(l).text, doc.tests.range.start.line, Math.min(doc.tests.range.end.line, document.lineCount - 1));
      lenses.push(...runCaseLenses(document.uri, cases, restricted));
    }
    return lenses;
  }

  resolveCodeLens(lens: vscode.CodeLens): vscode.CodeLens {
    if (!(lens instanceof CountLens)) return lens;
    const { doc, core, document } = lens;
    if (!isTrusted()) {
      // Counting reads bank files: in Restricted Mode the lens says so and reads nothing.
      lens.command = { title: RESTRICTED, tooltip: 'Restricted Mode: trust the workspace to load test files, render templates and call models', command: 'assay.runTestBank', arguments: [document.uri] };
      return lens;
    }
    // The language core (already loaded for this file's diagnostics) loads the banks; the runner stays unloaded.
    const path = document.uri.fsPath;
    const dir = dirname(path);
    const files = hostFileAccess();
    const banks = doc.tests ? [core.resolveTests(doc.tests.value, dir, { file: path, range: doc.tests.range, files })] : [];
    const paired = pairedBankOf(path);
    const named = doc.tests && (typeof doc.tests.value === 'string' ? [doc.tests.value] : Array.isArray(doc.tests.value) ? doc.tests.value.filter((v): v is string => typeof v === 'string') : []);
    if (paired && !(named ?? []).some((v) => basename(v.replace(/^file:\/\//, '')) === basename(paired))) banks.push(core.resolveTests(basename(paired), dir, { file: path, files }));
    const errors = banks.flatMap((b) => b.diagnostics.filter((d) => d.severity === 'error'));
    if (errors.length > 0) {
      // The bank may not be open (its problems are not listed yet): the click opens it at the first error.
      const first = errors[0]!;
      lens.command = {
        ...problemsCommand(errors.length, 'The test bank'),
        tooltip: `${first.message}: open ${basename(first.file)} there`,
        command: 'vscode.open',
        arguments: [vscode.Uri.file(first.file), { selection: toRange(first.range) }],
      };
      return lens;
    }
    const n = banks.reduce((k, b) => k + b.cases.length, 0);
    const models = doc.models.length > 0 ? [...new Set(doc.models.map((m) => `${m.ref.provider}:${m.ref.model}`))] : readConfig().defaultModels;
    const m = models.length;
    const counts = `${n} case${n === 1 ? '' : 's'} × ${m} model${m === 1 ? '' : 's'}`;
    lens.command = { title: `▶ Run test bank (${counts})`, tooltip: `Run ${counts} (${models.join(', ')})`, command: 'assay.runTestBank', arguments: [document.uri] };
    return lens;
  }

  dispose(): void {
    for (const d of this.subscriptions.splice(0)) d.dispose();
  }
}
