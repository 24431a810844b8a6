// Replay: send a recorded call again with today's prompt file — the same variables, the same model, the
// prompt's current text and parameters — and compare. One trace (the trace detail's "Replay with current
// prompt") or every trace of a run (regression replay: `assay replay RUN_ID`, the Runs tree). The test
// case's current assertions judge both outputs, so old and new verdicts are comparable; stored outcomes
// are reused for the old output when they were made by the same assertions. Replays are recorded as a
// run of kind `replay`. No UI here: the host and the CLI render the report.
import { dirname, isAbsolute } from 'node:path';
import { combine, evaluateCase } from '../assertions/evaluateCase';
import type { AssertionLimits, AssertionResult, CaseVerdict, GradingContext } from '../assertions/assertionTypes';
import { parsePromptFile } from '../promptFile/parsePromptFile';
import type { PromptDocument } from '../promptFile/promptDocument';
import { renderPrompt } from '../promptFile/renderPrompt';
import type {
  EvaluationInput,
  EvaluationRecord,
  Page,
  PageRequest,
  PromptVersionInput,
  RunFinish,
  RunInput,
  RunSummary,
  TraceFilter,
  TraceInput,
  TraceRecord,
  TraceSummary,
} from '../store/storeTypes';
import { parseTestBank, resolveTests } from '../testBank/loadTestBank';
import { applyDefaults } from '../testBank/normalizeCase';
import type { TestCase } from '../testBank/testBankTypes';
import type { CallError, CallResult, ChatRequest } from '../types';
import { GRADER_PROMPT_PATH } from './testRun';
import { describeScoreChange, scoreChange, type ScoreChange } from '../stats/pairedScores';
import { describeChange, passRateChange, type PairedCounts, type PassRateChange } from '../stats/significance';
import type { FileAccess } from '../files/safeFiles';

/** A workspace file (prompt or test bank) as it is today. */
export interface CurrentFile {
  text: string;
  /** Absolute path (relative `tests:` paths resolve against its folder). */
  absPath: string;
}


/** The part of the history store replay uses (`TraceStore` satisfies it). */
export interface ReplayStore {
  getTrace(id: string): Promise<TraceRecord | null>;
  runSummary(runId: string): Promise<RunSummary | null>;
  listTraces(filter: TraceFilter, page: PageRequest): Promise<Page<TraceSummary>>;
  addPromptVersion(version: PromptVersionInput): Promise<string>;
  startRun(run: RunInput): Promise<string>;
  finishRun(runId: string, finish?: RunFinish): Promise<void>;
  addTraces(traces: TraceInput[]): Promise<string[]>;
  addEvaluations(evaluations: EvaluationInput[]): Promise<string[]>;
}

/** What a replay runs on. */
export interface ReplayDeps {
  /** Sends a request (the engine's `call`); always resolves, failures as `result.error`. */
  call(request: ChatRequest, options: { signal?: AbortSignal; tag?: string }): Promise<CallResult>;
  /** Today's content of a prompt file or test bank by its stored (workspace-relative) path; null when it is gone. */
  readFile(path: string): Promise<CurrentFile | null>;
  /** For model-graded assertions. */
  grading: GradingContext;
  /** Whether `javascript` assertions may run (the CLI, a trusted workspace). */
  trusted: boolean;
  /** What reading the prompt's tests may read (bank files, `file://` values). */
  files: FileAccess;
  /** Time and memory limits of `javascript` and `regex` assertions; the defaults where absent. */
  limits?: AssertionLimits;
  /** Where the replay is recorded and where the source traces come from. */
  store: ReplayStore;
  signal?: AbortSignal;
  /** Called after each trace is replayed. */
  onProgress?(done: number, total: number): void;
}

/** One assertion's outcome, as the report shows it. */
export interface AssertionOutcome {
  index: number;
  type: string;
  pass: boolean;
  score: number | null;
  reason: string | null;
}

/** A case verdict on one output. */
export interface ReplayVerdict {
  pass: boolean;
  score: number;
  reason: string;
  assertions: AssertionOutcome[];
  /** `stored`: the outcomes recorded with the trace; `evaluated`: computed now with today's assertions. */
  source: 'stored' | 'evaluated';
}

