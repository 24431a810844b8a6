// Which provider kinds Assay sends through a batch API, and why the others run live. One entry per kind.
import { AnthropicProvider } from '../providers/anthropicProvider';
import { OpenAiProvider } from '../providers/openaiProvider';
import type { Provider, ProviderKind } from '../providers/providerTypes';
import { AnthropicBatch } from './anthropicBatch';
import type { BatchBackend } from './batchTypes';
import { OpenAiBatch } from './openaiBatch';

const BACKENDS: Partial<Record<ProviderKind, (provider: Provider) => BatchBackend | undefined>> = {
  openai: (p) => (p instanceof OpenAiProvider ? new OpenAiBatch(p) : undefined),
  anthropic: (p) => (p instanceof AnthropicProvider ? new AnthropicBatch(p) : undefined),
};

/** Why a kind's calls run live in a batch run. */
const LIVE_BECAUSE: Partial<Record<ProviderKind, string>> = {
  'openai-compatible': 'an OpenAI-compatible server, which need not have a batch API',
  'azure-openai': 'Azure OpenAI batches need a global-batch deployment, which Assay does not drive yet',
  ollama: 'Ollama has no batch API',
  echo: 'the echo provider makes no API call',
  http: "the user's own HTTP endpoint has no batch API",
  exec: 'a local command',
  javascript: 'a local script',
  python: 'a local script',
};

/** The batch API for `provider`'s calls, or why they run live. */
export function batchBackendFor(provider: Provider): { backend: BatchBackend } | { live: string } {
  const backend = BACKENDS[provider.config.kind]?.(provider);
  if (backend) return { backend };
  return { live: LIVE_BECAUSE[provider.config.kind] ?? `${provider.config.kind} endpoints have no batch API` };
}
