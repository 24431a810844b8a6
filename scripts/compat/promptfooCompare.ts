// The classifier of the promptfoo compatibility runs (scripts/compat/promptfoo.ts): given what promptfoo and
// Assay did with one config — exit codes, their JSON results and the requests the mock model received —
// it says whether the config is in the measure at all (promptfoo ran it offline), and if so whether Assay
// refused it, crashed, substituted a model the config does not name, or ran it with promptfoo's verdicts.
// Pure functions over data, so the unit test drives it with hand-made runs.

/** A request the mock model received, as the harness logs it. */
export interface LoggedRequest {
  /** Which mock it reached: the one behind `OPENAI_BASE_URL`, `ANTHROPIC_BASE_URL`, `OLLAMA_BASE_URL`. */
  vendor: string;
  /** The wire API (`openai.chat`, `anthropic.messages`, …). */
  api: string;
  path: string;
  model: string;
}

/** What one tool did with one config. */
export interface ToolRun {
  exitCode: number | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** The parsed JSON results file, null when none was written or it did not parse. */
  json: unknown;
  requests: LoggedRequest[];
}

/** One execution's verdict: a test case on a provider for a prompt. */
export interface Verdict {
  pass: boolean;
  score: number | null;
  error: boolean;
  /** Assertion verdicts by type, in order, for naming what differs. */
  assertions: { type: string; pass: boolean }[];
  description: string;
  /** The provider the execution is reported under. */
  model: string;
  /** The output (from the deterministic mocks): what pairs executions when the tests ran in another order. */
  output: string;
}

export type Category = 'promptfoo-fails' | 'agree' | 'differ' | 'refused' | 'crash' | 'substitution';

