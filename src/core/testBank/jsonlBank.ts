// JSONL test banks: one JSON test case per line; blank lines are skipped.
import { dirname } from 'node:path';
import type { FileAccess } from '../files/safeFiles';
import { assignIds, diagnostic, normalizeCase, type UnidentifiedCase } from './normalizeCase';
import { lineRange } from './positions';
import type { BankDiagnostic, TestBank } from './testBankTypes';

/** Parses a JSONL bank. A line that is not JSON is an error diagnostic on that line; the others still load. */
export function parseJsonlBank(text: string, file: string, files: FileAccess, baseDir = dirname(file)): TestBank {
  const diagnostics: BankDiagnostic[] = [];
  const cases: UnidentifiedCase[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  let index = 0;
  lines.forEach((line, n) => {
    if (line.trim() === '') return;
    const range = lineRange(n, n, line.length);
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (e) {
      diagnostics.push(diagnostic(file, 'error', 'jsonl-syntax', `line ${n + 1} is not valid JSON: ${(e as Error).message}`, range));
      return;
    }
    const c = normalizeCase(raw, { file, index, range, baseDir, files }, diagnostics);
    index++;
    if (c) cases.push(c);
  });
  return { cases: assignIds(cases, file), defaults: {}, diagnostics, file };
}