/** One side of a comparison. */
export interface ReplaySide {
  traceId: string;
  text: string;
  error: CallError | null;
  finishReason: string | null;
  latencyMs: number;
  cost: number | null;
  verdict: ReplayVerdict | null;
}

/** `regressed`: passed before, fails now; `fixed`: the reverse; `none`: no verdict on one side. */
export type VerdictChange = 'same' | 'regressed' | 'fixed' | 'none';

/** The comparison for one trace. */
export interface TraceReplay {
  sourceTraceId: string;
  /** `provider:model`. */
  model: string;
  promptPath: string | null;
  caseId: string | null;
  /** The test case's description, when the case is still in the bank and has one. */
  caseDescription?: string;
  variables: Record<string, unknown>;
  old: ReplaySide;
  /** Absent when the trace could not be replayed (see `problem`). */
  new: ReplaySide | null;
  /** Why there is no new side, or what limits the comparison (e.g. the case left the test bank). */
  problem?: string;
  outputChanged: boolean;
  verdictChange: VerdictChange;
  /** Assertions whose verdict differs between the two outputs. */
  changedAssertions: { index: number; type: string; old: boolean; new: boolean }[];
}

export interface ReplayTotals {
  traces: number;
  replayed: number;
  /** Traces that could not be replayed (prompt file gone, render failed). */
  skipped: number;
  outputsChanged: number;
  verdictsChanged: number;
  regressions: number;
  fixes: number;
  /** New calls that failed. */
  errors: number;
}

/** Per model: is the change between the recorded verdicts and the replay's real or noise? */
export interface ReplayModelChange {
  model: string;
  /** Pass rates, paired by case (repeats together): McNemar's exact test, or a paired t-test with repeats. */
  passRate: PassRateChange;
  /** Mean scores, paired by case: Wilcoxon signed-rank and paired t. */
  scores: ScoreChange;
}

/** The significance of each model's change over the items with a verdict on both sides (cases keyed by id, else by trace). */
export function replaySignificance(items: readonly TraceReplay[]): ReplayModelChange[] {
  const byModel = new Map<string, Map<string, { old: PairedCounts; new: PairedCounts; oldScores: number[]; newScores: number[] }>>();
  for (const it of items) {
    const before = it.old.verdict;
    const after = it.new?.verdict;
    if (!before || !after) continue;
    const key = it.caseId ?? it.sourceTraceId;
    let cases = byModel.get(it.model);
    if (!cases) byModel.set(it.model, (cases = new Map()));
    let c = cases.get(key);
    if (!c) cases.set(key, (c = { old: { caseId: key, passes: 0, fails: 0 }, new: { caseId: key, passes: 0, fails: 0 }, oldScores: [], newScores: [] }));
    c.old[before.pass ? 'passes' : 'fails']++;
    c.new[after.pass ? 'passes' : 'fails']++;
    c.oldScores.push(before.score);
    c.newScores.push(after.score);
  }
  return [...byModel].map(([model, cases]) => {
    const list = [...cases.values()];
    return {
      model,
      passRate: passRateChange(list.map((c) => c.old), list.map((c) => c.new)),
      scores: scoreChange(list.map((c) => ({ caseId: c.old.caseId, scores: c.oldScores })), list.map((c) => ({ caseId: c.new.caseId, scores: c.newScores }))),
    };
  });
}

/** Each model's change in words (pass rate, then scores), as the replay reports show it. */
export function describeReplaySignificance(changes: readonly ReplayModelChange[]): string[] {
  return changes.flatMap((c) => [`${c.model}: ${describeChange(c.passRate)}`, `${c.model}: ${describeScoreChange(c.scores)}`]);
}

/** Marks run summaries written by a replay. */
export const REPLAY_SUMMARY_FORMAT = 'assay-replay/1';

/** A run's (or one trace's) replay. */
export interface ReplayReport {
  /** The replayed run, or null for a single trace outside any run. */
  sourceRunId: string | null;
  /** The run the replay was recorded as. */
  replayRunId: string;
  items: TraceReplay[];
  totals: ReplayTotals;
  /** Per model, the recorded verdicts against the replay's (items with a verdict on both sides). */
  significance: ReplayModelChange[];
  startedAt: number;
  endedAt: number;
}

