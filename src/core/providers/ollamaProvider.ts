// Ollama's native API, as promptfoo's `ollama:` providers call it (src/providers/ollama.ts of promptfoo
// 0.121.20): `ollama:chat:M` posts `{ model, messages, options, think?, ...passthrough }` to /api/chat
// (no `stream` key, so Ollama streams NDJSON); `ollama:M` and `ollama:completion:M` post
// `{ model, prompt, stream: false, options }` to /api/generate; embeddings post `{ model, prompt }` to
// /api/embeddings, one text per call. `options` are the config keys Ollama knows, as written; the key,
// when OLLAMA_API_KEY is set, travels as a Bearer token.
import { createRedactor, withoutCredentials, type Redactor } from '../redact';
import type { CallError, CallResult, ChatRequest, ModelParams, ToolCall } from '../types';
import { formatWait, promptText, tail } from './customProviderSupport';
import { describeNetworkError, kindForStatus, parseRetryAfter } from './providerErrors';
import type { ChatCallOptions, DirectCallOptions, EmbeddingOutcome, ModelListResult, OllamaSpec, PreparedChat, Provider, ProviderConfig, ProviderOutcome } from './providerTypes';
import { blankResult, configSecrets, findKey, openAiTools, redactResult, since, type ProviderEnv } from './sdkProvider';

/** Where Ollama listens when OLLAMA_BASE_URL is not set (promptfoo's default too). */
export const OLLAMA_DEFAULT_BASE_URL = 'http://localhost:11434';

/** The config keys promptfoo forwards to Ollama (its OllamaCompletionOptionKeys); any other key it drops. */
export const OLLAMA_OPTION_KEYS: readonly string[] = [
  'num_predict', 'top_k', 'top_p', 'tfs_z', 'seed', 'useNUMA', 'num_ctx', 'num_keep', 'num_batch', 'num_gqa', 'num_gpu',
  'main_gpu', 'low_vram', 'f16_kv', 'logits_all', 'vocab_only', 'use_mmap', 'use_mlock', 'embedding_only',
  'rope_frequency_base', 'rope_frequency_scale', 'typical_p', 'repeat_last_n', 'temperature', 'repeat_penalty',
  'presence_penalty', 'frequency_penalty', 'mirostat', 'mirostat_tau', 'mirostat_eta', 'penalize_newline', 'stop',
  'num_thread', 'tools', 'think', 'passthrough',
];

/** The longest NDJSON line read: real lines are one token's worth. */
const MAX_LINE_BYTES = 1024 * 1024;

/** Assay's own parameters as Ollama options, for an endpoint used without a promptfoo config. */
function paramsAsOptions(params: ModelParams): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const names: [keyof ModelParams, string][] = [
    ['temperature', 'temperature'], ['top_p', 'top_p'], ['seed', 'seed'], ['stop', 'stop'], ['max_tokens', 'num_predict'],
    ['presence_penalty', 'presence_penalty'], ['frequency_penalty', 'frequency_penalty'],
  ];
  for (const [from, to] of names) if (params[from] !== undefined) out[to] = params[from];
  return out;
}

/** The request body promptfoo sends for `spec` (chat keeps `think` and `passthrough` in `options` too, as promptfoo does). */
export function ollamaBody(spec: OllamaSpec, request: ChatRequest): Record<string, unknown> | { error: string } {
  const c = spec.config;
  const options: Record<string, unknown> = {};
  const skipped = spec.api === 'chat' ? ['tools'] : ['tools', 'think', 'passthrough'];
  for (const key of Object.keys(c)) if (OLLAMA_OPTION_KEYS.includes(key) && !skipped.includes(key)) options[key] = c[key];
  const passthrough = c.passthrough !== null && typeof c.passthrough === 'object' ? (c.passthrough as Record<string, unknown>) : {};
  const think = c.think === undefined ? {} : { think: c.think };
  if (request.messages.some((m) => m.role === 'developer')) return { error: "Ollama has no developer role (a Prompty 2.0 'developer:' message): write system: instead" };
  if (spec.api === 'generate') return { model: request.model.model, prompt: promptText(request.messages), stream: false, options, ...think, ...passthrough };
  const body: Record<string, unknown> = {
    model: request.model.model,
    messages: request.messages.map((m) => ({ role: m.role, content: m.content, ...(m.tool_calls ? { tool_calls: m.tool_calls } : {}) })),
    options,
    ...think,
    ...passthrough,
  };
  if (c.tools !== undefined) {
    const tools = Array.isArray(request.params.tools) ? request.params.tools : c.tools;
    if (!Array.isArray(tools)) return { error: 'config.tools must be a list of tools (OpenAI function-tool shape)' };
    body.tools = openAiTools(tools as Record<string, unknown>[]);
  }
  return body;
}

