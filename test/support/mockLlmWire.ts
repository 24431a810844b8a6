// Builders for the real wire formats the mock LLM server speaks: OpenAI chat completions (JSON and SSE
// chunks with the final usage chunk), the OpenAI Responses API (JSON and its typed SSE events), Anthropic messages (JSON and the full SSE event sequence),
// embeddings, model lists and each API's error bodies.

/** What the mock answers; every field has a default. */
export interface MockReply {
  text?: string;
  toolCalls?: { id?: string; name: string; arguments: string | Record<string, unknown> }[];
  /** In OpenAI's words (`stop`, `length`, `tool_calls`, `content_filter`); mapped for Anthropic. */
  finishReason?: string;
  /** Token counts as Assay counts them: `input` includes cached reads and cache writes. */
  usage?: { input?: number; output?: number; cachedInput?: number; cacheWrite?: number; reasoning?: number };
  /** How to split `text` into stream chunks; default one chunk per word. */
  chunks?: string[];
  /** Anthropic thinking blocks before the answer (`redacted` for a `redacted_thinking` block with that data). */
  thinking?: { text?: string; signature?: string; redacted?: string }[];
  /** Of `usage.cacheWrite`, tokens written to the 1-hour cache (Anthropic's `cache_creation` breakdown). */
  cacheWrite1h?: number;
  /** Responses API only: a reasoning item with this summary text (empty: a reasoning item with no summary). */
  reasoning?: string;
  /** Chat completions only: one token logprob per chunk, sent as `choices[0].logprobs.content` (OpenAI's `logprobs: true`). */
  logprobs?: number[];
}

/** A reply with every default filled in. */
export interface ResolvedReply {
  text: string;
  chunks: string[];
  toolCalls: { id: string; name: string; arguments: string }[];
  finishReason: string;
  usage: { input: number; output: number; cachedInput: number; cacheWrite: number; reasoning: number };
  thinking: { text?: string; signature?: string; redacted?: string }[];
  cacheWrite1h: number;
  reasoning?: string;
  logprobs?: number[];
}

/** Splits text into word-sized chunks (each keeps its trailing space), like tokens on the wire. */
export function wordChunks(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

export function resolveReply(reply: MockReply, promptWords: number): ResolvedReply {
  const text = reply.text ?? '';
  const chunks = reply.chunks ?? wordChunks(text);
  const toolCalls = (reply.toolCalls ?? []).map((c, i) => ({
    id: c.id ?? `call_${i + 1}`,
    name: c.name,
    arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments),
  }));
  const u = reply.usage ?? {};
  return {
    ...(reply.reasoning !== undefined ? { reasoning: reply.reasoning } : {}),
    ...(reply.logprobs !== undefined ? { logprobs: reply.logprobs } : {}),
    text,
    chunks,
    toolCalls,
    finishReason: reply.finishReason ?? (toolCalls.length > 0 ? 'tool_calls' : 'stop'),
    usage: {
      input: u.input ?? Math.max(1, promptWords),
      output: u.output ?? Math.max(1, chunks.length + toolCalls.length),
      cachedInput: u.cachedInput ?? 0,
      cacheWrite: u.cacheWrite ?? 0,
      reasoning: u.reasoning ?? 0,
    },
    thinking: reply.thinking ?? [],
    cacheWrite1h: reply.cacheWrite1h ?? 0,
  };
}

// ---------------------------------------------------------------- OpenAI

export function openAiUsageWire(r: ResolvedReply): Record<string, unknown> {
  return {
    prompt_tokens: r.usage.input,
    completion_tokens: r.usage.output,
    total_tokens: r.usage.input + r.usage.output,
    prompt_tokens_details: { cached_tokens: r.usage.cachedInput, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: r.usage.reasoning, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

/** `choices[0].logprobs` of a completion: null unless the reply has logprobs, one entry per chunk. */
function openAiLogprobs(r: ResolvedReply): Record<string, unknown> | null {
  if (!r.logprobs) return null;
  const content = r.chunks.map((token, i) => ({ token, logprob: r.logprobs![i] ?? 0, bytes: [...Buffer.from(token)], top_logprobs: [] }));
  return { content, refusal: null };
}

export function openAiCompletion(id: string, model: string, r: ResolvedReply): Record<string, unknown> {
  const message: Record<string, unknown> = { role: 'assistant', content: r.toolCalls.length > 0 && r.text === '' ? null : r.text, refusal: null, annotations: [] };
  if (r.toolCalls.length > 0) message.tool_calls = r.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } }));
  return {
    id,
    object: 'chat.completion',
    created: 1_700_000_000,
    model,
    choices: [{ index: 0, message, logprobs: openAiLogprobs(r), finish_reason: r.finishReason }],
    usage: openAiUsageWire(r),
    service_tier: 'default',
    system_fingerprint: 'fp_mock',
  };
}

