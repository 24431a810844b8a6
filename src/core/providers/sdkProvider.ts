// What the OpenAI and Anthropic providers share: key lookup, one SDK client and one redactor per key,
// the SDK logger, and building results.
import { format } from 'node:util';
import { createRedactor, urlSecrets, withoutCredentials, type Redactor } from '../redact';
import type { CallError, CallResult, ChatRequest, ModelRef, ThinkingBlock } from '../types';
import type { FetchLike } from './httpTransport';
import { classifySdkError, type SdkErrorClasses } from './providerErrors';
import type {
  ChatCallOptions,
  DirectCallOptions,
  EmbeddingOutcome,
  KeyLookup,
  LogSink,
  ModelListResult,
  PreparedChat,
  Provider,
  ProviderConfig,
  ProviderOutcome,
  StreamSinks,
} from './providerTypes';

/** What every provider gets from the registry. */
export interface ProviderEnv {
  keys: KeyLookup;
  /** User redaction patterns (`assay.history.redact`), regular-expression sources. */
  redactPatterns: string[];
  /** The transport handed to the SDKs. */
  fetch: FetchLike;
  log?: LogSink;
  /** How much the SDKs log to `log`. */
  logLevel: SdkLogLevel;
  /**
   * The environment custom providers see: `{{env.NAME}}` in http templates, and the environment of
   * exec: and Python children. Defaults to `process.env`.
   */
  environment?: Record<string, string | undefined>;
}

/** The SDKs' log levels. */
export type SdkLogLevel = 'debug' | 'info' | 'warn' | 'error' | 'off';

/** The environment variable a CLI user sets for a provider's key. */
export function keyEnvName(providerName: string): string {
  if (providerName === 'openai') return 'OPENAI_API_KEY';
  if (providerName === 'anthropic') return 'ANTHROPIC_API_KEY';
  return `${providerName.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_API_KEY`;
}

/**
 * The environment variables a CLI user sets for a provider's key: its `apiKeySecret` (and fallbacks) when
 * that is a variable's name (`GROQ_API_KEY`), else the name derived from the provider's.
 */
export function keyEnvNames(config: Pick<ProviderConfig, 'name' | 'apiKeySecret' | 'apiKeySecretFallbacks'>): string[] {
  const secrets = [config.apiKeySecret ?? config.name, ...(config.apiKeySecretFallbacks ?? [])];
  return secrets.map((s) => (/^[A-Z][A-Z0-9_]*$/.test(s) ? s : keyEnvName(s)));
}

/** The message for a call made without a key; worded for the editor and the CLI alike. */
export function missingKeyMessage(config: string | Pick<ProviderConfig, 'name' | 'apiKeySecret' | 'apiKeySecretFallbacks'>): string {
  const c = typeof config === 'string' ? { name: config } : config;
  return `No API key for ${c.name}: run "Assay: Set API Key" or set ${keyEnvNames(c).join(' or ')}`;
}

/**
 * The key a call uses now: the config's own, else the first of its secret names the lookup holds a
 * non-blank value for (trimmed); `undefined` when there is none.
 */
export async function findKey(config: Pick<ProviderConfig, 'name' | 'apiKey' | 'apiKeySecret' | 'apiKeySecretFallbacks'>, keys: KeyLookup): Promise<string | undefined> {
  let key = config.apiKey;
  if (key === undefined) {
    for (const secret of [config.apiKeySecret ?? config.name, ...(config.apiKeySecretFallbacks ?? [])]) {
      key = (await keys(secret)) ?? undefined;
      if (key && key.trim() !== '') break;
    }
  }
  return key && key.trim() !== '' ? key.trim() : undefined;
}

/** `provider:model` for messages. */
export function refText(ref: ModelRef): string {
  return `${ref.provider}:${ref.model}`;
}

/** A result with nothing in it yet. */
export function blankResult(model: ModelRef, request: unknown): CallResult {
  return {
    model,
    text: '',
    toolCalls: [],
    finishReason: null,
    usage: null,
    cost: null,
    latencyMs: 0,
    ttftMs: null,
    request,
    response: null,
    cacheHit: false,
  };
}

/**
 * Redacts a finished result in place (its request, response, text, tool calls and error message) and
 * returns it: a server that echoes the key or a header into its reply must not get it stored or shown.
 */
export function redactResult(result: CallResult, redactor: Redactor): CallResult {
  result.request = redactor.value(result.request);
  result.response = redactor.value(result.response);
  result.text = redactor.text(result.text);
  if (result.reasoning !== undefined) result.reasoning = redactor.text(result.reasoning);
  if (result.toolCalls.length > 0) result.toolCalls = redactor.value(result.toolCalls);
  if (result.thinking) result.thinking = redactor.value(result.thinking);
  if (result.error) result.error = { ...result.error, message: redactor.text(result.error.message) };
  return result;
}

