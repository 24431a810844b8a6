// promptfoo's HTTP provider: calls the user's own app. `url`, `method`, `headers`, `queryParams` and `body`
// are Nunjucks templates over the test's variables plus `prompt` (and `env`); an object body is sent as
// JSON with each string value rendered on its own (so a prompt with quotes stays valid JSON).
// `transformRequest` reshapes the prompt first; `transformResponse` picks the output from `json`/`text`
// (an expression, a function, or `file://module.js[:name]`); `sessionParser` records a session id.
import { createRequire } from 'node:module';
import { isAbsolute, resolve } from 'node:path';
import * as nunjucks from 'nunjucks';
import { nunjucksRange, withRenderLimits } from '../template/templateLimits';
import type { CallError, ChatRequest } from '../types';
import { applyProviderResponse, callContext, compileInlineJs, customRedactor, formatWait, MAX_OUTPUT_BYTES, noEmbeddings, outputText, promptText, singleModel, tail, untrustedCodeError } from './customProviderSupport';
import { HTTP_CODE_KEYS as CODE_KEYS } from './customProviderSpec';
import { describeNetworkError, kindForStatus, parseRetryAfter } from './providerErrors';
import type { ChatCallOptions, CustomProviderSpec, DirectCallOptions, EmbeddingOutcome, ModelListResult, PreparedChat, Provider, ProviderConfig, ProviderOutcome } from './providerTypes';
import { blankResult, redactResult, since, type ProviderEnv } from './sdkProvider';

type Fn = (...args: unknown[]) => unknown;

/** The payload property holding the request as sent (secrets included). */
const WIRE = Symbol('wire');


let templates: nunjucks.Environment | undefined;

/** promptfoo's template semantics: an undefined variable renders empty, `env` is the environment. */
function environment(): nunjucks.Environment {
  if (!templates) {
    templates = new nunjucks.Environment([], { autoescape: false, throwOnUndefined: false });
    templates.addFilter('tojson', (value: unknown) => JSON.stringify(value) ?? 'null');
    templates.addGlobal('range', nunjucksRange);
  }
  return templates;
}

function render(source: string, vars: Record<string, unknown>): string {
  return withRenderLimits(() => environment().renderString(source, vars));
}

/** Renders every string in `value` (keys stay as written). */
function renderDeep(value: unknown, vars: Record<string, unknown>): unknown {
  if (typeof value === 'string') return render(value, vars);
  if (Array.isArray(value)) return value.map((v) => renderDeep(v, vars));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderDeep(v, vars)]));
  return value;
}

/** Strings that render to a JSON object or list become that value (promptfoo: `'{{messages | dump}}'`). */
function parseNestedJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(parseNestedJson);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, parseNestedJson(v)]));
  if (typeof value === 'string' && /^\s*[[{]/.test(value)) {
    try {
      const parsed: unknown = JSON.parse(value);
      if (parsed !== null && typeof parsed === 'object') return parsed;
    } catch {
      // Not JSON: the text as it is.
    }
  }
  return value;
}

function jsonEscaped(vars: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, typeof v === 'string' ? JSON.stringify(v).slice(1, -1) : v]));
}

