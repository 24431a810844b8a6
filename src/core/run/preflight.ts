// Checks before a run makes any call: every model a suite uses (its models, and the graders and
// embeddings models its assertions need) names a known provider, and every provider that needs a key has
// one. A run that would only produce a wall of auth errors stops here with one clear message.
import { resolveAssertionType } from '../assertions/assertionRegistry';
import type { AssertionSpec } from '../assertions/assertionTypes';
import { providerFor } from '../assertions/graderSupport';
import { formatModelRef } from '../assertions/providerRef';
import { DEFAULT_MODERATION_MODEL } from '../assertions/serviceAssertions';
import { runsWorkspaceCode } from '../providers/customProviderSpec';
import { untrustedCodeError } from '../providers/customProviderSupport';
import type { ProviderRegistry } from '../providers/providerRegistry';
import type { KeyLookup } from '../providers/providerTypes';
import { keyEnvNames } from '../providers/sdkProvider';
import type { TestCase } from '../testBank/testBankTypes';
import type { ModelRef } from '../types';
import type { GradingSettings } from './gradingContext';
import { caseNeedsLogprobs, logprobRefusal, type LogprobCall } from './logprobRequests';
import type { TestSuite } from './testSuite';

/** A model a run will call, and why. */
export interface ModelUse {
  ref: ModelRef;
  /** As the user wrote it (a promptfoo label, or `provider:model`). */
  label: string;
  purpose: 'model' | 'grader' | 'embeddings' | 'moderation';
  /** The suite that needs it. */
  suite: string;
  /** A model under test some of whose cases need token logprobs (`perplexity`), and how it is called. */
  logprobs?: LogprobCall;
}

/** Why a model cannot be called. */
export interface PreflightProblem {
  kind: 'unknown-provider' | 'missing-key' | 'bad-reference' | 'untrusted-code' | 'no-logprobs';
  use: ModelUse;
  /** The environment variable that would hold the missing key. */
  envVar?: string;
  message: string;
}

const PURPOSE = { text: 'grader', embedding: 'embeddings', moderation: 'moderation' } as const;

/** The model an assertion will call for `use`, as the assertion types pick it. */
function modelFor(spec: AssertionSpec, testCase: TestCase, grading: GradingSettings, use: 'text' | 'embedding' | 'moderation'): ModelRef | { error: string } | undefined {
  const named = providerFor(spec, testCase.options, use);
  if (named) return named;
  return use === 'embedding' ? grading.embeddingModel : use === 'moderation' ? DEFAULT_MODERATION_MODEL : grading.graderModel;
}

/** Every distinct model the suites will call: their models, then graders and embeddings models. */
export function modelsUsed(suites: readonly TestSuite[], grading: GradingSettings): { uses: ModelUse[]; problems: PreflightProblem[] } {
  const uses = new Map<string, ModelUse>();
  const problems: PreflightProblem[] = [];
  const add = (use: ModelUse): void => {
    const key = `${use.purpose} ${formatModelRef(use.ref)}`;
    const known = uses.get(key);
    if (!known) uses.set(key, use);
    else if (use.logprobs && !known.logprobs) uses.set(key, { ...known, suite: use.suite, logprobs: use.logprobs });
  };
  for (const suite of suites) {
    if (suite.cases.length === 0) continue;
    const logprobs = suite.cases.some(caseNeedsLogprobs);
    for (const m of suite.models) {
      // Logprobs are asked for by the cases' perplexity assertions, or by the model's own config (promptfoo's passthrough).
      const call = logprobs || m.params?.logprobs ? { logprobs: { api: m.params?.api ?? suite.prompt.params.api, stream: m.stream === true } } : {};
      add({ ref: m.ref, label: m.label, purpose: 'model', suite: suite.name, ...call });
    }
    for (const c of suite.cases) {
      for (const spec of c.assert) {
        const definition = resolveAssertionType(spec.type)?.definition;
        for (const use of definition?.uses ?? (definition?.modelGraded ? ['text' as const] : [])) {
          const purpose = PURPOSE[use];
          const ref = modelFor(spec, c, grading, use);
          if (ref === undefined) continue;
          if ('error' in ref) {
            const bad: ModelUse = { ref: { provider: '', model: '' }, label: String(spec.provider), purpose, suite: suite.name };
            problems.push({ kind: 'bad-reference', use: bad, message: `${suite.name}: ${spec.type}: ${ref.error}` });
            continue;
          }
          add({ ref, label: formatModelRef(ref), purpose, suite: suite.name });
        }
      }
    }
  }
  return { uses: [...uses.values()], problems };
}

const KEYED_KINDS = new Set(['openai', 'anthropic', 'azure-openai']);

/** Checks that each use resolves to a provider and that providers needing a key have one. */
export async function checkModels(uses: readonly ModelUse[], registry: ProviderRegistry, keys: KeyLookup): Promise<PreflightProblem[]> {
  const problems: PreflightProblem[] = [];
  const checked = new Map<string, string | undefined>();
  for (const use of uses) {
    const what = use.purpose === 'model' ? use.label : `${use.purpose} ${use.label}`;
    const provider = registry.resolve(use.ref);
    if ('error' in provider) {
      problems.push({ kind: 'unknown-provider', use, message: `${what} (in ${use.suite}): ${provider.error.message}` });
      continue;
    }
    const config = provider.config;
    const noLogprobs = use.logprobs ? logprobRefusal(config, use.logprobs) : undefined;
    if (noLogprobs) problems.push({ kind: 'no-logprobs', use, message: `${what} (in ${use.suite}): ${noLogprobs}` });
    if (!registry.trustedCode && runsWorkspaceCode(config)) {
      problems.push({ kind: 'untrusted-code', use, message: `${what} (in ${use.suite}): ${untrustedCodeError(config).message}` });
      continue;
    }
    if (!(config.keyRequired ?? KEYED_KINDS.has(config.kind)) || config.apiKey) continue;
    const secrets = [config.apiKeySecret ?? config.name, ...(config.apiKeySecretFallbacks ?? [])];
    let found = false;
    for (const secret of secrets) {
      if (!checked.has(secret)) {
        const key = await keys(secret);
        checked.set(secret, key && key.trim() !== '' ? 'found' : undefined);
      }
      if (checked.get(secret)) found = true;
    }
    if (found) continue;
    const envVars = keyEnvNames(config);
    problems.push({ kind: 'missing-key', use, envVar: envVars[0]!, message: `${what} (in ${use.suite}): no API key for ${use.ref.provider.replace(/~\d+$/, '')}; set ${envVars.join(' or ')}` });
  }
  return problems;
}
