// OpenAI chat completions through the `openai` SDK, for OpenAI itself, any OpenAI-compatible server
// (Ollama, vLLM, LM Studio, OpenRouter, Groq…) and Azure OpenAI (deployment-style URLs, `api-key`).
import type { OpenAI as OpenAIClient } from 'openai';
import type { CallError, CallResult, ChatMessage, ChatRequest, ToolCall, Usage } from '../types';
import { openAiContentParts } from './imageParts';
import { classifySdkError, type SdkErrorClasses } from './providerErrors';
import { sseEventBatches } from './sseEvents';
import type { DirectCallOptions, EmbeddingOutcome, ModelListResult, ModerationOutcome, PreparedChat, ProviderConfig, StreamSinks } from './providerTypes';
import { openAiTools, SdkProvider, sdkExports, since, type SdkRequestOptions, type ProviderEnv, type SdkLogger } from './sdkProvider';

type OpenAIModule = typeof import('openai');

export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';
/** The Azure OpenAI data-plane GA version used when an endpoint names none. */
export const AZURE_DEFAULT_API_VERSION = '2024-10-21';

const LIST_TIMEOUT_MS = 15_000;

function errorClasses(sdk: OpenAIModule): SdkErrorClasses {
  return {
    base: sdk.OpenAIError,
    apiError: sdk.APIError,
    userAbort: sdk.APIUserAbortError,
    connection: sdk.APIConnectionError,
    connectionTimeout: sdk.APIConnectionTimeoutError,
  };
}

function toOpenAiMessage(m: ChatMessage): Record<string, unknown> | { error: CallError } {
  const parts = m.parts ? openAiContentParts(m.parts) : undefined;
  if (parts && 'error' in parts) return parts;
  const out: Record<string, unknown> = { role: m.role, content: parts ?? m.content };
  if (m.name !== undefined) out.name = m.name;
  if (m.role === 'assistant' && m.tool_calls && m.tool_calls.length > 0) {
    out.tool_calls = m.tool_calls;
    if (m.content === '') out.content = null;
  }
  if (m.role === 'tool' && m.tool_call_id !== undefined) out.tool_call_id = m.tool_call_id;
  return out;
}

/** Chat completions' `usage` as it arrives. */
export interface OpenAiUsageWire {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number | null } | null;
  completion_tokens_details?: { reasoning_tokens?: number | null } | null;
}

/** OpenAI usage → Assay usage (`prompt_tokens` already includes cached tokens). */
export function openAiUsage(u: OpenAiUsageWire | null | undefined): Usage | null {
  if (!u || typeof u !== 'object') return null;
  return {
    inputTokens: u.prompt_tokens ?? 0,
    outputTokens: u.completion_tokens ?? 0,
    cachedInputTokens: u.prompt_tokens_details?.cached_tokens ?? 0,
    cacheWriteTokens: 0,
    reasoningTokens: u.completion_tokens_details?.reasoning_tokens ?? 0,
  };
}

interface WireToolCall {
  id?: string;
  type?: string;
  function?: { name?: string; arguments?: string };
}

function toToolCalls(calls: WireToolCall[] | null | undefined): ToolCall[] {
  if (!Array.isArray(calls)) return [];
  return calls
    .filter((c) => c && (c.type === undefined || c.type === 'function') && c.function)
    .map((c) => ({ id: c.id ?? '', type: 'function' as const, function: { name: c.function!.name ?? '', arguments: c.function!.arguments ?? '' } }));
}

/** `thinking` and `effort` are Anthropic's: an OpenAI-style server would not think as the prompt asks. */
function anthropicOnlyParams(p: ChatRequest['params']): CallError | undefined {
  const names = (['thinking', 'effort'] as const).filter((k) => p[k] !== undefined);
  if (names.length === 0) return undefined;
  return { kind: 'bad_request', message: `${names.join(' and ')} ${names.length === 1 ? 'is an Anthropic parameter' : 'are Anthropic parameters'}: OpenAI and compatible servers take reasoning_effort instead` };
}

/** Provider for kinds `openai`, `openai-compatible` and `azure-openai`. */
export class OpenAiProvider extends SdkProvider<OpenAIClient> {
  protected readonly keyRequired: boolean;
  protected sdk: OpenAIModule | undefined;

  constructor(config: ProviderConfig, env: ProviderEnv) {
    super(config, env);
    // Local servers (Ollama, LM Studio, vLLM) take no key; hosted ones answer 401, which says how to set one.
    this.keyRequired = config.kind !== 'openai-compatible';
  }