/** The classification of one config. */
export interface Outcome {
  category: Category;
  /** One line: why (the blocker, the first difference, promptfoo's error). */
  reason: string;
  /**
   * What stands in the way, each as a key grouping configs with the same blocker (the message without
   * names and numbers) and one message as an example. A refusal lists every error Assay printed.
   */
  blockers: { key: string; message: string }[];
  executions: { promptfoo: number; assay: number; agreeing: number };
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Groups key: `promptIndex|provider` (the provider's label, else its id). */
function groupKey(promptIdx: number, provider: string): string {
  return `${promptIdx}|${provider}`;
}

/** promptfoo's `-o x.json` results, grouped by prompt and provider, each group in test order. */
export function promptfooVerdicts(json: unknown): Map<string, Verdict[]> {
  const out = new Map<string, Verdict[]>();
  const results = isObj(json) && isObj(json.results) && Array.isArray(json.results.results) ? (json.results.results as Json[]) : [];
  // promptfoo numbers prompt × provider columns; Assay has one suite per prompt. Number distinct prompts.
  const columns = isObj(json) && isObj(json.results) && Array.isArray(json.results.prompts) ? (json.results.prompts as Json[]) : [];
  // The same prompt listed twice is two prompts (two Assay suites): the k-th column of a name for one provider is its k-th copy.
  const copies = new Map<string, number>();
  const copyOf = columns.map((c) => {
    const id = `${String(isObj(c) ? (c.label ?? c.raw) : '')}|${String(isObj(c) ? c.provider : '')}`;
    const k = copies.get(id) ?? 0;
    copies.set(id, k + 1);
    return k;
  });
  const promptNames: string[] = [];
  const promptOf = (r: Json): number => {
    const col = columns[Number(r.promptIdx ?? 0)];
    const p = isObj(r.prompt) ? r.prompt : col;
    const name = `${String((isObj(p) ? (p.label ?? p.raw) : undefined) ?? r.promptIdx ?? 0)}#${copyOf[Number(r.promptIdx ?? 0)] ?? 0}`;
    let i = promptNames.indexOf(name);
    if (i < 0) i = promptNames.push(name) - 1;
    return i;
  };
  const sorted = [...results].sort((a, b) => Number(a.promptIdx ?? 0) - Number(b.promptIdx ?? 0) || Number(a.testIdx ?? 0) - Number(b.testIdx ?? 0));
  for (const r of sorted) {
    const prov = isObj(r.provider) ? String(r.provider.label || r.provider.id || '') : String(r.provider ?? '');
    const key = groupKey(promptOf(r), prov);
    const grading = isObj(r.gradingResult) ? r.gradingResult : null;
    const components = grading && Array.isArray(grading.componentResults) ? (grading.componentResults as Json[]) : [];
    const error = r.failureReason === 2 || (typeof r.error === 'string' && r.error !== '' && r.success !== true && !grading);
    const tc = isObj(r.testCase) ? r.testCase : {};
    const verdict: Verdict = {
      pass: r.success === true,
      score: typeof r.score === 'number' ? r.score : null,
      error,
      assertions: components.map((c) => ({ type: isObj(c.assertion) ? String(c.assertion.type ?? '?') : '?', pass: c.pass === true })),
      description: String(tc.description ?? r.description ?? ''),
      model: prov,
      output: outputOf(isObj(r.response) ? r.response.output : undefined),
    };
    if (!out.has(key)) out.set(key, []);
    out.get(key)!.push(verdict);
  }
  return out;
}

/** Assay's `--json` results, grouped by suite (one per prompt, in order) and model, first repeat only. */
export function assayVerdicts(json: unknown): Map<string, Verdict[]> {
  const out = new Map<string, Verdict[]>();
  const suites = isObj(json) && Array.isArray(json.suites) ? (json.suites as Json[]) : [];
  suites.forEach((suite, promptIdx) => {
    for (const r of Array.isArray(suite.results) ? (suite.results as Json[]) : []) {
      if (Number(r.repeatIndex ?? 0) !== 0) continue;
      const key = groupKey(promptIdx, String(r.model ?? ''));
      const verdict: Verdict = {
        pass: r.status === 'pass',
        score: typeof r.score === 'number' ? r.score : null,
        error: r.status === 'error',
        assertions: (Array.isArray(r.assertions) ? (r.assertions as Json[]) : []).map((a) => ({ type: String(a.type ?? '?'), pass: a.pass === true })),
        description: String(r.description ?? ''),
        model: String(r.model ?? ''),
        output: outputOf(r.output),
      };
      if (!out.has(key)) out.set(key, []);
      out.get(key)!.push(verdict);
    }
  });
  return out;
}

function outputOf(v: unknown): string {
  return typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v);
}

/** Pairs groups by key, else (when the names differ) by order within the same prompt. */
function pairGroups(pf: Map<string, Verdict[]>, assay: Map<string, Verdict[]>): { key: string; pf: Verdict[]; assay: Verdict[] | undefined }[] {
  const pairs: { key: string; pf: Verdict[]; assay: Verdict[] | undefined }[] = [];
  const unusedAssay = [...assay.keys()].filter((k) => !pf.has(k));
  const unusedPf = [...pf.keys()].filter((k) => !assay.has(k));
  for (const [key, verdicts] of pf) {
    if (assay.has(key)) pairs.push({ key, pf: verdicts, assay: assay.get(key) });
  }
  for (const key of unusedPf) {
    const prompt = key.split('|')[0];
    const i = unusedAssay.findIndex((k) => k.split('|')[0] === prompt);
    const match = i >= 0 ? unusedAssay.splice(i, 1)[0] : undefined;
    pairs.push({ key, pf: pf.get(key)!, assay: match === undefined ? undefined : assay.get(match) });
  }
  return pairs;
}

/** Scores agree to 4 decimals; an unknown score agrees with anything (a verdict without one). */
function sameScore(a: number | null, b: number | null): boolean {
  return a === null || b === null || Math.abs(a - b) < 0.00005;
}

/**
 * The first difference between two verdict lists, or null when they agree: test by test in order, or else,
 * when every execution has an output to pair by, the same executions in another order. (promptfoo runs
 * the files a glob matches in the file system's order, Assay in sorted order; the verdicts are the same.)
 */
export function firstDifference(pf: Verdict[], assay: Verdict[]): { reason: string; blocker: string } | null {
  if (pf.length !== assay.length) {
    return { reason: `promptfoo ran ${pf.length} tests, Assay ${assay.length}`, blocker: 'different number of tests' };
  }
  const inOrder = differenceInOrder(pf, assay);
  if (inOrder === null) return inOrder;
  // Ties keep their order (a stable sort), so two tests alike in all but verdict are never swapped to agree.
  // An error's output is not compared (one tool may fail before the call, the other after it).
  const kinds = (v: Verdict): string => v.assertions.map((x) => x.type).join(',');
  const key = (v: Verdict): string => (v.error ? '' : v.output);
  const byOutput = (list: Verdict[]): Verdict[] => [...list].sort((a, b) => key(a).localeCompare(key(b)) || a.description.localeCompare(b.description) || kinds(a).localeCompare(kinds(b)));
  return differenceInOrder(byOutput(pf), byOutput(assay)) === null ? null : inOrder;
}

function differenceInOrder(pf: Verdict[], assay: Verdict[]): { reason: string; blocker: string } | null {
  for (let i = 0; i < pf.length; i++) {
    const p = pf[i]!;
    const a = assay[i]!;
    if (p.pass === a.pass && sameScore(p.score, a.score)) continue;
    const label = p.description || `test ${i + 1}`;
    if (a.error && !p.error) return { reason: `${label}: Assay error, promptfoo ${p.pass ? 'pass' : 'fail'}`, blocker: 'Assay error where promptfoo has a verdict' };
    if (p.error && !a.error) return { reason: `${label}: promptfoo error, Assay ${a.pass ? 'pass' : 'fail'}`, blocker: 'promptfoo error where Assay has a verdict' };
    // Name the assertion type that differs when both list the same assertions.
    const n = Math.min(p.assertions.length, a.assertions.length);
    for (let j = 0; j < n; j++) {
      if (p.assertions[j]!.pass !== a.assertions[j]!.pass) {
        const t = p.assertions[j]!.type;
        return { reason: `${label}: ${t} promptfoo ${p.assertions[j]!.pass ? 'pass' : 'fail'}, Assay ${a.assertions[j]!.pass ? 'pass' : 'fail'}`, blocker: `verdict differs on ${t}` };
      }
    }
    if (p.pass !== a.pass) return { reason: `${label}: promptfoo ${p.pass ? 'pass' : 'fail'}, Assay ${a.pass ? 'pass' : 'fail'}`, blocker: 'verdict differs' };
    return { reason: `${label}: score promptfoo ${p.score?.toFixed(4)}, Assay ${a.score?.toFixed(4)}`, blocker: 'score differs' };
  }
  return null;
}

/** The first line of a tool's error output that says what went wrong. */
export function errorLine(text: string): string {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  const useful = lines.filter((l) => !/ExperimentalWarning|--trace-warnings|Node\.js 20 support|^\(node:\d+\)|^at /.test(l));
  const err =
    useful.find((l) => /^(\w*Error\b|error:|Invalid |Failed )/.test(l)) ?? useful.find((l) => /error|refus|not supported|unknown|cannot|can't|missing|failed|invalid/i.test(l));
  return (err ?? useful[0] ?? '(no output)').slice(0, 300);
}

/** Every `error` line of Assay's refusal (`FILE:LINE:COL error MESSAGE [code]`), else its first error line. */
export function errorLines(stderr: string): string[] {
  const all = stderr.split(/\r?\n/).map((l) => l.trim());
  const lines = all.filter((l) => /^\S+:\d+:\d+ error /.test(l) || /^error: /.test(l));
  // A warning that something is ignored explains a later "no test cases" error: keep it too.
  const ignored = all.filter((l) => /^\S+:\d+:\d+ warning .*(not supported|ignored)/.test(l));
  return lines.length > 0 ? [...new Set([...lines, ...ignored])] : [errorLine(stderr)];
}

/** A refusal message without what is particular to one config (paths, positions, quoted names, numbers). */
export function blockerKey(message: string): string {
  // The assertion type, config key or provider a message names is the blocker itself: keep it.
  const keep = /unknown assertion type|is not supported by Assay|unknown provider|not supported/i.test(message) ? /"([^"]*)"/.exec(message)?.[1] : undefined;
  const key = message
    .replace(/^\S*?:\d+:\d+\s+(error|warning)\s+/, '')
    .replace(/\([^)]*\)/g, '(X)')
    .replace(/[\w./-]+\.(py|js|ts|mjs|cjs|rb|go|ya?ml|json|jsonl|csv|txt|md|prompt)(:[\w.]+)?/g, 'FILE')
    .replace(/\S*\/\S*/g, 'PATH')
    .replace(/"[^"]*"|'[^']*'|`[^`]*`/g, 'X')
    .replace(/\b\d+(\.\d+)?\b/g, 'N')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 160);
  return keep !== undefined ? key.replace('X', `"${keep}"`) : key;
}

