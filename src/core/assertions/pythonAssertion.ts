// `python`: user Python judges the output, with promptfoo's contract: inline code becomes the body of
// `main(output, context)` (one line is `return <line>`), a `file://x.py[:fn]` file is called as
// `get_assert(output, context)` (or `fn`). It returns a bool, a number, or `{ pass, score, reason }`.
// Runs the user's `python3` through the Python provider's process plumbing, only where workspace code is
// trusted (the CLI, a trusted workspace). Not a sandbox: the code can do what any Python script can.
import { dirname, isAbsolute, resolve } from 'node:path';
import { pythonExecutable, runPythonFunction } from '../providers/pythonProvider';
import type { AssertionDefinition, AssertionInput, AssertionSpec, RawAssertionResult } from './assertionTypes';
import { errorResult, promptText } from './graderSupport';
import { isRecord } from './valueUtils';

/** Default time limit of one `python` assertion (a fresh interpreter per call); `config.timeoutMs` overrides it. */
export const PYTHON_TIMEOUT_MS = 30_000;

/** promptfoo's inline wrapper: one line is returned; several lines keep their own indentation under `main`. */
export function inlineScript(code: string): string {
  const multiline = code.includes('\n');
  const indent = (multiline ? /^(?!\s*$)\s+/m.exec(code)?.[0] : undefined) ?? '    ';
  const body = multiline ? code.split('\n').map((line) => `${indent}${line}`).join('\n') : `    return ${code}`;
  return `import json\n\ndef main(output, context):\n${body}\n`;
}

/** `file://path.py[:function]` resolved against the bank's folder. */
function fileScript(ref: string, baseDir: string): { path: string; fn: string } {
  const rest = ref.slice('file://'.length);
  const m = /^(.*\.py):([A-Za-z_]\w*)$/.exec(rest);
  const path = m ? m[1]! : rest;
  return { path: isAbsolute(path) ? path : resolve(baseDir, path), fn: m ? m[2]! : 'get_assert' };
}

/** promptfoo's snake_case keys of a Python result. */
function camelResult(value: Record<string, unknown>): Record<string, unknown> {
  const out = { ...value };
  if ('pass_' in out && !('pass' in out)) out.pass = out.pass_;
  if ('named_scores' in out && !('namedScores' in out)) out.namedScores = out.named_scores;
  return out;
}

const SHAPE = 'Python assertion must return a boolean, number, or {pass, score, reason} object';

/** promptfoo's `normalizeScriptResult` for Python: what the function returned as a verdict, before `not-`. */
export function interpretPython(value: unknown, threshold: number | undefined, code: string): RawAssertionResult {
  const lower = typeof value === 'string' ? value.toLowerCase() : undefined;
  const failed = (rawPass: boolean) => `Python code returned ${rawPass}\n${code}`;
  if (value === true || lower === 'true') return { pass: true, score: 1, reason: 'Assertion passed' };
  if (value === false || lower === 'false') return { pass: false, score: 0, reason: failed(false) };
  let object: unknown = value;
  if (typeof value === 'string' && value.startsWith('{')) {
    try {
      object = JSON.parse(value);
    } catch (e) {
      return errorResult(`Invalid JSON: ${(e as Error).message} when parsing result: ${value.slice(0, 200)}`);
    }
    if (!isRecord(object)) return errorResult(`${SHAPE}. Got instead: ${value.slice(0, 200)}`);
  }
  if (isRecord(object)) {
    const r = camelResult(object);
    if (typeof r.pass !== 'boolean' || typeof r.score !== 'number' || typeof r.reason !== 'string') return errorResult(`${SHAPE}. Got instead: ${JSON.stringify(r).slice(0, 200)}`);
    if (threshold !== undefined && r.score < threshold) {
      const below = `Python score ${r.score} is less than threshold ${threshold}`;
      return { pass: false, score: r.score, reason: r.reason ? `${below}: ${r.reason}` : below };
    }
    return { pass: r.pass, score: r.score, reason: r.reason };
  }
  const score = Number.parseFloat(String(value));
  if (Number.isNaN(score)) return errorResult(`${SHAPE}. Instead got: ${String(value).slice(0, 200)}`);
  const pass = threshold === undefined ? score > 0 : score >= threshold;
  return { pass, score, reason: pass ? 'Assertion passed' : failed(pass) };
}

