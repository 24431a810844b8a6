// What a test run runs: one prompt, its cases (bank defaults applied) and the models to run them on.
// Builders turn a prompt file, a test bank paired with a prompt file, or a promptfoo config into suites;
// the CLI, CodeLens and the Test Explorer all hand suites to `runTests`.
import { basename, dirname, extname, join, relative, sep } from 'node:path';
import { CORE_SCHEMA, load as loadYaml } from 'js-yaml';
import { formatModelRef } from '../assertions/providerRef';
import { isRecord } from '../assertions/valueUtils';
import { readTextFile, type FileAccess } from '../files/safeFiles';
import { checkExpansion } from '../files/yamlLimits';
import { parsePromptFile } from '../promptFile/parsePromptFile';
import type { PromptDocument } from '../promptFile/promptDocument';
import { renderPrompt, type RenderResult } from '../promptFile/renderPrompt';
import { validatePromptFile } from '../promptFile/validatePromptFile';
import type { ProviderConfig } from '../providers/providerTypes';
import type { TemplateFilters } from '../template/templateRenderer';
import { loadTestBankFile, resolveTests } from '../testBank/loadTestBank';
import { applyDefaults, assignIds, diagnostic, normalizeDefaults } from '../testBank/normalizeCase';
import { loadPromptfooConfig, type PromptfooPrompt, type PromptfooProvider } from '../testBank/promptfooConfig';
import { PromptfooEndpoints, promptfooDefaultGraders, resolvePromptfooGraders } from '../testBank/promptfooTargets';
import type { BankDiagnostic, TestBank, TestCase, TestDefaults } from '../testBank/testBankTypes';
import { casesFromList } from '../testBank/yamlBank';
import { isAllowedPrompt } from '../testBank/promptfooTests';
import type { ModelParams, ModelRef } from '../types';
import { loadNunjucksFilters, promptfooCases } from './promptfooCases';
import type { ShardSpec } from './shard';
import { renderPromptfooFunction, renderPromptfooTemplate, type PromptAffix } from './promptfooPrompt';

/** The prompt a suite renders for each case. */
export interface SuitePrompt {
  /** Shown in reports. */
  label: string;
  /** The file holding it, when there is one. */
  file?: string;
  /** What history stores as the prompt version (the whole file, or the template). */
  content: string;
  /** The prompt's generation parameters; a model target's own parameters override them. */
  params: ModelParams;
  /**
   * Chat messages for one case's variables (with the case's promptfoo `prefix`/`suffix` around the
   * template), or why there are none. Runs template code: trusted input only.
   */
  render(vars: Record<string, unknown>, affix?: PromptAffix, target?: RenderTarget): RenderResult | Promise<RenderResult>;
  /** The rendering depends on the model it is for (a promptfoo prompt function reads `provider`): rendered per case and model. */
  perTarget?: boolean;
}

/** The model a prompt renders for, as promptfoo hands it to a prompt function (`provider.id`, `provider.label`). */
export interface RenderTarget {
  id: string;
  label: string;
}

/** One model a suite runs on. */
export interface ModelTarget {
  ref: ModelRef;
  /** The key in statistics and reports: `provider:model`, or a promptfoo provider's label. */
  label: string;
  /** A promptfoo provider's id as written (a case's `providers` filter matches it or the label). */
  id?: string;
  /** Parameters over the prompt's (a promptfoo provider's `config`). */
  params?: ModelParams;
  stream?: boolean;
  /** Price calls as this model (an endpoint of Assay's own naming that is the official API with another key). */
  priceAs?: ModelRef;
}

