// Model references as users write them: Assay's `provider:model` and promptfoo's provider ids
// (`openai:chat:gpt-5.5`, `anthropic:messages:claude-haiku-4-5`, `ollama:chat:llama3.1:8b`…).
import type { ModelRef } from '../types';

/** promptfoo's API-kind segment between the provider and the model, dropped when normalising. */
const API_KINDS = new Set(['chat', 'messages', 'completion', 'completions', 'embedding', 'embeddings', 'responses', 'moderation']);

/**
 * Parses `provider:model` or `provider:kind:model` into a `ModelRef`. The provider is lower-cased; the model
 * keeps any further colons (`ollama:llama3.1:8b`). Returns `{ error }` for an id without a model.
 */
export function parseModelRef(id: string): ModelRef | { error: string } {
  const trimmed = id.trim();
  const colon = trimmed.indexOf(':');
  if (colon <= 0 || colon === trimmed.length - 1) {
    return { error: `"${id}" is not a model reference: expected provider:model, e.g. openai:gpt-5.5` };
  }
  const provider = trimmed.slice(0, colon).toLowerCase();
  let model = trimmed.slice(colon + 1);
  const next = model.indexOf(':');
  if (next > 0 && API_KINDS.has(model.slice(0, next).toLowerCase()) && next < model.length - 1) {
    model = model.slice(next + 1);
  }
  return { provider, model };
}

/** `provider:model`, the canonical string form of a `ModelRef`. */
export function formatModelRef(ref: ModelRef): string {
  return `${ref.provider}:${ref.model}`;
}

/** The model named by an assertion's or a test's `provider` option (a string or `{ id }`), if any. */
export function providerOption(value: unknown): ModelRef | { error: string } | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return parseModelRef(value);
  if (typeof value === 'object' && typeof (value as { id?: unknown }).id === 'string') {
    return parseModelRef((value as { id: string }).id);
  }
  return { error: 'provider must be a string like openai:gpt-5.5 or an object with an id' };
}
