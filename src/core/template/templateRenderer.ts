// Rendering runs template code: Nunjucks templates can reach JavaScript objects through their context
// and are not a sandbox. Callers (the host) must only render files from trusted workspaces.
import * as nunjucks from 'nunjucks';
import { nunjucksRange, withRenderLimits } from './templateLimits';

/** A render failure; `offset` (into the template source) when Nunjucks said where. */
export interface TemplateFailure {
  message: string;
  offset?: number;
}

/** Custom filters (promptfoo's `nunjucksFilters`): name → function. */
export type TemplateFilters = Record<string, (...args: unknown[]) => unknown>;

/** How an undefined or null value renders: an error (prompt files), or empty text (promptfoo's Nunjucks default). */
export type UndefinedValues = 'error' | 'empty';

const shared: Partial<Record<UndefinedValues, nunjucks.Environment>> = {};
/** An environment per set of custom filters, so one config's filters never reach another's templates. */
const filteredEnvs: Record<UndefinedValues, WeakMap<TemplateFilters, nunjucks.Environment>> = { error: new WeakMap(), empty: new WeakMap() };

/**
 * The shared environment (or one with custom filters): no loader (templates cannot read files), no
 * autoescaping (prompts are not HTML); outputting an undefined or null value is an error unless
 * `undefinedValues` is `empty` (promptfoo configs, rendered as promptfoo renders them).
 */
function environment(filters: TemplateFilters | undefined, undefinedValues: UndefinedValues): nunjucks.Environment {
  if (filters) {
    let e = filteredEnvs[undefinedValues].get(filters);
    if (!e) {
      e = newEnvironment(undefinedValues);
      for (const [name, fn] of Object.entries(filters)) e.addFilter(name, fn);
      filteredEnvs[undefinedValues].set(filters, e);
    }
    return e;
  }
  return (shared[undefinedValues] ??= newEnvironment(undefinedValues));
}

function newEnvironment(undefinedValues: UndefinedValues): nunjucks.Environment {
  const e = new nunjucks.Environment([], { autoescape: false, throwOnUndefined: undefinedValues === 'error', trimBlocks: false, lstripBlocks: false });
  // Jinja2's name for `dump`, used by Prompty and promptfoo templates.
  e.addFilter('tojson', (value: unknown, indent?: number) => JSON.stringify(value, null, indent) ?? 'null');
  e.addGlobal('range', nunjucksRange);
  return e;
}

const CACHE_LIMIT = 256;
const compiledByEnv = new WeakMap<nunjucks.Environment, Map<string, nunjucks.Template>>();

/** Offset of a 1-based line and column in `source` (Nunjucks counts lines by `\n` only). */
function offsetOf(source: string, line: number, column: number): number {
  let off = 0;
  for (let l = 1; l < line; l++) {
    const nl = source.indexOf('\n', off);
    if (nl === -1) return source.length;
    off = nl + 1;
  }
  return Math.min(source.length, off + Math.max(0, column - 1));
}

function failure(err: unknown, source: string): TemplateFailure {
  const raw = err instanceof Error ? err.message : String(err);
  const pos = /\[Line (\d+), Column (\d+)\]/.exec(raw);
  let message = raw
    .replace(/^\([^)]*\)(?: \[Line \d+, Column \d+\])?\s*/, '')
    .replace(/^(?:(?:Template render error:|Error:)\s*(?:\([^)]*\)(?: \[Line \d+, Column \d+\])?)?\s*)+/g, '')
    .trim();
  if (!pos) return { message };
  const offset = offsetOf(source, Number(pos[1]), Number(pos[2]));
  if (/attempted to output null or undefined value/.test(message)) {
    const close = source.indexOf('}}', offset);
    const tag = close !== -1 && source.startsWith('{{', offset) ? source.slice(offset, close + 2) : undefined;
    message = tag ? `${tag.replace(/\s+/g, ' ')} is undefined or null` : 'a value is undefined or null';
  }
  return { message, offset };
}

/** Compiles (memoised by source) and renders one template, with custom `filters` when given. Never throws. */
export function renderTemplate(source: string, vars: Record<string, unknown>, filters?: TemplateFilters, undefinedValues: UndefinedValues = 'error'): { text: string } | { error: TemplateFailure } {
  const environmentUsed = environment(filters, undefinedValues);
  let compiled = compiledByEnv.get(environmentUsed);
  if (!compiled) compiledByEnv.set(environmentUsed, (compiled = new Map()));
  let template = compiled.get(source);
  try {
    if (!template) {
      template = new nunjucks.Template(source, environmentUsed, undefined, true);
      compiled.set(source, template);
      if (compiled.size > CACHE_LIMIT) compiled.delete(compiled.keys().next().value!);
    }
    const compiledTemplate = template;
    return { text: withRenderLimits(() => compiledTemplate.render(vars)) };
  } catch (err) {
    return { error: failure(err, source) };
  }
}
