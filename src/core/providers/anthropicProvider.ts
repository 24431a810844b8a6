// Anthropic messages through `@anthropic-ai/sdk`: the system prompt lifted out of the messages, OpenAI-shaped
// tools converted, a default `max_tokens`, and usage mapped so input tokens include cached ones.
import type { Anthropic as AnthropicClient } from '@anthropic-ai/sdk';
import type { CallError, CallResult, ChatMessage, ChatRequest, ToolCall, Usage } from '../types';
import { classifySdkError, type SdkErrorClasses } from './providerErrors';
import type { DirectCallOptions, EmbeddingOutcome, ModelListResult, PreparedChat } from './providerTypes';
import { openAiTools, SdkProvider, sdkExports, since, type SdkRequestOptions, type SdkLogger } from './sdkProvider';

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
}

/**
 * Anthropic usage → Assay usage. Anthropic's `input_tokens` excludes cache reads and writes; Assay's
 * `inputTokens` counts every prompt token, so both are added back.
 */
export function anthropicUsage(u: AnthropicUsageWire | null | undefined): Usage | null {
  if (!u || typeof u !== 'object') return null;
  const read = u.cache_read_input_tokens ?? 0;
  const write = u.cache_creation_input_tokens ?? 0;
  return {
    inputTokens: (u.input_tokens ?? 0) + read + write,
    outputTokens: u.output_tokens ?? 0,
    cachedInputTokens: read,
    cacheWriteTokens: write,
    reasoningTokens: u.output_tokens_details?.thinking_tokens ?? 0,
  };
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

function convertTools(tools: Record<string, unknown>[]): Record<string, unknown>[] {
  return openAiTools(tools).map((t) => {
    const fn = t.function as { name?: unknown; description?: unknown; parameters?: unknown } | undefined;
    if (!fn) return t; // already Anthropic-shaped (name + input_schema) or a server tool
    const out: Record<string, unknown> = { name: fn.name, input_schema: fn.parameters ?? { type: 'object', properties: {} } };
    if (fn.description !== undefined) out.description = fn.description;
    return out;
  });
}

function convertToolChoice(choice: unknown): unknown {
  if (choice === 'auto') return { type: 'auto' };
  if (choice === 'required') return { type: 'any' };
  if (choice === 'none') return { type: 'none' };
  if (choice && typeof choice === 'object') {
    const c = choice as { type?: unknown; function?: { name?: unknown } };
    if (c.type === 'function' && c.function) return { type: 'tool', name: c.function.name };
  }
  return choice;
}

type Block = Record<string, unknown>;

function convertMessages(messages: ChatMessage[]): { system: string; messages: { role: 'user' | 'assistant'; content: string | Block[] }[] } | { error: CallError } {
  const system: string[] = [];
  const out: { role: 'user' | 'assistant'; content: string | Block[] }[] = [];
  for (const m of messages) {
    if (m.role === 'system') {
      system.push(m.content);
    } else if (m.role === 'tool') {
      const block = { type: 'tool_result', tool_use_id: m.tool_call_id ?? '', content: m.content };
      const last = out[out.length - 1];
      // Results of parallel tool calls go back in one user turn.
      if (last && last.role === 'user' && Array.isArray(last.content) && last.content.every((b) => b.type === 'tool_result')) last.content.push(block);
      else out.push({ role: 'user', content: [block] });
    } else if (m.role === 'assistant' && m.tool_calls && m.tool_calls.length > 0) {
      const blocks: Block[] = m.content ? [{ type: 'text', text: m.content }] : [];
      for (const call of m.tool_calls) {
        let input: unknown;
        try {
          input = call.function.arguments.trim() === '' ? {} : JSON.parse(call.function.arguments);
        } catch {
          return { error: { kind: 'bad_request', message: `Tool call ${call.id} (${call.function.name}) has arguments that are not JSON` } };
        }
        blocks.push({ type: 'tool_use', id: call.id, name: call.function.name, input });
      }
      out.push({ role: 'assistant', content: blocks });
    } else {
      out.push({ role: m.role, content: m.content });
    }
  }
  return { system: system.join('\n\n'), messages: out };
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
    if (converted.system !== '') payload.system = converted.system;
    payload.messages = converted.messages;
    if (p.temperature !== undefined) payload.temperature = p.temperature;
    if (p.top_p !== undefined) payload.top_p = p.top_p;
    if (p.stop && p.stop.length > 0) payload.stop_sequences = p.stop;
    if (p.tools && p.tools.length > 0) payload.tools = convertTools(p.tools);
    if (p.tool_choice !== undefined) payload.tool_choice = convertToolChoice(p.tool_choice);
    if (stream) payload.stream = true;
    return { request, payload, stream };
  }

  protected errorClasses(): SdkErrorClasses {
    return errorClasses(this.sdk!);
  }

  protected async completeInto(client: AnthropicClient, payload: Record<string, unknown>, requestOptions: SdkRequestOptions, result: CallResult): Promise<void> {
    const message = await client.messages.create(payload as never, requestOptions);
    fromMessage(message as unknown as Record<string, unknown>, result);
  }

  /** Streams one message into `result` from the SSE event sequence, keeping partial text on failure. */
  protected async streamInto(
    client: AnthropicClient,
    payload: Record<string, unknown>,
    requestOptions: SdkRequestOptions,
    onDelta: ((text: string) => void) | undefined,
    result: CallResult,
    start: number,
  ): Promise<void> {
    let text = '';
    let message: Record<string, unknown> | null = null;
    let usage: AnthropicUsageWire = {};
    let stopReason: string | null = null;
    let stopSequence: unknown = null;
    let stopped = false;
    const blocks: { type: string; text: string; json: string; block: Record<string, unknown> }[] = [];
    try {
      const stream = await client.messages.create(payload as never, requestOptions);
      for await (const event of stream as unknown as AsyncIterable<Record<string, unknown>>) {
        switch (event.type) {
          case 'content_block_delta': {
            const delta = event.delta as { type?: string; text?: string; partial_json?: string };
            const slot = blocks[event.index as number];
            if (delta.type === 'text_delta' && delta.text) {
              if (result.ttftMs === null) result.ttftMs = since(start);
              text += delta.text;
              if (slot) slot.text += delta.text;
              if (onDelta) onDelta(delta.text);
            } else if (delta.type === 'input_json_delta' && slot) {
              if (result.ttftMs === null) result.ttftMs = since(start);
              slot.json += delta.partial_json ?? '';
            }
            break;
          }
          case 'content_block_start': {
            const block = (event.content_block ?? {}) as Record<string, unknown>;
            blocks[event.index as number] = { type: String(block.type), text: typeof block.text === 'string' ? block.text : '', json: '', block };
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
      result.toolCalls = blocks.filter((b) => b && b.type === 'tool_use').map((b) => toolCallOf(b.block, b.json === '' ? '{}' : b.json));
      if (message) {
        result.response = {
          ...message,
          content: blocks.filter(Boolean).map((b) => {
            if (b.type === 'text') return { ...b.block, text: b.text };
            if (b.type === 'tool_use') return { ...b.block, input: safeJson(b.json) };
            return b.block;
          }),
          stop_reason: stopReason,
          stop_sequence: stopSequence,
          usage,
        };
      }
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
  result.finishReason = anthropicFinishReason(message.stop_reason as string | null | undefined);
  result.usage = anthropicUsage(message.usage as AnthropicUsageWire | undefined);
}
