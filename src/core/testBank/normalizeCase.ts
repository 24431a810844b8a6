// Turns a raw test case (parsed YAML/JSON/CSV row) into a `TestCase`, reporting problems as diagnostics.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { basename, extname, isAbsolute, relative, resolve } from 'node:path';
import { expandGlobConfined, hasGlob, readFileBytes, readTextFile, type FileAccess, type FileRefusalCode } from '../files/safeFiles';
import { imageMediaType } from '../providers/imageParts';
import { parseYamlLimited } from '../files/yamlLimits';
import { checkAssertion, suggestAssertionType } from '../assertions/assertionRegistry';
import { isFunctionList } from '../assertions/toolCallAssertion';
import type { AssertionSpec } from '../assertions/assertionTypes';
import { isRecord } from '../assertions/valueUtils';
import type { Range, Severity } from '../types';
import { closest } from '../promptFile/didYouMean';
import { checkTransform } from '../run/userTransform';
import type { BankDiagnostic, TestCase, TestDefaults } from './testBankTypes';

/** Where a raw case sits, so its problems get ranges and its `file://` values resolve. */
export interface CaseLocation {
  file: string;
  index: number;
  /** The whole case. */
  range?: Range;
  /** Each `assert` entry, by index. */
  assertRanges?: (Range | undefined)[];
  /** The `type:` value of each `assert` entry, by index (where a misspelt type is underlined and fixed). */
  assertTypeRanges?: (Range | undefined)[];
  /** A key's value within the case (`vars`, `threshold`…). */
  keyRanges?: Record<string, Range | undefined>;
  /** A key's name within the case (where a misspelt key is fixed). */
  keyNameRanges?: Record<string, Range | undefined>;
  /** Folder `file://` references resolve against. */
  baseDir: string;
  /** What `file://` references may read. */
  files: FileAccess;
}

/** A `file://` var computed by a script (promptfoo's `get_var` in Python, a default-export function in JavaScript). */
export const SCRIPT_VAR = /\.(m?js|cjs|ts|py)$/i;
/** The diagnostic of a script var where none can run; promptfoo configs run them and drop it. */
export const SCRIPT_VAR_CODE = 'script-var';

const CASE_KEYS = new Set(['description', 'vars', 'assert', 'threshold', 'repeat', 'options', 'metadata', 'prompts', 'providers', 'assertScoringFunction']);
/** promptfoo test keys Assay reads elsewhere: accepted with an info note. */
const IGNORED_CASE_KEYS = new Set(['provider']);
/** promptfoo test keys that change what runs or how it is judged: running without them would be another test. */
const UNSUPPORTED_CASE_KEYS = new Set(['providerOutput']);
/** Var files that are not text: promptfoo sends them as audio or extracted PDF text. */
const BINARY_VAR_FILE = /\.(tiff?|pdf|mp3|wav|ogg|flac|m4a|mp4|webm|mov)$/i;
/** Image var files: loaded as a data URI, as promptfoo loads them. */
const IMAGE_VAR_FILE = /\.(png|jpe?g|gif|webp|bmp|svg)$/i;
/** Images already read under a file policy, by absolute path: a bank of 1,000 cases holds one copy of each. */
const imageCache = new WeakMap<FileAccess, Map<string, string>>();

