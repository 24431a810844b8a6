// "Copy as curl": a stored request as a shell command that sends it again. The body is the stored payload
// (already redacted); the key is never known here: it appears as an environment variable placeholder
// (`$OPENAI_API_KEY`, `$ANTHROPIC_API_KEY`, `$NAME_API_KEY`), and so do extra endpoint headers, whose
// values the providers treat as secrets too.
import { ANTHROPIC_DEFAULT_BASE_URL } from '../providers/anthropicProvider';
import { OLLAMA_DEFAULT_BASE_URL } from '../providers/ollamaProvider';
import { AZURE_DEFAULT_API_VERSION, OPENAI_DEFAULT_BASE_URL } from '../providers/openaiProvider';
import type { ProviderConfig } from '../providers/providerTypes';
import { keyEnvNames } from '../providers/sdkProvider';
import { withoutCredentials } from '../redact';

/** The Anthropic API version the SDK sends. */
const ANTHROPIC_VERSION = '2023-06-01';

/** Quotes a string for POSIX shells: single quotes, with embedded ones closed, escaped and reopened. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function headerEnvName(header: string): string {
  return `ASSAY_HEADER_${header.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`;
}

/** What a curl command is built from. */
export interface CurlInput {
  /** The exact (redacted) payload that was sent. */
  request: unknown;
  model: string;
  /** The provider as configured now (base URL, kind, API version, header names). */
  provider: Pick<ProviderConfig, 'name' | 'kind' | 'baseUrl' | 'apiVersion' | 'headers' | 'apiKeySecret' | 'ollama'>;
}

/** The command, or why there is none (an echo provider, a payload that is not an object). */
export function curlCommand(input: CurlInput): { command: string; keyVariable: string | null } | { error: string } {
  const { provider, request } = input;
  if (typeof request !== 'object' || request === null || Array.isArray(request)) return { error: 'This trace has no stored request payload to send again.' };
  const keyVariable = keyEnvNames(provider)[0]!;
  const headers: string[] = ['Content-Type: application/json'];
  let url: string;
  switch (provider.kind) {
    case 'echo':
      return { error: 'The echo provider answers inside Assay; there is no HTTP request to copy.' };
    case 'http':
    case 'exec':
    case 'javascript':
    case 'python':
      return { error: `A ${provider.kind} provider from a promptfoo config has no OpenAI-style request to copy; its stored payload shows what was sent.` };
    case 'anthropic':
      url = `${(provider.baseUrl ?? ANTHROPIC_DEFAULT_BASE_URL).replace(/\/+$/, '')}/v1/messages`;
      headers.push(`x-api-key: $${keyVariable}`, `anthropic-version: ${ANTHROPIC_VERSION}`);
      break;
    case 'azure-openai': {
      const base = (provider.baseUrl ?? '').replace(/\/+$/, '').replace(/\/openai$/, '');
      url = `${base}/openai/deployments/${encodeURIComponent(input.model)}/chat/completions?api-version=${encodeURIComponent(provider.apiVersion ?? AZURE_DEFAULT_API_VERSION)}`;
      headers.push(`api-key: $${keyVariable}`);
      break;
    }
    case 'ollama':
      // Ollama's native API (promptfoo's ollama: providers); the key is optional there.
      url = `${(provider.baseUrl ?? OLLAMA_DEFAULT_BASE_URL).replace(/\/+$/, '')}/api/${provider.ollama?.api ?? 'chat'}`;
      headers.push(`Authorization: Bearer $${keyVariable}`);
      break;
    case 'openai':
    case 'openai-compatible':
      url = `${(provider.baseUrl ?? OPENAI_DEFAULT_BASE_URL).replace(/\/+$/, '')}/chat/completions`;
      headers.push(`Authorization: Bearer $${keyVariable}`);
      break;
  }
  for (const name of Object.keys(provider.headers ?? {})) headers.push(`${name}: $${headerEnvName(name)}`);
  // Credentials in the base URL stay out of the copy, like keys: curl takes them from a variable.
  const bare = withoutCredentials(url);
  const userLine = bare !== url ? ['  -u "$ASSAY_URL_CREDENTIALS"'] : [];
  url = bare;
  const streaming = (request as { stream?: unknown }).stream === true;
  const lines = [
    `curl ${streaming ? '-N ' : ''}${shellQuote(url)}`,
    // Double quotes so the shell expands the placeholders; header names and our values hold no `"`, `\` or backtick.
    ...headers.map((h) => `  -H "${h.replace(/["\\`]/g, '')}"`),
    ...userLine,
    `  -d ${shellQuote(JSON.stringify(request, null, 2))}`,
  ];
  return { command: lines.join(' \\\n'), keyVariable };
}
