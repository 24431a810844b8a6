// Does an LLM judge agree with the people who know the domain? Each model-graded assertion's verdicts on
// outputs a person rated (👍/👎 in the editor, or a reviewer's imported labels) are set against the
// ratings: agreement, Cohen's kappa (agreement beyond chance) and the confusion matrix, with the outputs
// they disagree on. A judge whose kappa falls below a threshold is "uncalibrated": `assay test
// --uncalibrated-cannot-fail` keeps such a judge from failing a CI run on its own. Kappa is checked against
// scikit-learn's cohen_kappa_score in test/unit/calibration.test.ts (scripts/stats/calibrationReference.py).
import { resolveAssertionType } from '../assertions/assertionRegistry';
import type { LabeledVerdict } from '../store/storeTypes';

/** Verdict × rating counts. "Positive" is a pass (judge) or 👍 (person). */
export interface Confusion {
  /** Judge passed, person 👍. */
  bothPass: number;
  /** Judge passed, person 👎. */
  judgePassHumanFail: number;
  /** Judge failed, person 👍. */
  judgeFailHumanPass: number;
  /** Judge failed, person 👎. */
  bothFail: number;
}

/** Observed agreement (0–1); `null` with no pairs. */
export function agreement(c: Confusion): number | null {
  const n = total(c);
  return n === 0 ? null : (c.bothPass + c.bothFail) / n;
}

function total(c: Confusion): number {
  return c.bothPass + c.judgePassHumanFail + c.judgeFailHumanPass + c.bothFail;
}

/**
 * Cohen's kappa, (p_o − p_e) / (1 − p_e), with p_e from each side's own pass rate. `null` where it is
 * undefined: no pairs, or both sides gave one and the same verdict throughout (p_e = 1; scikit-learn
 * answers NaN there).
 */
export function cohenKappa(c: Confusion): number | null {
  const n = total(c);
  if (n === 0) return null;
  const judgePass = (c.bothPass + c.judgePassHumanFail) / n;
  const humanPass = (c.bothPass + c.judgeFailHumanPass) / n;
  const expected = judgePass * humanPass + (1 - judgePass) * (1 - humanPass);
  if (expected === 1) return null;
  return ((c.bothPass + c.bothFail) / n - expected) / (1 - expected);
}

/** How a judge stands against the threshold. */
export type CalibrationStatus = 'calibrated' | 'uncalibrated' | 'too-few-labels';

/** One judge (a model-graded assertion type, split by `metric` when it has one) against people's ratings. */
export interface JudgeCalibration {
  /** `llm-rubric`, or `llm-rubric [tone]` for assertions with `metric: tone`. */
  judge: string;
  assertionType: string;
  metric: string | null;
  /** Rated outputs it judged. */
  labels: number;
  confusion: Confusion;
  agreement: number | null;
  kappa: number | null;
  status: CalibrationStatus;
  /** The rated outputs it disagrees with the person on. */
  disagreements: LabeledVerdict[];
}

/** The threshold and how many rated outputs a judge needs before it is measured. */
export interface CalibrationOptions {
  /** Kappa below this marks a judge uncalibrated (default 0.6, "substantial" in Landis & Koch's scale). */
  threshold?: number;
  /** Fewer rated outputs than this and the judge is "too-few-labels", neither calibrated nor not (default 10). */
  minLabels?: number;
}

export const DEFAULT_KAPPA_THRESHOLD = 0.6;
export const DEFAULT_MIN_LABELS = 10;

/** The judge an assertion's verdicts count towards. */
export function judgeName(assertionType: string, metric: string | null | undefined): string {
  return metric ? `${assertionType} [${metric}]` : assertionType;
}

/** Whether verdicts of this assertion type come from a grader or embeddings model. */
export function isModelGraded(assertionType: string): boolean {
  return resolveAssertionType(assertionType)?.definition.modelGraded === true;
}

/** Each model-graded judge's calibration, by judge name. Deterministic assertions are left out: they have nothing to calibrate. */
export function calibrateJudges(verdicts: readonly LabeledVerdict[], options: CalibrationOptions = {}): JudgeCalibration[] {
  const threshold = options.threshold ?? DEFAULT_KAPPA_THRESHOLD;
  const minLabels = options.minLabels ?? DEFAULT_MIN_LABELS;
  const byJudge = new Map<string, JudgeCalibration>();
  for (const v of verdicts) {
    if (!isModelGraded(v.assertionType)) continue;
    const judge = judgeName(v.assertionType, v.metric);
    let j = byJudge.get(judge);
    if (!j) {
      j = { judge, assertionType: v.assertionType, metric: v.metric, labels: 0, confusion: { bothPass: 0, judgePassHumanFail: 0, judgeFailHumanPass: 0, bothFail: 0 }, agreement: null, kappa: null, status: 'too-few-labels', disagreements: [] };
      byJudge.set(judge, j);
    }
    j.labels++;
    const good = v.rating === 1;
    if (v.pass && good) j.confusion.bothPass++;
    else if (v.pass) j.confusion.judgePassHumanFail++;
    else if (good) j.confusion.judgeFailHumanPass++;
    else j.confusion.bothFail++;
    if (v.pass !== good) j.disagreements.push(v);
  }
  const out = [...byJudge.values()].sort((a, b) => a.judge.localeCompare(b.judge));
  for (const j of out) {
    j.agreement = agreement(j.confusion);
    j.kappa = cohenKappa(j.confusion);
    // Undefined kappa with enough labels (everyone always said pass, say) shows no agreement beyond chance.
    j.status = j.labels < minLabels ? 'too-few-labels' : j.kappa !== null && j.kappa >= threshold ? 'calibrated' : 'uncalibrated';
  }
  return out;
}
