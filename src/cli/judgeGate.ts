// `assay test --judge-threshold K [--uncalibrated-cannot-fail]`: the run's LLM judges measured against
// the people's ratings in history (src/core/stats/calibration.ts) before the run; a judge below the
// threshold is reported uncalibrated and, when asked, a failure that rests on such judges alone does not
// fail the run.
import type { RunReport } from '../core/run/runReport';
import { calibrateJudges, DEFAULT_KAPPA_THRESHOLD, judgeName, type JudgeCalibration } from '../core/stats/calibration';
import type { TraceStore } from '../core/store/traceStore';
import { parseKappa } from './cliArgs';

export interface JudgeGateArgs {
  judgeThreshold?: number;
  uncalibratedCannotFail?: boolean;
}

/** Takes `--judge-threshold K` or `--uncalibrated-cannot-fail` into `args`; false for any other option. */
export function judgeOption(name: string, value: () => string, args: JudgeGateArgs): boolean {
  if (name === '--judge-threshold') args.judgeThreshold = parseKappa('--judge-threshold', value());
  else if (name === '--uncalibrated-cannot-fail') args.uncalibratedCannotFail = true;
  else return false;
  return true;
}

/** Whether the run measures its judges at all. */
export function wantsCalibration(args: JudgeGateArgs): boolean {
  return args.judgeThreshold !== undefined || args.uncalibratedCannotFail === true;
}

/** Every judge's standing in `store`, by judge name. */
export async function loadCalibration(store: TraceStore, args: JudgeGateArgs): Promise<Map<string, JudgeCalibration>> {
  const judges = calibrateJudges(await store.labeledVerdicts({}), { threshold: args.judgeThreshold ?? DEFAULT_KAPPA_THRESHOLD });
  return new Map(judges.map((j) => [j.judge, j]));
}

/** Whether a failed execution failed only on assertions of uncalibrated judges (a case below its threshold with every assertion passing is a real failure). */
function restsOnUncalibrated(failed: readonly { type: string; metric?: string; modelGraded: boolean }[], standing: ReadonlyMap<string, JudgeCalibration>): boolean {
  return failed.length > 0 && failed.every((a) => a.modelGraded && standing.get(judgeName(a.type, a.metric))?.status === 'uncalibrated');
}

/** Failures of the run that rest on uncalibrated judges alone. */
export function excusedFailures(reports: readonly RunReport[], standing: ReadonlyMap<string, JudgeCalibration>): number {
  let n = 0;
  for (const r of reports) for (const e of r.executions) if (e.status === 'fail' && restsOnUncalibrated(e.assertions.filter((a) => !a.pass), standing)) n++;
  return n;
}

/** One line per judge the run used: its standing, and for an uncalibrated one what the gate did. */
export function judgeLines(reports: readonly RunReport[], standing: ReadonlyMap<string, JudgeCalibration>, args: JudgeGateArgs): string[] {
  const used = new Map<string, number>();
  for (const r of reports) {
    for (const e of r.executions) {
      const excused = e.status === 'fail' && restsOnUncalibrated(e.assertions.filter((a) => !a.pass), standing);
      const judges = new Set(e.assertions.filter((a) => a.modelGraded).map((a) => judgeName(a.type, a.metric)));
      for (const name of judges) used.set(name, (used.get(name) ?? 0) + (excused && e.assertions.some((a) => !a.pass && judgeName(a.type, a.metric) === name) ? 1 : 0));
    }
  }
  const threshold = args.judgeThreshold ?? DEFAULT_KAPPA_THRESHOLD;
  return [...used].map(([name, excused]) => {
    const j = standing.get(name);
    if (!j) return `judge ${name}: no rated output yet (rate outputs 👍/👎 or import reviewers' labels; see 'assay calibrate')`;
    const figures = `kappa ${j.kappa === null ? 'undefined' : j.kappa.toFixed(2)} on ${j.labels} rated output${j.labels === 1 ? '' : 's'}, threshold ${threshold}`;
    if (j.status === 'calibrated') return `judge ${name}: calibrated (${figures})`;
    if (j.status === 'too-few-labels') return `judge ${name}: too few rated outputs to tell (${figures})`;
    const gate = args.uncalibratedCannotFail
      ? `; ${excused} failure${excused === 1 ? '' : 's'} resting on it alone do${excused === 1 ? 'es' : ''} not fail this run (--uncalibrated-cannot-fail)`
      : '';
    return `judge ${name}: UNCALIBRATED (${figures})${gate}`;
  });
}
