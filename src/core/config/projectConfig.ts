// The project config file (`assay.config.yaml`): what the CLI knows instead of VS Code settings —
// endpoints, default models, concurrency, grader models, prices and where history goes. Keys mirror the
// `assay.*` settings so a team can keep one file beside its prompts. Keys never belong here: they come
// from the environment.
import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { parseModelRef } from '../assertions/providerRef';
import { DEFAULT_ASSERTION_LIMITS, type AssertionLimits } from '../assertions/assertionTypes';
import { isRecord } from '../assertions/valueUtils';
import { fileAccess, readTextFile } from '../files/safeFiles';
import { yamlValue } from '../files/yamlLimits';
import { parsePricingOverrides, type PricingOverrides } from '../pricing/pricing';
import { closest } from '../promptFile/didYouMean';
import { parseEndpointSettings } from '../providers/endpointSettings';
import type { ProviderConfig } from '../providers/providerTypes';
import { keyEnvName } from '../providers/sdkProvider';
import type { ModelRef } from '../types';

/** File names looked for, in this order, in the working folder and its parents. */
export const PROJECT_CONFIG_FILES = ['assay.config.yaml', 'assay.config.yml'] as const;

/** History settings of a project. */
export interface HistoryConfig {
  /** `false` turns history off (as `--no-history` does). Default true. */
  enabled: boolean;
  /** Absolute path of the history file, when the config sets one. */
  path?: string;
  /** Extra regular-expression sources redacted before anything is stored. */
  redact: string[];
  maxTraces?: number;
  maxSizeMB?: number;
}

/** A loaded project config; every field but `root`, `endpoints`, `grader`, `pricing` and `history` optional. */
export interface ProjectConfig {
  /** The config file, when one was found. */
  file?: string;
  /** Relative paths (history, `tests`, stored prompt and bank paths) are relative to this folder: the config's, else the working folder. */
  root: string;
  /** Models for prompt files that name none. */
  defaultModels?: ModelRef[];
  /** Endpoints, and overrides of the built-in `openai`/`anthropic` (e.g. a proxy's baseUrl). */
  endpoints: ProviderConfig[];
  /** Model calls in flight at once. */
  concurrency?: number;
  requestTimeoutSeconds?: number;
  /** The most a model server's reply may hold, in MB (after decompression); 32 by default. */
  maxResponseMB?: number;
  grader: { model?: ModelRef; embeddingModel?: ModelRef };
  pricing: PricingOverrides;
  history: HistoryConfig;
  /** Files or globs `assay test` runs when given none. */
  tests?: string[];
  /** Limits on the files Assay reads (`files: { maxSizeMB }`). */
  files: { maxSizeMB?: number };
  /** Time and memory limits of `javascript` and `regex` assertions (defaults filled in). */
  limits: AssertionLimits;
}

/** A mistake in the config file. Errors stop a run (exit 2); warnings are printed. */
export interface ConfigProblem {
  severity: 'error' | 'warning';
  message: string;
}

/** Top-level keys of the config file (docs/cli.md documents each). */
export const PROJECT_CONFIG_KEYS = ['defaultModels', 'endpoints', 'concurrency', 'requestTimeoutSeconds', 'maxResponseMB', 'grader', 'pricing', 'history', 'tests', 'limits', 'files'] as const;
const KEYS = PROJECT_CONFIG_KEYS;
/** Keys of `grader:`. */
export const GRADER_KEYS = ['model', 'embeddingModel'] as const;
/** Keys of `history:`. */
export const HISTORY_KEYS = ['enabled', 'path', 'redact', 'maxTraces', 'maxSizeMB'] as const;
/** Keys of `files:`. */
export const FILES_KEYS = ['maxSizeMB'] as const;
/** Keys of `limits:` (the `assay.limits.*` settings). */
export const LIMITS_KEYS = ['javascriptTimeoutSeconds', 'regexTimeoutSeconds', 'memoryMB'] as const;

/** The default config of a folder without a config file. */
export function emptyProjectConfig(root: string): ProjectConfig {
  return { root, endpoints: [], grader: {}, pricing: {}, history: { enabled: true, redact: [] }, limits: { ...DEFAULT_ASSERTION_LIMITS }, files: {} };
}

function unknownKeys(value: Record<string, unknown>, known: readonly string[], where: string, problems: ConfigProblem[]): void {
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const near = closest(key, known);
    problems.push({ severity: 'warning', message: `${where}unknown key "${key}"${near ? ` (did you mean "${near}"?)` : ''}; it is ignored` });
  }
}

function modelRef(raw: unknown, key: string, problems: ConfigProblem[]): ModelRef | undefined {
  if (typeof raw !== 'string') {
    problems.push({ severity: 'error', message: `${key} must be a model reference like openai:gpt-5.5` });
    return undefined;
  }
  const ref = parseModelRef(raw);
  if ('error' in ref) {
    problems.push({ severity: 'error', message: `${key}: ${ref.error as string}` });
    return undefined;
  }
  return ref;
}

