import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileAccess, readTextFile } from '../core/files/safeFiles';
import { parsePromptFile } from '../core/promptFile/parsePromptFile';
import { validatePromptFile } from '../core/promptFile/validatePromptFile';
import type { Diagnostic } from '../core/types';
import { eachArg } from './cliArgs';
import { UsageError, type CliCommand, type CliIo } from './cliTypes';

const USAGE = `Usage: assay lint FILE|DIR... [--providers LIST] [--quiet] [--max-warnings N] [--format text|json]

Checks .prompt and .prompty files (directories are searched recursively) and prints one line per
problem: FILE:LINE:COL SEVERITY MESSAGE [CODE]. Exits 1 when any error is found (or more warnings
than --max-warnings allows), 2 when a file cannot be read.

  --providers LIST   Comma-separated provider names you can run (e.g. openai,anthropic,echo,ollama);
                     models naming another provider get a warning
  --quiet            Print errors only
  --max-warnings N   Exit 1 when more than N warnings are found (ESLint's convention; 0 makes any
                     warning fail)
  --format FORMAT    text (default) or json: one JSON document on stdout, a list of
                     { file, diagnostics: [{ line, column, endLine, endColumn, severity, code, message }] }
                     with 1-based lines and columns
  -h, --help         Show this usage`;

/** `path:line:col severity message [code]`, with 1-based line and column. */
export function formatDiagnostic(path: string, d: Diagnostic): string {
  return `${path}:${d.range.start.line + 1}:${d.range.start.character + 1} ${d.severity} ${d.message.replace(/\s*\n\s*/g, ' ')} [${d.code}]`;
}

const PROMPT_FILE = /\.prompty?$/i;

async function findPromptFiles(dir: string, shown: string, out: { path: string; shown: string }[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    if (e.name.startsWith('.') || e.name === 'node_modules') continue;
    const path = join(dir, e.name);
    const label = join(shown, e.name);
    if (e.isDirectory()) await findPromptFiles(path, label, out);
    else if (e.isFile() && PROMPT_FILE.test(e.name)) out.push({ path, shown: label });
  }
}

interface LintArgs {
  targets: string[];
  providers?: string[];
  quiet: boolean;
  maxWarnings?: number;
  format: 'text' | 'json';
}

function parseArgs(argv: readonly string[]): LintArgs {
  const a: LintArgs = { targets: [], quiet: false, format: 'text' };
  eachArg(argv, (name, value, arg) => {
    switch (name) {
      case '--providers':
        a.providers = value().split(',').map((s) => s.trim()).filter(Boolean);
        break;
      case '--quiet':
      case '-q':
        a.quiet = true;
        break;
      case '--max-warnings': {
        const v = value();
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0) throw new UsageError(`--max-warnings must be a whole number, 0 or more (got '${v}')`);
        a.maxWarnings = n;
        break;
      }
      case '--format': {
        const v = value();
        if (v !== 'text' && v !== 'json') throw new UsageError(`--format must be text or json (got '${v}')`);
        a.format = v;
        break;
      }
      default:
        if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option '${arg}'\n${USAGE}`);
        a.targets.push(arg);
    }
  }, USAGE);
  if (a.targets.length === 0) throw new UsageError(`no files given\n${USAGE}`);
  return a;
}

/** One file's problems in `--format json`: 1-based positions, like the text format. */
interface JsonFileReport {
  file: string;
  diagnostics: { line: number; column: number; endLine: number; endColumn: number; severity: string; code: string; message: string }[];
}

async function run(io: CliIo): Promise<number> {
  const { targets, providers, quiet, maxWarnings, format } = parseArgs(io.argv);
  const files: { path: string; shown: string }[] = [];
  let unreadable = false;
  for (const t of targets) {
    const path = resolve(io.cwd, t);
    try {
      if ((await stat(path)).isDirectory()) await findPromptFiles(path, t, files);
      else files.push({ path, shown: t });
    } catch (err) {
      io.stderr.write(`${t}: cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}\n`);
      unreadable = true;
    }
  }

  let errors = 0;
  let warnings = 0;
  const json: JsonFileReport[] = [];
  for (const f of files) {
    // Paths given or found under a folder given: anywhere the user points, but regular files under the size limit.
    const read = readTextFile(f.path, fileAccess({ roots: [], allowOutside: true, rootLabel: 'project', limitName: 'the 20 MB limit of assay lint' }), f.shown);
    if ('error' in read) {
      io.stderr.write(read.error.code === 'file-not-found' ? `${f.shown}: cannot read: ENOENT\n` : `${read.error.message}\n`);
      unreadable = true;
      continue;
    }
    const text = read.text;
    const doc = parsePromptFile(text, { path: f.path });
    const report: JsonFileReport = { file: f.shown, diagnostics: [] };
    for (const d of validatePromptFile(doc, providers ? { knownProviders: providers } : {})) {
      if (d.severity === 'error') errors++;
      else if (d.severity === 'warning') warnings++;
      if (quiet && d.severity !== 'error') continue;
      if (format === 'json') {
        const { start, end } = d.range;
        report.diagnostics.push({ line: start.line + 1, column: start.character + 1, endLine: end.line + 1, endColumn: end.character + 1, severity: d.severity, code: d.code, message: d.message });
      } else io.stdout.write(formatDiagnostic(f.shown, d) + '\n');
    }
    json.push(report);
  }
  if (format === 'json') io.stdout.write(JSON.stringify(json, null, 2) + '\n');
  const plural = (n: number, w: string): string => `${n} ${w}${n === 1 ? '' : 's'}`;
  const tooMany = maxWarnings !== undefined && warnings > maxWarnings;
  io.stderr.write(`${plural(errors, 'error')}, ${plural(warnings, 'warning')} in ${plural(files.length, 'file')}${tooMany ? ` (more than --max-warnings ${maxWarnings})` : ''}\n`);
  if (unreadable) return 2;
  return errors > 0 || tooMany ? 1 : 0;
}

/** `assay lint`: diagnostics for prompt files, for CI. */
export const lintCommand: CliCommand = {
  summary: 'Check .prompt/.prompty files and print diagnostics (exit 1 on errors)',
  usage: USAGE,
  run,
};
