// What the model-graded assertion types share: which grader or embeddings model to use, promptfoo's way of
// loading and rendering a grader prompt (`rubricPrompt` included), one grader call with its cost, and
// promptfoo's tolerant readers of grader replies. The types only see the engine through `GradingContext`.
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { load as loadYaml } from 'js-yaml';
import nunjucks from 'nunjucks';
import { nunjucksRange, withRenderLimits } from '../template/templateLimits';
import { acceptsSamplingDefault } from '../models/modelChecks';
import type { ChatMessage, ChatRequest, ModelParams, ModelRef, Role, Usage } from '../types';
import type { AssertionInput, AssertionSpec, GraderCall, RawAssertionResult } from './assertionTypes';
import type { GraderMessage } from './graderPrompts';
import { formatModelRef, providerOption } from './providerRef';
import { isRecord } from './valueUtils';

/** What a grader provider is for, as promptfoo's `options.provider: { text, embedding, … }` names it. */
export type GraderUse = 'text' | 'embedding' | 'classification' | 'moderation';

export function errorResult(error: string, grader?: GraderCall): RawAssertionResult {
  return { pass: false, score: 0, reason: error, error, ...(grader ? { grader } : {}) };
}

export function textOf(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The `provider` that applies: the assertion's, else the test's `options.provider` (promptfoo's `getFinalTest`). */
function chosenProvider(spec: AssertionSpec, testOptions: Record<string, unknown> | undefined, use: GraderUse): unknown {
  const chosen = spec.provider ?? testOptions?.provider;
  // `{ text, embedding }` names one provider per use; a provider object has an `id`.
  if (isRecord(chosen) && !('id' in chosen)) return chosen[use];
  // A test's single grader is a chat model: it grades, it does not embed or moderate.
  return spec.provider === undefined && use !== 'text' ? undefined : chosen;
}

/** The model an assertion names for `use` (its `provider`, else the test's), or `undefined` (the default applies). */
export function providerFor(spec: AssertionSpec, testOptions: Record<string, unknown> | undefined, use: GraderUse): ModelRef | { error: string } | undefined {
  const p = providerOption(chosenProvider(spec, testOptions, use));
  return p && 'error' in p ? { error: p.error as string } : p;
}

/** The model for `use`, or `undefined` when none is named (the caller's default applies). */
export function namedModel(spec: AssertionSpec, input: AssertionInput, use: GraderUse): ModelRef | { error: string } | undefined {
  return providerFor(spec, input.test.options, use);
}

/** The grader chat model: the assertion's `provider`, else the test's `options.provider`, else the default grader. */
export function graderModel(spec: AssertionSpec, input: AssertionInput): ModelRef | { error: string } {
  return namedModel(spec, input, 'text') ?? input.context.graderModel;
}

/** Parameters a grader's own `config` sets (a promptfoo config's `{ id, config }` grader, resolved to `{ id, params }`). */
function graderParams(spec: AssertionSpec, input: AssertionInput): ModelParams {
  const chosen = chosenProvider(spec, input.test.options, 'text');
  return isRecord(chosen) && isRecord(chosen.params) ? (chosen.params as ModelParams) : {};
}

/** Configuration checks shared by the model-graded types: a value (unless `optional`) and a readable provider. */
export const checkGraded =
  (type: string, optional = false) =>
  (spec: AssertionSpec): string | undefined => {
    if (!optional && (spec.value === undefined || spec.value === null || spec.value === '')) return `"${type}" needs a value`;
    const p = providerOption(isRecord(spec.provider) && !('id' in spec.provider) ? undefined : spec.provider);
    return p && 'error' in p ? (p.error as string) : undefined;
  };

/** The prompt that produced the output as promptfoo passes it to graders: the text, or a chat's messages as JSON. */
export function promptText(input: AssertionInput): string {
  const messages = input.request?.messages;
  if (!messages || messages.length === 0) return JSON.stringify(input.vars);
  if (messages.length === 1 && messages[0].role === 'user') return messages[0].content;
  return JSON.stringify(messages.map((m) => ({ role: m.role, content: m.content })));
}

/** promptfoo's `tryParse`: a JSON text as its value, anything else as it is. */
export function tryParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * The grader prompt template as promptfoo's `loadRubricPrompt` leaves it: the `rubricPrompt` override (the
 * assertion's, else the test's `options.rubricPrompt`; a `file://` text file; a message list as JSON), else
 * `defaults` (a message list as JSON, or a plain template).
 */
export function rubricTemplate(spec: AssertionSpec, input: AssertionInput, defaults: GraderMessage[] | string, own?: unknown): string | { error: string } {
  const custom = own !== undefined ? own : (spec.rubricPrompt ?? input.test.options?.rubricPrompt);
  const fallback = typeof defaults === 'string' ? defaults : JSON.stringify(defaults);
  if (custom === undefined || custom === null || custom === '') return fallback;
  if (isRecord(custom) && Object.keys(custom).length === 0) return fallback;
  if (typeof custom === 'string' && custom.startsWith('file://')) {
    const path = custom.slice('file://'.length);
    if (/\.(c|m)?[jt]s$/.test(path)) return { error: `rubricPrompt ${custom}: a JavaScript rubric prompt is not supported; use a text, JSON or YAML file` };
    try {
      return readFileSync(isAbsolute(path) ? path : resolve(input.baseDir ?? process.cwd(), path), 'utf8');
    } catch (e) {
      return { error: `rubricPrompt ${custom} cannot be read: ${(e as Error).message}` };
    }
  }
  return typeof custom === 'string' ? custom : JSON.stringify(custom);
}

const env = new nunjucks.Environment(null, { autoescape: false, throwOnUndefined: false });
env.addFilter('load', (s: string) => JSON.parse(s) as unknown);
env.addGlobal('range', nunjucksRange);

/** Variables as promptfoo hands them to a grader template: objects as their JSON, lists of objects item by item. */
function templateVars(vars: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(vars)) {
    if (Array.isArray(v)) out[k] = v.map((item) => (item && typeof item === 'object' ? JSON.stringify(item) : item));
    else out[k] = v && typeof v === 'object' ? JSON.stringify(v) : v;
  }
  return out;
}

