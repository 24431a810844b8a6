// The cases a promptfoo config runs, built in promptfoo's order: `tests` (one empty test when there are
// neither tests nor scenarios), then `scenarios`; `defaultTest` applied; `transformVars` run on each
// test's vars; then list-valued vars expanded into one case per combination. Also loads the config's
// `nunjucksFilters`. User code runs only when trusted; otherwise its use is an error before any call.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { isRecord } from '../assertions/valueUtils';
import type { FileAccess } from '../files/safeFiles';
import type { TemplateFilters } from '../template/templateRenderer';
import type { Range } from '../types';
import { applyDefaults, assignIds, diagnostic, normalizeCase, SCRIPT_VAR, SCRIPT_VAR_CODE } from '../testBank/normalizeCase';
import type { PromptfooConfig } from '../testBank/promptfooConfig';
import { expandCases } from '../testBank/promptfooTests';
import type { BankDiagnostic, TestCase, TestGenerator } from '../testBank/testBankTypes';
import { callScriptExport } from '../providers/javascriptProvider';
import { pythonExecutable, runPythonFunction } from '../providers/pythonProvider';
import { checkTransform, runTransform } from './userTransform';

/** Options for building a config's cases. */
export interface PromptfooCaseOptions {
  /** Whether `transform`, `transformVars` and filters may run (the CLI, a trusted workspace). */
  trusted: boolean;
  /** What generated tests' `file://` values may read. */
  files: FileAccess;
}

const CODE_OPTIONS = [
  ['transform', 'output'],
  ['transformVars', 'vars'],
] as const;

/** Problems with transforms in `options` that would otherwise surface only after calls were made. */
function checkCode(options: Record<string, unknown> | undefined, where: { file: string; range?: Range; name: string }, trusted: boolean, diags: BankDiagnostic[]): void {
  for (const [key, input] of CODE_OPTIONS) {
    const code = options?.[key];
    if (code === undefined) continue;
    const problem = trusted ? checkTransform(code, input) : `options.${key} runs JavaScript: only in a trusted workspace (or the CLI)`;
    if (problem) diags.push(diagnostic(where.file, 'error', trusted ? 'invalid-transform' : 'untrusted-code', `${where.name}: ${problem}`, where.range));
  }
  if (options?.postprocess !== undefined) {
    diags.push(diagnostic(where.file, 'error', 'unsupported', `${where.name}: options.postprocess is promptfoo’s old name for transform: rename it to transform`, where.range));
  }
}

/** Where workspace code may not run: a test's script vars and scoring function are errors before any call. */
function checkScripts(c: { vars?: Record<string, unknown>; assertScoringFunction?: string; file: string; range?: Range; name: string }, diags: BankDiagnostic[]): void {
  const script = Object.entries(c.vars ?? {}).find(([, v]) => typeof v === 'string' && v.startsWith('file://') && SCRIPT_VAR.test(v));
  const what = script ? `vars.${script[0]} runs a script` : c.assertScoringFunction ? 'assertScoringFunction runs code' : undefined;
  if (what) diags.push(diagnostic(c.file, 'error', 'untrusted-code', `${c.name}: ${what}: only in a trusted workspace (or the CLI)`, c.range));
}

/**
 * A CommonJS module loaded afresh, in this thread: filters are called synchronously while a template
 * renders, and a generator may export a list rather than a function, so neither can run in the sandbox.
 * An ES module (`.mjs`, or `import`/`export` syntax) is an error that says so.
 */
function loadCommonJs(path: string): unknown {
  if (/\.mjs$/i.test(path)) throw new Error(`${path} is an ES module; use a CommonJS file (module.exports = …)`);
  const req = createRequire(path);
  delete req.cache[path];
  const mod: unknown = req(path);
  return isRecord(mod) && 'default' in mod && mod.__esModule === true ? mod.default : mod;
}

/** How long a test generator may take (promptfoo has no limit; a hung script must not hang the run). */
const GENERATOR_TIMEOUT_MS = 120_000;

/**
 * What a test generator gives: a CommonJS module in this thread (an array, or a function returning one,
 * possibly async, called with the entry's `config`); TypeScript and ES modules in a worker; Python's
 * `generate_tests(config)` (or the named function) in the user's `python3`.
 */
async function generatorValue(g: TestGenerator, name: string): Promise<{ value: unknown } | { error: string }> {
  const args = g.config === undefined ? [] : [g.config];
  const run = { signal: new AbortController().signal, timeoutMs: GENERATOR_TIMEOUT_MS, what: `tests from ${name}` };
  if (/\.py$/i.test(g.path)) {
    const env = process.env;
    const r = await runPythonFunction({ script: g.path, function: g.functionName ?? 'generate_tests', args }, { ...run, python: pythonExecutable({}, env), cwd: dirname(g.path), env });
    return 'error' in r ? { error: r.error.message } : r;
  }
  if (/\.(mjs|[cm]?ts)$/i.test(g.path)) return callScriptExport(g.path, g.functionName, [g.config], run);
  try {
    const mod = loadCommonJs(g.path);
    let value = g.functionName ? (typeof mod === 'function' || isRecord(mod) ? (mod as Record<string, unknown>)[g.functionName] : undefined) : mod;
    if (typeof value === 'function') value = await (value as (c: unknown) => unknown)(g.config);
    return { value };
  } catch (e) {
    return { error: `tests from ${name}: ${(e as Error).message.split('\n')[0]}` };
  }
}

