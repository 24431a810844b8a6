// The providers of a promptfoo config (`providers:` / `targets:`, and graders named in `options.provider`):
// ids resolved to the endpoint, model and key variables promptfoo itself would use. What Assay cannot run
// exactly is an error diagnostic: never a skipped provider, never another model in its place.
import { dirname, isAbsolute, resolve } from 'node:path';
import { isRecord } from '../assertions/valueUtils';
import { readTextFile } from '../files/safeFiles';
import { parseYamlLimited } from '../files/yamlLimits';
import { customProviderConfig } from '../providers/customProviderSpec';
import type { OllamaSpec, ProviderConfig, ProviderKind } from '../providers/providerTypes';
import type { ModelParams, ModelRef, OpenAiApi, Range } from '../types';
import { diagnostic } from './normalizeCase';
import { itemNodes, rangeOfNode, type Ctx } from './promptfooConfig';
import { NOT_PROMPTFOO_IDS, PROMPTFOO_VENDORS, vendorOf, type ApiKindUse, type PromptfooVendor } from './promptfooVendors';

/** Where a provider's calls go and which variables hold its key, before the environment is read. */
export interface PromptfooEndpoint {
  /** The vendor's id (`openai`, `groq`, `azure`…). */
  vendor: string;
  kind: ProviderKind;
  /** Base URL candidates in promptfoo's order: values the config wrote, and variables to read. */
  baseUrl: ({ value: string } | { env: string; host?: boolean })[];
  defaultBaseUrl?: string;
  /** Appended to a host name (`apiHost`, `OPENAI_API_HOST`): `https://HOST` + this. */
  hostSuffix: string;
  /** For Ollama: which native API, and the config promptfoo sends from. */
  ollama?: OllamaSpec;
  /** Variables that may hold the key, first set wins; empty for a keyless server. */
  keyEnv: string[];
  keyRequired: boolean;
  apiVersion?: string;
  headers?: Record<string, string>;
}

/** A provider of the config, resolved. */
export interface PromptfooProvider {
  /** The id as written, e.g. `openai:chat:gpt-5.5`. */
  id: string;
  label: string;
  /** The vendor and the model (`{ provider: 'groq', model: 'llama-3.3-70b-versatile' }`). */
  model: ModelRef;
  /** A chat model, or an embeddings model (usable only by `similar`). */
  use: 'chat' | 'embedding';
  /** Generation parameters from `config` (temperature, max_tokens, top_p, stop, seed, response_format, tools, tool_choice). */
  params: ModelParams;
  endpoint: PromptfooEndpoint;
  /** `config.apiBaseUrl` (or `apiHost`) as written. */
  apiBaseUrl?: string;
  /** `config.apiKeyEnvar`: the environment variable holding the key. */
  apiKeyEnvVar?: string;
  /** `config.stream`: stream the answer (time to first token is measured). */
  stream?: boolean;
  /** The provider's `prompts:`: labels or ids of the prompts it runs (all when absent). */
  prompts?: string[];
  /** `config.apiKey` written in the config itself. A secret: non-enumerable, so serialising the provider leaves it out. */
  apiKey?: string;
  /** promptfoo's own kinds (http, exec:, file:// scripts): the endpoint that runs them (src/core/providers/customProviderSpec.ts). */
  custom?: Omit<ProviderConfig, 'name'>;
  range?: Range;
}

const PARAM_KEYS = [
  'temperature', 'max_tokens', 'top_p', 'stop', 'seed', 'response_format', 'tools', 'tool_choice',
  'frequency_penalty', 'presence_penalty', 'max_completion_tokens', 'reasoning_effort', 'verbosity', 'thinking', 'effort', 'showThinking',
] as const;
/** What the OpenAI-compatible vendors' config may hold; anything else would change the request and is refused. */
/** Parameters only the Anthropic provider sends. */
const ANTHROPIC_ONLY: readonly string[] = ['thinking', 'effort', 'showThinking'];
const OPENAI_CONFIG_KEYS = [...PARAM_KEYS.filter((k) => !ANTHROPIC_ONLY.includes(k)), 'apiBaseUrl', 'apiHost', 'apiKey', 'apiKeyEnvar', 'stream', 'headers'];
/** Chat keys promptfoo's Responses provider (openai:responses:) does not send: ignored there, so ignored here. */
const RESPONSES_IGNORED = new Set(['stop', 'seed', 'frequency_penalty', 'presence_penalty', 'max_tokens', 'max_completion_tokens']);
/** What an openai:responses: config may hold: the chat keys it sends, plus `reasoning: { effort, summary }`, `max_output_tokens`, `instructions` and `store`. */
const RESPONSES_CONFIG_KEYS = [...OPENAI_CONFIG_KEYS.filter((k) => !RESPONSES_IGNORED.has(k)), 'reasoning', 'max_output_tokens', 'instructions', 'store'];
/** Provider kinds customProviderConfig did not take (golang:, ruby:, ws:…): none of them can run. */
const CUSTOM_PROVIDER = /^(file|exec|python|golang|ruby|http|https|ws|wss|script|package):|\.(m?js|cjs|ts|py|rb|go)$/i;

