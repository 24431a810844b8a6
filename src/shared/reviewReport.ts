// The reviewer's HTML report (`assay test --html`, "Assay: Export Report"): the data the page embeds, and
// the labels file a reviewer saves from it (`assay review import`). Core builds the data
// (src/core/report/reviewData.ts); the page (webview-ui/src/reviewReport) renders it and writes the labels.

/** Identifies the data embedded in a report page. */
export const REVIEW_REPORT_FORMAT = 'assay-review-report';
/** Identifies a labels file saved from a report page. */
export const REVIEW_LABELS_FORMAT = 'assay-review-labels';
export const REVIEW_FORMAT_VERSION = 1;

/** Everything a report page shows. */
export interface ReviewReportData {
  format: typeof REVIEW_REPORT_FORMAT;
  version: typeof REVIEW_FORMAT_VERSION;
  /** Names the report's runs: labels saved from it carry it, and the page keeps unsaved marks under it. */
  reportId: string;
  tool: string;
  /** ISO time the report was written. */
  generatedAt: string;
  suites: ReviewSuite[];
}

/** One suite's run: its models' figures, the comparison with the previous run, its cases and cells. */
export interface ReviewSuite {
  name: string;
  runId: string;
  promptPath: string | null;
  bankPath: string | null;
  models: ReviewModel[];
  comparisons: ReviewComparison[];
  cases: ReviewCase[];
  /** One per execution (case × model × repeat), in run order. */
  cells: ReviewCell[];
}

export interface ReviewModel {
  model: string;
  passes: number;
  fails: number;
  errors: number;
  /** 0–1; `null` without verdicts. */
  passRate: number | null;
  interval: { low: number; high: number } | null;
}

export interface ReviewComparison {
  model: string;
  /** ISO time of the previous run; `null` when there was none to compare with. */
  previousStartedAt: string | null;
  regressions: string[];
  fixes: string[];
  /** The significance of the change in words (src/core/stats/significance.ts `describeChange`). */
  significance: string | null;
  /** The paired test on per-case scores in words (`describeScoreChange`); `null` without scores on both sides. */
  scoreSignificance: string | null;
  verdict: 'significant-regression' | 'significant-improvement' | 'within-noise' | 'no-change' | null;
}

export interface ReviewCase {
  id: string;
  description: string | null;
  vars: Record<string, unknown>;
}

/** One execution's output and verdict. */
export interface ReviewCell {
  /** Stable within the report: `runId/caseIndex/model/repeatIndex`. */
  key: string;
  /** Index into `ReviewSuite.cases`. */
  caseIndex: number;
  model: string;
  repeatIndex: number;
  status: 'pass' | 'fail' | 'error';
  score: number | null;
  reason: string;
  error: string | null;
  output: string;
  assertions: {
    type: string;
    pass: boolean;
    score: number;
    reason: string;
    modelGraded: boolean;
    /** A judge's standing against people's ratings, when the run measured it (`--judge-threshold`). */
    judgeStanding: string | null;
  }[];
  /** The call's trace in history: what a label is tied to on import; `null` without history. */
  traceId: string | null;
  latencyMs: number;
}

export type ReviewVerdict = 'good' | 'bad';

/** One reviewer mark on one cell. */
export interface ReviewLabel {
  traceId: string | null;
  runId: string;
  caseId: string;
  model: string;
  repeatIndex: number;
  label: ReviewVerdict;
  note: string;
  /** ISO time the mark was made. */
  labeledAt: string;
}

/** The file a reviewer saves. */
export interface ReviewLabelsFile {
  format: typeof REVIEW_LABELS_FORMAT;
  version: typeof REVIEW_FORMAT_VERSION;
  reportId: string;
  savedAt: string;
  labels: ReviewLabel[];
}