/** promptfoo's reason for not running a config offline, when it did not. */
export function promptfooFailure(run: ToolRun): string | null {
  if (run.timedOut) return 'promptfoo timed out';
  const verdicts = [...promptfooVerdicts(run.json).values()].flat();
  if (run.json === null) return `promptfoo exit ${run.exitCode}: ${errorLine(run.stderr + '\n' + run.stdout)}`;
  if (verdicts.length === 0) return `promptfoo wrote no results (exit ${run.exitCode})`;
  if (verdicts.every((v) => v.error)) {
    const results = isObj(run.json) && isObj(run.json.results) && Array.isArray(run.json.results.results) ? (run.json.results.results as Json[]) : [];
    const first = results.find((r) => typeof r.error === 'string');
    return `every promptfoo result is an error: ${String(first?.error ?? '').split('\n')[0]!.slice(0, 240)}`;
  }
  return null;
}

/**
 * Models the config may call: those promptfoo called, and any named in the config's text (its providers,
 * graders and provider files). Assay calling anything else, or a model at another vendor than promptfoo
 * used for it, is a substitution.
 */
export function substitutions(pfRequests: LoggedRequest[], assayRequests: LoggedRequest[], configText: string, assayModels: string[] = []): { key: string; message: string }[] {
  const pfVendors = new Map<string, Set<string>>();
  const pfApis = new Map<string, Set<string>>();
  for (const r of pfRequests) {
    if (!pfVendors.has(r.model)) pfVendors.set(r.model, new Set());
    pfVendors.get(r.model)!.add(r.vendor);
    if (!pfApis.has(r.model)) pfApis.set(r.model, new Set());
    pfApis.get(r.model)!.add(r.api);
  }
  // Models promptfoo chose itself (its default grader or embeddings model): the config names none of them.
  const pfDefaults = [...pfVendors.keys()].filter((m) => m !== '' && !configText.includes(m));
  const found = new Map<string, { key: string; message: string }>();
  const add = (key: string, message: string): void => void found.set(message, { key: `silent substitution: ${key}`, message });
  for (const r of assayRequests) {
    const vendors = pfVendors.get(r.model);
    const apis = pfApis.get(r.model);
    if (vendors && !vendors.has(r.vendor)) add(`a model sent to the ${r.vendor} endpoint, promptfoo sent it to ${[...vendors].join(', ')}`, `${r.model} sent to the ${r.vendor} endpoint (promptfoo: ${[...vendors].join(', ')})`);
    else if (apis && !apis.has(r.api)) add(`${r.api} where promptfoo used ${[...apis].join(', ')}`, `${r.model} called through ${r.api} where promptfoo used ${[...apis].join(', ')}`);
    else if (!vendors && (r.model === '' || !configText.includes(r.model))) {
      if (r.model !== '' && assayModels.some((m) => m === r.model || m.endsWith(`:${r.model}`))) {
        add(`Assay ran the tests on a model the config does not name`, `Assay ran the tests on ${r.model} (${r.api}), which the config does not name; promptfoo called ${[...pfVendors.keys()].join(', ') || 'nothing'}`);
      } else if (pfDefaults.length > 0) {
        add(`Assay's default ${r.api} model ${r.model} where promptfoo uses its own default ${pfDefaults.join(', ')}`, `Assay called ${r.model || '(no model)'} (${r.api}), a model the config does not name, where promptfoo called its own default ${pfDefaults.join(', ')}`);
      } else {
        add(`Assay called ${r.api} model ${r.model}, neither named by the config nor called by promptfoo`, `Assay called ${r.model || '(no model)'} (${r.api} at ${r.vendor}), neither named by the config nor called by promptfoo`);
      }
    }
  }
  return [...found.values()];
}

