// The OpenAI Responses API (`POST /v1/responses`) through the `openai` SDK, for OpenAI and compatible
// servers that serve it. Same prompt, same result shape as chat completions: text, tool calls, usage
// (cached and reasoning tokens), finish reason; reasoning summaries land in `result.reasoning`, never in
// the text assertions read. Parameters the Responses API has no field for are refused before any call.
// Wire facts: openai-node 6.30.1, src/resources/responses/responses.ts (ResponseCreateParams,
// Response, ResponseStreamEvent), read 2026-12-07.
import type { OpenAI as OpenAIClient } from 'openai';
import type { CallError, CallResult, ChatMessage, ChatRequest, ModelParams, ToolCall, Usage } from '../types';
import { openAiUsage, OpenAiProvider, type OpenAiUsageWire } from './openaiProvider';
import { responsesContentParts } from './imageParts';
import type { PreparedChat, StreamSinks } from './providerTypes';
import { openAiTools, since, type SdkRequestOptions } from './sdkProvider';

type Item = Record<string, unknown>;

/** Chat-completions parameters the Responses API has no field for: sending the request without them would not be the request the file describes. */
const NO_RESPONSES_FIELD: readonly (keyof ModelParams)[] = ['stop', 'seed', 'frequency_penalty', 'presence_penalty'];

/** Messages → Responses input items: tool calls become `function_call` items, tool results `function_call_output`. */
export function responsesInput(messages: ChatMessage[]): Item[] | { error: CallError } {
  const items: Item[] = [];
  for (const m of messages) {
    if (m.role === 'tool') {
      items.push({ type: 'function_call_output', call_id: m.tool_call_id ?? '', output: m.content });
      continue;
    }
    const content = m.parts ? responsesContentParts(m.parts) : m.content;
    if (typeof content === 'object' && 'error' in content) return content;
    if (m.content !== '' || m.parts || !(m.role === 'assistant' && m.tool_calls?.length)) items.push({ type: 'message', role: m.role, content });
    // The reasoning that led to the calls goes back just before them, as the API returned it.
    if (m.role === 'assistant' && m.tool_calls?.length) items.push(...(m.reasoningItems ?? []));
    if (m.role === 'assistant') for (const c of m.tool_calls ?? []) items.push({ type: 'function_call', call_id: c.id, name: c.function.name, arguments: c.function.arguments });
  }
  return items;
}

/** Chat-completions `response_format` → the Responses `text.format`. */
function textFormat(rf: Record<string, unknown>): Record<string, unknown> {
  if (rf.type !== 'json_schema') return { type: rf.type };
  const js = (rf.json_schema ?? {}) as Record<string, unknown>;
  const out: Record<string, unknown> = { type: 'json_schema', name: js.name ?? 'response', schema: js.schema ?? {} };
  if (js.description !== undefined) out.description = js.description;
  if (js.strict !== undefined) out.strict = js.strict;
  return out;
}

/** Chat-style function tools (`{ type, function: { name, … } }`) → the Responses shape (`{ type, name, … }`); other tools pass as written. */
function responsesTools(tools: Record<string, unknown>[]): Record<string, unknown>[] {
  return openAiTools(tools).map((t) => (t.type === 'function' && t.function && typeof t.function === 'object' ? { type: 'function', ...(t.function as Record<string, unknown>) } : t));
}

function responsesToolChoice(choice: unknown): unknown {
  const c = choice as { type?: unknown; function?: { name?: unknown } } | null;
  return c && typeof c === 'object' && c.type === 'function' && c.function ? { type: 'function', name: c.function.name } : choice;
}

