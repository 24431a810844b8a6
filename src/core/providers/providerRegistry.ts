// Resolves `provider:model` to a configured provider: the built-ins (`openai`, `anthropic`, `echo`) and the
// user's endpoints. Configuration is plain data handed in by the host (settings + SecretStorage) or the
// CLI (environment variables).
import { createRedactor, type Redactor } from '../redact';
import type { CallError, ModelRef, OpenAiApi } from '../types';
import { AnthropicProvider, ANTHROPIC_DEFAULT_BASE_URL } from './anthropicProvider';
import { EchoProvider } from './echoProvider';
import { ExecProvider } from './execProvider';
import { HttpProvider } from './httpProvider';
import { createNodeFetch, DEFAULT_MAX_RESPONSE_BYTES, type FetchLike } from './httpTransport';
import { JavaScriptProvider } from './javascriptProvider';
import { OllamaProvider } from './ollamaProvider';
import { OpenAiProvider, OPENAI_DEFAULT_BASE_URL } from './openaiProvider';
import { OpenAiResponsesProvider } from './openaiResponsesProvider';
import type { KeyLookup, LogSink, Provider, ProviderConfig } from './providerTypes';
import { PythonProvider } from './pythonProvider';
import { configSecrets, keyEnvName, type ProviderEnv, type SdkLogLevel } from './sdkProvider';

/** The providers every user has. An endpoint with the same name overrides fields of a built-in. */
export const BUILTIN_PROVIDERS: readonly Readonly<ProviderConfig>[] = [
  { name: 'openai', kind: 'openai', baseUrl: OPENAI_DEFAULT_BASE_URL },
  { name: 'anthropic', kind: 'anthropic', baseUrl: ANTHROPIC_DEFAULT_BASE_URL },
  { name: 'echo', kind: 'echo' },
];

/** What a registry is built from. */
export interface ProviderRegistryOptions {
  /** Key lookup by secret name (the provider's name unless it sets `apiKeySecret`). */
  keys?: KeyLookup;
  /** Endpoints, and overrides of the built-ins by name (e.g. `{ name: 'openai', baseUrl }`). */
  providers?: ProviderConfig[];
  /** User redaction patterns (`assay.history.redact`). */
  redactPatterns?: string[];
  /** Transport for the SDKs; defaults to a shared keep-alive node:http transport. */
  fetch?: FetchLike;
  /** Receives the SDKs' log lines, redacted. */
  log?: LogSink;
  /** How much the SDKs log (default `warn`). */
  logLevel?: SdkLogLevel;
  /**
   * Whether providers that run workspace code (`exec`, `javascript`, `python`, an `http` provider's
   * JavaScript transforms) may run: the CLI and trusted workspaces. Otherwise they refuse every call
   * before it starts. Default false.
   */
  trustedCode?: boolean;
  /** The environment of custom providers (the CLI's, which tests set); defaults to `process.env`. */
  environment?: Record<string, string | undefined>;
  /** The most a reply may hold, after decompression (default 32 MiB); ignored when `fetch` is given. */
  maxResponseBytes?: number;
}

let sharedFetch: FetchLike | undefined;

/** Provider lookup for the engine; cheap to rebuild when settings change. */
export class ProviderRegistry {
  private readonly byName = new Map<string, Provider>();
  /** The Responses API of each endpoint that has one (see `createResponsesProvider`). */
  private readonly responsesByName = new Map<string, Provider>();
  /** Redacts with the user's patterns and the configured secrets, for payloads that never reached a provider. */
  readonly redactor: Redactor;
  /** Whether providers that run workspace code may run (see `ProviderRegistryOptions.trustedCode`). */
  readonly trustedCode: boolean;

  private readonly keys: KeyLookup;
  private readonly redactPatterns: string[];

  constructor(options: ProviderRegistryOptions = {}) {
    this.keys = options.keys ?? (() => undefined);
    this.redactPatterns = options.redactPatterns ?? [];
    const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.trustedCode = options.trustedCode === true;
    const env: ProviderEnv = {
      keys: this.keys,
      redactPatterns: this.redactPatterns,
      fetch: options.fetch ?? (maxBytes === DEFAULT_MAX_RESPONSE_BYTES ? (sharedFetch ??= createNodeFetch()) : createNodeFetch({ maxResponseBytes: maxBytes })),
      ...(options.log ? { log: options.log } : {}),
      logLevel: options.logLevel ?? 'warn',
      ...(options.environment ? { environment: options.environment } : {}),
    };
    const configs = new Map<string, ProviderConfig>(BUILTIN_PROVIDERS.map((c) => [c.name, { ...c }]));
    for (const c of options.providers ?? []) {
      const name = c.name.toLowerCase();
      const base = configs.get(name);
      const merged: ProviderConfig = base ? { ...base, ...withoutUndefined(c), name } : { ...c, name };
      // A key kept out of serialisation (a promptfoo config's inline apiKey) is not copied by spreading.
      const key = Object.getOwnPropertyDescriptor(c, 'apiKey');
      if (key && !key.enumerable) Object.defineProperty(merged, 'apiKey', key);
      configs.set(name, merged);
    }
    for (const config of configs.values()) {
      this.byName.set(config.name, createProvider(config, env, this.trustedCode));
      const responses = createResponsesProvider(config, env);
      if (responses) this.responsesByName.set(config.name, responses);
    }
    const known = [...configs.values()].flatMap((c) => [...configSecrets(c), ...(c.apiKey ? [c.apiKey] : [])]);
    this.redactor = createRedactor({ patterns: this.redactPatterns, secrets: known });
  }