/** An id split into vendor, API kind and model, or why it cannot run. */
export type ParsedProviderId =
  /** `api`: chat completions, the Responses API (OpenAI), or a completion API (Ollama's /api/generate) for a model that still answers prompts. */
  | { vendor: PromptfooVendor; model: string; use: 'chat' | 'embedding'; api: OpenAiApi | 'completion' }
  | { error: string; code: 'unknown-provider' | 'unsupported-provider' | 'invalid-provider' };

function knownIds(): string {
  return PROMPTFOO_VENDORS.flatMap((v) => v.ids).join(', ');
}

/** Resolves a provider id as promptfoo's registry does, for the vendors Assay runs. */
export function parsePromptfooProviderId(id: string): ParsedProviderId {
  const trimmed = id.trim();
  if (trimmed === 'echo') return { error: 'echo', code: 'invalid-provider' };
  if (CUSTOM_PROVIDER.test(trimmed)) {
    return { code: 'unsupported-provider', error: `provider "${id}" is not supported: Assay runs model APIs (${knownIds()}), echo, http(s), exec: and file:// JavaScript, TypeScript and Python providers` };
  }
  const colon = trimmed.indexOf(':');
  const prefix = (colon < 0 ? trimmed : trimmed.slice(0, colon)).toLowerCase();
  const rest = colon < 0 ? '' : trimmed.slice(colon + 1);
  const vendor = vendorOf(prefix);
  if (!vendor) {
    const hint = NOT_PROMPTFOO_IDS[prefix];
    if (hint) return { code: 'unknown-provider', error: `unknown provider "${id}": ${hint}` };
    if (colon < 0) return { code: 'invalid-provider', error: `"${id}" is not a provider id: expected vendor:model, e.g. openai:gpt-5.5` };
    return { code: 'unknown-provider', error: `unknown provider "${id}": Assay runs ${knownIds()} and echo; it never runs another model in its place` };
  }
  const next = rest.indexOf(':');
  const first = next < 0 ? rest : rest.slice(0, next);
  const kind = vendor.apiKinds[first.toLowerCase()];
  let model = rest;
  let api: ApiKindUse = vendor.bareKind ?? 'chat';
  if (kind !== undefined) {
    if (typeof kind === 'object') return { code: 'unsupported-provider', error: `${id}: ${kind.refuse}` };
    api = kind;
    model = next < 0 ? '' : rest.slice(next + 1);
  }
  const use = api === 'embedding' ? 'embedding' : 'chat';
  if (model === '') model = (kind !== undefined ? vendor.kindDefaultModels?.[kind] : undefined) ?? vendor.defaultModel ?? '';
  if (model === '') return { code: 'invalid-provider', error: `"${id}" names no model: expected e.g. ${vendor.ids[0]}:${vendor.ids[0] === 'azure' ? 'chat:DEPLOYMENT' : 'MODEL'}` };
  if (api === 'responses' || (kind === undefined && vendor.bareResponsesModels?.includes(model))) return { vendor, model, use, api: 'responses' };
  return { vendor, model, use, api: api === 'completion' ? 'completion' : 'chat' };
}

/** The config keys a vendor's provider sends (through the Responses API when `api` says so). */
function allowedKeys(vendor: PromptfooVendor, api: OpenAiApi | 'completion'): Set<string> {
  return new Set(api === 'responses' ? RESPONSES_CONFIG_KEYS : (vendor.configKeys ?? OPENAI_CONFIG_KEYS));
}

/**
 * `passthrough: { logprobs: true }`, how a promptfoo user gets token logprobs for `perplexity` (promptfoo
 * never asks for them itself): the one passthrough Assay sends, on OpenAI-compatible chat completions.
 */
