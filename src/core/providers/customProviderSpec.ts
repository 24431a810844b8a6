// Reads a promptfoo provider id + `config` into a provider configuration for the custom kinds: `http`
// (the user's own endpoint), `exec:` commands, and `file://` JavaScript/TypeScript and Python scripts.
// Everything that can be checked without calling anything is checked here, so a config Assay cannot run
// as written is an error before any call.
import { existsSync, statSync } from 'node:fs';
import { extname, isAbsolute, relative, resolve } from 'node:path';
import type { CustomProviderKind, ProviderConfig } from './providerTypes';

const JS_EXTENSIONS = new Set(['.js', '.cjs', '.mjs', '.ts', '.cts', '.mts', '.jsx', '.tsx']);

/** The kinds that run the workspace's own code: refused outside trusted workspaces and the CLI. */
export const CODE_PROVIDER_KINDS: ReadonlySet<string> = new Set<CustomProviderKind>(['exec', 'javascript', 'python']);

/** The `http` config keys that hold JavaScript. */
export const HTTP_CODE_KEYS = ['transformRequest', 'transformResponse', 'responseParser', 'sessionParser', 'validateStatus'] as const;

/** Whether calling this provider runs workspace code: `exec`, scripts, or an `http` provider with JavaScript transforms. */
export function runsWorkspaceCode(config: Readonly<Pick<ProviderConfig, 'kind' | 'custom'>>): boolean {
  if (CODE_PROVIDER_KINDS.has(config.kind)) return true;
  return config.kind === 'http' && HTTP_CODE_KEYS.some((k) => config.custom?.options[k] !== undefined);
}

/** Whether a promptfoo provider id names one of the custom kinds (so `customProviderConfig` handles it). */
export function isCustomProviderId(id: string): boolean {
  return id === 'echo' || id === 'http' || id === 'https' || /^(https?:|exec:|python:|file:\/\/|javascript:)/.test(id) || /\.(m?js|cjs|ts|mts|cts|py)(:[\w$.]+)?$/.test(id);
}

/** A custom provider's configuration (named by the caller), or why it cannot run. */
export type CustomProviderResult = { config: Omit<ProviderConfig, 'name'>; model: string } | { error: string };

/** Splits `path:functionName` when the part before the colon is a script path. */
function splitFunction(spec: string, extensions: ReadonlySet<string>): { path: string; functionName?: string } {
  const m = /^(.*\.[A-Za-z]+):([A-Za-z_$][\w$.]*)$/.exec(spec);
  if (m && extensions.has(extname(m[1]!).toLowerCase())) return { path: m[1]!, functionName: m[2]! };
  return { path: spec };
}

function scriptFile(path: string, basePath: string, id: string): { file: string } | { error: string } {
  const file = isAbsolute(path) ? path : resolve(basePath, path);
  if (!existsSync(file) || !statSync(file).isFile()) return { error: `provider ${id}: script not found: ${relative(basePath, file) || file}` };
  return { file };
}

/**
 * The provider configuration for a promptfoo custom provider id, `undefined` when `id` is none of the
 * custom kinds (a vendor id such as `openai:gpt-5.5`). `basePath` is the config file's folder.
 */
export function customProviderConfig(id: string, options: unknown, basePath: string): CustomProviderResult | undefined {
  const trimmed = id.trim();
  // `file://providers.yaml` is a list of providers, read by the config loader, not a provider.
  if (!isCustomProviderId(trimmed) || /^file:\/\/.+\.(ya?ml|json)$/i.test(trimmed)) return undefined;
  if (options !== undefined && options !== null && (typeof options !== 'object' || Array.isArray(options))) return { error: `provider ${id}: config must be a mapping` };
  const opts = { ...((options ?? {}) as Record<string, unknown>) };
  const spec = (kind: CustomProviderKind | 'echo', target: string, functionName?: string) => ({
    kind,
    custom: { id: trimmed, basePath, target, options: opts, ...(functionName ? { functionName } : {}) },
  });

  if (trimmed === 'echo') return { config: spec('echo', 'echo'), model: 'echo' };
  if (trimmed === 'http' || trimmed === 'https' || /^https?:\/\//.test(trimmed)) {
    const url = typeof opts.url === 'string' && opts.url !== '' ? opts.url : /^https?:\/\//.test(trimmed) ? trimmed : undefined;
    if (url === undefined) return { error: `provider ${id}: config.url is required` };
    if (typeof opts.request === 'string') return { error: `provider ${id}: raw HTTP requests (config.request) are not supported: use url, method, headers and body` };
    const method = typeof opts.method === 'string' ? opts.method.toUpperCase() : undefined;
    if (opts.body === undefined && method !== undefined && method !== 'GET') return { error: `provider ${id}: config.body is required for method ${method}` };
    for (const key of ['auth', 'signatureAuth', 'tls', 'session', 'oauth'] as const) {
      if (opts[key] !== undefined) return { error: `provider ${id}: config.${key} is not supported: put credentials in headers (e.g. Authorization: 'Bearer {{env.MY_TOKEN}}')` };
    }
    return { config: spec('http', url), model: url };
  }

  if (trimmed.startsWith('exec:')) {
    const command = trimmed.slice('exec:'.length).trim();
    if (command === '') return { error: `provider ${id}: exec: needs a command, e.g. exec: python3 run.py` };
    return { config: spec('exec', command), model: command };
  }

  let rest = trimmed;
  let forcePython = false;
  if (rest.startsWith('python:')) {
    rest = rest.slice('python:'.length).trim();
    forcePython = true;
  } else if (rest.startsWith('file://')) rest = rest.slice('file://'.length);
  else if (rest.startsWith('javascript:')) rest = rest.slice('javascript:'.length).trim();

  const python = splitFunction(rest, new Set(['.py']));
  if (forcePython || extname(python.path).toLowerCase() === '.py') {
    const found = scriptFile(python.path, basePath, id);
    if ('error' in found) return found;
    return { config: spec('python', found.file, python.functionName), model: relative(basePath, found.file) || python.path };
  }
  const js = splitFunction(rest, JS_EXTENSIONS);
  if (JS_EXTENSIONS.has(extname(js.path).toLowerCase())) {
    const found = scriptFile(js.path, basePath, id);
    if ('error' in found) return found;
    return { config: spec('javascript', found.file, js.functionName), model: relative(basePath, found.file) || js.path };
  }
  return { error: `provider ${id}: only http(s), exec:, and file:// JavaScript, TypeScript or Python providers are supported` };
}

/** Where a custom provider's calls go, for plans (`assay test --list`): after "MODEL at". */
export function describeCustomProvider(config: Readonly<Pick<ProviderConfig, 'kind' | 'custom'>>): string {
  const c = config.custom;
  if (!c) return config.kind;
  switch (config.kind) {
    case 'http':
      return `${c.target}, your app (no key: credentials go in its headers)`;
    case 'exec':
      return `${c.basePath}, a command (workspace code)`;
    case 'javascript':
      return `${c.basePath}, a JavaScript module (workspace code)`;
    case 'python':
      return `${c.basePath}, a Python script (workspace code)`;
    default:
      return c.id;
  }
}
