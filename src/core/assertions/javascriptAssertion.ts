// `javascript`: user code judges the output. Runs only where workspace code is trusted (the CLI, a trusted
// workspace); `node:vm` gives it its own global scope and a time limit, not a security boundary.
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { statSync } from 'node:fs';
import * as vm from 'node:vm';
import type { AssertionDefinition, AssertionInput, AssertionSpec, RawAssertionResult } from './assertionTypes';
import { importModule } from './importModule';
import { isRecord } from './valueUtils';

/** Default time limit for one `javascript` assertion; `config.timeoutMs` overrides it. */
export const JAVASCRIPT_TIMEOUT_MS = 5000;

interface Compiled {
  script: vm.Script;
  /** One global scope per script, reused: creating a vm context costs more than the typical check. */
  sandbox: vm.Context;
}

const scripts = new Map<string, Compiled | { error: string }>();
const SILENT_CONSOLE = { log() {}, info() {}, warn() {}, error() {}, debug() {} };

/**
 * Compiles inline code once: first as an expression (`output.includes('x')`), else as a function body
 * (multi-line code with `return`). Both forms may use `await`.
 */
function compile(code: string): Compiled | { error: string } {
  const hit = scripts.get(code);
  if (hit) return hit;
  // The wrapper reads the globals `output` and `context` synchronously into its parameters, so
  // overlapping runs of one script don't see each other's values.
  let entry: Compiled | { error: string };
  const make = (script: vm.Script): Compiled => ({ script, sandbox: vm.createContext({ console: SILENT_CONSOLE }) });
  try {
    entry = make(new vm.Script(`(async function (output, context) { return (\n${code}\n); })(output, context)`, { filename: 'javascript-assertion.js' }));
  } catch {
    // promptfoo's rule for one line: `return <line>`, so an expression ending in `;` is still an expression.
    const oneLine = !code.includes('\n') ? tryScript(`(async function (output, context) { return ${code}\n})(output, context)`) : undefined;
    const body = oneLine instanceof vm.Script ? oneLine : tryScript(`(async function (output, context) {\n${code}\n})(output, context)`);
    entry = body instanceof vm.Script ? make(body) : { error: `javascript does not compile: ${body.error}` };
  }
  if (scripts.size > 500) scripts.clear();
  scripts.set(code, entry);
  return entry;
}

function tryScript(source: string): vm.Script | { error: string } {
  try {
    return new vm.Script(source, { filename: 'javascript-assertion.js' });
  } catch (e) {
    return { error: (e as Error).message };
  }
}

type AssertFn = (output: unknown, context: unknown) => unknown;