/** An image file as promptfoo passes it in a variable: `data:<type>;base64,<bytes>`. */
function loadImageVar(ref: string, baseDir: string, files: FileAccess): { value: string } | { error: string; code: FileRefusalCode | 'file-syntax' } {
  const rel = ref.slice('file://'.length);
  const abs = isAbsolute(rel) ? rel : resolve(baseDir, rel);
  if (files.restricted) return { error: `${ref} is not read in Restricted Mode: trust the workspace to load it`, code: 'restricted' };
  let cache = imageCache.get(files);
  if (!cache) imageCache.set(files, (cache = new Map()));
  const hit = cache.get(abs);
  if (hit !== undefined) return { value: hit };
  const read = readFileBytes(abs, files, rel);
  if ('error' in read) return { error: read.error.code === 'file-not-found' ? `file not found: ${rel}` : read.error.message, code: read.error.code };
  const mediaType = imageMediaType(read.bytes, abs);
  if (!mediaType) return { error: `${rel} is not an image Assay recognises (PNG, JPEG, GIF, WebP, BMP, SVG)`, code: 'file-syntax' };
  const value = `data:${mediaType};base64,${read.bytes.toString('base64')}`;
  cache.set(abs, value);
  return { value };
}
/** `assert` holds an assert-set's members; `alpha`, `beta`, `gamma` are meteor's parameters. */
const ASSERT_KEYS = new Set(['type', 'value', 'threshold', 'weight', 'metric', 'provider', 'rubricPrompt', 'config', 'options', 'transform', 'contextTransform', 'assert', 'alpha', 'beta', 'gamma']);
const ZERO_RANGE: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

export function diagnostic(file: string, severity: Severity, code: string, message: string, range: Range | undefined): BankDiagnostic {
  return { file, severity, code, message, range: range ?? ZERO_RANGE };
}

/**
 * Reads a `file://` value relative to `baseDir` under the file policy: JSON and YAML files are parsed,
 * anything else is text. In Restricted Mode nothing is read.
 */
export function loadFileValue(ref: string, baseDir: string, files: FileAccess): { value: unknown } | { error: string; code: FileRefusalCode | 'file-syntax' } {
  const rel = ref.slice('file://'.length);
  const abs = isAbsolute(rel) ? rel : resolve(baseDir, rel);
  if (files.restricted) return { error: `${ref} is not read in Restricted Mode: trust the workspace to load it`, code: 'restricted' };
  const read = readTextFile(abs, files, rel);
  if ('error' in read) return { error: read.error.code === 'file-not-found' ? `file not found: ${rel}` : read.error.message, code: read.error.code };
  const ext = extname(abs).toLowerCase();
  if (ext === '.json') {
    try {
      return { value: JSON.parse(read.text) };
    } catch (e) {
      return { error: `${rel} does not parse: ${(e as Error).message}`, code: 'file-syntax' };
    }
  }
  if (ext === '.yaml' || ext === '.yml') {
    const parsed = parseYamlLimited(read.text);
    return 'error' in parsed ? { error: `${rel} does not parse: ${parsed.error}`, code: 'file-syntax' } : parsed;
  }
  return { value: read.text };
}

/** The diagnostic code of a `file://` value that did not load (the historical `file-not-found` for missing or unparsable files). */
function loadCode(code: FileRefusalCode | 'file-syntax'): string {
  return code === 'file-syntax' || code === 'file-unreadable' ? 'file-not-found' : code;
}

/** Restricted Mode's "not read" is a note, not a problem with the file. */
function loadSeverity(code: FileRefusalCode | 'file-syntax'): Severity {
  return code === 'restricted' ? 'info' : 'error';
}

const isFileRef = (v: unknown): v is string => typeof v === 'string' && v.startsWith('file://');

/** Resolves `file://` in an assertion value (not for `javascript` and `python`, which load their file when they run). */
function resolveAssertValue(spec: AssertionSpec, loc: CaseLocation, range: Range | undefined, diags: BankDiagnostic[]): void {
  const base = spec.type.replace(/^not-/, '');
  if (!isFileRef(spec.value)) return;
  // The value of a code assertion is the script itself: only its path is resolved.
  if (base === 'javascript' || base === 'python') {
    const rel = spec.value.slice('file://'.length);
    spec.value = `file://${isAbsolute(rel) ? rel : resolve(loc.baseDir, rel)}`;
    return;
  }
  if (/\.(m?js|cjs|[cm]?ts|tsx|py|rb)(:[\w$]+)?$/i.test(spec.value)) {
    // promptfoo runs the script and uses what it returns as the value; Assay does not (yet): never its source text.
    diags.push(diagnostic(loc.file, 'error', 'unsupported', `${spec.type}: a value computed by a script (${spec.value}) is not supported by Assay; write the value, or load it from a text, JSON or YAML file`, range));
    return;
  }
  const loaded = loadFileValue(spec.value, loc.baseDir, loc.files);
  if ('error' in loaded) diags.push(diagnostic(loc.file, loadSeverity(loaded.code), loadCode(loaded.code), loaded.error, range));
  else spec.value = loaded.value;
}

