// Reads the YAML front matter into the document model. Assay's keys and Prompty's (v1 and v2) land in
// the same fields; every problem becomes a diagnostic on the exact YAML node, never an exception.
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { isMap, isScalar, isSeq, parseDocument, visit, type Document, type Node } from 'yaml';
import { unclosedOpener } from '../files/yamlErrors';
import { yamlValue } from '../files/yamlLimits';
import type { Diagnostic, ModelParams, ModelRef, Range, Severity } from '../types';
import { didYouMean } from './didYouMean';
import { promptyOutputs, promptyTools } from './promptyTools';
import { readEffort, readThinking } from './thinkingParams';
import type { LineIndex } from './lineIndex';
import type { PromptFileKind, PromptInput, PromptModel, PromptTests } from './promptDocument';

/** Top-level keys of a `.prompt` file. */
export const PROMPT_KEYS = ['name', 'description', 'version', 'tags', 'metadata', 'model', 'models', 'api', 'params', 'inputs', 'tests'] as const;
/** Further top-level keys a `.prompty` file may hold (Prompty v1 and v2). */
export const PROMPTY_KEYS = ['$schema', 'id', 'kind', 'displayName', 'authors', 'sample', 'outputs', 'template', 'tools', 'base'] as const;
/** Parameters Assay passes to providers (`ModelParams`). */
export const PARAM_KEYS = [
  'temperature', 'max_tokens', 'top_p', 'stop', 'seed', 'response_format', 'tools', 'tool_choice', 'reasoning_effort', 'verbosity', 'reasoning_summary',
  'thinking', 'effort', 'showThinking',
] as const;
/** The values each enumerated parameter takes (openai-node 6.30.1: ReasoningEffort, text.verbosity, Reasoning.summary). */
export const PARAM_VALUES = {
  reasoning_effort: ['none', 'minimal', 'low', 'medium', 'high', 'xhigh'],
  verbosity: ['low', 'medium', 'high'],
  reasoning_summary: ['auto', 'concise', 'detailed'],
} as const;
/** The OpenAI APIs a prompt may choose with `api:`. */
export const API_VALUES = ['chat', 'responses'] as const;
/** Provider parameters Assay knows of but does not send yet. */
const UNSUPPORTED_PARAMS = new Set([
  'frequency_penalty', 'presence_penalty', 'logit_bias', 'logprobs', 'top_logprobs', 'n', 'user', 'parallel_tool_calls',
  'top_k', 'service_tier', 'store', 'stream', 'metadata', 'allow_multiple_tool_calls', 'modalities',
]);
/** Prompty v2 `model.options` names → Assay's. */
const OPTION_ALIASES: Record<string, string> = {
  maxOutputTokens: 'max_tokens', max_output_tokens: 'max_tokens', maxTokens: 'max_tokens', topP: 'top_p',
  stopSequences: 'stop', stop_sequences: 'stop', responseFormat: 'response_format', toolChoice: 'tool_choice',
  topK: 'top_k', frequencyPenalty: 'frequency_penalty', presencePenalty: 'presence_penalty', allowMultipleToolCalls: 'allow_multiple_tool_calls',
  show_thinking: 'showThinking',
};
/** `max_completion_tokens` (chat completions) and `max_output_tokens` (Responses API) are OpenAI's names for the same limit. */
const PARAM_ALIASES: Record<string, string> = { max_completion_tokens: 'max_tokens', max_output_tokens: 'max_tokens', show_thinking: 'showThinking' };
/** Keys of an input's long form. */
export const INPUT_SPEC_KEYS = [
  'type', 'kind', 'description', 'default', 'sample', 'example', 'required', 'enum', 'enumValues', 'items', 'properties',
  'additionalProperties', 'nullable', 'anyOf', 'oneOf',
] as const;
/** Input types (Prompty's `kind`s included; `messages`/`thread` hold a list of chat messages). */
export const INPUT_TYPES = ['string', 'number', 'integer', 'float', 'boolean', 'object', 'array', 'list', 'messages', 'thread', 'image', 'audio', 'file', 'any'] as const;
const MODEL_KEYS = ['api', 'configuration', 'parameters', 'id', 'provider', 'apiType', 'api_type', 'connection', 'options'];

const MODEL_REF = /^([A-Za-z][\w.-]*):(\S+)$/;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Parses `provider:model` (the model part may hold more colons: `ollama:llama3.1:8b`).
 * Returns the reference, or an error message explaining the expected shape.
 */
export function parseModelRef(text: string): ModelRef | { error: string } {
  const t = text.trim();
  const m = MODEL_REF.exec(t);
  if (m) return { provider: m[1]!, model: m[2]! };
  if (t === '') return { error: 'Empty model reference: write provider:model, e.g. openai:gpt-5.5.' };
  if (/\s/.test(t)) return { error: `Model reference '${t}' must not contain spaces: write provider:model, e.g. openai:gpt-5.5.` };
  if (!t.includes(':')) return { error: `Model reference '${t}' needs a provider: write provider:model, e.g. openai:${t}.` };
  return { error: `Malformed model reference '${t}': write provider:model, where provider is a name like openai, anthropic or a configured endpoint.` };
}