function isLogprobsPassthrough(value: unknown): boolean {
  return isRecord(value) && Object.keys(value).length === 1 && value.logprobs === true;
}

/** openai:responses: `reasoning: { effort, summary }` and `max_output_tokens` as Assay's parameters, or why not. */
function responsesParams(c: Record<string, unknown>, params: Record<string, unknown>, id: string): string | undefined {
  const reasoning = c.reasoning;
  if (reasoning !== undefined) {
    if (!isRecord(reasoning) || Object.keys(reasoning).some((k) => k !== 'effort' && k !== 'summary') || Object.values(reasoning).some((v) => typeof v !== 'string')) {
      return `${id}: config.reasoning must be { effort, summary } with string values`;
    }
    if (reasoning.effort !== undefined) params.reasoning_effort = reasoning.effort;
    if (reasoning.summary !== undefined) params.reasoning_summary = reasoning.summary;
  }
  if (c.max_output_tokens !== undefined) params.max_tokens = c.max_output_tokens;
  // promptfoo sends `instructions` as written (no template rendering) and `store` as a boolean whenever the key is there.
  if (c.instructions !== undefined) {
    if (typeof c.instructions !== 'string') return `${id}: config.instructions must be text`;
    if (c.instructions !== '') params.instructions = c.instructions;
  }
  if ('store' in c) params.store = Boolean(c.store);
  params.api = 'responses';
  return undefined;
}

/** What reading one provider needs: where it is written, and where problems go. */
interface ProviderSource {
  file: string;
  /** The folder relative paths (scripts, commands) resolve against; the config file's by default. */
  baseDir?: string;
  range?: Range;
  diags: Ctx['diags'];
  /** `graders` for `options.provider`: an embeddings model is fine there. */
  role: 'target' | 'grader' | 'embedding';
}

function err(src: ProviderSource, code: string, message: string): void {
  src.diags.push(diagnostic(src.file, 'error', code, message, src.range));
}

