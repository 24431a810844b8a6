import { dirname, resolve } from 'node:path';
import { fileAccess, readTextFile, type FileAccess } from '../core/files/safeFiles';
import { parseYamlLimited } from '../core/files/yamlLimits';
import { parsePromptFile } from '../core/promptFile/parsePromptFile';
import type { PromptDocument } from '../core/promptFile/promptDocument';
import { renderPrompt } from '../core/promptFile/renderPrompt';
import { validatePromptFile } from '../core/promptFile/validatePromptFile';
import { UsageError, type CliCommand, type CliIo } from './cliTypes';
import { formatDiagnostic } from './lintCommand';

const USAGE = `Usage: assay render FILE [--vars JSON|@FILE] [--case N] [--no-defaults]

Renders a .prompt/.prompty file and prints its messages as JSON. Inputs take their defaults unless
--no-defaults; --case N takes the variables of the file's Nth test case (from 1); --vars sets or
overrides variables. Rendering runs the file's template code: render only files you trust.
Exits 1 when the file has errors or a variable is missing.`;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const LIMIT = 'the 20 MB limit of assay render';
/** Files named on the command line are the user's choice: anywhere, but regular and under the size limit. */
const CHOSEN = fileAccess({ roots: [], allowOutside: true, rootLabel: 'project', limitName: LIMIT });

async function readVars(arg: string, cwd: string): Promise<Record<string, unknown>> {
  let text = arg;
  if (arg.startsWith('@')) {
    const read = readTextFile(resolve(cwd, arg.slice(1)), CHOSEN, arg.slice(1));
    if ('error' in read) throw new UsageError(read.error.code === 'file-not-found' ? `cannot read ${arg.slice(1)}: no such file` : read.error.message);
    text = read.text;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--vars is not valid JSON: ${(err as Error).message}`);
  }
  if (!isRecord(value)) throw new UsageError('--vars must be a JSON object, e.g. {"ticket": "Where is my refund?"}');
  return value;
}

/** The test cases the file's `tests` names: inline cases, or YAML/JSON/JSONL files of cases. */
async function loadCases(doc: PromptDocument, files: FileAccess): Promise<unknown[]> {
  const t = doc.tests?.value;
  if (Array.isArray(t) && t.every(isRecord)) return t;
  const paths = typeof t === 'string' ? [t] : Array.isArray(t) && t.every((p) => typeof p === 'string') ? (t as string[]) : [];
  const cases: unknown[] = [];
  for (const p of paths) {
    const file = resolve(doc.dir ?? '.', p);
    const read = readTextFile(file, files, p);
    if ('error' in read) throw new UsageError(read.error.code === 'file-not-found' ? `cannot read test file ${p}: no such file` : read.error.message);
    const text = read.text;
    let data: unknown;
    try {
      if (/\.jsonl$/i.test(p)) data = text.split(/\r?\n/).filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as unknown);
      else if (/\.ya?ml$/i.test(p) || /\.json$/i.test(p)) {
        const parsed = parseYamlLimited(text);
        if ('error' in parsed) throw new Error(parsed.error);
        data = parsed.value;
      }
      else throw new Error('--case reads inline cases and .yaml, .json or .jsonl test files; use --vars for others');
    } catch (err) {
      throw new UsageError(`cannot read test file ${p}: ${(err as Error).message}`);
    }
    if (isRecord(data) && Array.isArray(data['tests'])) data = data['tests'];
    if (!Array.isArray(data)) throw new UsageError(`test file ${p} does not hold a list of cases`);
    cases.push(...data);
  }
  return cases;
}

async function run(io: CliIo): Promise<number> {
  let file: string | undefined;
  let varsArg: string | undefined;
  let caseArg: string | undefined;
  let useDefaults = true;
  for (let i = 0; i < io.argv.length; i++) {
    const a = io.argv[i]!;
    if (a === '--vars' || a === '--case') {
      const v = io.argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value\n${USAGE}`);
      if (a === '--vars') varsArg = v;
      else caseArg = v;
    } else if (a.startsWith('--vars=')) varsArg = a.slice(7);
    else if (a.startsWith('--case=')) caseArg = a.slice(7);
    else if (a === '--no-defaults') useDefaults = false;
    else if (a.startsWith('-')) throw new UsageError(`unknown option '${a}'\n${USAGE}`);
    else if (file === undefined) file = a;
    else throw new UsageError(`render takes one file\n${USAGE}`);
  }
  if (file === undefined) throw new UsageError(`no file given\n${USAGE}`);

  const path = resolve(io.cwd, file);
  const read = readTextFile(path, CHOSEN, file);
  if ('error' in read) {
    io.stderr.write(read.error.code === 'file-not-found' ? `${file}: cannot read: ENOENT\n` : `${read.error.message}\n`);
    return 2;
  }
  const text = read.text;
  const doc = parsePromptFile(text, { path });
  const errors = validatePromptFile(doc).filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    for (const d of errors) io.stderr.write(formatDiagnostic(file, d) + '\n');
    return 1;
  }

  let vars: Record<string, unknown> = {};
  if (caseArg !== undefined) {
    const n = Number(caseArg);
    // The test files the prompt names stay beside it or in the working folder, like assay test's.
    const cases = await loadCases(doc, fileAccess({ roots: [io.cwd, dirname(path)], rootLabel: 'project', limitName: LIMIT }));
    if (!Number.isInteger(n) || n < 1 || n > cases.length) {
      throw new UsageError(`--case must be a number from 1 to ${cases.length} (the file has ${cases.length} test case${cases.length === 1 ? '' : 's'})`);
    }
    const c = cases[n - 1];
    const caseVars = isRecord(c) ? c['vars'] : undefined;
    if (caseVars !== undefined && !isRecord(caseVars)) throw new UsageError(`test case ${n} has 'vars' that is not a mapping`);
    vars = { ...(caseVars ?? {}) };
  }
  if (varsArg !== undefined) vars = { ...vars, ...(await readVars(varsArg, io.cwd)) };

  const result = renderPrompt(doc, vars, { useDefaults, files: fileAccess({ roots: [io.cwd, dirname(path)], rootLabel: 'project', limitName: LIMIT }) });
  if ('error' in result) {
    const at = result.error.range ? `:${result.error.range.start.line + 1}:${result.error.range.start.character + 1}` : '';
    io.stderr.write(`${file}${at} error ${result.error.message}\n`);
    return 1;
  }
  for (const w of result.warnings ?? []) io.stderr.write(`${file} warning ${w}\n`);
  io.stdout.write(JSON.stringify(result.messages, null, 2) + '\n');
  return 0;
}

/** `assay render`: a prompt file's messages as JSON. */
export const renderCommand: CliCommand = {
  summary: 'Render a prompt file (with --vars or a test case) and print its messages as JSON',
  usage: USAGE,
  run,
};