/** What the front matter contributes to a `PromptDocument`. */
export interface FrontMatterFields {
  data?: Record<string, unknown>;
  keyRanges: Map<string, Range>;
  name?: string;
  description?: string;
  models: PromptModel[];
  params: ModelParams;
  inputs: Map<string, PromptInput>;
  tests?: PromptTests;
  /** `.prompty` only: the Prompty file version the front matter is written for. */
  promptyVersion?: 1 | 2;
}

/**
 * Prompty 2.0 files name a model by `id` (or a bare string), type inputs with `kind` (or list them) and
 * have no top-level `sample`; a file that shows a 0.1/1.0 trait (`sample`, `model.api`/`configuration`/
 * `parameters`, inputs typed with `type` or given as bare values) and none of 2.0 is a 0.1/1.0 file, and
 * one that shows neither (no model, no inputs) is read as the current version, 2.0. The two render
 * differently (`sample` and an input's `sample` are defaults only in 0.1/1.0; 2.0 keeps the template's
 * trailing newline).
 */
export function promptyVersionOf(data: Record<string, unknown> | undefined): 1 | 2 {
  if (!data) return 2;
  if ('sample' in data) return 1;
  const model = data['model'];
  if (typeof model === 'string') return 2;
  const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isMap(model) && ('id' in model || 'provider' in model || 'options' in model)) return 2;
  const inputs = data['inputs'];
  if (Array.isArray(inputs)) return 2;
  if (isMap(inputs) && Object.values(inputs).some((v) => isMap(v) && 'kind' in v)) return 2;
  if ('kind' in data || '$schema' in data || Array.isArray(data['outputs'])) return 2;
  if (isMap(model) || isMap(inputs)) return 1;
  return 2;
}

/** Python's truth value of a YAML value: None, False, 0, '' and empty collections are false. */
function pythonTruthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'empty';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return 'a string';
  return `a ${typeof v}`;
}

class FrontMatterReader {
  readonly out: FrontMatterFields = { keyRanges: new Map(), models: [], params: {}, inputs: new Map() };
  private doc!: Document;

  constructor(
    private readonly text: string,
    private readonly base: number,
    private readonly lines: LineIndex,
    private readonly kind: PromptFileKind,
    private readonly diagnostics: Diagnostic[],
    /** Range to report on when a node has no position (the whole front matter). */
    private readonly fallback: Range,
    /** The prompt file's folder, for `${file:…}` references. */
    private readonly dir?: string,
  ) {}

  private range(node: unknown): Range {
    const r = (node as { range?: unknown } | null)?.range;
    if (Array.isArray(r) && typeof r[0] === 'number' && typeof r[1] === 'number') {
      return this.lines.range(this.base + r[0], this.base + Math.max(r[0], r[1]));
    }
    return this.fallback;
  }

  private report(severity: Severity, code: string, message: string, node: unknown): void {
    this.diagnostics.push({ severity, code, message, range: this.range(node) });
  }

  /** The node's value as plain data; never throws (alias bombs and cycles become `undefined`). */
  private js(node: unknown, resolve = true): unknown {
    if (node === null || node === undefined) return null;
    try {
      const read = yamlValue(this.doc, this.text.length, node as Node);
      if ('bomb' in read) {
        this.aliasBomb(read.bomb.offset, node);
        return undefined;
      }
      return this.kind === 'prompty' && resolve ? this.resolveRefs(read.value, node, 0) : read.value;
    } catch (err) {
      this.report('error', 'yaml-syntax', `Cannot read this value: ${err instanceof Error ? err.message : String(err)}`, node);
      return undefined;
    }
  }

  private readonly refReported = new Set<unknown>();

