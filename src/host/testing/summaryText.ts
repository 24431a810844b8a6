import { formatUsd } from '../../shared/format';
// The one-line summary of a test run that the CodeLens, the status bar and the notification show, e.g.
// `✓ 18/20 · 2 flaky · $0.012 · 3 min ago`. Pure: no `vscode`.

/** What a summary needs, from a run report or from a run stored in history. */
export interface RunGist {
  passed: number;
  /** Executions (errors included). */
  total: number;
  errors: number;
  flaky: number;
  /** USD, known costs only. */
  cost: number;
  /** Some executions have no known cost. */
  costUnknown: boolean;
  endedAt: number;
  cancelled: boolean;
}

/** `$0.012`, `$1.25`, `$0` — two significant digits below 10 cents. */
/** `just now`, `3 min ago`, `2 h ago`, `5 days ago`. */
export function timeAgo(then: number, now: number): string {
  const s = Math.max(0, Math.round((now - then) / 1000));
  if (s < 45) return 'just now';
  const min = Math.round(s / 60);
  if (min < 60) return `${min} min ago`;
  const h = Math.round(min / 60);
  if (h < 24) return `${h} h ago`;
  const d = Math.round(h / 24);
  return `${d} day${d === 1 ? '' : 's'} ago`;
}

/** `✓ 18/20 · 2 flaky · $0.012 · 3 min ago` (✓ all passed, ✗ something failed, ⚠ only errors). */
export function summaryText(g: RunGist, now = Date.now()): string {
  const icon = g.cancelled ? '⊘' : g.passed === g.total ? '✓' : g.total - g.passed - g.errors > 0 ? '✗' : '⚠';
  const parts = [`${icon} ${g.passed}/${g.total}`];
  if (g.flaky > 0) parts.push(`${g.flaky} flaky`);
  if (g.errors > 0) parts.push(`${g.errors} error${g.errors === 1 ? '' : 's'}`);
  parts.push(g.costUnknown ? (g.cost > 0 ? `${formatUsd(g.cost)} + unknown` : 'cost unknown') : formatUsd(g.cost));
  parts.push(timeAgo(g.endedAt, now));
  if (g.cancelled) parts.push('cancelled');
  return parts.join(' · ');
}
