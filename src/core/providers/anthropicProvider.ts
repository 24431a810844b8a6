// Anthropic messages through `@anthropic-ai/sdk`: the request built by anthropicRequest.ts, a default
// `max_tokens`, thinking blocks kept apart from the answer, and usage mapped so input tokens include cached ones.
import type { Anthropic as AnthropicClient } from '@anthropic-ai/sdk';
import type { CallError, CallResult, ChatRequest, ThinkingBlock, ToolCall, Usage } from '../types';
import { convertMessages, convertToolChoice, convertTools, reasoningFields } from './anthropicRequest';
import { classifySdkError, type SdkErrorClasses } from './providerErrors';
import { sseEventBatches } from './sseEvents';
import type { DirectCallOptions, EmbeddingOutcome, ModelListResult, PreparedChat, StreamSinks } from './providerTypes';
import { SdkProvider, sdkExports, since, type SdkRequestOptions, type SdkLogger } from './sdkProvider';

type AnthropicModule = typeof import('@anthropic-ai/sdk');

export const ANTHROPIC_DEFAULT_BASE_URL = 'https://api.anthropic.com';
/** Anthropic requires `max_tokens`; this is sent when the prompt file sets none. */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;

const LIST_TIMEOUT_MS = 15_000;

function errorClasses(sdk: AnthropicModule): SdkErrorClasses {
  return {
    base: sdk.AnthropicError,
    apiError: sdk.APIError,
    userAbort: sdk.APIUserAbortError,
    connection: sdk.APIConnectionError,
    connectionTimeout: sdk.APIConnectionTimeoutError,
  };
}

interface AnthropicUsageWire {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  output_tokens_details?: { thinking_tokens?: number | null } | null;
  cache_creation?: { ephemeral_1h_input_tokens?: number | null; ephemeral_5m_input_tokens?: number | null } | null;
}

/**
 * Anthropic usage → Assay usage. Anthropic's `input_tokens` excludes cache reads and writes; Assay's
 * `inputTokens` counts every prompt token, so both are added back.
 */
export function anthropicUsage(u: AnthropicUsageWire | null | undefined): Usage | null {
  if (!u || typeof u !== 'object') return null;
  const read = u.cache_read_input_tokens ?? 0;
  const write = u.cache_creation_input_tokens ?? 0;
  const usage: Usage = {
    inputTokens: (u.input_tokens ?? 0) + read + write,
    outputTokens: u.output_tokens ?? 0,
    cachedInputTokens: read,
    cacheWriteTokens: write,
    reasoningTokens: u.output_tokens_details?.thinking_tokens ?? 0,
  };
  // 1-hour cache writes cost more than 5-minute ones: kept apart so pricing can tell them apart.
  const hour = u.cache_creation?.ephemeral_1h_input_tokens ?? 0;
  if (hour > 0) usage.cacheWrite1hTokens = hour;
  return usage;
}

const FINISH: Record<string, string> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

/** Anthropic's stop reason in Assay's words (`stop`, `length`, `tool_calls`, `content_filter`, else its own). */
export function anthropicFinishReason(reason: string | null | undefined): string | null {
  if (!reason) return null;
  return FINISH[reason] ?? reason;
}

function toolCallOf(block: { id?: unknown; name?: unknown; input?: unknown }, rawJson?: string): ToolCall {
  return {
    id: typeof block.id === 'string' ? block.id : '',
    type: 'function',
    function: { name: typeof block.name === 'string' ? block.name : '', arguments: rawJson ?? JSON.stringify(block.input ?? {}) },
  };
}

/** Provider for kind `anthropic`. */
export class AnthropicProvider extends SdkProvider<AnthropicClient> {
  protected readonly keyRequired = true;
  private sdk: AnthropicModule | undefined;

