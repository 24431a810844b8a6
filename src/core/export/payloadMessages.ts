// Reads the conversation back out of a stored provider payload (OpenAI chat completions, the OpenAI
// Responses API or Anthropic messages), for the trace detail view and the OpenTelemetry export. Payloads are untrusted data from
// the history file: every field is checked, nothing is assumed.

/** One part of a message: text, a tool call the model made, or a tool's answer. */
export type MessagePart =
  | { type: 'text'; content: string }
  | { type: 'tool_call'; id: string; name: string; arguments: string }
  | { type: 'tool_call_response'; id: string; response: string }
  /** An image: a URL, a data URI, or a stored `data:<type>;assay-blob,<hash>` reference (core/store/blobs.ts). */
  | { type: 'image'; url: string }
  | { type: 'other'; content: string };

/** A message as sent, in one shape for both wire formats. */
export interface PayloadMessage {
  role: string;
  parts: MessagePart[];
  name?: string;
}

/** The conversation of a payload: system instructions apart (Anthropic keeps them apart on the wire). */
export interface PayloadConversation {
  system: MessagePart[];
  messages: PayloadMessage[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v));

/** Content that is a string or a list of blocks (both APIs allow either). */
function contentParts(content: unknown): MessagePart[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', content }];
  if (!Array.isArray(content)) return content === undefined || content === null ? [] : [{ type: 'other', content: str(content) }];
  const parts: MessagePart[] = [];
  for (const block of content) {
    if (typeof block === 'string') {
      parts.push({ type: 'text', content: block });
      continue;
    }
    if (!isRecord(block)) continue;
    switch (block.type) {
      case 'text':
      case 'input_text':
      case 'output_text':
        parts.push({ type: 'text', content: str(block.text) });
        break;
      case 'tool_use':
        parts.push({ type: 'tool_call', id: str(block.id), name: str(block.name), arguments: JSON.stringify(block.input ?? {}) });
        break;
      case 'tool_result':
        parts.push({ type: 'tool_call_response', id: str(block.tool_use_id), response: contentParts(block.content).map(partText).join('\n') });
        break;
      case 'image_url':
      case 'image': {
        const url = imageUrlOf(block);
        parts.push(url === undefined ? { type: 'other', content: JSON.stringify(block) } : { type: 'image', url });
        break;
      }
      default:
        parts.push({ type: 'other', content: JSON.stringify(block) });
    }
  }
  return parts;
}

/** An OpenAI `image_url` or Anthropic `image` block's image as one URL (a data URI for base64 data). */
function imageUrlOf(block: Record<string, unknown>): string | undefined {
  const iu = block.image_url;
  if (typeof iu === 'string') return iu;
  if (isRecord(iu) && typeof iu.url === 'string') return iu.url;
  const src = block.source;
  if (!isRecord(src)) return undefined;
  if (src.type === 'url' && typeof src.url === 'string') return src.url;
  if (src.type === 'base64' && typeof src.data === 'string' && typeof src.media_type === 'string') {
    const ref = /^assay-blob:([0-9a-f]{64})$/.exec(src.data);
    return ref ? `data:${src.media_type};assay-blob,${ref[1]}` : `data:${src.media_type};base64,${src.data}`;
  }
  return undefined;
}

/** A part as plain text (for display and for a tool result's body). */
export function partText(p: MessagePart): string {
  switch (p.type) {
    case 'text':
    case 'other':
      return p.content;
    case 'image':
      return p.url.startsWith('data:') ? `[image ${p.url.slice(5, p.url.search(/[;,]/))}]` : `[image ${p.url}]`;
    case 'tool_call':
      return `${p.name}(${p.arguments})`;
    case 'tool_call_response':
      return p.response;
  }
}

/** A Responses API `input` item as a message: `message` items, `function_call` and `function_call_output` items. */
function responsesItem(item: unknown): Record<string, unknown> | null {
  if (!isRecord(item)) return null;
  if (item.type === 'function_call') {
    return { role: 'assistant', content: '', tool_calls: [{ id: item.call_id, function: { name: item.name, arguments: item.arguments } }] };
  }
  if (item.type === 'function_call_output') return { role: 'tool', tool_call_id: item.call_id, content: item.output };
  return item.type === undefined || item.type === 'message' ? item : { role: 'user', content: [item] };
}

