// A promptfoo config (`promptfooconfig.yaml`) read as it is: prompts, providers, tests and defaultTest
// normalised into Assay's model, so a team can switch without rewriting its suites.
import { basename, dirname, extname, isAbsolute, relative, resolve } from 'node:path';
import { isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml';
import { parseModelRef } from '../assertions/providerRef';
import { isRecord } from '../assertions/valueUtils';
import { customProviderConfig } from '../providers/customProviderSpec';
import type { ProviderConfig } from '../providers/providerTypes';
import type { ModelParams, ModelRef, Range } from '../types';
import { expandGlobConfined, readTextFile, type FileAccess } from '../files/safeFiles';
import { parseYamlLimited, yamlValue } from '../files/yamlLimits';
import { mergeDefaults, resolveTests } from './loadTestBank';
import { diagnostic, normalizeDefaults } from './normalizeCase';
import { positionsOf, rangeOf, type PositionAt } from './positions';
import type { BankDiagnostic, TestBank, TestDefaults } from './testBankTypes';

/** A prompt of the config. */
export interface PromptfooPrompt {
  /** As promptfoo shows it: the `label`, else the file path (with `#n` for one of several prompts in a file), else the text. */
  label: string;
  /**
   * `text`: a Nunjucks template rendered into one user message. `chat`: a template that renders to a JSON
   * list of `{role, content}` messages (promptfoo's chat format). `promptFile`: a `.prompt`/`.prompty` file
   * for core/promptFile to parse (`template` unset).
   */
  kind: 'text' | 'chat' | 'promptFile';
  template?: string;
  /** Absolute path when the prompt comes from a file. */
  file?: string;
  /** Where the prompt is written in the config. */
  range?: Range;
}

/** A provider of the config, normalised. */
export interface PromptfooProvider {
  /** The id as written, e.g. `openai:chat:gpt-4o-mini`. */
  id: string;
  label: string;
  model: ModelRef;
  /** Generation parameters from `config` (temperature, max_tokens, top_p, stop, seed, response_format, tools, tool_choice). */
  params: ModelParams;
  /** `config.apiBaseUrl` (or `apiHost`): a workspace-chosen endpoint. Send it only a key that came from this same config. */
  apiBaseUrl?: string;
  /** `config.apiKeyEnvar`: the environment variable holding the key. */
  apiKeyEnvVar?: string;
  /** `config.stream`: stream the answer (time to first token is measured). */
  stream?: boolean;
  /** For promptfoo's custom providers (http, exec:, file:// scripts, echo): the endpoint that runs them. */
  endpoint?: Omit<ProviderConfig, 'name'>;
  /** `config.apiKey` written in the config itself. A secret: non-enumerable, so serialising the provider leaves it out. */
  apiKey?: string;
  range?: Range;
}

/** A loaded promptfoo config. Problems are in `diagnostics` (and in `tests.diagnostics` for test files). */
export interface PromptfooConfig {
  file: string;
  description?: string;
  prompts: PromptfooPrompt[];
  providers: PromptfooProvider[];
  /** Cases from every test source; `tests.defaults` is `defaultTest` (plus `evaluateOptions.repeat`). */
  tests: TestBank;
  diagnostics: BankDiagnostic[];
}

const TOP_KEYS = new Set(['description', 'prompts', 'providers', 'tests', 'defaultTest', 'evaluateOptions']);
/** Keys that only steer promptfoo's own CLI, web viewer or sharing: nothing to do, nothing to warn about. */
const QUIET_KEYS = new Set(['outputPath', 'sharing', 'env', 'commandLineOptions', 'metadata', 'tags', 'writeLatestResults', '$schema', 'tracing']);
const PARAM_KEYS = ['temperature', 'max_tokens', 'top_p', 'stop', 'seed', 'response_format', 'tools', 'tool_choice'] as const;
const CONFIG_KEYS = new Set<string>([...PARAM_KEYS, 'apiBaseUrl', 'apiHost', 'apiKey', 'apiKeyEnvar', 'stream']);

interface Ctx {
  file: string;
  baseDir: string;
  positionAt: PositionAt;
  diags: BankDiagnostic[];
  files: FileAccess;
}

function rangeOfNode(node: unknown, ctx: Ctx): Range | undefined {
  const r = (node as { range?: [number, number, number] } | undefined)?.range;
  return r ? rangeOf(ctx.positionAt, r[0], r[1]) : undefined;
}

function childNode(map: unknown, key: string): Node | undefined {
  if (!isMap(map)) return undefined;
  const pair = map.items.find((p) => isScalar(p.key) && p.key.value === key);
  return (pair?.value ?? undefined) as Node | undefined;
}

function itemNodes(node: unknown): unknown[] {
  return isSeq(node) ? node.items : [];
}

const clipLabel = (s: string) => (s.length > 60 ? `${s.slice(0, 59)}…` : s).replace(/\s+/g, ' ');

function isChatJson(text: string): boolean {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) && v.length > 0 && v.every((m) => isRecord(m) && typeof m.role === 'string');
  } catch {
    return false;
  }
}