/** A prompt, its cases and its models. */
export interface TestSuite {
  /** Shown in reports: the file's path relative to the project, plus the prompt label for promptfoo configs with several prompts. */
  name: string;
  /** Recorded with the run (project-relative, `/` separators, or a label). */
  promptPath: string | null;
  /** The bank's identity: a run is compared with the previous run of the same bank (and prompt). */
  bankPath: string | null;
  prompt: SuitePrompt;
  /** Cases with their bank's defaults applied. */
  cases: TestCase[];
  models: ModelTarget[];
  /** Endpoints the suite's own configuration defines (a promptfoo provider's `apiBaseUrl` or key); add them to the registry. */
  endpoints: ProviderConfig[];
  /** Folder relative `file://` references in assertions resolve against. */
  baseDir: string;
  /** Problems found loading the suite; with an error among them it should not run. */
  diagnostics: BankDiagnostic[];
  /** promptfoo's `derivedMetrics`: named expressions over the metric scores, computed per model after the run. */
  derivedMetrics?: { name: string; value: string }[];
  /** Environment variables the suite's own configuration sets for its run (a promptfoo config's `env`), over the process's. */
  env?: Record<string, string>;
  /** A shard's suite (`assay test --shard`): each case's position in the whole suite, in `cases` order. */
  caseIndices?: number[];
  /** A shard's suite: which shard, and the whole suite's case count and fingerprint (see shard.ts). */
  shard?: ShardSpec & { cases: number; fingerprint: string };
  /**
   * Suites with the same scope compare their outputs of a case together (`select-best`, `max-score`): the
   * prompts of one promptfoo config, as promptfoo compares every prompt × provider. Default: the suite's name.
   */
  comparisonScope?: string;
}

/** Options shared by the builders. */
export interface SuiteOptions {
  /** Project root: stored paths are relative to it. */
  root: string;
  /** Models for prompts that name none. */
  defaultModels: ModelRef[];
  /** Whether workspace code may run while loading (promptfoo's `transformVars`, `nunjucksFilters`): the CLI, a trusted workspace. */
  trusted?: boolean;
  /** The environment promptfoo configs resolve endpoints and key variables against (the CLI's `process.env`). */
  env?: Record<string, string | undefined>;
  /**
   * The user chose the graders for this run (ASSAY_GRADER_MODEL, the project config's `grader`): promptfoo
   * configs use them too. Otherwise a promptfoo config is graded by promptfoo's own defaults.
   */
  graderChosen?: { text: boolean; embedding: boolean };
  /** What loading the suite may read (prompt files, banks, `file://` values). */
  files: FileAccess;
}

/** `path` relative to `root` with `/` separators (the absolute path when outside it). */
export function projectPath(root: string, path: string): string {
  const rel = relative(root, path);
  return (rel === '' || rel.startsWith('..') ? path : rel).split(sep).join('/');
}

function targetOf(ref: ModelRef): ModelTarget {
  return { ref, label: formatModelRef(ref) };
}

/** A `.prompt`/`.prompty` document as a suite prompt. */
export function promptFilePrompt(doc: PromptDocument, label: string, files?: FileAccess): SuitePrompt {
  return {
    label,
    ...(doc.path ? { file: doc.path } : {}),
    content: doc.text,
    params: doc.params,
    render: (vars, affix) =>
      affix?.prefix || affix?.suffix ? { error: { message: `a test's prefix and suffix apply to promptfoo text prompts, not to ${label}` } } : renderPrompt(doc, vars, files ? { files } : {}),
  };
}

function promptDiagnostics(doc: PromptDocument, file: string): BankDiagnostic[] {
  return validatePromptFile(doc)
    .filter((d) => d.severity === 'error')
    .map((d) => ({ ...d, file }));
}

function readText(path: string, files: FileAccess): { text: string } | { error: BankDiagnostic } {
  const read = readTextFile(path, files);
  if (!('error' in read)) return { text: read.text };
  const message = read.error.code === 'file-not-found' ? `cannot read ${path}: no such file` : read.error.message;
  return { error: diagnostic(path, 'error', read.error.code, message, undefined) };
}