/** A function from a `file://path[:name]` reference or inline JavaScript with the given parameters. */
function loadFunction(ref: unknown, params: string[], basePath: string, what: string): Fn | { error: string } | undefined {
  if (ref === undefined || ref === null || ref === '') return undefined;
  if (typeof ref !== 'string') return { error: `${what} must be JavaScript text or file://module.js` };
  if (ref.startsWith('file://')) {
    const m = /^(.*\.[cm]?js):([A-Za-z_$][\w$]*)$/.exec(ref.slice('file://'.length));
    const path = m ? m[1]! : ref.slice('file://'.length);
    const file = isAbsolute(path) ? path : resolve(basePath, path);
    let mod: unknown;
    try {
      mod = createRequire(file)(file);
    } catch (e) {
      return { error: `${what} ${ref}: ${(e as Error).message.split('\n')[0]}` };
    }
    const exports = mod as Record<string, unknown> | Fn;
    const fn = m ? (exports as Record<string, unknown>)[m[2]!] : typeof exports === 'function' ? exports : (exports as Record<string, unknown>).default;
    return typeof fn === 'function' ? (fn as Fn) : { error: `${what} ${ref} must export a function${m ? ` named ${m[2]}` : ' (module.exports or default)'}` };
  }
  try {
    return compileInlineJs(ref, params);
  } catch (e) {
    return { error: `${what} is not valid JavaScript: ${(e as Error).message}` };
  }
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && typeof v === 'object' && typeof (v as { then?: unknown }).then === 'function';
}

/** The request an http provider sends: exactly what goes over the wire (and is recorded). */
interface HttpPayload {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: unknown;
}

/** Provider for kind `http`. */
export class HttpProvider implements Provider {
  readonly endpointId: string;
  private readonly spec: CustomProviderSpec;
  private transforms?: { request?: Fn; response?: Fn; session?: Fn; status?: Fn } | { error: string };

  constructor(
    readonly config: Readonly<ProviderConfig>,
    private readonly env: ProviderEnv,
    private readonly trusted: boolean,
  ) {
    this.spec = config.custom ?? { id: config.name, basePath: process.cwd(), target: config.baseUrl ?? '', options: {} };
    this.endpointId = `${config.name} http ${this.spec.target}`;
  }

  /** The config's JavaScript, compiled once on first use. */
  private loadTransforms(): { request?: Fn; response?: Fn; session?: Fn; status?: Fn } | { error: string } {
    if (this.transforms) return this.transforms;
    const o = this.spec.options;
    const out: { request?: Fn; response?: Fn; session?: Fn; status?: Fn } = {};
    const entries: [keyof typeof out, unknown, string[], string][] = [
      ['request', o.transformRequest, ['prompt', 'vars', 'context', 'process'], 'transformRequest'],
      ['response', o.transformResponse ?? o.responseParser, ['json', 'text', 'context', 'process'], 'transformResponse'],
      ['session', o.sessionParser, ['data'], 'sessionParser'],
      ['status', o.validateStatus, ['status'], 'validateStatus'],
    ];
    for (const [key, ref, params, what] of entries) {
      const fn = loadFunction(ref, params, this.spec.basePath, `${this.spec.id}: ${what}`);
      if (fn && typeof fn === 'object') return (this.transforms = fn);
      if (fn) out[key] = fn;
    }
    return (this.transforms = out);
  }

  prepare(request: ChatRequest, stream: boolean): PreparedChat | { error: CallError } {
    const hasCode = CODE_KEYS.some((k) => this.spec.options[k] !== undefined);
    if (hasCode && !this.trusted) return { error: untrustedCodeError(this.config) };
    const transforms = hasCode ? this.loadTransforms() : {};
    if ('error' in transforms) return { error: { kind: 'bad_request', message: transforms.error } };
    const prompt = promptText(request.messages);
    const vars = { env: this.env.environment ?? process.env, ...(request.vars ?? {}), prompt };
    let transformed: unknown = prompt;
    if (transforms.request) {
      try {
        transformed = transforms.request(prompt, vars, callContext(request, prompt), process);
      } catch (e) {
        return { error: { kind: 'bad_request', message: `${this.spec.id}: transformRequest failed: ${(e as Error).message}` } };
      }
      // An async transform: the request is built when it resolves, in chat().
      if (isThenable(transformed)) return { request, payload: { id: this.spec.id, prompt, vars: request.vars ?? {}, transformRequest: 'async' }, stream };
    }
    const built = this.build(vars, transformed);
    if ('error' in built) return built;
    return { request, payload: this.recordable(built), stream };
  }