/** promptfoo's `renderLlmRubricPrompt`: a JSON template has each of its strings rendered; anything else is one template. */
export function renderGraderPrompt(template: string, vars: Record<string, unknown>): string {
  const context = templateVars(vars);
  try {
    return JSON.stringify(JSON.parse(template, (_k, v: unknown) => (typeof v === 'string' ? withRenderLimits(() => env.renderString(v, context)) : v)));
  } catch {
    return withRenderLimits(() => env.renderString(template, context));
  }
}

const ROLES = new Set(['system', 'user', 'assistant']);

/** The messages a chat provider sends for a rendered grader prompt (promptfoo's `parseChatPrompt`): a JSON or YAML message list, else one user message. */
export function graderMessages(prompt: string): ChatMessage[] {
  let list: unknown;
  try {
    list = prompt.trim().startsWith('- role:') ? loadYaml(prompt) : JSON.parse(prompt);
  } catch {
    list = undefined;
  }
  if (Array.isArray(list) && list.length > 0 && list.every((m) => isRecord(m) && typeof m.role === 'string')) {
    return list.map((m: Record<string, unknown>) => ({ role: (ROLES.has(String(m.role)) ? m.role : 'user') as Role, content: textOf(m.content ?? '') }));
  }
  return [{ role: 'user', content: prompt }];
}

/** Sums the cost of the grader calls one assertion made. */
export class GraderTally {
  private call: GraderCall | undefined;

  add(model: ModelRef, usage: Usage | null, cost: number | null, latencyMs: number): GraderCall {
    const prev = this.call;
    this.call = prev
      ? { model: prev.model, usage: addUsage(prev.usage, usage), cost: prev.cost === null || cost === null ? null : prev.cost + cost, latencyMs: prev.latencyMs + latencyMs }
      : { model, usage, cost, latencyMs };
    return this.call;
  }

  get total(): GraderCall | undefined {
    return this.call;
  }
}

function addUsage(a: Usage | null, b: Usage | null): Usage | null {
  if (!a || !b) return a ?? b;
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cachedInputTokens: a.cachedInputTokens + b.cachedInputTokens,
    cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens,
    reasoningTokens: a.reasoningTokens + b.reasoningTokens,
  };
}

/** A grader's answer, or why there is none. */
export type GraderReply = { text: string; grader: GraderCall } | { error: string; grader?: GraderCall };