interface PreparedPrompt {
  doc: PromptDocument;
  absPath: string;
  /** Folder for relative `file://` references in assertions (the bank's, else the prompt's). */
  baseDir: string;
  versionId: string;
  cases: TestCase[];
  /** Test-bank problems worth a mention when a case cannot be found. */
  bankProblem?: string;
}

/** Finds a trace's test case: by id, else by description, else by position. */
export function findCase(cases: TestCase[], caseId: string | null): TestCase | undefined {
  if (caseId === null) return undefined;
  return (
    cases.find((c) => c.id === caseId) ??
    cases.find((c) => c.description !== undefined && c.description === caseId) ??
    (/^\d+$/.test(caseId) ? cases[Number(caseId)] : undefined)
  );
}

function outcomes(results: AssertionResult[]): AssertionOutcome[] {
  return results.map((r) => ({ index: r.index, type: r.type, pass: r.pass, score: r.score, reason: r.reason }));
}

function fromVerdict(v: CaseVerdict, source: ReplayVerdict['source']): ReplayVerdict {
  return { pass: v.pass, score: v.score, reason: v.reason, assertions: outcomes(v.results), source };
}

/** Stored evaluations as assertion results (they carry no index: recorded in assertion order). */
function storedResults(evaluations: EvaluationRecord[]): AssertionResult[] {
  return evaluations.map((e, index) => ({
    type: e.assertionType,
    index,
    pass: e.pass,
    rawPass: e.pass,
    score: e.score ?? (e.pass ? 1 : 0),
    reason: e.reason ?? '',
    weight: e.weight,
    ...(e.metric ? { metric: e.metric } : {}),
    modelGraded: false,
  }));
}

function sideOf(traceId: string, r: Pick<CallResult, 'text' | 'error' | 'finishReason' | 'latencyMs' | 'cost'>, verdict: ReplayVerdict | null): ReplaySide {
  return { traceId, text: r.text, error: r.error ?? null, finishReason: r.finishReason, latencyMs: r.latencyMs, cost: r.cost, verdict };
}

