// The models each endpoint lists live (`GET /v1/models`), kept for completion and pickers: a cache per
// provider that answers at once with what it last heard and refreshes in the background when that is
// stale, with at most one listing request per provider in flight.
import type { ModelInfo, ModelListResult } from '../providers/providerTypes';

interface Entry {
  models: ModelInfo[];
  /** When the last answer (or failure) arrived; absent before the first. */
  at?: number;
  inFlight?: Promise<ModelListResult>;
  error?: string;
}

/** Live model lists by provider name. */
export class LiveModels {
  private readonly byProvider = new Map<string, Entry>();

  constructor(
    /** Lists one provider's models (the engine's `listModels`). */
    private readonly list: (provider: string) => Promise<ModelListResult>,
    /** How long an answer is fresh, in ms (default 10 minutes). A failed listing waits as long before the next try. */
    private readonly ttlMs = 10 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** What `provider` listed last (empty before its first answer); starts a refresh when that is stale. */
  peek(provider: string): ModelInfo[] {
    const entry = this.entry(provider);
    if (!entry.inFlight && (entry.at === undefined || this.now() - entry.at >= this.ttlMs)) void this.refresh(provider);
    return entry.models;
  }

  /** Why the last listing of `provider` failed, if it did. */
  errorOf(provider: string): string | undefined {
    return this.byProvider.get(provider.toLowerCase())?.error;
  }

  /** Lists `provider` now, joining a listing already in flight. A failure keeps the models listed before. */
  refresh(provider: string): Promise<ModelListResult> {
    const entry = this.entry(provider);
    if (entry.inFlight) return entry.inFlight;
    const request = this.list(provider)
      .catch((err: unknown): ModelListResult => ({ error: { kind: 'network', message: String(err) } }))
      .then((result) => {
        entry.at = this.now();
        entry.inFlight = undefined;
        if (result.error) entry.error = result.error.message;
        else {
          entry.models = result.models;
          delete entry.error;
        }
        return result;
      });
    entry.inFlight = request;
    return request;
  }

  /** Forgets every list (settings changed: other endpoints, other keys). */
  clear(): void {
    this.byProvider.clear();
  }

  private entry(provider: string): Entry {
    const key = provider.toLowerCase();
    let entry = this.byProvider.get(key);
    if (!entry) {
      entry = { models: [] };
      this.byProvider.set(key, entry);
    }
    return entry;
  }
}
