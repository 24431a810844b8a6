// Percentiles of latency samples.

/**
 * The `p`-th percentile (0…100) by linear interpolation between closest ranks (the "R-7" definition, as
 * numpy and spreadsheets use): p50 of [1, 2, 3, 4] is 2.5. `null` for no samples; NaN samples are ignored.
 */
export function percentile(values: readonly number[], p: number): number | null {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const clamped = Math.min(100, Math.max(0, p));
  const h = ((sorted.length - 1) * clamped) / 100;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}