/** Sends one rendered grader prompt to the grader model; the cost goes to `tally` when given. */
export async function askGrader(spec: AssertionSpec, input: AssertionInput, prompt: string, tally = new GraderTally()): Promise<GraderReply> {
  const model = graderModel(spec, input);
  if ('error' in model) return { error: model.error };
  const params = graderParams(spec, input);
  // Graders run at temperature 0, except on models the catalog says would reject it (gpt-5.5 at its default effort).
  const request: ChatRequest = { model, messages: graderMessages(prompt), params: { ...(acceptsSamplingDefault(model, params) ? { temperature: 0 } : {}), ...params } };
  const result = await input.context.grade(request, input.signal);
  const grader = tally.add(model, result.usage, result.cost, result.latencyMs);
  if (result.error) return { error: `grader ${formatModelRef(model)} failed: ${result.error.message}`, grader };
  // promptfoo treats an empty answer as a failed call ("No output").
  if (result.text === '') return { error: `grader ${formatModelRef(model)} answered nothing`, grader };
  return { text: result.text, grader };
}

/** Renders `template` (promptfoo's rules) and asks the grader. */
export async function gradeWith(spec: AssertionSpec, input: AssertionInput, template: string | { error: string }, vars: Record<string, unknown>, tally?: GraderTally): Promise<GraderReply> {
  if (typeof template !== 'string') return template;
  return askGrader(spec, input, renderGraderPrompt(template, vars), tally);
}

/**
 * The JSON objects in a grader reply, in order, as promptfoo's `extractJsonObjects` finds them: from each
 * `{`, the shortest balanced (or, at the end of the text, auto-closed) span that parses as a JSON/YAML flow
 * object; the scan goes on after it.
 */
export function extractJsonObjects(text: string): Record<string, unknown>[] {
  const found: Record<string, unknown>[] = [];
  const maxLength = 100_000;
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '{') continue;
    let open = 1;
    let close = 0;
    let j = i + 1;
    while (j < Math.min(i + maxLength, text.length) && open > close) {
      if (text[j] === '{') open++;
      if (text[j] === '}') close++;
      j++;
      if (open !== close && j !== text.length && j !== i + maxLength) continue;
      const candidate = text.slice(i, j) + '}'.repeat(Math.max(0, open - close));
      const value = loadFlow(candidate);
      if (isRecord(value)) {
        found.push(value);
        i = j - 1;
        break;
      }
      if (open === close) break;
    }
  }
  return found;
}

function loadFlow(text: string): unknown {
  try {
    return loadYaml(slashCommentsToHash(text), { json: true });
  } catch {
    return undefined;
  }
}

/**
 * promptfoo's reading of `// comments` in a grader's JSON: outside quotes, a `//` that is not part of a URL
 * starts a YAML comment (`#`). Single quotes count as quotes except as apostrophes inside a word.
 */
export function slashCommentsToHash(text: string): string {
  return text.split('\n').map(commentLine).join('\n');
}

function commentLine(line: string): string {
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    const escaped = quote !== undefined && /(^|[^\\])(\\\\)*\\$/.test(line.slice(0, i));
    if (quote === '"') {
      if (c === '"' && !escaped) quote = undefined;
    } else if (quote === "'") {
      if (c === "'" && !escaped && !/[a-zA-Z]/.test(line[i + 1] ?? '')) quote = undefined;
    } else if (c === '"') quote = '"';
    else if (c === "'" && !/[a-zA-Z]/.test(line[i - 1] ?? '')) quote = "'";
    else if (c === '/' && line[i + 1] === '/') {
      const tokenStart = line.slice(0, i).search(/\S*$/);
      if (line.slice(tokenStart, i + 2).includes('://')) {
        i++; // a URL's `//`: the scan goes on after it
        continue;
      }
      let slashes = 2;
      while (line[i + slashes] === '/') slashes++;
      return line.slice(0, i) + '#'.repeat(Math.floor(slashes / 2)) + line.slice(i + slashes);
    }
  }
  return line;
}

/** promptfoo's `splitIntoSentences`: the non-blank lines. */
export function splitLines(text: string): string[] {
  return text.split('\n').filter((s) => s.trim() !== '');
}

/** promptfoo's `splitTextIntoSentences`: several lines are one unit each; one block is split after `.`, `!`, `?`. */
export function splitSentences(text: string): string[] {
  const lines = splitLines(text);
  return (lines.length > 1 ? lines : text.split(/(?<=[.!?])\s+/)).map((s) => s.trim()).filter((s) => s.length > 0 && !/^\d+[.)]$/.test(s));
}

/** A 0…1 threshold as promptfoo compares it (a hair of tolerance below the bound). */
export function atLeast(score: number, threshold: number): boolean {
  return score >= threshold - Number.EPSILON;
}
