// Prices calls: the built-in table with the user's `assay.pricing` on top. A model with no price gets
// `null` ("cost unknown"), never a guess.
import type { ModelRef, Usage } from '../types';
import { PRICE_TABLE, type ModelPrice, type PriceEntry } from './priceTable';

/** A price and where it came from. */
export interface ResolvedPrice extends ModelPrice {
  /** `assay.pricing` for a user override, else the table's source URL. */
  source: string;
  asOf?: string;
}

/**
 * User prices by key, USD per 1M tokens: `provider:model` (most specific), `provider:*` (every model of an
 * endpoint, e.g. a local Ollama at 0), or a bare model id (that model on any provider).
 */
export type PricingOverrides = Record<string, ModelPrice>;

const FREE: ResolvedPrice = { input: 0, output: 0, source: 'echo provider (no API call)' };

/**
 * USD for `usage` at `price`. Cached reads and cache writes are priced apart from the rest of the prompt;
 * 1-hour cache writes at `cacheWrite1h`, and `null` (unknown) when they happened and the price has none.
 */
export function costOf(price: ModelPrice, usage: Usage): number | null {
  const cached = Math.min(usage.cachedInputTokens, usage.inputTokens);
  const writes = Math.min(usage.cacheWriteTokens, usage.inputTokens - cached);
  const hourWrites = Math.min(usage.cacheWrite1hTokens ?? 0, writes);
  if (hourWrites > 0 && price.cacheWrite1h === undefined) return null;
  const plain = usage.inputTokens - cached - writes;
  const micro =
    plain * price.input +
    cached * (price.cachedInput ?? price.input) +
    (writes - hourWrites) * (price.cacheWrite ?? price.input) +
    hourWrites * (price.cacheWrite1h ?? 0) +
    usage.outputTokens * price.output;
  return micro / 1_000_000;
}

/** Looks prices up; cheap to rebuild when `assay.pricing` changes. */
export class PriceBook {
  private readonly overrides = new Map<string, ModelPrice>();
  private readonly table = new Map<string, PriceEntry>();

  constructor(overrides: PricingOverrides = {}, table: readonly PriceEntry[] = PRICE_TABLE) {
    for (const [k, v] of Object.entries(overrides)) this.overrides.set(k.trim().toLowerCase(), v);
    for (const entry of table) for (const model of entry.models) this.table.set(`${entry.provider}:${model}`, entry);
  }

  /** The price for `ref`, or `null` when unknown. */
  priceOf(ref: ModelRef): ResolvedPrice | null {
    const provider = ref.provider.toLowerCase();
    const model = ref.model.toLowerCase();
    const override = this.overrides.get(`${provider}:${model}`) ?? this.overrides.get(`${provider}:*`) ?? this.overrides.get(model);
    if (override) return { ...override, source: 'assay.pricing' };
    if (provider === 'echo') return FREE;
    const entry = this.table.get(`${provider}:${model}`);
    return entry ? { ...entry.price, source: entry.source, asOf: entry.asOf } : null;
  }

  /** USD for a call, or `null` when the model has no price or the call reported no usage. */
  cost(ref: ModelRef, usage: Usage | null): number | null {
    if (!usage) return ref.provider.toLowerCase() === 'echo' ? 0 : null;
    const price = this.priceOf(ref);
    return price ? costOf(price, usage) : null;
  }

  /**
   * USD for a call made through a provider's batch API: the standard cost less the model's batch discount,
   * or `null` when the discount is not known (never assumed).
   */
  batchCost(ref: ModelRef, usage: Usage | null): number | null {
    const price = this.priceOf(ref);
    if (!usage || !price || price.batchDiscount === undefined) return null;
    const standard = costOf(price, usage);
    return standard === null ? null : standard * (1 - price.batchDiscount);
  }

  /** USD for an embeddings call of `inputTokens`, or `null` when unknown. */
  embeddingCost(ref: ModelRef, inputTokens: number | null): number | null {
    const price = this.priceOf(ref);
    if (!price) return null;
    if (ref.provider.toLowerCase() === 'echo') return 0;
    return inputTokens === null ? null : (inputTokens * price.input) / 1_000_000;
  }
}

const PRICE_FIELDS = ['input', 'output', 'cachedInput', 'cacheWrite', 'cacheWrite1h', 'batchDiscount'] as const;

/** Validates the raw value of `assay.pricing`; bad entries are reported and skipped. */
export function parsePricingOverrides(raw: unknown): { overrides: PricingOverrides; problems: string[] } {
  const overrides: PricingOverrides = {};
  const problems: string[] = [];
  if (raw === undefined || raw === null) return { overrides, problems };
  if (typeof raw !== 'object' || Array.isArray(raw)) return { overrides, problems: ['assay.pricing must map model references to prices, e.g. { "openai:gpt-4o": { "input": 2.5, "output": 10 } }'] };
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const at = `assay.pricing["${key}"]`;
    if (key.trim() === '') {
      problems.push('assay.pricing has an empty key');
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.push(`${at} must be an object with input and output prices per 1M tokens`);
      continue;
    }
    const v = value as Record<string, unknown>;
    const unknown = Object.keys(v).filter((k) => !(PRICE_FIELDS as readonly string[]).includes(k));
    const bad = PRICE_FIELDS.filter((f) => v[f] !== undefined && (typeof v[f] !== 'number' || !Number.isFinite(v[f]) || (v[f] as number) < 0));
    if (typeof v.input !== 'number' || typeof v.output !== 'number') {
      problems.push(`${at} needs both input and output (USD per 1M tokens)`);
      continue;
    }
    if (typeof v.batchDiscount === 'number' && v.batchDiscount > 1) bad.push('batchDiscount');
    if (bad.length > 0) {
      problems.push(`${at}: ${bad.join(', ')} must be numbers of at least 0${bad.includes('batchDiscount') ? ' (batchDiscount a fraction from 0 to 1)' : ''}`);
      continue;
    }
    if (unknown.length > 0) problems.push(`${at}: unknown field ${unknown.join(', ')} was ignored (expected ${PRICE_FIELDS.join(', ')})`);
    const price: ModelPrice = { input: v.input, output: v.output };
    if (typeof v.cachedInput === 'number') price.cachedInput = v.cachedInput;
    if (typeof v.cacheWrite === 'number') price.cacheWrite = v.cacheWrite;
    if (typeof v.cacheWrite1h === 'number') price.cacheWrite1h = v.cacheWrite1h;
    if (typeof v.batchDiscount === 'number') price.batchDiscount = v.batchDiscount;
    overrides[key] = price;
  }
  return { overrides, problems };
}
