// From a promptfoo config's resolved providers to what the engine runs: endpoints (base URL, key
// variables) and model references, for the providers under test and for the graders named in
// `options.provider` and assertions' `provider`. The environment is read here, as promptfoo reads it.
import { resolveAssertionType } from '../assertions/assertionRegistry';
import type { AssertionSpec } from '../assertions/assertionTypes';
import { formatModelRef } from '../assertions/providerRef';
import { isRecord } from '../assertions/valueUtils';
import { ANTHROPIC_DEFAULT_BASE_URL } from '../providers/anthropicProvider';
import { OPENAI_DEFAULT_BASE_URL } from '../providers/openaiProvider';
import type { FileAccess } from '../files/safeFiles';
import type { ProviderConfig } from '../providers/providerTypes';
import type { ModelParams, ModelRef, Range } from '../types';
import { diagnostic, loadFileValue } from './normalizeCase';
import { promptfooGraderFrom, resolveEndpoint, type PromptfooProvider, type ResolvedEndpoint } from './promptfooProviders';
import type { BankDiagnostic, TestCase, TestDefaults } from './testBankTypes';

/** A provider of the config as the engine calls it. */
export interface PromptfooTarget {
  ref: ModelRef;
  label: string;
  params: ModelParams;
  stream?: boolean;
  /** Price calls as this model (the official API reached through an endpoint of the config's own). */
  priceAs?: ModelRef;
  /** Where calls go and which variables hold the key (for `--list`). */
  endpoint: ResolvedEndpoint;
}

/** The endpoints a config's providers need, shared by its targets and graders; one per distinct setting. */
export class PromptfooEndpoints {
  private readonly byIdentity = new Map<string, ProviderConfig>();

  constructor(private readonly env: Record<string, string | undefined>) {}

  /** Every endpoint handed out so far, for the provider registry. */
  list(): ProviderConfig[] {
    return [...this.byIdentity.values()];
  }

  /** The target for `p`, or why its endpoint cannot be resolved (an Azure deployment without a host). */
  target(p: PromptfooProvider): PromptfooTarget | { error: string } {
    const resolved = resolveEndpoint(p.endpoint, this.env);
    if ('error' in resolved) return { error: `${p.id}: ${resolved.error}` };
    const target: PromptfooTarget = { ref: p.model, label: p.label, params: p.params, endpoint: resolved };
    if (p.stream !== undefined) target.stream = p.stream;
    if (p.custom) {
      // promptfoo's own kinds (http, exec:, scripts, echo): an endpoint of their own per distinct id and config.
      const identity = JSON.stringify(['custom', p.custom]);
      let config = this.byIdentity.get(identity);
      if (!config) {
        config = { ...p.custom, name: `${p.custom.kind}~${this.byIdentity.size + 1}` };
        this.byIdentity.set(identity, config);
      }
      target.ref = { provider: config.name, model: p.model.model };
      return target;
    }
    if (p.endpoint.kind === 'echo') return target;
    if (this.isBuiltin(p, resolved)) return target;
    const identity = JSON.stringify([p.endpoint.vendor, resolved.kind, resolved.baseUrl ?? null, resolved.keyEnv, p.apiKey ?? null, resolved.apiVersion ?? null, resolved.headers ?? null, resolved.ollama ?? null]);
    let config = this.byIdentity.get(identity);
    if (!config) {
      // promptfoo sends an OpenAI endpoint of the config's own `max_tokens` as written: the compatible kind does too.
      const kind = resolved.kind === 'openai' ? 'openai-compatible' : resolved.kind;
      config = { name: `${p.endpoint.vendor}~${this.byIdentity.size + 1}`, kind, keyRequired: resolved.keyRequired };
      if (resolved.baseUrl !== undefined) config.baseUrl = resolved.baseUrl;
      // The key variables are looked up by name, exactly these and in this order (never a name derived from the endpoint's).
      if (resolved.keyEnv.length > 0) config.apiKeySecret = resolved.keyEnv[0]!;
      if (resolved.keyEnv.length > 1) config.apiKeySecretFallbacks = resolved.keyEnv.slice(1);
      if (resolved.apiVersion !== undefined) config.apiVersion = resolved.apiVersion;
      if (resolved.headers !== undefined) config.headers = resolved.headers;
      if (resolved.ollama !== undefined) config.ollama = resolved.ollama;
      // Not enumerable, like on the promptfoo provider: serialising the config leaves the key out.
      if (p.apiKey !== undefined) Object.defineProperty(config, 'apiKey', { value: p.apiKey, enumerable: false });
      this.byIdentity.set(identity, config);
    }
    target.ref = { provider: config.name, model: p.model.model };
    const official = p.endpoint.vendor === 'openai' ? OPENAI_DEFAULT_BASE_URL : p.endpoint.vendor === 'anthropic' ? ANTHROPIC_DEFAULT_BASE_URL : undefined;
    if (official !== undefined && (resolved.baseUrl ?? official).replace(/\/+$/, '') === official) target.priceAs = p.model;
    return target;
  }