/** Loads `file://path.js[:functionName]` (CommonJS or ESM); a changed file is loaded afresh. */
async function loadFile(ref: string, baseDir: string | undefined): Promise<AssertFn | { error: string }> {
  let path = ref.slice('file://'.length);
  let fnName: string | undefined;
  const m = /^(.*\.(?:m?js|cjs)):([A-Za-z_$][\w$]*)$/.exec(path);
  if (m) [path, fnName] = [m[1], m[2]];
  const abs = isAbsolute(path) ? path : resolve(baseDir ?? process.cwd(), path);
  let mtime: number;
  try {
    mtime = statSync(abs).mtimeMs;
  } catch {
    return { error: `javascript file not found: ${abs}` };
  }
  try {
    const mod = await importModule(`${pathToFileURL(abs).href}?v=${mtime}`);
    const base = (isRecord(mod.default) || typeof mod.default === 'function' ? mod.default : mod) as Record<string, unknown> | AssertFn;
    const fn = fnName ? (base as Record<string, unknown>)[fnName] ?? mod[fnName] : base;
    if (typeof fn !== 'function') return { error: `${abs} does not export a function${fnName ? ` named ${fnName}` : ''}` };
    return fn as AssertFn;
  } catch (e) {
    return { error: `cannot load ${abs}: ${(e as Error).message}` };
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, signal?: AbortSignal): Promise<T | { timeout: true } | { aborted: true }> {
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => resolvePromise({ timeout: true }), ms);
    const onAbort = () => resolvePromise({ aborted: true });
    signal?.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolvePromise(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** Turns what the code returned into a verdict: boolean, number (a score) or `{ pass, score?, reason? }`. */
export function interpretReturn(value: unknown, threshold: number | undefined): RawAssertionResult {
  if (typeof value === 'boolean') return { pass: value, score: value ? 1 : 0, reason: `javascript returned ${value}` };
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { pass: false, score: 0, reason: 'javascript returned a non-finite number', error: 'javascript returned a non-finite number' };
    const pass = threshold !== undefined ? value >= threshold : value > 0;
    return { pass, score: value, reason: `javascript returned ${value}${threshold !== undefined ? ` (threshold ${threshold})` : ''}` };
  }
  if (isRecord(value) && typeof value.pass === 'boolean') {
    const score = typeof value.score === 'number' && Number.isFinite(value.score) ? value.score : value.pass ? 1 : 0;
    const reason = typeof value.reason === 'string' && value.reason !== '' ? value.reason : `javascript returned pass: ${value.pass}`;
    return { pass: value.pass, score, reason };
  }
  const shown = value === undefined ? 'undefined' : JSON.stringify(value) ?? String(value);
  const error = `javascript must return a boolean, a number or { pass, score, reason }; it returned ${shown.slice(0, 80)}`;
  return { pass: false, score: 0, reason: error, error };
}

/** What the code sees as `output`: the text, or the tool calls when the model answered only with tool calls. */
function outputForCode(input: AssertionInput): unknown {
  if (input.output === '' && input.result.toolCalls.length > 0) return input.result.toolCalls;
  return input.output;
}

async function run(spec: AssertionSpec, input: AssertionInput): Promise<RawAssertionResult> {
  if (!input.trusted) {
    const error = 'javascript assertions run only in a trusted workspace (or the CLI)';
    return { pass: false, score: 0, reason: error, error };
  }
  const code = String(spec.value);
  const timeoutMs = typeof spec.config?.timeoutMs === 'number' ? spec.config.timeoutMs : JAVASCRIPT_TIMEOUT_MS;
  const context = { vars: input.vars, test: input.test, config: spec.config ?? {}, prompt: promptText(input) };
  const output = outputForCode(input);
  let pending: Promise<unknown>;
  try {
    if (code.startsWith('file://')) {
      const fn = await loadFile(code, input.baseDir);
      if ('error' in fn) return { pass: false, score: 0, reason: fn.error as string, error: fn.error as string };
      pending = Promise.resolve((fn as AssertFn)(output, context));
    } else {
      const compiled = compile(code);
      if ('error' in compiled) return { pass: false, score: 0, reason: compiled.error as string, error: compiled.error as string };
      const { script, sandbox } = compiled as Compiled;
      sandbox.output = output;
      sandbox.context = context;
      try {
        pending = script.runInContext(sandbox, { timeout: timeoutMs }) as Promise<unknown>;
      } finally {
        // Already captured by the wrapper; don't keep the last output alive.
        delete sandbox.output;
        delete sandbox.context;
      }
    }
    const value = await withTimeout(Promise.resolve(pending), timeoutMs, input.signal);
    if (isRecord(value) && value.timeout === true && Object.keys(value).length === 1) {
      const error = `javascript did not finish within ${timeoutMs} ms`;
      return { pass: false, score: 0, reason: error, error };
    }
    if (isRecord(value) && value.aborted === true && Object.keys(value).length === 1) {
      return { pass: false, score: 0, reason: 'cancelled', error: 'cancelled' };
    }
    return interpretReturn(value, spec.threshold);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const error = /timed out/i.test(message) ? `javascript did not finish within ${timeoutMs} ms` : `javascript threw: ${message}`;
    return { pass: false, score: 0, reason: error, error };
  }
}

function promptText(input: AssertionInput): string | undefined {
  const messages = input.request?.messages;
  if (!messages || messages.length === 0) return undefined;
  return messages.map((m) => m.content).join('\n\n');
}

export const JAVASCRIPT_ASSERTION: AssertionDefinition = {
  type: 'javascript',
  description: 'User JavaScript judges the output (trusted workspaces and the CLI only).',
  docs:
    '`value` is an expression (`output.includes("refund")`), a function body with `return` (multi-line; `await` allowed), or `file://path.js[:functionName]` exporting `(output, context) => …`. ' +
    '`output` is the output text (the list of tool calls when the model answered only with tool calls); `context` is `{ vars, test, config, prompt }`. ' +
    'Return a boolean (score 1/0), a number (the score; passes when > 0, or ≥ `threshold` when one is set) or `{ pass, score?, reason? }`. ' +
    'A throw, another return type, or running past the time limit (`config.timeoutMs`, default 5000) is an evaluation error. In Restricted Mode it never runs.',
  example: "assert:\n  - type: javascript\n    value: output.split(' ').length <= 3\n  - type: javascript\n    value: |\n      const n = output.length;\n      return { pass: n < 200, score: Math.max(0, 1 - n / 200), reason: `${n} characters` };",
  modelGraded: false,
  trustedOnly: true,
  check(spec) {
    if (typeof spec.value !== 'string' || spec.value.trim() === '') return '"javascript" needs code (or file://path.js) as value';
    if (spec.value.startsWith('file://')) return undefined;
    const compiled = compile(spec.value);
    return 'error' in compiled ? (compiled.error as string) : undefined;
  },
  evaluate: run,
};