/** The Responses body for `request`, or why the request cannot be sent as written. */
export function responsesPayload(request: ChatRequest, stream: boolean): { payload: Record<string, unknown> } | { error: CallError } {
  const p = request.params;
  const refused = NO_RESPONSES_FIELD.filter((k) => p[k] !== undefined && !(k === 'stop' && p.stop?.length === 0));
  if (refused.length > 0) {
    return { error: { kind: 'bad_request', message: `The Responses API has no ${refused.join(', ')}: remove ${refused.length === 1 ? 'it' : 'them'} or use the chat completions API (api: chat)` } };
  }
  const named = request.messages.find((m) => m.name !== undefined);
  if (named) return { error: { kind: 'bad_request', message: `The Responses API has no message names (a ${named.role} message is named '${named.name}'): remove the name or use api: chat` } };
  const input = responsesInput(request.messages);
  if ('error' in input) return input;
  const payload: Record<string, unknown> = { model: request.model.model, input };
  if (p.instructions !== undefined) payload.instructions = p.instructions;
  if (p.temperature !== undefined) payload.temperature = p.temperature;
  if (p.top_p !== undefined) payload.top_p = p.top_p;
  const max = p.max_completion_tokens ?? p.max_tokens;
  if (max !== undefined) payload.max_output_tokens = max;
  if (p.reasoning_effort !== undefined || p.reasoning_summary !== undefined) {
    payload.reasoning = { ...(p.reasoning_effort !== undefined ? { effort: p.reasoning_effort } : {}), ...(p.reasoning_summary !== undefined ? { summary: p.reasoning_summary } : {}) };
  }
  if (p.response_format !== undefined || p.verbosity !== undefined) {
    payload.text = { ...(p.response_format !== undefined ? { format: textFormat(p.response_format) } : {}), ...(p.verbosity !== undefined ? { verbosity: p.verbosity } : {}) };
  }
  if (p.tools && p.tools.length > 0) payload.tools = responsesTools(p.tools);
  if (p.tool_choice !== undefined) payload.tool_choice = responsesToolChoice(p.tool_choice);
  if (p.store !== undefined) payload.store = p.store;
  if (stream) payload.stream = true;
  return { payload };
}

/** The Responses API's usage: chat completions' fields under other names. */
type ResponsesUsageWire = { input_tokens?: number; output_tokens?: number } & {
  input_tokens_details?: OpenAiUsageWire['prompt_tokens_details'];
  output_tokens_details?: OpenAiUsageWire['completion_tokens_details'];
};

/** Responses usage → Assay usage: chat completions' usage under other names (`input_tokens` includes cached tokens too). */
export function responsesUsage(u: ResponsesUsageWire | null | undefined): Usage | null {
  if (!u || typeof u !== 'object') return null;
  return openAiUsage({ prompt_tokens: u.input_tokens, completion_tokens: u.output_tokens, prompt_tokens_details: u.input_tokens_details, completion_tokens_details: u.output_tokens_details });
}

/** What a Response's output items hold, in Assay's terms. */
function readOutput(output: unknown): { text: string; toolCalls: ToolCall[]; reasoning: string[] } {
  const out = { text: '', toolCalls: [] as ToolCall[], reasoning: [] as string[] };
  for (const item of Array.isArray(output) ? (output as Item[]) : []) {
    if (item.type === 'message' && Array.isArray(item.content)) {
      for (const part of item.content as Item[]) {
        if (part.type === 'output_text' && typeof part.text === 'string') out.text += part.text;
        else if (part.type === 'refusal' && typeof part.refusal === 'string') out.text += part.refusal;
      }
    } else if (item.type === 'function_call') {
      out.toolCalls.push({ id: String(item.call_id ?? item.id ?? ''), type: 'function', function: { name: String(item.name ?? ''), arguments: String(item.arguments ?? '') } });
    } else if (item.type === 'reasoning' && Array.isArray(item.summary)) {
      for (const s of item.summary as Item[]) if (typeof s.text === 'string' && s.text !== '') out.reasoning.push(s.text);
    }
  }
  return out;
}

/** The finish reason in Assay's words, from a Response's status. */
function finishOf(response: Item, hasToolCalls: boolean): string | null {
  const status = response.status;
  if (status === 'completed') return hasToolCalls ? 'tool_calls' : 'stop';
  if (status === 'incomplete') {
    const reason = (response.incomplete_details as { reason?: unknown } | null | undefined)?.reason;
    return reason === 'max_output_tokens' ? 'length' : typeof reason === 'string' ? reason : 'incomplete';
  }
  return typeof status === 'string' ? status : null;
}

/** Maps a finished Response (from JSON or the stream's last event) into `result`. */
export function fromResponse(response: Item, result: CallResult): void {
  result.response = response;
  const { text, toolCalls, reasoning } = readOutput(response.output);
  result.text = text;
  result.toolCalls = toolCalls;
  result.finishReason = finishOf(response, toolCalls.length > 0);
  result.usage = responsesUsage(response.usage as ResponsesUsageWire | undefined);
  if (reasoning.length > 0) result.reasoning = reasoning.join('\n\n');
  const reasoningItems = Array.isArray(response.output) ? (response.output as Item[]).filter((item) => item.type === 'reasoning') : [];
  if (reasoningItems.length > 0) result.reasoningItems = reasoningItems;
  const failure = response.error as { message?: unknown; code?: unknown } | null | undefined;
  if (response.status === 'failed' || failure) {
    result.error = { kind: 'server', message: `The response failed: ${String(failure?.message ?? failure?.code ?? response.status)}` };
  } else if (!Array.isArray(response.output)) {
    result.error = { kind: 'malformed', message: 'The response has no output' };
  }
}

