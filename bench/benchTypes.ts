/** One measured figure, as `npm run bench` prints and records it. */
export interface BenchResult {
  /** What was measured, e.g. "parse + validate, 2,000-line prompt file (median)". */
  what: string;
  /** The figure with its unit, e.g. "3.2 ms". */
  figure: string;
  /** The target from DESIGN.md §7, e.g. "≤ 10 ms"; "—" for informational rows. */
  target: string;
  /** Whether the figure meets the target; `null` when there is no target. */
  pass: boolean | null;
}

/** Each `bench/*.bench.ts` exports one of these. */
export type BenchSuite = () => Promise<BenchResult[]>;
