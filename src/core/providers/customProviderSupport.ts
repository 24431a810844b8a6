// What the custom provider kinds share: the prompt as promptfoo hands it to user code, promptfoo's
// `ProviderResponse` read into a `CallResult`, inline JavaScript from configs, and running a child process
// with a kill switch, a timeout and an output cap.
import { spawn } from 'node:child_process';
import { createRedactor, type Redactor } from '../redact';
import type { CallError, CallResult, ChatMessage, ChatRequest } from '../types';
import type { CustomProviderSpec, DirectCallOptions, EmbeddingOutcome, ModelListResult, PreparedChat, ProviderConfig } from './providerTypes';

/** Output (stdout + stderr, or a script's answer) beyond this is cut off and the call fails. */
export const MAX_OUTPUT_BYTES = 10 * 1024 * 1024;

/**
 * The prompt as promptfoo passes it to a provider: the text of a single user message, otherwise the
 * messages as a JSON list (what promptfoo's chat-format prompts render to).
 */
export function promptText(messages: ChatMessage[]): string {
  if (messages.length === 1 && messages[0]!.role === 'user' && !messages[0]!.tool_calls) return messages[0]!.content;
  return JSON.stringify(messages.map((m) => ({ role: m.role, content: m.content, ...(m.tool_calls ? { tool_calls: m.tool_calls } : {}) })));
}

/** promptfoo's `context` argument: the test's variables and the prompt. */
export function callContext(request: ChatRequest, prompt: string): Record<string, unknown> {
  return { vars: request.vars ?? {}, prompt: { raw: prompt, label: prompt.length > 60 ? `${prompt.slice(0, 59)}…` : prompt } };
}

/** promptfoo's `options` argument: the provider's id and its `config`. */
export function callOptions(spec: CustomProviderSpec): Record<string, unknown> {
  return { id: spec.id, config: { ...spec.options, basePath: spec.basePath } };
}

/** A redactor for one custom provider: the user's patterns plus every environment value its config reads (`{{env.NAME}}`). */
export function customRedactor(spec: CustomProviderSpec, patterns: string[], env: Record<string, string | undefined>): Redactor {
  const names = new Set<string>();
  for (const m of JSON.stringify(spec.options).matchAll(/\benv\.([A-Za-z_][A-Za-z0-9_]*)/g)) names.add(m[1]!);
  const secrets = [...names].map((n) => env[n]).filter((v): v is string => typeof v === 'string' && v !== '');
  return createRedactor({ patterns, secrets });
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Text of an `output` that is not a string: JSON, as promptfoo's assertions see objects. */
export function outputText(output: unknown): string {
  if (typeof output === 'string') return output;
  if (output === undefined || output === null) return '';
  return JSON.stringify(output) ?? String(output);
}

/**
 * Fills `result` from a promptfoo `ProviderResponse` (`output`, `error`, `tokenUsage`, `cost`, `raw`,
 * `isRefusal`, `metadata`…). A string is an output; anything else without the response's fields is a
 * malformed answer.
 */
export function applyProviderResponse(result: CallResult, response: unknown, where: string): void {
  if (typeof response === 'string') {
    result.text = response;
    result.response = { output: response };
    result.finishReason = 'stop';
    return;
  }
  if (response === null || typeof response !== 'object' || Array.isArray(response)) {
    result.error = { kind: 'malformed', message: `${where} returned ${response === null ? 'null' : Array.isArray(response) ? 'a list' : typeof response}, not an object with output or error` };
    result.response = response ?? null;
    return;
  }
  const r = response as Record<string, unknown>;
  result.response = r;
  if (r.error !== undefined && r.error !== null && r.error !== '') {
    result.error = { kind: 'bad_request', message: `${where}: ${typeof r.error === 'string' ? r.error : outputText(r.error)}` };
    return;
  }
  if (!('output' in r)) {
    result.error = { kind: 'malformed', message: `${where} returned an object without output or error` };
    return;
  }
  result.text = outputText(r.output);
  result.finishReason = r.isRefusal === true ? 'content_filter' : 'stop';
  const usage = r.tokenUsage;
  if (usage && typeof usage === 'object') {
    const u = usage as Record<string, unknown>;
    const input = num(u.prompt);
    const output = num(u.completion);
    const total = num(u.total);
    if (input !== undefined || output !== undefined || total !== undefined) {
      const inputTokens = input ?? (total !== undefined && output !== undefined ? total - output : 0);
      result.usage = { inputTokens, outputTokens: output ?? (total !== undefined ? Math.max(0, total - inputTokens) : 0), cachedInputTokens: num(u.cached) ?? 0, cacheWriteTokens: 0, reasoningTokens: 0 };
    }
  }
  const cost = num(r.cost);
  if (cost !== undefined) result.cost = cost;
}

/**
 * Compiles promptfoo's inline JavaScript for a transform: an expression (`json.choices[0].message.content`,
 * a trailing `;` allowed), a function expression (`(json, text) => …`, `function (…) {…}`), or a function
 * body with `return`. The result is called with `params` in order. Throws a SyntaxError for bad code.
 */
export function compileInlineJs(code: string, params: string[]): (...args: unknown[]) => unknown {
  const src = code.trim();
  if (/^(async\s+)?(\([^)]*\)|[A-Za-z_$][\w$]*)\s*=>|^(async\s+)?function\b/.test(src)) {
    const fn = new Function(...params, `return (${src.replace(/;\s*$/, '')});`)() as unknown;
    if (typeof fn !== 'function') throw new SyntaxError('not a function');
    return fn as (...args: unknown[]) => unknown;
  }
  try {
    return new Function(...params, `return (${src.replace(/[;\s]+$/, '')}\n);`) as (...args: unknown[]) => unknown;
  } catch {
    // Statements: a function body (`const x = json.a; return x;`).
    return new Function(...params, src) as (...args: unknown[]) => unknown;
  }
}

