// Assertions that ask a service rather than a chat grader, with promptfoo 0.121.20's contracts:
// `moderation` (OpenAI's moderation endpoint, through the engine like any call), `classifier` (a Hugging
// Face text-classification endpoint, or a local one with the same wire format) and `webhook` (the user's
// own URL). What is not configured is an evaluation error naming the next step, never a pass.
import type { AssertionDefinition, AssertionInput, AssertionSpec, RawAssertionResult } from './assertionTypes';
import { atLeast, errorResult, namedModel, promptText } from './graderSupport';
import { isRecord } from './valueUtils';

/** promptfoo's default moderation model. */
export const DEFAULT_MODERATION_MODEL = { provider: 'openai', model: 'omni-moderation-latest' } as const;

/** Hugging Face's inference router, where a `huggingface:text-classification:<model>` classifier goes by default. */
const HF_INFERENCE_URL = 'https://router.huggingface.co/hf-inference';

/** promptfoo's webhook time limit (its `WEBHOOK_TIMEOUT`, ms). */
const WEBHOOK_TIMEOUT_MS = 5000;

/** POSTs JSON and reads a JSON answer; `{ error }` for a network failure, a time-out, a non-2xx status or a body that is not JSON. */
async function postJson(url: string, body: unknown, headers: Record<string, string>, timeoutMs: number, signal?: AbortSignal): Promise<{ data: unknown } | { error: string }> {
  const limit = AbortSignal.timeout(timeoutMs);
  try {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), signal: signal ? AbortSignal.any([signal, limit]) : limit });
    const text = await res.text();
    if (!res.ok) return { error: `${url} answered ${res.status} ${res.statusText}: ${text.slice(0, 200)}` };
    try {
      return { data: JSON.parse(text) as unknown };
    } catch {
      return { error: `${url} did not answer JSON: ${text.slice(0, 200)}` };
    }
  } catch (e) {
    if (signal?.aborted) return { error: 'cancelled' };
    if (limit.aborted) return { error: `${url} did not answer within ${timeoutMs} ms` };
    return { error: `${url} could not be reached: ${(e as Error).message}` };
  }
}

/** `moderation`: the output through OpenAI's moderation model; fails when a (listed) category is flagged. */
async function moderation(spec: AssertionSpec, input: AssertionInput): Promise<RawAssertionResult> {
  if (input.output === '') return { pass: true, score: 1, reason: 'No output to moderate' };
  const model = namedModel(spec, input, 'moderation') ?? DEFAULT_MODERATION_MODEL;
  if ('error' in model) return errorResult(model.error);
  if (!input.context.moderate) return errorResult('moderation needs the engine (it is not available here)');
  const flags = await input.context.moderate(input.output, model, input.signal);
  if (!Array.isArray(flags)) return errorResult(`Moderation API error: ${flags.error}`);
  const wanted = Array.isArray(spec.value) ? (spec.value as string[]) : [];
  const hits = wanted.length === 0 ? flags : flags.filter((f) => wanted.includes(f.category));
  if (flags.length === 0) return { pass: true, score: 1, reason: 'No moderation flags detected' };
  if (hits.length === 0) return { pass: true, score: 1, reason: 'No relevant moderation flags detected' };
  return { pass: false, score: 0, reason: `Moderation flags detected: ${hits.map((f) => f.category).join(', ')}` };
}

interface Classifier {
  url: string;
  headers: Record<string, string>;
}

/** The classifier endpoint named by `provider` (the assertion's, or the test's `options.provider.classification`). */
function classifierOf(spec: AssertionSpec, input: AssertionInput): Classifier | { error: string } {
  const chosen = spec.provider ?? input.test.options?.provider;
  const raw = isRecord(chosen) && !('id' in chosen) ? chosen.classification : chosen;
  const id = typeof raw === 'string' ? raw : isRecord(raw) && typeof raw.id === 'string' ? raw.id : undefined;
  const prefix = 'huggingface:text-classification:';
  if (!id || !id.startsWith(prefix) || id.length === prefix.length) {
    return { error: `classifier needs a classification provider: set provider to ${prefix}<model> (Hugging Face, or any endpoint with its wire format through config.apiEndpoint)` };
  }
  const config = isRecord(raw) && isRecord(raw.config) ? raw.config : {};
  const endpoint = typeof config.apiEndpoint === 'string' && config.apiEndpoint !== '' ? config.apiEndpoint : undefined;
  const key = process.env.HF_TOKEN ?? process.env.HF_API_TOKEN;
  // The user's Hugging Face key goes to Hugging Face; to an endpoint the workspace names only where its code is trusted.
  const sendKey = key !== undefined && key !== '' && (endpoint === undefined || input.trusted);
  return { url: endpoint ?? `${HF_INFERENCE_URL}/models/${id.slice(prefix.length)}`, headers: sendKey ? { authorization: `Bearer ${key}` } : {} };
}