/**
 * The output text with the thinking in front, as promptfoo's `showThinking` writes it (`Thinking: …` and
 * `Signature: …` per block, blocks and answer separated by a blank line). Only when the prompt asks for it.
 */
export function textWithThinking(thinking: readonly ThinkingBlock[], text: string): string {
  const shown = thinking.filter((t) => t.text.trim() !== '').map((t) => `Thinking: ${t.text}${t.signature ? `\nSignature: ${t.signature}` : ''}`);
  return [...shown, text].filter((s) => s !== '').join('\n\n');
}

/** One SDK client and the redactor that knows its key. */
export interface Session<C> {
  client: C;
  redactor: Redactor;
  /** Whether a key was found (a keyless call to a local server has none). */
  hasKey: boolean;
}

/** Per-request options every SDK call gets: our signal and timeout, and no SDK retries (the engine retries). */
export interface SdkRequestOptions {
  signal: AbortSignal;
  timeout: number;
  maxRetries: number;
}

/**
 * Base of the SDK-backed providers. Subclasses build payloads and map responses; this class finds the
 * key on every call (so a key set meanwhile is used at once) and keeps a client per key.
 */
export abstract class SdkProvider<C> implements Provider {
  readonly endpointId: string;
  private session: { key: string | undefined; value: Promise<Session<C>> } | undefined;

  constructor(
    readonly config: Readonly<ProviderConfig>,
    protected readonly env: ProviderEnv,
  ) {
    this.endpointId = `${config.name} ${config.baseUrl ?? ''}`;
  }

  /** Whether a call without a key should fail before reaching the server. */
  protected abstract readonly keyRequired: boolean;
  protected abstract createClient(apiKey: string | undefined, logger: SdkLogger): Promise<C>;
  abstract prepare(request: ChatRequest, stream: boolean): PreparedChat | { error: CallError };
  /** The SDK's error classes, to classify what a call threw. */
  protected abstract errorClasses(): SdkErrorClasses;
  /** Sends a streaming request and assembles it into `result`, keeping the partial text if it breaks off. */
  protected abstract streamInto(
    client: C,
    payload: Record<string, unknown>,
    requestOptions: SdkRequestOptions,
    sinks: StreamSinks,
    result: CallResult,
    start: number,
  ): Promise<void>;
  /** Sends a non-streaming request and maps the response into `result`. */
  protected abstract completeInto(client: C, payload: Record<string, unknown>, requestOptions: SdkRequestOptions, result: CallResult): Promise<void>;
  abstract embed(model: string, texts: string[], options: { signal: AbortSignal; timeoutMs: number }): Promise<EmbeddingOutcome>;
  abstract listModels(options?: DirectCallOptions): Promise<ModelListResult>;

  async warmUp(): Promise<void> {
    try {
      await this.open();
    } catch {
      // The first call meets the same problem and reports it.
    }
    // The SDKs' first request loads Node's fetch classes (undici, tens of ms): `Response` is one of them.
    void globalThis.Response;
  }

  /** One attempt: errors (auth, rate limits, timeouts, cancellation…) come back on the result, redacted. */
  async chat(prepared: PreparedChat, options: ChatCallOptions): Promise<ProviderOutcome> {
    const result = blankResult(prepared.request.model, prepared.payload);
    const session = await this.open();
    if ('error' in session) {
      result.error = session.error;
      return { result: redactResult(result, session.redactor), retryAfterMs: null };
    }
    // Timed from here: loading the SDK on the first call is not the model's latency.
    const start = performance.now();
    let retryAfterMs: number | null = null;
    const requestOptions: SdkRequestOptions = { signal: options.signal, timeout: options.timeoutMs, maxRetries: 0 };
    try {
      // Deltas are shown live: each is redacted on its own (the finished text is redacted whole below).
      const redacted = (sink: ((text: string) => void) | undefined): ((text: string) => void) | undefined =>
        sink ? (text: string): void => sink(session.redactor.text(text)) : undefined;
      const sinks: StreamSinks = {};
      const text = redacted(options.onDelta);
      const reasoning = redacted(options.onReasoning);
      if (text) sinks.text = text;
      if (reasoning) sinks.reasoning = reasoning;
      if (prepared.stream) await this.streamInto(session.client, prepared.payload, requestOptions, sinks, result, start);
      else await this.completeInto(session.client, prepared.payload, requestOptions, result);
    } catch (err) {
      const classified = classifySdkError(err, this.errorClasses(), options.signal.aborted, this.where);
      result.error = this.authHint(classified.error, session.hasKey);
      retryAfterMs = classified.retryAfterMs;
      const body = (err as { error?: unknown }).error;
      if (result.response === null && body !== undefined) result.response = body;
    }
    if (!result.error && options.signal.aborted) result.error = { kind: 'cancelled', message: 'Cancelled' };
    if (prepared.request.params.showThinking && result.thinking) result.text = textWithThinking(result.thinking, result.text);
    result.latencyMs = since(start);
    return { result: redactResult(result, session.redactor), retryAfterMs };
  }

