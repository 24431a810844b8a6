// A run compared with the previous run of the same bank and model: what broke, what got fixed.
import type { CaseStatus, CaseStatusKind, ModelStats } from './runStats';

/** One case's status in the two runs. */
export interface CaseChange {
  caseId: string;
  previous?: CaseStatusKind;
  current?: CaseStatusKind;
}

/** Cases sorted by how they changed. "Failing" means `fail` or `flaky` (not every execution passed). */
export interface RunComparison {
  /** Passed before, failing now. */
  regressions: CaseChange[];
  /** Failing before, passing now. */
  fixes: CaseChange[];
  /** Failing in both runs. */
  stillFailing: CaseChange[];
  /** Not in the previous run (or it only errored there). */
  newCases: CaseChange[];
  /** In the previous run, not in this one. */
  removedCases: CaseChange[];
  /** Only errors now: no verdict to compare. */
  errored: CaseChange[];
  /** Number of cases passing in both runs. */
  unchangedPassing: number;
}

const failing = (s: CaseStatusKind) => s === 'fail' || s === 'flaky';

/** Compares the case statuses of two runs of one bank on one model (cases matched by id). */
export function compareCaseStatuses(previous: readonly CaseStatus[], current: readonly CaseStatus[]): RunComparison {
  const before = new Map(previous.map((c) => [c.caseId, c.status]));
  const out: RunComparison = { regressions: [], fixes: [], stillFailing: [], newCases: [], removedCases: [], errored: [], unchangedPassing: 0 };
  const seen = new Set<string>();
  for (const c of current) {
    seen.add(c.caseId);
    const prev = before.get(c.caseId);
    const change: CaseChange = { caseId: c.caseId, current: c.status };
    if (prev !== undefined) change.previous = prev;
    if (c.status === 'error') out.errored.push(change);
    else if (prev === undefined || prev === 'error') out.newCases.push(change);
    else if (prev === 'pass' && failing(c.status)) out.regressions.push(change);
    else if (failing(prev) && c.status === 'pass') out.fixes.push(change);
    else if (failing(prev) && failing(c.status)) out.stillFailing.push(change);
    else out.unchangedPassing++;
  }
  for (const p of previous) if (!seen.has(p.caseId)) out.removedCases.push({ caseId: p.caseId, previous: p.status });
  return out;
}

/** Compares two runs model by model; a model absent from the previous run has only new cases. */
export function compareRuns(previous: readonly ModelStats[], current: readonly ModelStats[]): { model: string; comparison: RunComparison }[] {
  const before = new Map(previous.map((m) => [m.model, m.cases]));
  return current.map((m) => ({ model: m.model, comparison: compareCaseStatuses(before.get(m.model) ?? [], m.cases) }));
}