/** Prompts from one file: text split on `---` lines, JSON/YAML chat lists, `.prompt`/`.prompty` files. */
function promptsFromFile(abs: string, label: string | undefined, range: Range | undefined, ctx: Ctx): PromptfooPrompt[] {
  const rel = relative(ctx.baseDir, abs) || basename(abs);
  const ext = extname(abs).toLowerCase();
  if (ext === '.prompt' || ext === '.prompty') return [{ label: label ?? rel, kind: 'promptFile', file: abs, range }];
  if (['.js', '.cjs', '.mjs', '.ts', '.py'].includes(ext)) {
    ctx.diags.push(diagnostic(ctx.file, 'error', 'unsupported', `prompt functions (${rel}) are not supported: use a text, JSON, YAML or .prompt file`, range));
    return [];
  }
  const read = readTextFile(abs, ctx.files, rel);
  if ('error' in read) {
    const missing = read.error.code === 'file-not-found';
    ctx.diags.push(diagnostic(ctx.file, 'error', read.error.code, missing ? `prompt file not found: ${rel}` : `prompts: ${read.error.message}`, range));
    return [];
  }
  const text = read.text;
  if (ext === '.json') return [{ label: label ?? rel, kind: isChatJson(text) ? 'chat' : 'text', template: text, file: abs, range }];
  if (ext === '.yaml' || ext === '.yml') {
    const parsed = parseYamlLimited(text);
    if ('error' in parsed) {
      ctx.diags.push(diagnostic(ctx.file, 'error', 'yaml-syntax', `${rel}: ${parsed.error}`, range));
      return [];
    }
    if (Array.isArray(parsed.value)) return [{ label: label ?? rel, kind: 'chat', template: JSON.stringify(parsed.value), file: abs, range }];
  }
  const parts = text.split(/^---\s*$/m).map((p) => p.trim()).filter((p) => p !== '');
  return parts.map((p, i) => ({
    label: label ?? (parts.length > 1 ? `${rel}#${i + 1}` : rel),
    kind: isChatJson(p) ? ('chat' as const) : ('text' as const),
    template: p,
    file: abs,
    range,
  }));
}

function promptFromString(s: string, label: string | undefined, range: Range | undefined, ctx: Ctx): PromptfooPrompt[] {
  if (s.startsWith('file://')) {
    // `file://prompts.py:make_prompt` names a function in a script: find the file to report it unsupported.
    const pattern = s.slice('file://'.length).replace(/(\.(?:m?js|cjs|py|ts)):[A-Za-z_$][\w$]*$/, '$1');
    const expanded = expandGlobConfined(pattern, ctx.baseDir, ctx.files);
    if ('error' in expanded) {
      ctx.diags.push(diagnostic(ctx.file, expanded.error.code === 'restricted' ? 'info' : 'error', expanded.error.code, `prompts: ${expanded.error.message}`, range));
      return [];
    }
    const files = expanded.files;
    if (files.length === 0) ctx.diags.push(diagnostic(ctx.file, 'warning', 'file-not-found', `no prompt file matches ${s}`, range));
    return files.flatMap((f) => promptsFromFile(f, files.length === 1 ? label : undefined, range, ctx));
  }
  return [{ label: label ?? clipLabel(s), kind: isChatJson(s) ? 'chat' : 'text', template: s, range }];
}

