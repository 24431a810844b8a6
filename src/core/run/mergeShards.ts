// `assay merge`: the JSON reports of a sharded run's shards back into the run reports an unsharded run
// would have made — executions in the unsharded order (case, model, repeat), statistics, metrics and
// totals recomputed by the code `runTests` uses — so the merged JSON, JUnit and promptfoo files are written
// by the same functions as an unsharded run's. Shard reports carry what this needs (shard.ts, `exact`).
import type { AssertionResult } from '../assertions/assertionTypes';
import type { RunComparison } from '../stats/compareRuns';
import type { ImportRunGroup } from '../store/storeTypes';
import { RUN_SUMMARY_FORMAT } from './runHistory';
import { JSON_REPORT_FORMAT, JSON_REPORT_VERSION, modelStatsOf, runMetrics, totalsOf, type CaseExecution, type ModelComparison, type RunReport } from './runReport';
import { shardKey, shardOf, type ShardSection, type ShardSuiteInfo } from './shard';
import { addPairedSums, passRateChangeFromSums, type PairedSums } from '../stats/significance';
import { scoreChangeFromPairs, type ScorePair } from '../stats/pairedScores';

/** A problem that stops the merge; its message names the file and what to do. */
export class MergeError extends Error {}

/** One shard's JSON report, parsed. */
export interface ShardReportFile {
  file: string;
  doc: unknown;
}

/** How the merged history files one suite: the shards' runs become one run (see TraceStore.importHistory). */
export type MergedRun = ImportRunGroup;

/** The merged run: reports in the unsharded order, the suites' facts for promptfoo's output, the history's runs. */
export interface MergedShards {
  reports: RunReport[];
  suites: ShardSuiteInfo[];
  startedAt: number;
  durationMs: number;
  runs: MergedRun[];
  count: number;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function field<T>(o: Json, key: string, check: (v: unknown) => boolean, where: string, what: string): T {
  const v = o[key];
  if (!check(v)) throw new MergeError(`${where}: "${key}" should be ${what}; is the file a complete 'assay test --shard --json' report?`);
  return v as T;
}
const isStr = (v: unknown): boolean => typeof v === 'string';
const isNum = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);
const isNumOrNull = (v: unknown): boolean => v === null || isNum(v);
const isArr = (v: unknown): boolean => Array.isArray(v);

interface ParsedShard {
  file: string;
  section: ShardSection;
  startedAt: number;
  durationMs: number;
  suites: Json[];
}

function parseShardReport({ file, doc }: ShardReportFile): ParsedShard {
  if (!isObject(doc) || doc.format !== JSON_REPORT_FORMAT) throw new MergeError(`${file}: not an Assay JSON report (no "format": "${JSON_REPORT_FORMAT}"); give the files 'assay test --shard I/N --json FILE' wrote`);
  if (doc.version !== JSON_REPORT_VERSION) throw new MergeError(`${file}: report version ${String(doc.version)}, this Assay reads version ${JSON_REPORT_VERSION}`);
  if (!isObject(doc.shard)) throw new MergeError(`${file}: not a shard's report (it was run without --shard I/N, so it records no shard); run each CI job with 'assay test --shard I/N --json FILE'`);
  const s = doc.shard;
  const count = field<number>(s, 'count', (v) => Number.isInteger(v) && (v as number) >= 1, file, 'a whole number');
  const index = field<number>(s, 'index', (v) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= count, file, `a shard number from 1 to ${count}`);
  const suites = field<Json[]>(s, 'suites', (v) => isArr(v) && (v as unknown[]).every(isObject), file, 'a list of suites');
  const section: ShardSection = { index, count, suites: suites.map((x, i) => suiteInfo(x, `${file}: shard.suites[${i}]`)) };
  const startedAt = Date.parse(field<string>(doc, 'startedAt', isStr, file, 'a date'));
  return { file, section, startedAt, durationMs: field<number>(doc, 'durationMs', isNum, file, 'a number'), suites: field<Json[]>(doc, 'suites', isArr, file, 'a list') };
}