function positiveInteger(raw: unknown, key: string, problems: ConfigProblem[], max = Infinity): number | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 1 || raw > max) {
    problems.push({ severity: 'error', message: `${key} must be a whole number from 1${max < Infinity ? ` to ${max}` : ''}` });
    return undefined;
  }
  return raw;
}

function stringList(raw: unknown, key: string, problems: ConfigProblem[]): string[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  const list = typeof raw === 'string' ? [raw] : raw;
  if (!Array.isArray(list) || !list.every((s) => typeof s === 'string' && s.trim() !== '')) {
    problems.push({ severity: 'error', message: `${key} must be a list of strings` });
    return undefined;
  }
  return list.map((s: string) => s.trim());
}

function readEndpoints(raw: unknown, problems: ConfigProblem[]): ProviderConfig[] {
  if (raw === undefined || raw === null) return [];
  if (Array.isArray(raw)) {
    for (const e of raw) {
      if (!isRecord(e) || !('apiKey' in e || 'key' in e)) continue;
      const name = typeof e.name === 'string' ? e.name.trim().toLowerCase() : 'NAME';
      problems.push({ severity: 'error', message: `endpoint "${name}": keys don't belong in a file you commit; remove it and set ${keyEnvName(name)} in the environment` });
      delete e.apiKey;
      delete e.key;
    }
  }
  const { configs, problems: found } = parseEndpointSettings(raw);
  for (const p of found) problems.push({ severity: 'error', message: p.replace(/^assay\.endpoints/, 'endpoints') });
  return configs;
}

/** Parses config text; `file` locates relative paths and names the file in messages. Never throws. */
export function parseProjectConfig(text: string, file: string): { config: ProjectConfig; problems: ConfigProblem[] } {
  const root = dirname(file);
  const config = emptyProjectConfig(root);
  config.file = file;
  const problems: ConfigProblem[] = [];
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    for (const e of doc.errors) problems.push({ severity: 'error', message: `YAML: ${e.message.split('\n')[0]}` });
    return { config, problems: prefixed(problems, file) };
  }
  const read = yamlValue(doc, text.length);
  if ('bomb' in read) {
    const line = read.bomb.offset === undefined ? '' : `line ${text.slice(0, read.bomb.offset).split('\n').length}: `;
    return { config, problems: prefixed([{ severity: 'error', message: `${line}${read.bomb.message}` }], file) };
  }
  const value = read.value;
  if (value === null || value === undefined) return { config, problems };
  if (!isRecord(value)) return { config, problems: prefixed([{ severity: 'error', message: 'the config must be a mapping of keys (defaultModels, endpoints, grader…)' }], file) };
  unknownKeys(value, KEYS, '', problems);

  if (value.defaultModels !== undefined && value.defaultModels !== null) {
    const list = stringList(value.defaultModels, 'defaultModels', problems);
    if (list) {
      const refs = list.map((m, i) => modelRef(m, `defaultModels[${i}]`, problems));
      if (refs.every((r): r is ModelRef => r !== undefined)) config.defaultModels = refs;
    }
  }
  config.endpoints = readEndpoints(value.endpoints, problems);
  const concurrency = positiveInteger(value.concurrency, 'concurrency', problems, 256);
  if (concurrency !== undefined) config.concurrency = concurrency;
  const timeout = positiveInteger(value.requestTimeoutSeconds, 'requestTimeoutSeconds', problems);
  if (timeout !== undefined) config.requestTimeoutSeconds = timeout;
  const maxResponse = positiveInteger(value.maxResponseMB, 'maxResponseMB', problems, 4096);
  if (maxResponse !== undefined) config.maxResponseMB = maxResponse;

  if (value.grader !== undefined && value.grader !== null) {
    if (!isRecord(value.grader)) problems.push({ severity: 'error', message: 'grader must be a mapping with model and embeddingModel' });
    else {
      unknownKeys(value.grader, GRADER_KEYS, 'grader: ', problems);
      if (value.grader.model !== undefined) config.grader.model = modelRef(value.grader.model, 'grader.model', problems);
      if (value.grader.embeddingModel !== undefined) config.grader.embeddingModel = modelRef(value.grader.embeddingModel, 'grader.embeddingModel', problems);
    }
  }

  const pricing = parsePricingOverrides(value.pricing);
  config.pricing = pricing.overrides;
  for (const p of pricing.problems) problems.push({ severity: 'error', message: p.replace(/^assay\.pricing/, 'pricing') });

  if (value.history !== undefined && value.history !== null) {
    const h = value.history;
    if (h === false) config.history.enabled = false;
    else if (!isRecord(h)) problems.push({ severity: 'error', message: 'history must be a mapping (path, enabled, redact, maxTraces, maxSizeMB) or false' });
    else {
      unknownKeys(h, HISTORY_KEYS, 'history: ', problems);
      if (h.enabled !== undefined) {
        if (typeof h.enabled === 'boolean') config.history.enabled = h.enabled;
        else problems.push({ severity: 'error', message: 'history.enabled must be true or false' });
      }
      if (h.path !== undefined) {
        if (typeof h.path === 'string' && h.path.trim() !== '') config.history.path = isAbsolute(h.path) ? h.path : resolve(root, h.path);
        else problems.push({ severity: 'error', message: 'history.path must be a file path, e.g. .assay/history.sqlite' });
      }
      const redact = stringList(h.redact, 'history.redact', problems) ?? [];
      for (const source of redact) {
        try {
          new RegExp(source);
          config.history.redact.push(source);
        } catch (e) {
          problems.push({ severity: 'error', message: `history.redact: ${JSON.stringify(source)} is not a regular expression (${(e as Error).message})` });
        }
      }
      const maxTraces = positiveInteger(h.maxTraces, 'history.maxTraces', problems);
      if (maxTraces !== undefined) config.history.maxTraces = maxTraces;
      const maxSize = positiveInteger(h.maxSizeMB, 'history.maxSizeMB', problems);
      if (maxSize !== undefined) config.history.maxSizeMB = maxSize;
    }
  }
  if (value.files !== undefined && value.files !== null) {
    if (!isRecord(value.files)) problems.push({ severity: 'error', message: 'files must be a mapping (maxSizeMB)' });
    else {
      unknownKeys(value.files, FILES_KEYS, 'files: ', problems);
      const maxSize = positiveInteger(value.files.maxSizeMB, 'files.maxSizeMB', problems, 4096);
      if (maxSize !== undefined) config.files.maxSizeMB = maxSize;
    }
  }
  const tests = stringList(value.tests, 'tests', problems);
  if (tests) config.tests = tests;
  if (value.limits !== undefined && value.limits !== null) {
    const l = value.limits;
    if (!isRecord(l)) problems.push({ severity: 'error', message: 'limits must be a mapping (javascriptTimeoutSeconds, regexTimeoutSeconds, memoryMB)' });
    else {
      unknownKeys(l, LIMITS_KEYS, 'limits: ', problems);
      const js = positiveInteger(l.javascriptTimeoutSeconds, 'limits.javascriptTimeoutSeconds', problems, 3600);
      if (js !== undefined) config.limits.javascriptTimeoutMs = js * 1000;
      const re = positiveInteger(l.regexTimeoutSeconds, 'limits.regexTimeoutSeconds', problems, 3600);
      if (re !== undefined) config.limits.regexTimeoutMs = re * 1000;
      const mb = positiveInteger(l.memoryMB, 'limits.memoryMB', problems, 16384);
      if (mb !== undefined) config.limits.memoryMb = Math.max(16, mb);
    }
  }
  return { config, problems: prefixed(problems, file) };
}