function compare(old: ReplaySide, next: ReplaySide | null): Pick<TraceReplay, 'outputChanged' | 'verdictChange' | 'changedAssertions'> {
  if (!next) return { outputChanged: false, verdictChange: 'none', changedAssertions: [] };
  const outputChanged = old.text !== next.text || (old.error === null) !== (next.error === null);
  let verdictChange: VerdictChange = 'none';
  if (old.verdict && next.verdict) verdictChange = old.verdict.pass === next.verdict.pass ? 'same' : old.verdict.pass ? 'regressed' : 'fixed';
  const changedAssertions: TraceReplay['changedAssertions'] = [];
  if (old.verdict && next.verdict) {
    for (const a of next.verdict.assertions) {
      const before = old.verdict.assertions.find((o) => o.index === a.index && o.type === a.type);
      if (before && before.pass !== a.pass) changedAssertions.push({ index: a.index, type: a.type, old: before.pass, new: a.pass });
    }
  }
  return { outputChanged, verdictChange, changedAssertions };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Replays traces with today's prompt files and records the replay as one run. Never throws for expected
 * problems: a trace that cannot be replayed carries a `problem`.
 */
export class Replayer {
  private readonly prompts = new Map<string, Promise<PreparedPrompt | { problem: string }>>();

  constructor(private readonly deps: ReplayDeps) {}

  /** Replays one trace. */
  async replayTrace(traceId: string): Promise<ReplayReport | { error: string }> {
    const trace = await this.deps.store.getTrace(traceId);
    if (!trace) return { error: `There is no trace ${traceId} in the history.` };
    return this.replayRecords([trace], null);
  }

  /** Replays every trace of a run (oldest first); the run's grader calls are left out. */
  async replayRun(runId: string): Promise<ReplayReport | { error: string }> {
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.deps.store.listTraces({ runId }, { limit: 1000, ...(cursor ? { cursor } : {}) });
      ids.push(...page.items.filter((t) => t.promptPath !== GRADER_PROMPT_PATH).map((t) => t.id));
      cursor = page.nextCursor;
    } while (cursor);
    if (ids.length === 0) return { error: `Run ${runId} has no traces to replay (or is not in this history).` };
    const records = (await Promise.all(ids.reverse().map((id) => this.deps.store.getTrace(id)))).filter((t): t is TraceRecord => t !== null);
    return this.replayRecords(records, runId);
  }

  private async replayRecords(traces: TraceRecord[], sourceRunId: string | null): Promise<ReplayReport> {
    const startedAt = Date.now();
    // A test run of a bank file keeps its cases there rather than in the prompt's `tests:`.
    const bankPaths = new Map<string, string | null>();
    for (const runId of new Set(traces.map((t) => t.runId).filter((r): r is string => !!r))) {
      const run = (await this.deps.store.runSummary(runId))?.run;
      bankPaths.set(runId, run?.bankPath ?? null);
    }
    const keyOf = (t: TraceRecord) => (t.promptPath ? `${t.promptPath}\n${(t.runId && bankPaths.get(t.runId)) || ''}` : null);
    const prepared = new Map<string, PreparedPrompt | { problem: string }>();
    for (const t of traces) {
      const key = keyOf(t);
      if (key && !prepared.has(key)) prepared.set(key, await this.prepare(t.promptPath!, (t.runId && bankPaths.get(t.runId)) || null));
    }
    const promptPaths = [...new Set(traces.map((t) => t.promptPath).filter((p): p is string => !!p))];
    const single = promptPaths.length === 1 ? [...prepared.values()][0] : undefined;
    const replayRunId = await this.deps.store.startRun({
      kind: 'replay',
      promptPath: promptPaths.length === 1 ? promptPaths[0]! : null,
      promptVersionId: single && 'doc' in single ? single.versionId : null,
      models: [...new Set(traces.map((t) => `${t.model.provider}:${t.model.model}`))],
      config: { replayOf: sourceRunId ? { runId: sourceRunId } : { traceId: traces[0]?.id ?? null } },
      startedAt,
    });
    let done = 0;
    const items = await Promise.all(
      traces.map(async (trace) => {
        const key = keyOf(trace);
        const item = await this.replayOne(trace, key ? prepared.get(key) : undefined, replayRunId).catch((err: unknown) =>
          this.skipped(trace, `replay failed: ${errorText(err)}`),
        );
        this.deps.onProgress?.(++done, traces.length);
        return item;
      }),
    );
    const totals: ReplayTotals = { traces: items.length, replayed: 0, skipped: 0, outputsChanged: 0, verdictsChanged: 0, regressions: 0, fixes: 0, errors: 0 };
    for (const it of items) {
      if (!it.new) totals.skipped++;
      else totals.replayed++;
      if (it.new?.error) totals.errors++;
      if (it.outputChanged) totals.outputsChanged++;
      if (it.verdictChange === 'regressed' || it.verdictChange === 'fixed') totals.verdictsChanged++;
      if (it.verdictChange === 'regressed') totals.regressions++;
      if (it.verdictChange === 'fixed') totals.fixes++;
    }
    const endedAt = Date.now();
    const cancelled = this.deps.signal?.aborted === true;
    await this.deps.store.finishRun(replayRunId, { status: cancelled ? 'cancelled' : 'done', summary: { format: REPLAY_SUMMARY_FORMAT, replayOf: sourceRunId, ...totals }, endedAt });
    return { sourceRunId, replayRunId, items, totals, significance: replaySignificance(items), startedAt, endedAt };
  }

  private prepare(promptPath: string, bankPath: string | null): Promise<PreparedPrompt | { problem: string }> {
    const key = `${promptPath}\n${bankPath ?? ''}`;
    let p = this.prompts.get(key);
    if (!p) {
      p = this.load(promptPath, bankPath);
      this.prompts.set(key, p);
    }
    return p;
  }

  private async load(promptPath: string, bankPath: string | null): Promise<PreparedPrompt | { problem: string }> {
    const current = await this.deps.readFile(promptPath);
    if (!current) return { problem: `The prompt file ${promptPath} is not in the workspace any more.` };
    const doc = parsePromptFile(current.text, { path: current.absPath });
    const versionId = await this.deps.store.addPromptVersion({ path: promptPath, content: current.text });
    let cases: TestCase[] = [];
    let bankProblem: string | undefined;
    let baseDir = doc.dir ?? (isAbsolute(current.absPath) ? dirname(current.absPath) : '.');
    if (bankPath && bankPath !== promptPath) {
      const bankFile = await this.deps.readFile(bankPath);
      if (!bankFile) bankProblem = `the test bank ${bankPath} is not in the workspace any more`;
      else {
        const bank = parseTestBank(bankFile.text, bankFile.absPath, this.deps.files);
        cases = bank.cases.map((c) => applyDefaults(c, bank.defaults));
        baseDir = dirname(bankFile.absPath);
        const err = bank.diagnostics.find((d) => d.severity === 'error');
        if (err) bankProblem = err.message;
      }
    } else if (doc.tests) {
      const bank = resolveTests(doc.tests.value, baseDir, { file: current.absPath, range: doc.tests.range, files: this.deps.files });
      cases = bank.cases;
      const err = bank.diagnostics.find((d) => d.severity === 'error');
      if (err) bankProblem = err.message;
    }
    return { doc, absPath: current.absPath, baseDir, versionId, cases, ...(bankProblem ? { bankProblem } : {}) };
  }

  private skipped(trace: TraceRecord, problem: string): TraceReplay {
    const old = sideOf(trace.id, trace, trace.evaluations.length ? fromVerdict(combine(storedResults(trace.evaluations)), 'stored') : null);
    return {
      sourceTraceId: trace.id,
      model: `${trace.model.provider}:${trace.model.model}`,
      promptPath: trace.promptPath,
      caseId: trace.caseId,
      variables: trace.variables ?? {},
      old,
      new: null,
      problem,
      ...compare(old, null),
    };
  }

  private async replayOne(trace: TraceRecord, prepared: PreparedPrompt | { problem: string } | undefined, replayRunId: string): Promise<TraceReplay> {
    if (!trace.promptPath || !prepared) return this.skipped(trace, 'This call was not made from a prompt file, so there is no current prompt to replay it with.');
    if ('problem' in prepared) return this.skipped(trace, prepared.problem);
    const variables = trace.variables ?? {};
    const rendered = renderPrompt(prepared.doc, variables);
    if ('error' in rendered) return this.skipped(trace, `The current prompt does not render with this trace's variables: ${rendered.error.message}`);
    const request: ChatRequest = { model: trace.model, messages: rendered.messages, params: prepared.doc.params };
    const signal = this.deps.signal;
    const result = await this.deps.call(request, { ...(signal ? { signal } : {}), tag: `replay:${trace.id}` });

    const testCase = findCase(prepared.cases, trace.caseId);
    let problem: string | undefined;
    let oldVerdict: ReplayVerdict | null = null;
    let newVerdict: ReplayVerdict | null = null;
    const evalOptions = { context: this.deps.grading, trusted: this.deps.trusted, request, ...(signal ? { signal } : {}), baseDir: prepared.baseDir, ...(this.deps.limits ? { limits: this.deps.limits } : {}) };
    let newResults: AssertionResult[] = [];
    if (testCase) {
      const stored = trace.evaluations;
      const sameAssertions = stored.length === testCase.assert.length && stored.every((e, k) => e.assertionType === testCase.assert[k]!.type);
      if (sameAssertions && stored.length > 0) oldVerdict = fromVerdict(combine(storedResults(stored), testCase.threshold), 'stored');
      else oldVerdict = fromVerdict(await evaluateCase(testCase, trace, evalOptions), 'evaluated');
      const verdict = await evaluateCase(testCase, result, evalOptions);
      newResults = verdict.results;
      newVerdict = fromVerdict(verdict, 'evaluated');
    } else if (trace.caseId !== null) {
      problem = `The test case ${trace.caseId} is no longer in the prompt's test bank${prepared.bankProblem ? ` (${prepared.bankProblem})` : ''}; outputs are compared without verdicts.`;
      if (trace.evaluations.length) oldVerdict = fromVerdict(combine(storedResults(trace.evaluations)), 'stored');
    }

    const [newTraceId] = await this.deps.store.addTraces([
      {
        ...result,
        runId: replayRunId,
        promptPath: trace.promptPath,
        promptVersionId: prepared.versionId,
        caseId: trace.caseId,
        repeatIndex: trace.repeatIndex,
        variables,
        startedAt: Date.now() - result.latencyMs,
      },
    ]);
    if (newResults.length) {
      await this.deps.store.addEvaluations(
        newResults.map((r) => ({
          traceId: newTraceId!,
          caseId: trace.caseId,
          assertionType: r.type,
          pass: r.pass,
          score: r.score,
          reason: r.reason,
          metric: r.metric ?? null,
          weight: r.weight,
        })),
      );
    }
    const old = sideOf(trace.id, trace, oldVerdict);
    const next = sideOf(newTraceId!, result, newVerdict);
    return {
      sourceTraceId: trace.id,
      model: `${trace.model.provider}:${trace.model.model}`,
      promptPath: trace.promptPath,
      caseId: trace.caseId,
      ...(testCase?.description ? { caseDescription: testCase.description } : {}),
      variables,
      old,
      new: next,
      ...(problem ? { problem } : {}),
      ...compare(old, next),
    };
  }
}