  protected async createClient(apiKey: string | undefined, logger: SdkLogger): Promise<AnthropicClient> {
    const sdk = sdkExports<AnthropicModule>(await import('@anthropic-ai/sdk'), 'Anthropic');
    this.sdk = sdk;
    return new sdk.Anthropic({
      apiKey: apiKey ?? null,
      baseURL: this.config.baseUrl ?? ANTHROPIC_DEFAULT_BASE_URL,
      maxRetries: 0,
      fetch: this.env.fetch,
      defaultHeaders: this.config.headers,
      logger,
      logLevel: this.env.logLevel,
    });
  }

  prepare(request: ChatRequest, stream: boolean): PreparedChat | { error: CallError } {
    const converted = convertMessages(request.messages);
    if ('error' in converted) return converted;
    if (converted.messages.length === 0) return { error: { kind: 'bad_request', message: 'The prompt has no user or assistant message to send (Anthropic needs at least one)' } };
    const p = request.params;
    const payload: Record<string, unknown> = {
      model: request.model.model,
      max_tokens: p.max_tokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS,
    };
    if (converted.system.length > 0) payload.system = converted.system;
    payload.messages = converted.messages;
    if (p.temperature !== undefined) payload.temperature = p.temperature;
    if (p.top_p !== undefined) payload.top_p = p.top_p;
    if (p.stop && p.stop.length > 0) payload.stop_sequences = p.stop;
    if (p.tools && p.tools.length > 0) payload.tools = convertTools(p.tools);
    if (p.tool_choice !== undefined) payload.tool_choice = convertToolChoice(p.tool_choice);
    const reasoning = reasoningFields(p);
    if ('error' in reasoning) return reasoning as { error: CallError };
    Object.assign(payload, reasoning);
    if (stream) payload.stream = true;
    return { request, payload, stream };
  }

  protected errorClasses(): SdkErrorClasses {
    return errorClasses(this.sdk!);
  }

  protected fromBody(body: Record<string, unknown>, result: CallResult): void {
    fromMessage(body, result);
  }

  protected async completeInto(client: AnthropicClient, payload: Record<string, unknown>, requestOptions: SdkRequestOptions, result: CallResult): Promise<void> {
    const message = await client.messages.create(payload as never, requestOptions);
    fromMessage(message as unknown as Record<string, unknown>, result);
  }

  /**
   * The events of a streamed message. The SDK sends the request and hands over the raw response; its events are
   * read here a network chunk at a time (sseEvents.ts), with the SDK stream's rules: `ping` and unnamed events
   * are skipped, an `error` event is the SDK's `APIError` with the error's type, data that is not JSON throws.
   */
  private async *events(client: AnthropicClient, payload: Record<string, unknown>, requestOptions: SdkRequestOptions): AsyncGenerator<Record<string, unknown>> {
    const sdk = this.sdk!;
    const response = await client.messages.create(payload as never, requestOptions).asResponse();
    if (!response.body) throw new sdk.AnthropicError('Attempted to iterate over a response with no body');
    for await (const events of sseEventBatches(response.body)) {
      for (const sse of events) {
        if (sse.event === 'ping' || sse.event === null) continue;
        if (sse.event === 'error') {
          const body = jsonOrText(sse.data);
          const type = (body as { error?: { type?: unknown } } | null)?.error?.type;
          throw new sdk.APIError(undefined, body as object, undefined, response.headers, typeof type === 'string' ? (type as never) : undefined);
        }
        if (!sse.data) continue;
        yield JSON.parse(sse.data) as Record<string, unknown>;
      }
    }
  }

