// Provider configurations that point every provider kind at a running mock LLM server, for tests that
// want the real registry, engine and SDKs without a network.
import type { ProviderConfig } from '../../src/core/providers/providerTypes';
import type { MockLlm } from './mockLlmServer';

/** Test keys in an unusual format, so only the known-secret redaction (not a pattern) can catch them. */
export const TEST_OPENAI_KEY = 'zz-openai-TESTKEY-7f3a9c2e';
export const TEST_ANTHROPIC_KEY = 'zz-anthropic-TESTKEY-41bd08';

/**
 * `openai` and `anthropic` overridden to the mock (with the test keys), plus `local` (a keyless
 * OpenAI-compatible endpoint, like Ollama) and `azure` (Azure OpenAI, deployment-style URLs).
 */
export function mockProviderConfigs(mock: MockLlm, keys: { openai?: string; anthropic?: string } = {}): ProviderConfig[] {
  return [
    { name: 'openai', kind: 'openai', baseUrl: mock.openaiBaseUrl, apiKey: keys.openai ?? TEST_OPENAI_KEY },
    { name: 'anthropic', kind: 'anthropic', baseUrl: mock.anthropicBaseUrl, apiKey: keys.anthropic ?? TEST_ANTHROPIC_KEY },
    { name: 'local', kind: 'openai-compatible', baseUrl: mock.openaiBaseUrl },
    { name: 'azure', kind: 'azure-openai', baseUrl: mock.url, apiKey: keys.openai ?? TEST_OPENAI_KEY, apiVersion: '2024-10-21' },
  ];
}