/** The cases a test generator returns (see `generatorValue`). */
async function generatedCases(g: TestGenerator, config: PromptfooConfig, options: PromptfooCaseOptions, diags: BankDiagnostic[]): Promise<TestCase[]> {
  const trusted = options.trusted;
  const name = `${g.path}${g.functionName ? `:${g.functionName}` : ''}`;
  const fail = (message: string): TestCase[] => {
    diags.push(diagnostic(g.file, 'error', trusted ? 'test-generator' : 'untrusted-code', message, g.range));
    return [];
  };
  if (!trusted) return fail(`tests from ${name} run ${/\.py$/i.test(g.path) ? 'Python' : 'JavaScript'}: only in a trusted workspace (or the CLI)`);
  const got = await generatorValue(g, name);
  if ('error' in got) return fail(got.error);
  const value = got.value;
  if (!Array.isArray(value)) return fail(`tests from ${name} must be a list of test cases, or a function returning one`);
  const local: BankDiagnostic[] = [];
  const cases = value.flatMap((item, index) => {
    const c = normalizeCase(item, { file: g.path, index, baseDir: dirname(config.file), files: options.files }, local);
    return c ? [c] : [];
  });
  // Script vars run when the prompt renders, as for any other test of the config.
  diags.push(...local.filter((d) => d.code !== SCRIPT_VAR_CODE));
  return assignIds(cases, g.path);
}

/** A config's cases, ready to run on each of its prompts. Never throws: problems are diagnostics. */
export async function promptfooCases(config: PromptfooConfig, options: PromptfooCaseOptions): Promise<{ cases: TestCase[]; diagnostics: BankDiagnostic[] }> {
  const diagnostics: BankDiagnostic[] = [];
  let raw = [...config.tests.cases];
  const generators = config.tests.generators ?? [];
  // Inserted from the last, so each generator's index into the cases is still right when its turn comes.
  for (const g of [...generators].reverse().sort((a, b) => b.at - a.at)) raw.splice(g.at, 0, ...(await generatedCases(g, config, options, diagnostics)));
  if (diagnostics.some((d) => d.severity === 'error')) return { cases: [], diagnostics };
  const hasTests = config.hasTests;
  if (!hasTests && config.scenarios.length === 0) raw = assignIds([{ vars: {}, assert: [], source: { file: config.file, index: 0 } }], config.file);
  raw.push(...config.scenarios);
  checkCode(config.tests.defaults.options, { file: config.file, ...(config.defaultTestRange ? { range: config.defaultTestRange } : {}), name: 'defaultTest' }, options.trusted, diagnostics);
  for (const c of raw) checkCode(c.options, { file: c.source.file, ...(c.range ? { range: c.range } : {}), name: c.description ?? 'a test' }, options.trusted, diagnostics);
  if (!options.trusted) {
    checkScripts({ ...config.tests.defaults, file: config.file, name: 'defaultTest' }, diagnostics);
    for (const c of raw) checkScripts({ ...c, file: c.source.file, name: c.description ?? 'a test' }, diagnostics);
  }
  if (diagnostics.some((d) => d.severity === 'error')) return { cases: [], diagnostics };
  const withDefaults = raw.map((c) => applyDefaults(c, config.tests.defaults));

  const transformed: TestCase[] = [];
  for (const c of withDefaults) {
    const code = c.options?.transformVars;
    if (typeof code !== 'string') {
      transformed.push(c);
      continue;
    }
    const r = await runTransform(code, 'vars', c.vars, { prompt: {}, vars: c.vars }, { baseDir: dirname(config.file), trusted: options.trusted });
    if ('error' in r || !isRecord(r.value)) {
      const why = 'error' in r ? r.error : 'transformVars must return an object of vars';
      diagnostics.push(diagnostic(config.file, 'error', 'transform-vars', `${c.description ?? c.id}: ${why}`, c.range));
      continue;
    }
    transformed.push({ ...c, vars: { ...c.vars, ...r.value } });
  }
  return { cases: expandCases(transformed), diagnostics };
}

/** Loads `nunjucksFilters` (each module exports the filter function, as module.exports or default). */
export async function loadNunjucksFilters(config: PromptfooConfig, trusted: boolean): Promise<{ filters?: TemplateFilters; diagnostics: BankDiagnostic[] }> {
  const entries = Object.entries(config.nunjucksFilters);
  if (entries.length === 0) return { diagnostics: [] };
  if (!trusted) return { diagnostics: [diagnostic(config.file, 'error', 'untrusted-code', 'nunjucksFilters run JavaScript: only in a trusted workspace (or the CLI)', undefined)] };
  const filters: TemplateFilters = {};
  const diagnostics: BankDiagnostic[] = [];
  for (const [name, path] of entries) {
    try {
      const mod = loadCommonJs(path);
      const fn = typeof mod === 'function' ? mod : isRecord(mod) && typeof mod[name] === 'function' ? mod[name] : undefined;
      if (typeof fn === 'function') filters[name] = fn as TemplateFilters[string];
      else diagnostics.push(diagnostic(config.file, 'error', 'invalid-filters', `nunjucksFilters.${name}: ${path} must export a function`, undefined));
    } catch (e) {
      diagnostics.push(diagnostic(config.file, 'error', 'invalid-filters', `nunjucksFilters.${name}: cannot load ${path}: ${(e as Error).message.split('\n')[0]}`, undefined));
    }
  }
  return { filters, diagnostics };
}