/** One provider from its id, label and `config`; `undefined` (with an error) when it cannot run exactly. */
export function promptfooProviderFrom(id: string, label: string | undefined, config: unknown, src: ProviderSource): PromptfooProvider | undefined {
  // promptfoo's own kinds: http(s), exec:, file:// JavaScript/TypeScript/Python, echo.
  const custom = customProviderConfig(id, config, src.baseDir ?? dirname(src.file));
  if (custom && 'error' in custom) {
    err(src, 'invalid-provider', custom.error);
    return undefined;
  }
  if (custom) {
    const kind = custom.config.kind;
    return {
      id,
      label: label ?? id,
      model: { provider: kind, model: custom.model },
      use: 'chat',
      params: {},
      endpoint: { vendor: kind, kind, baseUrl: [], ...(kind === 'http' ? { defaultBaseUrl: custom.config.custom!.target } : {}), hostSuffix: '', keyEnv: [], keyRequired: false },
      custom: custom.config,
      ...(src.range ? { range: src.range } : {}),
    };
  }
  if (id.trim() === 'echo') {
    const echo: PromptfooProvider = {
      id,
      label: label ?? id,
      model: { provider: 'echo', model: 'echo' },
      use: 'chat',
      params: {},
      endpoint: { vendor: 'echo', kind: 'echo', baseUrl: [], hostSuffix: '', keyEnv: [], keyRequired: false },
      ...(src.range ? { range: src.range } : {}),
    };
    return echo;
  }
  const parsed = parsePromptfooProviderId(id);
  if ('error' in parsed) {
    err(src, parsed.code, parsed.error);
    return undefined;
  }
  const { vendor, model, use, api } = parsed;
  if (use === 'embedding' && src.role === 'target') {
    err(src, 'unsupported-provider', `${id} is an embeddings model: it can grade \`similar\` (options.provider.embedding) but not answer prompts`);
    return undefined;
  }
  if (config !== undefined && config !== null && !isRecord(config)) {
    err(src, 'invalid-provider', `config of ${id} must be a mapping`);
    return undefined;
  }
  const c = { ...(config ?? {}) } as Record<string, unknown>;
  const allowed = allowedKeys(vendor, api);
  const ignored: string[] = [];
  const refused: string[] = [];
  const logprobs = api === 'chat' && vendor.configKeys === undefined && isLogprobsPassthrough(c.passthrough);
  for (const k of Object.keys(c)) {
    if (allowed.has(k) || (k === 'passthrough' && logprobs)) continue;
    if (api === 'responses' && RESPONSES_IGNORED.has(k)) {
      ignored.push(k);
      continue;
    }
    if ((vendor.promptfooKeys && !vendor.promptfooKeys.includes(k)) || vendor.unreadKeys?.includes(k)) ignored.push(k);
    else refused.push(k);
  }
  // Endpoint settings a vendor's promptfoo provider overrides: promptfoo ignores them, and so does Assay.
  for (const key of ['apiBaseUrl', 'apiHost'] as const) {
    if (c[key] !== undefined && allowed.has(key) && !vendor.baseUrl.some((s) => 'config' in s && s.config === key)) ignored.push(key);
  }
  if (c.apiKeyEnvar !== undefined && allowed.has('apiKeyEnvar') && !vendor.honoursApiKeyEnvar) ignored.push('apiKeyEnvar');
  if (refused.length > 0) {
    const them = refused.length === 1 ? 'it' : 'them';
    err(src, 'unsupported-config', `${id}: config ${refused.join(', ')} ${refused.length === 1 ? 'is' : 'are'} not supported, and running without ${them} would not be the same request; remove ${them} or run this config with promptfoo`);
    return undefined;
  }
  if (ignored.length > 0) {
    src.diags.push(
      diagnostic(src.file, 'warning', 'ignored-config', `${id}: promptfoo's ${vendor.ids[0]} provider ignores config ${ignored.join(', ')}, and so does Assay`, src.range),
    );
    for (const k of ignored) delete c[k];
  }
  const params: Record<string, unknown> = { ...vendor.defaultParams };
  for (const key of PARAM_KEYS) if (c[key] !== undefined) params[key] = key === 'stop' && typeof c.stop === 'string' ? [c.stop] : c[key];
  if (logprobs) params.logprobs = true;
  // promptfoo's Anthropic provider puts the thinking into the output unless `showThinking: false`.
  if (vendor.kind === 'anthropic' && params.thinking !== undefined && params.showThinking === undefined) params.showThinking = true;
  // promptfoo's LocalAI provider sends `config.temperature || 0.7`: a temperature of 0 is sent as 0.7.
  if (vendor.ids[0] === 'localai' && !c.temperature) params.temperature = 0.7;
  const responsesProblem = api === 'responses' ? responsesParams(c, params, id) : undefined;
  if (responsesProblem) {
    err(src, 'invalid-provider', responsesProblem);
    return undefined;
  }

  const endpoint: PromptfooEndpoint = {
    vendor: vendor.ids[0]!,
    kind: vendor.kind,
    baseUrl: [],
    hostSuffix: vendor.hostSuffix ?? '/v1',
    keyEnv: vendor.keyEnv,
    keyRequired: vendor.keyRequired,
  };
  if (vendor.kind === 'ollama') endpoint.ollama = { api: api === 'completion' ? 'generate' : 'chat', config: c };
  if (vendor.defaultBaseUrl) endpoint.defaultBaseUrl = vendor.defaultBaseUrl;
  for (const source of vendor.baseUrl) {
    if ('env' in source) endpoint.baseUrl.push(source.host ? { env: source.env, host: true } : { env: source.env });
    else {
      const v = c[source.config];
      if (typeof v !== 'string' || v.trim() === '') continue;
      const value = source.config === 'apiHost' ? `https://${v.trim().replace(/^https?:\/\//, '').replace(/\/+$/, '')}${endpoint.hostSuffix}` : v.trim();
      endpoint.baseUrl.push({ value });
    }
  }
  if (typeof c.apiKeyEnvar === 'string' && c.apiKeyEnvar !== '') endpoint.keyEnv = [c.apiKeyEnvar];
  if (typeof c.apiVersion === 'string') endpoint.apiVersion = c.apiVersion;
  if (c.headers !== undefined) {
    if (!isRecord(c.headers) || !Object.values(c.headers).every((v) => typeof v === 'string')) {
      err(src, 'invalid-provider', `${id}: config.headers must map header names to strings`);
      return undefined;
    }
    endpoint.headers = c.headers as Record<string, string>;
  }
  if (vendor.kind === 'azure-openai' && endpoint.baseUrl.length === 0 && !vendor.baseUrl.some((s) => 'env' in s)) {
    err(src, 'invalid-provider', `${id}: no Azure endpoint: ${vendor.note ?? ''}`);
    return undefined;
  }

  const provider: PromptfooProvider = { id, label: label ?? id, model: { provider: vendor.ids[0]!, model }, use, params: params as ModelParams, endpoint };
  if (src.range) provider.range = src.range;
  const base = c.apiBaseUrl ?? c.apiHost;
  if (typeof base === 'string') provider.apiBaseUrl = c.apiBaseUrl === undefined ? `https://${base.replace(/^https?:\/\//, '')}${endpoint.hostSuffix}` : base;
  if (typeof c.apiKeyEnvar === 'string') provider.apiKeyEnvVar = c.apiKeyEnvar;
  if (typeof c.stream === 'boolean') provider.stream = c.stream;
  if (typeof c.apiKey === 'string' && c.apiKey !== '') {
    // Not enumerable: JSON.stringify, logging and structured clones (webviews, workers) leave it out.
    Object.defineProperty(provider, 'apiKey', { value: c.apiKey, enumerable: false, writable: false });
    src.diags.push(diagnostic(src.file, 'warning', 'inline-api-key', `${id} has an API key written in the config; prefer an environment variable (apiKeyEnvar)`, src.range));
  }
  return provider;
}