function emptySuite(name: string, file: string, diagnostics: BankDiagnostic[]): TestSuite {
  return {
    name,
    promptPath: null,
    bankPath: null,
    prompt: { label: name, content: '', params: {}, render: () => ({ error: { message: 'the suite did not load' } }) },
    cases: [],
    models: [],
    endpoints: [],
    baseDir: dirname(file),
    diagnostics,
  };
}

/** A prompt file and the cases its `tests:` names (inline, or files). */
export function promptFileSuite(path: string, options: SuiteOptions): TestSuite {
  const name = projectPath(options.root, path);
  const read = readText(path, options.files);
  if ('error' in read) return emptySuite(name, path, [read.error]);
  const doc = parsePromptFile(read.text, { path });
  const bank = resolveTests(doc.tests?.value, dirname(path), { file: path, files: options.files, ...(doc.tests ? { range: doc.tests.range } : {}) });
  return {
    name,
    promptPath: name,
    bankPath: name,
    prompt: promptFilePrompt(doc, name, options.files),
    cases: bank.cases,
    models: (doc.models.length > 0 ? doc.models.map((m) => m.ref) : options.defaultModels).map(targetOf),
    endpoints: [],
    baseDir: dirname(path),
    diagnostics: [...promptDiagnostics(doc, path), ...bank.diagnostics],
  };
}

/** Prompt files a test bank pairs with: `triage.tests.yaml` and `triage.csv` go with `triage.prompt` (or `.prompty`) beside them. */
export function pairedPromptFiles(bankPath: string): string[] {
  const base = basename(bankPath, extname(bankPath)).replace(/\.tests?$/i, '');
  return ['.prompt', '.prompty'].map((ext) => join(dirname(bankPath), base + ext));
}

const BANK_KEYS = new Set(['tests', 'defaults', 'defaultTest', 'description']);

/**
 * `loadTestBankFile` for a run, where cases need values but no positions. A YAML or JSON bank is read with
 * js-yaml's YAML 1.2 core schema (an order of magnitude faster than the positional parser on a bank of
 * thousands of cases); anything unusual — a syntax error, a duplicate key, a problem in a case — reads
 * the file again with `loadTestBankFile`, so diagnostics are the same as the editor's. Cases carry no `range`.
 */
export function loadBankForRun(path: string, files: FileAccess): TestBank {
  if (!/\.(ya?ml|json)$/i.test(path)) return loadTestBankFile(path, files);
  const read = readTextFile(path, files);
  if ('error' in read) return loadTestBankFile(path, files);
  let value: unknown;
  try {
    value = loadYaml(read.text, { schema: CORE_SCHEMA, filename: path });
  } catch {
    return loadTestBankFile(path, files);
  }
  // js-yaml shares aliased values without limit: an alias bomb reads again with the positional parser, which reports it.
  if (read.text.includes('*') && checkExpansion(value, read.text.length)) return loadTestBankFile(path, files);
  const baseDir = dirname(path);
  const diagnostics: BankDiagnostic[] = [];
  let list: unknown[];
  let defaults: TestDefaults = {};
  if (Array.isArray(value)) list = value;
  else if (isRecord(value) && Object.keys(value).every((k) => BANK_KEYS.has(k)) && Array.isArray(value.tests) && !('defaults' in value && 'defaultTest' in value)) {
    list = value.tests;
    defaults = normalizeDefaults(value.defaults ?? value.defaultTest, { file: path, index: -1, baseDir, files }, diagnostics);
  } else return loadTestBankFile(path, files);
  const cases = casesFromList(list, [], undefined, path, baseDir, files, diagnostics);
  if (diagnostics.length > 0) return loadTestBankFile(path, files);
  return { cases: assignIds(cases, path), defaults, diagnostics, file: path };
}

