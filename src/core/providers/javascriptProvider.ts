// JavaScript and TypeScript providers (promptfoo's `file://provider.js`, `.mjs`, `.ts`, `file://x.js:name`):
// each call loads the module in a fresh worker thread and calls it there, so abort and the timeout can
// stop it (the worker is terminated) and nothing it does outlives the call. The module exports promptfoo's
// provider class (`new P({ id, config })`, then `callApi(prompt, context, options)`), an object with
// `callApi`, or a provider function `(prompt, context) => response`. TypeScript is compiled with sucrase
// (the file and the relative `.ts` files it imports). Workspace code: trusted workspaces and the CLI only.
import { Worker } from 'node:worker_threads';
import { compileTypeScript, isTypeScriptFile, TS_REQUIRE_HOOKS_SOURCE } from '../sandbox/compileTypeScript';
import type { CallError, ChatRequest } from '../types';
import { applyProviderResponse, customRedactor, formatWait, MAX_OUTPUT_BYTES, noEmbeddings, prepareScriptCall, singleModel, tail } from './customProviderSupport';
import type { ChatCallOptions, DirectCallOptions, EmbeddingOutcome, ModelListResult, PreparedChat, Provider, ProviderConfig, ProviderOutcome } from './providerTypes';
import { blankResult, redactResult, since, type ProviderEnv } from './sdkProvider';

