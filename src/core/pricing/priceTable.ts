// Built-in list prices, USD per 1M tokens, standard (not batch, not priority) tier, read from the model
// catalog (src/core/models/catalog.json): one table for pricing, completion and the playground. A model
// the catalog does not price shows tokens and "cost unknown" until the user prices it in `assay.pricing`.
// Snapshot names are listed explicitly rather than matched by prefix, because snapshots of one family
// have had different prices (gpt-4o-2024-05-13 vs later gpt-4o).
import { MODEL_CATALOG, sourceOf, type ModelCatalog } from '../models/modelCatalog';

/** What one model costs, USD per 1M tokens. */
export interface ModelPrice {
  input: number;
  output: number;
  /** Prompt tokens read from the provider's cache; defaults to `input` when absent. */
  cachedInput?: number;
  /** Prompt tokens written to the cache (Anthropic, 5-minute TTL); defaults to `input` when absent. */
  cacheWrite?: number;
  /**
   * Prompt tokens written to the cache with a 1-hour TTL (Anthropic: 2× input per its pricing page). A call
   * with such writes and no figure here is "cost unknown" rather than priced at the 5-minute rate.
   */
  cacheWrite1h?: number;
  /** The Batch API's discount on every token, as a fraction (0.5 = half price); unknown when absent. */
  batchDiscount?: number;
}

/** A row of the built-in table. */
export interface PriceEntry {
  provider: 'openai' | 'anthropic';
  /** Model ids and aliases this price applies to, exactly as the API takes them. */
  models: readonly string[];
  price: ModelPrice;
  /** Where the figures come from. */
  source: string;
  /** The date (YYYY-MM-DD) from which the source lists these figures: launch or last price change; else the day the source was read. */
  asOf: string;
  /** A caveat the figure does not capture. */
  note?: string;
}

/** The priced models of a catalog as price-table rows. */
export function priceTableOf(catalog: ModelCatalog): PriceEntry[] {
  const out: PriceEntry[] = [];
  for (const m of catalog.models) {
    if (!m.price) continue;
    const source = sourceOf(m.sources[0] ?? '', catalog);
    const price: ModelPrice = { input: m.price.input, output: m.price.output };
    if (m.price.cachedInput !== undefined) price.cachedInput = m.price.cachedInput;
    if (m.price.cacheWrite !== undefined) price.cacheWrite = m.price.cacheWrite;
    if (m.price.cacheWrite1h !== undefined) price.cacheWrite1h = m.price.cacheWrite1h;
    if (m.price.batchDiscount !== undefined) price.batchDiscount = m.price.batchDiscount;
    const entry: PriceEntry = { provider: m.provider, models: [m.id, ...(m.aliases ?? [])], price, source: source?.url ?? '', asOf: m.priceAsOf ?? source?.checked ?? '' };
    if (m.note !== undefined) entry.note = m.note;
    out.push(entry);
  }
  return out;
}

export const PRICE_TABLE: readonly PriceEntry[] = priceTableOf(MODEL_CATALOG);