/** Compares every group; the first difference, and how many executions agree. */
function compareAll(pfV: Map<string, Verdict[]>, assayV: Map<string, Verdict[]>, pfCount: number, assayCount: number): { first: { reason: string; blocker: string } | null; agreeing: number } {
  let first: { reason: string; blocker: string } | null = null;
  let agreeing = 0;
  for (const pair of pairGroups(pfV, assayV)) {
    if (!pair.assay) {
      first ??= { reason: `no Assay results for ${pair.key.split('|')[1]} (prompt ${Number(pair.key.split('|')[0]) + 1})`, blocker: 'provider or prompt missing from Assay results' };
      continue;
    }
    const diff = firstDifference(pair.pf, pair.assay);
    if (diff) first ??= diff;
    else agreeing += pair.pf.length;
  }
  if (!first && assayCount !== pfCount) first = { reason: `promptfoo ran ${pfCount} executions, Assay ${assayCount}`, blocker: 'different number of tests' };
  return { first, agreeing };
}

/** Classifies one config from both tools' runs. */
export function classify(pf: ToolRun, assay: ToolRun, configText: string): Outcome {
  const pfV = promptfooVerdicts(pf.json);
  const pfCount = [...pfV.values()].reduce((n, v) => n + v.length, 0);
  const assayV = assayVerdicts(assay.json);
  const assayCount = [...assayV.values()].reduce((n, v) => n + v.length, 0);
  const executions = { promptfoo: pfCount, assay: assayCount, agreeing: 0 };

  const failure = promptfooFailure(pf);
  if (failure) return { category: 'promptfoo-fails', reason: failure, blockers: [{ key: blockerKey(failure), message: failure }], executions };

  const subs = substitutions(pf.requests, assay.requests, configText, [...new Set([...assayV.values()].flat().map((v) => v.model))]);
  if (subs.length > 0) {
    const verdicts = compareAll(pfV, assayV, pfCount, assayCount);
    executions.agreeing = verdicts.agreeing;
    const also = assay.exitCode === 2 ? '' : verdicts.first ? ` (and: ${verdicts.first.reason})` : ' (verdicts otherwise agree)';
    return { category: 'substitution', reason: subs.map((b) => b.message).join('; ') + also, blockers: subs, executions };
  }
  if (assay.exitCode !== null && assay.exitCode <= 1 && assay.requests.length === 0 && pf.requests.length > 0 && assayCount > 0 && [...assayV.values()].flat().some((v) => !v.error)) {
    const reason = 'Assay gave verdicts without calling any model; promptfoo called the mock';
    return { category: 'substitution', reason, blockers: [{ key: 'silent substitution: verdicts without a model call', message: reason }], executions };
  }

  if (assay.exitCode === 2) {
    const errors = errorLines(assay.stderr);
    return { category: 'refused', reason: errors.join(' / '), blockers: errors.map((m) => ({ key: blockerKey(m), message: m })), executions };
  }
  if (assay.timedOut || assay.exitCode === null || assay.exitCode > 2 || assay.json === null) {
    const line = assay.timedOut ? 'timed out' : `exit ${assay.exitCode}: ${errorLine(assay.stderr + '\n' + assay.stdout)}`;
    return { category: 'crash', reason: line, blockers: [{ key: `crash: ${blockerKey(line)}`, message: line }], executions };
  }

  const { first, agreeing } = compareAll(pfV, assayV, pfCount, assayCount);
  executions.agreeing = agreeing;
  if (first) return { category: 'differ', reason: first.reason, blockers: [{ key: first.blocker, message: first.reason }], executions };
  return { category: 'agree', reason: `${pfCount} executions agree`, blockers: [], executions };
}