/** `classifier`: the score of the expected label (or of the best label without one) must reach `threshold` (default 1). */
async function classifier(spec: AssertionSpec, input: AssertionInput): Promise<RawAssertionResult> {
  const endpoint = classifierOf(spec, input);
  if ('error' in endpoint) return errorResult(endpoint.error);
  const answer = await postJson(endpoint.url, { inputs: input.output, parameters: {} }, endpoint.headers, 120_000, input.signal);
  if ('error' in answer) return errorResult(`classifier: ${answer.error}`);
  const data = answer.data;
  if (isRecord(data) && data.error !== undefined) return errorResult(`classifier: API call error: ${String(data.error)}`);
  const labels = Array.isArray(data) && Array.isArray(data[0]) ? (data[0] as unknown[]) : undefined;
  if (!labels) return errorResult(`classifier: malformed response (expected [[{ label, score }]]): ${JSON.stringify(data).slice(0, 200)}`);
  const scores = new Map<string, number>();
  for (const item of labels) if (isRecord(item) && typeof item.label === 'string' && typeof item.score === 'number') scores.set(item.label, item.score);
  const expected = typeof spec.value === 'string' ? spec.value : undefined;
  const threshold = spec.threshold ?? 1;
  if (expected === undefined && scores.size === 0) return { pass: false, score: 0, reason: 'No classification scores returned' };
  const score = expected === undefined ? Math.max(...scores.values()) : (scores.get(expected) ?? 0);
  const pass = atLeast(score, threshold);
  const what = expected === undefined ? 'Maximum classification score' : `Classification ${expected} has score`;
  return { pass, score, reason: `${what} ${score.toFixed(2)} ${pass ? '>=' : '<'} ${threshold}` };
}

/** `webhook`: POSTs `{ output, context: { prompt, vars } }` to the URL; the JSON answer `{ pass, score?, reason? }` is the verdict. */
async function webhook(spec: AssertionSpec, input: AssertionInput): Promise<RawAssertionResult> {
  const url = String(spec.value);
  const answer = await postJson(url, { output: input.output, context: { prompt: promptText(input), vars: input.vars } }, {}, WEBHOOK_TIMEOUT_MS, input.signal);
  if ('error' in answer) return errorResult(`Webhook error: ${answer.error}`);
  const data = isRecord(answer.data) ? answer.data : {};
  // promptfoo: anything but `pass: false` passes; a missing score follows the verdict.
  const pass = data.pass !== false;
  const score = typeof data.score === 'number' ? data.score : pass ? 1 : 0;
  const reason = typeof data.reason === 'string' && data.reason !== '' ? data.reason : pass ? 'Assertion passed' : 'Webhook returned false';
  return { pass, score, reason };
}

export const SERVICE_ASSERTIONS: AssertionDefinition[] = [
  {
    type: 'moderation',
    description: "The output passes OpenAI's moderation endpoint (no flagged category, or none of the listed ones).",
    docs:
      "Sends the output to OpenAI's moderation API (`POST /moderations`, model `omni-moderation-latest`, or the `provider` named, e.g. `openai:moderation:text-moderation-latest`) through the engine, with the OpenAI key Assay uses for chat. " +
      'Passes with score 1 when no category is flagged, or none of those listed in `value` (e.g. `[harassment, violence]`); otherwise fails with score 0. An empty output passes, as in promptfoo. ' +
      'No OpenAI key is a preflight error before any call; a failed moderation call is an evaluation error, never a pass.',
    example: 'assert:\n  - type: moderation\n    value: [harassment, hate, violence]',
    modelGraded: false,
    uses: ['moderation'],
    check(spec) {
      if (spec.value !== undefined && !(Array.isArray(spec.value) && spec.value.every((v) => typeof v === 'string'))) return '"moderation" value must be a list of category names (or left out for all)';
      return undefined;
    },
    evaluate: moderation,
  },
  {
    type: 'classifier',
    description: 'A text-classification model scores the output; the expected label must reach the threshold.',
    docs:
      'Needs `provider: huggingface:text-classification:<model>` (on the assertion, or the test\'s `options.provider.classification`); `config.apiEndpoint` points it at another endpoint with the same wire format (a local server). ' +
      'POSTs `{ inputs: output, parameters: {} }` and reads `[[{ label, score }]]`. Score = the score of the label in `value` (0 when absent), or the highest score without a value; passes when it is ≥ `threshold` (default 1). ' +
      'The key is `HF_TOKEN` or `HF_API_TOKEN` from the environment, sent to a custom endpoint only in a trusted workspace or the CLI. No provider, an unreachable endpoint or another answer shape is an evaluation error.',
    example: 'assert:\n  - type: classifier\n    provider: huggingface:text-classification:facebook/roberta-hate-speech-dynabench-r4-target\n    value: nothate\n    threshold: 0.5',
    modelGraded: false,
    check(spec) {
      if (spec.value !== undefined && typeof spec.value !== 'string') return '"classifier" value must be the expected label (or left out)';
      return undefined;
    },
    evaluate: classifier,
  },
  {
    type: 'webhook',
    description: 'Your own HTTP endpoint judges the output.',
    docs:
      'POSTs `{ output, context: { prompt, vars } }` as JSON to the URL in `value` (5 s limit) and reads `{ pass, score?, reason? }`: anything but `pass: false` passes; `score` defaults to 1 or 0 by the verdict. ' +
      'A non-2xx status, a time-out or an answer that is not JSON is an evaluation error.',
    example: 'assert:\n  - type: webhook\n    value: http://127.0.0.1:8000/grade',
    modelGraded: false,
    check(spec) {
      if (typeof spec.value !== 'string' || !/^https?:\/\/\S+$/i.test(spec.value)) return '"webhook" needs an http:// or https:// URL as value';
      return undefined;
    },
    evaluate: webhook,
  },
];
