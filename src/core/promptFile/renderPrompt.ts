// Rendering executes template code (Nunjucks is not a sandbox): the host renders only in trusted
// workspaces. Each section is rendered on its own from the source the parser split at role markers,
// so no variable value can open a new message.
import type { FileAccess } from '../files/safeFiles';
import { renderTemplate } from '../template/templateRenderer';
import { ImageMarkers, promptDir, type ImageFiles } from './imageMarkers';
import { CONVERSATION_VAR } from './conversationVar';
import { renderPromptyBody } from './renderPrompty';
import type { CacheBreakpoint, ChatMessage, ModelParams, Range, ToolCall } from '../types';
import type { PromptDocument, PromptSection } from './promptDocument';

/** Options for `renderPrompt`. */
export interface RenderOptions {
  /** Fill variables the caller did not pass from the inputs' defaults (default true). */
  useDefaults?: boolean;
  /**
   * What image files may be read (relative to the prompt file). Without it an image file stays a path in the
   * message (a preview), which no provider sends.
   */
  files?: FileAccess;
}

/** Why a render failed; `range` points into the prompt file when the failure has a place. */
export interface RenderError {
  message: string;
  range?: Range;
}

/** Rendered messages, or the reason there are none. */
/**
 * The messages a prompt renders to, or why it did not render. `params`: settings the prompt itself chose for
 * this call (a promptfoo prompt function's returned `config`), over the model's.
 */
export type RenderResult = { messages: ChatMessage[]; warnings?: string[]; params?: ModelParams } | { error: RenderError };

const MESSAGE_ROLES = new Set(['system', 'user', 'assistant', 'tool']);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The variables a render sees: the inputs' defaults (unless disabled) overridden by `vars`. */
export function resolveVars(doc: PromptDocument, vars: Record<string, unknown> = {}, options: RenderOptions = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (options.useDefaults !== false) {
    for (const input of doc.inputs.values()) if (input.hasDefault) out[input.name] = input.default;
  }
  // `__proto__` would replace the object's prototype instead of setting a variable.
  for (const [k, v] of Object.entries(vars)) if (k !== '__proto__') out[k] = v;
  return out;
}

const has = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** Checks one item of a messages placeholder's list and copies its known fields. */
/**
 * `messages: _conversation` splices the earlier turns as chat: each `{ input, output }` turn a user message
 * (its input; a value that is not text as JSON) and an assistant message. Anything else is left for the
 * usual checks.
 */
function conversationMessages(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  return value.flatMap((turn: unknown) => {
    if (!isRecord(turn) || !('input' in turn) || !('output' in turn) || 'role' in turn) return [turn];
    const input = typeof turn.input === 'string' ? turn.input : JSON.stringify(turn.input);
    return [
      { role: 'user', content: input },
      { role: 'assistant', content: typeof turn.output === 'string' ? turn.output : JSON.stringify(turn.output) },
    ];
  });
}

function toMessage(item: unknown, index: number, variable: string): ChatMessage | string {
  const where = `'${variable}' item ${index + 1}`;
  if (!isRecord(item)) return `${where} must be an object { role, content }.`;
  const role = item['role'];
  if (typeof role !== 'string' || !MESSAGE_ROLES.has(role)) return `${where} has role ${JSON.stringify(role) ?? 'missing'}; use system, user, assistant or tool.`;
  const toolCalls = item['tool_calls'];
  const hasCalls = Array.isArray(toolCalls) && toolCalls.length > 0;
  const content = item['content'];
  if (typeof content !== 'string' && !(hasCalls && (content === null || content === undefined))) return `${where} needs a string content.`;
  const msg: ChatMessage = { role: role as ChatMessage['role'], content: typeof content === 'string' ? content : '' };
  if (hasCalls) msg.tool_calls = toolCalls as ToolCall[];
  if (role === 'tool') {
    if (typeof item['tool_call_id'] !== 'string') return `${where} is a tool message and needs the tool_call_id it answers.`;
    msg.tool_call_id = item['tool_call_id'];
  }
  if (typeof item['name'] === 'string') msg.name = item['name'];
  return msg;
}

function tagRange(doc: PromptDocument, section: PromptSection, offset: number): Range {
  const at = section.sourceOffset + offset;
  let end = at + 1;
  if (section.source.startsWith('{{', offset) || section.source.startsWith('{%', offset)) {
    const close = section.source.slice(offset).search(/[%}]\}/);
    if (close !== -1) end = at + close + 2;
  }
  return doc.lines.range(at, Math.min(end, section.sourceOffset + section.source.length));
}

/**
 * Renders the prompt into chat messages with `vars` (plus the inputs' defaults). A variable without a
 * value is an error naming it, unless every use tolerates absence (`| default`, `is defined`). Messages
 * whose text renders empty are left out; text is trimmed. Never throws: failures are `{ error }`.
 */