/** A wait for messages: `300 ms`, `120 s`. */
export function formatWait(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${Math.round(ms / 1000)} s`;
}

/** What a finished child process left. */
export interface ProcessOutput {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
}

/** How to run one child process. */
export interface ProcessRun {
  command: string;
  args: string[];
  cwd: string;
  /** Written to the child's stdin, which is then closed. */
  input?: string;
  signal: AbortSignal;
  timeoutMs: number;
  maxOutputBytes?: number;
  /** Names the command in messages. */
  what: string;
  /** The child's environment. */
  env: Record<string, string | undefined>;
}

/**
 * Runs a command without a shell and collects its output. Abort, the timeout or too much output kill the
 * child and everything it started (its process group, outside Windows). Never throws.
 */
export function runProcess(run: ProcessRun): Promise<ProcessOutput | { error: CallError }> {
  const max = run.maxOutputBytes ?? MAX_OUTPUT_BYTES;
  return new Promise((resolvePromise) => {
    if (run.signal.aborted) {
      resolvePromise({ error: { kind: 'cancelled', message: 'Cancelled' } });
      return;
    }
    const group = process.platform !== 'win32';
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(run.command, run.args, { cwd: run.cwd, env: run.env, stdio: ['pipe', 'pipe', 'pipe'], detached: group, windowsHide: true });
    } catch (e) {
      resolvePromise({ error: { kind: 'bad_request', message: `${run.what}: cannot start ${run.command}: ${(e as Error).message}` } });
      return;
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let failure: CallError | undefined;
    let settled = false;
    const kill = (error: CallError): void => {
      if (failure) return;
      failure = error;
      try {
        if (group && child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const onAbort = (): void => kill({ kind: 'cancelled', message: 'Cancelled' });
    run.signal.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => kill({ kind: 'timeout', message: `${run.what} did not finish within ${formatWait(run.timeoutMs)} and was stopped` }), run.timeoutMs);
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) kill({ kind: 'malformed', message: `${run.what} wrote more than ${Math.round(max / 1024 / 1024)} MB of output and was stopped` });
      else into.push(chunk);
    };
    child.stdout!.on('data', collect(out));
    child.stderr!.on('data', collect(err));
    child.stdin!.on('error', () => {
      // A child that exits without reading its input: its exit code tells what happened.
    });
    const finish = (value: ProcessOutput | { error: CallError }): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      run.signal.removeEventListener('abort', onAbort);
      resolvePromise(value);
    };
    child.on('error', (e: NodeJS.ErrnoException) => {
      const message = e.code === 'ENOENT' ? `${run.what}: command not found: ${run.command}` : `${run.what}: cannot start ${run.command}: ${e.message}`;
      finish({ error: { kind: 'bad_request', message } });
    });
    child.on('close', (exitCode, signal) => {
      if (failure) finish({ error: failure });
      else finish({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), exitCode, signal });
    });
    child.stdin!.end(run.input ?? '');
  });
}

const ANSI_ESCAPE = /\x1b(?:[@-Z\\-_]|\[[0-?]*[ -/]*[@-~])/g;

/** Output text without terminal colour codes, trimmed (what promptfoo reads from a command). */
export function cleanOutput(text: string): string {
  return text.replace(ANSI_ESCAPE, '').trim();
}

/** The last `max` characters of `text`, for error messages. */
export function tail(text: string, max = 2000): string {
  const t = cleanOutput(text);
  return t.length > max ? `…${t.slice(-max)}` : t;
}

/** The custom kinds have no embeddings. */
export function noEmbeddings(config: Readonly<ProviderConfig>, model: string): Promise<EmbeddingOutcome> {
  return Promise.resolve({
    result: { model: { provider: config.name, model }, vectors: [], usage: null, cost: null, latencyMs: 0, error: { kind: 'bad_request', message: `${config.custom?.id ?? config.name} cannot compute embeddings` } },
    retryAfterMs: null,
  });
}

/** The custom kinds list the one thing they call. */
export function singleModel(config: Readonly<ProviderConfig>, _options?: DirectCallOptions): Promise<ModelListResult> {
  return Promise.resolve({ models: [{ id: config.custom?.target ?? config.name, label: config.custom?.id ?? config.name }] });
}

/** Code providers refused where workspace code may not run (the editor's Restricted Mode). */
/**
 * The prepared call of a script provider (JavaScript or Python): its file, the function to call
 * (`defaultFunction` when the id names none), and promptfoo's `(prompt, options, context)`.
 */
export function prepareScriptCall(config: Readonly<ProviderConfig>, trusted: boolean, request: ChatRequest, stream: boolean, defaultFunction?: string): PreparedChat | { error: CallError } {
  if (!trusted) return { error: untrustedCodeError(config) };
  const spec = config.custom;
  if (!spec) return { error: { kind: 'bad_request', message: `${config.name}: no script configured` } };
  const prompt = promptText(request.messages);
  const fn = spec.functionName ?? defaultFunction;
  return {
    request,
    payload: { script: spec.target, ...(fn ? { function: fn } : {}), prompt, options: callOptions(spec), context: callContext(request, prompt) },
    stream,
  };
}

export function untrustedCodeError(config: Readonly<ProviderConfig>): CallError {
  return {
    kind: 'bad_request',
    message: `${config.custom?.id ?? config.name} runs code from the workspace: it runs only in a trusted workspace or the CLI (this workspace is in Restricted Mode)`,
  };
}