/** Ollama's tool calls (arguments as an object) in Assay's shape (arguments as JSON text). */
function toolCallsOf(calls: unknown): ToolCall[] {
  if (!Array.isArray(calls)) return [];
  return calls.map((call: { id?: unknown; function?: { name?: unknown; arguments?: unknown } }, i) => ({
    id: typeof call.id === 'string' ? call.id : `call_${i}`,
    type: 'function',
    function: {
      name: String(call.function?.name ?? ''),
      arguments: typeof call.function?.arguments === 'string' ? call.function.arguments : JSON.stringify(call.function?.arguments ?? {}),
    },
  }));
}

/** Reads an NDJSON reply line by line (a single JSON body is one line), passing each parsed line to `onLine`. */
async function readLines(response: Response, onLine: (line: Record<string, unknown>) => void): Promise<void> {
  const decoder = new TextDecoder();
  let pending = '';
  const take = (text: string): void => {
    pending += text;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      if (line !== '') onLine(JSON.parse(line) as Record<string, unknown>);
    }
    if (pending.length > MAX_LINE_BYTES) throw new RangeError(`a reply line longer than ${MAX_LINE_BYTES / 1024 / 1024} MB`);
  };
  if (!response.body) return take(`${await response.text()}\n`);
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) take(decoder.decode(chunk, { stream: true }));
  take(`${decoder.decode()}\n`);
}

/** Provider for kind `ollama`. */
export class OllamaProvider implements Provider {
  readonly endpointId: string;
  private readonly spec: OllamaSpec;

  constructor(
    readonly config: Readonly<ProviderConfig>,
    private readonly env: ProviderEnv,
  ) {
    this.spec = config.ollama ?? { api: 'chat', config: {} };
    this.endpointId = `${config.name} ${this.base}`;
  }

  private get base(): string {
    return (this.config.baseUrl ?? OLLAMA_DEFAULT_BASE_URL).replace(/\/+$/, '');
  }

  private get where(): string {
    return `${this.config.name} (${withoutCredentials(this.base)})`;
  }

  prepare(request: ChatRequest, stream: boolean): PreparedChat | { error: CallError } {
    // A promptfoo config's provider sends its config only, as promptfoo does; otherwise Assay's parameters.
    const spec = this.config.ollama ?? { ...this.spec, config: paramsAsOptions(request.params) };
    const body = ollamaBody(spec, request);
    if ('error' in body) return { error: { kind: 'bad_request', message: `${this.config.name}:${request.model.model}: ${body.error}` } };
    return { request, payload: body, stream };
  }

  /** POSTs `body` to `path` with the key (if any); the response, or the error to report. */
  private async post(path: string, body: unknown, signal: AbortSignal): Promise<{ response: Response; redactor: Redactor }> {
    const key = await findKey(this.config, this.env.keys);
    const redactor = createRedactor({ patterns: this.env.redactPatterns, secrets: [...configSecrets(this.config), ...(key ? [key] : [])] });
    const headers: Record<string, string> = { 'content-type': 'application/json', ...(this.config.headers ?? {}), ...(key ? { authorization: `Bearer ${key}` } : {}) };
    const response = await this.env.fetch(`${this.base}${path}`, { method: 'POST', headers, body: JSON.stringify(body), signal });
    return { response, redactor };
  }

  /** The error for what `post` or reading threw. */
  private failure(e: unknown, caller: AbortSignal, signal: AbortSignal, timeoutMs: number): CallError {
    if (caller.aborted) return { kind: 'cancelled', message: 'Cancelled' };
    if (signal.aborted) return { kind: 'timeout', message: `No response from ${this.where} within ${formatWait(timeoutMs)}` };
    if (e instanceof SyntaxError || e instanceof RangeError) return { kind: 'malformed', message: `${this.where} sent a reply that is not Ollama's NDJSON: ${e.message}` };
    const message = e instanceof Error ? describeNetworkError(e) : String(e);
    if (/too large|limit/i.test(message)) return { kind: 'malformed', message: `${this.where}: ${message}` };
    return { kind: 'network', message: `Could not reach ${this.where}: ${message}` };
  }

  /** An HTTP error status as a call error (Ollama's body is `{ "error": "…" }`). */
  private async statusError(response: Response): Promise<CallError> {
    const text = await response.text().catch(() => '');
    let detail = text;
    try {
      const parsed = JSON.parse(text) as { error?: unknown };
      if (typeof parsed.error === 'string') detail = parsed.error;
    } catch {
      // Not JSON: the text as it is.
    }
    return { kind: kindForStatus(response.status), status: response.status, message: `${this.where} answered HTTP ${response.status}${detail ? `: ${tail(detail, 1000)}` : ''}` };
  }

