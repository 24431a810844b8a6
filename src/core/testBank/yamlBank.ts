// YAML (and JSON) test banks, and a prompt file's inline `tests:` list, with a range for every case.
import { dirname } from 'node:path';
import { isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml';
import { isRecord } from '../assertions/valueUtils';
import type { FileAccess } from '../files/safeFiles';
import { yamlErrorSpan } from '../files/yamlErrors';
import { yamlValue } from '../files/yamlLimits';
import type { Range } from '../types';
import { assignIds, diagnostic, normalizeCase, normalizeDefaults, type CaseLocation, type UnidentifiedCase } from './normalizeCase';
import { positionsOf, rangeOf, type PositionAt } from './positions';
import type { BankDiagnostic, TestBank, TestDefaults } from './testBankTypes';

function nodeRange(node: unknown, positionAt: PositionAt | undefined): Range | undefined {
  if (!positionAt || !node || typeof node !== 'object') return undefined;
  const r = (node as { range?: [number, number, number] | null }).range;
  return r ? rangeOf(positionAt, r[0], r[1]) : undefined;
}

/** The ranges a case's diagnostics need: the case, its keys' values, its assertions. */
function caseLocation(node: unknown, positionAt: PositionAt | undefined, base: { file: string; index: number; baseDir: string; files: FileAccess }): CaseLocation {
  const loc: CaseLocation = { ...base, range: nodeRange(node, positionAt) };
  if (positionAt && isMap(node)) {
    loc.keyRanges = {};
    loc.keyNameRanges = {};
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (key === undefined) continue;
      loc.keyRanges[key] = nodeRange(pair.value, positionAt) ?? nodeRange(pair.key, positionAt);
      loc.keyNameRanges[key] = nodeRange(pair.key, positionAt);
      if (key === 'assert' && isSeq(pair.value)) {
        loc.assertRanges = pair.value.items.map((item) => nodeRange(item, positionAt));
        loc.assertTypeRanges = pair.value.items.map((item) => (isMap(item) ? nodeRange(item.get('type', true), positionAt) : undefined));
      }
    }
  }
  return loc;
}

/** The item nodes of a YAML sequence node (empty for anything else). */
export function seqItems(node: unknown): unknown[] {
  return isSeq(node) ? node.items : [];
}

/** Normalises a list of raw cases, taking ranges from the matching YAML item nodes when there are some. */
export function casesFromList(
  list: unknown[],
  items: unknown[],
  positionAt: PositionAt | undefined,
  file: string,
  baseDir: string,
  files: FileAccess,
  diags: BankDiagnostic[],
): UnidentifiedCase[] {
  const cases: UnidentifiedCase[] = [];
  list.forEach((raw, index) => {
    const c = normalizeCase(raw, caseLocation(items[index], positionAt, { file, index, baseDir, files }), diags);
    if (c) cases.push(c);
  });
  return cases;
}

/** Where an inline `tests:` value comes from. */
export interface InlineSource {
  /** The prompt file. */
  file: string;
  /** Folder for `file://` references; default: the prompt file's folder. */
  baseDir?: string;
  /** What `file://` references may read. */
  files: FileAccess;
  /** The YAML node of the `tests:` value, for per-case ranges. */
  node?: Node | null;
  /** Maps offsets of the text the node was parsed from to positions in the prompt file. */
  positionAt?: PositionAt;
}

/** Cases from a prompt file's inline `tests:` list (the raw parsed value, plus its YAML node for ranges). */
export function casesFromInline(value: unknown, source: InlineSource): TestBank {
  const diagnostics: BankDiagnostic[] = [];
  const baseDir = source.baseDir ?? dirname(source.file);
  if (!Array.isArray(value)) {
    diagnostics.push(diagnostic(source.file, 'error', 'invalid-tests', 'inline tests must be a list of test cases', nodeRange(source.node, source.positionAt)));
    return { cases: [], defaults: {}, diagnostics, file: source.file };
  }
  const cases = casesFromList(value, seqItems(source.node), source.positionAt, source.file, baseDir, source.files, diagnostics);
  return { cases: assignIds(cases, source.file), defaults: {}, diagnostics, file: source.file };
}

const BANK_KEYS = new Set(['tests', 'defaults', 'defaultTest', 'description']);

/**
 * Parses a YAML or JSON test bank: a list of cases, or a mapping `{ tests: [...], defaults: {...} }`
 * (`defaultTest` is accepted for `defaults`). Syntax errors become diagnostics; whatever parsed is kept.
 */
export function parseYamlBank(text: string, file: string, files: FileAccess, baseDir = dirname(file)): TestBank {
  const diagnostics: BankDiagnostic[] = [];
  const positionAt = positionsOf(text);
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  for (const e of doc.errors) diagnostics.push(diagnostic(file, 'error', 'yaml-syntax', e.message.split('\n')[0], rangeOf(positionAt, ...yamlErrorSpan(text, e))));
  for (const w of doc.warnings) diagnostics.push(diagnostic(file, 'warning', 'yaml-syntax', w.message.split('\n')[0], rangeOf(positionAt, w.pos[0], w.pos[1])));
  let value: unknown;
  try {
    const read = yamlValue(doc, text.length);
    if ('bomb' in read) {
      const at = read.bomb.offset === undefined ? undefined : rangeOf(positionAt, read.bomb.offset, read.bomb.offset + 1);
      diagnostics.push(diagnostic(file, 'error', 'yaml-aliases', read.bomb.message, at));
      return { cases: [], defaults: {}, diagnostics, file };
    }
    value = read.value;
  } catch (e) {
    diagnostics.push(diagnostic(file, 'error', 'yaml-syntax', (e as Error).message, undefined));
    return { cases: [], defaults: {}, diagnostics, file };
  }
  let defaults: TestDefaults = {};
  let cases: UnidentifiedCase[] = [];
  const root = doc.contents;
  if (value === null || value === undefined) {
    // an empty bank is valid: nothing to run
  } else if (Array.isArray(value)) {
    cases = casesFromList(value, seqItems(root), positionAt, file, baseDir, files, diagnostics);
  } else if (isRecord(value) && isMap(root)) {
    for (const pair of root.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (!BANK_KEYS.has(key)) diagnostics.push(diagnostic(file, 'warning', 'unknown-key', `unknown test bank key "${key}"`, nodeRange(pair.key, positionAt)));
      if (key === 'defaults' || key === 'defaultTest') {
        defaults = normalizeDefaults(value[key], caseLocation(pair.value, positionAt, { file, index: -1, baseDir, files }), diagnostics);
      } else if (key === 'tests') {
        if (Array.isArray(value.tests)) cases = casesFromList(value.tests, seqItems(pair.value), positionAt, file, baseDir, files, diagnostics);
        else diagnostics.push(diagnostic(file, 'error', 'invalid-tests', 'tests must be a list of test cases', nodeRange(pair.value, positionAt)));
      }
    }
  } else {
    diagnostics.push(diagnostic(file, 'error', 'invalid-tests', 'a test bank is a list of test cases, or a mapping with tests: and defaults:', nodeRange(root, positionAt)));
  }
  return { cases: assignIds(cases, file), defaults, diagnostics, file };
}
