// The model catalog (catalog.json) as typed data: prices, context windows, capabilities and lifecycle of
// OpenAI and Anthropic models, each with its dated sources. Pricing, the prompt-file checks and model
// completion all read this one file; nothing about a particular model is written in code.
import raw from './catalog.json';

/** Where a model is in its provider's lifecycle; `unknown` when no source read this session says. */
export type ModelStatus = 'active' | 'legacy' | 'deprecated' | 'retired' | 'unknown';

/**
 * Which sampling parameters (`temperature`, `top_p`) a model accepts: `always`; `effort-none` (only with
 * reasoning effort `none`); `never` (only the default). Absent: not known, so not checked.
 */
export type SamplingSupport = 'always' | 'effort-none' | 'never';

/** What a model accepts. Every field is optional: absent means not known, and is never checked. */
export interface ModelCapabilities {
  /** The OpenAI APIs that serve it. */
  apis?: ('chat' | 'responses')[];
  /** The reasoning effort values it accepts (`reasoning_effort` / `reasoning.effort` / Anthropic's effort). */
  reasoningEffort?: string[];
  /** The effort it uses when the request sets none. */
  defaultEffort?: string;
  sampling?: SamplingSupport;
  /** Whether it takes `verbosity` (`text.verbosity` in the Responses API). */
  verbosity?: boolean;
  structuredOutputs?: boolean;
  imagesIn?: boolean;
  tools?: boolean;
  /** Anthropic's thinking: `extended`, `adaptive` or `adaptive-always`. */
  thinking?: string;
}

/** USD per 1M tokens, standard tier. */
export interface CatalogPrice {
  input: number;
  output: number;
  /** Prompt tokens read from the cache. */
  cachedInput?: number;
  /** Prompt tokens written to the cache (Anthropic's 5-minute TTL). */
  cacheWrite?: number;
  /** Anthropic's 1-hour cache writes. */
  cacheWrite1h?: number;
  /** The Batch API's discount on input and output, as a fraction (0.5 = half price). */
  batchDiscount?: number;
}

/** One model as the catalog lists it. */
export interface CatalogModel {
  provider: 'openai' | 'anthropic';
  /** The id the API takes. */
  id: string;
  /** Snapshot ids and aliases with the same figures. */
  aliases?: string[];
  /** `chat` unless said (`embedding`). */
  kind?: 'chat' | 'embedding';
  status: ModelStatus;
  /** The day (YYYY-MM-DD) requests start to fail; absent when none is announced or known. */
  shutdown?: string;
  contextWindow?: number;
  maxOutput?: number;
  price?: CatalogPrice;
  /** The day the price holds from (launch or last price change). */
  priceAsOf?: string;
  capabilities?: ModelCapabilities;
  /** Ids of `ModelCatalog.sources`; the first is the one the price comes from. */
  sources: string[];
  note?: string;
}

/** A page the catalog's figures come from, and the day it was read. */
export interface CatalogSource {
  id: string;
  url: string;
  /** YYYY-MM-DD. */
  checked: string;
  /** What the page said, in short. */
  what: string;
}

export interface ModelCatalog {
  sources: CatalogSource[];
  models: CatalogModel[];
}

/** The catalog shipped with Assay. */
export const MODEL_CATALOG: ModelCatalog = raw as ModelCatalog;

const indexes = new WeakMap<ModelCatalog, Map<string, CatalogModel>>();

/** The catalog's entry for `provider:model` (ids and aliases, case-insensitive), if any. */
export function findModel(provider: string, model: string, catalog: ModelCatalog = MODEL_CATALOG): CatalogModel | undefined {
  let index = indexes.get(catalog);
  if (!index) {
    index = new Map();
    for (const m of catalog.models) for (const id of [m.id, ...(m.aliases ?? [])]) index.set(`${m.provider}:${id.toLowerCase()}`, m);
    indexes.set(catalog, index);
  }
  return index.get(`${provider.toLowerCase()}:${model.toLowerCase()}`);
}

/** The source a catalog id names. */
export function sourceOf(id: string, catalog: ModelCatalog = MODEL_CATALOG): CatalogSource | undefined {
  return catalog.sources.find((s) => s.id === id);
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const STATUSES: readonly ModelStatus[] = ['active', 'legacy', 'deprecated', 'retired', 'unknown'];
const SAMPLING: readonly SamplingSupport[] = ['always', 'effort-none', 'never'];

/** What is wrong with a catalog (unknown sources, bad dates, prices or capability values); empty when sound. */
export function catalogProblems(catalog: ModelCatalog): string[] {
  const problems: string[] = [];
  const sourceIds = new Set(catalog.sources.map((s) => s.id));
  for (const s of catalog.sources) {
    if (!/^https:\/\//.test(s.url)) problems.push(`source ${s.id}: url must be https`);
    if (!DAY.test(s.checked)) problems.push(`source ${s.id}: checked must be YYYY-MM-DD`);
  }
  const seen = new Set<string>();
  for (const m of catalog.models) {
    const at = `${m.provider}:${m.id}`;
    for (const id of [m.id, ...(m.aliases ?? [])]) {
      const key = `${m.provider}:${id.toLowerCase()}`;
      if (seen.has(key)) problems.push(`${at}: ${id} is listed twice`);
      seen.add(key);
    }
    if (!STATUSES.includes(m.status)) problems.push(`${at}: unknown status ${String(m.status)}`);
    if (m.sources.length === 0) problems.push(`${at}: no source`);
    for (const s of m.sources) if (!sourceIds.has(s)) problems.push(`${at}: unknown source ${s}`);
    for (const [field, v] of [['shutdown', m.shutdown], ['priceAsOf', m.priceAsOf]] as const) if (v !== undefined && !DAY.test(v)) problems.push(`${at}: ${field} must be YYYY-MM-DD`);
    if (m.status === 'retired' && m.shutdown === undefined) problems.push(`${at}: retired without a shutdown date`);
    if (m.price) for (const [k, v] of Object.entries(m.price)) if (typeof v !== 'number' || !(v >= 0)) problems.push(`${at}: price.${k} must be a number of at least 0`);
    const c = m.capabilities ?? {};
    if (c.sampling !== undefined && !SAMPLING.includes(c.sampling)) problems.push(`${at}: unknown sampling ${String(c.sampling)}`);
    if (c.sampling === 'effort-none' && !c.reasoningEffort?.includes('none')) problems.push(`${at}: sampling effort-none needs 'none' among its reasoning efforts`);
    if (c.defaultEffort !== undefined && c.reasoningEffort && !c.reasoningEffort.includes(c.defaultEffort)) problems.push(`${at}: default effort ${c.defaultEffort} is not one of its efforts`);
  }
  return problems;
}
