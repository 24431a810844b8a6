// promptfoo's provider ids that are an OpenAI-compatible (or Anthropic, or Azure OpenAI) endpoint plus a
// key variable, one row per vendor. The facts — default base URL, which variables hold the key and the
// base URL, which config keys win over them — are promptfoo's own (src/providers/*.ts and
// src/providers/registry.ts in promptfoo/promptfoo), so a config reaches the same server with the same key.
import { OLLAMA_OPTION_KEYS } from '../providers/ollamaProvider';
import type { ProviderKind } from '../providers/providerTypes';
import type { ModelParams } from '../types';

/** Where a base URL may come from, in the order promptfoo looks. */
export type BaseUrlSource =
  | { config: 'apiBaseUrl' | 'apiHost' }
  /** An environment variable holding a URL, or (`host`) a host name that becomes `https://HOST/v1`. */
  | { env: string; host?: boolean };

/** What the API-kind segment of an id (`openai:chat:…`, `openai:responses:…`, `ollama:completion:…`) means for a vendor. */
export type ApiKindUse = 'chat' | 'responses' | 'completion' | 'embedding' | { refuse: string };

/** One vendor promptfoo knows. */
export interface PromptfooVendor {
  /** The id prefixes (`groq` in `groq:llama-3.3-70b-versatile`). */
  ids: string[];
  /** How Assay talks to it. */
  kind: ProviderKind;
  /** Where the base URL comes from, first found wins; then `defaultBaseUrl`. */
  baseUrl: BaseUrlSource[];
  defaultBaseUrl?: string;
  /** With `host`, a host name becomes `https://HOST` + this (promptfoo: `/v1` for OpenAI and Mistral, nothing for Azure). */
  hostSuffix?: string;
  /**
   * Variables holding the key, first set wins. `config.apiKey` always wins over them; `config.apiKeyEnvar`
   * replaces them when `honoursApiKeyEnvar` (promptfoo then reads only that variable).
   */
  keyEnv: string[];
  honoursApiKeyEnvar: boolean;
  /** Whether a call without a key is an error before any request (promptfoo's "API key is not set"). */
  keyRequired: boolean;
  /** What the segment after the vendor means; an id without one of these is `bareKind` (a chat model by default). */
  apiKinds: Record<string, ApiKindUse>;
  /** What an id without an API kind is (`ollama:llama3` is promptfoo's Ollama completion provider). */
  bareKind?: 'completion';
  /** The model when the id names none (`deepseek` alone is `deepseek-chat`). */
  defaultModel?: string;
  /** The model when an id ends at its API kind (`openai:chat` is promptfoo's `gpt-4.1-2025-04-14`). */
  kindDefaultModels?: Partial<Record<'chat' | 'responses' | 'completion' | 'embedding', string>>;
  /** Config keys Assay honours for this vendor. Absent: the OpenAI set. */
  configKeys?: readonly string[];
  /**
   * Every config key promptfoo's provider for this vendor uses. A key outside it is ignored by promptfoo,
   * so Assay ignores it too (with a warning); a key inside it that Assay does not honour is an error.
   * Absent: promptfoo sends any key (the OpenAI-compatible providers pass the config on).
   */
  promptfooKeys?: readonly string[];
  /** Config keys promptfoo's provider accepts but does not send (OpenAI's `model`: the id names the model). */
  unreadKeys?: readonly string[];
  /** Parameters promptfoo sends when the config sets none (LocalAI: temperature 0.7). */
  defaultParams?: ModelParams;
  /** Said when an id of this vendor cannot run: what to write instead. */
  note?: string;
  /** Models an id without an API kind (`openai:MODEL`) runs through the Responses API rather than chat completions. */
  bareResponsesModels?: readonly string[];
}

/**
 * The models promptfoo 0.121.20 runs through the Responses API when an id names no API kind: its
 * OPENAI_BARE_RESPONSES_COMPATIBILITY_MODELS, and its OPENAI_RESPONSES_MODEL_NAMES that are not chat
 * models (dist/src/providers-*.js, the openai: factory; read 2026-12-07).
 */