/** Validates one raw assertion; returns it (possibly with problems reported) or `undefined` when unusable. */
export function normalizeAssertion(raw: unknown, loc: CaseLocation, range: Range | undefined, diags: BankDiagnostic[], typeRange?: Range): AssertionSpec | undefined {
  const at = range ?? loc.range;
  if (!isRecord(raw)) {
    diags.push(diagnostic(loc.file, 'error', 'invalid-assertion', 'an assertion must be a mapping with a type', at));
    return undefined;
  }
  if (typeof raw.type !== 'string' || raw.type === '') {
    diags.push(diagnostic(loc.file, 'error', 'invalid-assertion', 'an assertion needs a type', at));
    return undefined;
  }
  for (const key of Object.keys(raw)) {
    if (!ASSERT_KEYS.has(key)) {
      diags.push(diagnostic(loc.file, 'warning', 'unknown-key', `"${key}" is not supported on an assertion and is ignored`, at));
    }
  }
  const spec: AssertionSpec = { type: raw.type };
  for (const key of ['value', 'threshold', 'weight', 'metric', 'provider', 'rubricPrompt', 'config', 'options', 'transform', 'contextTransform', 'alpha', 'beta', 'gamma'] as const) {
    if (raw[key] !== undefined && raw[key] !== null) (spec as unknown as Record<string, unknown>)[key] = raw[key];
  }
  for (const key of ['transform', 'contextTransform'] as const) {
    const code = spec[key];
    if (code === undefined) continue;
    const problem = checkTransform(code, 'output');
    if (problem) diags.push(diagnostic(loc.file, 'error', 'invalid-transform', `${key}: ${problem}`, at));
    else if (code.startsWith('file://')) {
      const rel = code.slice('file://'.length);
      spec[key] = `file://${isAbsolute(rel) ? rel : resolve(loc.baseDir, rel)}`;
    }
  }
  if (at) spec.range = at;
  // `assert-set` members: normalised like the case's own assertions (their diagnostics point at the set).
  if (Array.isArray(raw.assert)) spec.assert = raw.assert.flatMap((member) => normalizeAssertion(member, loc, at, diags) ?? []);
  resolveAssertValue(spec, loc, at, diags);
  ignoreFunctionCallValue(spec, loc, at, diags);
  const problem = checkAssertion(spec);
  if (problem?.code === 'unknown-assertion') diags.push(unknownType(loc.file, spec.type, problem.message, typeRange ?? at));
  else if (problem) diags.push(diagnostic(loc.file, 'error', problem.code, problem.message, at));
  return spec;
}

/**
 * promptfoo's `is-valid-function-call` never reads its value: the call is checked against the functions the
 * request declares. A value that is not a list of functions (Assay's own way to declare them) is therefore
 * ignored as promptfoo ignores it, and said so.
 */
function ignoreFunctionCallValue(spec: AssertionSpec, loc: CaseLocation, at: Range | undefined, diags: BankDiagnostic[]): void {
  const base = spec.type.replace(/^not-/, '');
  if ((base !== 'is-valid-function-call' && base !== 'is-valid-openai-function-call') || spec.value === undefined || isFunctionList(spec.value)) return;
  diags.push(diagnostic(loc.file, 'warning', 'ignored-value', `${spec.type}: a value that is not a list of functions is ignored, as promptfoo ignores it; the call is checked against the functions the request declares (params.functions)`, at));
  delete spec.value;
}

