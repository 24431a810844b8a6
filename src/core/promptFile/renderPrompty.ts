// A `.prompty` file renders as Prompty renders it: the whole body is one Jinja2 template, and the
// rendered text is split into messages at role lines. So role lines the template itself produces (a
// chat-history loop writing `{{ m.role }}:`) open messages, as in Prompty. Text inside a variable's value
// never does: before rendering, every line of a string value that looks like a role line gets a guard
// (a per-render nonce) in front, which the splitter does not accept as a role line and removes afterwards.
// Rich inputs (`kind: thread`) render as a nonce marker that is replaced by the list's messages, as
// Prompty's runtime does.
import Mustache from 'mustache';
import { renderJinja } from '../template/jinjaRenderer';
import type { CacheBreakpoint, ChatMessage, Range } from '../types';
import { splitDynamicTools } from './dynamicTools';
import { ImageMarkers, type ImageFiles } from './imageMarkers';
import { nonceDigits } from './nonce';
import type { PromptDocument } from './promptDocument';
import { cacheAttribute, roleAttributes } from './roleAttributes';

/** A role line as Prompty's parser reads it: `system:`, `# user:`, `system[name="seth"]:`. */
const ROLE_LINE = /^\s*#?\s*(system|user|assistant|developer)(\[[^\]\n]*\])?\s*:\s*$/i;

const THREAD_TYPES = new Set(['thread', 'messages']);

/** What rendering a `.prompty` body gives: messages and warnings, or an error. */
export type PromptyRender = { messages: ChatMessage[]; warnings: string[] } | { error: { message: string; range?: Range } };

/** Deep copy of `value` where each line of each string that reads as a role line starts with `guard`. */
function guardValue(value: unknown, guard: string, depth = 0): unknown {
  if (typeof value === 'string') {
    if (!value.includes(':')) return value;
    return value
      .split('\n')
      .map((line) => (ROLE_LINE.test(line.replace(/\r$/, '')) ? guard + line : line))
      .join('\n');
  }
  if (depth > 32 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => guardValue(v, guard, depth + 1));
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = guardValue(v, guard, depth + 1);
  return out;
}

function isMessageList(v: unknown): v is Record<string, unknown>[] {
  return Array.isArray(v) && v.every((m) => m !== null && typeof m === 'object' && typeof (m as { role?: unknown }).role === 'string');
}

function threadMessage(item: Record<string, unknown>): ChatMessage | string {
  const role = String(item['role']);
  if (role !== 'system' && role !== 'user' && role !== 'assistant' && role !== 'tool') return `a thread message has role '${role}'; use system, user, assistant or tool`;
  const content = item['content'];
  const msg: ChatMessage = { role, content: typeof content === 'string' ? content : content === null || content === undefined ? '' : JSON.stringify(content) };
  if (Array.isArray(item['tool_calls'])) msg.tool_calls = item['tool_calls'] as ChatMessage['tool_calls'];
  if (typeof item['tool_call_id'] === 'string') msg.tool_call_id = item['tool_call_id'];
  if (typeof item['name'] === 'string') msg.name = item['name'];
  return msg;
}

/**
 * Renders a `.prompty` body (`doc.body`) with `context` into messages, as Prompty does (see the file
 * comment). Never throws.
 */
export function renderPromptyBody(doc: PromptDocument, context: Record<string, unknown>, images: { markers: ImageMarkers; files?: ImageFiles | undefined } = { markers: new ImageMarkers() }): PromptyRender {
  const body = doc.body ?? { source: '', offset: 0 };
  const guard = `\uE000${nonceDigits()}\uE001`;
  const v2 = doc.promptyVersion === 2;
  const { vars, threads } = renderVars(doc, context, guard, images.markers);
  const { markers, files } = images;
  // Prompty's loader drops the whitespace after the front matter; Jinja2 reads every newline as `\n`.
  let source = (body.template ?? body.source).replace(/\r\n?/g, '\n').trimStart();
  // Prompty 0.1/1.0: a leading `tools:` block holds tool definitions (read by parsePromptFile), not a message.
  if (!v2) source = splitDynamicTools(source).rest;
  // Prompty 1.0: a line starting with `![thread]` opens the thread's place (see flushThread).
  const threadLine = `__ASSAY_THREAD_LINE_${nonceDigits()}__`;
  if (!v2) source = source.replace(/^[ \t]*!\[thread\].*$/gm, threadLine);
  // Prompty 0.1/1.0 turn markdown images into image parts; 2.0 keeps them as text.
  if (!v2) source = markers.markdown(source);
  const r = doc.templateFormat === 'mustache' ? renderMustache(source, vars) : renderJinja(source, vars);
  if ('error' in r) return { error: { message: r.error.message, range: doc.lines.range(body.offset, body.offset + body.source.length) } };
  // Prompty 2.0 keeps the template's trailing newline (keep_trailing_newline); 0.1/1.0 drop it, as the library does.
  const text = v2 && doc.templateFormat !== 'mustache' && source.endsWith('\n') ? `${r.text}\n` : r.text;

  const messages: ChatMessage[] = [];
  let role: ChatMessage['role'] | 'thread' = 'system';
  let name: string | undefined;
  let cache: CacheBreakpoint | undefined;
  let buffer: string[] = [];
  const unguard = (s: string): string => s.split(guard).join('');
  let failed: string | undefined;
  let threadPlaced = false;
  const fail = (message: string): void => {
    failed ??= message;
  };
  const emit = (msgRole: ChatMessage['role'], text: string): void => {
    const split = markers.has(text) ? markers.split(msgRole, text, files) : [{ role: msgRole, content: text }];
    if ('error' in split) fail(split.error);
    else for (const m of split) messages.push(withName(m, m.role === msgRole ? name : undefined));
  };
  const splice = (input: string): void => {
    for (const m of threadMessages(context, input, fail)) messages.push(m);
  };
  const flush = (): void => {
    // As Prompty's parsers: a role line followed by at least one line is a message, even an empty one.
    if (buffer.length === 0) return;
    const content = unguard(buffer.join('\n')).trim();
    buffer = [];
    if (role === 'thread') {
      // Prompty 1.0's executor sends the thread's messages, then the text after `![thread]` as a user message.
      threadPlaced = true;
      splice('thread');
      emit('user', content);
    } else if (content === '' || !threads.size) emit(role, content);
    else splitAtThreads(content, threads, (part) => emit(role as ChatMessage['role'], part), splice);
    if (cache && messages.length > 0) messages[messages.length - 1]!.cache = cache;
  };
  const lines = text.split('\n');
  // Python's splitlines: a final newline ends the last line, it does not open another.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  for (const line of lines) {
    if (line === threadLine) {
      flush();
      [role, name, cache] = ['thread', undefined, undefined];
      continue;
    }
    const m = ROLE_LINE.exec(line.replace(/\r$/, ''));
    // `developer:` is a role line from Prompty 2.0 on; 0.1/1.0 keep it as text.
    if (!m || (!v2 && m[1]!.toLowerCase() === 'developer')) {
      buffer.push(line);
      continue;
    }
    flush();
    role = m[1]!.toLowerCase() as ChatMessage['role'];
    const attrs = m[2] ? roleAttributes(m[2]) : {};
    name = attrs['name'];
    const c = cacheAttribute(attrs);
    if (c && 'error' in c) fail(`${c.error}.`);
    cache = c && !('error' in c) ? c : undefined;
  }
  flush();
  // Prompty 2.0 appends the messages of a thread input the template never places.
  if (v2) for (const [marker, input] of threads) if (!text.includes(marker)) splice(input);
  if (failed) return { error: { message: failed, range: doc.lines.range(body.offset, body.offset + body.source.length) } };
  const warnings: string[] = [];
  if (!threadPlaced && text.includes(threadLine) && isMessageList(context['thread']) && context['thread'].length > 0) {
    warnings.push("The thread was not sent: Prompty 1.0 sends it only when a line follows '![thread]' (the text there becomes the user's message).");
  }
  return { messages, warnings };
}

