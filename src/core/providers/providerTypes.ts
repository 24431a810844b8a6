// The provider contract: a rendered request in, text deltas and one `CallResult` out. Providers never
// throw for expected failures (auth, rate limits, timeouts, bad payloads…): those come back as
// `result.error`. Retries, scheduling, timeouts and the cache live in the engine (src/core/run), not here.
import type { CallError, CallResult, ChatRequest, ModelRef } from '../types';

/** How Assay talks to a provider. */
export type ProviderKind = 'openai' | 'anthropic' | 'openai-compatible' | 'azure-openai' | 'ollama' | 'echo' | CustomProviderKind;

/**
 * promptfoo's user-defined providers: `http` calls the user's own endpoint; `exec`, `javascript` and
 * `python` run the user's code (trusted workspaces and the CLI only).
 */
export type CustomProviderKind = 'http' | 'exec' | 'javascript' | 'python';

/** How a user-defined provider is called: promptfoo's id and `config`, as the config file wrote them. */
export interface CustomProviderSpec {
  /** promptfoo's id as written (`https://…`, `exec: python run.py`, `file://provider.js`…). */
  id: string;
  /** The folder relative paths resolve against (the config file's); commands run there. */
  basePath: string;
  /**
   * What the kind calls: the URL template (http), the command line (exec), the absolute script path
   * (javascript, python).
   */
  target: string;
  /** The function to call in a script (`file://x.py:fn`); unset for the kind's default. */
  functionName?: string;
  /** promptfoo's `config` mapping, passed to the user's code as `options.config`. */
  options: Record<string, unknown>;
}

/** How an `ollama` endpoint is called: promptfoo's `ollama:` providers, on Ollama's native API. */
export interface OllamaSpec {
  /** `/api/chat` (`ollama:chat:MODEL`) or `/api/generate` (`ollama:MODEL`, `ollama:completion:MODEL`). */
  api: 'chat' | 'generate';
  /** promptfoo's `config` as written: Ollama's `options` (temperature, num_predict, num_ctx…), `think`, `passthrough`, `tools`. */
  config: Record<string, unknown>;
}

/**
 * One provider as plain data. The host builds these from `assay.endpoints`, the CLI from the environment;
 * core never reads settings.
 */
export interface ProviderConfig {
  /** The name model references use: `name:model` (lower case). */
  name: string;
  kind: ProviderKind;
  /**
   * API base URL. OpenAI and compatible servers: up to and including `/v1` (e.g. `http://localhost:11434/v1`).
   * Anthropic and Ollama: the host (`https://api.anthropic.com`, `http://localhost:11434`). Azure OpenAI: the resource endpoint
   * (`https://NAME.openai.azure.com`); requests go to `/openai/deployments/MODEL/...?api-version=…`.
   */
  baseUrl?: string;
  /** The key itself, when the caller already holds it (tests, scripts). Wins over the `keys` lookup. */
  apiKey?: string;
  /** Name passed to the registry's `keys` lookup; defaults to `name`. */
  apiKeySecret?: string;
  /** Further names looked up, in order, when `apiKeySecret` holds no key (promptfoo's `AZURE_API_KEY`, then `AZURE_OPENAI_API_KEY`). */
  apiKeySecretFallbacks?: string[];
  /** Whether a call without a key fails before reaching the server; by default only keyless-capable kinds (`openai-compatible`) may go without. */
  keyRequired?: boolean;
  /** Extra HTTP headers sent with every request. Their values are redacted like keys. */
  headers?: Record<string, string>;
  /** Azure OpenAI `api-version`. */
  apiVersion?: string;
  /** At most this many requests in flight to this endpoint, within the global limit. */
  maxConcurrency?: number;
  /** Models to offer in pickers when the server cannot list them (`GET /models`), e.g. Azure deployments. */
  models?: string[];
  /** For the custom kinds (`http`, `exec`, `javascript`, `python`): what to call and how. */
  custom?: CustomProviderSpec;
  /** For kind `ollama`: which API and promptfoo's config (default: `/api/chat` with no options). */
  ollama?: OllamaSpec;
}

/** A request turned into the exact JSON body a provider will receive. */
export interface PreparedChat {
  request: ChatRequest;
  /** The exact body sent (no secrets: keys travel in headers). */
  payload: Record<string, unknown>;
  stream: boolean;
}

