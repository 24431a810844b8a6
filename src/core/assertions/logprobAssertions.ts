// `perplexity` and `perplexity-score`: how sure the model was of its own tokens, from the per-token log
// probabilities of the response (promptfoo 0.121.20, src/assertions/perplexity.ts). They need logprobs in
// the provider's answer: a case with one asks its model for them (src/core/run/logprobRequests.ts);
// without them the assertion is an error, never a pass.
import type { CallResult } from '../types';
import type { AssertionDefinition, AssertionSpec, RawAssertionResult } from './assertionTypes';
import { isRecord } from './valueUtils';

const NO_LOGPROBS =
  'the response has no token logprobs: Assay asked the model for them (`logprobs: true`), but the server returned none; use a model or server whose chat completions return logprobs';

/** Per-token log probabilities of the first choice of an OpenAI-style chat completion (`choices[0].logprobs.content[].logprob`). */
export function responseLogprobs(result: CallResult): number[] | undefined {
  const response = result.response;
  const choice = isRecord(response) && Array.isArray(response.choices) ? (response.choices[0] as unknown) : undefined;
  const content = isRecord(choice) && isRecord(choice.logprobs) ? choice.logprobs.content : undefined;
  if (!Array.isArray(content) || content.length === 0) return undefined;
  const values = content.map((t) => (isRecord(t) ? t.logprob : undefined));
  return values.every((v): v is number => typeof v === 'number' && Number.isFinite(v)) ? values : undefined;
}

const meanLogprob = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/** `not-` with no threshold always passes in promptfoo (there is nothing to negate): refused as a configuration error. */
function negationNeedsThreshold(spec: AssertionSpec): string | undefined {
  return spec.type.startsWith('not-') && spec.threshold === undefined ? `"${spec.type}" needs a threshold` : undefined;
}

function withLogprobs(result: CallResult, judge: (values: number[]) => RawAssertionResult): RawAssertionResult {
  const values = responseLogprobs(result);
  return values ? judge(values) : { pass: false, score: 0, reason: NO_LOGPROBS, error: NO_LOGPROBS };
}

export const LOGPROB_ASSERTIONS: AssertionDefinition[] = [
  {
    type: 'perplexity',
    description: 'The perplexity of the output is at most the threshold.',
    docs:
      'Perplexity = exp(−mean token logprob) over the response\'s tokens. Passes when it is ≤ `threshold`; without a threshold it only records that logprobs exist and passes. ' +
      'A case with this assertion asks its model for token logprobs (`logprobs: true`; promptfoo\'s `passthrough: { logprobs: true }` asks on every call), which only OpenAI-compatible chat completions without streaming return: other models are refused before any call, and an answer without logprobs is an evaluation error. Score 1 or 0.',
    example: 'assert:\n  - type: perplexity\n    threshold: 1.5',
    modelGraded: false,
    check: negationNeedsThreshold,
    evaluate: (spec, { result }) =>
      withLogprobs(result, (values) => {
        const perplexity = Math.exp(-meanLogprob(values));
        const pass = spec.threshold === undefined || perplexity <= spec.threshold;
        const bound = spec.threshold === undefined ? '' : ` ${pass ? '≤' : '>'} threshold ${spec.threshold}`;
        return { pass, score: pass ? 1 : 0, reason: `Perplexity ${perplexity.toFixed(4)}${bound}` };
      }),
  },
  {
    type: 'perplexity-score',
    description: 'The normalised perplexity score of the output is at least the threshold.',
    docs:
      'Score = 1 / (1 + exp(−mean token logprob)), between 0 and 1 (higher: the model was surer). Passes when the score is ≥ `threshold`, or always without a threshold. ' +
      'Under `not-` the score is 1 − score. Needs token logprobs, as `perplexity`.',
    example: 'assert:\n  - type: perplexity-score\n    threshold: 0.4',
    modelGraded: false,
    check: negationNeedsThreshold,
    evaluate: (spec, { result }) =>
      withLogprobs(result, (values) => {
        const score = 1 / (1 + Math.exp(-meanLogprob(values)));
        const pass = spec.threshold === undefined || score >= spec.threshold;
        const bound = spec.threshold === undefined ? '' : ` ${pass ? '≥' : '<'} threshold ${spec.threshold}`;
        return { pass, score, reason: `Perplexity score ${score.toFixed(4)}${bound}` };
      }),
  },
];