/** An unknown case key, with the case key it is a typo of (and a fix renaming it) when there is one. */
function unknownCaseKey(loc: CaseLocation, key: string, at: Range | undefined): BankDiagnostic {
  const near = closest(key, CASE_KEYS);
  const d = diagnostic(loc.file, 'warning', 'unknown-key', `unknown test case key "${key}"${near ? ` (did you mean "${near}"?)` : ''}`, loc.keyNameRanges?.[key] ?? at);
  const name = loc.keyNameRanges?.[key];
  if (near && name) d.fix = { title: `Change to '${near}'`, range: name, newText: near };
  return d;
}

/** An unknown assertion type, on its name, with the near miss as a quick fix when there is one. */
function unknownType(file: string, type: string, message: string, at: Range | undefined): BankDiagnostic {
  const d = diagnostic(file, 'error', 'unknown-assertion', message, at);
  const near = suggestAssertionType(type);
  if (near && at) d.fix = { title: `Change to '${near}'`, range: at, newText: near };
  return d;
}

/** A `file://` var: one file's text (JSON and YAML as JSON text), or for a glob, the list of every match's text. */
function loadVarFile(name: string, ref: string, loc: CaseLocation, diags: BankDiagnostic[]): unknown {
  const at = loc.keyRanges?.vars ?? loc.range;
  const path = ref.slice('file://'.length);
  if (SCRIPT_VAR.test(path)) {
    // A promptfoo config runs the script when the prompt renders (it drops this diagnostic); a test bank cannot.
    diags.push(diagnostic(loc.file, 'error', SCRIPT_VAR_CODE, `vars.${name}: variables generated by scripts (${path}) are not supported in test banks; write the value or load a text, JSON or YAML file`, at));
    return `file://${isAbsolute(path) ? path : resolve(loc.baseDir, path)}`;
  }
  if (BINARY_VAR_FILE.test(path)) {
    diags.push(diagnostic(loc.file, 'error', 'unsupported', `vars.${name}: ${path} is not a text file; audio, video and PDF variables are not supported yet`, at));
    return ref;
  }
  const one = (r: string): unknown => {
    const loaded = IMAGE_VAR_FILE.test(r) ? loadImageVar(r, loc.baseDir, loc.files) : loadFileValue(r, loc.baseDir, loc.files);
    if ('error' in loaded) {
      diags.push(diagnostic(loc.file, loadSeverity(loaded.code), loadCode(loaded.code), `vars.${name}: ${loaded.error}`, at));
      return r;
    }
    // promptfoo's renderPrompt: a YAML file is its value as JSON (a plain string too, quoted); any other
    // file is its text, trimmed (JSON as written).
    if (/\.ya?ml$/i.test(r)) return JSON.stringify(loaded.value);
    if (typeof loaded.value === 'string') return loaded.value.trim();
    const text = readTextFile(resolve(loc.baseDir, r.slice('file://'.length)), loc.files);
    return 'error' in text ? JSON.stringify(loaded.value) : text.text.trim();
  };
  if (!hasGlob(path)) return one(ref);
  // promptfoo expands a glob into one test per file: the list of texts expands the same way.
  if (loc.files.restricted) {
    diags.push(diagnostic(loc.file, 'info', 'restricted', `vars.${name}: ${path} is not expanded in Restricted Mode`, at));
    return ref;
  }
  const expanded = expandGlobConfined(path, loc.baseDir, loc.files);
  if ('error' in expanded) {
    diags.push(diagnostic(loc.file, 'error', expanded.error.code, `vars.${name}: ${expanded.error.message}`, at));
    return ref;
  }
  const files = expanded.files;
  if (files.length === 0) {
    diags.push(diagnostic(loc.file, 'error', 'file-not-found', `vars.${name}: no file matches ${path}`, at));
    return ref;
  }
  return files.map((f) => one(`file://${f}`));
}

/**
 * `vars: file://vars.yaml` — promptfoo's vars from files: a path or glob (`file://` optional) or a list of
 * them, each file a mapping, merged in order.
 */
