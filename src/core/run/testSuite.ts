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
import { renderTemplate } from '../template/templateRenderer';
import { loadTestBankFile, resolveTests } from '../testBank/loadTestBank';
import { applyDefaults, assignIds, diagnostic, normalizeDefaults } from '../testBank/normalizeCase';
import { loadPromptfooConfig, type PromptfooPrompt, type PromptfooProvider } from '../testBank/promptfooConfig';
import type { BankDiagnostic, TestBank, TestCase, TestDefaults } from '../testBank/testBankTypes';
import { casesFromList } from '../testBank/yamlBank';
import type { ChatMessage, ModelParams, ModelRef } from '../types';

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
  /** Chat messages for one case's variables, or why there are none. Runs template code: trusted input only. */
  render(vars: Record<string, unknown>): RenderResult;
}

/** One model a suite runs on. */
export interface ModelTarget {
  ref: ModelRef;
  /** The key in statistics and reports: `provider:model`, or a promptfoo provider's label. */
  label: string;
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
}

/** Options shared by the builders. */
export interface SuiteOptions {
  /** Project root: stored paths are relative to it. */
  root: string;
  /** Models for prompts that name none. */
  defaultModels: ModelRef[];
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
export function promptFilePrompt(doc: PromptDocument, label: string): SuitePrompt {
  return {
    label,
    ...(doc.path ? { file: doc.path } : {}),
    content: doc.text,
    params: doc.params,
    render: (vars) => renderPrompt(doc, vars),
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
    prompt: promptFilePrompt(doc, name),
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
    prompt: promptFilePrompt(doc, promptName),
    cases: bank.cases.map((c) => applyDefaults(c, bank.defaults)),
    models: (doc.models.length > 0 ? doc.models.map((m) => m.ref) : options.defaultModels).map(targetOf),
    endpoints: [],
    baseDir: dirname(bankPath),
    diagnostics: [...promptDiagnostics(doc, promptPath), ...bank.diagnostics],
  };
}

function isChatMessage(m: unknown): m is ChatMessage {
  return isRecord(m) && typeof m.role === 'string' && ['system', 'user', 'assistant', 'tool'].includes(m.role) && typeof m.content === 'string';
}

/** A promptfoo prompt as a suite prompt: text becomes one user message; a chat prompt renders to a JSON list of messages. */
export function promptfooPrompt(p: PromptfooPrompt, files: FileAccess): SuitePrompt | { error: BankDiagnostic } {
  if (p.kind === 'promptFile') {
    const read = readText(p.file!, files);
    if ('error' in read) return read;
    const doc = parsePromptFile(read.text, { path: p.file! });
    const problem = promptDiagnostics(doc, p.file!)[0];
    if (problem) return { error: problem };
    return promptFilePrompt(doc, p.label);
  }
  const template = p.template ?? '';
  return {
    label: p.label,
    ...(p.file ? { file: p.file } : {}),
    content: template,
    params: {},
    render(vars) {
      const r = renderTemplate(template, vars);
      if ('error' in r) return { error: { message: `prompt "${p.label}": ${r.error.message}` } };
      if (p.kind === 'text') return { messages: [{ role: 'user', content: r.text }] };
      let list: unknown;
      try {
        list = JSON.parse(r.text);
      } catch (e) {
        return { error: { message: `prompt "${p.label}" did not render to a JSON list of messages: ${(e as Error).message}` } };
      }
      if (!Array.isArray(list) || !list.every(isChatMessage)) return { error: { message: `prompt "${p.label}" must render to a list of { role, content } messages` } };
      return { messages: list };
    },
  };
}

const OFFICIAL: Record<string, ProviderConfig['kind']> = { openai: 'openai', anthropic: 'anthropic' };

/**
 * The model target of a promptfoo provider. A provider with its own `apiBaseUrl`, `apiKey` or
 * `apiKeyEnvar` gets an endpoint of its own (named `<provider>~<n>`), so those settings reach only its
 * calls: a custom base URL receives only a key from the same config, never `OPENAI_API_KEY` by default.
 */
function promptfooTarget(p: PromptfooProvider, endpoints: Map<string, ProviderConfig>): ModelTarget {
  const target: ModelTarget = { ref: p.model, label: p.label, params: p.params };
  if (p.stream !== undefined) target.stream = p.stream;
  if (p.endpoint) {
    // A custom provider (http, exec:, script, echo): an endpoint of its own per distinct id and config.
    const identity = JSON.stringify(['custom', p.endpoint]);
    let config = endpoints.get(identity);
    if (!config) {
      config = { ...p.endpoint, name: `${p.endpoint.kind}~${endpoints.size + 1}` };
      endpoints.set(identity, config);
    }
    target.ref = { provider: config.name, model: p.model.model };
    return target;
  }
  if (p.apiBaseUrl === undefined && p.apiKey === undefined && p.apiKeyEnvVar === undefined) return target;
  const official = OFFICIAL[p.model.provider];
  const kind: ProviderConfig['kind'] = p.apiBaseUrl === undefined ? (official ?? 'openai-compatible') : official === 'anthropic' ? 'anthropic' : 'openai-compatible';
  const identity = JSON.stringify([p.model.provider, kind, p.apiBaseUrl ?? null, p.apiKeyEnvVar ?? null, p.apiKey ?? null]);
  let config = endpoints.get(identity);
  if (!config) {
    config = { name: `${p.model.provider}~${endpoints.size + 1}`, kind };
    if (p.apiBaseUrl !== undefined) config.baseUrl = p.apiBaseUrl.replace(/\/+$/, '');
    if (p.apiKeyEnvVar !== undefined) config.apiKeySecret = p.apiKeyEnvVar;
    // Not enumerable, like on the promptfoo provider: serialising the config leaves the key out.
    if (p.apiKey !== undefined) Object.defineProperty(config, 'apiKey', { value: p.apiKey, enumerable: false });
    endpoints.set(identity, config);
  }
  target.ref = { provider: config.name, model: p.model.model };
  if (official && p.apiBaseUrl === undefined) target.priceAs = p.model;
  return target;
}

/**
 * A promptfoo config as suites, one per prompt, each with every test and every provider. Suite names
 * carry the prompt label when the config has several prompts.
 */
export function promptfooSuites(path: string, options: SuiteOptions): TestSuite[] {
  const name = projectPath(options.root, path);
  const config = loadPromptfooConfig(path, options.files);
  const configProblems = [...config.diagnostics, ...config.tests.diagnostics];
  if (config.prompts.length === 0) {
    const problems = configProblems.some((d) => d.severity === 'error') ? configProblems : [...configProblems, diagnostic(path, 'error', 'missing-key', 'the config has no prompts', undefined)];
    return [emptySuite(name, path, problems)];
  }
  const endpoints = new Map<string, ProviderConfig>();
  const models = config.providers.length > 0 ? config.providers.map((p) => promptfooTarget(p, endpoints)) : options.defaultModels.map(targetOf);
  const cases = config.tests.cases.map((c) => applyDefaults(c, config.tests.defaults));
  const several = config.prompts.length > 1;
  return config.prompts.map((p, i) => {
    const prompt = promptfooPrompt(p, options.files);
    const suiteName = several ? `${name} › ${p.label}` : name;
    const promptPath = p.file && p.kind === 'promptFile' ? projectPath(options.root, p.file) : `${name}#${p.label}`;
    if ('error' in prompt) return emptySuite(suiteName, path, [prompt.error]);
    return {
      name: suiteName,
      promptPath,
      bankPath: name,
      prompt,
      cases,
      models,
      endpoints: [...endpoints.values()],
      baseDir: dirname(path),
      // Config-level problems are reported once, with the first prompt.
      diagnostics: i === 0 ? configProblems : [],
    };
  });
}