/**
 * The template's variables: image inputs as image markers, thread inputs as nonce markers (2.0: every
 * thread input, with a value or not, as Prompty's renderer does), other values guarded.
 */
function renderVars(doc: PromptDocument, context: Record<string, unknown>, guard: string, markers: ImageMarkers): { vars: Record<string, unknown>; threads: Map<string, string> } {
  const threads = new Map<string, string>();
  const vars: Record<string, unknown> = {};
  const threadMarker = (k: string): void => {
    const marker = `__ASSAY_THREAD_${nonceDigits()}_${k}__`;
    threads.set(marker, k);
    vars[k] = marker;
  };
  for (const [k, v] of Object.entries(context)) {
    const type = doc.inputs.get(k)?.type;
    if (type === 'image' && v !== undefined && v !== null && v !== '') vars[k] = markers.input(k, v);
    else if ((type !== undefined && THREAD_TYPES.has(type)) || (type === undefined && k === 'thread' && isMessageList(v))) threadMarker(k);
    else vars[k] = guardValue(v, guard);
  }
  if (doc.promptyVersion === 2) for (const input of doc.inputs.values()) if (THREAD_TYPES.has(input.type ?? '') && !(input.name in vars)) threadMarker(input.name);
  return { vars, threads };
}

/** The messages of thread input `input`; a value that is not a message list is reported through `fail`. */
function threadMessages(context: Record<string, unknown>, input: string, fail: (message: string) => void): ChatMessage[] {
  const list = Object.prototype.hasOwnProperty.call(context, input) ? context[input] : undefined;
  if (list === undefined || list === null) return [];
  if (!isMessageList(list)) {
    fail(`The thread input '${input}' must be a list of { role, content }.`);
    return [];
  }
  const out: ChatMessage[] = [];
  for (const item of list) {
    const m = threadMessage(item);
    if (typeof m === 'string') fail(`In '${input}': ${m}.`);
    else out.push(m);
  }
  return out;
}

/** Splits `text` at thread markers: the text around them through `emit` (when not empty), each thread through `splice`. */
function splitAtThreads(text: string, threads: Map<string, string>, emit: (text: string) => void, splice: (input: string) => void): void {
  let rest = text;
  for (;;) {
    let at = -1;
    let found: [string, string] | undefined;
    for (const [marker, input] of threads) {
      const i = rest.indexOf(marker);
      if (i !== -1 && (at === -1 || i < at)) [at, found] = [i, [marker, input]];
    }
    if (!found) break;
    const before = rest.slice(0, at).trim();
    if (before !== '') emit(before);
    splice(found[1]);
    rest = rest.slice(at + found[0].length).trim();
  }
  if (rest !== '') emit(rest);
}

function withName(msg: ChatMessage, name: string | undefined): ChatMessage {
  if (name !== undefined) msg.name = name;
  return msg;
}

/** chevron's HTML escaping: `&`, `<`, `>` and `"` (not `'`, unlike mustache.js). */
function chevronEscape(text: string): string {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** `template: mustache`: rendered as Prompty's Mustache renderer (chevron) does, HTML-escaping `{{x}}`. */
function renderMustache(source: string, vars: Record<string, unknown>): { text: string } | { error: { message: string } } {
  try {
    return { text: Mustache.render(source, vars, {}, { escape: chevronEscape }) };
  } catch (err) {
    return { error: { message: `Mustache: ${err instanceof Error ? err.message : String(err)}` } };
  }
}