  /**
   * The payload as recorded (and keyed in the cache): secrets read from the environment redacted. What
   * goes over the wire rides along, not enumerable, so no copy, log or trace of the payload carries it.
   */
  private recordable(built: HttpPayload): Record<string, unknown> {
    const redacted = customRedactor(this.spec, this.env.redactPatterns, this.env.environment ?? process.env).value(built) as unknown as Record<string, unknown>;
    Object.defineProperty(redacted, WIRE, { value: built, enumerable: false });
    return redacted;
  }

  /** URL, method, headers and body for one call, as promptfoo renders them. */
  private build(vars: Record<string, unknown>, transformedPrompt: unknown): HttpPayload | { error: CallError } {
    const o = this.spec.options;
    try {
      const bodyVars = { ...vars, prompt: transformedPrompt };
      let url = render(this.spec.target, vars);
      if (o.queryParams && typeof o.queryParams === 'object') {
        const u = new URL(url);
        for (const [k, v] of Object.entries(o.queryParams as Record<string, unknown>)) u.searchParams.append(k, render(String(v), vars));
        url = u.toString();
      }
      const method = (typeof o.method === 'string' ? render(o.method, vars) : o.body !== undefined ? 'POST' : 'GET').toUpperCase();
      const headers: Record<string, string> = {};
      if (o.headers && typeof o.headers === 'object') for (const [k, v] of Object.entries(o.headers as Record<string, unknown>)) headers[k] = render(String(v), vars);
      const contentType = Object.entries(headers).find(([k]) => k.toLowerCase() === 'content-type')?.[1];
      if (method === 'GET' || o.body === undefined) return { url, method, headers };
      let configBody = o.body;
      const json = contentType === undefined ? typeof configBody === 'object' && configBody !== null : /application\/json|\+json/i.test(contentType);
      if (contentType === undefined) headers['content-type'] = json ? 'application/json' : 'application/x-www-form-urlencoded';
      if (typeof configBody === 'string' && json) {
        try {
          configBody = JSON.parse(configBody);
        } catch {
          // A template that is not JSON until rendered.
        }
      }
      let body: unknown;
      if (json && transformedPrompt !== null && typeof transformedPrompt === 'object') {
        body = { ...(configBody && typeof configBody === 'object' ? configBody : {}), ...(transformedPrompt as object) };
      } else if (json && typeof configBody === 'string') {
        const rendered = render(configBody, bodyVars);
        try {
          body = JSON.parse(rendered);
        } catch {
          try {
            body = JSON.parse(render(configBody, jsonEscaped(bodyVars)));
          } catch {
            body = rendered;
          }
        }
      } else if (json) {
        body = parseNestedJson(renderDeep(configBody, bodyVars));
      } else {
        body = render(typeof configBody === 'string' ? configBody : JSON.stringify(configBody), bodyVars).trim();
      }
      return { url, method, headers, body };
    } catch (e) {
      return { error: { kind: 'bad_request', message: `${this.spec.id}: cannot build the request: ${(e as Error).message}` } };
    }
  }

