// The models a column's picker offers: the file's and the default ones first, then per provider what it
// lists (`GET /models`), what the endpoint setting names, and what the price table knows. Pure.
import type { PriceEntry } from '../../core/pricing/priceTable';
import type { ModelInfo, ModelListResult } from '../../core/providers/providerTypes';
import type { ModelCatalog, ModelChoice } from '../../shared/playgroundProtocol';

/** What the catalog is built from. */
export interface CatalogSources {
  fileModels: string[];
  defaultModels: string[];
  /** Configured endpoints: their names and the `models` they declare. */
  endpoints: { name: string; models?: string[] }[];
  priceTable: readonly PriceEntry[];
  /** Model listings by provider name; absent when not asked (yet, or in Restricted Mode). */
  listings?: Map<string, ModelListResult>;
}

/** Chat models only: embeddings, audio and image models cannot answer a prompt. */
function isChatModel(id: string): boolean {
  return !/embed|whisper|tts|dall-e|moderation|transcribe|image|realtime|audio/i.test(id);
}

export function buildCatalog(sources: CatalogSources): ModelCatalog {
  const models: ModelChoice[] = [];
  const seen = new Set<string>();
  const add = (ref: string, source: ModelChoice['source']): void => {
    const i = ref.indexOf(':');
    if (i <= 0 || seen.has(ref)) return;
    seen.add(ref);
    models.push({ ref, provider: ref.slice(0, i), source });
  };
  for (const m of sources.fileModels) add(m, 'file');
  for (const m of sources.defaultModels) add(m, 'default');

  const problems: Record<string, string> = {};
  const endpointNames = new Set(sources.endpoints.map((e) => e.name.toLowerCase()));
  const providers = ['openai', 'anthropic', ...[...endpointNames].filter((n) => n !== 'openai' && n !== 'anthropic')];
  const rest: ModelChoice[] = [];
  for (const provider of providers) {
    const listing = sources.listings?.get(provider);
    const listed: ModelInfo[] = listing?.models ?? [];
    if (listing?.error) problems[provider] = listing.error.message;
    const refs = new Map<string, ModelChoice['source']>();
    for (const m of listed) if (isChatModel(m.id)) refs.set(`${provider}:${m.id}`, 'listed');
    for (const e of sources.endpoints) {
      if (e.name.toLowerCase() !== provider) continue;
      for (const m of e.models ?? []) if (!refs.has(`${provider}:${m}`)) refs.set(`${provider}:${m}`, 'configured');
    }
    for (const entry of sources.priceTable) {
      if (entry.provider !== provider) continue;
      for (const m of entry.models) if (isChatModel(m) && !refs.has(`${provider}:${m}`)) refs.set(`${provider}:${m}`, 'priced');
    }
    for (const [ref, source] of [...refs].sort(([a], [b]) => a.localeCompare(b))) {
      if (!seen.has(ref)) {
        seen.add(ref);
        rest.push({ ref, provider, source });
      }
    }
  }
  if (!seen.has('echo:echo')) rest.push({ ref: 'echo:echo', provider: 'echo', source: 'configured' });
  return { models: [...models, ...rest], problems };
}
