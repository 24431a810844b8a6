// How every view writes money and durations, so the tree, the lenses and the webviews agree.

/** US dollars: `$0`; two decimals from $0.10; else two significant digits ($0.012, $0.000088); never an exponent. */
export function formatUsd(n: number): string {
  if (!Number.isFinite(n) || n <= 0) return '$0';
  if (n >= 0.1) return `$${n.toFixed(2)}`;
  if (n < 0.000001) return '<$0.000001';
  // Above 1e-6 JavaScript prints plain decimals, so rounding to 2 significant digits is enough.
  return `$${Number(n.toPrecision(2))}`;
}

/** A call's or run's cost; `null` (no known price) is "cost unknown", never a made-up figure. */
export function formatCost(cost: number | null | undefined): string {
  return cost === null || cost === undefined ? 'cost unknown' : formatUsd(cost);
}

/** A cost shown after a "cost" label: `$0.012`, or `unknown` (never "cost cost unknown"). */
export function formatCostFigure(cost: number | null | undefined): string {
  return cost === null || cost === undefined ? 'unknown' : formatUsd(cost);
}

/** `182 ms`, `2.35 s`; `—` when unknown. */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/**
 * A call's latency. A failed call with no elapsed time never left the machine (no key, a bad request,
 * cancelled while queued): it is "not sent", not "0 ms".
 */
export function formatCallLatency(ms: number | null | undefined, failed: boolean): string {
  return failed && ms === 0 ? 'not sent' : formatMs(ms);
}