/** promptfoo's `context` argument, as far as Assay has it. */
function contextOf(spec: AssertionSpec, input: AssertionInput): Record<string, unknown> {
  return {
    prompt: promptText(input),
    vars: input.vars,
    test: { vars: input.test.vars, ...(input.test.description !== undefined ? { description: input.test.description } : {}), ...(input.test.options ? { options: input.test.options } : {}), ...(input.test.metadata ? { metadata: input.test.metadata } : {}) },
    ...(spec.config ? { config: spec.config } : {}),
    provider: { id: `${input.result.model.provider}:${input.result.model.model}` },
    providerResponse: { output: input.output, ...(input.result.usage ? { tokenUsage: { prompt: input.result.usage.inputTokens, completion: input.result.usage.outputTokens } } : {}) },
  };
}

async function run(spec: AssertionSpec, input: AssertionInput): Promise<RawAssertionResult> {
  if (!input.trusted) return errorResult('python assertions run only in a trusted workspace (or the CLI)');
  const code = String(spec.value);
  const baseDir = input.baseDir ?? process.cwd();
  const file = code.startsWith('file://') ? fileScript(code, baseDir) : undefined;
  const own = spec.config?.timeoutMs;
  const timeoutMs = typeof own === 'number' && Number.isFinite(own) && own > 0 ? own : PYTHON_TIMEOUT_MS;
  const ran = await runPythonFunction(
    { script: file ? file.path : { code: inlineScript(code) }, function: file ? file.fn : 'main', args: [input.output, contextOf(spec, input)] },
    {
      python: pythonExecutable(spec.config ?? {}, process.env),
      cwd: file ? dirname(file.path) : baseDir,
      env: process.env,
      signal: input.signal ?? new AbortController().signal,
      timeoutMs,
      what: file ? `python ${file.path}` : 'python assertion',
    },
  );
  if ('error' in ran) return errorResult(`Python code execution failed: ${ran.error.message}`);
  return interpretPython(ran.value, spec.threshold, code);
}

export const PYTHON_ASSERTION: AssertionDefinition = {
  type: 'python',
  description: 'User Python judges the output (trusted workspaces and the CLI only).',
  docs:
    '`value` is inline Python (one line is returned; several lines are the body of `main(output, context)` and must `return`) or `file://path.py[:function]` whose `get_assert(output, context)` (or `function`) is called. ' +
    '`context` holds `prompt`, `vars`, `test`, `config`, `provider` and `providerResponse`. Return a bool, a number (passes when > 0, or ≥ `threshold`), or `{pass, score, reason}` (snake_case `pass_` accepted; below `threshold` it fails). ' +
    'Runs `python3` (`config.pythonExecutable` or `PROMPTFOO_PYTHON` overrides it) in a fresh process, limited to `config.timeoutMs` (default 30000 ms). An exception, a time-out or another return type is an evaluation error. In Restricted Mode it never runs.',
  example: "assert:\n  - type: python\n    value: len(output.split()) <= 3\n  - type: python\n    value: |\n      n = len(output)\n      return {'pass': n < 200, 'score': max(0, 1 - n / 200), 'reason': f'{n} characters'}",
  modelGraded: false,
  trustedOnly: true,
  check(spec) {
    if (typeof spec.value !== 'string' || spec.value.trim() === '') return '"python" needs code (or file://path.py) as value';
    if (spec.value.startsWith('file://') && !/\.py(:[A-Za-z_]\w*)?$/.test(spec.value)) return '"python" file must be a .py file (file://path.py[:function])';
    return undefined;
  },
  evaluate: run,
};