const OPENAI_BARE_RESPONSES = [
  'gpt-5.6-sol', 'gpt-5.6-terra', 'gpt-5.6-luna',
  'gpt-4o-2024-07-18', 'gpt-5-pro', 'gpt-5-pro-2025-10-06', 'gpt-5.1-codex', 'gpt-5.1-codex-max', 'gpt-5.1-codex-mini', 'gpt-5.2-codex',
  'gpt-5.2-pro', 'gpt-5.2-pro-2025-12-11', 'gpt-5.3-codex', 'gpt-5.5-pro', 'gpt-5.5-pro-2026-04-23', 'gpt-5.4-pro', 'gpt-5.4-pro-2026-03-05',
  'computer-use-preview', 'computer-use-preview-2025-03-11', 'o1-pro', 'o1-pro-2025-03-19', 'o3-pro', 'o3-pro-2025-06-10', 'gpt-5-codex',
  'gpt-5-codex-mini', 'o3-deep-research', 'o3-deep-research-2025-06-26', 'o4-mini-deep-research', 'o4-mini-deep-research-2025-06-26',
];

const COMPLETION_REFUSAL = 'the legacy completions API is not supported: use a chat model (…:chat:MODEL)';
const OPENAI_ONLY: Record<string, ApiKindUse> = {
  chat: 'chat',
  embedding: 'embedding',
  embeddings: 'embedding',
  completion: { refuse: COMPLETION_REFUSAL },
  responses: 'responses',
  assistant: { refuse: 'Assistants are not supported' },
  moderation: { refuse: 'moderation models are not supported' },
  realtime: { refuse: 'the Realtime API is not supported' },
  image: { refuse: 'image generation is not supported' },
  video: { refuse: 'video generation is not supported' },
  transcription: { refuse: 'transcription is not supported' },
  agents: { refuse: 'OpenAI Agents are not supported' },
  chatkit: { refuse: 'ChatKit is not supported' },
  codex: { refuse: 'Codex is not supported' },
  'codex-sdk': { refuse: 'Codex is not supported' },
  'codex-app-server': { refuse: 'Codex is not supported' },
  'codex-desktop': { refuse: 'Codex is not supported' },
};