function varsFromFiles(raw: string | unknown[], loc: CaseLocation, diags: BankDiagnostic[]): unknown {
  const at = loc.keyRanges?.vars ?? loc.range;
  const merged: Record<string, unknown> = {};
  for (const ref of Array.isArray(raw) ? raw : [raw]) {
    if (typeof ref !== 'string') {
      diags.push(diagnostic(loc.file, 'error', 'invalid-case', 'a list of vars must list paths of YAML or JSON files', at));
      return undefined;
    }
    const path = ref.replace(/^file:\/\//, '');
    const expanded = loc.files.restricted ? { files: [] } : expandGlobConfined(path, loc.baseDir, loc.files);
    if ('error' in expanded) {
      diags.push(diagnostic(loc.file, 'error', expanded.error.code, `vars: ${expanded.error.message}`, at));
      return undefined;
    }
    const files = expanded.files;
    if (loc.files.restricted) {
      diags.push(diagnostic(loc.file, 'info', 'restricted', `vars: ${path} is not read in Restricted Mode`, at));
      return undefined;
    }
    if (files.length === 0) {
      diags.push(diagnostic(loc.file, 'error', 'file-not-found', `vars: no file matches ${path}`, at));
      return undefined;
    }
    for (const f of files) {
      const loaded = loadFileValue(`file://${f}`, loc.baseDir, loc.files);
      if ('error' in loaded) {
        diags.push(diagnostic(loc.file, loadSeverity(loaded.code), loadCode(loaded.code), `vars: ${loaded.error}`, at));
        return undefined;
      }
      if (!isRecord(loaded.value)) {
        diags.push(diagnostic(loc.file, 'error', 'invalid-case', `vars: ${relative(loc.baseDir, resolve(loc.baseDir, f)) || f} must hold a mapping of variable names to values`, at));
        return undefined;
      }
      Object.assign(merged, loaded.value);
    }
  }
  return merged;
}

function normalizeVars(raw: unknown, loc: CaseLocation, diags: BankDiagnostic[]): Record<string, unknown> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw === 'string' || Array.isArray(raw)) raw = varsFromFiles(raw, loc, diags) ?? {};
  if (!isRecord(raw)) {
    diags.push(diagnostic(loc.file, 'error', 'invalid-case', 'vars must be a mapping of variable names to values', loc.keyRanges?.vars ?? loc.range));
    return {};
  }
  const vars: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) vars[k] = isFileRef(v) ? loadVarFile(k, v, loc, diags) : v;
  return vars;
}

/** `prompts` / `providers` of a case: a name or a list of names. */
function optionalNames(raw: Record<string, unknown>, key: string, loc: CaseLocation, diags: BankDiagnostic[]): string[] | undefined {
  const v = raw[key];
  if (v === undefined || v === null) return undefined;
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || !list.every((x) => typeof x === 'string')) {
    diags.push(diagnostic(loc.file, 'error', 'invalid-case', `${key} must be a label or a list of labels`, loc.keyRanges?.[key] ?? loc.range));
    return undefined;
  }
  return list as string[];
}

function optionalNumber(raw: Record<string, unknown>, key: string, loc: CaseLocation, diags: BankDiagnostic[], integer = false): number | undefined {
  const v = raw[key];
  if (v === undefined || v === null) return undefined;
  const ok = typeof v === 'number' && Number.isFinite(v) && (!integer || (Number.isInteger(v) && v >= 1));
  if (!ok) {
    diags.push(diagnostic(loc.file, 'error', 'invalid-case', `${key} must be ${integer ? 'a whole number ≥ 1' : 'a number'}`, loc.keyRanges?.[key] ?? loc.range));
    return undefined;
  }
  return v as number;
}