/** The stream's state while it arrives: enough to keep partial text and reasoning if it breaks off. */
interface StreamState {
  text: string;
  reasoning: string;
  /** The summary part the last reasoning delta belonged to (item id and summary index). */
  reasoningPart: string;
  final: Item | null;
  failure: string | null;
}

/**
 * The Responses API of an `openai` or `openai-compatible` endpoint: the registry makes one beside each such
 * endpoint's chat provider, with the same configuration, key and endpoint id (so per-endpoint limits cover both).
 */
export class OpenAiResponsesProvider extends OpenAiProvider {
  override prepare(request: ChatRequest, stream: boolean): PreparedChat | { error: CallError } {
    if (request.messages.length === 0) return { error: { kind: 'bad_request', message: 'The prompt has no messages to send' } };
    if (this.config.kind === 'azure-openai') {
      return { error: { kind: 'bad_request', message: `${this.config.name} is an Azure OpenAI endpoint: the Azure Responses API is not supported yet; use api: chat` } };
    }
    if (request.params.logprobs) return { error: { kind: 'bad_request', message: 'Token logprobs (for perplexity) come only from chat completions: use api: chat' } };
    const built = responsesPayload(request, stream);
    if ('error' in built) return built;
    return { request, payload: built.payload, stream };
  }

  protected override async completeInto(client: OpenAIClient, payload: Record<string, unknown>, requestOptions: SdkRequestOptions, result: CallResult): Promise<void> {
    const response = await client.responses.create(payload as never, requestOptions);
    fromResponse(response as unknown as Item, result);
  }

  protected override fromBody(body: Record<string, unknown>, result: CallResult): void {
    fromResponse(body as unknown as Item, result);
  }

  override get batchEndpoint(): '/v1/responses' {
    return '/v1/responses';
  }

  /** Streams one response into `result`, keeping the partial text (and reasoning) when the stream breaks off. */
  protected override async streamInto(
    client: OpenAIClient,
    payload: Record<string, unknown>,
    requestOptions: SdkRequestOptions,
    sinks: StreamSinks,
    result: CallResult,
    start: number,
  ): Promise<void> {
    const state: StreamState = { text: '', reasoning: '', reasoningPart: '', final: null, failure: null };
    try {
      for await (const event of this.streamed(client.responses.create(payload as never, requestOptions)) as AsyncIterable<Item>) {
        if (result.ttftMs === null && (event.type === 'response.output_text.delta' || event.type === 'response.function_call_arguments.delta')) result.ttftMs = since(start);
        onEvent(event, state, sinks);
      }
    } finally {
      if (state.final) fromResponse(state.final, result);
      else {
        result.text = state.text;
        if (state.reasoning !== '') result.reasoning = state.reasoning;
      }
      if (state.failure !== null) result.error = { kind: 'server', message: state.failure };
      else if (!state.final && !requestOptions.signal.aborted) result.error = { kind: 'malformed', message: 'The stream ended before the response finished (no response.completed event)' };
    }
  }
}

/** Applies one stream event. The finished Response comes whole in the last event; deltas only show progress. */
function onEvent(event: Item, state: StreamState, sinks: StreamSinks): void {
  switch (event.type) {
    case 'response.output_text.delta':
    case 'response.refusal.delta': {
      const delta = typeof event.delta === 'string' ? event.delta : '';
      state.text += delta;
      if (delta !== '') sinks.text?.(delta);
      return;
    }
    case 'response.reasoning_summary_text.delta':
      if (typeof event.delta === 'string' && event.delta !== '') {
        // A new summary part (another summary_index or item) is a new paragraph, as the finished result joins them.
        const part = `${String(event.item_id ?? '')}#${String(event.summary_index ?? 0)}`;
        const text = state.reasoning !== '' && part !== state.reasoningPart ? `\n\n${event.delta}` : event.delta;
        state.reasoningPart = part;
        state.reasoning += text;
        sinks.reasoning?.(text);
      }
      return;
    case 'response.completed':
    case 'response.incomplete':
    case 'response.failed':
      if (event.response && typeof event.response === 'object') state.final = event.response as Item;
      return;
    case 'error':
      state.failure = `The stream reported an error: ${String(event.message ?? event.code ?? 'unknown')}`;
      return;
  }
}