// ---------------------------------------------------------------- assertion by assertion (the conformance suite)

/** One verdict of one tool: an assertion's, a case's, or a named metric's total. */
export interface Judgement {
  pass: boolean;
  /** `null` when the tool gave none (a case that errored, a metric it did not report). */
  score: number | null;
  error?: string;
}

/** One thing both tools judged: a case on a provider, one of its assertions, or a provider's named metric. */
export interface ConformanceRow {
  kind: 'assertion' | 'case' | 'metric';
  test: string;
  provider: string;
  /** The assertion's type (its position in the case's list when the types differ), the metric's name, or `case`. */
  what: string;
  promptfoo: Judgement | null;
  assay: Judgement | null;
  agree: boolean;
}

interface Execution {
  verdict: Judgement;
  assertions: (Judgement & { type: string })[];
  /** Each metric's weighted mean in this execution, where the format carries it (promptfoo's). */
  namedScores?: Record<string, number>;
}

const executionKey = (test: string, provider: string): string => `${test}\u0000${provider}`;

/** promptfoo's `-o x.json` results by (test description, provider), assertion by assertion (an `assert-set` as one). */
export function promptfooExecutions(json: unknown): Map<string, Execution> {
  const out = new Map<string, Execution>();
  const results = isObj(json) && isObj(json.results) && Array.isArray(json.results.results) ? (json.results.results as Json[]) : [];
  for (const r of results) {
    const provider = isObj(r.provider) ? String(r.provider.id ?? '') : String(r.provider ?? '');
    const test = String((isObj(r.testCase) ? r.testCase.description : undefined) ?? r.description ?? '');
    const grading = isObj(r.gradingResult) ? r.gradingResult : null;
    const components = grading && Array.isArray(grading.componentResults) ? (grading.componentResults as Json[]) : [];
    const declared = isObj(r.testCase) && Array.isArray(r.testCase.assert) ? (r.testCase.assert as Json[]) : [];
    const error = r.failureReason === 2 && typeof r.error === 'string' ? r.error : undefined;
    const assertions: Execution['assertions'] = [];
    // promptfoo lists an assert-set's members right after the set's own result: keep the set, skip them.
    for (let i = 0; i < components.length; i++) {
      const c = components[i]!;
      const members = Array.isArray(c.componentResults) ? c.componentResults.length : 0;
      const type = isObj(c.assertion) ? String(c.assertion.type ?? '?') : members > 0 ? 'assert-set' : String(declared[assertions.length]?.type ?? '?');
      assertions.push({ type, pass: c.pass === true, score: typeof c.score === 'number' ? c.score : null });
      i += members;
    }
    const verdict: Judgement = { pass: r.success === true, score: typeof r.score === 'number' ? r.score : null, ...(error ? { error } : {}) };
    out.set(executionKey(test, provider), { verdict, assertions, ...(isObj(r.namedScores) ? { namedScores: r.namedScores as Record<string, number> } : {}) });
  }
  return out;
}

