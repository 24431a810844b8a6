// Validates `assay.endpoints` (user input) into `ProviderConfig`s, with one readable problem per mistake.
// A bad entry is skipped; the others still work.
import { withoutCredentials } from '../redact';
import type { ProviderConfig, ProviderKind } from './providerTypes';

const ENDPOINT_KINDS: ProviderKind[] = ['openai-compatible', 'azure-openai', 'openai', 'anthropic'];
const NAME = /^[a-z0-9][a-z0-9._-]*$/;

/** The endpoints that passed, and what was wrong with the others. */
export interface EndpointSettingsResult {
  configs: ProviderConfig[];
  problems: string[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses the raw value of `assay.endpoints`. */
export function parseEndpointSettings(raw: unknown): EndpointSettingsResult {
  const configs: ProviderConfig[] = [];
  const problems: string[] = [];
  if (raw === undefined || raw === null) return { configs, problems };
  if (!Array.isArray(raw)) return { configs, problems: ['assay.endpoints must be a list of endpoints'] };
  const seen = new Set<string>();
  raw.forEach((entry, i) => {
    const at = `assay.endpoints[${i}]`;
    if (!isRecord(entry)) {
      problems.push(`${at} must be an object with a name and a baseUrl`);
      return;
    }
    const name = typeof entry.name === 'string' ? entry.name.trim().toLowerCase() : '';
    if (!NAME.test(name)) {
      problems.push(`${at}: name must be letters, digits, '.', '_' or '-' (it is what model references use, e.g. ollama:llama3.1)`);
      return;
    }
    const where = `endpoint "${name}"`;
    if (name === 'echo') {
      problems.push(`${where}: "echo" is reserved for the built-in echo provider`);
      return;
    }
    if (seen.has(name)) {
      problems.push(`${where} is defined twice; the first definition is used`);
      return;
    }
    const builtin = name === 'openai' || name === 'anthropic';
    const kind = entry.kind ?? (builtin ? name : 'openai-compatible');
    if (typeof kind !== 'string' || !ENDPOINT_KINDS.includes(kind as ProviderKind)) {
      problems.push(`${where}: kind must be one of ${ENDPOINT_KINDS.join(', ')}`);
      return;
    }
    const config: ProviderConfig = { name, kind: kind as ProviderKind };
    if (entry.baseUrl !== undefined) {
      let url: URL | undefined;
      try {
        url = typeof entry.baseUrl === 'string' ? new URL(entry.baseUrl) : undefined;
      } catch {
        url = undefined;
      }
      if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
        problems.push(`${where}: baseUrl must be an http:// or https:// URL, e.g. http://localhost:11434/v1`);
        return;
      }
      config.baseUrl = (entry.baseUrl as string).replace(/\/+$/, '');
    } else if (!builtin) {
      problems.push(`${where} needs a baseUrl, e.g. http://localhost:11434/v1`);
      return;
    }
    if ('apiKey' in entry || 'key' in entry) {
      problems.push(`${where}: keys don't belong in settings; the key field was ignored. Run "Assay: Set API Key" instead`);
    }
    const secret = entry.apiKeySecret ?? entry.secret;
    if (secret !== undefined) {
      if (typeof secret !== 'string' || secret.trim() === '') problems.push(`${where}: apiKeySecret must be a non-empty string`);
      else config.apiKeySecret = secret.trim();
    }
    if (entry.headers !== undefined) {
      if (!isRecord(entry.headers) || !Object.values(entry.headers).every((v) => typeof v === 'string')) {
        problems.push(`${where}: headers must map header names to strings; they were ignored`);
      } else {
        config.headers = entry.headers as Record<string, string>;
      }
    }
    if (entry.apiVersion !== undefined) {
      if (typeof entry.apiVersion !== 'string' || entry.apiVersion.trim() === '') problems.push(`${where}: apiVersion must be a string like 2024-10-21`);
      else config.apiVersion = entry.apiVersion.trim();
    }
    if (entry.maxConcurrency !== undefined) {
      const n = entry.maxConcurrency;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) problems.push(`${where}: maxConcurrency must be a whole number of at least 1; it was ignored`);
      else config.maxConcurrency = n;
    }
    if (entry.models !== undefined) {
      if (!Array.isArray(entry.models) || !entry.models.every((m) => typeof m === 'string' && m.trim() !== '')) {
        problems.push(`${where}: models must be a list of model names; it was ignored`);
      } else {
        config.models = (entry.models as string[]).map((m) => m.trim());
      }
    }
    seen.add(name);
    configs.push(config);
  });
  return { configs, problems };
}

/** One provider a key can be set for, as the Set/Clear API Key pickers list it. */
export interface KeyTarget {
  name: string;
  description: string;
}

const BUILTIN_KEY_TARGETS: readonly KeyTarget[] = [
  { name: 'openai', description: 'OpenAI (falls back to OPENAI_API_KEY)' },
  { name: 'anthropic', description: 'Anthropic (falls back to ANTHROPIC_API_KEY)' },
];

/**
 * The providers a key can be set for: the built-ins, then every configured endpoint, each name once.
 * An endpoint that re-points a built-in (a gateway named `openai`) is that built-in's row, with its URL.
 */
export function keyTargets(endpoints: readonly Pick<ProviderConfig, 'name' | 'baseUrl'>[]): KeyTarget[] {
  const out = BUILTIN_KEY_TARGETS.map((t) => ({ ...t }));
  for (const e of endpoints) {
    const name = e.name.toLowerCase();
    const builtin = out.find((t) => t.name === name);
    if (builtin) {
      if (e.baseUrl) builtin.description = `${builtin.description.replace(/ \(falls back/, ` via ${withoutCredentials(e.baseUrl)} (falls back`)}`;
    } else if (!out.some((t) => t.name === name)) out.push({ name, description: e.baseUrl ? withoutCredentials(e.baseUrl) : '' });
  }
  return out;
}