export function renderPrompt(doc: PromptDocument, vars: Record<string, unknown> = {}, options: RenderOptions = {}): RenderResult {
  if (!isRecord(vars)) return { error: { message: 'Variables must be an object of name → value.' } };
  for (const s of doc.sections) if (s.syntaxError) return { error: { ...s.syntaxError } };
  const context = resolveVars(doc, vars, options);
  const media = unsupportedMedia(doc, context);
  if (media) return { error: media };
  const markers = new ImageMarkers();
  const files: ImageFiles | undefined = options.files ? { baseDir: promptDir(doc.path, doc.dir), access: options.files } : undefined;
  if (doc.kind === 'prompty') return renderPrompty(doc, context, markers, files);

  const missing = new Map<string, Range>();
  for (const s of doc.sections) {
    if (s.role === 'messages') {
      const name = s.messagesVariable ?? 'messages';
      // Outside a test run (the playground, a case with disableConversationVar) there are no earlier turns.
      if (!has(context, name) && !missing.has(name) && name !== CONVERSATION_VAR) missing.set(name, s.markerRange ?? s.bodyRange);
      continue;
    }
    for (const v of s.variables) if (!v.guarded && !has(context, v.name) && !missing.has(v.name)) missing.set(v.name, v.range);
  }
  if (missing.size > 0) {
    const names = [...missing.keys()].map((n) => `'${n}'`).join(', ');
    const first = missing.values().next().value!;
    return {
      error: {
        message: `Missing ${missing.size === 1 ? 'variable' : 'variables'} ${names}: pass ${missing.size === 1 ? 'it' : 'them'} in the variables or test case, or give the input a default.`,
        range: first,
      },
    };
  }

  const messages: ChatMessage[] = [];
  for (const s of doc.sections) {
    if (s.role === 'messages') {
      const name = s.messagesVariable ?? 'messages';
      const list = name === CONVERSATION_VAR ? conversationMessages(context[name] ?? []) : context[name];
      if (!Array.isArray(list)) {
        return { error: { message: `The messages placeholder needs '${name}' to be a list of { role, content }, not ${list === null ? 'null' : typeof list}.`, range: s.markerRange ?? s.bodyRange } };
      }
      for (let i = 0; i < list.length; i++) {
        const m = toMessage(list[i], i, name);
        if (typeof m === 'string') return { error: { message: m, range: s.markerRange ?? s.bodyRange } };
        messages.push(m);
      }
      continue;
    }
    const r = renderTemplate(markers.markdown(s.source), imageInputs(doc, context, markers));
    if ('error' in r) {
      const range = r.error.offset !== undefined ? tagRange(doc, s, r.error.offset) : s.bodyRange;
      return { error: { message: `In the ${s.role} message: ${r.error.message}`, range } };
    }
    const content = r.text.trim();
    if (content === '') continue;
    const split = markers.has(content) ? markers.split(s.role, content, files) : [{ role: s.role, content }];
    if ('error' in split) return { error: { message: `In the ${s.role} message: ${split.error}`, range: s.bodyRange } };
    messages.push(...withCache(split, s.cache));
  }
  return { messages };
}

/** The variables with each image input's value as image markers (`type: image` / Prompty's `kind: image`). */
export function imageInputs(doc: PromptDocument, context: Record<string, unknown>, markers: ImageMarkers): Record<string, unknown> {
  let out = context;
  for (const input of doc.inputs.values()) {
    // No value (an empty playground field) is no image; the template prints nothing there.
    if (input.type !== 'image' || !has(context, input.name) || [undefined, null, ''].includes(context[input.name] as never)) continue;
    if (out === context) out = { ...context };
    out[input.name] = markers.input(input.name, context[input.name]);
  }
  return out;
}

/** An audio or file input (Prompty 2.0 kinds) given a value: Assay cannot send it as Prompty would. */
function unsupportedMedia(doc: PromptDocument, context: Record<string, unknown>): RenderError | undefined {
  for (const input of doc.inputs.values()) {
    if ((input.type !== 'audio' && input.type !== 'file') || !has(context, input.name) || [undefined, null, ''].includes(context[input.name] as never)) continue;
    return { message: `'${input.name}' is a ${input.type} input: ${input.type} content parts are not supported yet, and sending the value as text would not be the request the file describes.`, range: input.range };
  }
  return undefined;
}

/** A section's cache breakpoint goes on the last message it rendered to. */
function withCache(messages: ChatMessage[], cache: CacheBreakpoint | undefined): ChatMessage[] {
  if (cache && messages.length > 0) messages[messages.length - 1]!.cache = cache;
  return messages;
}

/** `.prompty`: Jinja2 over the whole body, as Prompty renders it; an undefined variable renders empty with a warning. */
function renderPrompty(doc: PromptDocument, context: Record<string, unknown>, markers: ImageMarkers, files: ImageFiles | undefined): RenderResult {
  const syntax = doc.diagnostics.find((d) => d.code === 'template-syntax' && d.severity === 'error');
  if (syntax) return { error: { message: syntax.message, range: syntax.range } };
  const undefinedNames = new Set<string>();
  for (const s of doc.sections) for (const v of s.variables) if (!v.guarded && !has(context, v.name)) undefinedNames.add(v.name);
  const r = renderPromptyBody(doc, context, { markers, files });
  if ('error' in r) return r;
  const warnings = [...r.warnings];
  if (undefinedNames.size > 0) {
    const names = [...undefinedNames].map((n) => `'${n}'`).join(', ');
    warnings.push(`${undefinedNames.size === 1 ? 'Variable' : 'Variables'} ${names} ${undefinedNames.size === 1 ? 'has' : 'have'} no value and rendered empty (as in Jinja2): pass ${undefinedNames.size === 1 ? 'it' : 'them'} in the variables or test case, or give the input a default.`);
  }
  return warnings.length > 0 ? { messages: r.messages, warnings } : { messages: r.messages };
}
