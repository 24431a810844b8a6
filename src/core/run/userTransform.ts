// promptfoo's `transform` (an output before assertions) and `transformVars` (a test's vars before it
// renders): inline JavaScript or `file://path.js[:functionName]`, called as promptfoo calls them —
// `(output, context)` or `(vars, context)`. User code: only where the workspace is trusted (the CLI, a
// trusted workspace); it runs in a sandbox worker (core/sandbox) under the assertion limits.
import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as vm from 'node:vm';
import { DEFAULT_ASSERTION_LIMITS, type AssertionLimits } from '../assertions/assertionTypes';
import { runSandboxed, type SandboxTask } from '../sandbox/sandboxPool';

/** What the transform's first parameter is called in inline code. */
export type TransformInput = 'output' | 'vars';

/**
 * The function body the sandbox runs for inline code, its input arriving as `output`: promptfoo's rule,
 * one line is `return <line>`, several lines are a body with `return`.
 */
function bodyOf(code: string, input: TransformInput): string {
  const body = code.includes('\n') ? code : `return ${code}`;
  return input === 'vars' ? `const vars = output;\n${body}\n` : `${body}\n`;
}

/** Checks a transform without running it: inline code must compile; a file must be JavaScript. */
export function checkTransform(code: unknown, input: TransformInput): string | undefined {
  if (typeof code !== 'string' || code.trim() === '') return 'a transform must be JavaScript code or file://path.js';
  if (code.startsWith('file://')) {
    const path = code.slice('file://'.length).replace(/:[\w$.]+$/, '');
    if (/\.py$/i.test(path)) return `Python transforms (${path}) are not supported: use JavaScript`;
    if (!/\.(m?js|cjs)$/i.test(path)) return `a transform file must be JavaScript (.js, .cjs, .mjs): ${path}`;
    return undefined;
  }
  try {
    new vm.Script(`(async function (output, context) {\n${bodyOf(code, input)}})`);
    return undefined;
  } catch (e) {
    return `the transform does not compile: ${(e as Error).message}`;
  }
}

/** A `file://path.js[:name]` reference as a sandbox task (a changed file is loaded afresh: its mtime is in the URL). */
export function fileTask(ref: string, baseDir: string, output: unknown, context: unknown): SandboxTask | { error: string } {
  let path = ref.slice('file://'.length);
  let exportName: string | undefined;
  const m = /^(.*\.(?:m?js|cjs)):([A-Za-z_$][\w$]*)$/.exec(path);
  if (m) [path, exportName] = [m[1]!, m[2]];
  const abs = isAbsolute(path) ? path : resolve(baseDir, path);
  let mtime: number;
  try {
    mtime = statSync(abs).mtimeMs;
  } catch {
    return { error: `file not found: ${abs}` };
  }
  return { kind: 'javascript-file', url: `${pathToFileURL(abs).href}?v=${mtime}`, path: abs, ...(exportName ? { exportName } : {}), output, context };
}

/**
 * Runs a transform on `value` with `context`. Resolves to the new value, or to `{ error }` when the code
 * does not load, throws, runs past its limits or returns nothing (promptfoo's rule: null and undefined are errors).
 */
export async function runTransform(
  code: string,
  input: TransformInput,
  value: unknown,
  context: Record<string, unknown>,
  options: { baseDir: string; trusted: boolean; timeoutMs?: number; limits?: AssertionLimits; signal?: AbortSignal },
): Promise<{ value: unknown } | { error: string }> {
  if (!options.trusted) return { error: `${input === 'vars' ? 'transformVars' : 'transform'} runs JavaScript: only in a trusted workspace (or the CLI)` };
  const limits = options.limits ?? DEFAULT_ASSERTION_LIMITS;
  const timeoutMs = options.timeoutMs ?? limits.javascriptTimeoutMs;
  const problem = checkTransform(code, input);
  if (problem) return { error: problem };
  const task = code.startsWith('file://') ? fileTask(code, options.baseDir, value, context) : ({ kind: 'javascript', code: bodyOf(code, input), output: value, context } as const);
  if ('error' in task) return task;
  const outcome = await runSandboxed(task, { timeoutMs, memoryMb: limits.memoryMb, ...(options.signal ? { signal: options.signal } : {}) });
  if (!outcome.ok) {
    const why = { timeout: `the transform did not finish within ${timeoutMs} ms`, memory: `the transform was stopped: ${outcome.message}`, aborted: 'cancelled', threw: `the transform threw: ${outcome.message}`, invalid: `the transform failed: ${outcome.message}`, crashed: `the transform was stopped: ${outcome.message}` }[outcome.kind];
    return { error: why };
  }
  if (outcome.value === null || outcome.value === undefined) return { error: 'the transform returned nothing (null or undefined)' };
  return { value: outcome.value };
}