/** The SSE events of a streamed completion, each a complete `data: …\n\n` frame. */
export function openAiStreamFrames(id: string, model: string, r: ResolvedReply, includeUsage: boolean): string[] {
  const head = `{"id":${JSON.stringify(id)},"object":"chat.completion.chunk","created":1700000000,"model":${JSON.stringify(model)},"system_fingerprint":"fp_mock","choices":`;
  const frame = (choices: string, usage = ''): string => `data: ${head}${choices}${usage}}\n\n`;
  const frames = [frame('[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}]')];
  for (const chunk of r.chunks) frames.push(frame(`[{"index":0,"delta":{"content":${JSON.stringify(chunk)}},"logprobs":null,"finish_reason":null}]`));
  r.toolCalls.forEach((c, index) => {
    frames.push(
      frame(`[{"index":0,"delta":{"tool_calls":[{"index":${index},"id":${JSON.stringify(c.id)},"type":"function","function":{"name":${JSON.stringify(c.name)},"arguments":""}}]},"logprobs":null,"finish_reason":null}]`),
    );
    const half = Math.ceil(c.arguments.length / 2);
    for (const part of [c.arguments.slice(0, half), c.arguments.slice(half)]) {
      if (part) frames.push(frame(`[{"index":0,"delta":{"tool_calls":[{"index":${index},"function":{"arguments":${JSON.stringify(part)}}}]},"logprobs":null,"finish_reason":null}]`));
    }
  });
  frames.push(frame(`[{"index":0,"delta":{},"logprobs":null,"finish_reason":${JSON.stringify(r.finishReason)}}]`, includeUsage ? ',"usage":null' : ''));
  if (includeUsage) frames.push(frame('[]', `,"usage":${JSON.stringify(openAiUsageWire(r))}`));
  frames.push('data: [DONE]\n\n');
  return frames;
}

export function openAiError(status: number, message: string): Record<string, unknown> {
  const type = status === 401 ? 'invalid_request_error' : status === 429 ? 'requests' : status >= 500 ? 'server_error' : 'invalid_request_error';
  const code = status === 401 ? 'invalid_api_key' : status === 429 ? 'rate_limit_exceeded' : status === 404 ? 'model_not_found' : null;
  return { error: { message, type, param: null, code } };
}

// ---------------------------------------------------------------- Anthropic

const ANTHROPIC_STOP: Record<string, string> = { stop: 'end_turn', length: 'max_tokens', tool_calls: 'tool_use', content_filter: 'refusal' };

function anthropicUsage(r: ResolvedReply, outputTokens: number): Record<string, unknown> {
  return {
    // Anthropic's input_tokens excludes cache reads and writes.
    input_tokens: r.usage.input - r.usage.cachedInput - r.usage.cacheWrite,
    cache_creation_input_tokens: r.usage.cacheWrite,
    cache_read_input_tokens: r.usage.cachedInput,
    ...(r.cacheWrite1h > 0 ? { cache_creation: { ephemeral_1h_input_tokens: r.cacheWrite1h, ephemeral_5m_input_tokens: r.usage.cacheWrite - r.cacheWrite1h } } : {}),
    output_tokens: outputTokens,
    service_tier: 'standard',
  };
}

function thinkingBlock(t: ResolvedReply['thinking'][number]): Record<string, unknown> {
  return t.redacted !== undefined ? { type: 'redacted_thinking', data: t.redacted } : { type: 'thinking', thinking: t.text ?? '', signature: t.signature ?? '' };
}