  protected async createClient(apiKey: string | undefined, logger: SdkLogger): Promise<OpenAIClient> {
    const sdk = sdkExports<OpenAIModule>(await import('openai'), 'OpenAI');
    this.sdk = sdk;
    const common = {
      // The SDK insists on a key; a keyless local server ignores this placeholder.
      apiKey: apiKey ?? 'no-key',
      maxRetries: 0,
      fetch: this.env.fetch,
      defaultHeaders: this.config.headers,
      logger,
      logLevel: this.env.logLevel,
    };
    if (this.config.kind === 'azure-openai') {
      const base = (this.config.baseUrl ?? '').replace(/\/+$/, '');
      return new sdk.AzureOpenAI({
        ...common,
        baseURL: base.endsWith('/openai') ? base : `${base}/openai`,
        apiVersion: this.config.apiVersion ?? AZURE_DEFAULT_API_VERSION,
      });
    }
    // Explicit null/values so the SDK never picks up OPENAI_* variables behind the user's back.
    return new sdk.OpenAI({ ...common, baseURL: this.config.baseUrl ?? OPENAI_DEFAULT_BASE_URL, organization: null, project: null, webhookSecret: null });
  }

  prepare(request: ChatRequest, stream: boolean): PreparedChat | { error: CallError } {
    if (request.messages.length === 0) return { error: { kind: 'bad_request', message: 'The prompt has no messages to send' } };
    const foreign = anthropicOnlyParams(request.params);
    if (foreign) return { error: foreign };
    const p = request.params;
    if (p.reasoning_summary !== undefined) return { error: { kind: 'bad_request', message: 'Reasoning summaries (reasoning_summary) come only from the Responses API: add api: responses' } };
    const responsesOnly = (['instructions', 'store'] as const).filter((k) => p[k] !== undefined);
    if (responsesOnly.length > 0) return { error: { kind: 'bad_request', message: `${responsesOnly.join(' and ')} exist only in the Responses API: add api: responses` } };
    const messages: Record<string, unknown>[] = [];
    for (const m of request.messages) {
      const out = toOpenAiMessage(m);
      if ('error' in out) return out as { error: CallError };
      messages.push(out);
    }
    const payload: Record<string, unknown> = { model: request.model.model, messages };
    if (p.temperature !== undefined) payload.temperature = p.temperature;
    if (p.top_p !== undefined) payload.top_p = p.top_p;
    // OpenAI deprecated max_tokens (its reasoning models reject it); compatible servers know only max_tokens.
    if (p.max_tokens !== undefined) payload[this.config.kind === 'openai' ? 'max_completion_tokens' : 'max_tokens'] = p.max_tokens;
    if (p.stop && p.stop.length > 0) payload.stop = p.stop;
    if (p.seed !== undefined) payload.seed = p.seed;
    if (p.response_format !== undefined) payload.response_format = p.response_format;
    if (p.tools && p.tools.length > 0) payload.tools = openAiTools(p.tools);
    if (p.tool_choice !== undefined) payload.tool_choice = p.tool_choice;
    for (const key of ['frequency_penalty', 'presence_penalty', 'max_completion_tokens', 'reasoning_effort', 'verbosity'] as const) if (p[key] !== undefined) payload[key] = p[key];
    if (p.logprobs) {
      // Streamed chunks carry logprobs piecemeal and the assembled response does not keep them (the preflight refuses it first).
      if (stream) return { error: { kind: 'bad_request', message: 'Token logprobs (for perplexity) need a call without streaming' } };
      payload.logprobs = true;
    }
    if (stream) {
      payload.stream = true;
      payload.stream_options = { include_usage: true };
    }
    return { request, payload, stream };
  }

  protected errorClasses(): SdkErrorClasses {
    return errorClasses(this.sdk!);
  }

  protected fromBody(body: Record<string, unknown>, result: CallResult): void {
    fromCompletion(body, result);
  }

  /** The Batch API endpoint this provider's payloads go to. */
  get batchEndpoint(): '/v1/chat/completions' | '/v1/responses' {
    return '/v1/chat/completions';
  }

  protected async completeInto(client: OpenAIClient, payload: Record<string, unknown>, requestOptions: SdkRequestOptions, result: CallResult): Promise<void> {
    const completion = await client.chat.completions.create(payload as never, requestOptions);
    fromCompletion(completion as unknown as Record<string, unknown>, result);
  }

