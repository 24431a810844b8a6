// An Assay JSON report (`assay test --json`) as history rows, for `assay history import REPORT.json`: a
// teammate's or a CI job's results in the local explorer without their history file. A report holds no
// request or raw response, so those traces have none; ids come from the report (or are derived from
// it), so importing the same report twice adds nothing.
import type { EvaluationInput, RunFinish, RunInput, TraceInput } from '../store/storeTypes';
import { derivedId, isId } from '../store/ids';
import type { ErrorKind } from '../types';
import { MergeError, reportExecution } from './mergeShards';
import { RUN_SUMMARY_FORMAT } from './runHistory';
import { JSON_REPORT_FORMAT, modelStatsOf, type CaseExecution } from './runReport';

/** One suite of a report as a run with its traces and evaluations. */
export interface ReportRun {
  run: RunInput & { id: string };
  finish: RunFinish;
  traces: (TraceInput & { id: string })[];
  evaluations: (EvaluationInput & { id: string })[];
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Error kinds a trace can hold (an execution's `render` and `assertion` errors are not call errors). */
const CALL_ERRORS = new Set<string>(['auth', 'rate_limit', 'timeout', 'network', 'bad_request', 'not_found', 'server', 'cancelled', 'malformed']);

/** Whether the execution made a model call (runTests records a trace only then). */
function called(e: CaseExecution): boolean {
  if (!e.error) return true;
  if (e.error.kind === 'render') return false;
  return !(e.error.kind === 'cancelled' && e.latencyMs === 0 && e.output === '');
}

function suiteRun(suite: Json, where: string): ReportRun {
  const runId = suite.runId;
  if (!isId(runId)) throw new MergeError(`${where}: "runId" is not an Assay run id`);
  const startedAt = Date.parse(String(suite.startedAt));
  if (!Number.isFinite(startedAt)) throw new MergeError(`${where}: "startedAt" is not a date`);
  const results = Array.isArray(suite.results) ? suite.results : [];
  const executions = results.map((r, i) => reportExecution(isObject(r) ? r : {}, `${where}, result ${i + 1}`, 'rounded'));
  const labels = [...new Set([...(Array.isArray(suite.models) ? suite.models.map((m) => String((m as Json).model)) : []), ...executions.map((e) => e.model)])];
  const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  const out: ReportRun = {
    run: { id: runId, kind: 'cli', promptPath: str(suite.promptPath), promptVersionId: null, bankPath: str(suite.bankPath), models: labels, config: { cases: new Set(executions.map((e) => e.caseId)).size }, startedAt },
    finish: { status: suite.status === 'cancelled' ? 'cancelled' : 'done', summary: { format: RUN_SUMMARY_FORMAT, suite: String(suite.name), models: modelStatsOf(executions, labels) }, endedAt: startedAt + Number(suite.durationMs ?? 0) },
    traces: [],
    evaluations: [],
  };
  executions.forEach((e, i) => {
    if (!called(e)) return;
    const at = e.startedAt || startedAt;
    const traceId = e.traceId !== null && isId(e.traceId) ? e.traceId : derivedId(at, `${runId}#${i}`);
    const error = e.error && CALL_ERRORS.has(e.error.kind) ? { error: { kind: e.error.kind as ErrorKind, message: e.error.message } } : {};
    out.traces.push({ id: traceId, runId, promptPath: out.run.promptPath, caseId: e.caseId, repeatIndex: e.repeatIndex, model: e.modelRef, text: e.output, toolCalls: [], finishReason: null, usage: e.usage, cost: e.cost, latencyMs: e.latencyMs, ttftMs: e.ttftMs, cacheHit: e.cacheHit, request: null, response: null, variables: e.vars, startedAt: at, ...error });
    e.assertions.forEach((a, k) => {
      out.evaluations.push({ id: derivedId(at, `${traceId}#${k}`), traceId, caseId: e.caseId, assertionType: a.type, pass: a.pass, score: a.score, reason: a.reason, weight: a.weight, ...(a.metric !== undefined ? { metric: a.metric } : {}) });
    });
  });
  return out;
}

/** The runs of a parsed JSON report; throws a `MergeError` naming the file when it is not one. */
export function reportRuns(doc: unknown, file: string): ReportRun[] {
  if (!isObject(doc) || doc.format !== JSON_REPORT_FORMAT || !Array.isArray(doc.suites)) throw new MergeError(`${file}: not an Assay JSON report (no "format": "${JSON_REPORT_FORMAT}") nor a history file`);
  return doc.suites.map((s, i) => suiteRun(isObject(s) ? s : {}, `${file}: suites[${i}]`));
}
