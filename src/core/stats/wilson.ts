// Confidence intervals for pass rates.

/** z for a two-sided 95% interval (the 97.5th percentile of the standard normal distribution). */
export const Z_95 = 1.959964;

/** A closed interval of proportions. */
export interface Interval {
  low: number;
  high: number;
}

/**
 * Wilson score interval for `successes` out of `trials` (default 95%). Unlike the normal approximation it
 * stays within [0, 1] and is sensible for 0/n and n/n. With no trials it is the uninformative [0, 1].
 */
export function wilsonInterval(successes: number, trials: number, z = Z_95): Interval {
  if (!(trials > 0)) return { low: 0, high: 1 };
  const s = Math.min(Math.max(successes, 0), trials);
  const p = s / trials;
  const z2 = z * z;
  const denominator = 1 + z2 / trials;
  const center = (p + z2 / (2 * trials)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  // Exact ends for 0/n and n/n (the formula gives them up to rounding).
  return { low: s === 0 ? 0 : Math.max(0, center - half), high: s === trials ? 1 : Math.min(1, center + half) };
}
