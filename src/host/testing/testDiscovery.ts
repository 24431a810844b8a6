// What the Test Explorer and the CodeLens show of a prompt file's tests: its models, the cases of its
// `tests:` (inline, with ranges in the prompt file; or from bank files, with ranges there), and a bank
// beside it that `tests:` does not name (`NAME.tests.yaml` pairs with `NAME.prompt`, as in the CLI).
// Pure (no `vscode`): part of the lazily loaded testing bundle, tested in Node.
import { dirname, resolve } from 'node:path';
import { isSeq, parseDocument, type Node } from 'yaml';
import { formatModelRef } from '../../core/assertions/providerRef';
import { readTextFile, type FileAccess } from '../../core/files/safeFiles';
import { parsePromptFile } from '../../core/promptFile/parsePromptFile';
import type { PromptDocument } from '../../core/promptFile/promptDocument';
import { loadTestBankFile, resolveTests } from '../../core/testBank/loadTestBank';
import type { BankDiagnostic, TestCase } from '../../core/testBank/testBankTypes';
import type { Range } from '../../core/types';
import { pairedBankOf } from './pairing';

/** One case as the tree and the lenses show it. */
export interface DiscoveredCase {
  /** The case id (stable across edits that don't touch the case). */
  id: string;
  label: string;
  /** The file the case is written in, and its position in that file's list. */
  file: string;
  index: number;
  range?: Range;
}

/** A bank file beside a prompt that its `tests:` does not name: run on its own against the prompt. */
export interface PairedBank {
  bankPath: string;
  cases: DiscoveredCase[];
}

/** A prompt file's tests. */
export interface DiscoveredPrompt {
  promptPath: string;
  /** `provider:model` labels: the file's models, else the default models. */
  models: string[];
  /** The cases of `tests:`. */
  cases: DiscoveredCase[];
  pairedBank?: PairedBank;
  /** Files `tests:` loaded cases from (a change to one refreshes this prompt). */
  bankFiles: string[];
  /** Errors and warnings loading the tests. */
  diagnostics: BankDiagnostic[];
}

/** A short label for a case: its description, else its variables on one line. */
export function caseLabel(c: { description?: string; vars: Record<string, unknown> }, index: number): string {
  if (c.description) return c.description;
  const vars = Object.entries(c.vars);
  if (vars.length === 0) return `case ${index + 1}`;
  const text = vars.map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ');
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

function toDiscovered(cases: TestCase[]): DiscoveredCase[] {
  return cases.map((c, i) => ({ id: c.id, label: caseLabel(c, i), file: c.source.file, index: c.source.index, ...(c.range ? { range: c.range } : {}) }));
}

/** The YAML node of `tests:` in the front matter and a mapping of its offsets to prompt-file positions. */
function testsNode(doc: PromptDocument): { node: Node | null; positionAt: (offset: number) => { line: number; character: number } } | undefined {
  const fm = doc.frontMatter;
  if (!fm) return undefined;
  const start = doc.lines.offsetAt(fm.contentRange.start);
  const end = doc.lines.offsetAt(fm.contentRange.end);
  const yaml = parseDocument(doc.text.slice(start, end), { prettyErrors: false });
  const node = yaml.get('tests', true) as Node | undefined;
  if (!node || !isSeq(node)) return undefined;
  return { node, positionAt: (offset) => doc.lines.positionAt(start + offset) };
}

/** Model labels of a parsed prompt (or `defaultModels` when it names none). */
export function promptModels(doc: PromptDocument, defaultModels: readonly string[]): string[] {
  return doc.models.length > 0 ? [...new Set(doc.models.map((m) => formatModelRef(m.ref)))] : [...defaultModels];
}

/**
 * Reads a prompt file's tests under the file policy; never throws (problems are diagnostics). In Restricted
 * Mode (`files.restricted`) globs are not expanded and `file://` values not read.
 */
export function discoverPrompt(promptPath: string, text: string, defaultModels: readonly string[], files: FileAccess): DiscoveredPrompt {
  const doc = parsePromptFile(text, { path: promptPath });
  const dir = dirname(promptPath);
  const where = doc.tests ? testsNode(doc) : undefined;
  const bank = resolveTests(doc.tests?.value, dir, {
    file: promptPath,
    files,
    ...(where ? { node: where.node, positionAt: where.positionAt } : {}),
    ...(doc.tests ? { range: doc.tests.range } : {}),
  });
  const bankFiles = [...new Set(bank.cases.map((c) => c.source.file).filter((f) => f !== promptPath))];
  const named = new Set(bankFiles.map((f) => resolve(f)));
  if (typeof doc.tests?.value === 'string') named.add(resolve(dir, doc.tests.value.replace(/^file:\/\//, '')));
  if (Array.isArray(doc.tests?.value)) for (const v of doc.tests.value) if (typeof v === 'string') named.add(resolve(dir, v.replace(/^file:\/\//, '')));
  const result: DiscoveredPrompt = { promptPath, models: promptModels(doc, defaultModels), cases: toDiscovered(bank.cases), bankFiles, diagnostics: bank.diagnostics };
  const paired = pairedBankOf(promptPath);
  if (paired && !named.has(resolve(paired))) {
    const loaded = loadTestBankFile(paired, files);
    result.pairedBank = { bankPath: paired, cases: toDiscovered(loaded.cases) };
    result.diagnostics.push(...loaded.diagnostics);
  }
  return result;
}

/** Reads a file under the file policy, or undefined when it cannot be read. */
export function readText(path: string, files: FileAccess): string | undefined {
  const read = readTextFile(path, files);
  return 'error' in read ? undefined : read.text;
}
