// A paired test on scores: did the per-case scores move between two runs (a prompt edit and its replay, or
// a run and its baseline)? Each case's mean score before and after (all repeats count) is a pair; the
// paired t-test and the Wilcoxon signed-rank test, as scipy's ttest_rel and wilcoxon with their defaults
// (zero differences dropped, no continuity correction, exact distribution up to 50 pairs without zeros,
// else the normal approximation with the tie correction). The verdict follows Wilcoxon's p: scores are
// bounded and rarely normal. Checked against scipy in test/unit/pairedScores.test.ts
// (scripts/stats/significanceReference.py, "scores").
import erfc from '@stdlib/math-base-special-erfc';
import type { Interval } from './wilson';
import { pairedTFromSums, SIGNIFICANCE_ALPHA, VERDICT_WORDS, type SignificanceVerdict } from './significance';

/** One case's scored executions in one run. */
export interface CaseScores {
  caseId: string;
  scores: number[];
}

export interface WilcoxonResult {
  /** min(W+, W−), scipy's two-sided statistic. */
  statistic: number;
  pValue: number;
  method: 'exact' | 'normal';
}

/** The change in mean score between two runs, over the cases both scored. */
export interface ScoreChange {
  cases: number;
  previousMean: number | null;
  currentMean: number | null;
  /** currentMean − previousMean; `null` without paired cases. */
  difference: number | null;
  /** 95% paired t interval of the difference. */
  interval: Interval | null;
  /** Paired t-test, two-sided. */
  tPValue: number | null;
  /** `null` without paired cases, or when every difference is zero (scipy refuses those). */
  wilcoxon: WilcoxonResult | null;
  verdict: SignificanceVerdict;
  /** Each paired case's mean score before and after, in the current run's case order: shards of one run concatenate theirs (`assay merge`). */
  pairs: ScorePair[];
}

export interface ScorePair {
  caseId: string;
  previous: number;
  current: number;
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Pairs two runs' per-case scores by case id (cases scored in one run only are left out) and tests the change. */
export function scoreChange(previous: readonly CaseScores[], current: readonly CaseScores[]): ScoreChange {
  const before = new Map(previous.filter((c) => c.scores.length > 0).map((c) => [c.caseId, mean(c.scores)]));
  const pairs: ScorePair[] = [];
  for (const c of current) {
    const p = before.get(c.caseId);
    if (p !== undefined && c.scores.length > 0) pairs.push({ caseId: c.caseId, previous: p, current: mean(c.scores) });
  }
  return scoreChangeFromPairs(pairs);
}

/** The change and its tests from the paired per-case means. */
export function scoreChangeFromPairs(pairs: ScorePair[]): ScoreChange {
  const n = pairs.length;
  if (n === 0) return { cases: 0, previousMean: null, currentMean: null, difference: null, interval: null, tPValue: null, wilcoxon: null, verdict: 'no-change', pairs };
  const diffs = pairs.map((p) => p.current - p.previous);
  const t = pairedTFromSums(n, diffs.reduce((s, d) => s + d, 0), diffs.reduce((s, d) => s + d * d, 0));
  const w = wilcoxonSignedRank(diffs);
  // As for pass rates: no net change and nothing significant is "no change".
  const verdict: SignificanceVerdict =
    !w || (t.mean === 0 && w.pValue >= SIGNIFICANCE_ALPHA) ? 'no-change' : w.pValue < SIGNIFICANCE_ALPHA ? (t.mean < 0 ? 'significant-regression' : 'significant-improvement') : 'within-noise';
  return {
    cases: n,
    previousMean: mean(pairs.map((p) => p.previous)),
    currentMean: mean(pairs.map((p) => p.current)),
    difference: t.mean,
    interval: t.interval,
    tPValue: Number.isNaN(t.pValue) ? null : t.pValue,
    wilcoxon: w,
    verdict,
    pairs,
  };
}

/** Average ranks (1-based) of `xs`, ties sharing the mean of their positions; also the tie groups' sizes. */
function averageRanks(xs: readonly number[]): { ranks: number[]; ties: number[] } {
  const order = xs.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(xs.length);
  const ties: number[] = [];
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    for (let k = i; k <= j; k++) ranks[order[k]![1]] = (i + j) / 2 + 1;
    if (j > i) ties.push(j - i + 1);
    i = j + 1;
  }
  return { ranks, ties };
}

