// What a reviewer's report shows of a test run: built from the run reports (the same ones --json writes),
// so the CLI and the editor's "Export Report" give the same page.
import { createHash } from 'node:crypto';
import type { RunReport } from '../run/runReport';
import { describeChange } from '../stats/significance';
import { describeScoreChange } from '../stats/pairedScores';
import { judgeName, type JudgeCalibration } from '../stats/calibration';
import { REVIEW_FORMAT_VERSION, REVIEW_REPORT_FORMAT, type ReviewCell, type ReviewReportData, type ReviewSuite } from '../../shared/reviewReport';

/** The report's id: a hash of its runs' ids, so two exports of the same runs share unsaved marks. */
export function reviewReportId(reports: readonly RunReport[]): string {
  return createHash('sha256').update(reports.map((r) => r.runId).join('\n')).digest('hex').slice(0, 16);
}

/** What the report says of a judge's standing, e.g. "uncalibrated: kappa 0.21 on 40 rated outputs". */
function standingText(j: JudgeCalibration | undefined): string | null {
  if (!j) return null;
  const kappa = j.kappa === null ? 'undefined' : j.kappa.toFixed(2);
  return `${j.status === 'too-few-labels' ? 'too few labels to tell' : j.status}: kappa ${kappa} on ${j.labels} rated output${j.labels === 1 ? '' : 's'}`;
}

function suiteOf(r: RunReport, judges: ReadonlyMap<string, JudgeCalibration> | undefined): ReviewSuite {
  const cases: ReviewSuite['cases'] = [];
  const caseAt = new Map<number, number>();
  const cells: ReviewCell[] = r.executions.map((e) => {
    let at = caseAt.get(e.caseIndex);
    if (at === undefined) {
      at = cases.length;
      caseAt.set(e.caseIndex, at);
      cases.push({ id: e.caseId, description: e.description ?? null, vars: e.vars });
    }
    return {
      key: `${r.runId}/${e.caseIndex}/${e.model}/${e.repeatIndex}`,
      caseIndex: at,
      model: e.model,
      repeatIndex: e.repeatIndex,
      status: e.status,
      score: e.score,
      reason: e.reason,
      error: e.error?.message ?? null,
      output: e.output,
      assertions: e.assertions.map((a) => ({
        type: a.type,
        pass: a.pass,
        score: a.score,
        reason: a.reason,
        modelGraded: a.modelGraded,
        judgeStanding: a.modelGraded && judges ? standingText(judges.get(judgeName(a.type, a.metric))) : null,
      })),
      traceId: e.traceId,
      latencyMs: Math.round(e.latencyMs),
    };
  });
  const names = new Map(cases.map((c) => [c.id, c.description ?? c.id]));
  const named = (list: { caseId: string }[] | undefined): string[] => (list ?? []).map((c) => names.get(c.caseId) ?? c.caseId);
  return {
    name: r.suite.name,
    runId: r.runId,
    promptPath: r.suite.promptPath,
    bankPath: r.suite.bankPath,
    models: r.models.map((m) => ({
      model: m.model,
      passes: m.passes,
      fails: m.fails,
      errors: m.errors,
      passRate: m.passRate,
      interval: m.trials > 0 ? { low: m.interval.low, high: m.interval.high } : null,
    })),
    comparisons: r.comparisons.map((c) => ({
      model: c.model,
      previousStartedAt: c.previousStartedAt === null ? null : new Date(c.previousStartedAt).toISOString(),
      regressions: named(c.comparison?.regressions),
      fixes: named(c.comparison?.fixes),
      significance: c.significance ? describeChange(c.significance) : null,
      scoreSignificance: c.scoreChange && c.scoreChange.cases > 0 ? describeScoreChange(c.scoreChange) : null,
      verdict: c.significance?.verdict ?? null,
    })),
    cases,
    cells,
  };
}

/** The data a report page embeds. */
export function reviewReportData(reports: readonly RunReport[], meta: { tool: string; generatedAt: number; judges?: ReadonlyMap<string, JudgeCalibration> }): ReviewReportData {
  return {
    format: REVIEW_REPORT_FORMAT,
    version: REVIEW_FORMAT_VERSION,
    reportId: reviewReportId(reports),
    tool: meta.tool,
    generatedAt: new Date(meta.generatedAt).toISOString(),
    suites: reports.map((r) => suiteOf(r, meta.judges)),
  };
}