/** Runs inside the worker: loads the module (compiled TypeScript from `sources`), calls it, posts the answer. */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { pathToFileURL } = require('node:url');
const { sources, file, functionName, prompt, context, options, providerOptions, args } = workerData;
const tsSources = sources;
${TS_REQUIRE_HOOKS_SOURCE}
async function load() {
  if (file in sources) return require(file);
  if (file.endsWith('.mjs')) return import(pathToFileURL(file).href);
  try {
    return require(file);
  } catch (e) {
    if (e && (e.code === 'ERR_REQUIRE_ESM' || (e instanceof SyntaxError && /\\b(import|export)\\b/.test(e.message)))) return import(pathToFileURL(file).href);
    throw e;
  }
}
function isClass(f) {
  return typeof f === 'function' && (/^class\\b/.test(Function.prototype.toString.call(f)) || (f.prototype && typeof f.prototype.callApi === 'function'));
}
(async () => {
  try {
    const mod = await load();
    if (Array.isArray(args)) {
      // Call mode (test generators, prompt functions): the export, or its default, applied to args.
      // promptfoo's importModule: default.default, else default, else the module; then the named export.
      const m = (mod && mod.default && mod.default.default) || (mod && mod.default) || mod;
      const fn = functionName ? (m[functionName] !== undefined ? m[functionName] : mod[functionName]) : m;
      if (functionName && fn === undefined) throw new Error('the module exports no ' + functionName);
      const value = typeof fn === 'function' ? await fn(...args) : fn;
      parentPort.postMessage({ ok: JSON.stringify(value === undefined ? null : value) });
      return;
    }
    let exp;
    if (functionName) {
      exp = mod[functionName] !== undefined ? mod[functionName] : mod.default && mod.default[functionName];
      if (exp === undefined) throw new Error('the module exports no ' + functionName);
    } else {
      exp = mod;
      for (let i = 0; i < 2 && exp && typeof exp === 'object' && typeof exp.callApi !== 'function' && exp.default !== undefined; i++) exp = exp.default;
    }
    let value;
    if (isClass(exp)) {
      const instance = new exp(providerOptions);
      if (typeof instance.callApi !== 'function') throw new Error('the provider class has no callApi method');
      value = await instance.callApi(prompt, context, options);
    } else if (exp && typeof exp === 'object' && typeof exp.callApi === 'function') {
      value = await exp.callApi(prompt, context, options);
    } else if (typeof exp === 'function') {
      value = await exp(prompt, context, options);
    } else {
      throw new Error('the module must export a provider class (with callApi), an object with callApi, or a function');
    }
    parentPort.postMessage({ ok: JSON.stringify(value === undefined ? null : value) });
  } catch (e) {
    parentPort.postMessage({ exception: e && e.stack ? String(e.stack) : String(e), message: e && e.message !== undefined ? String(e.message) : String(e) });
  }
})();
`;

/** Provider for kind `javascript`. */
export class JavaScriptProvider implements Provider {
  readonly endpointId: string;

  constructor(
    readonly config: Readonly<ProviderConfig>,
    private readonly env: ProviderEnv,
    private readonly trusted: boolean,
  ) {
    this.endpointId = `${config.name} javascript ${config.custom?.target ?? ''}`;
  }

  prepare(request: ChatRequest, stream: boolean): PreparedChat | { error: CallError } {
    return prepareScriptCall(this.config, this.trusted, request, stream);
  }

  async chat(prepared: PreparedChat, options: ChatCallOptions): Promise<ProviderOutcome> {
    const start = performance.now();
    const spec = this.config.custom!;
    const redactor = customRedactor(spec, this.env.redactPatterns, this.env.environment ?? process.env);
    const result = blankResult(prepared.request.model, prepared.payload);
    const done = (): ProviderOutcome => {
      result.latencyMs = since(start);
      return { result: redactResult(result, redactor), retryAfterMs: null };
    };
    if (options.signal.aborted) {
      result.error = { kind: 'cancelled', message: 'Cancelled' };
      return done();
    }
    const p = prepared.payload as { script: string; function?: string; prompt: string; options: Record<string, unknown>; context: unknown };
    let sources: Record<string, string> = {};
    if (isTypeScriptFile(p.script)) {
      const compiled = await compileTypeScript(p.script);
      if ('error' in compiled) {
        result.error = { kind: 'bad_request', message: `${spec.id}: TypeScript does not compile: ${compiled.error}` };
        return done();
      }
      sources = compiled;
    }
    const answer = await runWorker(
      { sources, file: p.script, functionName: p.function, prompt: p.prompt, context: p.context, options: {}, providerOptions: { id: spec.id, config: p.options.config } },
      options,
      spec.id,
    );
    if ('error' in answer) {
      result.error = answer.error;
      if (answer.stderr) result.response = { stderr: answer.stderr };
      return done();
    }
    if (answer.exception !== undefined) {
      result.response = { exception: answer.exception };
      result.error = { kind: 'bad_request', message: `${spec.id} threw: ${answer.message ?? ''}\n${tail(answer.exception)}` };
      return done();
    }
    if (answer.ok.length > MAX_OUTPUT_BYTES) {
      result.error = { kind: 'malformed', message: `${spec.id} returned more than ${MAX_OUTPUT_BYTES / 1024 / 1024} MB` };
      return done();
    }
    applyProviderResponse(result, JSON.parse(answer.ok), `${spec.id} callApi`);
    return done();
  }

  embed(model: string): Promise<EmbeddingOutcome> {
    return noEmbeddings(this.config, model);
  }

  listModels(options?: DirectCallOptions): Promise<ModelListResult> {
    return singleModel(this.config, options);
  }
}

/**
 * Calls an export of a JavaScript or TypeScript module in a fresh worker (promptfoo's test generators and
 * prompt functions): a function export is called with `args` (and awaited), any other export is the value
 * itself. Values cross as JSON. Workspace code: callers check trust first. Never throws.
 */
export async function callScriptExport(file: string, functionName: string | undefined, args: unknown[], options: { signal: AbortSignal; timeoutMs: number; what: string }): Promise<{ value: unknown } | { error: string }> {
  let sources: Record<string, string> = {};
  if (isTypeScriptFile(file)) {
    const compiled = await compileTypeScript(file);
    if ('error' in compiled) return { error: `${options.what}: TypeScript does not compile: ${compiled.error}` };
    sources = compiled;
  }
  const answer = await runWorker({ sources, file, functionName, args }, options, options.what);
  if ('error' in answer) return { error: answer.error.message };
  if (answer.exception !== undefined) return { error: `${options.what} threw: ${answer.message ?? ''}\n${tail(answer.exception)}` };
  if (answer.ok.length > MAX_OUTPUT_BYTES) return { error: `${options.what} returned more than ${MAX_OUTPUT_BYTES / 1024 / 1024} MB` };
  return { value: JSON.parse(answer.ok) as unknown };
}

type WorkerAnswer = { ok: string; exception?: undefined; message?: undefined } | { ok?: undefined; exception: string; message?: string } | { error: CallError; stderr?: string };

/** Runs the provider in a worker; abort, the timeout or a crash end it. Never throws. */
function runWorker(data: Record<string, unknown>, options: Pick<ChatCallOptions, 'signal' | 'timeoutMs'>, what: string): Promise<WorkerAnswer> {
  return new Promise((resolvePromise) => {
    let worker: Worker;
    try {
      worker = new Worker(WORKER, { eval: true, workerData: data, stdout: true, stderr: true });
    } catch (e) {
      resolvePromise({ error: { kind: 'bad_request', message: `${what}: cannot start a worker: ${(e as Error).message}` } });
      return;
    }
    let stderr = '';
    // What the provider logs is kept for error messages only (the CLI's own output stays clean).
    worker.stdout.on('data', () => undefined);
    worker.stderr.on('data', (c: Buffer) => {
      if (stderr.length < 64 * 1024) stderr += c.toString('utf8');
    });
    let settled = false;
    const finish = (answer: WorkerAnswer, stop: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
      if (stop) void worker.terminate();
      resolvePromise(answer);
    };
    const onAbort = (): void => finish({ error: { kind: 'cancelled', message: 'Cancelled' } }, true);
    options.signal.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => finish({ error: { kind: 'timeout', message: `${what} did not finish within ${formatWait(options.timeoutMs)} and was stopped` } }, true), options.timeoutMs);
    worker.on('message', (m: WorkerAnswer) => finish(m, true));
    worker.on('error', (e) => finish({ error: { kind: 'bad_request', message: `${what} crashed: ${e instanceof Error ? e.message : String(e)}` }, ...(stderr ? { stderr } : {}) }, true));
    worker.on('exit', (code) => finish({ error: { kind: 'bad_request', message: `${what} ended (exit code ${code}) without an answer${stderr ? `: ${tail(stderr)}` : ''}` } }, false));
  });
}