/** The `prompts:` of a provider entry: which prompts it runs. */
function providerPrompts(value: unknown, id: string, src: ProviderSource): string[] | undefined | false {
  if (value === undefined || value === null) return undefined;
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || !list.every((p) => typeof p === 'string')) {
    err(src, 'invalid-provider', `${id}: prompts must be a list of prompt labels or ids`);
    return false;
  }
  return list as string[];
}

/** One entry of `providers:`: an id, `{ id, label, config, prompts }`, or the map form `{ ID: { … } }`. */
function providerEntry(p: unknown, src: ProviderSource): PromptfooProvider | undefined {
  let id: string | undefined;
  let opts: Record<string, unknown> = {};
  if (typeof p === 'string') id = p;
  else if (isRecord(p) && typeof p.id === 'string') {
    id = p.id;
    opts = p;
  } else if (isRecord(p) && Object.keys(p).length === 1 && isRecord(Object.values(p)[0])) {
    // promptfoo's map form: - openai:gpt-5.5: { config: {...}, label: ... }
    const [key, value] = Object.entries(p)[0] as [string, Record<string, unknown>];
    id = typeof value.id === 'string' ? value.id : key;
    opts = value;
  } else if (isRecord(p) && typeof p.label === 'string') {
    err(src, 'invalid-provider', `provider "${p.label}" has no id: write id: openai:gpt-5.5 (or a file:// provider)`);
    return undefined;
  } else {
    err(src, 'invalid-provider', 'a provider must be an id like openai:gpt-5.5 or { id, label, config }');
    return undefined;
  }
  const known = new Set(['id', 'label', 'config', 'prompts', 'delay', 'transform']);
  const extra = Object.keys(opts).filter((k) => !known.has(k) && k !== 'env');
  if (extra.length > 0 || opts.env !== undefined || opts.delay !== undefined || opts.transform !== undefined) {
    const keys = [...extra, ...['env', 'delay', 'transform'].filter((k) => opts[k] !== undefined)];
    err(src, 'unsupported-config', `${id}: ${keys.join(', ')} on a provider ${keys.length === 1 ? 'is' : 'are'} not supported yet; remove ${keys.length === 1 ? 'it' : 'them'} or run this config with promptfoo`);
    return undefined;
  }
  const prompts = providerPrompts(opts.prompts, id, src);
  if (prompts === false) return undefined;
  const provider = promptfooProviderFrom(id, typeof opts.label === 'string' ? opts.label : undefined, opts.config, src);
  if (provider && prompts) provider.prompts = prompts;
  return provider;
}

const PROVIDER_FILE = /^file:\/\/.+\.(ya?ml|json)$/i;

/** The providers a `file://….yaml|json` entry holds; problems are reported where the entry is written. */
function providersFromFile(ref: string, ctx: Ctx, src: ProviderSource): unknown[] {
  const rel = ref.slice('file://'.length);
  const read = readTextFile(isAbsolute(rel) ? rel : resolve(ctx.baseDir, rel), ctx.files, rel);
  if ('error' in read) {
    err(src, read.error.code, `provider file ${rel}: ${read.error.message}`);
    return [];
  }
  const parsed = parseYamlLimited(read.text);
  if ('error' in parsed) {
    err(src, 'invalid-provider', `${rel}: ${parsed.error}`);
    return [];
  }
  const value = parsed.value;
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 || list.some((p) => typeof p !== 'string' && !isRecord(p))) {
    err(src, 'invalid-provider', `${rel} must hold a provider ({ id, label, config }) or a list of them`);
    return [];
  }
  return list;
}