/** Every vendor id Assay runs. An id whose prefix is not here is an error, never another model. */
export const PROMPTFOO_VENDORS: readonly PromptfooVendor[] = [
  {
    ids: ['openai'],
    kind: 'openai',
    // promptfoo: config.apiHost, config.apiBaseUrl, OPENAI_API_HOST, OPENAI_API_BASE_URL, OPENAI_BASE_URL.
    baseUrl: [{ config: 'apiHost' }, { config: 'apiBaseUrl' }, { env: 'OPENAI_API_HOST', host: true }, { env: 'OPENAI_API_BASE_URL' }, { env: 'OPENAI_BASE_URL' }],
    defaultBaseUrl: 'https://api.openai.com/v1',
    hostSuffix: '/v1',
    keyEnv: ['OPENAI_API_KEY'],
    honoursApiKeyEnvar: true,
    keyRequired: true,
    apiKinds: OPENAI_ONLY,
    kindDefaultModels: { chat: 'gpt-4.1-2025-04-14', responses: 'gpt-4.1-2025-04-14', embedding: 'text-embedding-3-large' },
    bareResponsesModels: OPENAI_BARE_RESPONSES,
    // promptfoo reads config.model only for its Codex providers; a chat model is the one the id names.
    unreadKeys: ['model'],
  },
  {
    ids: ['anthropic'],
    kind: 'anthropic',
    // promptfoo passes config.apiBaseUrl or ANTHROPIC_API_BASE_URL; without either the SDK reads ANTHROPIC_BASE_URL.
    baseUrl: [{ config: 'apiBaseUrl' }, { env: 'ANTHROPIC_API_BASE_URL' }, { env: 'ANTHROPIC_BASE_URL' }],
    defaultBaseUrl: 'https://api.anthropic.com',
    keyEnv: ['ANTHROPIC_API_KEY'],
    honoursApiKeyEnvar: false,
    keyRequired: true,
    apiKinds: {
      messages: 'chat',
      completion: { refuse: 'the legacy Text Completions API is not supported: use anthropic:messages:MODEL' },
      'claude-agent-sdk': { refuse: 'the Claude Agent SDK is not supported' },
      'claude-code': { refuse: 'Claude Code is not supported' },
    },
    configKeys: ['temperature', 'max_tokens', 'top_p', 'stop', 'tools', 'tool_choice', 'apiKey', 'apiBaseUrl', 'stream', 'headers', 'thinking', 'effort', 'showThinking'],
  },
  {
    ids: ['azure', 'azureopenai'],
    kind: 'azure-openai',
    // promptfoo: config.apiBaseUrl or config.apiHost; else the first of these variables that is set.
    baseUrl: [
      { config: 'apiBaseUrl' },
      { config: 'apiHost' },
      { env: 'AZURE_API_BASE_URL' },
      { env: 'AZURE_OPENAI_API_BASE_URL' },
      { env: 'AZURE_OPENAI_BASE_URL' },
      { env: 'AZURE_API_HOST', host: true },
      { env: 'AZURE_OPENAI_API_HOST', host: true },
    ],
    hostSuffix: '',
    keyEnv: ['AZURE_API_KEY', 'AZURE_OPENAI_API_KEY'],
    honoursApiKeyEnvar: true,
    keyRequired: true,
    apiKinds: {
      chat: 'chat',
      embedding: 'embedding',
      embeddings: 'embedding',
      completion: { refuse: COMPLETION_REFUSAL },
      responses: { refuse: 'the Azure Responses API is not supported yet: use azure:chat:DEPLOYMENT' },
      assistant: { refuse: 'Azure assistants are not supported' },
      'foundry-agent': { refuse: 'Azure AI Foundry agents are not supported' },
      moderation: { refuse: 'Azure Content Safety is not supported' },
      video: { refuse: 'video generation is not supported' },
    },
    configKeys: [
      'temperature', 'max_tokens', 'top_p', 'stop', 'seed', 'response_format', 'tools', 'tool_choice', 'frequency_penalty', 'presence_penalty',
      'max_completion_tokens', 'reasoning_effort', 'verbosity', 'apiBaseUrl', 'apiHost', 'apiKey', 'apiKeyEnvar', 'stream', 'headers', 'apiVersion',
    ],
    note: 'write azure:chat:DEPLOYMENT and set apiHost (or AZURE_API_HOST) and AZURE_API_KEY',
  },
  {
    ids: ['groq'],
    kind: 'openai-compatible',
    baseUrl: [],
    defaultBaseUrl: 'https://api.groq.com/openai/v1',
    keyEnv: ['GROQ_API_KEY'],
    honoursApiKeyEnvar: false,
    keyRequired: true,
    apiKinds: { responses: { refuse: 'the Groq Responses API is not supported: use groq:MODEL' } },
  },
  {
    ids: ['openrouter'],
    kind: 'openai-compatible',
    baseUrl: [{ config: 'apiBaseUrl' }],
    defaultBaseUrl: 'https://openrouter.ai/api/v1',
    keyEnv: ['OPENROUTER_API_KEY'],
    honoursApiKeyEnvar: true,
    keyRequired: true,
    apiKinds: {},
  },
  {
    ids: ['mistral'],
    kind: 'openai-compatible',
    // promptfoo: config.apiHost or MISTRAL_API_HOST (https://HOST/v1), then config.apiBaseUrl, MISTRAL_API_BASE_URL.
    baseUrl: [{ config: 'apiHost' }, { env: 'MISTRAL_API_HOST', host: true }, { config: 'apiBaseUrl' }, { env: 'MISTRAL_API_BASE_URL' }],
    defaultBaseUrl: 'https://api.mistral.ai/v1',
    hostSuffix: '/v1',
    keyEnv: ['MISTRAL_API_KEY'],
    honoursApiKeyEnvar: true,
    keyRequired: true,
    apiKinds: { chat: 'chat', embedding: 'embedding', embeddings: 'embedding' },
  },
  {
    ids: ['deepseek'],
    kind: 'openai-compatible',
    baseUrl: [],
    defaultBaseUrl: 'https://api.deepseek.com/v1',
    keyEnv: ['DEEPSEEK_API_KEY'],
    honoursApiKeyEnvar: false,
    keyRequired: true,
    apiKinds: {},
    defaultModel: 'deepseek-chat',
  },
  {
    ids: ['xai'],
    kind: 'openai-compatible',
    baseUrl: [],
    defaultBaseUrl: 'https://api.x.ai/v1',
    keyEnv: ['XAI_API_KEY'],
    honoursApiKeyEnvar: false,
    keyRequired: true,
    apiKinds: {
      responses: { refuse: 'the xAI Responses API is not supported: use xai:MODEL' },
      image: { refuse: 'image generation is not supported' },
      video: { refuse: 'video generation is not supported' },
      voice: { refuse: 'the xAI Voice API is not supported' },
      embedding: { refuse: 'xAI has no public embeddings API' },
      embeddings: { refuse: 'xAI has no public embeddings API' },
    },
  },
  {
    ids: ['togetherai'],
    kind: 'openai-compatible',
    baseUrl: [],
    defaultBaseUrl: 'https://api.together.xyz/v1',
    keyEnv: ['TOGETHER_API_KEY'],
    honoursApiKeyEnvar: false,
    keyRequired: true,
    apiKinds: { chat: 'chat', embedding: 'embedding', embeddings: 'embedding', completion: { refuse: COMPLETION_REFUSAL } },
  },
  {
    ids: ['fireworks'],
    kind: 'openai-compatible',
    baseUrl: [],
    defaultBaseUrl: 'https://api.fireworks.ai/inference/v1',
    keyEnv: ['FIREWORKS_API_KEY'],
    honoursApiKeyEnvar: false,
    keyRequired: true,
    apiKinds: {},
  },
  {
    ids: ['perplexity'],
    kind: 'openai-compatible',
    baseUrl: [],
    defaultBaseUrl: 'https://api.perplexity.ai',
    keyEnv: ['PERPLEXITY_API_KEY'],
    honoursApiKeyEnvar: false,
    keyRequired: true,
    apiKinds: {},
    defaultModel: 'sonar',
  },
  {
    ids: ['cerebras'],
    kind: 'openai-compatible',
    baseUrl: [{ config: 'apiBaseUrl' }],
    defaultBaseUrl: 'https://api.cerebras.ai/v1',
    keyEnv: ['CEREBRAS_API_KEY'],
    honoursApiKeyEnvar: true,
    keyRequired: true,
    apiKinds: {},
  },
  {
    ids: ['localai'],
    kind: 'openai-compatible',
    baseUrl: [{ config: 'apiBaseUrl' }, { env: 'LOCALAI_BASE_URL' }],
    defaultBaseUrl: 'http://localhost:8080/v1',
    // promptfoo's LocalAI provider sends no key and only the temperature (0.7 unless set).
    keyEnv: [],
    honoursApiKeyEnvar: false,
    keyRequired: false,
    apiKinds: { chat: 'chat', embedding: 'embedding', embeddings: 'embedding', completion: { refuse: COMPLETION_REFUSAL } },
    configKeys: ['temperature', 'apiBaseUrl'],
    promptfooKeys: ['temperature', 'apiBaseUrl'],
    defaultParams: { temperature: 0.7 },
  },
  {
    ids: ['ollama'],
    kind: 'ollama',
    // Ollama's native API at OLLAMA_BASE_URL, as promptfoo calls it (src/core/providers/ollamaProvider.ts).
    baseUrl: [{ env: 'OLLAMA_BASE_URL' }],
    defaultBaseUrl: 'http://localhost:11434',
    keyEnv: ['OLLAMA_API_KEY'],
    honoursApiKeyEnvar: false,
    keyRequired: false,
    apiKinds: { chat: 'chat', completion: 'completion', embedding: 'embedding', embeddings: 'embedding' },
    bareKind: 'completion',
    // promptfoo's Ollama providers forward exactly these keys (as Ollama `options`, `think`, `passthrough`,
    // `tools`) and drop every other one; the provider sends them as written.
    configKeys: OLLAMA_OPTION_KEYS,
    promptfooKeys: OLLAMA_OPTION_KEYS,
  },
];

/** Ids promptfoo does not have but users write, with what to write instead. */
export const NOT_PROMPTFOO_IDS: Record<string, string> = {
  vllm: 'promptfoo has no vllm: provider; write openai:chat:MODEL with config.apiBaseUrl: http://HOST:8000/v1',
  lmstudio: 'promptfoo has no lmstudio: provider; write openai:chat:MODEL with config.apiBaseUrl: http://localhost:1234/v1',
  together: 'the Together AI provider is togetherai:MODEL',
};

/** The vendor an id prefix names. */
export function vendorOf(prefix: string): PromptfooVendor | undefined {
  const p = prefix.toLowerCase();
  return PROMPTFOO_VENDORS.find((v) => v.ids.includes(p));
}