/** P(W+ = s) for s = 0 … n(n+1)/2 under the null: subsets of {1…n} by their sum, over 2ⁿ (exact up to n = 50). */
function signedRankPmf(n: number): number[] {
  const max = (n * (n + 1)) / 2;
  const counts = new Array<number>(max + 1).fill(0);
  counts[0] = 1;
  for (let k = 1; k <= n; k++) for (let s = (k * (k + 1)) / 2; s >= k; s--) counts[s]! += counts[s - k]!;
  const total = 2 ** n;
  return counts.map((c) => c / total);
}

/** The Wilcoxon signed-rank test of differences `d`, two-sided, as scipy.stats.wilcoxon(d) with its defaults. */
export function wilcoxonSignedRank(d: readonly number[]): WilcoxonResult | null {
  if (d.length === 0) return null;
  const hasZero = d.some((x) => x === 0);
  const exact = d.length <= 50 && !hasZero;
  const kept = d.filter((x) => x !== 0);
  if (kept.length === 0) return null;
  const { ranks, ties } = averageRanks(kept.map(Math.abs));
  let plus = 0;
  let minus = 0;
  kept.forEach((x, i) => (x > 0 ? (plus += ranks[i]!) : (minus += ranks[i]!)));
  const statistic = Math.min(plus, minus);
  const n = kept.length;
  if (exact) {
    const pmf = signedRankPmf(n);
    // scipy truncates a tied (x.5) rank sum to an integer here.
    const r = Math.trunc(plus);
    if (r === Math.floor((pmf.length - 1) / 2)) return { statistic, pValue: 1, method: 'exact' };
    let less = 0;
    let greater = 0;
    pmf.forEach((p, s) => {
      if (s <= r) less += p;
      if (s >= r) greater += p;
    });
    return { statistic, pValue: Math.min(1, Math.max(0, 2 * Math.min(less, greater))), method: 'exact' };
  }
  const mn = (n * (n + 1)) / 4;
  const variance = (n * (n + 1) * (2 * n + 1) - 0.5 * ties.reduce((s, t) => s + t * (t * t - 1), 0)) / 24;
  const z = (statistic - mn) / Math.sqrt(variance);
  return { statistic, pValue: erfc(Math.abs(z) / Math.SQRT2), method: 'normal' };
}

/**
 * The change in words: "mean score 0.720 → 0.650 (−0.070, 95% CI −0.120 to −0.020) on 40 shared cases;
 * Wilcoxon signed-rank p = 0.0123, paired t p = 0.0101: a significant regression".
 */
export function describeScoreChange(s: ScoreChange): string {
  if (s.cases === 0 || s.difference === null) return 'no case has a score in both runs: nothing to test';
  const num = (x: number | null): string => (x === null ? '—' : x.toFixed(3));
  const signed = (x: number): string => `${x < 0 ? '−' : x > 0 ? '+' : '±'}${Math.abs(x).toFixed(3)}`;
  const p = (x: number | null): string => (x === null ? '—' : x < 0.0001 ? '< 0.0001' : `= ${x.toFixed(4)}`);
  const ci = s.interval ? `, 95% CI ${signed(s.interval.low)} to ${signed(s.interval.high)}` : '';
  const tests = s.wilcoxon ? `Wilcoxon signed-rank p ${p(s.wilcoxon.pValue)}, paired t p ${p(s.tPValue)}` : 'every score is unchanged';
  return `mean score ${num(s.previousMean)} → ${num(s.currentMean)} (${signed(s.difference)}${ci}) on ${s.cases} shared case${s.cases === 1 ? '' : 's'}; ${tests}: ${VERDICT_WORDS[s.verdict]}`;
}
