// Prompty's `base:`: a prompty file naming a base file whose model and sample it inherits. Semantics of
// Prompty 0.1, the one runtime that reads it (runtime/prompty/prompty/__init__.py `load`, microsoft/prompty
// 69a97860, 2024-07): the base (beside the file, loaded the same way, so bases chain) is hoisted under the
// file — `model.api` when the file has none, `model.configuration`, `model.parameters` and
// `model.response` key by key with the file's keys winning (`param_hoisting`), and `sample` the same way.
// Inputs, outputs and the template are not merged (the body reaches the base through `{% extends %}`).
// Prompty 1.0 drops `base:` with a warning and 2.0 has no such key, so 2.0 files are not merged.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { Diagnostic } from '../types';
import { readFrontMatter, type FrontMatterFields } from './frontMatter';
import { LineIndex } from './lineIndex';

type Data = Record<string, unknown>;

/** How deep bases may chain; a longer chain is surely a mistake. */
const MAX_DEPTH = 8;

function isData(v: unknown): v is Data {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** `param_hoisting(top, bottom)`: top's keys, then bottom's keys top lacks. */
function hoist(top: unknown, bottom: unknown): Data | undefined {
  if (!isData(top) && !isData(bottom)) return undefined;
  return { ...(isData(bottom) ? bottom : {}), ...(isData(top) ? top : {}) };
}

/** The model and sample of `data` with its base's hoisted under them. */
function merge(data: Data, base: Data): Data {
  const model = isData(data.model) ? data.model : {};
  const baseModel = isData(base.model) ? base.model : {};
  const merged: Data = { ...model };
  const api = model.api === undefined || model.api === '' ? baseModel.api : model.api;
  if (api !== undefined) merged.api = api;
  for (const key of ['configuration', 'parameters', 'response']) {
    const value = hoist(model[key], baseModel[key]);
    if (value !== undefined) merged[key] = value;
  }
  const out: Data = { ...data, model: merged };
  const sample = hoist(data.sample, base.sample);
  if (sample !== undefined) out.sample = sample;
  return out;
}

/** A prompty file's front matter, as Prompty's loader splits it off the body. */
function frontMatterOf(text: string): { data: Data } | { error: string } {
  const m = /^\s*(?:---|\+\+\+)(.*?)(?:---|\+\+\+)/s.exec(text);
  if (!m) return { data: {} };
  try {
    const data: unknown = parse(m[1]!);
    return data === null || data === undefined ? { data: {} } : isData(data) ? { data } : { error: 'its front matter is not a mapping of keys' };
  } catch (err) {
    return { error: `its front matter is not valid YAML (${err instanceof Error ? err.message.split('\n')[0] : String(err)})` };
  }
}

/** Reads a text file; the same signature as `readFileSync(path, 'utf8')`, replaceable in tests. */
export type ReadText = (path: string) => string;

/**
 * The front matter `data` of the prompty file at `path` with its `base:` chain merged in, or why the base
 * cannot be read. Data without `base:` comes back as it is.
 */
export function withBase(data: Data, path: string, readText: ReadText = (p) => readFileSync(p, 'utf8')): { data: Data } | { error: string } {
  let current = data;
  let at = path;
  const chain: Data[] = [];
  const seen = new Set([path]);
  while (current.base !== undefined) {
    const name = current.base;
    if (typeof name !== 'string' || name.trim() === '') return { error: `'base' must name a prompty file beside this one, not ${JSON.stringify(name)}` };
    const basePath = isAbsolute(name) ? name : join(dirname(at), name);
    if (seen.has(basePath)) return { error: `the base files name each other in a loop (${[...seen, basePath].map((p) => p.split(/[\\/]/).pop()).join(' → ')})` };
    if (seen.size > MAX_DEPTH) return { error: `the chain of base files is longer than ${MAX_DEPTH}` };
    seen.add(basePath);
    let text: string;
    try {
      text = readText(basePath);
    } catch (err) {
      return { error: `cannot read the base file ${name}: ${err instanceof Error ? err.message : String(err)}` };
    }
    const base = frontMatterOf(text);
    if ('error' in base) return { error: `the base file ${name}: ${base.error}` };
    chain.push(current);
    current = base.data;
    at = basePath;
  }
  // Each file hoists its (already merged) base under itself, as the recursive load does.
  let merged = current;
  for (let i = chain.length - 1; i >= 0; i--) merged = merge(chain[i]!, merged);
  return { data: merged };
}

/**
 * Merges a 0.1/1.0 prompty file's `base:` chain into what its front matter yields: models, parameters and
 * inputs are read again from the merged front matter. What the file itself declares keeps its place in the
 * file; what comes from a base points at the `base` key. A base that cannot be read is an error there.
 */
export function applyBase(fields: FrontMatterFields, path: string | undefined, diagnostics: Diagnostic[], readText?: ReadText): FrontMatterFields {
  const data = fields.data;
  const at = fields.keyRanges.get('base');
  if (!data || data.base === undefined || !at || fields.promptyVersion !== 1) return fields;
  if (path === undefined) {
    diagnostics.push({ severity: 'warning', code: 'prompty-base', message: "The base file's model and sample are merged once this file is saved (a base is found beside the file).", range: at });
    return fields;
  }
  const merged = withBase(data, path, readText);
  if ('error' in merged) {
    diagnostics.push({ severity: 'error', code: 'base-file', message: `The base is not merged: ${merged.error}.`, range: at });
    return fields;
  }
  const rest = { ...merged.data };
  delete rest.base;
  const text = stringify(rest);
  const lines = new LineIndex(text);
  const whole = lines.range(0, text.length);
  const read = readFrontMatter(text, 0, lines, 'prompty', [], whole, dirname(path));
  const modelAt = new Map(fields.models.map((m) => [m.text, m.range]));
  return {
    ...fields,
    models: read.models.map((m) => ({ ...m, range: modelAt.get(m.text) ?? at })),
    params: read.params,
    inputs: new Map([...read.inputs].map(([name, input]) => [name, { ...input, range: fields.inputs.get(name)?.range ?? at }])),
  };
}