  /**
   * The events of a streamed chat completion or response. The SDK sends the request (headers, retries off, errors
   * of the status line) and hands over the raw response; its events are read here, a network chunk at a time
   * (sseEvents.ts), with the SDK stream's rules: `[DONE]` ends it, a chunk with `error` is the SDK's `APIError`,
   * data that is not JSON throws, an abort ends it quietly.
   */
  protected async *streamed(call: { asResponse(): Promise<Response> }): AsyncGenerator<Record<string, unknown>> {
    const sdk = this.sdk!;
    const response = await call.asResponse();
    if (!response.body) throw new sdk.OpenAIError('Attempted to iterate over a response with no body');
    // After [DONE] the rest is read and ignored: stopping early would close the keep-alive connection.
    let done = false;
    for await (const events of sseEventBatches(response.body)) {
      for (const sse of events) {
        if (done) continue;
        if (sse.data.startsWith('[DONE]')) {
          done = true;
          continue;
        }
        const data = JSON.parse(sse.data) as Record<string, unknown> | null;
        // The Assistants API's `thread.*` events never come from these endpoints; the SDK passes them on untouched.
        if (sse.event !== null && sse.event.startsWith('thread.')) continue;
        if (data && data.error) throw new sdk.APIError(undefined, data.error as object, undefined, response.headers);
        if (data) yield data;
      }
    }
  }

