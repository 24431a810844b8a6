// A promptfoo prompt rendered as promptfoo renders it: the template (with a test's `options.prefix` and
// `options.suffix` around it) through Nunjucks, then read as its providers read it — a rendered JSON list
// of messages (or YAML starting `- role:`) is a chat, anything else is one user message.
import { dirname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_ASSERTION_LIMITS } from '../assertions/assertionTypes';
import { runProcess, tail } from '../providers/customProviderSupport';
import { callScriptExport } from '../providers/javascriptProvider';
import { pythonExecutable, runPythonFunction } from '../providers/pythonProvider';
import { runSandboxed } from '../sandbox/sandboxPool';
import { fileTask } from './userTransform';
import { rawIfPartialTemplate, renderVarValues, resolveVarReferences } from './promptfooVars';
import { isRecord } from '../assertions/valueUtils';
import type { RenderResult } from '../promptFile/renderPrompt';
import { renderTemplate, type TemplateFilters } from '../template/templateRenderer';
import { SCRIPT_VAR } from '../testBank/normalizeCase';
import type { PromptfooPrompt } from '../testBank/promptfooConfig';
import { imageSourceOf, parseDataUri, partsText } from '../providers/imageParts';
import type { ChatMessage, ContentPart, ModelParams } from '../types';
import type { RenderTarget } from './testSuite';

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
export function renderPromptfooTemplate(p: PromptfooPrompt, filters: TemplateFilters | undefined): (vars: Record<string, unknown>, affix?: PromptAffix) => RenderResult | Promise<RenderResult> {
  const template = p.template ?? '';
  const render = (given: Record<string, unknown>, affix?: PromptAffix): RenderResult => {
    const source = affix && (affix.prefix || affix.suffix) ? `${affix.prefix ?? ''}${template}${affix.suffix ?? ''}` : template;
    // promptfoo drops one trailing newline of each text variable before rendering (a YAML `|` block's).
    const vars = resolveVarReferences(Object.fromEntries(Object.entries(given).map(([k, v]) => [k, typeof v === 'string' ? v.replace(/\n$/, '') : v])));
    const r = renderJsonTemplate(source, vars, filters) ?? renderTextTemplate(source, vars, filters);
    if ('error' in r) return { error: { message: `prompt "${p.label}": ${r.error.message}` } };
    return readRenderedPrompt(r.text, p.label, p.kind === 'chat' && !(affix?.prefix || affix?.suffix));
  };
  return (vars, affix) => {
    if (!Object.values(vars).some(isScriptVar)) return render(vars, affix);
    return scriptVars(vars, template, p.label).then((v) => ('error' in v ? v : render(v.vars, affix)));
  };
}

const isScriptVar = (v: unknown): v is string => typeof v === 'string' && v.startsWith('file://') && SCRIPT_VAR.test(v);

/**
 * promptfoo's variables computed by scripts, in order, each seeing the ones before it: Python's
 * `get_var(name, prompt, vars)` or a JavaScript module's function `(name, prompt, vars)`, answering
 * `{ output }` or `{ error }`. The test loader admits them only where workspace code may run.
 */
async function scriptVars(given: Record<string, unknown>, template: string, label: string): Promise<{ vars: Record<string, unknown> } | { error: { message: string } }> {
  const vars = { ...given };
  for (const [name, value] of Object.entries(vars)) {
    if (!isScriptVar(value)) continue;
    const file = value.slice('file://'.length);
    const run = { signal: new AbortController().signal, timeoutMs: SCRIPT_PROMPT_TIMEOUT_MS, what: `vars.${name} (${file})` };
    let got: { value: unknown } | { error: string };
    if (/\.py$/i.test(file)) {
      const env = process.env;
      const r = await runPythonFunction({ script: file, function: 'get_var', args: [name, template, vars] }, { ...run, python: pythonExecutable({}, env), cwd: dirname(file), env });
      got = 'error' in r ? { error: r.error.message } : r;
    } else got = await callScriptExport(file, undefined, [name, template, vars], run);
    if ('error' in got) return { error: { message: `prompt "${label}": ${got.error}` } };
    const answer = isRecord(got.value) ? got.value : {};
    if (answer.error) return { error: { message: `prompt "${label}": vars.${name}: ${file} answered an error: ${String(answer.error)}` } };
    if (typeof answer.output !== 'string' || answer.output === '') return { error: { message: `prompt "${label}": vars.${name}: ${file} must return { output: text }` } };
    vars[name] = /\.py$/i.test(file) ? answer.output.trim() : answer.output;
  }
  return { vars };
}

/**
 * promptfoo's JSON autoescape: a template that is JSON as written has each string inside it rendered on
 * its own (so a variable holding quotes or newlines stays valid JSON), then printed with two-space
 * indentation. `undefined` for any other template. An undefined variable renders as empty text, as in
 * promptfoo's Nunjucks (a config without tests renders `{{input}}` so).
 */
function renderJsonTemplate(source: string, vars: Record<string, unknown>, filters: TemplateFilters | undefined): { text: string } | { error: { message: string } } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(source);
  } catch {
    return undefined;
  }
  let failure: { message: string } | undefined;
  const render = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const r = renderTemplate(v, vars, filters, 'empty');
      if ('error' in r) failure ??= r.error;
      return 'error' in r ? v : r.text;
    }
    if (Array.isArray(v)) return v.map(render);
    if (isRecord(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, render(x)]));
    return v;
  };
  const out = render(parsed);
  return failure ? { error: failure } : { text: JSON.stringify(out, null, 2) };
}