function loadPrompts(raw: unknown, node: unknown, ctx: Ctx): PromptfooPrompt[] {
  if (raw === undefined || raw === null) {
    ctx.diags.push(diagnostic(ctx.file, 'error', 'missing-key', 'the config has no prompts', undefined));
    return [];
  }
  if (typeof raw === 'string') return promptFromString(raw, undefined, rangeOfNode(node, ctx), ctx);
  if (isRecord(raw)) {
    // promptfoo's map form: { "file://a.txt": "label" }
    return Object.entries(raw).flatMap(([path, label]) => promptFromString(path, typeof label === 'string' ? label : undefined, rangeOfNode(node, ctx), ctx));
  }
  if (!Array.isArray(raw)) {
    ctx.diags.push(diagnostic(ctx.file, 'error', 'invalid-prompts', 'prompts must be a list', rangeOfNode(node, ctx)));
    return [];
  }
  const nodes = itemNodes(node);
  return raw.flatMap((p, i) => {
    const range = rangeOfNode(nodes[i], ctx);
    if (typeof p === 'string') return promptFromString(p, undefined, range, ctx);
    if (isRecord(p)) {
      const label = typeof p.label === 'string' ? p.label : undefined;
      if (typeof p.raw === 'string') return promptFromString(p.raw, label ?? (typeof p.id === 'string' ? p.id : undefined), range, ctx);
      if (typeof p.id === 'string') return promptFromString(p.id, label, range, ctx);
    }
    ctx.diags.push(diagnostic(ctx.file, 'error', 'invalid-prompts', 'a prompt must be text, file://path, or { id | raw, label }', range));
    return [];
  });
}

function providerFrom(id: string, label: string | undefined, config: unknown, range: Range | undefined, ctx: Ctx): PromptfooProvider | undefined {
  // http(s), exec:, file:// scripts and echo: src/core/providers/customProviderSpec.ts.
  const custom = customProviderConfig(id, config, ctx.baseDir);
  if (custom && 'error' in custom) {
    ctx.diags.push(diagnostic(ctx.file, 'error', 'invalid-provider', custom.error, range));
    return undefined;
  }
  if (custom) return { id, label: label ?? id, model: { provider: custom.config.kind, model: custom.model }, params: {}, endpoint: custom.config, range };
  if (/^(golang|ws|wss|script):/.test(id)) {
    ctx.diags.push(diagnostic(ctx.file, 'error', 'unsupported', `provider "${id}" is not supported: use http(s), exec:, or a file:// JavaScript, TypeScript or Python provider`, range));
    return undefined;
  }
  const model = id === 'echo' ? { provider: 'echo', model: 'echo' } : parseModelRef(id);
  if ('error' in model) {
    ctx.diags.push(diagnostic(ctx.file, 'error', 'invalid-provider', model.error as string, range));
    return undefined;
  }
  const provider: PromptfooProvider = { id, label: label ?? id, model: model as ModelRef, params: {}, range };
  if (config !== undefined && !isRecord(config)) {
    ctx.diags.push(diagnostic(ctx.file, 'error', 'invalid-provider', `config of ${id} must be a mapping`, range));
    return provider;
  }
  const c = (config ?? {}) as Record<string, unknown>;
  const params = provider.params as Record<string, unknown>;
  for (const key of PARAM_KEYS) if (c[key] !== undefined) params[key] = key === 'stop' && typeof c.stop === 'string' ? [c.stop] : c[key];
  const base = c.apiBaseUrl ?? c.apiHost;
  if (typeof base === 'string') provider.apiBaseUrl = c.apiBaseUrl === undefined && !/^https?:\/\//.test(base) ? `https://${base}` : base;
  if (typeof c.apiKeyEnvar === 'string') provider.apiKeyEnvVar = c.apiKeyEnvar;
  if (typeof c.stream === 'boolean') provider.stream = c.stream;
  if (typeof c.apiKey === 'string' && c.apiKey !== '') {
    // Not enumerable: JSON.stringify, logging and structured clones (webviews, workers) leave it out.
    Object.defineProperty(provider, 'apiKey', { value: c.apiKey, enumerable: false, writable: false });
    ctx.diags.push(diagnostic(ctx.file, 'warning', 'inline-api-key', `${id} has an API key written in the config; prefer an environment variable (apiKeyEnvar)`, range));
  }
  const ignored = Object.keys(c).filter((k) => !CONFIG_KEYS.has(k));
  if (ignored.length > 0) ctx.diags.push(diagnostic(ctx.file, 'info', 'unsupported', `${id}: config ${ignored.join(', ')} not used by Assay`, range));
  return provider;
}