/** A test bank file run against `promptPath` (the bank's `defaults` applied; the prompt's own `tests:` ignored). */
export function bankFileSuite(bankPath: string, promptPath: string, options: SuiteOptions): TestSuite {
  const name = projectPath(options.root, bankPath);
  const read = readText(promptPath, options.files);
  if ('error' in read) return emptySuite(name, bankPath, [read.error]);
  const doc = parsePromptFile(read.text, { path: promptPath });
  const bank = loadBankForRun(bankPath, options.files);
  const promptName = projectPath(options.root, promptPath);
  return {
    name,
    promptPath: promptName,
    bankPath: name,
    prompt: promptFilePrompt(doc, promptName, options.files),
    cases: bank.cases.map((c) => applyDefaults(c, bank.defaults)),
    models: (doc.models.length > 0 ? doc.models.map((m) => m.ref) : options.defaultModels).map(targetOf),
    endpoints: [],
    baseDir: dirname(bankPath),
    diagnostics: [...promptDiagnostics(doc, promptPath), ...bank.diagnostics],
  };
}

/** A promptfoo prompt as a suite prompt, rendered as promptfoo renders it (see `readRenderedPrompt`). */
export function promptfooPrompt(p: PromptfooPrompt, files: FileAccess, filters?: TemplateFilters, trusted = false, configFile = p.file!): SuitePrompt | { error: BankDiagnostic } {
  if (p.kind === 'function') {
    if (!trusted) return { error: diagnostic(configFile, 'error', 'untrusted-code', `the prompt function ${p.label} runs ${/\.py$/i.test(p.file!) ? 'Python' : 'JavaScript'}: only in a trusted workspace (or the CLI)`, p.range) };
    const read = readText(p.file!, files);
    if ('error' in read) return read;
    return { label: p.label, file: p.file!, content: read.text, params: {}, render: renderPromptfooFunction(p), perTarget: true };
  }
  if (p.kind === 'promptFile') {
    const read = readText(p.file!, files);
    if ('error' in read) return read;
    const doc = parsePromptFile(read.text, { path: p.file! });
    const problem = promptDiagnostics(doc, p.file!)[0];
    if (problem) return { error: problem };
    return promptFilePrompt(doc, p.label, files);
  }
  return {
    label: p.label,
    ...(p.file ? { file: p.file } : {}),
    content: p.template ?? '',
    params: {},
    render: renderPromptfooTemplate(p, filters),
  };
}

/** A model target with the endpoint facts `--list` prints. */
export interface PromptfooModelTarget extends ModelTarget {
  /** The id as the config writes it. */
  id: string;
  /** Base URL the calls go to (none: the provider's default). */
  baseUrl?: string;
  /** Where that base URL came from: `config`, a variable's name, or `default`. */
  baseUrlFrom: string;
  /** Variables that may hold the key, in order; empty for a keyless server. */
  keyEnv: string[];
  /** The key is written in the config. */
  inlineKey: boolean;
}

function matchesPrompt(ref: string, p: PromptfooPrompt): boolean {
  if (ref === p.label) return true;
  // promptfoo also matches a label prefix written with a trailing `*`.
  return ref.endsWith('*') && p.label.startsWith(ref.slice(0, -1));
}

/**
 * A promptfoo config as suites, one per prompt, each with every test and every provider that runs that
 * prompt (a provider's `prompts:` limits it). Suite names carry the prompt label when the config has
 * several prompts. Providers, graders and their endpoints are resolved against `options.env` (the
 * process environment in the CLI) as promptfoo resolves them.
 */
