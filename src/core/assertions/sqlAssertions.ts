// `is-sql` and `contains-sql`, with promptfoo 0.121.20's rules (src/assertions/sql.ts): the statement must
// parse with `node-sql-parser` (the library promptfoo uses) in the chosen dialect (default MySQL), pass
// promptfoo's extra syntax checks (odd backticks, `SELECT a b FROM`, `generate_series` in MySQL), and touch
// only the allowed tables and columns when those lists are given. The parser loads on first use.
import type { AssertionDefinition, AssertionSpec, RawAssertionResult } from './assertionTypes';
import { isRecord } from './valueUtils';

interface SqlOptions {
  databaseType: string;
  allowedTables?: string[];
  allowedColumns?: string[];
}

type SqlParser = import('node-sql-parser').Parser;
let parserPromise: Promise<SqlParser> | undefined;

function sqlParser(): Promise<SqlParser> {
  parserPromise ??= import('node-sql-parser').then((m) => new (m.Parser ?? (m as unknown as { default: typeof m }).default.Parser)());
  return parserPromise;
}

const SELECT_MODIFIERS = '(?:all|distinct)';
const MYSQL_SELECT_MODIFIERS = '(?:all|distinct(?:row)?|high_priority|straight_join|sql_(?:big_result|buffer_result|cache|calc_found_rows|no_cache|small_result))';
const IDENT = '[A-Za-z_][A-Za-z0-9_]*';
/** `SELECT a b FROM`: two bare identifiers, a missing comma that MySQL would read as an alias. */
const missingComma = (mods: string) => new RegExp(String.raw`\bselect\s+(?:${mods}\s+)*(?!${mods}\b)${IDENT}\s+${IDENT}\s+from\b`, 'i');
const MISSING_COMMA = missingComma(SELECT_MODIFIERS);
const MYSQL_MISSING_COMMA = missingComma(MYSQL_SELECT_MODIFIERS);
const MYSQL_FAMILY = new Set(['MySQL', 'MariaDB']);
const BRACKET_IDENTIFIERS = new Set(['TransactSQL', 'Sqlite']);

/** End of a quoted string or identifier starting at `start` (doubled quotes and, except in `[…]`, backslashes escape). */
function quotedEnd(sql: string, start: number, quote: string): number {
  const close = quote === '[' ? ']' : quote;
  let i = start + 1;
  while (i < sql.length) {
    if (close !== ']' && sql[i] === '\\') i += 2;
    else if (sql[i] === close && sql[i + 1] === close) i += 2;
    else if (sql[i] === close) return i + 1;
    else i++;
  }
  return sql.length;
}

/** Where text the heuristics must not read (a literal, a comment) starting at `i` ends, and what stands in for it. */
function ignoredSpan(sql: string, i: number, brackets: boolean): { end: number; replacement: string } | undefined {
  const ch = sql[i];
  if (ch === "'" || ch === '"' || ch === '`' || (ch === '[' && brackets)) return { end: quotedEnd(sql, i, ch), replacement: ' ? ' };
  if ((ch === '-' && sql[i + 1] === '-') || ch === '#') {
    let end = i + 1;
    while (end < sql.length && sql[end] !== '\r' && sql[end] !== '\n') end++;
    return { end, replacement: ' ' };
  }
  if (ch === '/' && sql[i + 1] === '*') {
    const close = sql.indexOf('*/', i + 2);
    return { end: close === -1 ? sql.length : close + 2, replacement: ' ' };
  }
  const dollar = ch === '$' ? /^\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i))?.[0] : undefined;
  if (dollar) {
    const close = sql.indexOf(dollar, i + dollar.length);
    return { end: close === -1 ? sql.length : close + dollar.length, replacement: ' ? ' };
  }
  return undefined;
}

