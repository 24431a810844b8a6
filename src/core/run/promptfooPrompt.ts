// A promptfoo prompt rendered as promptfoo renders it: the template (with a test's `options.prefix` and
// `options.suffix` around it) through Nunjucks, then read as its providers read it — a rendered JSON list
// of messages (or YAML starting `- role:`) is a chat, anything else is one user message.
import { dirname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_ASSERTION_LIMITS } from '../assertions/assertionTypes';
import { runSandboxed } from '../sandbox/sandboxPool';
import { fileTask } from './userTransform';
import { isRecord } from '../assertions/valueUtils';
import type { RenderResult } from '../promptFile/renderPrompt';
import { renderTemplate, type TemplateFilters } from '../template/templateRenderer';
import type { PromptfooPrompt } from '../testBank/promptfooConfig';
import { imageSourceOf, parseDataUri, partsText } from '../providers/imageParts';
import type { ChatMessage, ContentPart } from '../types';

/** Text around the prompt for one test (promptfoo's `options.prefix` / `options.suffix`). */
export interface PromptAffix {
  prefix?: string;
  suffix?: string;
}

const ROLES = new Set(['system', 'user', 'assistant', 'tool']);

/** Messages from a list promptfoo would send, or why it cannot be sent exactly. */
function messagesOf(list: unknown[], label: string): RenderResult {
  const messages: ChatMessage[] = [];
  for (const m of list) {
    if (!isRecord(m) || typeof m.role !== 'string' || !ROLES.has(m.role)) {
      return { error: { message: `prompt "${label}" must render to a list of { role, content } messages (role system, user, assistant or tool)` } };
    }
    const name = typeof m.name === 'string' ? { name: m.name } : {};
    if (Array.isArray(m.content)) {
      const parts = contentParts(m.content);
      if (typeof parts === 'string') return { error: { message: `prompt "${label}": ${parts}` } };
      const multimodal = parts.some((p) => p.type === 'image');
      messages.push({ role: m.role as ChatMessage['role'], content: partsText(parts), ...(multimodal ? { parts } : {}), ...name });
      continue;
    }
    if (typeof m.content !== 'string') return { error: { message: `prompt "${label}": each message needs text content` } };
    messages.push({ role: m.role as ChatMessage['role'], content: m.content, ...name });
  }
  return { messages };
}

/**
 * A message's content parts as promptfoo's providers take them: `text`, OpenAI's `image_url` (a URL or a
 * data URI) and Anthropic's `image` (a base64 or URL source; promptfoo accepts a data URI as the data).
 */
function contentParts(list: unknown[]): ContentPart[] | string {
  const parts: ContentPart[] = [];
  for (const [i, p] of list.entries()) {
    const part = contentPart(p);
    if (!part) return `content part ${i + 1} must be { type: text, text }, { type: image_url, image_url: { url } } or { type: image, source }`;
    parts.push(part);
  }
  return parts;
}

function contentPart(p: unknown): ContentPart | undefined {
  if (!isRecord(p)) return undefined;
  if (p.type === 'text' && typeof p.text === 'string') return { type: 'text', text: p.text };
  if (p.type === 'image_url') {
    const iu = p.image_url;
    const url = typeof iu === 'string' ? iu : isRecord(iu) && typeof iu.url === 'string' ? iu.url : undefined;
    if (url === undefined) return undefined;
    const d = isRecord(iu) ? iu.detail : undefined;
    const part: ContentPart = { type: 'image', source: imageSourceOf(url) };
    if (d === 'auto' || d === 'low' || d === 'high') part.detail = d;
    return part;
  }
  if (p.type === 'image' && isRecord(p.source)) {
    const s = p.source;
    if (s.type === 'url' && typeof s.url === 'string') return { type: 'image', source: { kind: 'url', url: s.url } };
    if (s.type === 'base64' && typeof s.data === 'string') {
      const fromUri = parseDataUri(s.data);
      if (fromUri) return { type: 'image', source: { kind: 'base64', ...fromUri } };
      if (typeof s.media_type === 'string') return { type: 'image', source: { kind: 'base64', mediaType: s.media_type, data: s.data } };
    }
  }
  return undefined;
}

