// What the model catalog says about one use of a model: past its shutdown date, about to be shut down,
// or sent parameters it rejects. Every rule reads the catalog's data (shutdown dates, accepted effort
// values, sampling support, output limit); none names a model.
import type { ModelParams, ModelRef } from '../types';
import { findModel, MODEL_CATALOG, sourceOf, type CatalogModel, type ModelCatalog } from './modelCatalog';

/** One finding, for a diagnostic. */
export interface ModelFinding {
  severity: 'warning' | 'info';
  /** `model-shutdown` (past its shutdown date), `model-deprecated` (a shutdown date ahead) or `model-param` (a parameter the model rejects). */
  code: 'model-shutdown' | 'model-deprecated' | 'model-param';
  message: string;
}

/** Providers whose model ids the catalog describes. Other endpoints may serve models of the same name differently. */
const CATALOG_PROVIDERS = new Set(['openai', 'anthropic']);

/** `(source, read YYYY-MM-DD)` for messages. */
function cite(model: CatalogModel, catalog: ModelCatalog, about: (what: string) => boolean): string {
  const source = model.sources.map((id) => sourceOf(id, catalog)).find((s) => s && about(s.what));
  return source ? ` (${source.url}, read ${source.checked})` : '';
}

function lifecycle(ref: ModelRef, model: CatalogModel, today: string, catalog: ModelCatalog): ModelFinding[] {
  if (model.shutdown === undefined) return [];
  const where = cite(model, catalog, (w) => w.includes(model.shutdown!));
  const name = `${ref.provider}:${ref.model}`;
  if (model.shutdown <= today) {
    return [{ severity: 'warning', code: 'model-shutdown', message: `${name} was shut down on ${model.shutdown}${where}: requests to it fail. Choose a current model.` }];
  }
  return [{ severity: 'info', code: 'model-deprecated', message: `${name} is deprecated and shuts down on ${model.shutdown}${where}.` }];
}

function parameters(ref: ModelRef, model: CatalogModel, params: ModelParams, catalog: ModelCatalog): ModelFinding[] {
  const c = model.capabilities ?? {};
  const name = `${ref.provider}:${ref.model}`;
  const out: ModelFinding[] = [];
  const warn = (message: string, about: string): void => void out.push({ severity: 'warning', code: 'model-param', message: `${message}${cite(model, catalog, (w) => w.includes(about))}` });
  const effort = params.reasoning_effort;
  if (effort !== undefined && c.reasoningEffort && !c.reasoningEffort.includes(effort)) {
    warn(`${name} takes reasoning_effort ${c.reasoningEffort.join(', ')}, not ${effort}.`, 'effort');
  }
  const sampling = (['temperature', 'top_p'] as const).filter((k) => params[k] !== undefined);
  if (sampling.length > 0 && c.sampling === 'never') {
    warn(`${name} rejects ${sampling.join(' and ')} (only the default is accepted): remove ${sampling.length === 1 ? 'it' : 'them'}.`, 'temperature');
  } else if (sampling.length > 0 && c.sampling === 'effort-none') {
    const used = effort ?? c.defaultEffort;
    if (used !== undefined && used !== 'none') {
      const why = effort === undefined ? `its default reasoning effort is ${used}` : `reasoning_effort is ${effort}`;
      warn(`${name} takes ${sampling.join(' and ')} only with reasoning_effort none, and ${why}: set reasoning_effort: none or remove ${sampling.join(' and ')}.`, 'temperature');
    }
  }
  if (params.verbosity !== undefined && c.verbosity === false) warn(`${name} does not take verbosity.`, 'verbosity');
  const max = params.max_completion_tokens ?? params.max_tokens;
  if (max !== undefined && model.maxOutput !== undefined && max > model.maxOutput) warn(`max_tokens ${max} is more than ${name}'s output limit of ${model.maxOutput}.`, 'max output');
  return out;
}

/**
 * What the catalog says about running `ref` with `params` on `today` (YYYY-MM-DD): nothing for models it
 * does not list or providers it does not describe.
 */
export function checkModelUse(ref: ModelRef, params: ModelParams, today: string, catalog: ModelCatalog = MODEL_CATALOG): ModelFinding[] {
  if (!CATALOG_PROVIDERS.has(ref.provider.toLowerCase())) return [];
  const api = apiFindings(ref, params);
  const model = findModel(ref.provider, ref.model, catalog);
  if (!model) return api;
  return [...lifecycle(ref, model, today, catalog), ...api, ...parameters(ref, model, params, catalog)];
}

/** The Responses API and its reasoning summaries are OpenAI's: on Anthropic, or without `api: responses`, the call would fail or drop them. */
function apiFindings(ref: ModelRef, params: ModelParams): ModelFinding[] {
  const name = `${ref.provider}:${ref.model}`;
  if (params.api === 'responses' && ref.provider.toLowerCase() === 'anthropic') {
    return [{ severity: 'warning', code: 'model-param', message: `api: responses is OpenAI's Responses API; ${name} runs on Anthropic's Messages API, and the call would fail. Remove api, or choose an OpenAI model.` }];
  }
  if (params.reasoning_summary !== undefined && params.api !== 'responses') {
    return [{ severity: 'warning', code: 'model-param', message: `reasoning_summary comes only from OpenAI's Responses API: add api: responses (OpenAI models) or remove it for ${name}.` }];
  }
  return [];
}

/**
 * Whether Assay may add a sampling default of its own (graders' `temperature: 0`) to a call of `ref` with
 * `params`: not when the catalog says the model rejects it, or takes it only with reasoning effort `none`
 * and the effort used is another or unknown. Models the catalog does not describe take it.
 */
export function acceptsSamplingDefault(ref: ModelRef, params: ModelParams, catalog: ModelCatalog = MODEL_CATALOG): boolean {
  if (!CATALOG_PROVIDERS.has(ref.provider.toLowerCase())) return true;
  const c = findModel(ref.provider, ref.model, catalog)?.capabilities;
  if (c?.sampling === 'never') return false;
  if (c?.sampling === 'effort-none') return (params.reasoning_effort ?? c.defaultEffort) === 'none';
  return true;
}

/** Today as YYYY-MM-DD (UTC). */
export function isoDay(date: Date = new Date()): string {
  return date.toISOString().slice(0, 10);
}