function suiteInfo(s: Json, where: string): ShardSuiteInfo {
  const isModel = (m: unknown) => isObject(m) && isStr(m.label) && isStr(m.id) && isObject(m.ref);
  const isPrompt = (p: unknown) => isObject(p) && isStr(p.label) && isStr(p.content);
  const isStrOrNull = (v: unknown) => v === null || isStr(v);
  return {
    name: field(s, 'name', isStr, where, 'text'),
    promptPath: field(s, 'promptPath', isStrOrNull, where, 'text or null'),
    bankPath: field(s, 'bankPath', isStrOrNull, where, 'text or null'),
    cases: field(s, 'cases', Number.isInteger, where, 'a whole number'),
    fingerprint: field(s, 'fingerprint', isStr, where, 'text'),
    prompt: field(s, 'prompt', isPrompt, where, 'a prompt (label, content)'),
    models: field(s, 'models', (v) => isArr(v) && (v as unknown[]).every(isModel), where, 'a list of models (label, id, ref)'),
    derivedMetrics: field(s, 'derivedMetrics', isArr, where, 'a list'),
  };
}

/** The facts of a suite that shards of one run agree on. */
function suiteIdentity(s: ShardSuiteInfo): string {
  return JSON.stringify([s.name, s.bankPath, s.promptPath, s.cases, s.fingerprint, s.prompt.content, s.models.map((m) => m.label)]);
}

/** Every shard exactly once, of one run's suites: otherwise the merged report would lose or double cases. */
function checkShardSet(shards: ParsedShard[]): void {
  if (shards.length === 0) throw new MergeError('no shard reports given');
  const first = shards[0]!;
  const byIndex = new Map<number, string>();
  for (const s of shards) {
    if (s.section.count !== first.section.count) {
      throw new MergeError(`${s.file} is shard ${s.section.index}/${s.section.count} but ${first.file} is ${first.section.index}/${first.section.count}: every report must come from the same --shard I/N split`);
    }
    const twice = byIndex.get(s.section.index);
    if (twice !== undefined) throw new MergeError(`shard ${s.section.index}/${s.section.count} is given twice (${twice} and ${s.file}): overlapping shards would count its cases twice; give each shard's report once`);
    byIndex.set(s.section.index, s.file);
    const a = first.section.suites.map(suiteIdentity).join('\n');
    const b = s.section.suites.map(suiteIdentity).join('\n');
    if (a !== b) {
      const names = (x: ParsedShard) => x.section.suites.map((t) => `${t.name} (${t.cases} cases, ${t.fingerprint})`).join(', ');
      throw new MergeError(`${s.file} and ${first.file} are not shards of one run: their suites or banks differ (${names(s)} vs ${names(first)}); run every shard on the same commit, files and options`);
    }
  }
  const missing = Array.from({ length: first.section.count }, (_, i) => i + 1).filter((i) => !byIndex.has(i));
  if (missing.length > 0) throw new MergeError(`shard${missing.length === 1 ? '' : 's'} ${missing.map((i) => `${i}/${first.section.count}`).join(', ')} missing: give every shard's report (an empty shard writes one too)`);
}

/** A report's token counts as usage (the JSON keeps input, output and cached input). */
function usageOf(tokens: unknown): CaseExecution['usage'] {
  if (!isObject(tokens)) return null;
  return { inputTokens: Number(tokens.input ?? 0), outputTokens: Number(tokens.output ?? 0), cachedInputTokens: Number(tokens.cachedInput ?? 0), cacheWriteTokens: 0, reasoningTokens: 0 };
}

/**
 * One result of a JSON report as an execution. A shard's report has `exact` values; any other report (a
 * history import) gives its rounded ones, which `exact: 'required'` refuses.
 */