/**
 * How promptfoo's OpenAI and Anthropic providers read a rendered prompt: text starting `- role:` is a YAML
 * chat; text that parses as JSON is used as the messages (a list), and text that looks like JSON (`[…]`,
 * `{…}`) but does not parse is an error; anything else is one user message.
 */
export function readRenderedPrompt(text: string, label: string, chat: boolean): RenderResult {
  const trimmed = text.trim();
  if (trimmed.startsWith('- role:')) {
    let v: unknown;
    try {
      v = parseYaml(trimmed);
    } catch (e) {
      return { error: { message: `prompt "${label}" rendered to YAML messages that do not parse: ${(e as Error).message.split('\n')[0]}` } };
    }
    return Array.isArray(v) ? messagesOf(v, label) : { error: { message: `prompt "${label}" must render to a list of { role, content } messages` } };
  }
  const looksLikeJson = (trimmed.startsWith('[') && trimmed.endsWith(']')) || (trimmed.startsWith('{') && trimmed.endsWith('}'));
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch (e) {
    if (looksLikeJson || chat) return { error: { message: `prompt "${label}" did not render to a JSON list of messages: ${(e as Error).message}` } };
    return { messages: [{ role: 'user', content: text }] };
  }
  if (Array.isArray(parsed)) return messagesOf(parsed, label);
  if (isRecord(parsed) || chat) return { error: { message: `prompt "${label}" must render to a list of { role, content } messages` } };
  return { messages: [{ role: 'user', content: text }] };
}

/** A `text` or `chat` promptfoo prompt's renderer (a `promptFile` prompt renders through core/promptFile, a `function` through `renderPromptfooFunction`). */
export function renderPromptfooTemplate(p: PromptfooPrompt, filters: TemplateFilters | undefined): (vars: Record<string, unknown>, affix?: PromptAffix) => RenderResult {
  const template = p.template ?? '';
  return (vars, affix) => {
    const source = affix && (affix.prefix || affix.suffix) ? `${affix.prefix ?? ''}${template}${affix.suffix ?? ''}` : template;
    // promptfoo's Nunjucks renders an undefined variable as empty text (a config without tests renders `{{input}}` so).
    const r = renderTemplate(source, vars, filters, 'empty');
    if ('error' in r) return { error: { message: `prompt "${p.label}": ${r.error.message}` } };
    return readRenderedPrompt(r.text, p.label, p.kind === 'chat' && !(affix?.prefix || affix?.suffix));
  };
}

/**
 * A `function` prompt's renderer: promptfoo calls the file's function with `{ vars }` and reads a text
 * result as it reads a rendered template, a list as the messages, `{ prompt }` as that prompt. A returned
 * `config` would change the provider's settings, which Assay cannot do per prompt: an error, not ignored.
 */
export function renderPromptfooFunction(p: PromptfooPrompt): (vars: Record<string, unknown>, affix?: PromptAffix) => Promise<RenderResult> {
  return async (vars, affix) => {
    if (affix?.prefix || affix?.suffix) return { error: { message: `a test's prefix and suffix apply to text prompts, not to the prompt function ${p.label}` } };
    // The sandbox calls the export as (output, context): promptfoo's single argument is the first.
    const task = fileTask(`file://${p.file!}${p.functionName ? `:${p.functionName}` : ''}`, dirname(p.file!), { vars }, undefined);
    if ('error' in task) return { error: { message: task.error } };
    const limits = DEFAULT_ASSERTION_LIMITS;
    const outcome = await runSandboxed(task, { timeoutMs: limits.javascriptTimeoutMs, memoryMb: limits.memoryMb });
    if (!outcome.ok) return { error: { message: `prompt function ${p.label}: ${outcome.kind === 'timeout' ? `did not finish within ${limits.javascriptTimeoutMs} ms` : outcome.message}` } };
    let value = outcome.value;
    if (isRecord(value) && 'config' in value) return { error: { message: `prompt function ${p.label} returned a config; per-prompt provider settings are not supported` } };
    if (isRecord(value) && 'prompt' in value) value = value.prompt;
    if (typeof value === 'string') return readRenderedPrompt(value, p.label, false);
    if (Array.isArray(value)) return messagesOf(value, p.label);
    return { error: { message: `prompt function ${p.label} must return text or a list of messages` } };
  };
}