/** The `providers:` (or `targets:`) value of a config. Every entry that cannot run exactly is an error. */
export function loadPromptfooProviders(raw: unknown, node: unknown, ctx: Ctx): PromptfooProvider[] {
  if (raw === undefined || raw === null) {
    ctx.diags.push(diagnostic(ctx.file, 'error', 'missing-key', 'the config has no providers: name at least one, e.g. providers: [openai:gpt-5.5]', undefined));
    return [];
  }
  const list = Array.isArray(raw) ? raw : [raw];
  const nodes = Array.isArray(raw) ? itemNodes(node) : [node];
  if (list.length === 0) ctx.diags.push(diagnostic(ctx.file, 'error', 'missing-key', 'the providers list is empty: name at least one, e.g. openai:gpt-5.5', rangeOfNode(node, ctx)));
  const out: PromptfooProvider[] = [];
  list.forEach((p, i) => {
    const range = rangeOfNode(nodes[i], ctx);
    const src: ProviderSource = { file: ctx.file, baseDir: ctx.baseDir, diags: ctx.diags, role: 'target', ...(range ? { range } : {}) };
    // `file://providers.yaml`: a provider, or a list of them, kept in a file of its own.
    const entries = typeof p === 'string' && PROVIDER_FILE.test(p) ? providersFromFile(p, ctx, src) : [p];
    for (const entry of entries) {
      const provider = providerEntry(entry, src);
      if (provider) out.push(provider);
    }
  });
  return out;
}

/**
 * A grader named in `options.provider` or an assertion's `provider`: an id, or `{ id, config }`. `role`
 * says whether an embeddings model is expected. Problems go to `diags`.
 */
export function promptfooGraderFrom(value: unknown, role: 'grader' | 'embedding', src: Omit<ProviderSource, 'role'>): PromptfooProvider | undefined {
  const s: ProviderSource = { ...src, role };
  if (typeof value === 'string') return promptfooProviderFrom(value, undefined, undefined, s);
  if (isRecord(value) && typeof value.id === 'string') return promptfooProviderFrom(value.id, typeof value.label === 'string' ? value.label : undefined, value.config, s);
  err(s, 'invalid-provider', 'a grader provider must be an id like openai:gpt-5.5 or { id, config }');
  return undefined;
}

/** A provider's endpoint with the environment read: where calls go and which variables may hold the key. */
export interface ResolvedEndpoint {
  kind: ProviderKind;
  baseUrl?: string;
  /** Variables tried in order. */
  keyEnv: string[];
  keyRequired: boolean;
  apiVersion?: string;
  headers?: Record<string, string>;
  /** The variable (or config key) the base URL came from, for `--list`. */
  baseUrlFrom: string;
  ollama?: OllamaSpec;
}

/** Reads the environment for `endpoint` as promptfoo does: the first base URL candidate that is set wins. */
export function resolveEndpoint(endpoint: PromptfooEndpoint, env: Record<string, string | undefined>): ResolvedEndpoint | { error: string } {
  let baseUrl: string | undefined;
  let from = 'default';
  for (const source of endpoint.baseUrl) {
    if ('value' in source) {
      baseUrl = source.value;
      from = 'config';
      break;
    }
    const v = env[source.env]?.trim();
    if (!v) continue;
    baseUrl = source.host ? `https://${v.replace(/^https?:\/\//, '').replace(/\/+$/, '')}${endpoint.hostSuffix}` : v;
    from = source.env;
    break;
  }
  baseUrl ??= endpoint.defaultBaseUrl;
  if (baseUrl === undefined && endpoint.kind === 'azure-openai') {
    return { error: `no Azure endpoint: set config.apiHost (e.g. NAME.openai.azure.com) or ${endpoint.baseUrl.flatMap((s) => ('env' in s ? [s.env] : [])).join(', ')}` };
  }
  const out: ResolvedEndpoint = { kind: endpoint.kind, keyEnv: endpoint.keyEnv, keyRequired: endpoint.keyRequired, baseUrlFrom: from };
  if (baseUrl !== undefined) out.baseUrl = baseUrl.replace(/\/+$/, '');
  if (endpoint.apiVersion !== undefined) out.apiVersion = endpoint.apiVersion;
  if (endpoint.ollama !== undefined) out.ollama = endpoint.ollama;
  if (endpoint.headers !== undefined) out.headers = endpoint.headers;
  return out;
}