export function reportExecution(r: Json, where: string, exactness: 'required' | 'rounded'): CaseExecution {
  const exact = exactness === 'required' ? field<Json>(r, 'exact', isObject, where, "an object (a shard's report records exact values)") : isObject(r.exact) ? r.exact : r;
  const assertions = field<Json[]>(r, 'assertions', isArr, where, 'a list');
  const scores = isArr(exact.assertionScores) ? (exact.assertionScores as number[]) : assertions.map((a) => Number(a.score ?? 0));
  if (scores.length !== assertions.length) throw new MergeError(`${where}: "assertionScores" should hold one score per assertion`);
  const e: CaseExecution = {
    index: 0,
    caseId: field<string>(r, 'caseId', isStr, where, 'text'),
    caseIndex: field<number>(r, 'caseIndex', (v) => Number.isInteger(v) && (v as number) >= 0, where, 'a case position'),
    model: field<string>(r, 'model', isStr, where, 'text'),
    modelRef: field<CaseExecution['modelRef']>(r, 'modelRef', (v) => isObject(v) && isStr(v.provider) && isStr(v.model), where, 'a model reference {provider, model}'),
    repeatIndex: field<number>(r, 'repeatIndex', Number.isInteger, where, 'a whole number'),
    repeats: field<number>(r, 'repeats', Number.isInteger, where, 'a whole number'),
    status: field<CaseExecution['status']>(r, 'status', (v) => v === 'pass' || v === 'fail' || v === 'error', where, 'pass, fail or error'),
    cancelled: r.cancelled === true,
    score: field<number | null>(exact, 'score', isNumOrNull, where, 'a number or null'),
    reason: field<string>(r, 'reason', isStr, where, 'text'),
    assertions: assertions.map((a, i) => assertion(a, scores[i]!)),
    output: field<string>(r, 'output', isStr, where, 'text'),
    vars: field<Record<string, unknown>>(r, 'vars', isObject, where, 'an object'),
    usage: exact === r ? usageOf(r.tokens) : ((exact.usage ?? null) as CaseExecution['usage']),
    cost: field<number | null>(exact, 'cost', isNumOrNull, where, 'a number or null'),
    graderCost: field<number | null>(exact, 'graderCost', isNumOrNull, where, 'a number or null'),
    latencyMs: field<number>(exact, 'latencyMs', isNum, where, 'a number'),
    ttftMs: exact === r ? null : field<number | null>(exact, 'ttftMs', isNumOrNull, where, 'a number or null'),
    cacheHit: r.cacheHit === true,
    traceId: typeof r.traceId === 'string' ? r.traceId : null,
    startedAt: exact === r ? 0 : field<number>(exact, 'startedAt', isNum, where, 'a time'),
  };
  if (typeof r.description === 'string') e.description = r.description;
  if (isObject(r.error)) e.error = r.error as unknown as NonNullable<CaseExecution['error']>;
  if (isObject(exact.namedScores)) e.namedScores = exact.namedScores as Record<string, number>;
  return e;
}

/** What the report files read of an assertion (the rest is not in a JSON report). */
function assertion(a: Json, score: number): AssertionResult {
  const out: AssertionResult = { type: String(a.type), index: 0, pass: a.pass === true, score, reason: String(a.reason ?? ''), weight: Number(a.weight ?? 1), rawPass: a.pass === true, modelGraded: false };
  if (typeof a.metric === 'string') out.metric = a.metric;
  if (typeof a.error === 'string') out.error = a.error;
  return out;
}

type ComparisonJson = { model: string; previousRunId: string | null; previousStartedAt: string | null; significance?: { sums?: PairedSums } | null; scoreChange?: { pairs?: ScorePair[] } | null } & Record<'regressions' | 'fixes' | 'stillFailing' | 'newCases' | 'removedCases', { caseId: string }[]>;

