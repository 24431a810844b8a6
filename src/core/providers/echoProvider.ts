// `echo:*` answers with the rendered prompt itself (promptfoo's `echo`: the prompt as promptfoo passes it): templates can be checked, and test banks dry-run,
// without a key and without spending money. Its embeddings are hashed word counts, so `similar` works
// offline too (texts sharing words are close).
import type { CallError, ChatMessage, ChatRequest } from '../types';
import type { ChatCallOptions, DirectCallOptions, EmbeddingOutcome, ModelListResult, PreparedChat, Provider, ProviderConfig, ProviderOutcome } from './providerTypes';
import { promptText } from './customProviderSupport';
import { blankResult, since } from './sdkProvider';

const EMBEDDING_DIMENSIONS = 256;

/** The rendered prompt as text, one `role:` block per message (the prompt file's own layout). */
export function echoText(messages: ChatMessage[]): string {
  return messages
    .map((m) => {
      const calls = m.tool_calls && m.tool_calls.length > 0 ? '\n' + m.tool_calls.map((c) => `→ ${c.function.name}(${c.function.arguments})`).join('\n') : '';
      return `${m.role}:\n${m.content}${calls}`;
    })
    .join('\n\n');
}

function hashWord(word: string): number {
  let h = 2166136261;
  for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 16777619);
  return (h >>> 0) % EMBEDDING_DIMENSIONS;
}

/** A unit vector of hashed lower-cased word counts. */
export function echoEmbedding(text: string): number[] {
  const v = new Array<number>(EMBEDDING_DIMENSIONS).fill(0);
  for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) v[hashWord(word)]! += 1;
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return norm === 0 ? v : v.map((x) => x / norm);
}

/** Provider for kind `echo`. */
export class EchoProvider implements Provider {
  readonly endpointId: string;

  constructor(readonly config: Readonly<ProviderConfig>) {
    this.endpointId = `${config.name} echo`;
  }

  prepare(request: ChatRequest, stream: boolean): PreparedChat | { error: CallError } {
    return { request, payload: { model: request.model.model, messages: request.messages, params: request.params }, stream };
  }

  async chat(prepared: PreparedChat, options: ChatCallOptions): Promise<ProviderOutcome> {
    const start = performance.now();
    const result = blankResult(prepared.request.model, prepared.payload);
    if (options.signal.aborted) {
      result.error = { kind: 'cancelled', message: 'Cancelled' };
      return { result, retryAfterMs: null };
    }
    // promptfoo's `echo` (from a promptfoo config) answers with the prompt exactly as promptfoo passes it,
    // no tokens and no cost.
    const promptfoo = this.config.custom !== undefined;
    const text = promptfoo ? promptText(prepared.request.messages) : echoText(prepared.request.messages);
    if (promptfoo) {
      result.usage = { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 };
      result.cost = 0;
    }
    if (prepared.stream && options.onDelta) {
      result.ttftMs = since(start);
      for (const piece of text.split(/(?<=\n)/)) options.onDelta(piece);
    }
    result.text = text;
    result.finishReason = 'stop';
    result.response = { text };
    result.latencyMs = since(start);
    return { result, retryAfterMs: null };
  }

  async embed(model: string, texts: string[], options: { signal: AbortSignal; timeoutMs: number }): Promise<EmbeddingOutcome> {
    const ref = { provider: this.config.name, model };
    if (options.signal.aborted) return { result: { model: ref, vectors: [], usage: null, cost: null, latencyMs: 0, error: { kind: 'cancelled', message: 'Cancelled' } }, retryAfterMs: null };
    return { result: { model: ref, vectors: texts.map(echoEmbedding), usage: null, cost: 0, latencyMs: 0 }, retryAfterMs: null };
  }

  async listModels(_options?: DirectCallOptions): Promise<ModelListResult> {
    return { models: [{ id: 'echo', label: 'Echo the rendered prompt' }] };
  }
}
