// The bridge from model-graded assertions to the engine: grader chat calls and embeddings go through the
// same scheduler, retries and cache as the calls under test, and each one is reported so the run can
// record it as a trace.
import type { GradingContext } from '../assertions/assertionTypes';
import type { EmbeddingResult, ModerationResult } from '../providers/providerTypes';
import type { CallResult, ChatRequest, ModelRef } from '../types';
import type { CallOptions, Engine } from './engine';

/** Which models grade (`assay.grader.model`, `assay.grader.embeddingModel`, or the project config's `grader`). */
export interface GradingSettings {
  graderModel: ModelRef;
  embeddingModel?: ModelRef;
}

/** The defaults of the VS Code settings, used when nothing else names a grader. */
export const DEFAULT_GRADING: Readonly<Required<GradingSettings>> = {
  graderModel: { provider: 'openai', model: 'gpt-5.5' },
  embeddingModel: { provider: 'openai', model: 'text-embedding-3-small' },
};

/** A grader call as it happened, for the history. */
export type GraderCall =
  | { kind: 'chat'; request: ChatRequest; result: CallResult; startedAt: number }
  | { kind: 'embed'; model: ModelRef; texts: string[]; result: EmbeddingResult; startedAt: number }
  | { kind: 'moderate'; model: ModelRef; text: string; result: ModerationResult; startedAt: number };

/** Options of `createGradingContext`. */
export interface GradingContextOptions {
  /** Cancels grader calls with the run. */
  signal?: AbortSignal;
  /** Serve grader chat calls from the cache (embeddings are never cached). */
  useCache?: boolean;
  /** Echoed in the engine's `queued` events. */
  tag?: string;
  /** Receives every grader call once it finished. */
  onCall?: (call: GraderCall) => void;
  /** Answers grader chat calls in place of `engine.call` (a batch run's grader rounds). */
  call?: (request: ChatRequest, options: CallOptions) => Promise<CallResult>;
}

/** A `GradingContext` that calls graders through `engine`. */
export function createGradingContext(engine: Engine, settings: GradingSettings, options: GradingContextOptions = {}): GradingContext {
  const tag = options.tag;
  const call = options.call ?? ((request: ChatRequest, callOptions: CallOptions) => engine.call(request, callOptions));
  const context: GradingContext = {
    graderModel: settings.graderModel,
    async grade(request, signal) {
      const startedAt = Date.now();
      const result = await call(request, {
        signal: signal ?? options.signal,
        useCache: options.useCache === true,
        ...(tag !== undefined ? { tag } : {}),
      });
      options.onCall?.({ kind: 'chat', request, result, startedAt });
      return result;
    },
    async embed(texts, model, signal) {
      const ref = model ?? settings.embeddingModel;
      if (!ref) return { error: 'no embeddings model: set one (grader.embeddingModel) or name it with provider on the assertion' };
      const startedAt = Date.now();
      const result = await engine.embed(ref, texts, { signal: signal ?? options.signal, ...(tag !== undefined ? { tag } : {}) });
      options.onCall?.({ kind: 'embed', model: ref, texts, result, startedAt });
      return result.error ? { error: result.error.message } : result.vectors;
    },
  };
  context.moderate = async (text, model, signal) => {
    const startedAt = Date.now();
    const result = await engine.moderate(model, text, { signal: signal ?? options.signal, ...(tag !== undefined ? { tag } : {}) });
    options.onCall?.({ kind: 'moderate', model, text, result, startedAt });
    return result.error ? { error: result.error.message } : result.flags;
  };
  if (settings.embeddingModel) context.embeddingModel = settings.embeddingModel;
  return context;
}