  /** Streams one completion into `result`, keeping the partial text when the stream breaks off. */
  protected async streamInto(
    client: OpenAIClient,
    payload: Record<string, unknown>,
    requestOptions: SdkRequestOptions,
    sinks: StreamSinks,
    result: CallResult,
    start: number,
  ): Promise<void> {
    let text = '';
    let finish: string | null = null;
    let usage: OpenAiUsageWire | null = null;
    let head: Record<string, unknown> | null = null;
    const calls: { id: string; name: string; args: string }[] = [];
    try {
      for await (const chunk of this.streamed(client.chat.completions.create(payload as never, requestOptions))) {
        if (head === null) head = chunk;
        if (chunk.usage) usage = chunk.usage as OpenAiUsageWire;
        const choice = (chunk.choices as Record<string, unknown>[] | undefined)?.[0];
        if (!choice) continue;
        const delta = choice.delta as { content?: string | null; tool_calls?: (WireToolCall & { index?: number })[] } | undefined;
        if (delta) {
          const content = delta.content;
          if (content) {
            if (result.ttftMs === null) result.ttftMs = since(start);
            text += content;
            sinks.text?.(content);
          }
          if (delta.tool_calls) {
            if (result.ttftMs === null) result.ttftMs = since(start);
            for (const tc of delta.tool_calls) {
              const i = tc.index ?? calls.length;
              const slot = (calls[i] ??= { id: '', name: '', args: '' });
              if (tc.id) slot.id = tc.id;
              if (tc.function?.name) slot.name += tc.function.name;
              if (tc.function?.arguments) slot.args += tc.function.arguments;
            }
          }
        }
        if (choice.finish_reason) finish = choice.finish_reason as string;
      }
      if (finish === null && !requestOptions.signal.aborted) {
        result.error = { kind: 'malformed', message: 'The stream ended before the model finished (no finish_reason)' };
      }
    } finally {
      result.text = text;
      result.finishReason = finish;
      result.usage = openAiUsage(usage);
      result.toolCalls = calls.filter(Boolean).map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.args } }));
      if (head !== null) {
        const message: Record<string, unknown> = { role: 'assistant', content: text };
        if (result.toolCalls.length > 0) message.tool_calls = result.toolCalls;
        result.response = {
          id: head.id,
          object: 'chat.completion',
          created: head.created,
          model: head.model,
          ...(head.system_fingerprint !== undefined ? { system_fingerprint: head.system_fingerprint } : {}),
          choices: [{ index: 0, message, finish_reason: finish }],
          usage,
        };
      }
    }
  }

  async embed(model: string, texts: string[], options: { signal: AbortSignal; timeoutMs: number }): Promise<EmbeddingOutcome> {
    const result: EmbeddingOutcome['result'] = { model: { provider: this.config.name, model }, vectors: [], usage: null, cost: null, latencyMs: 0 };
    return this.direct(result, options.signal, async (client) => {
      const res = (await client.embeddings.create(
        { model, input: texts, encoding_format: 'float' },
        { signal: options.signal, timeout: options.timeoutMs, maxRetries: 0 },
      )) as unknown as { data?: { index?: number; embedding?: unknown }[]; usage?: { prompt_tokens?: number } };
      if (!Array.isArray(res.data) || res.data.length !== texts.length || !res.data.every((d) => Array.isArray(d.embedding))) {
        result.error = { kind: 'malformed', message: `${this.where} returned ${Array.isArray(res.data) ? res.data.length : 'no'} embeddings for ${texts.length} texts` };
      } else {
        result.vectors = [...res.data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0)).map((d) => d.embedding as number[]);
        result.usage = { inputTokens: res.usage?.prompt_tokens ?? 0 };
      }
    });
  }

  /** OpenAI's moderation endpoint; the text goes as one text part, as promptfoo sends it to multimodal models. */
  async moderate(model: string, text: string, options: { signal: AbortSignal; timeoutMs: number }): Promise<ModerationOutcome> {
    const result: ModerationOutcome['result'] = { model: { provider: this.config.name, model }, flags: [], latencyMs: 0 };
    return this.direct(result, options.signal, async (client) => {
      const input = model.startsWith('omni-') ? [{ type: 'text' as const, text }] : text;
      const res = await client.moderations.create({ model, input }, { signal: options.signal, timeout: options.timeoutMs, maxRetries: 0 });
      // Each flagged category once, with its highest score.
      const best = new Map<string, number>();
      for (const r of res.results ?? []) {
        if (!r.flagged) continue;
        for (const [category, flagged] of Object.entries(r.categories ?? {})) {
          const score = (r.category_scores as unknown as Record<string, number>)?.[category] ?? 0;
          if (flagged && !(score <= (best.get(category) ?? -Infinity))) best.set(category, score);
        }
      }
      result.flags = [...best].map(([category, score]) => ({ category, score }));
    });
  }

  /** One call besides chat (embeddings, moderation): opens the session, times the call, turns an SDK error into the result's `error`. */
  private async direct<R extends { latencyMs: number; error?: CallError }>(result: R, signal: AbortSignal, call: (client: OpenAIClient) => Promise<void>): Promise<{ result: R; retryAfterMs: number | null }> {
    const session = await this.open();
    if ('error' in session) return { result: { ...result, error: session.error }, retryAfterMs: null };
    const start = performance.now();
    try {
      await call(session.client);
      result.latencyMs = since(start);
      return { result, retryAfterMs: null };
    } catch (err) {
      const classified = classifySdkError(err, errorClasses(this.sdk!), signal.aborted, this.where);
      const error = this.authHint(classified.error, session.hasKey);
      return { result: { ...result, latencyMs: since(start), error: { ...error, message: session.redactor.text(error.message) } }, retryAfterMs: classified.retryAfterMs };
    }
  }

  async listModels(options: DirectCallOptions = {}): Promise<ModelListResult> {
    if (this.config.models && this.config.models.length > 0) return { models: this.config.models.map((id) => ({ id })) };
    const session = await this.open();
    if ('error' in session) return { error: session.error };
    const signal = options.signal ?? new AbortController().signal;
    try {
      const page = await session.client.models.list({ signal, timeout: options.timeoutMs ?? LIST_TIMEOUT_MS, maxRetries: 0 });
      const data = (page as unknown as { data?: { id?: unknown; owned_by?: unknown; shutdown_date?: unknown }[] }).data ?? [];
      // shutdown_date: optional, YYYY-MM-DD or null (https://developers.openai.com/api/docs/deprecations, read 2026-12-07).
      const models = data
        .filter((m) => typeof m.id === 'string')
        .map((m) => ({
          id: m.id as string,
          ...(typeof m.owned_by === 'string' ? { ownedBy: m.owned_by } : {}),
          ...(typeof m.shutdown_date === 'string' ? { shutdownDate: m.shutdown_date } : {}),
        }))
        .sort((a, b) => a.id.localeCompare(b.id));
      return { models };
    } catch (err) {
      const classified = classifySdkError(err, errorClasses(this.sdk!), signal.aborted, this.where);
      const error = this.authHint(classified.error, session.hasKey);
      return { error: { ...error, message: session.redactor.text(error.message) } };
    }
  }
}

function fromCompletion(completion: Record<string, unknown>, result: CallResult): void {
  result.response = completion;
  const choices = completion.choices;
  if (!Array.isArray(choices) || choices.length === 0) {
    result.error = { kind: 'malformed', message: 'The response has no choices' };
    result.usage = openAiUsage(completion.usage as OpenAiUsageWire | undefined);
    return;
  }
  const choice = choices[0] as { message?: { content?: string | null; refusal?: string | null; tool_calls?: WireToolCall[] }; finish_reason?: string | null };
  result.text = choice.message?.content ?? choice.message?.refusal ?? '';
  result.toolCalls = toToolCalls(choice.message?.tool_calls);
  result.finishReason = choice.finish_reason ?? null;
  result.usage = openAiUsage(completion.usage as OpenAiUsageWire | undefined);
}