  /** Streams one message into `result` from the SSE event sequence, keeping partial text on failure. */
  protected async streamInto(
    client: AnthropicClient,
    payload: Record<string, unknown>,
    requestOptions: SdkRequestOptions,
    sinks: StreamSinks,
    result: CallResult,
    start: number,
  ): Promise<void> {
    let text = '';
    let message: Record<string, unknown> | null = null;
    let usage: AnthropicUsageWire = {};
    let stopReason: string | null = null;
    let stopSequence: unknown = null;
    let stopped = false;
    const blocks: StreamBlock[] = [];
    // Thinking is shown as it streams, a blank line between blocks (the result keeps them apart).
    let thinkingShown = false;
    let thinkingBlock = -1;
    const showThinking = (index: number, text: string): void => {
      if (!sinks.reasoning) return;
      if (thinkingShown && index !== thinkingBlock) sinks.reasoning('\n\n');
      thinkingShown = true;
      thinkingBlock = index;
      sinks.reasoning(text);
    };
    const firstToken = (): void => {
      if (result.ttftMs === null) result.ttftMs = since(start);
    };
    try {
      for await (const event of this.events(client, payload, requestOptions)) {
        switch (event.type) {
          case 'content_block_delta': {
            const delta = event.delta as BlockDelta;
            const slot = blocks[event.index as number];
            if (delta.type === 'text_delta' && delta.text) {
              firstToken();
              text += delta.text;
              if (slot) slot.text += delta.text;
              sinks.text?.(delta.text);
            } else if (slot) {
              if (delta.type !== 'signature_delta') firstToken();
              applyDelta(slot, delta);
              if (delta.type === 'thinking_delta' && delta.thinking) showThinking(event.index as number, delta.thinking);
            }
            break;
          }
          case 'content_block_start': {
            const block = (event.content_block ?? {}) as Record<string, unknown>;
            blocks[event.index as number] = {
              type: String(block.type),
              text: typeof block.text === 'string' ? block.text : typeof block.thinking === 'string' ? block.thinking : '',
              json: '',
              signature: typeof block.signature === 'string' ? block.signature : '',
              block,
            };
            break;
          }
          case 'message_start':
            message = (event.message ?? {}) as Record<string, unknown>;
            usage = { ...((message.usage as AnthropicUsageWire | undefined) ?? {}) };
            break;
          case 'message_delta': {
            const delta = (event.delta ?? {}) as { stop_reason?: string | null; stop_sequence?: unknown };
            if (delta.stop_reason) stopReason = delta.stop_reason;
            if (delta.stop_sequence !== undefined) stopSequence = delta.stop_sequence;
            // Cumulative counts: later fields win, absent ones keep message_start's.
            const u = (event.usage ?? {}) as AnthropicUsageWire;
            for (const [k, v] of Object.entries(u)) if (v !== null && v !== undefined) (usage as Record<string, unknown>)[k] = v;
            break;
          }
          case 'message_stop':
            stopped = true;
            break;
          default:
            break;
        }
      }
      if (!stopped && !requestOptions.signal.aborted) {
        result.error = { kind: 'malformed', message: 'The stream ended before message_stop' };
      }
    } finally {
      result.text = text;
      result.finishReason = anthropicFinishReason(stopReason);
      result.usage = message ? anthropicUsage(usage) : null;
      const content = blocks.filter(Boolean).map(finishedBlock);
      result.toolCalls = blocks.filter((b) => b && b.type === 'tool_use').map((b) => toolCallOf(b.block, b.json === '' ? '{}' : b.json));
      const thinking = thinkingOf(content);
      if (thinking.length > 0) result.thinking = thinking;
      if (message) result.response = { ...message, content, stop_reason: stopReason, stop_sequence: stopSequence, usage };
    }
  }

  async embed(model: string, _texts: string[], _options: { signal: AbortSignal; timeoutMs: number }): Promise<EmbeddingOutcome> {
    return {
      result: {
        model: { provider: this.config.name, model },
        vectors: [],
        usage: null,
        cost: null,
        latencyMs: 0,
        error: { kind: 'bad_request', message: 'Anthropic has no embeddings API: use an OpenAI or OpenAI-compatible embedding model' },
      },
      retryAfterMs: null,
    };
  }

