// `javascript`: user code judges the output. Runs only where workspace code is trusted (the CLI, a trusted
// workspace), and then in a sandbox worker thread (core/sandbox) under a time and a memory limit, so a loop
// that never ends, synchronous or after an `await`, or code that eats memory is an error for that
// assertion and the run goes on; cancelling the run stops it. Not a security boundary: the code can still
// reach the file system and the network like any Node module.
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { statSync } from 'node:fs';
import * as vm from 'node:vm';
import { compileTypeScript, isTypeScriptFile } from '../sandbox/compileTypeScript';
import { runSandboxed, type SandboxTask } from '../sandbox/sandboxPool';
import { DEFAULT_ASSERTION_LIMITS, type AssertionDefinition, type AssertionInput, type AssertionSpec, type RawAssertionResult } from './assertionTypes';
import { isRecord } from './valueUtils';

/** Default time limit for one `javascript` assertion; `config.timeoutMs` overrides it. */
export const JAVASCRIPT_TIMEOUT_MS = DEFAULT_ASSERTION_LIMITS.javascriptTimeoutMs;

const compileErrors = new Map<string, string | undefined>();

/**
 * Why inline code does not compile, or `undefined` when it does (the worker compiles it again to run it):
 * first as an expression (`output.includes('x')`, a trailing `;` allowed), else as a function body (multi-line code with
 * `return`). Both forms may use `await`.
 */
function compileError(code: string): string | undefined {
  if (compileErrors.has(code)) return compileErrors.get(code);
  let error: string | undefined;
  try {
    // promptfoo accepts an expression with a trailing `;` (`output.includes('x');`).
    new vm.Script(`(async function (output, context) { return (\n${code.replace(/[\s;]+$/, '')}\n); })(output, context)`);
  } catch {
    try {
      // promptfoo's rule for one line: `return <line>`, so an expression ending in `;` is still an expression.
      if (code.includes('\n')) throw new Error('not one line');
      new vm.Script(`(async function (output, context) { return ${code}\n})(output, context)`);
    } catch {
      try {
        new vm.Script(`(async function (output, context) {\n${code}\n})(output, context)`);
      } catch (e) {
        error = `javascript does not compile: ${(e as Error).message}`;
      }
    }
  }
  if (compileErrors.size > 500) compileErrors.clear();
  compileErrors.set(code, error);
  return error;
}

/**
 * `file://path.js[:functionName]` (also `.mjs`, `.cjs`, `.ts`, `.mts`, `.cts`, `.tsx`) as a task; a changed file is
 * loaded afresh (its mtime is in the URL; TypeScript is compiled with sucrase on each run, with the `.ts` files it
 * imports by relative path, as for TypeScript providers).
 */
export async function scriptFileTask(ref: string, baseDir: string | undefined, output: unknown, context: unknown): Promise<SandboxTask | { error: string }> {
  let path = ref.slice('file://'.length);
  let exportName: string | undefined;
  const m = /^(.*\.(?:m?js|cjs|[cm]?ts|tsx)):([A-Za-z_$][\w$]*)$/.exec(path);
  if (m) [path, exportName] = [m[1]!, m[2]];
  const abs = isAbsolute(path) ? path : resolve(baseDir ?? process.cwd(), path);
  let mtime: number;
  try {
    mtime = statSync(abs).mtimeMs;
  } catch {
    return { error: `javascript file not found: ${abs}` };
  }
  const task: SandboxTask = { kind: 'javascript-file', url: `${pathToFileURL(abs).href}?v=${mtime}`, path: abs, ...(exportName ? { exportName } : {}), output, context };
  if (!isTypeScriptFile(abs)) return task;
  const sources = await compileTypeScript(abs);
  return 'error' in sources ? { error: `javascript file does not compile: ${sources.error}` } : { ...task, sources };
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
  const limits = input.limits ?? DEFAULT_ASSERTION_LIMITS;
  const code = String(spec.value);
  const own = spec.config?.timeoutMs;
  const timeoutMs = typeof own === 'number' && Number.isFinite(own) && own > 0 ? own : limits.javascriptTimeoutMs;
  const context = { vars: input.vars, test: input.test, config: spec.config ?? {}, prompt: promptText(input) };
  const output = outputForCode(input);
  let task: SandboxTask | { error: string };
  if (code.startsWith('file://')) task = await scriptFileTask(code, input.baseDir, output, context);
  else {
    const error = compileError(code);
    task = error ? { error } : { kind: 'javascript', code, output, context };
  }
  if ('error' in task) return { pass: false, score: 0, reason: task.error, error: task.error };
  const outcome = await runSandboxed(task, { timeoutMs, memoryMb: limits.memoryMb, signal: input.signal });
  if (outcome.ok) return interpretReturn(outcome.value, spec.threshold);
  const error = {
    timeout: `javascript timed out after ${timeoutMs} ms and was stopped (set config.timeoutMs to allow longer)`,
    memory: `javascript was stopped: ${outcome.message}`,
    aborted: 'cancelled',
    threw: `javascript threw: ${outcome.message}`,
    invalid: `javascript failed: ${outcome.message}`,
    crashed: `javascript was stopped: ${outcome.message}`,
  }[outcome.kind];
  return { pass: false, score: 0, reason: error, error };
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
    '`value` is an expression (`output.includes("refund")`), a function body with `return` (multi-line; `await` allowed), or `file://path.js[:functionName]` (also `.mjs`, `.cjs`, and TypeScript `.ts`, `.mts`, `.cts`, `.tsx`, compiled on each run) exporting `(output, context) => …`. ' +
    '`output` is the output text (the list of tool calls when the model answered only with tool calls); `context` is `{ vars, test, config, prompt }`. ' +
    'Return a boolean (score 1/0), a number (the score; passes when > 0, or ≥ `threshold` when one is set) or `{ pass, score?, reason? }`. ' +
    'A throw, another return type, or running past the time limit (`config.timeoutMs`, default 5000 ms) or the memory limit (256 MB) is an evaluation error; the code runs in a worker thread that is stopped when it hits a limit or the run is cancelled. In Restricted Mode it never runs.',
  example: "assert:\n  - type: javascript\n    value: output.split(' ').length <= 3\n  - type: javascript\n    value: |\n      const n = output.length;\n      return { pass: n < 200, score: Math.max(0, 1 - n / 200), reason: `${n} characters` };",
  modelGraded: false,
  trustedOnly: true,
  check(spec) {
    if (typeof spec.value !== 'string' || spec.value.trim() === '') return '"javascript" needs code (or file://path.js) as value';
    if (spec.value.startsWith('file://')) return undefined;
    return compileError(spec.value);
  },
  evaluate: run,
};