function prefixed(problems: ConfigProblem[], file: string): ConfigProblem[] {
  return problems.map((p) => ({ ...p, message: `${file}: ${p.message}` }));
}

/**
 * The config file for `startDir`: the first `assay.config.yaml` (or `.yml`) in it or a parent, stopping at
 * the repository root (a folder holding `.git`).
 */
export function findProjectConfig(startDir: string): string | undefined {
  let dir = resolve(startDir);
  for (;;) {
    for (const name of PROJECT_CONFIG_FILES) {
      const candidate = join(dir, name);
      if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir || existsSync(join(dir, '.git'))) return undefined;
    dir = parent;
  }
}

/**
 * Loads the project config: `file` when given (a missing one is an error), else the one `findProjectConfig`
 * finds from `cwd`, else the defaults with `root` = `cwd`. The file must be a regular file of at most
 * `maxSizeMB` (default 20). Never throws.
 */
export function loadProjectConfig(cwd: string, file?: string, maxSizeMB?: number): { config: ProjectConfig; problems: ConfigProblem[] } {
  const path = file !== undefined ? resolve(cwd, file) : findProjectConfig(cwd);
  if (path === undefined) return { config: emptyProjectConfig(resolve(cwd)), problems: [] };
  // The config is the user's own choice (named, or found from where they stand): it may be anywhere.
  const read = readTextFile(path, fileAccess({ roots: [], allowOutside: true, rootLabel: 'project', limitName: '--max-file-size-mb', ...(maxSizeMB !== undefined ? { maxSizeMB } : {}) }));
  if ('error' in read) {
    const message = read.error.code === 'file-not-found' ? `cannot read the config ${path}: no such file` : `the config ${read.error.message}`;
    return { config: emptyProjectConfig(resolve(cwd)), problems: [{ severity: 'error', message }] };
  }
  return parseProjectConfig(read.text, path);
}