function truncate(s: string, n: number): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
}

const verdictWord = (v: ReplayVerdict | null | undefined): string => (!v ? '—' : v.pass ? 'pass' : 'fail');

/** The report as Markdown: totals, then regressions, fixes, changed outputs and skipped traces. */
export function formatReplayMarkdown(report: ReplayReport, title = 'Replay against the current prompt'): string {
  const t = report.totals;
  const md: string[] = [
    `# ${title}`,
    '',
    report.sourceRunId ? `Run \`${report.sourceRunId}\` replayed as run \`${report.replayRunId}\`.` : `Replayed as run \`${report.replayRunId}\`.`,
    '',
    `| traces | replayed | outputs changed | verdicts changed | regressions | fixes | errors | skipped |`,
    `|---|---|---|---|---|---|---|---|`,
    `| ${t.traces} | ${t.replayed} | ${t.outputsChanged} | ${t.verdictsChanged} | ${t.regressions} | ${t.fixes} | ${t.errors} | ${t.skipped} |`,
    '',
    t.regressions === 0 && t.errors === 0 && t.skipped === 0
      ? '**No regressions**: every verdict that passed before still passes.'
      : `**${t.regressions} regression${t.regressions === 1 ? '' : 's'}**, ${t.errors} failed call${t.errors === 1 ? '' : 's'}, ${t.skipped} not replayed.`,
  ];
  const significance = describeReplaySignificance(report.significance ?? []);
  if (significance.length > 0) md.push('', '## Significance', '', ...significance.map((line) => `- ${line}`));
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const section = (heading: string, items: TraceReplay[]) => {
    if (items.length === 0) return;
    md.push('', `## ${heading} (${items.length})`, '', '| case | model | verdict | old output | new output |', '|---|---|---|---|---|');
    for (const it of items) {
      const verdict = `${verdictWord(it.old.verdict)} → ${verdictWord(it.new?.verdict)}${it.changedAssertions.length ? ` (${it.changedAssertions.map((a) => `${a.type}: ${a.old ? 'pass' : 'fail'}→${a.new ? 'pass' : 'fail'}`).join(', ')})` : ''}`;
      const out = (side: ReplaySide | null) => (!side ? '—' : side.error ? `error: ${side.error.message}` : side.text);
      md.push(`| ${esc(it.caseId ?? '—')} | ${esc(it.model)} | ${esc(verdict)} | ${esc(truncate(out(it.old), 80))} | ${esc(truncate(out(it.new), 80))} |`);
    }
  };
  section('Regressions', report.items.filter((i) => i.verdictChange === 'regressed'));
  section('Fixes', report.items.filter((i) => i.verdictChange === 'fixed'));
  section('Changed outputs, same verdict', report.items.filter((i) => i.outputChanged && i.verdictChange !== 'regressed' && i.verdictChange !== 'fixed'));
  const skipped = report.items.filter((i) => !i.new || i.problem);
  if (skipped.length) {
    md.push('', `## Notes (${skipped.length})`, '');
    for (const it of skipped) md.push(`- \`${it.sourceTraceId}\` (${it.caseId ?? it.model}): ${it.problem ?? 'not replayed'}`);
  }
  return md.join('\n') + '\n';
}