/** The messages of a payload: chat `messages`, or the Responses API's `instructions` and `input`. */
function payloadMessages(request: Record<string, unknown>): unknown[] {
  if (Array.isArray(request.messages)) return request.messages;
  const out: unknown[] = [];
  if (typeof request.instructions === 'string') out.push({ role: 'system', content: request.instructions });
  if (typeof request.input === 'string') out.push({ role: 'user', content: request.input });
  else if (Array.isArray(request.input)) out.push(...request.input.map(responsesItem));
  return out;
}

/** Extracts the messages from a stored request payload; empty when the payload has none. */
export function payloadConversation(request: unknown): PayloadConversation {
  const out: PayloadConversation = { system: [], messages: [] };
  if (!isRecord(request)) return out;
  // Anthropic: `system` is a string or a list of text blocks.
  if (request.system !== undefined) out.system.push(...contentParts(request.system));
  for (const m of payloadMessages(request)) {
    if (!isRecord(m)) continue;
    const role = typeof m.role === 'string' ? m.role : 'user';
    const parts = contentParts(m.content);
    if (Array.isArray(m.tool_calls)) {
      for (const call of m.tool_calls) {
        if (!isRecord(call)) continue;
        const fn = isRecord(call.function) ? call.function : {};
        parts.push({ type: 'tool_call', id: str(call.id), name: str(fn.name), arguments: str(fn.arguments) });
      }
    }
    if (role === 'tool') {
      out.messages.push({ role, parts: [{ type: 'tool_call_response', id: str(m.tool_call_id), response: parts.map(partText).join('\n') }] });
      continue;
    }
    if ((role === 'system' || role === 'developer') && out.messages.length === 0) {
      out.system.push(...parts);
      continue;
    }
    const msg: PayloadMessage = { role, parts };
    if (typeof m.name === 'string') msg.name = m.name;
    out.messages.push(msg);
  }
  return out;
}

/** The generation parameters of a stored payload (both wire formats), for display and export. */
export interface PayloadParams {
  temperature?: number;
  maxTokens?: number;
  topP?: number;
  topK?: number;
  stop?: string[];
  seed?: number;
  frequencyPenalty?: number;
  presencePenalty?: number;
  /** `json` when a JSON response format was asked for. */
  outputType?: 'json' | 'text';
  stream?: boolean;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Sets a parameter that is there (a module function, not a closure per call: the live export calls this per span). */
function set<K extends keyof PayloadParams>(p: PayloadParams, k: K, v: PayloadParams[K] | undefined): void {
  if (v !== undefined) p[k] = v;
}

export function payloadParams(request: unknown): PayloadParams {
  if (!isRecord(request)) return {};
  const p: PayloadParams = {};
  set(p, 'temperature', num(request.temperature));
  set(p, 'maxTokens', num(request.max_tokens) ?? num(request.max_completion_tokens) ?? num(request.max_output_tokens));
  set(p, 'topP', num(request.top_p));
  set(p, 'topK', num(request.top_k));
  set(p, 'seed', num(request.seed));
  set(p, 'frequencyPenalty', num(request.frequency_penalty));
  set(p, 'presencePenalty', num(request.presence_penalty));
  const stop = request.stop ?? request.stop_sequences;
  if (typeof stop === 'string') p.stop = [stop];
  else if (Array.isArray(stop)) p.stop = stop.filter((s): s is string => typeof s === 'string');
  const format = isRecord(request.response_format) ? request.response_format : isRecord(request.text) && isRecord(request.text.format) ? request.text.format : undefined;
  if (format) p.outputType = format.type === 'json_object' || format.type === 'json_schema' ? 'json' : 'text';
  if (typeof request.stream === 'boolean') p.stream = request.stream;
  return p;
}

/**
 * The reasoning summaries of a stored response (the Responses API's `reasoning` output items), joined by
 * blank lines; null when it has none.
 */
export function responseReasoning(response: unknown): string | null {
  if (!isRecord(response) || !Array.isArray(response.output)) return null;
  const texts: string[] = [];
  for (const item of response.output) {
    if (!isRecord(item) || item.type !== 'reasoning' || !Array.isArray(item.summary)) continue;
    for (const s of item.summary) if (isRecord(s) && typeof s.text === 'string' && s.text !== '') texts.push(s.text);
  }
  return texts.length > 0 ? texts.join('\n\n') : null;
}