  /**
   * Prompty's references in values: `${env:NAME}`, `${env:NAME:default}` (the variable, else the default;
   * neither: a warning, and the value is empty) and `${file:path}` (the file beside the prompt, JSON
   * parsed when it ends in .json). Each reference is reported once.
   */
  private resolveRefs(v: unknown, node: unknown, depth: number): unknown {
    if (typeof v === 'string') {
      const env = /^\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::([^}]*))?\}$/.exec(v.trim());
      if (env) {
        // Keys and tokens are read by the provider at run time; they never enter the document.
        if (/KEY|TOKEN|SECRET|PASSWORD|CREDENTIAL/i.test(env[1]!)) return v;
        const value = process.env[env[1]!];
        if (value !== undefined) return value;
        if (env[2] !== undefined) return env[2];
        if (!this.refReported.has(node)) this.report('warning', 'env-ref', `Environment variable ${env[1]} is not set; this value is empty.`, node);
        this.refReported.add(node);
        return '';
      }
      const file = /^\$\{file:([^}]+)\}$/.exec(v.trim());
      if (file) {
        if (this.dir === undefined) {
          this.report('warning', 'file-ref', `'${file[1]}' cannot be read: the prompt file has no folder (save it first).`, node);
          return v;
        }
        const path = isAbsolute(file[1]!) ? file[1]! : join(this.dir, file[1]!);
        try {
          const text = readFileSync(path, 'utf8');
          return /\.json$/i.test(path) ? JSON.parse(text) : text;
        } catch (err) {
          if (!this.refReported.has(node)) this.report('error', 'file-ref', `Cannot read ${file[1]}: ${err instanceof Error ? err.message : String(err)}`, node);
          this.refReported.add(node);
          return v;
        }
      }
      return v;
    }
    if (depth > 32 || v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map((x) => this.resolveRefs(x, node, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = this.resolveRefs(x, node, depth + 1);
    return out;
  }

  /** A whole section given as `${file:…}` (`inputs: ${file:inputs.json}`): the file's content as YAML nodes. */
  private expandFileRef(node: unknown): unknown {
    if (this.kind !== 'prompty' || !isScalar(node) || typeof node.value !== 'string' || !/^\s*\$\{file:/.test(node.value)) return node;
    const v = this.js(node);
    if (v === null || typeof v !== 'object') return node;
    const created = this.doc.createNode(v) as { range?: unknown };
    created.range = (node as { range?: unknown }).range;
    return created;
  }

  private bombReported = false;

  /** One diagnostic for an alias bomb, at its first alias; the front matter is then not read further. */
  private aliasBomb(offset: number | undefined, node: unknown): void {
    if (this.bombReported) return;
    this.bombReported = true;
    const message = 'YAML aliases expand the front matter too far (an alias bomb?): write the values out or use fewer aliases.';
    if (offset === undefined) this.report('error', 'yaml-aliases', message, node);
    else this.diagnostics.push({ severity: 'error', code: 'yaml-aliases', message, range: this.lines.range(this.base + offset, this.base + offset + 1) });
  }

  private entries(node: unknown): { key: string; keyNode: unknown; value: unknown }[] {
    if (!isMap(node)) return [];
    const list: { key: string; keyNode: unknown; value: unknown }[] = [];
    for (const pair of node.items) {
      const k = pair.key;
      if (!isScalar(k) || k.value === null || typeof k.value === 'object') {
        const missing = k === null || (isScalar(k) && k.value === null);
        this.report('warning', 'unknown-key', missing ? "A key is missing before ':'; this entry is ignored." : 'Keys must be plain words, not lists or mappings; this entry is ignored.', k ?? pair.value ?? node);
        continue;
      }
      list.push({ key: String(k.value), keyNode: k, value: pair.value });
    }
    return list;
  }

  read(): FrontMatterFields {
    this.doc = parseDocument(this.text, { keepSourceTokens: true, prettyErrors: false, uniqueKeys: true, logLevel: 'error' });
    this.yamlProblems();
    const root = this.doc.contents;
    if (root === null || (isScalar(root) && root.value === null)) return this.out;
    if (!isMap(root)) {
      this.report('error', 'frontmatter-not-mapping', `The front matter must be a YAML mapping of keys (name:, model:, inputs:…), not ${describe(this.js(root))}.`, root);
      return this.out;
    }
    const data = this.js(root, false);
    if (this.bombReported) return this.out;
    if (data && typeof data === 'object' && !Array.isArray(data)) this.out.data = data as Record<string, unknown>;
    if (this.kind === 'prompty') this.out.promptyVersion = promptyVersionOf(this.out.data);
    const allowed: readonly string[] = this.kind === 'prompty' ? [...PROMPT_KEYS, ...PROMPTY_KEYS] : PROMPT_KEYS;
    let sample: { keyNode: unknown; value: unknown } | undefined;
    const promptyExtras: { key: string; keyNode: unknown; value: unknown }[] = [];
    let modelNode: unknown;
    let modelsNode: unknown;
    for (const { key, keyNode, value: raw } of this.entries(root)) {
      if (!this.out.keyRanges.has(key)) this.out.keyRanges.set(key, this.range(keyNode));
      const value = this.expandFileRef(raw);
      if (!allowed.includes(key)) {
        this.unknownTopKey(key, keyNode, allowed);
        continue;
      }
      switch (key) {
        case 'name':
        case 'description': {
          const v = this.js(value);
          if (typeof v === 'string') this.out[key] = v;
          else this.report('error', 'wrong-type', `'${key}' must be a string, not ${describe(v)}.`, value ?? keyNode);
          break;
        }
        case 'model':
          modelNode = value ?? keyNode;
          this.readModel(value, keyNode);
          break;
        case 'models':
          modelsNode = value ?? keyNode;
          this.readModels(value, keyNode);
          break;
        case 'api':
          this.readApi(value, keyNode);
          break;
        case 'params':
          this.readParams(value, keyNode, PARAM_ALIASES, 'params');
          break;
        case 'inputs':
          this.readInputs(value, keyNode);
          break;
        case 'sample':
          sample = { keyNode, value };
          break;
        case 'tests':
          this.readTests(value, keyNode);
          break;
        case 'template':
          this.readTemplate(value);
          break;
        case 'tools':
        case 'outputs':
          promptyExtras.push({ key, keyNode, value });
          break;
        case 'base':
          // 0.1/1.0 files merge their base (promptyBase.ts); Prompty 2.0 has no base.
          if (this.out.promptyVersion === 2) {
            this.report('warning', 'prompty-base', "Prompty 2.0 has no 'base': the base file's model and sample are not merged (only 0.1 files merge them); write the ones this prompt needs here.", keyNode);
          }
          break;
      }
    }
    for (const e of promptyExtras) this.readPromptyExtra(e.key, e.keyNode, e.value);
    if (modelNode !== undefined && modelsNode !== undefined) {
      this.report('warning', 'model-conflict', "Both 'model' and 'models' are set; the prompt runs on every model listed in both. Use one of them.", modelsNode);
    }
    if (sample) this.readSample(sample.value, sample.keyNode);
    return this.out;
  }

  /** Prompty's top-level `tools:` (function tools) and `outputs:` (structured output) go into the request. */
  private readPromptyExtra(key: string, keyNode: unknown, value: unknown): void {
    const v = this.js(value);
    const version = this.out.promptyVersion ?? 2;
    if (key === 'tools') {
      const r = promptyTools(v, version);
      if ('error' in r) {
        const itemNode = r.index !== undefined && isSeq(value) ? value.items[r.index] : undefined;
        this.report('error', r.error.includes('cannot run') ? 'unsupported-tool' : 'wrong-type', `${r.error}.`, itemNode ?? value ?? keyNode);
      } else if (r.tools.length > 0) this.out.params.tools = [...(this.out.params.tools ?? []), ...r.tools];
      return;
    }
    const r = promptyOutputs(v, version, this.out.name);
    if ('error' in r) this.report('error', 'wrong-type', `${r.error}.`, value ?? keyNode);
    else if (this.out.params.response_format) this.report('warning', 'output-conflict', "Both 'outputs' and a response_format are set; 'outputs' is sent, as Prompty does.", keyNode);
    if (!('error' in r)) this.out.params.response_format = r.response_format;
  }

  private yamlProblems(): void {
    let dupKeys: Map<number, unknown> | undefined;
    for (const e of this.doc.errors) {
      const [start, end] = e.pos;
      if (e.code === 'DUPLICATE_KEY') {
        if (!dupKeys) {
          const found = new Map<number, unknown>();
          visit(this.doc, {
            Pair(_, pair) {
              const r = (pair.key as { range?: number[] } | null)?.range;
              if (r) found.set(r[0]!, pair.key);
            },
          });
          dupKeys = found;
        }
        const keyNode = dupKeys.get(start);
        const name = isScalar(keyNode) ? String(keyNode.value) : 'key';
        this.diagnostics.push({
          severity: 'error',
          code: 'duplicate-key',
          message: `Duplicate key '${name}': each key may appear once in a mapping.`,
          range: keyNode ? this.range(keyNode) : this.lines.range(this.base + start, this.base + end),
        });
        continue;
      }
      const opener = unclosedOpener(e.message, this.text, start);
      if (opener !== undefined) {
        // The parser notices a missing `"` or `]` where the text runs out; the mistake is where it opened.
        const eol = this.text.indexOf('\n', opener);
        this.diagnostics.push({
          severity: 'error',
          code: 'yaml-syntax',
          message: `YAML: ${e.message} (opened here)`,
          range: this.lines.range(this.base + opener, this.base + (eol === -1 ? this.text.length : eol)),
        });
        continue;
      }
      this.diagnostics.push({
        severity: 'error',
        code: 'yaml-syntax',
        message: `YAML: ${e.message}`,
        range: this.lines.range(this.base + start, this.base + Math.max(start + 1, end)),
      });
    }
    for (const w of this.doc.warnings) {
      const [start, end] = w.pos;
      this.diagnostics.push({ severity: 'warning', code: 'yaml-syntax', message: `YAML: ${w.message}`, range: this.lines.range(this.base + start, this.base + end) });
    }
  }

  private unknownTopKey(key: string, keyNode: unknown, allowed: readonly string[]): void {
    let hint = didYouMean(key, allowed);
    if ((PROMPTY_KEYS as readonly string[]).includes(key)) hint = ` '${key}' is a Prompty key, read only in .prompty files.`;
    else if (!hint && (PARAM_KEYS as readonly string[]).includes(key)) hint = ` Generation parameters go under 'params' (params: { ${key}: … }).`;
    this.report('warning', 'unknown-key', `Unknown front-matter key '${key}'; it is ignored.${hint}`, keyNode);
  }

  private addRef(text: string, node: unknown): void {
    const r = parseModelRef(text);
    if ('error' in r) {
      this.report('error', 'model-ref', r.error, node);
      return;
    }
    if (text.includes('${')) {
      this.report('warning', 'model-ref', 'Environment references (${env:…}) are not expanded in model names; write the model name itself.', node);
    }
    this.out.models.push({ ref: r, text: text.trim(), range: this.range(node) });
  }

  private refFromScalar(node: unknown, what: string): void {
    const v = isScalar(node) ? node.value : this.js(node);
    if (typeof v === 'string' && this.kind === 'prompty' && !v.includes(':') && v.trim() !== '' && !/\s/.test(v.trim())) {
      // Prompty 2.0's shorthand `model: gpt-4`: no provider, which only a run needs.
      this.report('warning', 'model-ref', `Model '${v.trim()}' needs a provider to run: write provider:model (e.g. openai:${v.trim()}) or model: { id: ${v.trim()}, provider: openai }. Rendering does not need it.`, node);
    } else if (typeof v === 'string') this.addRef(v, node);
    else this.report('error', 'model-ref', `${what} must be a provider:model string, not ${describe(v)}.`, node);
  }

  private readModel(value: unknown, keyNode: unknown): void {
    if (isSeq(value)) {
      this.report('warning', 'wrong-type', "'model' takes one reference; use 'models' for a list.", keyNode);
      for (const item of value.items) this.refFromScalar(item, 'Each model');
    } else if (isMap(value)) {
      this.readModelBlock(value);
    } else {
      this.refFromScalar(value ?? keyNode, "'model'");
    }
  }

  private readModels(value: unknown, keyNode: unknown): void {
    if (isSeq(value)) for (const item of value.items) this.refFromScalar(item, 'Each entry of models');
    else if (isScalar(value) && typeof value.value === 'string') this.addRef(value.value, value);
    else this.report('error', 'wrong-type', `'models' must be a list of provider:model references, not ${describe(this.js(value))}.`, value ?? keyNode);
  }

  private str(node: unknown): string | undefined {
    return isScalar(node) && typeof node.value === 'string' ? node.value : undefined;
  }

  /** Prompty's model block: v1 `{api, configuration, parameters}` or v2 `{id, provider, options}`. */
  private readModelBlock(map: unknown): void {
    const fields = new Map(this.entries(map).map((e) => [e.key, e] as const));
    for (const [key, e] of fields) {
      if (!MODEL_KEYS.includes(key)) this.report('warning', 'unknown-key', `Unknown model key '${key}'.${didYouMean(key, MODEL_KEYS)}`, e.keyNode);
    }
    const api = fields.get('api') ?? fields.get('apiType') ?? fields.get('api_type');
    if (api) {
      const v = this.js(api.value);
      if (v === 'responses') this.out.params.api = 'responses';
      else if (v !== 'chat') this.report('warning', 'prompty-api', `Only the chat and responses APIs are supported; '${String(v)}' is treated as chat.`, api.value ?? api.keyNode);
    }
    const id = fields.get('id');
    if (id) {
      const model = this.str(id.value);
      const providerEntry = fields.get('provider');
      const provider = this.str(providerEntry?.value);
      if (model === undefined) this.report('error', 'model-ref', `'model.id' must be a string, not ${describe(this.js(id.value))}.`, id.value ?? id.keyNode);
      else if (provider !== undefined) this.addRef(`${provider}:${model}`, id.value);
      else if (providerEntry) this.report('error', 'wrong-type', "'model.provider' must be a string.", providerEntry.value ?? providerEntry.keyNode);
      else if (model.includes(':')) this.addRef(model, id.value);
      else this.report(this.kind === 'prompty' ? 'warning' : 'error', 'model-ref', `Model '${model}' needs a provider to run: add 'provider: openai' (or anthropic, or a configured endpoint name). Rendering does not need it.`, id.value);
    }
    const config = fields.get('configuration');
    if (config) this.readConfiguration(config.value, config.keyNode);
    const parameters = fields.get('parameters');
    if (parameters) this.readParams(parameters.value, parameters.keyNode, PARAM_ALIASES, 'model.parameters');
    const options = fields.get('options');
    if (options) this.readParams(options.value, options.keyNode, OPTION_ALIASES, 'model.options');
  }

  /** Prompty v1 `model.configuration`: `type: openai` + `name`, or `type: azure_openai` + `azure_deployment`. */
  private readConfiguration(node: unknown, keyNode: unknown): void {
    if (!isMap(node)) {
      this.report('error', 'wrong-type', `'model.configuration' must be a mapping, not ${describe(this.js(node))}.`, node ?? keyNode);
      return;
    }
    const f = new Map(this.entries(node).map((e) => [e.key, e] as const));
    const type = this.str(f.get('type')?.value);
    const deployment = f.get('azure_deployment');
    const named = deployment ?? f.get('name') ?? f.get('model');
    const provider = type === 'azure_openai' || type === 'azure' || (!type && deployment) ? 'azure_openai' : (type ?? 'openai');
    const model = this.str(named?.value);
    if (named && model === undefined) this.report('error', 'wrong-type', `'${named.key}' must be a string.`, named.value ?? named.keyNode);
    else if (!named) this.report('warning', 'model-ref', "'model.configuration' names no model: add 'name' (OpenAI) or 'azure_deployment' (Azure OpenAI).", keyNode);
    else this.addRef(`${provider}:${model}`, named.value);
  }

  /** `api: chat | responses`: which OpenAI API serves the prompt. */
  private readApi(value: unknown, keyNode: unknown): void {
    const v = this.js(value);
    if (typeof v === 'string' && (API_VALUES as readonly string[]).includes(v)) this.out.params.api = v as (typeof API_VALUES)[number];
    else this.report('error', 'wrong-type', `'api' must be ${API_VALUES.join(' or ')}, not ${describe(v)}${typeof v === 'string' ? ` ('${v}')` : ''}.`, value ?? keyNode);
  }

  /** A parameter that takes one of a few words (`reasoning_effort: low`). */
  private readChoice(name: keyof typeof PARAM_VALUES, key: string, v: unknown, at: unknown): void {
    const allowed: readonly string[] = PARAM_VALUES[name];
    if (typeof v === 'string' && allowed.includes(v)) this.out.params[name] = v;
    else this.report('error', 'wrong-type', `'${key}' must be one of ${allowed.join(', ')}, not ${describe(v)}${typeof v === 'string' ? ` ('${v}')` : ''}.${typeof v === 'string' ? didYouMean(v, allowed) : ''}`, at);
  }

  private readParams(node: unknown, keyNode: unknown, aliases: Record<string, string>, where: string): void {
    if (!isMap(node)) {
      if (!(isScalar(node) && node.value === null)) this.report('error', 'wrong-type', `'${where}' must be a mapping of parameters, not ${describe(this.js(node))}.`, node ?? keyNode);
      return;
    }
    const p = this.out.params;
    for (const { key, keyNode: k, value } of this.entries(node)) {
      const name = aliases[key] ?? key;
      const v = this.js(value);
      const at = value ?? k;
      const wrong = (expected: string): void =>
        this.report('error', 'wrong-type', `'${key}' must be ${expected}, not ${describe(v)}${typeof v === 'string' || typeof v === 'number' ? ` (${JSON.stringify(v)})` : ''}.`, at);
      switch (name) {
        case 'temperature':
          if (typeof v !== 'number') wrong('a number');
          else {
            if (v < 0 || v > 2) this.report('warning', 'param-range', `temperature ${v} is outside 0–2.`, at);
            p.temperature = v;
          }
          break;
        case 'top_p':
          if (typeof v !== 'number') wrong('a number');
          else {
            if (v < 0 || v > 1) this.report('warning', 'param-range', `top_p ${v} is outside 0–1.`, at);
            p.top_p = v;
          }
          break;
        case 'max_tokens':
          if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) wrong('a whole number of at least 1');
          else p.max_tokens = v;
          break;
        case 'seed':
          if (typeof v !== 'number' || !Number.isInteger(v)) wrong('a whole number');
          else p.seed = v;
          break;
        case 'stop':
          if (typeof v === 'string') p.stop = [v];
          else if (Array.isArray(v) && v.every((s) => typeof s === 'string')) p.stop = v as string[];
          else wrong('a string or a list of strings');
          break;
        case 'response_format':
          this.readResponseFormat(value, v, at);
          break;
        case 'tools':
          this.readTools(value, v, at);
          break;
        case 'thinking':
        case 'effort': {
          const read = name === 'thinking' ? readThinking(v) : readEffort(v);
          if ('error' in read) this.report('error', 'wrong-type', `${read.error}.`, at);
          else if (name === 'thinking') p.thinking = read.value as Record<string, unknown>;
          else p.effort = read.value as string;
          break;
        }
        case 'showThinking':
          if (typeof v !== 'boolean') wrong('true or false');
          else p.showThinking = v;
          break;
        case 'reasoning_effort':
        case 'verbosity':
        case 'reasoning_summary':
          this.readChoice(name, key, v, at);
          break;
        case 'tool_choice':
          if (v === 'auto' || v === 'none' || v === 'required') p.tool_choice = v;
          else if (v && typeof v === 'object' && !Array.isArray(v) && typeof (v as { function?: { name?: unknown } }).function?.name === 'string') p.tool_choice = v;
          else wrong("'auto', 'none', 'required' or { type: function, function: { name } }");
          break;
        default:
          if (UNSUPPORTED_PARAMS.has(name)) this.report('info', 'unsupported-param', `'${key}' is not sent to providers yet; it is ignored.`, k);
          else this.report('warning', 'unknown-param', `Unknown parameter '${key}'; it is ignored.${didYouMean(key, [...PARAM_KEYS, ...Object.keys(aliases)])}`, k);
      }
    }
  }

  private readResponseFormat(node: unknown, v: unknown, at: unknown): void {
    if (v === 'json_object' || v === 'text') {
      this.out.params.response_format = { type: v };
      return;
    }
    if (!v || typeof v !== 'object' || Array.isArray(v)) {
      this.report('error', 'wrong-type', `'response_format' must be { type: json_object }, { type: json_schema, json_schema: {...} } or { type: text }, not ${describe(v)}.`, at);
      return;
    }
    const rf = v as Record<string, unknown>;
    const f = new Map(this.entries(node).map((e) => [e.key, e] as const));
    const typeAt = f.get('type')?.value ?? at;
    if (rf['type'] === 'json_schema') {
      const js = rf['json_schema'];
      const jsNode = f.get('json_schema')?.value;
      if (!js || typeof js !== 'object' || Array.isArray(js)) {
        this.report('error', 'wrong-type', "A json_schema response format needs 'json_schema: { name, schema }'.", jsNode ?? typeAt);
        return;
      }
      const inner = new Map(this.entries(jsNode).map((e) => [e.key, e] as const));
      const o = js as Record<string, unknown>;
      if (typeof o['name'] !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(o['name'])) {
        this.report('error', 'wrong-type', "'json_schema.name' must be a name of letters, digits, _ or - (at most 64).", inner.get('name')?.value ?? jsNode);
      }
      if (!o['schema'] || typeof o['schema'] !== 'object' || Array.isArray(o['schema'])) {
        this.report('error', 'wrong-type', "'json_schema.schema' must be a JSON Schema object.", inner.get('schema')?.value ?? jsNode);
      }
      if ('strict' in o && typeof o['strict'] !== 'boolean') this.report('error', 'wrong-type', "'json_schema.strict' must be true or false.", inner.get('strict')?.value ?? jsNode);
    } else if (rf['type'] !== 'json_object' && rf['type'] !== 'text') {
      this.report('error', 'wrong-type', `response_format type must be json_object, json_schema or text, not ${JSON.stringify(rf['type']) ?? 'missing'}.`, typeAt);
      return;
    }
    this.out.params.response_format = rf;
  }

  private readTools(node: unknown, v: unknown, at: unknown): void {
    if (!Array.isArray(v) || !isSeq(node)) {
      this.report('error', 'wrong-type', `'tools' must be a list of { type: function, function: { name, description, parameters } }, not ${describe(v)}.`, at);
      return;
    }
    let ok = true;
    v.forEach((tool, i) => {
      const itemNode = node.items[i];
      const t = tool as { type?: unknown; function?: { name?: unknown; parameters?: unknown } } | null;
      let problem: string | undefined;
      if (!t || typeof t !== 'object' || Array.isArray(t)) problem = 'must be a mapping';
      else if (t.type !== 'function') problem = "needs 'type: function'";
      else if (!t.function || typeof t.function !== 'object') problem = "needs a 'function' mapping";
      else if (typeof t.function.name !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(t.function.name)) problem = "needs 'function.name' of letters, digits, _ or - (at most 64)";
      else if (t.function.parameters !== undefined && (typeof t.function.parameters !== 'object' || t.function.parameters === null || Array.isArray(t.function.parameters))) problem = "'function.parameters' must be a JSON Schema object";
      if (problem) {
        ok = false;
        this.report('error', 'wrong-type', `Tool ${i + 1} ${problem}.`, itemNode ?? at);
      }
    });
    if (ok) this.out.params.tools = v as Record<string, unknown>[];
  }

  private checkDefault(input: PromptInput, node: unknown): void {
    if (!input.hasDefault || input.type === undefined || input.default === null) return;
    const v = input.default;
    const t = input.type;
    const isMessages = (x: unknown): boolean =>
      Array.isArray(x) && x.every((m) => m && typeof m === 'object' && typeof (m as { role?: unknown }).role === 'string');
    const fits =
      t === 'string' || t === 'image' ? typeof v === 'string'
      : t === 'number' || t === 'float' ? typeof v === 'number'
      : t === 'integer' ? typeof v === 'number' && Number.isInteger(v)
      : t === 'boolean' ? typeof v === 'boolean'
      : t === 'object' ? typeof v === 'object' && !Array.isArray(v)
      : t === 'array' || t === 'list' ? Array.isArray(v)
      : t === 'messages' || t === 'thread' ? isMessages(v)
      : true;
    if (!fits) this.report('warning', 'input-type', `The default of '${input.name}' is ${describe(v)}, but its type is ${t}.`, node);
  }

  private readInputSpec(name: string, nameNode: unknown, map: unknown): void {
    const input: PromptInput = { name, hasDefault: false, range: this.range(nameNode) };
    let defaultNode: unknown;
    let sampleNode: unknown;
    for (const { key, keyNode, value } of this.entries(map)) {
      switch (key) {
        case 'type':
        case 'kind': {
          const t = this.js(value);
          if (typeof t !== 'string') this.report('error', 'wrong-type', `'${key}' must be a type name such as string or number.`, value ?? keyNode);
          else {
            input.type = t;
            if (!(INPUT_TYPES as readonly string[]).includes(t)) {
              this.report('warning', 'input-type', `Unknown input type '${t}'.${didYouMean(t, INPUT_TYPES) || ` Known: ${INPUT_TYPES.join(', ')}.`}`, value);
            }
          }
          break;
        }
        case 'description': {
          const d = this.js(value);
          if (typeof d === 'string') input.description = d;
          else this.report('error', 'wrong-type', `'description' must be a string, not ${describe(d)}.`, value ?? keyNode);
          break;
        }
        case 'default':
          input.default = this.js(value);
          input.hasDefault = true;
          defaultNode = value ?? keyNode;
          break;
        case 'sample':
        case 'example':
          sampleNode ??= value ?? keyNode;
          break;
        case 'name':
          break;
        default:
          if (!(INPUT_SPEC_KEYS as readonly string[]).includes(key)) {
            this.report('warning', 'unknown-key', `Unknown input key '${key}'.${didYouMean(key, INPUT_SPEC_KEYS)}`, keyNode);
          }
      }
    }
    // A sample value is what an example run uses (Prompty 2.0 keeps `example` as documentation only): in
    // 1.0 it comes before the default, as its runs (merge_sample, `get_sample`) take an input's sample
    // when it is truthy in Python's sense, else its default.
    const v1Sample = sampleNode !== undefined && this.out.promptyVersion === 1 && pythonTruthy(this.js(sampleNode));
    if (sampleNode !== undefined && this.out.promptyVersion !== 2 && (!input.hasDefault || v1Sample)) {
      input.default = this.js(sampleNode);
      input.hasDefault = true;
      defaultNode = sampleNode;
    }
    this.checkDefault(input, defaultNode);
    this.addInput(input, nameNode);
  }

  private addInput(input: PromptInput, nameNode: unknown): void {
    if (this.out.inputs.has(input.name)) {
      this.report('error', 'duplicate-key', `Input '${input.name}' is declared twice.`, nameNode);
      return;
    }
    if (!IDENTIFIER.test(input.name)) {
      this.report('warning', 'input-name', `Input '${input.name}' is not a valid template name (letters, digits and _ only); templates cannot refer to it.`, nameNode);
    }
    this.out.inputs.set(input.name, input);
  }

  private isSpec(node: unknown): boolean {
    if (!isMap(node)) return false;
    if (node.items.length === 0) return true;
    return this.entries(node).some((e) => (INPUT_SPEC_KEYS as readonly string[]).includes(e.key));
  }

  private readInputs(node: unknown, keyNode: unknown): void {
    if (isMap(node)) {
      for (const { key, keyNode: k, value } of this.entries(node)) {
        if (this.isSpec(value)) this.readInputSpec(key, k, value);
        else {
          // Shorthand `name: value`: the value is the default; `name:` alone declares an input with none.
          const empty = value === null || (isScalar(value) && value.value === null && value.source === '');
          const input: PromptInput = { name: key, hasDefault: !empty, range: this.range(k) };
          if (!empty) input.default = this.js(value);
          this.addInput(input, k);
        }
      }
    } else if (isSeq(node)) {
      // Prompty v2: a list of { name, kind, default, … }.
      for (const item of node.items) {
        const nameEntry = this.entries(item).find((e) => e.key === 'name');
        const name = this.str(nameEntry?.value);
        if (!isMap(item) || name === undefined) {
          this.report('error', 'wrong-type', "Each input in a list needs a 'name' (or write inputs as a mapping: name: { type, description, default }).", item ?? node);
          continue;
        }
        this.readInputSpec(name, nameEntry!.value, item);
      }
    } else if (!(isScalar(node) && node.value === null)) {
      this.report('error', 'wrong-type', `'inputs' must be a mapping of input names, not ${describe(this.js(node))}.`, node ?? keyNode);
    }
  }

  /** Prompty's `sample`: values for the inputs, used as their defaults. */
  private readSample(node: unknown, keyNode: unknown): void {
    if (isScalar(node) && typeof node.value === 'string') {
      this.report('info', 'sample-file', 'Sample files are not loaded; give the inputs defaults (or an inline sample mapping) instead.', node);
      return;
    }
    if (!isMap(node)) {
      if (!(isScalar(node) && node.value === null)) this.report('error', 'wrong-type', `'sample' must be a mapping of input values, not ${describe(this.js(node))}.`, node ?? keyNode);
      return;
    }
    for (const { key, keyNode: k, value } of this.entries(node)) {
      const existing = this.out.inputs.get(key);
      if (existing) {
        // Prompty 0.1 merges `sample` over the inputs' defaults.
        if (!existing.hasDefault || this.out.promptyVersion === 1) {
          existing.default = this.js(value);
          existing.hasDefault = true;
          this.checkDefault(existing, value);
        }
      } else {
        this.addInput({ name: key, hasDefault: true, default: this.js(value), range: this.range(k) }, k);
      }
    }
  }

  private readTests(node: unknown, keyNode: unknown): void {
    const v = this.js(node);
    const at = node ?? keyNode;
    this.out.tests = { value: v, range: this.range(at) };
    const ok =
      (typeof v === 'string' && v.trim() !== '') ||
      (Array.isArray(v) && (v.every((x) => typeof x === 'string') || v.every((x) => x !== null && typeof x === 'object' && !Array.isArray(x))));
    if (!ok) {
      this.report('error', 'tests-shape', `'tests' must be a path, a list of paths, or a list of test cases, not ${describe(v)}.`, at);
    }
  }

  private readTemplate(node: unknown): void {
    const v = this.js(node);
    let format: unknown = v;
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      format = o['format'] ?? o['type'];
      if (format && typeof format === 'object') format = (format as Record<string, unknown>)['kind'];
    }
    if (format !== undefined && format !== null && format !== 'jinja2' && format !== 'nunjucks' && format !== 'mustache') {
      this.report('warning', 'template-format', `Template format '${String(format)}' is not supported; templates are rendered as Jinja2.`, node);
    }
  }
}

/**
 * Reads front-matter YAML that starts at `base` in the file. Diagnostics are appended to `diagnostics`;
 * `fallback` is where to report problems that have no node (the front matter's range).
 */
export function readFrontMatter(
  yamlText: string,
  base: number,
  lines: LineIndex,
  kind: PromptFileKind,
  diagnostics: Diagnostic[],
  fallback: Range,
  dir?: string,
): FrontMatterFields {
  return new FrontMatterReader(yamlText, base, lines, kind, diagnostics, fallback, dir).read();
}