/** Assay's `--json` results by (test description, model), first repeat only. */
export function assayExecutions(json: unknown): Map<string, Execution> {
  const out = new Map<string, Execution>();
  const suites = isObj(json) && Array.isArray(json.suites) ? (json.suites as Json[]) : [];
  for (const suite of suites) {
    for (const r of Array.isArray(suite.results) ? (suite.results as Json[]) : []) {
      if (Number(r.repeatIndex ?? 0) !== 0) continue;
      const error = r.status === 'error' && typeof r.error === 'string' ? r.error : undefined;
      const assertions = (Array.isArray(r.assertions) ? (r.assertions as Json[]) : []).map((a) => ({
        type: String(a.type ?? '?'),
        pass: a.pass === true,
        score: typeof a.score === 'number' ? a.score : null,
        ...(typeof a.error === 'string' ? { error: a.error } : {}),
      }));
      const verdict: Judgement = { pass: r.status === 'pass', score: typeof r.score === 'number' ? r.score : null, ...(error ? { error } : {}) };
      out.set(executionKey(String(r.description ?? ''), String(r.model ?? '')), { verdict, assertions });
    }
  }
  return out;
}

/** Each provider's named metric totals: promptfoo's per prompt column, Assay's per model. */
function promptfooMetrics(json: unknown): Map<string, Record<string, number>> {
  const columns = isObj(json) && isObj(json.results) && Array.isArray(json.results.prompts) ? (json.results.prompts as Json[]) : [];
  return new Map(columns.map((c) => [String(c.provider ?? ''), (isObj(c.metrics) && isObj(c.metrics.namedScores) ? c.metrics.namedScores : {}) as Record<string, number>]));
}