/** Per-attempt options the engine passes to a provider. */
export interface ChatCallOptions {
  /** Aborted on cancellation or on the engine's per-request timeout. */
  signal: AbortSignal;
  /** Upper bound for the SDK's own connect/headers timeout, in ms. */
  timeoutMs: number;
  /** Receives each text delta as it arrives (streaming only). Called on the hot path: keep it cheap. */
  onDelta?: (text: string) => void;
  /**
   * Receives reasoning as it streams, apart from the answer: OpenAI Responses reasoning-summary deltas and
   * Anthropic thinking deltas (a blank line between two thinking blocks). Never part of `onDelta`'s text.
   */
  onReasoning?: (text: string) => void;
}

/** Where a streaming provider sends what arrives: the answer's text and, apart from it, the reasoning. */
export interface StreamSinks {
  text?: (text: string) => void;
  reasoning?: (text: string) => void;
}

/** A provider's answer to one attempt. */
export interface ProviderOutcome {
  /** Redacted, with `cost: null` (the engine prices it) and `cacheHit: false`. */
  result: CallResult;
  /** The wait the server asked for before a retry (`retry-after-ms` / `Retry-After`), in ms. */
  retryAfterMs: number | null;
}

/** Vectors for a batch of texts (the `similar` assertion). */
export interface EmbeddingResult {
  model: ModelRef;
  /** One vector per input text, in order; empty on error. */
  vectors: number[][];
  usage: { inputTokens: number } | null;
  /** US dollars; `null` when unknown. */
  cost: number | null;
  latencyMs: number;
  error?: CallError;
}

/** A provider's answer to one embeddings attempt. */
export interface EmbeddingOutcome {
  result: EmbeddingResult;
  retryAfterMs: number | null;
}

/** What a moderation endpoint flagged in one text: each flagged category with its score. */
export interface ModerationResult {
  model: ModelRef;
  flags: { category: string; score: number }[];
  latencyMs: number;
  error?: CallError;
}

/** A provider's answer to one moderation attempt. */
export interface ModerationOutcome {
  result: ModerationResult;
  retryAfterMs: number | null;
}

/** A model offered by an endpoint, for pickers and completion. */
export interface ModelInfo {
  id: string;
  /** A human name when the provider gives one (Anthropic's `display_name`). */
  label?: string;
  ownedBy?: string;
  /** The day (YYYY-MM-DD) the provider shuts the model down, when its listing says (OpenAI's optional `shutdown_date`). */
  shutdownDate?: string;
}

/** The models an endpoint lists, or why it could not. */
export type ModelListResult = { models: ModelInfo[]; error?: undefined } | { models?: undefined; error: CallError };

/** Options for calls that are not scheduled by the engine (model listing). */
export interface DirectCallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** A configured provider, ready to call. */
export interface Provider {
  readonly config: Readonly<ProviderConfig>;
  /** Identity of the server (name and base URL): part of cache keys and the unit of per-endpoint limits. */
  readonly endpointId: string;
  /** Builds the exact payload for `request`; `{ error }` when the request cannot be expressed. */
  prepare(request: ChatRequest, stream: boolean): PreparedChat | { error: CallError };
  /** Sends one attempt. Never throws for expected failures. */
  chat(prepared: PreparedChat, options: ChatCallOptions): Promise<ProviderOutcome>;
  embed(model: string, texts: string[], options: { signal: AbortSignal; timeoutMs: number }): Promise<EmbeddingOutcome>;
  /** Classifies a text with a moderation model (OpenAI's `/moderations`); absent where the API has none. */
  moderate?(model: string, text: string, options: { signal: AbortSignal; timeoutMs: number }): Promise<ModerationOutcome>;
  listModels(options?: DirectCallOptions): Promise<ModelListResult>;
  /**
   * Loads what the first call needs (an SDK, its client for the current key) ahead of it, e.g. while the
   * history opens. Never fails: a problem shows on the first call, as it would without this.
   */
  warmUp?(): Promise<void>;
}

/**
 * Where keys come from: the host's SecretStorage, or the environment in the CLI (see `envKeyLookup`).
 * Called with the provider's `apiKeySecret` (by default its name) on every call, so a key set while
 * Assay runs is picked up at once.
 */
export type KeyLookup = (secretName: string) => string | undefined | Promise<string | undefined>;

/** Where providers and the engine send diagnostics. Lines are redacted before they get here. */
export type LogSink = (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;
