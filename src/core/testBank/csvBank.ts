// CSV test banks, promptfoo's layout: one column per variable, `__expected…` columns in the `type:value`
// shorthand, `__description`, `__threshold`, `__metric`, `__prefix`/`__suffix`, `__metadata:<key>`.
import { dirname } from 'node:path';
import type { FileAccess } from '../files/safeFiles';
import { parseAssertionShorthand } from '../assertions/assertionShorthand';
import type { AssertionSpec } from '../assertions/assertionTypes';
import { assignIds, diagnostic, normalizeAssertion, type CaseLocation, type UnidentifiedCase } from './normalizeCase';
import { lineRange } from './positions';
import type { BankDiagnostic, TestBank } from './testBankTypes';

/** One CSV record with the lines it spans (zero-based; a quoted field may span several). */
export interface CsvRecord {
  fields: string[];
  firstLine: number;
  lastLine: number;
}

/** RFC 4180 parsing: `,` separates, `"` quotes (`""` inside quotes is a quote), CRLF/LF/CR end records. */
export function parseCsv(text: string): { records: CsvRecord[]; error?: { message: string; line: number } } {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let fieldStarted = false;
  let line = 0;
  let recordStart = 0;
  let quoteLine = 0;
  const endRecord = () => {
    fields.push(field);
    const blank = fields.length === 1 && fields[0] === '' && !fieldStarted;
    if (!blank) records.push({ fields, firstLine: recordStart, lastLine: line });
    fields = [];
    field = '';
    fieldStarted = false;
  };
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) line++;
        field += c;
      }
      continue;
    }
    if (c === '"' && field === '') {
      quoted = true;
      fieldStarted = true;
      quoteLine = line;
    } else if (c === ',') {
      fields.push(field);
      field = '';
      fieldStarted = true;
    } else if (c === '\r' || c === '\n') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordStart = line;
    } else {
      field += c;
      fieldStarted = true;
    }
  }
  if (quoted) return { records, error: { message: 'a quoted field is never closed', line: quoteLine } };
  if (field !== '' || fields.length > 0 || fieldStarted) endRecord();
  return { records };
}

/** Parses a CSV bank. Rows become cases; problems become diagnostics with the row's lines. */
export function parseCsvBank(text: string, file: string, files: FileAccess, baseDir = dirname(file)): TestBank {
  const diagnostics: BankDiagnostic[] = [];
  const { records, error } = parseCsv(text);
  if (error) diagnostics.push(diagnostic(file, 'error', 'csv-syntax', error.message, lineRange(error.line)));
  if (records.length === 0) return { cases: [], defaults: {}, diagnostics, file };
  const header = records[0].fields.map((h) => h.trim());
  const headerRange = lineRange(records[0].firstLine, records[0].lastLine);
  header.forEach((h, i) => {
    if (h === '') diagnostics.push(diagnostic(file, 'warning', 'csv-header', `column ${i + 1} has no name and is ignored`, headerRange));
    else if (h.startsWith('__config:') && !configColumn(h)) {
      diagnostics.push(diagnostic(file, 'error', 'csv-header', `column "${h}": promptfoo's form is __config:__expected:threshold or __config:__expected<N>:threshold`, headerRange));
    } else if (h.startsWith('__') && !isKnownSpecial(h)) {
      diagnostics.push(diagnostic(file, 'warning', 'csv-header', `column "${h}" is not a known special column and is ignored`, headerRange));
    }
  });
  const lineLengths = text.split(/\r\n|\n|\r/).map((l) => l.length);
  const cases: UnidentifiedCase[] = [];
  records.slice(1).forEach((rec, index) => {
    const range = lineRange(rec.firstLine, rec.lastLine, lineLengths[rec.lastLine] ?? 0);
    const loc: CaseLocation = { file, index, range, baseDir, files };
    if (rec.fields.length !== header.length) {
      diagnostics.push(
        diagnostic(file, 'warning', 'csv-columns', `row has ${rec.fields.length} fields but the header has ${header.length}`, range),
      );
    }
    const vars: Record<string, unknown> = {};
    const assert: AssertionSpec[] = [];
    const c: UnidentifiedCase = { vars, assert, source: { file, index }, range };
    let metric: string | undefined;
    const thresholds = new Map<number, number>();
    header.forEach((name, col) => {
      const cell = rec.fields[col] ?? '';
      if (name === '') return;
      if (!name.startsWith('__')) {
        vars[name] = cell;
        return;
      }
      const text = cell.trim();
      if (text === '') return;
      if (/^__expected\d*$/.test(name)) {
        const parsed = parseAssertionShorthand(text);
        const spec = 'error' in parsed ? undefined : normalizeAssertion(parsed, loc, range, diagnostics);
        if ('error' in parsed) diagnostics.push(diagnostic(file, 'error', 'invalid-assertion', `${name}: ${parsed.error}`, range));
        if (spec) assert.push(spec);
      } else if (name === '__description') c.description = cell;
      else if (name === '__threshold') {
        const n = Number(text);
        if (Number.isFinite(n)) c.threshold = n;
        else diagnostics.push(diagnostic(file, 'error', 'invalid-case', `__threshold "${text}" is not a number`, range));
      } else if (name === '__metric') metric = text;
      else if (name === '__prefix' || name === '__suffix') c.options = { ...c.options, [name.slice(2)]: cell };
      else if (name.startsWith('__metadata:')) c.metadata = { ...c.metadata, [name.slice('__metadata:'.length)]: cell };
      else if (configColumn(name)) {
        const n = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/.test(text) ? Number(text) : NaN;
        if (Number.isFinite(n)) thresholds.set(configColumn(name)!.index, n);
        else diagnostics.push(diagnostic(file, 'error', 'invalid-case', `${name} "${text}" is not a number`, range));
      }
    });
    // promptfoo's `__config:__expected<N>:threshold`: N counts the row's assertions (empty cells skipped), from 1.
    for (const [i, threshold] of [...thresholds].sort((a, b) => a[0] - b[0])) {
      if (!assert[i]) continue;
      assert[i].threshold = threshold;
      c.metadata = { ...c.metadata, threshold };
    }
    if (metric !== undefined) for (const a of assert) a.metric ??= metric;
    cases.push(c);
  });
  return { cases: assignIds(cases, file), defaults: {}, diagnostics, file };
}

function isKnownSpecial(name: string): boolean {
  return /^__expected\d*$/.test(name) || ['__description', '__threshold', '__metric', '__prefix', '__suffix'].includes(name) || name.startsWith('__metadata:') || configColumn(name) !== undefined;
}

/** `__config:__expected:threshold` (the first assertion) or `__config:__expected<N>:threshold` (the Nth, from 1). */
function configColumn(name: string): { index: number } | undefined {
  const m = /^__config:__expected(\d*):threshold$/.exec(name);
  if (!m) return undefined;
  const index = m[1] === '' ? 0 : Number(m[1]) - 1;
  return index >= 0 ? { index } : undefined;
}