/** The SQL with literals and comments blanked out, so the heuristics read only code. */
function codeOnly(sql: string, databaseType: string): string {
  const brackets = BRACKET_IDENTIFIERS.has(databaseType);
  let out = '';
  let plain = 0;
  let i = 0;
  while (i < sql.length) {
    const span = ignoredSpan(sql, i, brackets);
    if (!span) {
      i++;
      continue;
    }
    out += sql.slice(plain, i) + span.replacement;
    i = plain = span.end;
  }
  return out + sql.slice(plain);
}

/** Syntax problems node-sql-parser lets through but promptfoo rejects. */
function heuristicallyInvalid(sql: string, databaseType: string): boolean {
  if (sql.length === 0) return true;
  if ((sql.match(/`/g)?.length ?? 0) % 2 !== 0) return true;
  if ((MYSQL_FAMILY.has(databaseType) ? MYSQL_MISSING_COMMA : MISSING_COMMA).test(codeOnly(sql, databaseType))) return true;
  return databaseType === 'MySQL' && /\bgenerate_series\s*\(/i.test(sql);
}

/** `table::name` / `select::table::column` whitelist entries; a column entry also matches with no table. */
function withNullTable(columns: string[]): string[] {
  const all = [...columns];
  for (const item of columns) {
    const parts = item.split('::');
    const alt = `${parts[0]}::null::${parts[2]}`;
    if (parts.length === 3 && parts[1] !== 'null' && !all.includes(alt)) all.push(alt);
  }
  return all;
}

/** Why the statement uses names outside the whitelist, or `undefined` when it does not. */
function whitelistProblem(parser: SqlParser, sql: string, allowed: string[], kind: 'table' | 'column', databaseType: string): string | undefined {
  const opt = { database: databaseType, type: kind };
  try {
    parser.whiteListCheck(sql, kind === 'column' ? withNullTable(allowed) : allowed, opt);
    return undefined;
  } catch (e) {
    let found: string[] = [];
    try {
      const r = parser.parse(sql, opt);
      found = (kind === 'table' ? r.tableList : r.columnList) ?? [];
    } catch {
      // The statement does not parse: report the whitelist error itself.
    }
    return found.length > 0
      ? `SQL references unauthorized ${kind}(s). Found: [${found.join(', ')}]. Allowed: [${allowed.join(', ')}].`
      : `SQL validation failed: ${(e as Error).message}.`;
  }
}

async function judgeSql(sql: string, options: SqlOptions): Promise<RawAssertionResult> {
  const parser = await sqlParser();
  const { databaseType } = options;
  const syntaxError = `SQL statement does not conform to the provided ${databaseType} database syntax.`;
  const reasons: string[] = [];
  let parses = true;
  try {
    parser.astify(sql, { database: databaseType });
  } catch {
    parses = false;
  }
  if (heuristicallyInvalid(sql.trim(), databaseType) || !parses) reasons.push(syntaxError);
  if (options.allowedTables) reasons.push(...[whitelistProblem(parser, sql, options.allowedTables, 'table', databaseType)].filter((r) => r !== undefined));
  if (options.allowedColumns) reasons.push(...[whitelistProblem(parser, sql, options.allowedColumns, 'column', databaseType)].filter((r) => r !== undefined));
  return reasons.length === 0 ? { pass: true, score: 1, reason: `Output is valid ${databaseType} SQL` } : { pass: false, score: 0, reason: reasons.join(' ') };
}

function sqlOptions(value: unknown): SqlOptions {
  if (!isRecord(value)) return { databaseType: 'MySQL' };
  const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : undefined);
  return {
    databaseType: typeof value.databaseType === 'string' && value.databaseType !== '' ? value.databaseType : 'MySQL',
    ...(value.allowedTables !== undefined ? { allowedTables: list(value.allowedTables) } : {}),
    ...(value.allowedColumns !== undefined ? { allowedColumns: list(value.allowedColumns) } : {}),
  };
}

function checkSqlValue(spec: AssertionSpec): string | undefined {
  const v = spec.value;
  if (v === undefined || v === null || v === '') return undefined;
  if (!isRecord(v)) return `"${spec.type}" value must be an object: { databaseType, allowedTables, allowedColumns }`;
  if (v.databaseType !== undefined && typeof v.databaseType !== 'string') return `"${spec.type}" databaseType must be a string such as MySQL or PostgreSQL`;
  for (const key of ['allowedTables', 'allowedColumns'] as const) {
    if (v[key] !== undefined && !(Array.isArray(v[key]) && (v[key] as unknown[]).every((x) => typeof x === 'string'))) {
      return `"${spec.type}" ${key} must be a list of strings`;
    }
  }
  return undefined;
}

/** The bodies of fenced code blocks tagged `sql` or untagged (CommonMark fences of ``` or ~~~). */
function sqlCodeBlocks(output: string): string[] {
  const blocks: string[] = [];
  let open: { char: string; length: number; sql: boolean; body: string[] } | undefined;
  for (const line of output.split(/\r\n?|\n/)) {
    if (!open) {
      const m = /^[ \t]{0,3}(`{3,}|~{3,})[ \t]*([^\r\n]*)$/.exec(line);
      if (m) open = { char: m[1][0], length: m[1].length, sql: ['', 'sql'].includes(m[2].trim().toLowerCase()), body: [] };
      continue;
    }
    const close = /^[ \t]{0,3}(`{3,}|~{3,})[ \t]*$/.exec(line)?.[1];
    if (close?.[0] === open.char && close.length >= open.length) {
      if (open.sql) blocks.push(open.body.join('\n').trim());
      open = undefined;
    } else open.body.push(line);
  }
  return blocks;
}

const VALUE_DOC =
  '`value` (optional) is `{ databaseType, allowedTables, allowedColumns }`: the dialect as node-sql-parser names it (`MySQL` by default, `PostgreSQL`, `Sqlite`, `TransactSQL`, `BigQuery`…), ' +
  'and whitelists in its `{type}::{db}::{table}` / `{type}::{table}::{column}` form (e.g. `select::null::orders`, `select::orders::id`). Score 1 or 0.';

export const SQL_ASSERTIONS: AssertionDefinition[] = [
  {
    type: 'is-sql',
    description: 'The whole output is a valid SQL statement, optionally touching only allowed tables and columns.',
    docs: 'The output must parse with node-sql-parser in the dialect and pass promptfoo\'s extra checks (balanced backticks, no `SELECT a b FROM` missing comma, no `generate_series` in MySQL). ' + VALUE_DOC,
    example: 'assert:\n  - type: is-sql\n    value:\n      databaseType: PostgreSQL\n      allowedTables: [select::null::orders]',
    modelGraded: false,
    check: checkSqlValue,
    evaluate: (spec, { output }) => judgeSql(output, sqlOptions(spec.value)),
  },
  {
    type: 'contains-sql',
    description: 'The output contains a valid SQL statement (in a sql code block, or as the whole output).',
    docs:
      'The candidates are the output\'s fenced code blocks tagged `sql` or untagged, or the whole output when there is none; passes when one of them is valid as for `is-sql`. ' + VALUE_DOC,
    example: 'assert:\n  - type: contains-sql\n    value: { databaseType: MySQL }',
    modelGraded: false,
    check: checkSqlValue,
    async evaluate(spec, { output }) {
      const blocks = sqlCodeBlocks(output);
      let last: RawAssertionResult = { pass: false, score: 0, reason: 'Output does not contain valid SQL' };
      for (const candidate of blocks.length > 0 ? blocks : [output]) {
        if (candidate.trim() === '') continue;
        const r = await judgeSql(candidate, sqlOptions(spec.value));
        if (r.pass) return { ...r, reason: `Output contains valid ${sqlOptions(spec.value).databaseType} SQL` };
        last = r;
      }
      return last;
    },
  },
];