function loadProviders(raw: unknown, node: unknown, ctx: Ctx): PromptfooProvider[] {
  if (raw === undefined || raw === null) {
    ctx.diags.push(diagnostic(ctx.file, 'error', 'missing-key', 'the config has no providers', undefined));
    return [];
  }
  const list = Array.isArray(raw) ? raw : [raw];
  const nodes = Array.isArray(raw) ? itemNodes(node) : [node];
  const out: PromptfooProvider[] = [];
  list.forEach((p, i) => {
    const range = rangeOfNode(nodes[i], ctx);
    let provider: PromptfooProvider | undefined;
    if (typeof p === 'string') provider = providerFrom(p, undefined, undefined, range, ctx);
    else if (isRecord(p) && typeof p.id === 'string') provider = providerFrom(p.id, typeof p.label === 'string' ? p.label : undefined, p.config, range, ctx);
    else if (isRecord(p) && Object.keys(p).length === 1 && isRecord(Object.values(p)[0])) {
      // promptfoo's map form: - openai:gpt-4o-mini: { config: {...}, label: ... }
      const [id, opts] = Object.entries(p)[0] as [string, Record<string, unknown>];
      provider = providerFrom(typeof opts.id === 'string' ? opts.id : id, typeof opts.label === 'string' ? opts.label : undefined, opts.config, range, ctx);
    } else ctx.diags.push(diagnostic(ctx.file, 'error', 'invalid-provider', 'a provider must be an id like openai:gpt-4o-mini or { id, label, config }', range));
    if (provider) out.push(provider);
  });
  return out;
}

function loadDefaultTest(raw: unknown, node: unknown, ctx: Ctx): TestDefaults {
  if (raw === undefined || raw === null) return {};
  if (typeof raw === 'string' && raw.startsWith('file://')) {
    const rel = raw.slice('file://'.length);
    const abs = isAbsolute(rel) ? rel : resolve(ctx.baseDir, rel);
    const read = readTextFile(abs, ctx.files, rel);
    const parsed = 'error' in read ? { error: read.error.message } : parseYamlLimited(read.text);
    if ('error' in parsed) {
      const code = 'error' in read && read.error.code !== 'file-not-found' ? read.error.code : 'file-not-found';
      ctx.diags.push(diagnostic(ctx.file, 'error', code, `defaultTest ${rel}: ${parsed.error}`, rangeOfNode(node, ctx)));
      return {};
    }
    return normalizeDefaults(parsed.value, { file: abs, index: -1, baseDir: dirname(abs), files: ctx.files }, ctx.diags);
  }
  const keyRanges: Record<string, Range | undefined> = {};
  if (isMap(node)) for (const pair of node.items) if (isScalar(pair.key)) keyRanges[String(pair.key.value)] = rangeOfNode(pair.value, ctx);
  const assertRanges = itemNodes(childNode(node, 'assert')).map((n) => rangeOfNode(n, ctx));
  return normalizeDefaults(raw, { file: ctx.file, index: -1, baseDir: ctx.baseDir, files: ctx.files, range: rangeOfNode(node, ctx), keyRanges, assertRanges }, ctx.diags);
}