  /** Maps a response body, as a non-streamed call gets it, into `result` (batch results come as such bodies). */
  protected abstract fromBody(body: Record<string, unknown>, result: CallResult): void;

  /** The SDK client and redactor a batch API is driven with, or why there is none (a missing key). */
  batchSession(): Promise<Session<C> | { error: CallError; redactor: Redactor }> {
    return this.open();
  }

  /**
   * One batch item's outcome as a call result: its response body mapped as a live call's would be, or its
   * error; redacted. `latencyMs` and `cost` are the caller's to set.
   */
  batchResult(prepared: PreparedChat, outcome: { body: unknown } | { error: CallError }, redactor: Redactor): CallResult {
    const result = blankResult(prepared.request.model, prepared.payload);
    if ('error' in outcome) result.error = outcome.error;
    else if (outcome.body === null || typeof outcome.body !== 'object') result.error = { kind: 'malformed', message: 'The batch result has no response body' };
    else this.fromBody(outcome.body as Record<string, unknown>, result);
    if (prepared.request.params.showThinking && result.thinking) result.text = textWithThinking(result.thinking, result.text);
    return redactResult(result, redactor);
  }

  /** An error an SDK call threw, as a call error (redact its message with the session's redactor). */
  classify(err: unknown, aborted: boolean): CallError {
    return classifySdkError(err, this.errorClasses(), aborted, this.where).error;
  }

  /** The client for the current key, or an `auth` error when a required key is missing. */
  protected async open(): Promise<Session<C> | { error: CallError; redactor: Redactor }> {
    const apiKey = await findKey(this.config, this.env.keys);
    if (!apiKey && (this.config.keyRequired ?? this.keyRequired)) {
      return { error: { kind: 'auth', message: missingKeyMessage(this.config) }, redactor: this.redactorFor(undefined) };
    }
    if (!this.session || this.session.key !== apiKey) {
      const redactor = this.redactorFor(apiKey);
      const value = this.createClient(apiKey, this.sdkLogger(redactor)).then((client) => ({ client, redactor, hasKey: apiKey !== undefined }));
      this.session = { key: apiKey, value };
      value.catch(() => {
        if (this.session?.value === value) this.session = undefined;
      });
    }
    return this.session.value;
  }

  protected redactorFor(apiKey: string | undefined): Redactor {
    const secrets = configSecrets(this.config);
    if (apiKey) secrets.push(apiKey);
    return createRedactor({ patterns: this.env.redactPatterns, secrets });
  }

  /** An auth failure from a server we called without a key says how to set one. */
  protected authHint(error: CallError, hasKey: boolean): CallError {
    if (error.kind !== 'auth' || hasKey) return error;
    return { ...error, message: `${error.message} (${missingKeyMessage(this.config)})` };
  }

  /** Where calls go, for messages. */
  protected get where(): string {
    return `${this.config.name} (${this.config.baseUrl ? withoutCredentials(this.config.baseUrl) : 'default endpoint'})`;
  }

  private sdkLogger(redactor: Redactor): SdkLogger {
    const sink = this.env.log;
    const line =
      (level: 'debug' | 'info' | 'warn' | 'error') =>
      (...args: unknown[]): void => {
        if (sink) sink(level, `[${this.config.name}] ${redactor.text(format(...args))}`);
      };
    return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
  }
}

/**
 * The secrets a provider's configuration holds besides the key: its extra header values (gateway tokens
 * and the like) and any `user:password@` in its base URL.
 */
export function configSecrets(config: Readonly<ProviderConfig>): string[] {
  return [...Object.values(config.headers ?? {}), ...urlSecrets(config.baseUrl)];
}

/** The logger shape both SDKs accept. */
export interface SdkLogger {
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

/**
 * The SDK's exports from a dynamic import. From source (tests, tsx) the import gets the package's ESM
 * build with named exports; from the bundle it gets dist/vendor/*.cjs as a CommonJS module, whose
 * exports Node can only offer as `default`.
 */
export function sdkExports<M>(imported: unknown, probe: string): M {
  const mod = imported as Record<string, unknown>;
  return (probe in mod ? mod : mod.default) as M;
}

/** Milliseconds since `start` (a `performance.now()` reading), rounded to 0.1 ms. */
export function since(start: number): number {
  return Math.round((performance.now() - start) * 10) / 10;
}

/** Tools in OpenAI's `{ type: 'function', function: {...} }` shape; a bare `{ name, parameters }` is wrapped. */
export function openAiTools(tools: Record<string, unknown>[]): Record<string, unknown>[] {
  return tools.map((t) => (t.type === undefined && t.function === undefined && typeof t.name === 'string' ? { type: 'function', function: t } : t));
}