function assayMetrics(json: unknown): Map<string, Record<string, number>> {
  const suites = isObj(json) && Array.isArray(json.suites) ? (json.suites as Json[]) : [];
  const models = suites.flatMap((s) => (Array.isArray(s.models) ? (s.models as Json[]) : []));
  return new Map(models.map((m) => [String(m.model ?? ''), (isObj(m.namedScores) ? m.namedScores : {}) as Record<string, number>]));
}

/** A metric's value as a judgement (always "pass": only the score is compared). */
const metricJudgement = (v: number | undefined): Judgement | null => (v === undefined ? null : { pass: true, score: v });

/** Same verdict, and the same score to 4 decimals (Assay's JSON rounds to 4; a missing score matches only another). */
export function sameJudgement(a: Judgement | null, b: Judgement | null): boolean {
  if (!a || !b) return false;
  if (Boolean(a.error) !== Boolean(b.error)) return false;
  if (a.pass !== b.pass) return false;
  if (a.score === null || b.score === null) return a.score === b.score || Boolean(a.error);
  return Math.abs(a.score - b.score) <= 0.00005 + 1e-9;
}

/**
 * Every (test, provider) both tools ran, compared: the case verdict, each assertion in order, each metric's
 * score in the case (where both results carry it: promptfoo's format), and each provider's named metric
 * totals. Tests pair by description, so descriptions must be unique.
 */
export function compareAssertions(pfJson: unknown, assayJson: unknown): ConformanceRow[] {
  // Assay's results come as its own JSON (`--json`) or in promptfoo's format (`-o results.json`).
  const native = isObj(assayJson) && assayJson.format === 'assay-test-results';
  const pf = promptfooExecutions(pfJson);
  const assay = native ? assayExecutions(assayJson) : promptfooExecutions(assayJson);
  const rows: ConformanceRow[] = [];
  const row = (kind: ConformanceRow['kind'], test: string, provider: string, what: string, p: Judgement | null, a: Judgement | null): void =>
    void rows.push({ kind, test, provider, what, promptfoo: p, assay: a, agree: sameJudgement(p, a) });
  for (const key of new Set([...pf.keys(), ...assay.keys()])) {
    const [test, provider] = key.split('\u0000') as [string, string];
    const p = pf.get(key);
    const a = assay.get(key);
    row('case', test, provider, 'case', p?.verdict ?? null, a?.verdict ?? null);
    const n = Math.max(p?.assertions.length ?? 0, a?.assertions.length ?? 0);
    for (let i = 0; i < n; i++) {
      const pa = p?.assertions[i];
      const aa = a?.assertions[i];
      const what = pa && aa && pa.type !== aa.type ? `#${i + 1} ${pa.type} / ${aa.type}` : (pa?.type ?? aa?.type ?? '?');
      // An assertion of a case that errored has no verdict of its own in promptfoo: it takes the case's error.
      const pj = pa ?? (p?.verdict.error ? { ...p.verdict, score: null } : null);
      const aj = aa ?? (a?.verdict.error ? { ...a.verdict, score: null } : null);
      row('assertion', test, provider, what, pj, aj);
    }
    if (p?.namedScores && a?.namedScores) {
      for (const name of new Set([...Object.keys(p.namedScores), ...Object.keys(a.namedScores)])) {
        row('metric', test, provider, name, metricJudgement(p.namedScores[name]), metricJudgement(a.namedScores[name]));
      }
    }
  }
  const pfM = promptfooMetrics(pfJson);
  const assayM = native ? assayMetrics(assayJson) : promptfooMetrics(assayJson);
  for (const provider of new Set([...pfM.keys(), ...assayM.keys()])) {
    const p = pfM.get(provider) ?? {};
    const a = assayM.get(provider) ?? {};
    for (const name of new Set([...Object.keys(p), ...Object.keys(a)])) row('metric', '(named metrics)', provider, name, metricJudgement(p[name]), metricJudgement(a[name]));
  }
  return rows;
}