function optionalRecord(raw: Record<string, unknown>, key: string, loc: CaseLocation, diags: BankDiagnostic[]): Record<string, unknown> | undefined {
  const v = raw[key];
  if (v === undefined || v === null) return undefined;
  if (!isRecord(v)) {
    diags.push(diagnostic(loc.file, 'error', 'invalid-case', `${key} must be a mapping`, loc.keyRanges?.[key] ?? loc.range));
    return undefined;
  }
  return v;
}

function normalizeAssertList(raw: unknown, loc: CaseLocation, diags: BankDiagnostic[]): AssertionSpec[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    diags.push(diagnostic(loc.file, 'error', 'invalid-case', 'assert must be a list of assertions', loc.keyRanges?.assert ?? loc.range));
    return [];
  }
  const specs: AssertionSpec[] = [];
  raw.forEach((a, i) => {
    const spec = normalizeAssertion(a, loc, loc.assertRanges?.[i], diags, loc.assertTypeRanges?.[i]);
    if (spec) specs.push(spec);
  });
  return specs;
}

/** A case without its id (ids are assigned per file by `assignIds`). */
export type UnidentifiedCase = Omit<TestCase, 'id'>;

/** Validates a raw case. Returns `undefined` (with an error) when it is not a mapping. */
export function normalizeCase(raw: unknown, loc: CaseLocation, diags: BankDiagnostic[]): UnidentifiedCase | undefined {
  if (!isRecord(raw)) {
    diags.push(diagnostic(loc.file, 'error', 'invalid-case', 'a test case must be a mapping (description, vars, assert…)', loc.range));
    return undefined;
  }
  for (const key of Object.keys(raw)) {
    if (CASE_KEYS.has(key)) continue;
    const at = loc.keyRanges?.[key] ?? loc.range;
    if (IGNORED_CASE_KEYS.has(key)) diags.push(diagnostic(loc.file, 'info', 'unsupported', `"${key}" on a test case is not supported by Assay and is ignored`, at));
    else if (UNSUPPORTED_CASE_KEYS.has(key)) diags.push(diagnostic(loc.file, 'error', 'unsupported', `"${key}" on a test case is not supported by Assay: remove it to run the test without it`, at));
    else diags.push(unknownCaseKey(loc, key, at));
  }
  const testCase: UnidentifiedCase = {
    vars: normalizeVars(raw.vars, loc, diags),
    assert: normalizeAssertList(raw.assert, loc, diags),
    source: { file: loc.file, index: loc.index },
  };
  if (raw.description !== undefined && raw.description !== null) {
    if (typeof raw.description === 'string' || typeof raw.description === 'number') testCase.description = String(raw.description);
    else diags.push(diagnostic(loc.file, 'error', 'invalid-case', 'description must be text', loc.keyRanges?.description ?? loc.range));
  }
  const threshold = optionalNumber(raw, 'threshold', loc, diags);
  if (threshold !== undefined) testCase.threshold = threshold;
  const repeat = optionalNumber(raw, 'repeat', loc, diags, true);
  if (repeat !== undefined) testCase.repeat = repeat;
  const options = optionalRecord(raw, 'options', loc, diags);
  if (options) testCase.options = options;
  const metadata = optionalRecord(raw, 'metadata', loc, diags);
  if (metadata) testCase.metadata = metadata;
  const prompts = optionalNames(raw, 'prompts', loc, diags);
  if (prompts) testCase.prompts = prompts;
  const providers = optionalNames(raw, 'providers', loc, diags);
  if (providers) testCase.providers = providers;
  const scoring = scoringFunction(raw.assertScoringFunction, loc, diags);
  if (scoring) testCase.assertScoringFunction = scoring;
  if (loc.range) testCase.range = loc.range;
  return testCase;
}

