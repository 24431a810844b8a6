// Is a change between two runs real or noise? The same cases in both runs are paired: each case's pass
// rate before and after (all repeats count). Without repeats the verdicts are binary and McNemar's exact
// test on the discordant cases decides; with repeats, a paired t-test on the per-case pass rates. The
// pass-rate difference carries a 95% paired t interval either way. The distributions are stdlib's; the
// results are checked against scipy in
// test/unit/significance.test.ts (scripts/stats/significanceReference.py made the expected values).
import binomialCdf from '@stdlib/stats-base-dists-binomial-cdf';
import tCdf from '@stdlib/stats-base-dists-t-cdf';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import type { Interval } from './wilson';

/** One case's executions with a verdict in one run. */
export interface PairedCounts {
  caseId: string;
  passes: number;
  fails: number;
}

export type SignificanceVerdict = 'significant-regression' | 'significant-improvement' | 'within-noise' | 'no-change';

/** A change in pass rate between two runs, over the cases both have verdicts for. */
export interface PassRateChange {
  /** Cases with a verdict in both runs. */
  cases: number;
  previousPassRate: number | null;
  currentPassRate: number | null;
  /** currentPassRate − previousPassRate (0–1 scale); `null` without paired cases. */
  difference: number | null;
  /** 95% interval of the difference (paired t over per-case pass rates). */
  interval: Interval | null;
  test: 'mcnemar-exact' | 'paired-t';
  /** Two-sided; `null` without paired cases. */
  pValue: number | null;
  /** McNemar's discordant cases: passed before and failed now, and the other way round. */
  discordant?: { regressed: number; fixed: number };
  verdict: SignificanceVerdict;
  /** The sums the figures come from (for merging shards). */
  sums: PairedSums;
}

/** The level below which a change is called significant. */
export const SIGNIFICANCE_ALPHA = 0.05;

/**
 * What the test needs of the paired cases, as sums: shards of one run add theirs up (`assay merge`) and
 * get the figures of the whole run.
 */
export interface PairedSums {
  cases: number;
  sumPrevious: number;
  sumCurrent: number;
  /** Σ (current − previous) and Σ (current − previous)² over the cases' pass rates. */
  sumDiff: number;
  sumSquaredDiff: number;
  /** Cases that passed before and fail now, and the other way round (binary verdicts). */
  regressed: number;
  fixed: number;
  /** Some case has more than one verdict in a run (then the test is a paired t-test). */
  repeats: boolean;
}

/** Compares per-case pass counts of two runs (cases matched by id; cases in one run only are left out). */
export function passRateChange(previous: readonly PairedCounts[], current: readonly PairedCounts[]): PassRateChange {
  const before = new Map(previous.filter((c) => c.passes + c.fails > 0).map((c) => [c.caseId, c]));
  const sums: PairedSums = { cases: 0, sumPrevious: 0, sumCurrent: 0, sumDiff: 0, sumSquaredDiff: 0, regressed: 0, fixed: 0, repeats: false };
  for (const c of current) {
    const p = before.get(c.caseId);
    if (!p || c.passes + c.fails === 0) continue;
    if (p.passes + p.fails > 1 || c.passes + c.fails > 1) sums.repeats = true;
    const [a, b] = [p.passes / (p.passes + p.fails), c.passes / (c.passes + c.fails)];
    sums.cases++;
    sums.sumPrevious += a;
    sums.sumCurrent += b;
    sums.sumDiff += b - a;
    sums.sumSquaredDiff += (b - a) ** 2;
    if (a === 1 && b === 0) sums.regressed++;
    if (a === 0 && b === 1) sums.fixed++;
  }
  return passRateChangeFromSums(sums);
}

/** Adds up the sums of several parts of one run (shards). */
export function addPairedSums(parts: readonly PairedSums[]): PairedSums {
  const out: PairedSums = { cases: 0, sumPrevious: 0, sumCurrent: 0, sumDiff: 0, sumSquaredDiff: 0, regressed: 0, fixed: 0, repeats: false };
  for (const p of parts) {
    for (const k of ['cases', 'sumPrevious', 'sumCurrent', 'sumDiff', 'sumSquaredDiff', 'regressed', 'fixed'] as const) out[k] += p[k];
    out.repeats ||= p.repeats;
  }
  return out;
}

