// A promptfoo config (`promptfooconfig.yaml`) read as it is: prompts, providers, tests and defaultTest
// normalised into Assay's model, so a team can switch without rewriting its suites.
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, relative, resolve } from 'node:path';
import { isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml';
import { isRecord } from '../assertions/valueUtils';
import type { Range } from '../types';
import { expandGlobConfined, readTextFile, type FileAccess } from '../files/safeFiles';
import { yamlErrorSpan } from '../files/yamlErrors';
import { parseYamlLimited, yamlValue } from '../files/yamlLimits';
import { parseCsv } from './csvBank';
import { mergeDefaults, resolveTests } from './loadTestBank';
import { diagnostic, normalizeDefaults, SCRIPT_VAR_CODE } from './normalizeCase';
import { positionsOf, rangeOf, type PositionAt } from './positions';
import { compileMetricExpression } from '../stats/metricExpression';
import { loadPromptfooProviders, type PromptfooProvider } from './promptfooProviders';
import { scenarioCases } from './promptfooTests';
import type { BankDiagnostic, TestBank, TestCase, TestDefaults } from './testBankTypes';

export type { PromptfooProvider } from './promptfooProviders';

/** A prompt of the config. */
export interface PromptfooPrompt {
  /** As promptfoo shows it: the `label`, else the file path (with `#n` for one of several prompts in a file), else the text. */
  label: string;
  /**
   * `text`: a Nunjucks template rendered into one user message. `chat`: a template that renders to a JSON
   * list of `{role, content}` messages (promptfoo's chat format). `promptFile`: a `.prompt`/`.prompty` file
   * for core/promptFile to parse (`template` unset). `function`: a JavaScript file exporting a function of
   * `{ vars }` that returns the prompt text or its messages (runs only where workspace code is trusted).
   */
  kind: 'text' | 'chat' | 'promptFile' | 'function';
  /** For a `function` prompt: the export to call (`file://prompts.js:name`); the default export otherwise. */
  functionName?: string;
  template?: string;
  /** Absolute path when the prompt comes from a file. */
  file?: string;
  /** Where the prompt is written in the config. */
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
  /** Whether the config has a `tests` key (promptfoo runs each prompt once, with no vars, when it has neither tests nor scenarios). */
  hasTests: boolean;
  /** Cases built from `scenarios`, in promptfoo's order, `defaultTest` not yet applied; they run after `tests`. */
  scenarios: TestCase[];
  /** `env`: environment variables for the run (provider keys, base URLs), over the process's own. */
  env: Record<string, string>;
  /** `nunjucksFilters`: filter name → absolute path of the JavaScript module exporting it. */
  nunjucksFilters: Record<string, string>;
  /** `derivedMetrics`: named expressions over metric scores (checked to compile). */
  derivedMetrics: { name: string; value: string }[];
  /** Where `defaultTest` is written, for problems with what it sets. */
  defaultTestRange?: Range;
  diagnostics: BankDiagnostic[];
}

const TOP_KEYS = new Set(['description', 'prompts', 'providers', 'targets', 'tests', 'defaultTest', 'evaluateOptions', 'scenarios', 'env', 'nunjucksFilters', 'derivedMetrics', 'assertionTemplates']);
/** Keys that only steer promptfoo's own CLI, web viewer or sharing: nothing to do, nothing to warn about. */
const QUIET_KEYS = new Set(['outputPath', 'sharing', 'commandLineOptions', 'metadata', 'tags', 'writeLatestResults', '$schema', 'tracing']);
/**
 * Top-level keys of promptfoo's own config schema (`UnifiedConfigSchema`). A key outside it is dropped by
 * promptfoo's parser, so ignoring it (with a warning) runs the same evaluation; a key inside it that Assay
 * does not run would change the evaluation, and is an error.
 */
const PROMPTFOO_SCHEMA_KEYS = new Set([
  'description', 'tags', 'providers', 'targets', 'prompts', 'tests', 'scenarios', 'defaultTest', 'outputPath', 'sharing',
  'nunjucksFilters', 'env', 'derivedMetrics', 'extensions', 'metadata', 'redteam', 'writeLatestResults', 'evaluateOptions',
  'commandLineOptions', 'tracing',
]);
/** Keys that change what runs or what is reported, with what to do about them. */
const REFUSED_KEYS: Record<string, string> = {
  extensions: 'extensions (hooks) are not supported: remove them to run without the hooks',
};

/** What the loaders share while reading one config. */
export interface Ctx {
  file: string;
  baseDir: string;
  positionAt: PositionAt;
  diags: BankDiagnostic[];
  files: FileAccess;
}

export function rangeOfNode(node: unknown, ctx: Ctx): Range | undefined {
  const r = (node as { range?: [number, number, number] } | undefined)?.range;
  return r ? rangeOf(ctx.positionAt, r[0], r[1]) : undefined;
}

function childNode(map: unknown, key: string): Node | undefined {
  if (!isMap(map)) return undefined;
  const pair = map.items.find((p) => isScalar(p.key) && p.key.value === key);
  return (pair?.value ?? undefined) as Node | undefined;
}

export function itemNodes(node: unknown): unknown[] {
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

/** A YAML/JSON file listing prompts (`{ id | raw, label }` entries), not chat messages (`{ role, content }`). */
function isPromptList(v: unknown[]): boolean {
  return v.length > 0 && v.every((p) => isRecord(p) && !('role' in p) && (typeof p.raw === 'string' || typeof p.id === 'string'));
}

/** Prompts from one file: text split on `---` lines, JSON/YAML chat lists, `.prompt`/`.prompty` files. */
function promptsFromFile(abs: string, label: string | undefined, range: Range | undefined, ctx: Ctx, functionName?: string): PromptfooPrompt[] {
  const rel = relative(ctx.baseDir, abs) || basename(abs);
  const ext = extname(abs).toLowerCase();
  if (ext === '.prompt' || ext === '.prompty') return [{ label: label ?? rel, kind: 'promptFile', file: abs, range }];
  if (['.js', '.cjs', '.mjs', '.ts', '.cts', '.mts', '.py'].includes(ext)) {
    const fnLabel = functionName ? `${rel}:${functionName}` : rel;
    return [{ label: label ?? fnLabel, kind: 'function', file: abs, ...(functionName ? { functionName } : {}), range }];
  }
  const read = readTextFile(abs, ctx.files, rel);
  if ('error' in read) {
    const missing = read.error.code === 'file-not-found';
    ctx.diags.push(diagnostic(ctx.file, 'error', read.error.code, missing ? `prompt file not found: ${rel}` : `prompts: ${read.error.message}`, range));
    return [];
  }
  const text = read.text;
  if (ext === '.csv') return csvPrompts(text, abs, label, range, ctx);
  if (ext === '.json') {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      // Not JSON as written: a template that renders to JSON.
    }
    if (Array.isArray(v) && isPromptList(v)) return promptList(v, () => range, ctx);
    return [{ label: label ?? rel, kind: isChatJson(text) ? 'chat' : 'text', template: text, file: abs, range }];
  }
  if (ext === '.yaml' || ext === '.yml') {
    const parsed = parseYamlLimited(text);
    if ('error' in parsed) {
      ctx.diags.push(diagnostic(ctx.file, 'error', 'yaml-syntax', `${rel}: ${parsed.error}`, range));
      return [];
    }
    if (Array.isArray(parsed.value) && isPromptList(parsed.value)) return promptList(parsed.value, () => range, ctx);
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

const PROMPT_FILE_EXTENSIONS = ['.cjs', '.cts', '.j2', '.js', '.json', '.jsonl', '.md', '.mjs', '.mts', '.py', '.ts', '.txt', '.yml', '.yaml'];

/** promptfoo's maybeFilePath: text promptfoo tries as a path before it takes it as a prompt. */
function mayBePath(s: string): boolean {
  if (s.includes('\n') || /portkey:\/\/|langfuse:\/\/|helicone:\/\//.test(s)) return false;
  const tokens = s.split(':');
  const [last, before] = [tokens[tokens.length - 1], tokens[tokens.length - 2]];
  return PROMPT_FILE_EXTENSIONS.some((ext) => last?.endsWith(ext) || before?.endsWith(ext)) || s.charAt(s.length - 3) === '.' || s.charAt(s.length - 4) === '.' || /[*/\\]/.test(s);
}

/**
 * A prompt written without `file://` that promptfoo reads as a path (`prompts: prompt.txt`, `ps/*.txt`):
 * `file` when it names files; `text` when it is no path, or a pattern (a template's braces make one) that
 * matches nothing, which promptfoo then takes as the prompt; `missing` for a plain path to no file, which
 * promptfoo fails on.
 */
function bareReference(s: string, ctx: Ctx): 'file' | 'text' | 'missing' {
  if (!mayBePath(s)) return 'text';
  const path = /^(.*\.(?:m?js|cjs|py|ts)):[A-Za-z_$][\w$.]*$/.exec(s)?.[1] ?? s;
  const pattern = /[*?[\]{}]|[+@!]\(/.test(path);
  const expanded = expandGlobConfined(path, ctx.baseDir, ctx.files);
  if ('files' in expanded && expanded.files.some((f) => existsSync(f) && statSync(f).isFile())) return 'file';
  return pattern ? 'text' : 'missing';
}

/**
 * promptfoo's CSV prompt file: one text prompt per row of a `prompt` column (labelled by its `label`
 * column, else the config's label, else `Prompt N - TEXT`); a file without commas is one prompt per line
 * (a first line `prompt` is a header).
 */
function csvPrompts(text: string, file: string, label: string | undefined, range: Range | undefined, ctx: Ctx): PromptfooPrompt[] {
  const lines = (): PromptfooPrompt[] => {
    const all = text.split(/\r?\n/).filter((l) => l.trim() !== '');
    const rows = all[0]?.trim().toLowerCase() === 'prompt' ? all.slice(1) : all;
    return rows.map((raw, i) => ({ label: label ?? `Prompt ${i + 1} - ${raw}`, kind: 'text', template: raw, file, range }));
  };
  if (!text.includes(',')) return lines();
  const parsed = parseCsv(text);
  if (parsed.error) return lines();
  const [header, ...records] = parsed.records.map((r) => r.fields.map((f) => f.trim()));
  const at = (name: string): number => header?.indexOf(name) ?? -1;
  const [promptAt, labelAt] = [at('prompt'), at('label')];
  if (promptAt < 0) {
    ctx.diags.push(diagnostic(ctx.file, 'error', 'invalid-prompts', `${relative(ctx.baseDir, file)}: a CSV prompts file needs a prompt column`, range));
    return [];
  }
  return records
    .filter((r) => r[promptAt])
    .map((r, i) => ({ label: (labelAt >= 0 && r[labelAt]) || label || `Prompt ${i + 1} - ${r[promptAt]}`, kind: 'text' as const, template: r[promptAt]!, file, range }));
}

function promptFromString(s: string, label: string | undefined, range: Range | undefined, ctx: Ctx): PromptfooPrompt[] {
  const bare = s.startsWith('file://') ? 'text' : bareReference(s, ctx);
  if (bare === 'file') return promptFromString(`file://${s}`, label, range, ctx);
  if (bare === 'missing') {
    ctx.diags.push(diagnostic(ctx.file, 'error', 'file-not-found', `prompt "${s}" reads as a file path, and promptfoo finds no such file: write file://PATH to an existing file, or put the prompt text in quotes with a space or a {{variable}}`, range));
    return [];
  }
  if (s.startsWith('file://')) {
    // `file://prompts.js:makePrompt` names a function in a script.
    const m = /^(.*\.(?:m?js|cjs|py|ts)):([A-Za-z_$][\w$.]*)$/.exec(s.slice('file://'.length));
    const pattern = m ? m[1]! : s.slice('file://'.length);
    const expanded = expandGlobConfined(pattern, ctx.baseDir, ctx.files);
    if ('error' in expanded) {
      ctx.diags.push(diagnostic(ctx.file, expanded.error.code === 'restricted' ? 'info' : 'error', expanded.error.code, `prompts: ${expanded.error.message}`, range));
      return [];
    }
    const files = expanded.files;
    if (files.length === 0) ctx.diags.push(diagnostic(ctx.file, 'error', 'file-not-found', `no prompt file matches ${s}`, range));
    return files.flatMap((f) => promptsFromFile(f, files.length === 1 ? label : undefined, range, ctx, m?.[2]));
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
  return promptList(raw, (i) => rangeOfNode(nodes[i], ctx), ctx);
}

/** A list of prompts: text or `file://` paths, or `{ id | raw, label }`. */
function promptList(raw: unknown[], rangeAt: (i: number) => Range | undefined, ctx: Ctx): PromptfooPrompt[] {
  return raw.flatMap((p, i) => {
    const range = rangeAt(i);
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

function emptyConfig(file: string): PromptfooConfig {
  return { file, prompts: [], providers: [], tests: { cases: [], defaults: {}, diagnostics: [], file }, hasTests: false, scenarios: [], env: {}, nunjucksFilters: {}, derivedMetrics: [], diagnostics: [] };
}

/** `env:` — names to text values (numbers and booleans written as YAML scalars become their text, as promptfoo reads them). */
function loadEnv(raw: unknown, node: unknown, ctx: Ctx): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  if (!isRecord(raw)) {
    ctx.diags.push(diagnostic(ctx.file, 'error', 'invalid-env', 'env must be a mapping of variable names to values', rangeOfNode(node, ctx)));
    return {};
  }
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') env[k] = String(v);
    else if (v !== null && v !== undefined) ctx.diags.push(diagnostic(ctx.file, 'error', 'invalid-env', `env.${k} must be text, a number or a boolean`, rangeOfNode(childNode(node, k), ctx) ?? rangeOfNode(node, ctx)));
  }
  return env;
}

/** `derivedMetrics:` — `{ name, value }` with an arithmetic expression over metric names (promptfoo evaluates it with mathjs). */
function loadDerivedMetrics(raw: unknown, node: unknown, ctx: Ctx): { name: string; value: string }[] {
  if (raw === undefined || raw === null) return [];
  const nodes = itemNodes(node);
  if (!Array.isArray(raw)) {
    ctx.diags.push(diagnostic(ctx.file, 'error', 'invalid-metrics', 'derivedMetrics must be a list of { name, value }', rangeOfNode(node, ctx)));
    return [];
  }
  const out: { name: string; value: string }[] = [];
  raw.forEach((m, i) => {
    const at = rangeOfNode(nodes[i], ctx);
    if (!isRecord(m) || typeof m.name !== 'string' || m.name === '' || typeof m.value !== 'string') {
      ctx.diags.push(diagnostic(ctx.file, 'error', 'invalid-metrics', 'a derived metric needs a name and a value (an expression over metric names, e.g. 2 * p * r / (p + r))', at));
      return;
    }
    const compiled = compileMetricExpression(m.value);
    if ('error' in compiled) ctx.diags.push(diagnostic(ctx.file, 'error', 'invalid-metrics', `derived metric ${m.name}: ${compiled.error}`, at));
    else out.push({ name: m.name, value: m.value });
  });
  return out;
}

/** `nunjucksFilters:` — filter names to JavaScript module paths (`file://` optional), resolved against the config's folder. */
function loadFilters(raw: unknown, node: unknown, ctx: Ctx): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  if (!isRecord(raw)) {
    ctx.diags.push(diagnostic(ctx.file, 'error', 'invalid-filters', 'nunjucksFilters must map filter names to JavaScript files', rangeOfNode(node, ctx)));
    return {};
  }
  const filters: Record<string, string> = {};
  for (const [name, v] of Object.entries(raw)) {
    const at = rangeOfNode(childNode(node, name), ctx) ?? rangeOfNode(node, ctx);
    const rel = typeof v === 'string' ? v.replace(/^file:\/\//, '') : '';
    if (!/\.(m?js|cjs)$/i.test(rel)) {
      ctx.diags.push(diagnostic(ctx.file, 'error', 'invalid-filters', `nunjucksFilters.${name} must name a JavaScript file (.js, .cjs, .mjs)`, at));
      continue;
    }
    filters[name] = isAbsolute(rel) ? rel : resolve(ctx.baseDir, rel);
  }
  return filters;
}

/**
 * promptfoo dereferences JSON references in its config: `{ $ref: '#/assertionTemplates/name' }` (any
 * `#/…` pointer into the config) is replaced by what it points at. A reference to another file or to
 * nothing is an error.
 */
function resolveRefs(v: unknown, root: Record<string, unknown>, ctx: Ctx, seen: Set<string>, text: string): unknown {
  if (Array.isArray(v)) return v.map((x) => resolveRefs(x, root, ctx, seen, text));
  if (!isRecord(v)) return v;
  if (typeof v.$ref === 'string') {
    const ref = v.$ref;
    const at = text.indexOf(ref) >= 0 ? rangeOf(ctx.positionAt, text.indexOf(ref), text.indexOf(ref) + ref.length) : undefined;
    if (!ref.startsWith('#/')) {
      ctx.diags.push(diagnostic(ctx.file, 'error', 'unsupported', `$ref ${ref}: only references into this config (#/…) are supported`, at));
      return v;
    }
    if (seen.has(ref)) {
      ctx.diags.push(diagnostic(ctx.file, 'error', 'invalid-ref', `$ref ${ref} refers to itself`, at));
      return v;
    }
    let target: unknown = root;
    for (const part of ref.slice(2).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))) target = isRecord(target) || Array.isArray(target) ? (target as Record<string, unknown>)[part] : undefined;
    if (target === undefined) {
      ctx.diags.push(diagnostic(ctx.file, 'error', 'invalid-ref', `$ref ${ref} points at nothing in the config`, at));
      return v;
    }
    return resolveRefs(target, root, ctx, new Set([...seen, ref]), text);
  }
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolveRefs(x, root, ctx, seen, text)]));
}

/** Parses promptfoo config text. `file` names it in diagnostics; relative paths resolve against its folder. */
export function parsePromptfooConfig(text: string, file: string, files: FileAccess): PromptfooConfig {
  const ctx: Ctx = { file, baseDir: dirname(file), positionAt: positionsOf(text), diags: [], files };
  const doc = parseDocument(text, { prettyErrors: false });
  for (const e of doc.errors) ctx.diags.push(diagnostic(file, 'error', 'yaml-syntax', e.message.split('\n')[0], rangeOf(ctx.positionAt, ...yamlErrorSpan(text, e))));
  const empty: PromptfooConfig = { ...emptyConfig(file), diagnostics: ctx.diags };
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
      if (!REFUSED_KEYS[key] && !PROMPTFOO_SCHEMA_KEYS.has(key)) {
        ctx.diags.push(diagnostic(file, 'warning', 'ignored-key', `"${key}" is not a promptfoo config key: promptfoo ignores it, and so does Assay`, rangeOfNode(pair.key, ctx)));
        continue;
      }
      // Running without a key the config relies on would be another evaluation than the one written.
      const refused = REFUSED_KEYS[key] ?? `"${key}" is not supported by Assay yet; remove it, or run this config with promptfoo`;
      ctx.diags.push(diagnostic(file, 'error', 'unsupported', refused, rangeOfNode(pair.key, ctx)));
    }
  }
  const data = resolveRefs(value, value, ctx, new Set(), text) as Record<string, unknown>;
  const prompts = loadPrompts(data.prompts, childNode(root, 'prompts'), ctx);
  // `targets:` is promptfoo's other name for `providers:`.
  const providersKey = data.providers === undefined && data.targets !== undefined ? 'targets' : 'providers';
  if (data.providers !== undefined && data.targets !== undefined) {
    ctx.diags.push(diagnostic(file, 'error', 'invalid-config', 'the config has both providers: and targets: (the same list under two names); keep one', rangeOfNode(childNode(root, 'targets'), ctx)));
  }
  const providers = loadPromptfooProviders(data[providersKey], childNode(root, providersKey), ctx);
  const testsNode = childNode(root, 'tests');
  const tests = resolveTests(data.tests, ctx.baseDir, { file, node: testsNode, positionAt: ctx.positionAt, range: rangeOfNode(testsNode, ctx), files, allowGenerators: true });
  let defaults = loadDefaultTest(data.defaultTest, childNode(root, 'defaultTest'), ctx);
  const repeat = isRecord(data.evaluateOptions) ? data.evaluateOptions.repeat : undefined;
  if (typeof repeat === 'number' && Number.isInteger(repeat) && repeat >= 1 && defaults.repeat === undefined) defaults = mergeDefaults(defaults, { repeat });
  tests.defaults = mergeDefaults(defaults, tests.defaults);
  const scenariosNode = childNode(root, 'scenarios');
  const scenarios = scenarioCases(data.scenarios, { file, baseDir: ctx.baseDir, files: ctx.files, node: scenariosNode, positionAt: ctx.positionAt }, ctx.diags);
  // promptfoo runs script vars when the prompt renders (src/core/run/promptfooPrompt.ts): not a problem here.
  tests.diagnostics = tests.diagnostics.filter((d) => d.code !== SCRIPT_VAR_CODE);
  ctx.diags.splice(0, ctx.diags.length, ...ctx.diags.filter((d) => d.code !== SCRIPT_VAR_CODE));
  const config: PromptfooConfig = {
    file,
    prompts,
    providers,
    tests,
    hasTests: data.tests !== undefined && data.tests !== null,
    scenarios,
    env: loadEnv(data.env, childNode(root, 'env'), ctx),
    nunjucksFilters: loadFilters(data.nunjucksFilters, childNode(root, 'nunjucksFilters'), ctx),
    derivedMetrics: loadDerivedMetrics(data.derivedMetrics, childNode(root, 'derivedMetrics'), ctx),
    diagnostics: ctx.diags,
  };
  const defaultTestRange = rangeOfNode(childNode(root, 'defaultTest'), ctx);
  if (defaultTestRange) config.defaultTestRange = defaultTestRange;
  if (typeof data.description === 'string') config.description = data.description;
  return config;
}

/** Reads and parses a promptfoo config file; an unreadable file is a diagnostic, never a throw. */
export function loadPromptfooConfig(path: string, files: FileAccess): PromptfooConfig {
  const read = readTextFile(path, files);
  if ('error' in read) {
    return { ...emptyConfig(path), diagnostics: [diagnostic(path, 'error', read.error.code, read.error.code === 'file-not-found' ? `cannot read ${path}: no such file` : read.error.message, undefined)] };
  }
  return parsePromptfooConfig(read.text, path, files);
}