/**
 * Each shard compared its cases with the same previous run: regressions, fixes, still failing and new cases
 * are the union (in the merged case order), removed cases those every shard found missing. Shards that
 * compared with different runs (histories that differ) give no comparison.
 */
function mergeComparisons(models: readonly string[], caseOrder: readonly string[], parts: ComparisonJson[][]): ModelComparison[] {
  const position = new Map(caseOrder.map((id, i) => [id, i]));
  const ordered = (ids: Set<string>) => [...ids].sort((a, b) => (position.get(a) ?? 0) - (position.get(b) ?? 0)).map((caseId) => ({ caseId }));
  return models.map((model) => {
    const mine = parts.map((p) => p.find((c) => c.model === model)).filter((c) => c !== undefined);
    const previous = mine[0]?.previousRunId ?? null;
    if (mine.length === 0 || previous === null || mine.some((c) => c.previousRunId !== previous)) return { model, previousRunId: null, previousStartedAt: null, comparison: null, significance: null, scoreChange: null };
    const union = (key: 'regressions' | 'fixes' | 'stillFailing' | 'newCases') => ordered(new Set(mine.flatMap((c) => c[key].map((x) => x.caseId))));
    const removed = mine.slice(1).reduce((kept, c) => kept.filter((x) => c.removedCases.some((y) => y.caseId === x.caseId)), mine[0]!.removedCases);
    const comparison: RunComparison = {
      regressions: union('regressions'),
      fixes: union('fixes'),
      stillFailing: union('stillFailing'),
      newCases: union('newCases'),
      removedCases: removed.map((x) => ({ caseId: x.caseId })),
      errored: [],
      unchangedPassing: 0,
    };
    // The shards' paired sums add up to the whole run's (a shard without them, an older report, gives none).
    const sums = mine.map((c) => c.significance?.sums);
    const significance = sums.every((x) => x !== undefined) ? passRateChangeFromSums(addPairedSums(sums)) : null;
    // The shards' score pairs, in the whole run's case order, are the unsharded run's.
    const pairs = mine.map((c) => c.scoreChange?.pairs);
    const scoreChange = pairs.every((x) => x !== undefined) ? scoreChangeFromPairs(pairs.flat().sort((a, b) => (position.get(a.caseId) ?? 0) - (position.get(b.caseId) ?? 0))) : null;
    return { model, previousRunId: previous, previousStartedAt: mine[0]!.previousStartedAt === null ? null : Date.parse(mine[0]!.previousStartedAt), comparison, significance, scoreChange };
  });
}

