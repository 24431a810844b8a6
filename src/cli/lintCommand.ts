import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parsePromptFile } from '../core/promptFile/parsePromptFile';
import { validatePromptFile } from '../core/promptFile/validatePromptFile';
import type { Diagnostic } from '../core/types';
import { UsageError, type CliCommand, type CliIo } from './cliTypes';

const USAGE = `Usage: assay lint FILE|DIR... [--providers LIST] [--quiet]

Checks .prompt and .prompty files (directories are searched recursively) and prints one line per
problem: FILE:LINE:COL SEVERITY MESSAGE [CODE]. Exits 1 when any error is found, 2 when a file
cannot be read.

  --providers LIST   Comma-separated provider names you can run (e.g. openai,anthropic,echo,ollama);
                     models naming another provider get a warning
  --quiet            Print errors only`;

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

async function run(io: CliIo): Promise<number> {
  const targets: string[] = [];
  let providers: string[] | undefined;
  let quiet = false;
  for (let i = 0; i < io.argv.length; i++) {
    const a = io.argv[i]!;
    if (a === '--providers') {
      const list = io.argv[++i];
      if (list === undefined) throw new UsageError('--providers needs a comma-separated list');
      providers = list.split(',').map((s) => s.trim()).filter(Boolean);
    } else if (a.startsWith('--providers=')) providers = a.slice(12).split(',').map((s) => s.trim()).filter(Boolean);
    else if (a === '--quiet' || a === '-q') quiet = true;
    else if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option '${a}'\n${USAGE}`);
    else targets.push(a);
  }
  if (targets.length === 0) throw new UsageError(`no files given\n${USAGE}`);

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
  for (const f of files) {
    let text: string;
    try {
      text = await readFile(f.path, 'utf8');
    } catch (err) {
      io.stderr.write(`${f.shown}: cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}\n`);
      unreadable = true;
      continue;
    }
    const doc = parsePromptFile(text, { path: f.path });
    for (const d of validatePromptFile(doc, providers ? { knownProviders: providers } : {})) {
      if (d.severity === 'error') errors++;
      else if (d.severity === 'warning') warnings++;
      if (quiet && d.severity !== 'error') continue;
      io.stdout.write(formatDiagnostic(f.shown, d) + '\n');
    }
  }
  const plural = (n: number, w: string): string => `${n} ${w}${n === 1 ? '' : 's'}`;
  io.stderr.write(`${plural(errors, 'error')}, ${plural(warnings, 'warning')} in ${plural(files.length, 'file')}\n`);
  if (unreadable) return 2;
  return errors > 0 ? 1 : 0;
}

/** `assay lint`: diagnostics for prompt files, for CI. */
export const lintCommand: CliCommand = {
  summary: 'Check .prompt/.prompty files and print diagnostics (exit 1 on errors)',
  usage: USAGE,
  run,
};
