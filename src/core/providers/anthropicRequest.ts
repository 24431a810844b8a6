// A chat request in the Messages API's shape: the system prompt lifted out, OpenAI-shaped tools and tool
// turns converted, images and cache breakpoints as content blocks, and the 2026 parameters (thinking,
// effort, structured outputs) where the API documents them (@anthropic-ai/sdk 1.12.0 types; docs/providers.md).
import type { CacheBreakpoint, CallError, ChatMessage, ModelParams } from '../types';
import { anthropicBlock } from './imageParts';
import { openAiTools } from './sdkProvider';

type Block = Record<string, unknown>;
type AnthropicMessage = { role: 'user' | 'assistant'; content: string | Block[] };

function cacheControl(cache: CacheBreakpoint): Block {
  return cache.ttl ? { type: 'ephemeral', ttl: cache.ttl } : { type: 'ephemeral' };
}

/** OpenAI function tools → `{ name, description, input_schema, strict }`; Anthropic-shaped tools pass as written. */
export function convertTools(tools: Record<string, unknown>[]): Record<string, unknown>[] {
  return openAiTools(tools).map((t) => {
    const fn = t.function as { name?: unknown; description?: unknown; parameters?: unknown; strict?: unknown } | undefined;
    if (!fn) return t; // already Anthropic-shaped (name + input_schema) or a server tool
    const out: Record<string, unknown> = { name: fn.name, input_schema: fn.parameters ?? { type: 'object', properties: {} } };
    if (fn.description !== undefined) out.description = fn.description;
    // Strict tool use: the same switch as OpenAI's `function.strict`.
    if (fn.strict === true) out.strict = true;
    return out;
  });
}

export function convertToolChoice(choice: unknown): unknown {
  if (choice === 'auto') return { type: 'auto' };
  if (choice === 'required') return { type: 'any' };
  if (choice === 'none') return { type: 'none' };
  if (choice && typeof choice === 'object') {
    const c = choice as { type?: unknown; function?: { name?: unknown } };
    if (c.type === 'function' && c.function) return { type: 'tool', name: c.function.name };
  }
  return choice;
}

/** A message's content as blocks (images, cache breakpoint), or its plain text when nothing needs blocks. */
function contentOf(m: ChatMessage): string | Block[] | { error: CallError } {
  if (!m.parts && !m.cache) return m.content;
  const blocks: Block[] = [];
  for (const p of m.parts ?? [{ type: 'text' as const, text: m.content }]) {
    const b = anthropicBlock(p);
    if ('error' in b) return b as { error: CallError };
    blocks.push(b);
  }
  if (m.cache && blocks.length > 0) blocks[blocks.length - 1] = { ...blocks[blocks.length - 1], cache_control: cacheControl(m.cache) };
  return blocks;
}

/** Thinking blocks as the API returned them: signed text, or a redacted block's data. */
function thinkingBlocks(m: ChatMessage): Block[] {
  return (m.thinking ?? []).map((t) => (t.redacted ? { type: 'redacted_thinking', data: t.data ?? '' } : { type: 'thinking', thinking: t.text, signature: t.signature ?? '' }));
}

function toolUseBlocks(m: ChatMessage): Block[] | { error: CallError } {
  const blocks: Block[] = [...thinkingBlocks(m), ...(m.content ? [{ type: 'text', text: m.content }] : [])];
  for (const call of m.tool_calls ?? []) {
    let input: unknown;
    try {
      input = call.function.arguments.trim() === '' ? {} : JSON.parse(call.function.arguments);
    } catch {
      return { error: { kind: 'bad_request', message: `Tool call ${call.id} (${call.function.name}) has arguments that are not JSON` } };
    }
    blocks.push({ type: 'tool_use', id: call.id, name: call.function.name, input });
  }
  return blocks;
}

function pushToolResult(out: AnthropicMessage[], m: ChatMessage): void {
  const block = { type: 'tool_result', tool_use_id: m.tool_call_id ?? '', content: m.content };
  const last = out[out.length - 1];
  // Results of parallel tool calls go back in one user turn.
  if (last && last.role === 'user' && Array.isArray(last.content) && last.content.every((b) => b.type === 'tool_result')) last.content.push(block);
  else out.push({ role: 'user', content: [block] });
}

/**
 * System messages become `system` (text joined by a blank line; text blocks when one carries a cache
 * breakpoint), the rest Anthropic messages.
 */
export function convertMessages(messages: ChatMessage[]): { system: string | Block[]; messages: AnthropicMessage[] } | { error: CallError } {
  const system: ChatMessage[] = [];
  const out: AnthropicMessage[] = [];
  for (const m of messages) {
    if (m.role === 'developer') {
      return { error: { kind: 'bad_request', message: "Anthropic has no developer role (a Prompty 2.0 'developer:' message): write system: for Claude" } };
    }
    if (m.role === 'system') {
      if (m.parts?.some((p) => p.type === 'image')) return { error: { kind: 'bad_request', message: 'Anthropic takes images in user messages only, not in the system prompt: move the image to a user: message' } };
      system.push(m);
    } else if (m.role === 'tool') {
      pushToolResult(out, m);
    } else if (m.role === 'assistant' && m.tool_calls && m.tool_calls.length > 0) {
      const blocks = toolUseBlocks(m);
      if ('error' in blocks) return blocks;
      out.push({ role: 'assistant', content: blocks });
    } else {
      const content = contentOf(m);
      if (typeof content === 'object' && 'error' in content) return content;
      out.push({ role: m.role, content });
    }
  }
  const cached = system.some((m) => m.cache);
  const systemValue = cached
    ? system.map((m) => (m.cache ? { type: 'text', text: m.content, cache_control: cacheControl(m.cache) } : { type: 'text', text: m.content }))
    : system.map((m) => m.content).join('\n\n');
  return { system: systemValue, messages: out };
}

/** Thinking, effort and structured output as the Messages API takes them (`thinking`, `output_config`). */
export function reasoningFields(p: ModelParams): Record<string, unknown> | { error: CallError } {
  const out: Record<string, unknown> = {};
  if (p.thinking !== undefined) out.thinking = p.thinking;
  const config: Record<string, unknown> = {};
  if (p.effort !== undefined) config.effort = p.effort;
  const rf = p.response_format as { type?: unknown; json_schema?: { schema?: unknown } } | undefined;
  if (rf?.type === 'json_schema') config.format = { type: 'json_schema', schema: rf.json_schema?.schema ?? {} };
  else if (rf?.type === 'json_object') {
    return { error: { kind: 'bad_request', message: 'Anthropic has no JSON mode without a schema: write response_format as { type: json_schema, json_schema: { name, schema } }' } };
  }
  if (Object.keys(config).length > 0) out.output_config = config;
  if (p.reasoning_effort !== undefined) {
    return { error: { kind: 'bad_request', message: "Anthropic does not take reasoning_effort: write 'effort' (low, medium, high, xhigh, max) for Claude" } };
  }
  return out;
}