const fmt = (j: Judgement | null): string => (j === null ? 'missing' : j.error ? `error (${j.error.split('\n')[0]!.slice(0, 100)})` : `${j.pass ? 'pass' : 'fail'} ${j.score === null ? '-' : j.score.toFixed(4)}`);

/** A difference the suite expects, and why (docs/assertions.md, "Differences from promptfoo", says so too). */
export interface ExplainedDifference {
  test: string;
  /** The assertion type that differs; the case rows of that test differ with it. */
  what: string;
  why: string;
}

/** The explanation of a differing row, if it is an expected difference. */
export function explain(row: ConformanceRow, known: readonly ExplainedDifference[]): ExplainedDifference | undefined {
  return known.find((k) => k.test === row.test && (k.what === row.what || (row.kind === 'case' && !row.agree)));
}

/** The agreement, by kind, and every difference with its explanation (or UNEXPLAINED), as text. */
export function renderAgreement(rows: ConformanceRow[], known: readonly ExplainedDifference[] = []): string {
  const lines: string[] = [];
  for (const kind of ['assertion', 'case', 'metric'] as const) {
    const of = rows.filter((r) => r.kind === kind);
    const agree = of.filter((r) => r.agree).length;
    lines.push(`${kind} verdicts: ${agree} / ${of.length} agree (${of.length ? ((100 * agree) / of.length).toFixed(1) : '0.0'}%)`);
  }
  const differ = rows.filter((r) => !r.agree);
  if (differ.length > 0) lines.push('', 'differences (promptfoo → Assay):');
  for (const r of differ) {
    const why = explain(r, known)?.why ?? 'UNEXPLAINED';
    lines.push(`  ${r.kind} | ${r.test} | ${r.provider} | ${r.what}: ${fmt(r.promptfoo)} → ${fmt(r.assay)} — ${why}`);
  }
  return `${lines.join('\n')}\n`;
}

/** What the comparison reads of promptfoo's results: the fixture test/unit/conformance.test.ts checks against. */
export function trimPromptfooResults(json: unknown): { results: { prompts: Json[]; results: Json[] } } {
  const res = isObj(json) && isObj(json.results) ? json.results : {};
  const prompts = (Array.isArray(res.prompts) ? (res.prompts as Json[]) : []).map((c) => ({
    provider: c.provider,
    metrics: { namedScores: isObj(c.metrics) ? c.metrics.namedScores : {} },
  }));
  const results = (Array.isArray(res.results) ? (res.results as Json[]) : [])
    .map((r) => {
      const grading = isObj(r.gradingResult) ? r.gradingResult : null;
      const components = grading && Array.isArray(grading.componentResults) ? (grading.componentResults as Json[]) : [];
      return {
        testIdx: r.testIdx,
        provider: { id: isObj(r.provider) ? r.provider.id : r.provider },
        testCase: { description: isObj(r.testCase) ? r.testCase.description : undefined, assert: isObj(r.testCase) && Array.isArray(r.testCase.assert) ? (r.testCase.assert as Json[]).map((a) => ({ type: a.type })) : [] },
        success: r.success,
        score: r.score,
        failureReason: r.failureReason,
        ...(typeof r.error === 'string' ? { error: r.error.slice(0, 300) } : {}),
        namedScores: r.namedScores,
        response: { output: isObj(r.response) ? r.response.output : undefined },
        gradingResult: grading && {
          componentResults: components.map((c) => ({
            ...(isObj(c.assertion) ? { assertion: { type: c.assertion.type } } : {}),
            pass: c.pass,
            score: c.score,
            reason: typeof c.reason === 'string' ? c.reason.slice(0, 300) : c.reason,
            ...(Array.isArray(c.componentResults) ? { componentResults: c.componentResults.map(() => ({})) } : {}),
          })),
        },
      };
    })
    .sort((a, b) => Number(a.testIdx) - Number(b.testIdx) || String(a.provider.id).localeCompare(String(b.provider.id)));
  return { results: { prompts, results } };
}
