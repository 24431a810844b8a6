// promptfoo's `transform` (an output before assertions) and `transformVars` (a test's vars before it
// renders): inline JavaScript or `file://path.js[:functionName]`, called as promptfoo calls them —
// `(output, context)` or `(vars, context)`. User code: only where the workspace is trusted (the CLI, a
// trusted workspace). `node:vm` gives inline code its own global scope and a time limit, not a security boundary.
import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as vm from 'node:vm';
import { importModule } from '../assertions/importModule';
import { isRecord } from '../assertions/valueUtils';

/** Limit for the synchronous part of inline code (as for `javascript` assertions). */
export const TRANSFORM_TIMEOUT_MS = 5000;

/** What the transform's first parameter is called in inline code. */
export type TransformInput = 'output' | 'vars';

type TransformFn = (input: unknown, context: unknown) => unknown;

const compiled = new Map<string, { script: vm.Script; sandbox: vm.Context } | { error: string }>();
const SILENT_CONSOLE = { log() {}, info() {}, warn() {}, error() {}, debug() {} };

/** promptfoo's rule: one line is an expression, several lines are a function body with `return`. */
function compile(code: string, input: TransformInput): { script: vm.Script; sandbox: vm.Context } | { error: string } {
  const key = `${input}\n${code}`;
  const hit = compiled.get(key);
  if (hit) return hit;
  const body = code.includes('\n') ? code : `return ${code}`;
  let entry: { script: vm.Script; sandbox: vm.Context } | { error: string };
  try {
    // The wrapper reads the globals into parameters synchronously, so overlapping calls don't share values.
    const script = new vm.Script(`(async function (${input}, context) {\n${body}\n})(__input, __context)`, { filename: 'transform.js' });
    entry = { script, sandbox: vm.createContext({ console: SILENT_CONSOLE }) };
  } catch (e) {
    entry = { error: `the transform does not compile: ${(e as Error).message}` };
  }
  if (compiled.size > 500) compiled.clear();
  compiled.set(key, entry);
  return entry;
}

/** Checks a transform without running it: inline code must compile; a file must be JavaScript. */
export function checkTransform(code: unknown, input: TransformInput): string | undefined {
  if (typeof code !== 'string' || code.trim() === '') return 'a transform must be JavaScript code or file://path.js';
  if (code.startsWith('file://')) {
    const path = code.slice('file://'.length).replace(/:[\w$]+$/, '');
    if (/\.py$/i.test(path)) return `Python transforms (${path}) are not supported: use JavaScript`;
    if (!/\.(m?js|cjs)$/i.test(path)) return `a transform file must be JavaScript (.js, .cjs, .mjs): ${path}`;
    return undefined;
  }
  const c = compile(code, input);
  return 'error' in c ? c.error : undefined;
}

async function loadFunction(ref: string, baseDir: string): Promise<TransformFn | { error: string }> {
  let path = ref.slice('file://'.length);
  let name: string | undefined;
  const m = /^(.*\.(?:m?js|cjs)):([A-Za-z_$][\w$]*)$/.exec(path);
  if (m) [path, name] = [m[1]!, m[2]];
  const abs = isAbsolute(path) ? path : resolve(baseDir, path);
  let mtime: number;
  try {
    mtime = statSync(abs).mtimeMs;
  } catch {
    return { error: `transform file not found: ${abs}` };
  }
  try {
    const mod = await importModule(`${pathToFileURL(abs).href}?v=${mtime}`);
    const base = mod.default !== undefined ? mod.default : mod;
    const fn = name ? (isRecord(base) ? base[name] : undefined) ?? mod[name] : typeof base === 'function' ? base : undefined;
    if (typeof fn !== 'function') return { error: `${abs} must export a function${name ? ` named ${name}` : ' (module.exports or default)'}` };
    return fn as TransformFn;
  } catch (e) {
    return { error: `cannot load ${abs}: ${(e as Error).message}` };
  }
}

/**
 * Runs a transform on `value` with `context`. Resolves to the new value, or to `{ error }` when the code
 * does not load, throws, times out or returns nothing (promptfoo's rule: null and undefined are errors).
 */
export async function runTransform(
  code: string,
  input: TransformInput,
  value: unknown,
  context: Record<string, unknown>,
  options: { baseDir: string; trusted: boolean; timeoutMs?: number },
): Promise<{ value: unknown } | { error: string }> {
  if (!options.trusted) return { error: `${input === 'vars' ? 'transformVars' : 'transform'} runs JavaScript: only in a trusted workspace (or the CLI)` };
  const timeoutMs = options.timeoutMs ?? TRANSFORM_TIMEOUT_MS;
  try {
    let pending: unknown;
    if (code.startsWith('file://')) {
      const problem = checkTransform(code, input);
      if (problem) return { error: problem };
      const fn = await loadFunction(code, options.baseDir);
      if ('error' in fn) return fn;
      pending = fn(value, context);
    } else {
      const c = compile(code, input);
      if ('error' in c) return c;
      c.sandbox.__input = value;
      c.sandbox.__context = context;
      try {
        pending = c.script.runInContext(c.sandbox, { timeout: timeoutMs });
      } finally {
        delete c.sandbox.__input;
        delete c.sandbox.__context;
      }
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<{ timedOut: true }>((r) => (timer = setTimeout(() => r({ timedOut: true }), timeoutMs)));
    const settled = await Promise.race([Promise.resolve(pending).then((v) => ({ v })), timeout]).finally(() => clearTimeout(timer));
    if ('timedOut' in settled) return { error: `the transform did not finish within ${timeoutMs} ms` };
    if (settled.v === null || settled.v === undefined) return { error: 'the transform returned nothing (null or undefined)' };
    return { value: settled.v };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return { error: /timed out/i.test(message) ? `the transform did not finish within ${timeoutMs} ms` : `the transform threw: ${message}` };
  }
}
