// Loading tests from files and from a prompt file's `tests:` value (a path, a list of paths, an inline list).
import { extname, isAbsolute, relative, resolve } from 'node:path';
import { isRecord } from '../assertions/valueUtils';
import { expandGlobConfined, hasGlob, readTextFile, type FileAccess } from '../files/safeFiles';
import { parseCsvBank } from './csvBank';
import { parseJsonlBank } from './jsonlBank';
import { applyDefaults, assignIds, diagnostic } from './normalizeCase';
import type { PositionAt } from './positions';
import type { BankDiagnostic, TestBank, TestDefaults } from './testBankTypes';
import { casesFromList, parseYamlBank, seqItems } from './yamlBank';
import type { Node } from 'yaml';
import { isSeq } from 'yaml';
import type { Range } from '../types';

/** Extensions a test bank file may have. */
export const TEST_BANK_EXTENSIONS = ['.yaml', '.yml', '.json', '.csv', '.jsonl'] as const;

/** Parses test bank text by the file's extension (`.yaml`/`.yml`/`.json`, `.csv`, `.jsonl`). */
export function parseTestBank(text: string, file: string, files: FileAccess): TestBank {
  const ext = extname(file).toLowerCase();
  if (ext === '.csv') return parseCsvBank(text, file, files);
  if (ext === '.jsonl') return parseJsonlBank(text, file, files);
  if (ext === '.yaml' || ext === '.yml' || ext === '.json') return parseYamlBank(text, file, files);
  return {
    cases: [],
    defaults: {},
    diagnostics: [diagnostic(file, 'error', 'unsupported', `unsupported test file type "${ext || file}": use .yaml, .yml, .json, .csv or .jsonl`, undefined)],
    file,
  };
}

/**
 * Reads and parses one test bank file under the file policy. A missing, unreadable or refused file (outside
 * the workspace, not a regular file, over the size limit) is a diagnostic, never a throw.
 */
export function loadTestBankFile(path: string, files: FileAccess): TestBank {
  const read = readTextFile(path, files);
  if ('error' in read) {
    const message = read.error.code === 'file-not-found' ? `cannot read test file ${path}: no such file` : read.error.message;
    return { cases: [], defaults: {}, diagnostics: [diagnostic(path, 'error', read.error.code, message, undefined)], file: path };
  }
  return parseTestBank(read.text, path, files);
}

/** Where a `tests:` value is written, so problems with it point at it. */
export interface TestsSource {
  /** The file holding the `tests:` value (a prompt file or a promptfoo config). */
  file: string;
  /** The YAML node of the value, for ranges of inline cases and of bad entries. */
  node?: Node | null;
  positionAt?: PositionAt;
  /** Range of the whole value, used when there is no node. */
  range?: Range;
  /** Whether JavaScript test generators may be listed (promptfoo configs); they are returned in `generators`, not run. */
  allowGenerators?: boolean;
  /** What the `tests:` value may read: bank files, globs, `file://` values. */
  files: FileAccess;
}

/** Adds a file's cases, its own defaults applied (a file's `defaults` cover only that file), and its diagnostics. */
function mergeInto(target: TestBank, bank: TestBank): void {
  target.cases.push(...bank.cases.map((c) => applyDefaults(c, bank.defaults)));
  target.diagnostics.push(...bank.diagnostics);
}

/** Defaults of `b` over those of `a` (vars and options merged, assertions concatenated). */
export function mergeDefaults(a: TestDefaults, b: TestDefaults): TestDefaults {
  const out: TestDefaults = { ...a, ...b };
  if (a.vars || b.vars) out.vars = { ...a.vars, ...b.vars };
  if (a.assert || b.assert) out.assert = [...(a.assert ?? []), ...(b.assert ?? [])];
  if (a.options || b.options) out.options = { ...a.options, ...b.options };
  if (a.metadata || b.metadata) out.metadata = { ...a.metadata, ...b.metadata };
  return out;
}

function rangeOfItem(source: TestsSource, index: number | undefined): Range | undefined {
  const node = source.node;
  const target = index !== undefined && isSeq(node) ? node.items[index] : node;
  const r = (target as { range?: [number, number, number] } | undefined)?.range;
  if (r && source.positionAt) return { start: source.positionAt(r[0]), end: source.positionAt(r[1]) };
  return source.range;
}

/**
 * Loads the files a path or glob names (`file://` prefix optional), reporting a pattern that matches nothing.
 * `config` is a `{ path, config }` entry's argument for a generator (promptfoo ignores it for data files).
 */