function parseArgs(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return {};
  }
}

export function anthropicMessage(id: string, model: string, r: ResolvedReply): Record<string, unknown> {
  const content: Record<string, unknown>[] = r.thinking.map(thinkingBlock);
  if (r.text !== '' || r.toolCalls.length === 0) content.push({ type: 'text', text: r.text });
  for (const c of r.toolCalls) content.push({ type: 'tool_use', id: c.id, name: c.name, input: parseArgs(c.arguments) });
  return {
    id,
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: ANTHROPIC_STOP[r.finishReason] ?? r.finishReason,
    stop_sequence: null,
    usage: anthropicUsage(r, r.usage.output),
  };
}

/** The full SSE event sequence of a streamed message. */
export function anthropicStreamFrames(id: string, model: string, r: ResolvedReply): string[] {
  const ev = (name: string, data: unknown): string => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
  const frames = [
    ev('message_start', {
      type: 'message_start',
      message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: anthropicUsage(r, 1) },
    }),
  ];
  let index = 0;
  // Thinking as the streaming docs show it: an empty block, thinking_delta events, a signature_delta last.
  for (const t of r.thinking) {
    const start = t.redacted !== undefined ? thinkingBlock(t) : { type: 'thinking', thinking: '', signature: '' };
    frames.push(ev('content_block_start', { type: 'content_block_start', index, content_block: start }));
    if (t.redacted === undefined) {
      for (const chunk of wordChunks(t.text ?? '')) frames.push(ev('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: chunk } }));
      if (t.signature) frames.push(ev('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'signature_delta', signature: t.signature } }));
    }
    frames.push(ev('content_block_stop', { type: 'content_block_stop', index }));
    index++;
  }
  if (r.text !== '' || r.toolCalls.length === 0) {
    frames.push(ev('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } }));
    frames.push(ev('ping', { type: 'ping' }));
    for (const chunk of r.chunks) frames.push(`event: content_block_delta\ndata: {"type":"content_block_delta","index":${index},"delta":{"type":"text_delta","text":${JSON.stringify(chunk)}}}\n\n`);
    frames.push(ev('content_block_stop', { type: 'content_block_stop', index }));
    index++;
  }
  for (const c of r.toolCalls) {
    frames.push(ev('content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id: c.id, name: c.name, input: {} } }));
    const half = Math.ceil(c.arguments.length / 2);
    for (const part of [c.arguments.slice(0, half), c.arguments.slice(half)]) {
      if (part) frames.push(ev('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: part } }));
    }
    frames.push(ev('content_block_stop', { type: 'content_block_stop', index }));
    index++;
  }
  frames.push(
    ev('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: ANTHROPIC_STOP[r.finishReason] ?? r.finishReason, stop_sequence: null },
      usage: { output_tokens: r.usage.output },
    }),
  );
  frames.push(ev('message_stop', { type: 'message_stop' }));
  return frames;
}

export function anthropicError(status: number, message: string): Record<string, unknown> {
  const type =
    status === 401
      ? 'authentication_error'
      : status === 403
        ? 'permission_error'
        : status === 404
          ? 'not_found_error'
          : status === 429
            ? 'rate_limit_error'
            : status === 529
              ? 'overloaded_error'
              : status >= 500
                ? 'api_error'
                : 'invalid_request_error';
  return { type: 'error', error: { type, message } };
}

function responsesUsageWire(r: ResolvedReply): Record<string, unknown> {
  return {
    input_tokens: r.usage.input,
    input_tokens_details: { cached_tokens: r.usage.cachedInput },
    output_tokens: r.usage.output,
    output_tokens_details: { reasoning_tokens: r.usage.reasoning },
    total_tokens: r.usage.input + r.usage.output,
  };
}

/** The output items of a Responses API answer: reasoning (with its summary), then the message, then function calls. */
function responsesOutput(id: string, r: ResolvedReply): Record<string, unknown>[] {
  const output: Record<string, unknown>[] = [];
  if (r.reasoning !== undefined) output.push({ type: 'reasoning', id: `rs_${id}`, summary: r.reasoning === '' ? [] : [{ type: 'summary_text', text: r.reasoning }] });
  if (r.text !== '' || r.toolCalls.length === 0) {
    output.push({ type: 'message', id: `msg_${id}`, status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: r.text, annotations: [] }] });
  }
  r.toolCalls.forEach((c, i) => output.push({ type: 'function_call', id: `fc_${id}_${i}`, call_id: c.id, name: c.name, arguments: c.arguments, status: 'completed' }));
  return output;
}

/** A finished OpenAI Responses API answer (`POST /v1/responses`); `length` becomes an incomplete response. */
export function openAiResponse(id: string, model: string, r: ResolvedReply): Record<string, unknown> {
  const incomplete = r.finishReason === 'length';
  return {
    id,
    object: 'response',
    created_at: 1_700_000_000,
    status: incomplete ? 'incomplete' : 'completed',
    incomplete_details: incomplete ? { reason: 'max_output_tokens' } : null,
    error: null,
    model,
    output: responsesOutput(id, r),
    usage: responsesUsageWire(r),
  };
}

/**
 * The SSE events of a streamed Responses API answer, each a complete `event: …\ndata: …\n\n` frame, in
 * the order the API sends them: created, reasoning summary deltas, output text deltas, function-call
 * argument deltas, then `response.completed` (or `response.incomplete`) holding the whole response.
 */
export function openAiResponseStreamFrames(id: string, model: string, r: ResolvedReply): string[] {
  let seq = 0;
  const ev = (type: string, data: Record<string, unknown>): string => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...data })}\n\n`;
  const final = openAiResponse(id, model, r);
  const frames = [ev('response.created', { response: { ...final, status: 'in_progress', output: [], usage: null } })];
  const items = final.output as Record<string, unknown>[];
  items.forEach((item, index) => {
    frames.push(ev('response.output_item.added', { output_index: index, item: { ...item, ...(item.type === 'message' ? { content: [] } : {}) } }));
    if (item.type === 'reasoning' && r.reasoning) {
      for (const part of wordChunks(r.reasoning)) frames.push(ev('response.reasoning_summary_text.delta', { item_id: item.id, output_index: index, summary_index: 0, delta: part }));
    } else if (item.type === 'message') {
      for (const chunk of r.chunks) frames.push(ev('response.output_text.delta', { item_id: item.id, output_index: index, content_index: 0, delta: chunk, logprobs: [] }));
      frames.push(ev('response.output_text.done', { item_id: item.id, output_index: index, content_index: 0, text: r.text, logprobs: [] }));
    } else if (item.type === 'function_call') {
      const args = String(item.arguments);
      const half = Math.ceil(args.length / 2);
      for (const part of [args.slice(0, half), args.slice(half)]) if (part) frames.push(ev('response.function_call_arguments.delta', { item_id: item.id, output_index: index, delta: part }));
    }
    frames.push(ev('response.output_item.done', { output_index: index, item }));
  });
  frames.push(ev(final.status === 'incomplete' ? 'response.incomplete' : 'response.completed', { response: final }));
  return frames;
}

/** A non-streamed Ollama answer: `/api/chat` holds a message, `/api/generate` a response string. */
export function ollamaReply(api: 'ollama.chat' | 'ollama.generate', model: string, r: ResolvedReply): Record<string, unknown> {
  const common = { model, created_at: '2025-01-01T00:00:00Z', done: true, done_reason: 'stop', prompt_eval_count: r.usage.input, eval_count: r.usage.output };
  return api === 'ollama.chat' ? { ...common, message: { role: 'assistant', content: r.text } } : { ...common, response: r.text };
}

/**
 * Ollama's streamed reply (its default when the request has no `"stream": false`): one NDJSON line per
 * chunk, then a final `done` line with the counts. Tool calls ride on one line, arguments as an object.
 */
export function ollamaStreamFrames(api: 'ollama.chat' | 'ollama.generate', model: string, r: ResolvedReply): string[] {
  const at = '2025-01-01T00:00:00Z';
  const piece = (text: string): Record<string, unknown> => (api === 'ollama.chat' ? { message: { role: 'assistant', content: text } } : { response: text });
  const lines: Record<string, unknown>[] = r.chunks.map((c) => ({ model, created_at: at, ...piece(c), done: false }));
  if (api === 'ollama.chat' && r.toolCalls.length > 0) {
    const calls = r.toolCalls.map((t) => ({ function: { name: t.name, arguments: JSON.parse(t.arguments) as unknown } }));
    lines.push({ model, created_at: at, message: { role: 'assistant', content: '', tool_calls: calls }, done: false });
  }
  lines.push({ model, created_at: at, ...piece(''), done: true, done_reason: r.finishReason === 'length' ? 'length' : 'stop', prompt_eval_count: r.usage.input, eval_count: r.usage.output });
  return lines.map((l) => `${JSON.stringify(l)}\n`);
}

/** Ollama's `/api/embeddings` reply: one vector for one prompt. */
export function ollamaEmbedding(prompt: string): Record<string, unknown> {
  return { embedding: mockEmbedding(prompt) };
}

/** Ollama's `/api/tags`: the models pulled. */
export function ollamaTags(ids: string[]): Record<string, unknown> {
  return { models: ids.map((name) => ({ name, model: name, modified_at: '2025-01-01T00:00:00Z', size: 1, digest: 'mock' })) };
}

// ---------------------------------------------------------------- Embeddings and models

/** A deterministic 16-dimension unit vector from the words of `text`. */
export function mockEmbedding(text: string): number[] {
  const v = new Array<number>(16).fill(0);
  for (const word of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
    let h = 0;
    for (let i = 0; i < word.length; i++) h = (h * 31 + word.charCodeAt(i)) >>> 0;
    v[h % 16]! += 1;
  }
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0)) || 1;
  return v.map((x) => x / norm);
}

/** Words the mock moderation model flags, by category (a stand-in for OpenAI's classifier). */
export const MOCK_MODERATION_WORDS: Readonly<Record<string, string>> = { kill: 'violence', idiot: 'harassment', hate: 'hate' };

/** OpenAI's `/moderations` answer for one input (a text, or text parts): flagged where a listed word appears. */
export function moderationResponse(model: string, input: unknown): Record<string, unknown> {
  const text = typeof input === 'string' ? input : Array.isArray(input) ? input.map((p: { text?: unknown }) => (typeof p?.text === 'string' ? p.text : String(p))).join(' ') : '';
  const words = new Set(text.toLowerCase().match(/[a-z]+/g) ?? []);
  const categories: Record<string, boolean> = { violence: false, harassment: false, hate: false, sexual: false };
  const scores: Record<string, number> = { violence: 0.01, harassment: 0.01, hate: 0.01, sexual: 0.01 };
  for (const [word, category] of Object.entries(MOCK_MODERATION_WORDS)) {
    if (!words.has(word)) continue;
    categories[category] = true;
    scores[category] = 0.9;
  }
  return { id: 'modr-mock', model, results: [{ flagged: Object.values(categories).some(Boolean), categories, category_scores: scores }] };
}

export function embeddingsResponse(model: string, inputs: string[], base64: boolean): Record<string, unknown> {
  return {
    object: 'list',
    data: inputs.map((text, index) => {
      const vec = mockEmbedding(text);
      return { object: 'embedding', index, embedding: base64 ? Buffer.from(new Float32Array(vec).buffer).toString('base64') : vec };
    }),
    model,
    usage: { prompt_tokens: inputs.reduce((n, t) => n + wordChunks(t).length, 0), total_tokens: inputs.reduce((n, t) => n + wordChunks(t).length, 0) },
  };
}

export function openAiModels(ids: string[], shutdownDates: Record<string, string> = {}): Record<string, unknown> {
  return { object: 'list', data: ids.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'mock', ...(id in shutdownDates ? { shutdown_date: shutdownDates[id] } : {}) })) };
}

export function anthropicModels(ids: string[]): Record<string, unknown> {
  return {
    data: ids.map((id) => ({ type: 'model', id, display_name: id.replace(/-/g, ' '), created_at: '2025-01-01T00:00:00Z' })),
    has_more: false,
    first_id: ids[0] ?? null,
    last_id: ids[ids.length - 1] ?? null,
  };
}