  /** Whether the built-in `openai`/`anthropic` provider (which the CLI points at OPENAI_BASE_URL / ANTHROPIC_BASE_URL) is this very endpoint. */
  private isBuiltin(p: PromptfooProvider, resolved: ResolvedEndpoint): boolean {
    if (p.apiKey !== undefined || resolved.headers !== undefined || resolved.apiVersion !== undefined) return false;
    const vendor = p.endpoint.vendor;
    if (vendor !== 'openai' && vendor !== 'anthropic') return false;
    const builtinBase = vendor === 'openai' ? this.env.OPENAI_BASE_URL || OPENAI_DEFAULT_BASE_URL : this.env.ANTHROPIC_BASE_URL || ANTHROPIC_DEFAULT_BASE_URL;
    const keyVar = vendor === 'openai' ? 'OPENAI_API_KEY' : 'ANTHROPIC_API_KEY';
    return resolved.keyEnv.length === 1 && resolved.keyEnv[0] === keyVar && (resolved.baseUrl ?? '').replace(/\/+$/, '') === builtinBase.replace(/\/+$/, '');
  }
}

/**
 * promptfoo's own default graders, which a config without `options.provider` is graded by: its OpenAI
 * defaults, or its Anthropic ones when only ANTHROPIC_API_KEY is set (promptfoo's getDefaultProviders).
 * Taken from promptfoo's src/providers/openai/defaults.ts and anthropic/defaults.ts; its Anthropic
 * defaults have no embeddings model, so `similar` falls back to OpenAI's there too.
 */
export function promptfooDefaultGraders(env: Record<string, string | undefined>): { text: string; embedding: string } {
  const anthropicOnly = !env.OPENAI_API_KEY && Boolean(env.ANTHROPIC_API_KEY);
  return {
    text: anthropicOnly ? 'anthropic:messages:claude-sonnet-4-6' : 'openai:chat:gpt-5.5-2026-04-23',
    embedding: 'openai:embedding:text-embedding-3-large',
  };
}

interface GraderContext {
  file: string;
  baseDir: string;
  /** What `file://` rubric prompts may be read from. */
  files: FileAccess;
  range?: Range;
  diags: BankDiagnostic[];
  endpoints: PromptfooEndpoints;
  /** Resolved values by their JSON, so a grader named in every case is resolved (and reported) once. */
  seen: Map<string, unknown>;
  /** promptfoo's default graders, for model-graded assertions that name none (absent: the run's own default). */
  defaults?: { text?: string; embedding?: string };
}

/** One grader value (`"openai:gpt-4o"` or `{ id, config }`) as the `{ id, params }` the assertions read. */
function graderValue(value: unknown, role: 'grader' | 'embedding', ctx: GraderContext): unknown {
  const key = `${role} ${JSON.stringify(value)}`;
  if (ctx.seen.has(key)) return ctx.seen.get(key);
  const before = ctx.diags.length;
  const provider = promptfooGraderFrom(value, role, { file: ctx.file, baseDir: ctx.baseDir, diags: ctx.diags, ...(ctx.range ? { range: ctx.range } : {}) });
  let out: unknown = value;
  if (provider) {
    if (provider.use === 'chat' && role === 'embedding') {
      ctx.diags.push(diagnostic(ctx.file, 'error', 'invalid-provider', `${provider.id} is a chat model; an embeddings provider is written like openai:embedding:text-embedding-3-small`, ctx.range));
    } else {
      const target = ctx.endpoints.target(provider);
      if ('error' in target) ctx.diags.push(diagnostic(ctx.file, 'error', 'invalid-provider', target.error, ctx.range));
      else out = Object.keys(target.params).length > 0 ? { id: formatModelRef(target.ref), params: target.params } : { id: formatModelRef(target.ref) };
    }
  }
  // A problem is reported once; later uses of the same value keep it as written (the run will not start).
  if (ctx.diags.slice(before).some((d) => d.severity === 'error')) out = value;
  ctx.seen.set(key, out);
  return out;
}