function loadPath(ref: string, baseDir: string, source: TestsSource, index: number | undefined, into: TestBank, config?: unknown): void {
  const pattern = ref.startsWith('file://') ? ref.slice('file://'.length) : ref;
  const where = rangeOfItem(source, index);
  const generator = /^(.*\.(?:m?js|cjs|[cm]?ts|py))(?::([A-Za-z_$][\w$]*))?$/.exec(pattern);
  if (generator && source.allowGenerators) {
    const [, path, functionName] = generator;
    (into.generators ??= []).push({
      path: isAbsolute(path!) ? path! : resolve(baseDir, path!),
      ...(functionName ? { functionName } : {}),
      ...(config !== undefined ? { config } : {}),
      file: source.file,
      ...(where ? { range: where } : {}),
      at: into.cases.length,
    });
    return;
  }
  if (/^(huggingface|https?|gs|s3):\/\//.test(pattern) || /\.(py|js|ts|mjs|cjs)(:\w+)?$/.test(pattern)) {
    into.diagnostics.push(diagnostic(source.file, 'error', 'unsupported', `tests from "${ref}" are not supported: use .yaml, .json, .csv or .jsonl files`, where));
    return;
  }
  const expanded = expandGlobConfined(pattern, baseDir, source.files);
  if ('error' in expanded) {
    const severity = expanded.error.code === 'restricted' ? 'info' : 'error';
    into.diagnostics.push(diagnostic(source.file, severity, expanded.error.code, `tests: ${expanded.error.message}`, where));
    return;
  }
  const files = expanded.files;
  if (files.length === 0) {
    into.diagnostics.push(diagnostic(source.file, 'warning', 'file-not-found', `no test file matches ${ref}`, where));
    return;
  }
  for (const f of files) {
    // A file that cannot be read is reported where it is named (a missing one only when named plainly).
    const read = readTextFile(f, source.files, hasGlob(pattern) ? relative(baseDir, f) || f : pattern);
    if ('error' in read) {
      const missing = read.error.code === 'file-not-found';
      if (missing && hasGlob(pattern)) continue;
      const message = missing ? `test file not found: ${relative(baseDir, f) || f}` : `tests: ${read.error.message}`;
      into.diagnostics.push(diagnostic(source.file, 'error', read.error.code, message, where));
      continue;
    }
    mergeInto(into, parseTestBank(read.text, f, source.files));
  }
}

/**
 * Resolves a `tests:` value as promptfoo does: a path or glob (`file://` optional), a list mixing paths
 * and inline cases, or an inline list of cases. Paths resolve against `baseDir`. Each loaded file's own
 * `defaults` are already applied to its cases; the returned `defaults` is empty. Never throws.
 */
export function resolveTests(raw: unknown, baseDir: string, source: TestsSource): TestBank {
  const bank: TestBank = { cases: [], defaults: {}, diagnostics: [], file: source.file };
  if (raw === undefined || raw === null) return bank;
  if (typeof raw === 'string') {
    loadPath(raw, baseDir, source, undefined, bank);
    return bank;
  }
  if (isRecord(raw) && typeof raw.path === 'string' && source.allowGenerators) {
    loadPath(raw.path, baseDir, source, undefined, bank, raw.config);
    return bank;
  }
  if (!Array.isArray(raw)) {
    bank.diagnostics.push(diagnostic(source.file, 'error', 'invalid-tests', 'tests must be a path, a list of paths or a list of test cases', rangeOfItem(source, undefined)));
    return bank;
  }
  // Inline cases keep their position in the list as their index; paths are loaded in place.
  const inline: { raw: unknown; index: number }[] = [];
  raw.forEach((item, index) => {
    if (typeof item === 'string') loadPath(item, baseDir, source, index, bank);
    // promptfoo's `{ path, config }`: tests from a file, the config handed to its generator.
    else if (isRecord(item) && typeof item.path === 'string' && source.allowGenerators) loadPath(item.path, baseDir, source, index, bank, item.config);
    else if (isRecord(item)) inline.push({ raw: item, index });
    else bank.diagnostics.push(diagnostic(source.file, 'error', 'invalid-tests', 'each entry of tests must be a path or a test case', rangeOfItem(source, index)));
  });
  if (inline.length > 0) {
    const diags: BankDiagnostic[] = [];
    const nodes = seqItems(source.node);
    const cases = inline.flatMap(({ raw: item, index }) => {
      const [c] = casesFromList([item], [nodes[index]], source.positionAt, source.file, baseDir, source.files, diags);
      return c ? [{ ...c, source: { file: source.file, index } }] : [];
    });
    bank.cases.push(...assignIds(cases, source.file));
    bank.diagnostics.push(...diags);
  }
  return bank;
}