/** `assertScoringFunction`: a `file://` JavaScript, TypeScript or Python function, made absolute. */
function scoringFunction(raw: unknown, loc: CaseLocation, diags: BankDiagnostic[]): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  const at = loc.keyRanges?.assertScoringFunction ?? loc.range;
  const m = typeof raw === 'string' ? /^file:\/\/(.+?\.(?:[cm]?js|[cm]?ts|tsx|py))(?::([A-Za-z_$][\w$.]*))?$/i.exec(raw) : null;
  if (!m) {
    diags.push(diagnostic(loc.file, 'error', 'invalid-case', 'assertScoringFunction must be file://scoring.js[:function] (or .ts) or file://scoring.py:function', at));
    return undefined;
  }
  const abs = isAbsolute(m[1]!) ? m[1]! : resolve(loc.baseDir, m[1]!);
  if (!loc.files.restricted && !existsSync(abs)) {
    diags.push(diagnostic(loc.file, 'error', 'file-not-found', `assertScoringFunction: file not found: ${m[1]}`, at));
    return undefined;
  }
  return `file://${abs}${m[2] ? `:${m[2]}` : ''}`;
}

/** Validates bank-level defaults (promptfoo's `defaultTest`): the same keys as a case, minus `description`. */
export function normalizeDefaults(raw: unknown, loc: CaseLocation, diags: BankDiagnostic[]): TestDefaults {
  if (raw === undefined || raw === null) return {};
  const c = normalizeCase(raw, loc, diags);
  if (!c) return {};
  const defaults: TestDefaults = {};
  if (Object.keys(c.vars).length > 0) defaults.vars = c.vars;
  if (c.assert.length > 0) defaults.assert = c.assert;
  if (c.threshold !== undefined) defaults.threshold = c.threshold;
  if (c.repeat !== undefined) defaults.repeat = c.repeat;
  if (c.options) defaults.options = c.options;
  if (c.metadata) defaults.metadata = c.metadata;
  if (c.prompts) defaults.prompts = c.prompts;
  if (c.providers) defaults.providers = c.providers;
  if (c.assertScoringFunction) defaults.assertScoringFunction = c.assertScoringFunction;
  return defaults;
}

/** JSON with sorted keys, so equal values hash equally whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isRecord(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Gives each case of one file its stable id (see `TestCase.id`). */
export function assignIds(cases: UnidentifiedCase[], file: string): TestCase[] {
  const seen = new Map<string, number>();
  const name = basename(file);
  return cases.map((c) => {
    const key = c.description !== undefined ? `d:${c.description}` : `v:${canonical(c.vars)}`;
    const hash = createHash('sha1').update(key).digest('hex').slice(0, 8);
    const n = (seen.get(hash) ?? 0) + 1;
    seen.set(hash, n);
    return { id: `${name}#${hash}${n > 1 ? `~${n}` : ''}`, ...c };
  });
}

/**
 * A case with bank defaults merged in, promptfoo's way: vars and options merged (the case wins), default
 * assertions first (none with the case's `options.disableDefaultAsserts`), prompts and providers the case's or else the defaults'.
 */
export function applyDefaults(testCase: TestCase, defaults: TestDefaults): TestCase {
  const merged: TestCase = {
    ...testCase,
    vars: { ...defaults.vars, ...testCase.vars },
    assert: [...(testCase.options?.disableDefaultAsserts === true ? [] : (defaults.assert ?? [])), ...testCase.assert],
  };
  const prompts = testCase.prompts ?? defaults.prompts;
  if (prompts) merged.prompts = prompts;
  const providers = testCase.providers ?? defaults.providers;
  if (providers) merged.providers = providers;
  const threshold = testCase.threshold ?? defaults.threshold;
  if (threshold !== undefined) merged.threshold = threshold;
  const repeat = testCase.repeat ?? defaults.repeat;
  if (repeat !== undefined) merged.repeat = repeat;
  const scoring = testCase.assertScoringFunction ?? defaults.assertScoringFunction;
  if (scoring !== undefined) merged.assertScoringFunction = scoring;
  if (defaults.options || testCase.options) merged.options = { ...defaults.options, ...testCase.options };
  if (defaults.metadata || testCase.metadata) merged.metadata = { ...defaults.metadata, ...testCase.metadata };
  return merged;
}
