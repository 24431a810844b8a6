// `perplexity` and `perplexity-score` read the token logprobs of the answer, which a model returns only
// when asked. A case with one of them asks its model (OpenAI's `logprobs: true`), and only OpenAI-compatible
// chat completions without streaming can answer: anywhere else the run stops before any call.
// (promptfoo 0.121.20's OpenAI provider has the option, `includeLogProbs`, but its evaluator never sets it,
// so there these assertions error unless the provider's `passthrough` asks for logprobs.)
import type { AssertionSpec } from '../assertions/assertionTypes';
import type { ProviderConfig } from '../providers/providerTypes';

const LOGPROB_TYPE = /^(not-)?perplexity(-score)?$/;
const CHAT_KINDS = new Set<ProviderConfig['kind']>(['openai', 'openai-compatible', 'azure-openai']);

function needsLogprobs(specs: readonly AssertionSpec[]): boolean {
  return specs.some((s) => LOGPROB_TYPE.test(s.type) || (s.assert !== undefined && needsLogprobs(s.assert)));
}

/** Whether a case has a `perplexity` or `perplexity-score` assertion (in an `assert-set` too). */
export function caseNeedsLogprobs(testCase: { assert: readonly AssertionSpec[] }): boolean {
  return needsLogprobs(testCase.assert);
}

/** How a model is called, as far as logprobs go. */
export interface LogprobCall {
  /** The OpenAI API the call uses (`responses` or chat completions). */
  api?: string;
  stream: boolean;
}

/** Why a model cannot return token logprobs for `perplexity`, or undefined when it can. */
export function logprobRefusal(config: ProviderConfig, call: LogprobCall): string | undefined {
  const need = 'token logprobs (for `perplexity` and `perplexity-score`, or a config\'s `passthrough: { logprobs: true }`) come only from OpenAI-compatible chat completions without streaming';
  if (!CHAT_KINDS.has(config.kind)) return `${need}; this ${config.kind} provider cannot return them`;
  if (call.api === 'responses') return `${need}: call this model through chat completions, not the Responses API`;
  if (call.stream) return `${need}: turn streaming off for this model`;
  return undefined;
}