  async chat(prepared: PreparedChat, options: ChatCallOptions): Promise<ProviderOutcome> {
    const start = performance.now();
    const result = blankResult(prepared.request.model, prepared.payload);
    const signal = AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]);
    let redactor = createRedactor({ patterns: this.env.redactPatterns, secrets: configSecrets(this.config) });
    let retryAfterMs: number | null = null;
    try {
      const sent = await this.post(this.spec.api === 'chat' ? '/api/chat' : '/api/generate', prepared.payload, signal);
      redactor = sent.redactor;
      if (!sent.response.ok) {
        retryAfterMs = parseRetryAfter(sent.response.headers);
        result.error = await this.statusError(sent.response);
      } else {
        await this.readReply(sent.response, prepared.stream ? options.onDelta : undefined, result, start);
      }
    } catch (e) {
      result.error = this.failure(e, options.signal, signal, options.timeoutMs);
    }
    result.latencyMs = since(start);
    return { result: redactResult(result, redactor), retryAfterMs };
  }

  /** Assembles the reply's lines into `result`: text, tool calls, usage from the final line, errors sent mid-stream. */
  private async readReply(response: Response, onDelta: ((text: string) => void) | undefined, result: CallResult, start: number): Promise<void> {
    const lines: Record<string, unknown>[] = [];
    let text = '';
    await readLines(response, (line) => {
      lines.push(line);
      if (typeof line.error === 'string') throw Object.assign(new Error(line.error), { ollama: true });
      const message = line.message as { content?: unknown; tool_calls?: unknown } | undefined;
      const piece = typeof message?.content === 'string' ? message.content : typeof line.response === 'string' ? line.response : '';
      if (piece === '') return;
      if (result.ttftMs === null) result.ttftMs = since(start);
      text += piece;
      onDelta?.(piece);
    }).catch((e: unknown) => {
      if (!(e as { ollama?: boolean }).ollama) throw e;
      result.error = { kind: 'server', message: `${this.where}: Ollama error: ${(e as Error).message}` };
    });
    result.response = lines.length === 1 ? lines[0] : lines;
    if (result.error) return;
    result.text = text;
    const withCalls = lines.find((l) => Array.isArray((l.message as { tool_calls?: unknown } | undefined)?.tool_calls) && ((l.message as { tool_calls: unknown[] }).tool_calls.length > 0));
    result.toolCalls = toolCallsOf((withCalls?.message as { tool_calls?: unknown } | undefined)?.tool_calls);
    const final = lines.find((l) => l.done === true);
    if (!final) {
      result.error = { kind: 'malformed', message: `${this.where} ended the reply before its final line ("done": true)` };
      return;
    }
    result.finishReason = result.toolCalls.length > 0 ? 'tool_calls' : typeof final.done_reason === 'string' ? final.done_reason : 'stop';
    if (typeof final.prompt_eval_count === 'number' || typeof final.eval_count === 'number') {
      const input = typeof final.prompt_eval_count === 'number' ? final.prompt_eval_count : 0;
      const output = typeof final.eval_count === 'number' ? final.eval_count : 0;
      result.usage = { inputTokens: input, outputTokens: output, cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 };
    }
  }

  async embed(model: string, texts: string[], options: { signal: AbortSignal; timeoutMs: number }): Promise<EmbeddingOutcome> {
    const start = performance.now();
    const ref = { provider: this.config.name, model };
    const signal = AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]);
    const vectors: number[][] = [];
    try {
      for (const text of texts) {
        const { response } = await this.post('/api/embeddings', { model, prompt: text }, signal);
        if (!response.ok) return { result: { model: ref, vectors: [], usage: null, cost: null, latencyMs: since(start), error: await this.statusError(response) }, retryAfterMs: parseRetryAfter(response.headers) };
        const body = (await response.json()) as { embedding?: unknown };
        if (!Array.isArray(body.embedding) || !body.embedding.every((x) => typeof x === 'number')) {
          return { result: { model: ref, vectors: [], usage: null, cost: null, latencyMs: since(start), error: { kind: 'malformed', message: `${this.where}: no embedding in Ollama's reply` } }, retryAfterMs: null };
        }
        vectors.push(body.embedding as number[]);
      }
    } catch (e) {
      return { result: { model: ref, vectors: [], usage: null, cost: null, latencyMs: since(start), error: this.failure(e, options.signal, signal, options.timeoutMs) }, retryAfterMs: null };
    }
    return { result: { model: ref, vectors, usage: null, cost: 0, latencyMs: since(start) }, retryAfterMs: null };
  }

  /** The models Ollama has pulled (`GET /api/tags`). */
  async listModels(options: DirectCallOptions = {}): Promise<ModelListResult> {
    const caller = options.signal ?? new AbortController().signal;
    const timeoutMs = options.timeoutMs ?? 10_000;
    const signal = AbortSignal.any([caller, AbortSignal.timeout(timeoutMs)]);
    try {
      const key = await findKey(this.config, this.env.keys);
      const response = await this.env.fetch(`${this.base}/api/tags`, { headers: { ...(this.config.headers ?? {}), ...(key ? { authorization: `Bearer ${key}` } : {}) }, signal });
      if (!response.ok) return { error: await this.statusError(response) };
      const body = (await response.json()) as { models?: { name?: unknown }[] };
      return { models: (body.models ?? []).flatMap((m) => (typeof m.name === 'string' ? [{ id: m.name }] : [])) };
    } catch (e) {
      return { error: this.failure(e, caller, signal, timeoutMs) };
    }
  }
}