/** promptfoo's default chat grader; its reasoning models take no temperature, so none is sent. */
function defaultGrader(id: string, ctx: GraderContext): unknown {
  const v = graderValue(id, 'grader', ctx);
  return isRecord(v) && /gpt-5|\bo[134]/.test(String(v.id)) ? { ...v, params: { ...(isRecord(v.params) ? v.params : {}), temperature: undefined } } : v;
}

/** The keys of promptfoo's `options.provider` map, one provider per use. */
const PROVIDER_USES = ['text', 'embedding', 'moderation', 'classification'];
const isProviderMap = (value: unknown): value is Record<string, unknown> => isRecord(value) && !('id' in value) && PROVIDER_USES.some((k) => k in value);

/** `options.provider`: a grader, or `{ text, embedding, moderation, classification }` naming one per use. */
function optionsProvider(value: unknown, ctx: GraderContext): unknown {
  if (isProviderMap(value)) {
    // Moderation and classification models are read as written, by the assertions that call them.
    const out: Record<string, unknown> = { ...value };
    if (value.text !== undefined) out.text = graderValue(value.text, 'grader', ctx);
    if (value.embedding !== undefined) out.embedding = graderValue(value.embedding, 'embedding', ctx);
    return out;
  }
  return graderValue(value, 'grader', ctx);
}

/** `options.rubricPrompt` as the prompt text or message list (a `file://` reference read). */
function rubricOf(value: unknown, ctx: GraderContext): AssertionSpec['rubricPrompt'] | undefined {
  const key = `rubric ${JSON.stringify(value)}`;
  if (ctx.seen.has(key)) return ctx.seen.get(key) as AssertionSpec['rubricPrompt'] | undefined;
  const out = readRubric(value, ctx);
  ctx.seen.set(key, out);
  return out;
}

function readRubric(value: unknown, ctx: GraderContext): AssertionSpec['rubricPrompt'] | undefined {
  let v = value;
  if (typeof v === 'string' && v.startsWith('file://')) {
    const loaded = loadFileValue(v, ctx.baseDir, ctx.files);
    if ('error' in loaded) {
      ctx.diags.push(diagnostic(ctx.file, 'error', 'file-not-found', `rubricPrompt: ${loaded.error as string}`, ctx.range));
      return undefined;
    }
    v = loaded.value;
  }
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.every((m) => isRecord(m) && typeof m.role === 'string' && typeof m.content === 'string')) return v as { role: string; content: string }[];
  ctx.diags.push(diagnostic(ctx.file, 'error', 'invalid-options', 'rubricPrompt must be a prompt text, a list of { role, content } messages or a file:// reference', ctx.range));
  return undefined;
}

/**
 * A `{ text, embedding, … }` map must name a provider for every use of the assertions it grades: promptfoo's
 * getGradingProvider throws "Invalid provider definition for output type …" rather than fall back to a
 * default, so a map without the use is an error here (reported once per map and type).
 */
function checkProviderMap(spec: AssertionSpec, uses: readonly string[], provider: unknown, ctx: GraderContext): void {
  if (!isProviderMap(provider)) return;
  const missing = uses.find((u) => provider[u] === undefined || provider[u] === null);
  if (missing === undefined) return;
  const key = `map ${spec.type} ${JSON.stringify(provider)}`;
  if (ctx.seen.has(key)) return;
  ctx.seen.set(key, true);
  const where = spec.provider === undefined ? 'options.provider' : 'its provider';
  ctx.diags.push(
    diagnostic(
      ctx.file,
      'error',
      'invalid-provider',
      `${spec.type} needs a "${missing}" provider, but ${where} names one only for ${Object.keys(provider).join(', ')}: add ${missing}: <provider id> (promptfoo stops there too, with "Invalid provider definition for output type '${missing}'")`,
      ctx.range,
    ),
  );
}

