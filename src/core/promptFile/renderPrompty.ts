// A `.prompty` file renders as Prompty renders it: the whole body is one Jinja2 template, and the
// rendered text is split into messages at role lines. So role lines the template itself produces (a
// chat-history loop writing `{{ m.role }}:`) open messages, as in Prompty. Text inside a variable's value
// never does: before rendering, every line of a string value that looks like a role line gets a guard
// (a per-render nonce) in front, which the splitter does not accept as a role line and removes afterwards.
// Rich inputs (`kind: thread`) render as a nonce marker that is replaced by the list's messages, as
// Prompty's runtime does.
import { randomBytes } from 'node:crypto';
import Mustache from 'mustache';
import { renderJinja } from '../template/jinjaRenderer';
import type { CacheBreakpoint, ChatMessage, Range, Role } from '../types';
import { ImageMarkers, type ImageFiles } from './imageMarkers';
import type { PromptDocument } from './promptDocument';
import { cacheAttribute, roleAttributes } from './roleAttributes';

/** A role line as Prompty's parser reads it: `system:`, `# user:`, `system[name="seth"]:`. */
const ROLE_LINE = /^\s*#?\s*(system|user|assistant|developer)(\[[^\]\n]*\])?\s*:\s*$/i;

const THREAD_TYPES = new Set(['thread', 'messages']);

/** What rendering a `.prompty` body gives: messages and warnings, or an error. */
export type PromptyRender = { messages: ChatMessage[]; warnings: string[] } | { error: { message: string; range?: Range } };

function nonce(): string {
  // Digits only: filters such as `upper`, `title` or `trim` leave them unchanged.
  return [...randomBytes(8)].map((b) => String(b % 10)).join('');
}

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
  const guard = `\uE000${nonce()}\uE001`;
  const threads = new Map<string, string>();
  const vars: Record<string, unknown> = {};
  const { markers, files } = images;
  for (const [k, v] of Object.entries(context)) {
    const type = doc.inputs.get(k)?.type;
    if (type === 'image' && v !== undefined && v !== null && v !== '') vars[k] = markers.input(k, v);
    else if ((type !== undefined && THREAD_TYPES.has(type)) || (type === undefined && k === 'thread' && isMessageList(v))) {
      const marker = `__ASSAY_THREAD_${nonce()}_${k}__`;
      threads.set(marker, k);
      vars[k] = marker;
    } else vars[k] = guardValue(v, guard);
  }
  let source = body.source;
  // Prompty 1.0: a `![thread]` line splices the `thread` input there.
  if (/^\s*!\[thread\]\s*$/m.test(source)) {
    const marker = `__ASSAY_THREAD_${nonce()}_thread__`;
    threads.set(marker, 'thread');
    source = source.replace(/^\s*!\[thread\]\s*$/gm, marker);
  }
  // Prompty 0.1/1.0 turn markdown images into image parts; 2.0 keeps them as text.
  if (doc.promptyVersion !== 2) source = markers.markdown(source);
  const r = doc.templateFormat === 'mustache' ? renderMustache(source, vars) : renderJinja(source, vars);
  if ('error' in r) return { error: { message: r.error.message, range: doc.lines.range(body.offset, body.offset + body.source.length) } };

  const warnings: string[] = [];
  const messages: ChatMessage[] = [];
  let role: ChatMessage['role'] = 'system';
  let name: string | undefined;
  let cache: CacheBreakpoint | undefined;
  let buffer: string[] = [];
  const unguard = (s: string): string => s.split(guard).join('');
  let failed: string | undefined;
  const emit = (text: string): void => {
    const split = markers.has(text) ? markers.split(role, text, files) : [{ role, content: text }];
    if ('error' in split) failed ??= split.error;
    else for (const m of split) messages.push(withName(m, m.role === role ? name : undefined));
  };
  const flush = (): void => {
    if (buffer.length === 0) return;
    const text = unguard(buffer.join('\n')).trim();
    buffer = [];
    if (text === '') {
      // Prompty 2.0 sends a role line with nothing after it as an empty message; 0.1/1.0 leave it out.
      if (doc.promptyVersion === 2) messages.push(withName({ role, content: '' }, name));
      return;
    }
    // A thread marker splits the message around the thread's messages.
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
      const list = context[found[1]];
      if (list !== undefined && list !== null && !isMessageList(list)) failed ??= `The thread input '${found[1]}' must be a list of { role, content }.`;
      else for (const item of list ?? []) {
        const m = threadMessage(item);
        if (typeof m === 'string') failed ??= `In '${found[1]}': ${m}.`;
        else messages.push(m);
      }
      rest = rest.slice(at + found[0].length).trim();
    }
    if (rest !== '') emit(rest);
    if (cache && messages.length > 0) messages[messages.length - 1]!.cache = cache;
  };
  for (const line of r.text.split('\n')) {
    const m = ROLE_LINE.exec(line.replace(/\r$/, ''));
    if (!m) {
      buffer.push(line);
      continue;
    }
    flush();
    const r1 = m[1]!.toLowerCase();
    if (r1 === 'developer') {
      failed ??= "The 'developer' role is not supported yet: write system: instead.";
      role = 'system';
    } else role = r1 as Role;
    const attrs = m[2] ? roleAttributes(m[2]) : {};
    name = attrs['name'];
    const c = cacheAttribute(attrs);
    if (c && 'error' in c) failed ??= `${c.error}.`;
    cache = c && !('error' in c) ? c : undefined;
  }
  flush();
  if (failed) return { error: { message: failed, range: doc.lines.range(body.offset, body.offset + body.source.length) } };
  return { messages, warnings };
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