export async function promptfooSuites(path: string, options: SuiteOptions): Promise<TestSuite[]> {
  const name = projectPath(options.root, path);
  const config = loadPromptfooConfig(path, options.files);
  const configProblems = [...config.diagnostics, ...config.tests.diagnostics];
  if (config.prompts.length === 0) {
    const problems = configProblems.some((d) => d.severity === 'error') ? configProblems : [...configProblems, diagnostic(path, 'error', 'missing-key', 'the config has no prompts', undefined)];
    return [emptySuite(name, path, problems)];
  }
  const trusted = options.trusted === true;
  const built = configProblems.some((d) => d.severity === 'error') ? { cases: [], diagnostics: [] } : await promptfooCases(config, { trusted, files: options.files });
  const loadedFilters = await loadNunjucksFilters(config, trusted);
  configProblems.push(...built.diagnostics, ...loadedFilters.diagnostics);
  // A config's own `env:` wins over the process's, as in promptfoo.
  const env = { ...options.env, ...config.env };
  const endpoints = new PromptfooEndpoints(env);
  const targets: { provider: PromptfooProvider; target: PromptfooModelTarget }[] = [];
  for (const p of config.providers) {
    const t = endpoints.target(p);
    if ('error' in t) {
      configProblems.push(diagnostic(path, 'error', 'invalid-provider', t.error, p.range));
      continue;
    }
    const target: PromptfooModelTarget = {
      ref: t.ref,
      label: t.label,
      params: t.params,
      id: p.id,
      baseUrlFrom: t.endpoint.baseUrlFrom,
      keyEnv: t.endpoint.keyEnv,
      inlineKey: p.apiKey !== undefined,
    };
    if (t.stream !== undefined) target.stream = t.stream;
    if (t.priceAs) target.priceAs = t.priceAs;
    if (t.endpoint.baseUrl !== undefined) target.baseUrl = t.endpoint.baseUrl;
    targets.push({ provider: p, target });
    for (const ref of p.prompts ?? []) {
      if (!config.prompts.some((q) => matchesPrompt(ref, q))) {
        configProblems.push(diagnostic(path, 'error', 'invalid-provider', `${p.label}: prompts names "${ref}", which is no prompt's label (${config.prompts.map((q) => q.label).join(', ')})`, p.range));
      }
    }
  }
  // promptfooCases has applied defaultTest already; the graders of each case are resolved as promptfoo would.
  const pf = promptfooDefaultGraders(env);
  const defaultGraders = { ...(options.graderChosen?.text ? {} : { text: pf.text }), ...(options.graderChosen?.embedding ? {} : { embedding: pf.embedding }) };
  const where = { file: path, baseDir: dirname(path), files: options.files, defaultGraders };
  const allCases = resolvePromptfooGraders(built.cases, config.tests.defaults, endpoints, where, configProblems);
  const several = config.prompts.length > 1;
  const extras = {
    ...(Object.keys(config.env).length > 0 ? { env: config.env } : {}),
    ...(config.derivedMetrics.length > 0 ? { derivedMetrics: config.derivedMetrics } : {}),
  };
  const suites: TestSuite[] = [];
  for (const p of config.prompts) {
    const prompt = promptfooPrompt(p, options.files, loadedFilters.filters, trusted, path);
    const suiteName = several ? `${name} › ${p.label}` : name;
    const promptPath = p.file && p.kind === 'promptFile' ? projectPath(options.root, p.file) : `${name}#${p.label}`;
    if ('error' in prompt) {
      suites.push(emptySuite(suiteName, path, [prompt.error]));
      continue;
    }
    // No providers is an error already reported; no default model ever stands in for the config's.
    const suiteModels = targets.filter(({ provider }) => !provider.prompts || provider.prompts.some((ref) => matchesPrompt(ref, p))).map(({ target }) => target);
    const cases = allCases.filter((c) => isAllowedPrompt(p.label, c.prompts));
    // A prompt that no provider runs, or that no case runs with, pairs with nothing, as in promptfoo.
    if (built.cases.length > 0 && (suiteModels.length === 0 || cases.length === 0)) continue;
    suites.push({ name: suiteName, promptPath, bankPath: name, prompt, cases, models: suiteModels, endpoints: endpoints.list(), baseDir: dirname(path), diagnostics: [], comparisonScope: name, ...extras });
  }
  // Config-level problems are reported once, with the first suite.
  if (suites.length === 0) suites.push(emptySuite(name, path, []));
  suites[0]!.diagnostics.unshift(...configProblems);
  return suites;
}