  async listModels(options: DirectCallOptions = {}): Promise<ModelListResult> {
    if (this.config.models && this.config.models.length > 0) return { models: this.config.models.map((id) => ({ id })) };
    const session = await this.open();
    if ('error' in session) return { error: session.error };
    const signal = options.signal ?? new AbortController().signal;
    try {
      const page = await session.client.models.list({ limit: 1000 } as never, { signal, timeout: options.timeoutMs ?? LIST_TIMEOUT_MS, maxRetries: 0 });
      const data = (page as unknown as { data?: { id?: unknown; display_name?: unknown }[] }).data ?? [];
      return {
        models: data
          .filter((m) => typeof m.id === 'string')
          .map((m) => ({ id: m.id as string, ...(typeof m.display_name === 'string' ? { label: m.display_name } : {}) })),
      };
    } catch (err) {
      const classified = classifySdkError(err, errorClasses(this.sdk!), signal.aborted, this.where);
      return { error: { ...classified.error, message: session.redactor.text(classified.error.message) } };
    }
  }
}

/** A content block as its stream events build it up. */
interface StreamBlock {
  type: string;
  text: string;
  json: string;
  signature: string;
  block: Record<string, unknown>;
}

type BlockDelta = { type?: string; text?: string; partial_json?: string; thinking?: string; signature?: string };

function applyDelta(slot: StreamBlock, delta: BlockDelta): void {
  if (delta.type === 'input_json_delta') slot.json += delta.partial_json ?? '';
  else if (delta.type === 'thinking_delta') slot.text += delta.thinking ?? '';
  else if (delta.type === 'signature_delta') slot.signature += delta.signature ?? '';
}

/** A streamed block as the non-streamed message would hold it. */
function finishedBlock(b: StreamBlock): Record<string, unknown> {
  if (b.type === 'text') return { ...b.block, text: b.text };
  if (b.type === 'tool_use') return { ...b.block, input: safeJson(b.json) };
  if (b.type === 'thinking') return { ...b.block, thinking: b.text, signature: b.signature };
  return b.block;
}

/** The thinking and redacted-thinking blocks of a message's content, in order. */
function thinkingOf(content: Record<string, unknown>[]): ThinkingBlock[] {
  const out: ThinkingBlock[] = [];
  for (const b of content) {
    if (b.type === 'thinking') {
      const block: ThinkingBlock = { text: typeof b.thinking === 'string' ? b.thinking : '' };
      if (typeof b.signature === 'string' && b.signature !== '') block.signature = b.signature;
      out.push(block);
    } else if (b.type === 'redacted_thinking') out.push({ text: '', redacted: true, ...(typeof b.data === 'string' ? { data: b.data } : {}) });
  }
  return out;
}

function safeJson(s: string): unknown {
  if (s === '') return {};
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

function fromMessage(message: Record<string, unknown>, result: CallResult): void {
  result.response = message;
  const content = message.content;
  if (!Array.isArray(content)) {
    result.error = { kind: 'malformed', message: 'The response has no content array' };
    return;
  }
  let text = '';
  const calls: ToolCall[] = [];
  for (const block of content as Record<string, unknown>[]) {
    if (block.type === 'text' && typeof block.text === 'string') text += block.text;
    else if (block.type === 'tool_use') calls.push(toolCallOf(block));
  }
  result.text = text;
  result.toolCalls = calls;
  const thinking = thinkingOf(content as Record<string, unknown>[]);
  if (thinking.length > 0) result.thinking = thinking;
  result.finishReason = anthropicFinishReason(message.stop_reason as string | null | undefined);
  result.usage = anthropicUsage(message.usage as AnthropicUsageWire | undefined);
}

/** `text` parsed as JSON, or the text itself when it is not JSON or is `null` (an error event's body, as the SDK reads it). */
function jsonOrText(text: string): unknown {
  try {
    return (JSON.parse(text) as unknown) ?? text;
  } catch {
    return text;
  }
}
