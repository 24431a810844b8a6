// Built-in list prices, USD per 1M tokens, standard (not batch, not priority) tier. Each entry names its
// source page and the date its figures hold from. Only figures we are sure of are here: a model missing
// from the table shows tokens and "cost unknown" until the user prices it in `assay.pricing`.
// Snapshot names are listed explicitly rather than matched by prefix, because snapshots of one family
// have had different prices (gpt-4o-2024-05-13 vs later gpt-4o).

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
}

/** A row of the built-in table. */
export interface PriceEntry {
  provider: 'openai' | 'anthropic';
  /** Model ids and aliases this price applies to, exactly as the API takes them. */
  models: readonly string[];
  price: ModelPrice;
  /** Where the figures come from. */
  source: string;
  /** The date (YYYY-MM-DD) from which the source lists these figures: launch or last price change. */
  asOf: string;
  /** A caveat the figure does not capture. */
  note?: string;
}

const OPENAI = 'https://platform.openai.com/docs/pricing';
const ANTHROPIC = 'https://platform.claude.com/docs/en/about-claude/pricing';
const LONG_CONTEXT = 'Prompts over 200k tokens (1M-context beta) are billed at higher rates this table does not model.';

export const PRICE_TABLE: readonly PriceEntry[] = [
  // OpenAI — text models
  { provider: 'openai', models: ['gpt-5', 'gpt-5-2025-08-07', 'gpt-5-chat-latest'], price: { input: 1.25, cachedInput: 0.125, output: 10 }, source: OPENAI, asOf: '2025-08-07' },
  { provider: 'openai', models: ['gpt-5-mini', 'gpt-5-mini-2025-08-07'], price: { input: 0.25, cachedInput: 0.025, output: 2 }, source: OPENAI, asOf: '2025-08-07' },
  { provider: 'openai', models: ['gpt-5-nano', 'gpt-5-nano-2025-08-07'], price: { input: 0.05, cachedInput: 0.005, output: 0.4 }, source: OPENAI, asOf: '2025-08-07' },
  { provider: 'openai', models: ['gpt-4.1', 'gpt-4.1-2025-04-14'], price: { input: 2, cachedInput: 0.5, output: 8 }, source: OPENAI, asOf: '2025-04-14' },
  { provider: 'openai', models: ['gpt-4.1-mini', 'gpt-4.1-mini-2025-04-14'], price: { input: 0.4, cachedInput: 0.1, output: 1.6 }, source: OPENAI, asOf: '2025-04-14' },
  { provider: 'openai', models: ['gpt-4.1-nano', 'gpt-4.1-nano-2025-04-14'], price: { input: 0.1, cachedInput: 0.025, output: 0.4 }, source: OPENAI, asOf: '2025-04-14' },
  { provider: 'openai', models: ['gpt-4o', 'gpt-4o-2024-08-06', 'gpt-4o-2024-11-20'], price: { input: 2.5, cachedInput: 1.25, output: 10 }, source: OPENAI, asOf: '2025-06-10' },
  { provider: 'openai', models: ['gpt-4o-2024-05-13'], price: { input: 5, output: 15 }, source: OPENAI, asOf: '2025-06-10' },
  { provider: 'openai', models: ['gpt-4o-mini', 'gpt-4o-mini-2024-07-18'], price: { input: 0.15, cachedInput: 0.075, output: 0.6 }, source: OPENAI, asOf: '2025-06-10' },
  { provider: 'openai', models: ['o1', 'o1-2024-12-17'], price: { input: 15, cachedInput: 7.5, output: 60 }, source: OPENAI, asOf: '2025-06-10' },
  { provider: 'openai', models: ['o3', 'o3-2025-04-16'], price: { input: 2, cachedInput: 0.5, output: 8 }, source: OPENAI, asOf: '2025-06-10', note: 'After the June 2025 price cut.' },
  { provider: 'openai', models: ['o3-mini', 'o3-mini-2025-01-31'], price: { input: 1.1, cachedInput: 0.55, output: 4.4 }, source: OPENAI, asOf: '2025-06-10' },
  { provider: 'openai', models: ['o4-mini', 'o4-mini-2025-04-16'], price: { input: 1.1, cachedInput: 0.275, output: 4.4 }, source: OPENAI, asOf: '2025-06-10' },
  { provider: 'openai', models: ['gpt-4-turbo', 'gpt-4-turbo-2024-04-09'], price: { input: 10, output: 30 }, source: OPENAI, asOf: '2025-06-10' },
  { provider: 'openai', models: ['gpt-3.5-turbo', 'gpt-3.5-turbo-0125'], price: { input: 0.5, output: 1.5 }, source: OPENAI, asOf: '2025-06-10' },
  // OpenAI — embeddings (input only)
  { provider: 'openai', models: ['text-embedding-3-small'], price: { input: 0.02, output: 0 }, source: OPENAI, asOf: '2025-06-10' },
  { provider: 'openai', models: ['text-embedding-3-large'], price: { input: 0.13, output: 0 }, source: OPENAI, asOf: '2025-06-10' },
  { provider: 'openai', models: ['text-embedding-ada-002'], price: { input: 0.1, output: 0 }, source: OPENAI, asOf: '2025-06-10' },

  // Anthropic — cache writes at the 5-minute TTL rate (1.25× input), cache reads 0.1× input
  { provider: 'anthropic', models: ['claude-sonnet-5'], price: { input: 2, cacheWrite: 2.5, cachedInput: 0.2, output: 10 }, source: 'https://platform.claude.com/docs/en/models/sonnet-5/overview', asOf: '2026-06-30' },
  { provider: 'anthropic', models: ['claude-opus-4-5', 'claude-opus-4-5-20251101'], price: { input: 5, cacheWrite: 6.25, cachedInput: 0.5, output: 25 }, source: ANTHROPIC, asOf: '2025-11-24' },
  { provider: 'anthropic', models: ['claude-opus-4-1', 'claude-opus-4-1-20250805'], price: { input: 15, cacheWrite: 18.75, cachedInput: 1.5, output: 75 }, source: ANTHROPIC, asOf: '2025-08-05' },
  { provider: 'anthropic', models: ['claude-opus-4-0', 'claude-opus-4-20250514'], price: { input: 15, cacheWrite: 18.75, cachedInput: 1.5, output: 75 }, source: ANTHROPIC, asOf: '2025-05-22' },
  { provider: 'anthropic', models: ['claude-sonnet-4-5', 'claude-sonnet-4-5-20250929'], price: { input: 3, cacheWrite: 3.75, cachedInput: 0.3, output: 15 }, source: ANTHROPIC, asOf: '2025-09-29', note: LONG_CONTEXT },
  { provider: 'anthropic', models: ['claude-sonnet-4-0', 'claude-sonnet-4-20250514'], price: { input: 3, cacheWrite: 3.75, cachedInput: 0.3, output: 15 }, source: ANTHROPIC, asOf: '2025-05-22', note: LONG_CONTEXT },
  { provider: 'anthropic', models: ['claude-3-7-sonnet-latest', 'claude-3-7-sonnet-20250219'], price: { input: 3, cacheWrite: 3.75, cachedInput: 0.3, output: 15 }, source: ANTHROPIC, asOf: '2025-02-24' },
  { provider: 'anthropic', models: ['claude-3-5-sonnet-latest', 'claude-3-5-sonnet-20241022', 'claude-3-5-sonnet-20240620'], price: { input: 3, cacheWrite: 3.75, cachedInput: 0.3, output: 15 }, source: ANTHROPIC, asOf: '2024-10-22' },
  { provider: 'anthropic', models: ['claude-haiku-4-5', 'claude-haiku-4-5-20251001'], price: { input: 1, cacheWrite: 1.25, cachedInput: 0.1, output: 5 }, source: ANTHROPIC, asOf: '2025-10-15' },
  { provider: 'anthropic', models: ['claude-3-5-haiku-latest', 'claude-3-5-haiku-20241022'], price: { input: 0.8, cacheWrite: 1, cachedInput: 0.08, output: 4 }, source: ANTHROPIC, asOf: '2024-12-01' },
  { provider: 'anthropic', models: ['claude-3-haiku-20240307'], price: { input: 0.25, cacheWrite: 0.3, cachedInput: 0.03, output: 1.25 }, source: ANTHROPIC, asOf: '2024-08-14' },
];
