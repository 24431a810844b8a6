// Python providers (promptfoo's `python:x.py`, `file://x.py`, `file://x.py:function`): each call runs the
// user's `python3` on a small wrapper that imports the script and calls `call_api(prompt, options, context)`
// (or the named function, awaited when async). What the function prints goes to stderr; its return value
// comes back as JSON on stdout. Workspace code: trusted workspaces and the CLI only.
import type { CallError, ChatRequest } from '../types';
import { applyProviderResponse, customRedactor, noEmbeddings, prepareScriptCall, runProcess, singleModel, tail } from './customProviderSupport';
import type { ChatCallOptions, DirectCallOptions, EmbeddingOutcome, ModelListResult, PreparedChat, Provider, ProviderConfig, ProviderOutcome } from './providerTypes';
import { blankResult, redactResult, since, type ProviderEnv } from './sdkProvider';

/** Marks the wrapper's answer line on stdout, after anything the script wrote there at the C level. */
const MARK = '\u0000assay-python-result\u0000';

const WRAPPER = `
import sys, json, os, inspect, asyncio, traceback, types, importlib.util
req = json.loads(sys.stdin.read())
real_stdout = sys.stdout
sys.stdout = sys.stderr
try:
    if "code" in req:
        module = types.ModuleType("assay_inline")
        exec(compile(req["code"], "<inline>", "exec"), module.__dict__)
        label = "the inline code"
    else:
        path = req["path"]
        sys.path.insert(0, os.path.dirname(path))
        name = os.path.splitext(os.path.basename(path))[0]
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        label = os.path.basename(path)
    fn = module
    for part in req["function"].split("."):
        fn = getattr(fn, part, None)
    if fn is None or not callable(fn):
        raise AttributeError("%s has no function %s" % (label, req["function"]))
    value = fn(*req["args"])
    if inspect.isawaitable(value):
        async def wait(v):
            return await v
        value = asyncio.run(wait(value))
    answer = {"ok": value}
except BaseException as e:
    answer = {"exception": "".join(traceback.format_exception(type(e), e, e.__traceback__)), "type": type(e).__name__, "message": str(e)}
real_stdout.write(${JSON.stringify(MARK)} + json.dumps(answer, default=str))
real_stdout.flush()
`;

/** The Python interpreter: `config.pythonExecutable`, else `PROMPTFOO_PYTHON`, else `python3` (`python` on Windows). */
export function pythonExecutable(options: Record<string, unknown>, env: Record<string, string | undefined>): string {
  if (typeof options.pythonExecutable === 'string' && options.pythonExecutable !== '') return options.pythonExecutable;
  if (env.PROMPTFOO_PYTHON) return env.PROMPTFOO_PYTHON;
  return process.platform === 'win32' ? 'python' : 'python3';
}

/** How to run one Python function. */
export interface PythonRun {
  python: string;
  cwd: string;
  env: Record<string, string | undefined>;
  signal: AbortSignal;
  timeoutMs: number;
  /** Names the script in messages. */
  what: string;
}

/** What a Python function returned, or why there is no value (with the traceback when it raised). */
export type PythonAnswer = { value: unknown } | { error: CallError; exception?: string; stderr?: string };

/**
 * Runs `function` of `script` (a file's path, or inline code run as a module; a dotted name reaches a class's
 * method: `Prompt.prompt`) with `args` in the user's Python, awaited when async: promptfoo's Python providers,
 * test generators, prompt functions, variables and `python` assertions. Arguments and the value cross as
 * JSON. Never throws.
 */
export async function runPythonFunction(call: { script: string | { code: string }; function: string; args: unknown[] }, run: PythonRun): Promise<PythonAnswer> {
  const where = typeof call.script === 'string' ? { path: call.script } : call.script;
  const input = JSON.stringify({ ...where, function: call.function, args: call.args });
  const ran = await runProcess({ command: run.python, args: ['-c', WRAPPER], cwd: run.cwd, input, signal: run.signal, timeoutMs: run.timeoutMs, what: run.what, env: run.env });
  if ('error' in ran) return { error: ran.error };
  const at = ran.stdout.lastIndexOf(MARK);
  if (at === -1) {
    const how = ran.signal ? `was killed by ${ran.signal}` : `exited with code ${ran.exitCode} without an answer`;
    return { error: { kind: 'bad_request', message: `${run.what}: python ${how}${ran.stderr ? `: ${tail(ran.stderr)}` : ''}` } };
  }
  let answer: { ok?: unknown; exception?: string; type?: string; message?: string };
  try {
    answer = JSON.parse(ran.stdout.slice(at + MARK.length)) as typeof answer;
  } catch (e) {
    return { error: { kind: 'malformed', message: `${run.what}: the answer is not JSON: ${(e as Error).message}` } };
  }
  if (answer.exception !== undefined) {
    return { error: { kind: 'bad_request', message: `${run.what} raised ${answer.type ?? 'an exception'}: ${answer.message ?? ''}\n${tail(answer.exception)}` }, exception: answer.exception, stderr: ran.stderr };
  }
  return { value: answer.ok };
}

/** Provider for kind `python`. */
export class PythonProvider implements Provider {
  readonly endpointId: string;

  constructor(
    readonly config: Readonly<ProviderConfig>,
    private readonly env: ProviderEnv,
    private readonly trusted: boolean,
  ) {
    this.endpointId = `${config.name} python ${config.custom?.target ?? ''}`;
  }

  prepare(request: ChatRequest, stream: boolean): PreparedChat | { error: CallError } {
    return prepareScriptCall(this.config, this.trusted, request, stream, 'call_api');
  }

  async chat(prepared: PreparedChat, options: ChatCallOptions): Promise<ProviderOutcome> {
    const start = performance.now();
    const spec = this.config.custom!;
    const redactor = customRedactor(spec, this.env.redactPatterns, this.env.environment ?? process.env);
    const result = blankResult(prepared.request.model, prepared.payload);
    const p = prepared.payload as { script: string; function: string; prompt: string; options: unknown; context: unknown };
    const env = this.env.environment ?? process.env;
    const answer = await runPythonFunction({ script: p.script, function: p.function, args: [p.prompt, p.options, p.context] }, { python: pythonExecutable(spec.options, env), cwd: spec.basePath, env, signal: options.signal, timeoutMs: options.timeoutMs, what: spec.id });
    result.latencyMs = since(start);
    if ('error' in answer) {
      result.error = answer.error;
      if (answer.exception !== undefined) result.response = { exception: answer.exception, stderr: answer.stderr };
      return { result: redactResult(result, redactor), retryAfterMs: null };
    }
    applyProviderResponse(result, answer.value, `${spec.id} ${p.function}()`);
    return { result: redactResult(result, redactor), retryAfterMs: null };
  }

  embed(model: string): Promise<EmbeddingOutcome> {
    return noEmbeddings(this.config, model);
  }

  listModels(options?: DirectCallOptions): Promise<ModelListResult> {
    return singleModel(this.config, options);
  }
}