/** One suite's run report from its parts in the shards (those that ran it; a shard may hold none of its cases). */
function mergeSuite(info: ShardSuiteInfo, parts: { shard: ParsedShard; suite: Json }[], count: number): { report: RunReport; run: MergedRun } {
  const labels = info.models.map((m) => m.label);
  const modelOrder = new Map(labels.map((l, i) => [l, i]));
  const seen = new Map<string, string>();
  const executions: CaseExecution[] = [];
  for (const { shard, suite } of parts) {
    const results = field<Json[]>(suite, 'results', isArr, shard.file, 'a list');
    results.forEach((r, i) => {
      const where = `${shard.file}: suite ${info.name}, result ${i + 1}`;
      const e = reportExecution(isObject(r) ? r : {}, where, 'required');
      if (shardOf(shardKey(info, { id: e.caseId }), count) !== shard.section.index) throw new MergeError(`${where}: case ${e.caseId} does not belong to shard ${shard.section.index}/${count}; the report was not written by 'assay test --shard ${shard.section.index}/${count}'`);
      if (e.caseIndex >= info.cases || !modelOrder.has(e.model)) throw new MergeError(`${where}: case position ${e.caseIndex} or model ${e.model} is not in the suite the shards list`);
      const key = `${e.caseIndex}\n${e.model}\n${e.repeatIndex}`;
      const other = seen.get(key);
      if (other !== undefined) throw new MergeError(`${e.caseId} on ${e.model} (repeat ${e.repeatIndex + 1}) is in both ${other} and ${shard.file}: the shards overlap; give each shard's report once`);
      seen.set(key, shard.file);
      executions.push(e);
    });
  }
  executions.sort((a, b) => a.caseIndex - b.caseIndex || modelOrder.get(a.model)! - modelOrder.get(b.model)! || a.repeatIndex - b.repeatIndex);
  executions.forEach((e, i) => (e.index = i));
  const models = modelStatsOf(executions, labels);
  const cancelled = parts.some((p) => p.suite.status === 'cancelled');
  const starts = parts.map((p) => Date.parse(String(p.suite.startedAt)));
  const ends = parts.map((p, i) => starts[i]! + Number(p.suite.durationMs ?? 0));
  const startedAt = Math.min(...starts);
  const endedAt = Math.max(...ends);
  // The run's id is the lowest shard's: a second merge of the same reports makes the same run.
  const runId = String(parts[0]!.suite.runId);
  const comparisons = mergeComparisons(
    models.map((m) => m.model),
    executions.map((e) => e.caseId),
    parts.map((p) => (isArr(p.suite.comparisons) ? (p.suite.comparisons as ComparisonJson[]) : [])),
  );
  const report: RunReport = {
    runId,
    suite: { name: info.name, promptPath: info.promptPath, bankPath: info.bankPath },
    status: cancelled ? 'cancelled' : 'done',
    executions,
    models,
    comparisons: comparisons.some((c) => c.previousRunId !== null) || parts.some((p) => isArr(p.suite.comparisons) && (p.suite.comparisons as unknown[]).length > 0) ? comparisons : [],
    totals: totalsOf(executions),
    startedAt,
    endedAt,
    durationMs: endedAt - startedAt,
    recorded: parts.every((p) => p.suite.runId !== undefined),
    warnings: [],
    ...runMetrics(labels, executions, info.derivedMetrics),
  };
  const run: MergedRun = {
    into: runId,
    from: parts.map((p) => String(p.suite.runId)),
    status: report.status,
    summary: { format: RUN_SUMMARY_FORMAT, suite: info.name, models },
    config: { cases: info.cases, shard: null, shards: count },
    startedAt,
    endedAt,
  };
  return { report, run };
}

/** Merges the shards' reports; throws a `MergeError` saying which file is wrong and why. */
export function mergeShardReports(files: readonly ShardReportFile[]): MergedShards {
  const shards = files.map(parseShardReport).sort((a, b) => a.section.index - b.section.index);
  checkShardSet(shards);
  const infos = shards[0]!.section.suites;
  const names = new Set(infos.map((s) => s.name));
  if (names.size !== infos.length) throw new MergeError(`${shards[0]!.file}: two suites have the same name; merge needs each suite once (give each file once to 'assay test')`);
  for (const s of shards) {
    for (const suite of s.suites) if (!names.has(String(suite.name))) throw new MergeError(`${s.file}: suite ${String(suite.name)} is not in the shard's list of suites`);
  }
  const reports: RunReport[] = [];
  const runs: MergedRun[] = [];
  const suites: ShardSuiteInfo[] = [];
  for (const info of infos) {
    const parts = shards.flatMap((shard) => shard.suites.filter((s) => s.name === info.name).map((suite) => ({ shard, suite })));
    if (parts.length === 0) continue;
    const merged = mergeSuite(info, parts, shards[0]!.section.count);
    reports.push(merged.report);
    runs.push(merged.run);
    suites.push(info);
  }
  const startedAt = Math.min(...shards.map((s) => s.startedAt));
  const endedAt = Math.max(...shards.map((s) => s.startedAt + s.durationMs));
  return { reports, suites, startedAt, durationMs: endedAt - startedAt, runs, count: shards[0]!.section.count };
}
