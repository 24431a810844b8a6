// `assay test --list`: what a run would do — prompts × providers × tests, where each model's calls go and
// which variable holds its key — printed without calling anything.
import { maxToolSteps } from '../core/testBank/mockTools';
import { describeCustomProvider } from '../core/providers/customProviderSpec';
import type { ProviderRegistry } from '../core/providers/providerRegistry';
import type { KeyLookup } from '../core/providers/providerTypes';
import { keyEnvNames } from '../core/providers/sdkProvider';
import type { ModelUse, PreflightProblem } from '../core/run/preflight';
import type { TestSuite } from '../core/run/testSuite';
import { formatModelRef } from '../core/assertions/providerRef';
import { batchBackendFor } from '../core/batch/batchBackends';
import type { ModelTarget } from '../core/run/testSuite';

const clip = (s: string, n = 70): string => {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > n ? `${flat.slice(0, n - 1)}…` : flat;
};

/** Where a model's calls go and whether its key is there, in one line. */
async function endpointLine(use: Pick<ModelUse, 'ref'>, registry: ProviderRegistry, keys: KeyLookup): Promise<string> {
  const provider = registry.resolve(use.ref);
  if ('error' in provider) return provider.error.message;
  const c = provider.config;
  if (c.kind === 'echo') return 'echo (no call leaves the machine)';
  if (c.custom) return describeCustomProvider(c);
  const where = c.baseUrl ?? 'default endpoint';
  if (c.apiKey !== undefined) return `${where}, key written in the config`;
  const required = c.keyRequired ?? c.kind !== 'openai-compatible';
  // An endpoint that names no key variable and needs none is a keyless server (Ollama, LocalAI).
  if (c.apiKeySecret === undefined && !required && c.name !== 'openai' && c.name !== 'anthropic') return `${where}, no key`;
  const names = [c.apiKeySecret ?? c.name, ...(c.apiKeySecretFallbacks ?? [])];
  let found: string | undefined;
  for (const [i, n] of names.entries()) {
    const k = await keys(n);
    if (k && k.trim() !== '') {
      found = keyEnvNames(c)[i];
      break;
    }
  }
  const vars = keyEnvNames(c);
  if (found) return `${where}, key from ${found}`;
  if (!required) return `${where}, no key (${vars.join(' or ')} not set)`;
  return `${where}, key ${vars.join(' or ')} NOT SET`;
}

/** With `--batch`: whether a model's calls go through its endpoint's batch API, or live and why. */
function batchNote(m: ModelTarget, api: Parameters<ProviderRegistry['resolve']>[1], registry: ProviderRegistry): string {
  const provider = registry.resolve(m.ref, m.params?.api ?? api);
  if ('error' in provider) return '';
  const how = batchBackendFor(provider);
  return 'backend' in how ? '; batch API' : `; live, no batch API (${how.live})`;
}

/** Prints the plan of `suites`; returns nothing (the caller decides the exit code from `problems`). */
export async function printPlan(
  out: NodeJS.WritableStream,
  suites: readonly TestSuite[],
  uses: readonly ModelUse[],
  problems: readonly PreflightProblem[],
  registry: ProviderRegistry,
  keys: KeyLookup,
  repeat: number | undefined,
  batch = false,
): Promise<void> {
  let calls = 0;
  // Model calls tool loops may add after their first (each case with mockTools, up to its step limit).
  let loopCalls = 0;
  // Suites of one promptfoo config (one per prompt) are shown together.
  const groups = new Map<string, TestSuite[]>();
  for (const s of suites) {
    const key = s.bankPath ?? s.name;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  for (const [name, group] of groups) {
    const models = new Map(group.flatMap((s) => s.models.map((m) => [m.label, m] as const)));
    const cases = group[0]!.cases;
    const executions = group.reduce((n, s) => n + s.cases.reduce((k, c) => k + s.models.length * Math.max(1, repeat ?? c.repeat ?? 1), 0), 0);
    calls += executions;
    loopCalls += group.reduce((n, s) => n + s.cases.reduce((k, c) => k + (c.mockTools ? s.models.length * Math.max(1, repeat ?? c.repeat ?? 1) * (maxToolSteps(c.options) - 1) : 0), 0), 0);
    out.write(`${name}: ${group.length} prompt${group.length === 1 ? '' : 's'} × ${models.size} provider${models.size === 1 ? '' : 's'} × ${cases.length} test${cases.length === 1 ? '' : 's'} = ${executions} call${executions === 1 ? '' : 's'}\n`);
    out.write('  prompts:\n');
    for (const s of group) {
      const runs = s.models.length === models.size ? '' : `  (providers: ${s.models.map((m) => m.label).join(', ') || 'none'})`;
      out.write(`    ${clip(s.prompt.label)}${runs}\n`);
    }
    out.write('  providers:\n');
    for (const m of models.values()) {
      const id = (m as { id?: string }).id ?? formatModelRef(m.ref);
      const shown = id === m.label ? id : `${m.label} (${id})`;
      out.write(`    ${shown} → ${m.ref.model} at ${await endpointLine(m, registry, keys)}${batch ? batchNote(m, group[0]!.prompt.params.api, registry) : ''}\n`);
    }
    out.write('  tests:\n');
    for (const c of cases.slice(0, 50)) out.write(`    ${clip(c.description ?? c.id)}${c.repeat && c.repeat > 1 ? ` ×${c.repeat}` : ''}${c.mockTools ? `  (tool loop: up to ${maxToolSteps(c.options)} calls)` : ''}\n`);
    if (cases.length > 50) out.write(`    … and ${cases.length - 50} more\n`);
  }
  const graders = uses.filter((u) => u.purpose !== 'model');
  if (graders.length > 0) {
    out.write('graders:\n');
    for (const g of graders) out.write(`  ${g.purpose} ${formatModelRef(g.ref).replace(/~\d+:/, ':')} at ${await endpointLine(g, registry, keys)}\n`);
  }
  const upTo = loopCalls > 0 ? `, up to ${calls + loopCalls} with the tool loops` : '';
  out.write(`${calls} model call${calls === 1 ? '' : 's'} planned${upTo} (graders not counted); nothing was called\n`);
  for (const p of problems) out.write(`problem: ${p.message}\n`);
}
