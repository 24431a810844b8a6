// The providers of a promptfoo config: ids, labels and `config` normalised into Assay's model.
import { parseModelRef } from '../assertions/providerRef';
import { isRecord } from '../assertions/valueUtils';
import type { ModelParams, ModelRef, Range } from '../types';
import { diagnostic } from './normalizeCase';
import { itemNodes, rangeOfNode, type Ctx } from './promptfooConfig';

/** A provider of the config, normalised. */
export interface PromptfooProvider {
  /** The id as written, e.g. `openai:chat:gpt-4o-mini`. */
  id: string;
  label: string;
  model: ModelRef;
  /** Generation parameters from `config` (temperature, max_tokens, top_p, stop, seed, response_format, tools, tool_choice). */
  params: ModelParams;
  /** `config.apiBaseUrl` (or `apiHost`): a workspace-chosen endpoint. Send it only a key that came from this same config. */
  apiBaseUrl?: string;
  /** `config.apiKeyEnvar`: the environment variable holding the key. */
  apiKeyEnvVar?: string;
  /** `config.stream`: stream the answer (time to first token is measured). */
  stream?: boolean;
  /** `config.apiKey` written in the config itself. A secret: non-enumerable, so serialising the provider leaves it out. */
  apiKey?: string;
  range?: Range;
}

const PARAM_KEYS = ['temperature', 'max_tokens', 'top_p', 'stop', 'seed', 'response_format', 'tools', 'tool_choice'] as const;
const CONFIG_KEYS = new Set<string>([...PARAM_KEYS, 'apiBaseUrl', 'apiHost', 'apiKey', 'apiKeyEnvar', 'stream']);

function providerFrom(id: string, label: string | undefined, config: unknown, range: Range | undefined, ctx: Ctx): PromptfooProvider | undefined {
  if (/^(file|exec|python|golang|http|https|ws|script):/.test(id) || /\.(m?js|cjs|ts|py)$/.test(id)) {
    ctx.diags.push(diagnostic(ctx.file, 'warning', 'unsupported', `custom provider "${id}" is not supported and is skipped`, range));
    return undefined;
  }
  const model = id === 'echo' ? { provider: 'echo', model: 'echo' } : parseModelRef(id);
  if ('error' in model) {
    ctx.diags.push(diagnostic(ctx.file, 'error', 'invalid-provider', model.error as string, range));
    return undefined;
  }
  const provider: PromptfooProvider = { id, label: label ?? id, model: model as ModelRef, params: {}, range };
  if (config !== undefined && !isRecord(config)) {
    ctx.diags.push(diagnostic(ctx.file, 'error', 'invalid-provider', `config of ${id} must be a mapping`, range));
    return provider;
  }
  const c = (config ?? {}) as Record<string, unknown>;
  const params = provider.params as Record<string, unknown>;
  for (const key of PARAM_KEYS) if (c[key] !== undefined) params[key] = key === 'stop' && typeof c.stop === 'string' ? [c.stop] : c[key];
  const base = c.apiBaseUrl ?? c.apiHost;
  if (typeof base === 'string') provider.apiBaseUrl = c.apiBaseUrl === undefined && !/^https?:\/\//.test(base) ? `https://${base}` : base;
  if (typeof c.apiKeyEnvar === 'string') provider.apiKeyEnvVar = c.apiKeyEnvar;
  if (typeof c.stream === 'boolean') provider.stream = c.stream;
  if (typeof c.apiKey === 'string' && c.apiKey !== '') {
    // Not enumerable: JSON.stringify, logging and structured clones (webviews, workers) leave it out.
    Object.defineProperty(provider, 'apiKey', { value: c.apiKey, enumerable: false, writable: false });
    ctx.diags.push(diagnostic(ctx.file, 'warning', 'inline-api-key', `${id} has an API key written in the config; prefer an environment variable (apiKeyEnvar)`, range));
  }
  const ignored = Object.keys(c).filter((k) => !CONFIG_KEYS.has(k));
  if (ignored.length > 0) ctx.diags.push(diagnostic(ctx.file, 'info', 'unsupported', `${id}: config ${ignored.join(', ')} not used by Assay`, range));
  return provider;
}

/** The `providers:` value of a config, normalised. */
export function loadPromptfooProviders(raw: unknown, node: unknown, ctx: Ctx): PromptfooProvider[] {
  if (raw === undefined || raw === null) {
    ctx.diags.push(diagnostic(ctx.file, 'error', 'missing-key', 'the config has no providers', undefined));
    return [];
  }
  const list = Array.isArray(raw) ? raw : [raw];
  const nodes = Array.isArray(raw) ? itemNodes(node) : [node];
  const out: PromptfooProvider[] = [];
  list.forEach((p, i) => {
    const range = rangeOfNode(nodes[i], ctx);
    let provider: PromptfooProvider | undefined;
    if (typeof p === 'string') provider = providerFrom(p, undefined, undefined, range, ctx);
    else if (isRecord(p) && typeof p.id === 'string') provider = providerFrom(p.id, typeof p.label === 'string' ? p.label : undefined, p.config, range, ctx);
    else if (isRecord(p) && Object.keys(p).length === 1 && isRecord(Object.values(p)[0])) {
      // promptfoo's map form: - openai:gpt-4o-mini: { config: {...}, label: ... }
      const [id, opts] = Object.entries(p)[0] as [string, Record<string, unknown>];
      provider = providerFrom(typeof opts.id === 'string' ? opts.id : id, typeof opts.label === 'string' ? opts.label : undefined, opts.config, range, ctx);
    } else ctx.diags.push(diagnostic(ctx.file, 'error', 'invalid-provider', 'a provider must be an id like openai:gpt-4o-mini or { id, label, config }', range));
    if (provider) out.push(provider);
  });
  return out;
}