/** A case's (or the defaults') graders resolved; model-graded assertions get `options.rubricPrompt` unless they set their own. */
function resolveCaseGraders<T extends TestCase | TestDefaults>(c: T, ctx: GraderContext): T {
  const out = { ...c };
  if (c.options && c.options.provider !== undefined) out.options = { ...c.options, provider: optionsProvider(c.options.provider, ctx) };
  const graded = (c.assert ?? []).some((spec) => resolveAssertionType(spec.type)?.definition.modelGraded);
  if (ctx.defaults && graded) {
    // What promptfoo grades with when the test names no grader (or names only one of the two).
    const given = c.options?.provider;
    const split = isProviderMap(given);
    const resolved = out.options?.provider;
    const text = given === undefined ? undefined : split ? (resolved as Record<string, unknown>).text : resolved;
    const embedding = split ? (resolved as Record<string, unknown>).embedding : undefined;
    const provider: Record<string, unknown> = split ? { ...(resolved as Record<string, unknown>) } : {};
    const t = text ?? (ctx.defaults.text !== undefined ? defaultGrader(ctx.defaults.text, ctx) : undefined);
    const e = embedding ?? (ctx.defaults.embedding !== undefined ? graderValue(ctx.defaults.embedding, 'embedding', ctx) : undefined);
    if (t !== undefined) provider.text = t;
    if (e !== undefined) provider.embedding = e;
    if (Object.keys(provider).length > 0) out.options = { ...out.options, provider };
  }
  const rubric = c.options?.rubricPrompt !== undefined ? rubricOf(c.options.rubricPrompt, ctx) : undefined;
  if (c.assert) {
    out.assert = c.assert.map((spec) => {
      const resolved = resolveAssertionType(spec.type);
      const uses = resolved?.definition.uses ?? (resolved?.definition.modelGraded ? ['text'] : []);
      checkProviderMap(spec, uses, spec.provider === undefined ? c.options?.provider : spec.provider, ctx);
      if (!resolved?.definition.modelGraded) return spec;
      const next: AssertionSpec = { ...spec };
      const split = isRecord(spec.provider) && !('id' in spec.provider);
      if (spec.provider !== undefined) next.provider = (split ? optionsProvider(spec.provider, ctx) : graderValue(spec.provider, uses.includes('text') ? 'grader' : 'embedding', ctx)) as AssertionSpec['provider'];
      if (rubric !== undefined && next.rubricPrompt === undefined) next.rubricPrompt = rubric;
      return next;
    });
  }
  return out;
}

/**
 * The graders of a config's tests resolved as promptfoo resolves them: `options.provider` (from
 * `defaultTest` or the case) and an assertion's `provider` become endpoints of their own with their own
 * `config` (base URL, key, temperature); `options.rubricPrompt` goes to every model-graded assertion that
 * has none. `cases` have their defaults applied already; `defaults` is read first so that its problems are
 * reported once, where `defaultTest` is written. Problems go to `diags`.
 */
export function resolvePromptfooGraders(
  cases: TestCase[],
  defaults: TestDefaults,
  endpoints: PromptfooEndpoints,
  where: { file: string; baseDir: string; files: FileAccess; defaultsRange?: Range; defaultGraders?: { text?: string; embedding?: string } },
  diags: BankDiagnostic[],
): TestCase[] {
  const seen = new Map<string, unknown>();
  const base = { file: where.file, baseDir: where.baseDir, files: where.files, diags, endpoints, seen, ...(where.defaultGraders ? { defaults: where.defaultGraders } : {}) };
  resolveCaseGraders(defaults, { ...base, ...(where.defaultsRange ? { range: where.defaultsRange } : {}) });
  return cases.map((c) => resolveCaseGraders(c, { ...base, file: c.source.file, ...(c.range ? { range: c.range } : {}) }));
}