/** The change, its interval and its test from the paired sums. */
export function passRateChangeFromSums(sums: PairedSums): PassRateChange {
  const n = sums.cases;
  const test = sums.repeats ? 'paired-t' : 'mcnemar-exact';
  if (n === 0) return { cases: 0, previousPassRate: null, currentPassRate: null, difference: null, interval: null, test, pValue: null, verdict: 'no-change', sums };
  const t = pairedTFromSums(n, sums.sumDiff, sums.sumSquaredDiff);
  const discordant = sums.repeats ? undefined : { regressed: sums.regressed, fixed: sums.fixed };
  const pValue = discordant ? mcnemarExact(discordant.regressed, discordant.fixed) : t.pValue;
  const difference = t.mean;
  const verdict: SignificanceVerdict =
    difference === 0 && pValue >= SIGNIFICANCE_ALPHA ? 'no-change' : pValue < SIGNIFICANCE_ALPHA ? (difference < 0 ? 'significant-regression' : 'significant-improvement') : 'within-noise';
  return {
    cases: n,
    previousPassRate: sums.sumPrevious / n,
    currentPassRate: sums.sumCurrent / n,
    difference,
    // A difference of pass rates lies in [−1, 1]; the t interval of a few cases reaches past that.
    interval: t.interval && { low: Math.max(-1, t.interval.low), high: Math.min(1, t.interval.high) },
    test,
    pValue,
    ...(discordant ? { discordant } : {}),
    verdict,
    sums,
  };
}

/** Each verdict in words, as the reports end their sentence. */
export const VERDICT_WORDS: Record<SignificanceVerdict, string> = {
  'significant-regression': 'a significant regression',
  'significant-improvement': 'a significant improvement',
  'within-noise': 'within noise',
  'no-change': 'no change',
};

/**
 * The change in words, as the CLI and the results panel show it: "pass rate 80.0% → 70.0% (−10.0 pts,
 * 95% CI −16.2 to −3.8) on 200 shared cases; McNemar's exact test p = 0.0001: a significant regression".
 */
export function describeChange(s: PassRateChange): string {
  if (s.cases === 0 || s.difference === null || s.pValue === null) return 'no case has a verdict in both runs: nothing to test';
  const rate = (x: number | null): string => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);
  const pts = (x: number): string => `${x < 0 ? '−' : x > 0 ? '+' : '±'}${Math.abs(x * 100).toFixed(1)}`;
  const ci = s.interval ? `, 95% CI ${pts(s.interval.low)} to ${pts(s.interval.high)}` : '';
  const p = s.pValue < 0.0001 ? '< 0.0001' : `= ${s.pValue.toFixed(4)}`;
  const test = s.test === 'mcnemar-exact' ? "McNemar's exact test" : 'paired t-test over repeats';
  return `pass rate ${rate(s.previousPassRate)} → ${rate(s.currentPassRate)} (${pts(s.difference)} pts${ci}) on ${s.cases} shared case${s.cases === 1 ? '' : 's'}; ${test} p ${p}: ${VERDICT_WORDS[s.verdict]}`;
}


/** McNemar's exact test (two-sided): twice the binomial(b + c, ½) CDF at min(b, c), at most 1 (as statsmodels). */
export function mcnemarExact(b: number, c: number): number {
  if (b + c === 0) return 1;
  return Math.min(1, 2 * binomialCdf(Math.min(b, c), b + c, 0.5));
}

/** Paired t-test from n, Σd and Σd² of the differences: mean, 95% interval and two-sided p (scipy's ttest_rel on the pairs). */
export function pairedTFromSums(n: number, sum: number, sumSquares: number): { mean: number; interval: Interval | null; pValue: number } {
  const m = sum / n;
  if (n < 2) return { mean: m, interval: null, pValue: m === 0 ? 1 : Number.NaN };
  // Σ(d − m)² = Σd² − n·m², never below 0 (rounding).
  const variance = Math.max(0, sumSquares - n * m * m) / (n - 1);
  const se = Math.sqrt(variance / n);
  if (se === 0) return { mean: m, interval: { low: m, high: m }, pValue: m === 0 ? 1 : 0 };
  const df = n - 1;
  const t = m / se;
  const half = tQuantile(0.975, df) * se;
  return { mean: m, interval: { low: m - half, high: m + half }, pValue: Math.min(1, 2 * (1 - tCdf(Math.abs(t), df))) };
}