  /**
   * Every secret the providers would send now: each one's key (looked up as a call would), extra header
   * values and URL credentials. For one redactor over everything a run writes or prints (reports, the
   * history, the terminal), which then catches even keys in formats no pattern knows.
   */
  async secretsInUse(): Promise<string[]> {
    const out = new Set<string>();
    for (const provider of this.byName.values()) {
      const c = provider.config;
      if (c.kind === 'echo') continue;
      for (const s of configSecrets(c)) out.add(s);
      let key = c.apiKey;
      if (!key) {
        try {
          key = (await this.keys(c.apiKeySecret ?? c.name)) ?? undefined;
        } catch {
          key = undefined;
        }
      }
      if (key && key.trim() !== '') out.add(key.trim());
    }
    return [...out];
  }

  /** A redactor for the user's patterns and every secret in use (see `secretsInUse`). */
  async fullRedactor(): Promise<Redactor> {
    return createRedactor({ patterns: this.redactPatterns, secrets: await this.secretsInUse() });
  }

  /**
   * The provider for `ref` through `api` (chat completions unless `responses`), or a `bad_request` error
   * naming the known providers, or saying the provider has no Responses API.
   */
  resolve(ref: ModelRef, api?: OpenAiApi): Provider | { error: CallError } {
    const name = ref.provider.toLowerCase();
    const provider = this.byName.get(name);
    if (provider && api === 'responses') {
      return (
        this.responsesByName.get(name) ?? {
          error: { kind: 'bad_request', message: `api: responses needs an OpenAI or OpenAI-compatible provider; ${ref.provider} is ${provider.config.kind}: remove api: responses for ${ref.provider}:${ref.model}` },
        }
      );
    }
    if (provider) return provider;
    const known = [...this.byName.keys()].join(', ');
    return {
      error: {
        kind: 'bad_request',
        message: `Unknown provider "${ref.provider}" in ${ref.provider}:${ref.model}: expected one of ${known}, or add an endpoint named "${ref.provider}" to assay.endpoints`,
      },
    };
  }

  /** Warms the providers of `refs` (see `Provider.warmUp`), one after another, each once. */
  async warmUp(refs: readonly ModelRef[]): Promise<void> {
    const seen = new Set<Provider>();
    for (const ref of refs) {
      const provider = this.resolve(ref);
      if ('error' in provider || seen.has(provider)) continue;
      seen.add(provider);
      await provider.warmUp?.();
    }
  }

  get(name: string): Provider | undefined {
    return this.byName.get(name.toLowerCase());
  }

  /** Every provider, built-ins first. */
  list(): Provider[] {
    return [...this.byName.values()];
  }
}

function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Builds the provider for one configuration. `trustedCode`: see `ProviderRegistryOptions.trustedCode`. */
export function createProvider(config: ProviderConfig, env: ProviderEnv, trustedCode = false): Provider {
  switch (config.kind) {
    case 'http':
      return new HttpProvider(config, env, trustedCode);
    case 'exec':
      return new ExecProvider(config, env, trustedCode);
    case 'javascript':
      return new JavaScriptProvider(config, env, trustedCode);
    case 'python':
      return new PythonProvider(config, env, trustedCode);
    case 'anthropic':
      return new AnthropicProvider(config, env);
    case 'echo':
      return new EchoProvider(config);
    case 'ollama':
      return new OllamaProvider(config, env);
    case 'openai':
    case 'openai-compatible':
    case 'azure-openai':
      return new OpenAiProvider(config, env);
  }
}

/**
 * The Responses API provider beside an endpoint's chat provider: OpenAI and OpenAI-compatible endpoints
 * (vLLM, Ollama and others serve `/v1/responses` too). Azure OpenAI gets one that refuses every request
 * with a clear error, since its Responses API lives under other paths.
 */
export function createResponsesProvider(config: ProviderConfig, env: ProviderEnv): Provider | undefined {
  return config.kind === 'openai' || config.kind === 'openai-compatible' || config.kind === 'azure-openai' ? new OpenAiResponsesProvider(config, env) : undefined;
}

/**
 * The CLI's key lookup: `OPENAI_API_KEY`, `ANTHROPIC_API_KEY`, and `NAME_API_KEY` for an endpoint called
 * `name` (non-alphanumerics become `_`), or a variable named exactly like the endpoint's `apiKeySecret`.
 */
export function envKeyLookup(env: Record<string, string | undefined>): KeyLookup {
  return (secretName) => env[keyEnvName(secretName)] || env[secretName] || undefined;
}

/** Built-in overrides the CLI takes from the environment: `OPENAI_BASE_URL`, `ANTHROPIC_BASE_URL`. */
export function envProviderConfigs(env: Record<string, string | undefined>): ProviderConfig[] {
  const out: ProviderConfig[] = [];
  if (env.OPENAI_BASE_URL) out.push({ name: 'openai', kind: 'openai', baseUrl: env.OPENAI_BASE_URL });
  if (env.ANTHROPIC_BASE_URL) out.push({ name: 'anthropic', kind: 'anthropic', baseUrl: env.ANTHROPIC_BASE_URL });
  return out;
}