/** A prompt that is not JSON: its text variables rendered as templates first, then the prompt (an unclosed tag kept as written), as promptfoo does. */
function renderTextTemplate(source: string, vars: Record<string, unknown>, filters: TemplateFilters | undefined): { text: string } | { error: { message: string } } {
  const rendered = renderVarValues(vars, filters);
  if ('error' in rendered) return rendered;
  return renderTemplate(rawIfPartialTemplate(source), rendered.vars, filters, 'empty');
}

/** How long a TypeScript or Python prompt function may take (a fresh worker or interpreter per render). */
const SCRIPT_PROMPT_TIMEOUT_MS = 30_000;

/**
 * What a prompt function returns for `vars`: JavaScript in the sandbox, TypeScript in a worker, a Python
 * function with promptfoo's context (`{ vars, config }`), or a whole Python script run with that context
 * as JSON in argv[1], its output the prompt (promptfoo's legacy form).
 */
async function promptFunctionValue(p: PromptfooPrompt, vars: Record<string, unknown>, provider: RenderTarget | undefined): Promise<{ value: unknown } | { error: string }> {
  const file = p.file!;
  const what = `prompt function ${p.label}`;
  const run = { signal: new AbortController().signal, timeoutMs: SCRIPT_PROMPT_TIMEOUT_MS, what };
  if (/\.py$/i.test(file)) {
    const env = process.env;
    const python = { python: pythonExecutable({}, env), cwd: dirname(file), env, ...run };
    const context = { vars, config: {}, ...(provider ? { provider } : {}) };
    if (p.functionName) {
      const r = await runPythonFunction({ script: file, function: p.functionName, args: [context] }, python);
      return 'error' in r ? { error: r.error.message } : r;
    }
    const ran = await runProcess({ command: python.python, args: [file, JSON.stringify(context)], cwd: python.cwd, signal: run.signal, timeoutMs: run.timeoutMs, what, env });
    if ('error' in ran) return { error: ran.error.message };
    if (ran.exitCode !== 0) return { error: `${what} exited with code ${ran.exitCode}: ${tail(ran.stderr)}` };
    return { value: ran.stdout.replace(/\r?\n$/, '') };
  }
  // promptfoo passes its provider object; the function sees its id and label (the id as text, not id()).
  const argument = { vars, ...(provider ? { provider } : {}) };
  if (/\.[cm]?ts$/i.test(file)) return callScriptExport(file, p.functionName, [argument], run);
  // The sandbox calls the export as (output, context): promptfoo's single argument is the first.
  const task = fileTask(`file://${file}${p.functionName ? `:${p.functionName}` : ''}`, dirname(file), argument, undefined);
  if ('error' in task) return task;
  const limits = DEFAULT_ASSERTION_LIMITS;
  const outcome = await runSandboxed(task, { timeoutMs: limits.javascriptTimeoutMs, memoryMb: limits.memoryMb });
  if (!outcome.ok) return { error: `${what}: ${outcome.kind === 'timeout' ? `did not finish within ${limits.javascriptTimeoutMs} ms` : outcome.message}` };
  return { value: outcome.value };
}

/** Settings a prompt function's returned `config` may set for its call: the request parameters Assay sends. */
const FUNCTION_CONFIG_KEYS: readonly (keyof ModelParams)[] = [
  'temperature', 'max_tokens', 'top_p', 'stop', 'seed', 'response_format', 'tools', 'tool_choice',
  'frequency_penalty', 'presence_penalty', 'max_completion_tokens', 'reasoning_effort', 'verbosity',
];

/** A returned `config` as the call's parameters, or why it cannot be applied exactly (never dropped). */
function functionConfig(config: unknown, label: string): { params: ModelParams } | { error: { message: string } } {
  if (!isRecord(config)) return { error: { message: `prompt function ${label} returned a config that is not a mapping` } };
  const unknown = Object.keys(config).filter((k) => !(FUNCTION_CONFIG_KEYS as readonly string[]).includes(k));
  if (unknown.length > 0) {
    return { error: { message: `prompt function ${label} returned config ${unknown.join(', ')}, which Assay cannot apply to the call (it applies ${FUNCTION_CONFIG_KEYS.join(', ')})` } };
  }
  const params = { ...config } as ModelParams;
  if (typeof config.stop === 'string') params.stop = [config.stop];
  return { params };
}

/**
 * A `function` prompt's renderer: promptfoo calls the file's function with `{ vars, provider }` and reads a
 * text result as it reads a rendered template, a list as the messages, `{ prompt }` as that prompt; a
 * returned `config` sets that call's parameters over the provider's, as promptfoo merges it.
 */
export function renderPromptfooFunction(p: PromptfooPrompt): (vars: Record<string, unknown>, affix?: PromptAffix, target?: RenderTarget) => Promise<RenderResult> {
  return async (vars, affix, target) => {
    if (affix?.prefix || affix?.suffix) return { error: { message: `a test's prefix and suffix apply to text prompts, not to the prompt function ${p.label}` } };
    const got = await promptFunctionValue(p, vars, target);
    if ('error' in got) return { error: { message: got.error } };
    let value = got.value;
    let params: ModelParams | undefined;
    if (isRecord(value) && 'config' in value && value.config !== undefined && value.config !== null) {
      const config = functionConfig(value.config, p.label);
      if ('error' in config) return config;
      params = config.params;
    }
    if (isRecord(value) && 'prompt' in value) value = value.prompt;
    const rendered = typeof value === 'string' ? readRenderedPrompt(value, p.label, false) : Array.isArray(value) ? messagesOf(value, p.label) : undefined;
    if (!rendered) return { error: { message: `prompt function ${p.label} must return text or a list of messages` } };
    return params && !('error' in rendered) ? { ...rendered, params } : rendered;
  };
}