  async chat(prepared: PreparedChat, options: ChatCallOptions): Promise<ProviderOutcome> {
    const start = performance.now();
    const redactor = customRedactor(this.spec, this.env.redactPatterns, this.env.environment ?? process.env);
    const result = blankResult(prepared.request.model, prepared.payload);
    let retryAfterMs: number | null = null;
    const done = (): ProviderOutcome => {
      result.latencyMs = since(start);
      return { result: redactResult(result, redactor), retryAfterMs };
    };
    let payload = (prepared.payload as { [WIRE]?: HttpPayload })[WIRE] ?? (prepared.payload as unknown as HttpPayload);
    if ((prepared.payload as { transformRequest?: unknown }).transformRequest === 'async') {
      const transforms = this.loadTransforms() as { request: Fn };
      const prompt = promptText(prepared.request.messages);
      const vars = { env: this.env.environment ?? process.env, ...(prepared.request.vars ?? {}), prompt };
      try {
        const built = this.build(vars, await transforms.request(prompt, vars, callContext(prepared.request, prompt), process));
        if ('error' in built) {
          result.error = built.error;
          return done();
        }
        payload = built;
        result.request = this.recordable(built);
      } catch (e) {
        result.error = { kind: 'bad_request', message: `${this.spec.id}: transformRequest failed: ${(e as Error).message}` };
        return done();
      }
    }
    const sent = payload.body === undefined ? undefined : typeof payload.body === 'string' ? payload.body : JSON.stringify(payload.body);
    const signal = AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]);
    let response: Response;
    let text: string;
    try {
      response = await this.env.fetch(payload.url, { method: payload.method, headers: payload.headers, ...(sent !== undefined ? { body: sent } : {}), signal });
      text = await response.text();
    } catch (e) {
      if (options.signal.aborted) result.error = { kind: 'cancelled', message: 'Cancelled' };
      else if (signal.aborted) result.error = { kind: 'timeout', message: `No response from ${this.spec.id} within ${formatWait(options.timeoutMs)}` };
      else result.error = { kind: 'network', message: `Could not reach ${this.spec.id}: ${e instanceof Error ? describeNetworkError(e) : String(e)}` };
      return done();
    }
    const headers: Record<string, string> = {};
    response.headers.forEach((v, k) => {
      headers[k] = v;
    });
    if (text.length > MAX_OUTPUT_BYTES) {
      result.error = { kind: 'malformed', message: `${this.spec.id} answered with more than ${MAX_OUTPUT_BYTES / 1024 / 1024} MB` };
      return done();
    }
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      // Not JSON: `json` is null and transforms read `text`.
    }
    result.response = { status: response.status, headers, body: json ?? text };
    const transforms = CODE_KEYS.some((k) => this.spec.options[k] !== undefined) ? this.loadTransforms() : {};
    if ('error' in transforms) {
      result.error = { kind: 'bad_request', message: transforms.error };
      return done();
    }
    let valid: boolean;
    try {
      valid = transforms.status ? Boolean(transforms.status(response.status)) : response.status < 400;
    } catch (e) {
      result.error = { kind: 'bad_request', message: `${this.spec.id}: validateStatus failed: ${(e as Error).message}` };
      return done();
    }
    if (!valid) {
      retryAfterMs = parseRetryAfter(response.headers);
      result.error = { kind: kindForStatus(response.status), status: response.status, message: `${this.spec.id} answered HTTP ${response.status} ${response.statusText}${text ? `: ${tail(text, 1000)}` : ''}` };
      return done();
    }
    const context = { response: { data: text, status: response.status, statusText: response.statusText, headers, cached: false, latencyMs: since(start) } };
    try {
      if (transforms.session) {
        const sessionId: unknown = await transforms.session({ headers, body: json ?? text });
        if (sessionId !== undefined && sessionId !== null && sessionId !== '') (result.response as Record<string, unknown>).sessionId = sessionId;
      }
      const parsed: unknown = transforms.response ? await transforms.response(json, text, context, process) : (json ?? text);
      if (transforms.response && parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) && ('output' in parsed || 'error' in parsed)) {
        applyProviderResponse(result, parsed, this.spec.id);
      } else {
        result.text = outputText(parsed);
        result.finishReason = 'stop';
      }
    } catch (e) {
      result.error = { kind: 'bad_request', message: `${this.spec.id}: ${transforms.response ? 'transformResponse' : 'sessionParser'} failed: ${(e as Error).message}` };
    }
    return done();
  }

  embed(model: string): Promise<EmbeddingOutcome> {
    return noEmbeddings(this.config, model);
  }

  listModels(options?: DirectCallOptions): Promise<ModelListResult> {
    return singleModel(this.config, options);
  }
}