/** Parses promptfoo config text. `file` names it in diagnostics; relative paths resolve against its folder. */
export function parsePromptfooConfig(text: string, file: string, files: FileAccess): PromptfooConfig {
  const ctx: Ctx = { file, baseDir: dirname(file), positionAt: positionsOf(text), diags: [], files };
  const doc = parseDocument(text, { prettyErrors: false });
  for (const e of doc.errors) ctx.diags.push(diagnostic(file, 'error', 'yaml-syntax', e.message.split('\n')[0], rangeOf(ctx.positionAt, e.pos[0], e.pos[1])));
  const empty: PromptfooConfig = { file, prompts: [], providers: [], tests: { cases: [], defaults: {}, diagnostics: [], file }, diagnostics: ctx.diags };
  // A config that does not parse is not run at all: only its syntax errors are reported.
  if (doc.errors.length > 0) return empty;
  let value: unknown;
  try {
    const read = yamlValue(doc, text.length);
    if ('bomb' in read) {
      const at = read.bomb.offset === undefined ? undefined : rangeOf(ctx.positionAt, read.bomb.offset, read.bomb.offset + 1);
      ctx.diags.push(diagnostic(file, 'error', 'yaml-aliases', read.bomb.message, at));
      return empty;
    }
    value = read.value;
  } catch (e) {
    ctx.diags.push(diagnostic(file, 'error', 'yaml-syntax', (e as Error).message, undefined));
  }
  if (!isRecord(value)) {
    if (value !== undefined) ctx.diags.push(diagnostic(file, 'error', 'invalid-config', 'a promptfoo config is a mapping with prompts, providers and tests', rangeOfNode(doc.contents, ctx)));
    return empty;
  }
  const root = doc.contents;
  if (isMap(root)) {
    for (const pair of root.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (TOP_KEYS.has(key) || QUIET_KEYS.has(key)) continue;
      ctx.diags.push(diagnostic(file, 'warning', 'unsupported', `"${key}" is not supported by Assay and is ignored`, rangeOfNode(pair.key, ctx)));
    }
  }
  const prompts = loadPrompts(value.prompts, childNode(root, 'prompts'), ctx);
  const providers = loadProviders(value.providers, childNode(root, 'providers'), ctx);
  const testsNode = childNode(root, 'tests');
  const tests = resolveTests(value.tests, ctx.baseDir, { file, node: testsNode, positionAt: ctx.positionAt, range: rangeOfNode(testsNode, ctx), files });
  let defaults = loadDefaultTest(value.defaultTest, childNode(root, 'defaultTest'), ctx);
  const repeat = isRecord(value.evaluateOptions) ? value.evaluateOptions.repeat : undefined;
  if (typeof repeat === 'number' && Number.isInteger(repeat) && repeat >= 1 && defaults.repeat === undefined) defaults = mergeDefaults(defaults, { repeat });
  tests.defaults = mergeDefaults(defaults, tests.defaults);
  const config: PromptfooConfig = { file, prompts, providers, tests, diagnostics: ctx.diags };
  if (typeof value.description === 'string') config.description = value.description;
  return config;
}

/** Reads and parses a promptfoo config file; an unreadable file is a diagnostic, never a throw. */
export function loadPromptfooConfig(path: string, files: FileAccess): PromptfooConfig {
  const read = readTextFile(path, files);
  if ('error' in read) {
    return {
      file: path,
      prompts: [],
      providers: [],
      tests: { cases: [], defaults: {}, diagnostics: [], file: path },
      diagnostics: [diagnostic(path, 'error', read.error.code, read.error.code === 'file-not-found' ? `cannot read ${path}: no such file` : read.error.message, undefined)],
    };
  }
  return parsePromptfooConfig(read.text, path, files);
}
