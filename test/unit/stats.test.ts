import * as assert from 'node:assert/strict';
import { compareCaseStatuses, compareRuns } from '../../src/core/stats/compareRuns';
import { percentile } from '../../src/core/stats/percentiles';
import { caseStatusKind, summarizeRun, type CaseStatus, type CaseStatusKind, type Execution } from '../../src/core/stats/runStats';
import { wilsonInterval, Z_95 } from '../../src/core/stats/wilson';

describe('Wilson score interval (95%)', () => {
  // Reference figures to 4 decimals, as published for the Wilson interval at 95% (R's prop.test without
  // continuity correction reports the same), the first three from the issue.
  const known: [number, number, number, number, string][] = [
    [8, 10, 0.4902, 0.9433, '8/10'],
    [0, 10, 0, 0.2775, '0/10 starts exactly at 0'],
    [10, 10, 0.7225, 1, '10/10 ends exactly at 1'],
    [5, 10, 0.2366, 0.7634, '5/10 is symmetric around 0.5'],
    [50, 100, 0.4038, 0.5962, '50/100'],
    [1, 1, 0.2065, 1, 'a single pass'],
    [0, 1, 0, 0.7935, 'a single failure'],
    [81, 263, 0.2553, 0.3662, '81/263'],
  ];
  for (const [s, n, low, high, why] of known) {
    it(why, () => {
      const { low: l, high: h } = wilsonInterval(s, n);
      assert.strictEqual(Number(l.toFixed(4)), low, `low of ${s}/${n}: ${l}`);
      assert.strictEqual(Number(h.toFixed(4)), high, `high of ${s}/${n}: ${h}`);
    });
  }

  it('no trials: the uninformative [0, 1]; z is the 97.5th normal percentile', () => {
    assert.deepStrictEqual(wilsonInterval(0, 0), { low: 0, high: 1 });
    assert.strictEqual(Z_95, 1.959964);
  });

  it('narrows as trials grow at the same rate', () => {
    const widths = [10, 100, 1000].map((n) => {
      const i = wilsonInterval(0.8 * n, n);
      return i.high - i.low;
    });
    assert.ok(widths[0] > widths[1] && widths[1] > widths[2], `widths ${widths.join(', ')}`);
  });
});

describe('percentiles', () => {
  const cases: [number[], number, number | null, string][] = [
    [[1, 2, 3, 4], 50, 2.5, 'median of an even count interpolates'],
    [[5, 1, 3], 50, 3, 'unsorted input'],
    [[10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 95, 95.5, 'p95 of 10..100'],
    [[7], 95, 7, 'one sample'],
    [[1, 2], 0, 1, 'p0 is the minimum'],
    [[1, 2], 100, 2, 'p100 is the maximum'],
    [[], 50, null, 'no samples'],
  ];
  for (const [values, p, expected, why] of cases) {
    it(why, () => assert.strictEqual(percentile(values, p), expected));
  }
});

const exec = (caseId: string, model: string, pass: boolean, extra: Partial<Execution> = {}): Execution => ({ caseId, model, pass, cost: 0.001, latencyMs: 100, ...extra });

describe('run statistics', () => {
  const executions: Execution[] = [
    // gpt: case a passes 3/3, b fails 3/3, c flaky 2/3; one call errored
    ...[1, 2, 3].map((i) => exec('a', 'openai:gpt', true, { latencyMs: 100 * i })),
    ...[4, 5, 6].map((i) => exec('b', 'openai:gpt', false, { latencyMs: 100 * i })),
    exec('c', 'openai:gpt', true, { latencyMs: 700 }),
    exec('c', 'openai:gpt', false, { latencyMs: 800 }),
    exec('c', 'openai:gpt', true, { latencyMs: 900, cacheHit: true }),
    exec('d', 'openai:gpt', false, { error: true, cost: null, latencyMs: 5 }),
    // claude: unknown price
    exec('a', 'anthropic:claude', true, { cost: null }),
    exec('b', 'anthropic:claude', true, { cost: null }),
  ];
  const [gpt, claude] = summarizeRun(executions);

  it('pass rate per model over executions with a verdict, errors apart', () => {
    assert.deepStrictEqual([gpt.model, gpt.trials, gpt.passes, gpt.fails, gpt.errors], ['openai:gpt', 9, 5, 4, 1]);
    assert.strictEqual(gpt.passRate, 5 / 9);
    assert.deepStrictEqual(gpt.interval, wilsonInterval(5, 9));
    assert.deepStrictEqual([claude.passRate, claude.interval.high], [1, 1]);
  });

  it('flags a case that both passed and failed as flaky', () => {
    assert.deepStrictEqual(gpt.flaky, ['c']);
    assert.deepStrictEqual(
      gpt.cases.map((c) => [c.caseId, c.status]),
      [
        ['a', 'pass'],
        ['b', 'fail'],
        ['c', 'flaky'],
        ['d', 'error'],
      ],
    );
  });

  it('totals known costs and counts unknown ones', () => {
    assert.ok(Math.abs(gpt.cost.total - 0.009) < 1e-12, `gpt cost ${gpt.cost.total}`);
    assert.strictEqual(gpt.cost.unknown, 0, 'an errored call is not an unknown price');
    assert.deepStrictEqual(claude.cost, { total: 0, unknown: 2 });
  });

  it('latency percentiles leave out cache hits and errors', () => {
    // samples 100..800 (8 values): p50 = 450, p95 = 765
    assert.deepStrictEqual(gpt.latency, { p50: 450, p95: 765, samples: 8 });
  });

  it('case status from counts', () => {
    const cases: [number, number, number, CaseStatusKind][] = [
      [3, 0, 0, 'pass'],
      [0, 2, 0, 'fail'],
      [1, 1, 0, 'flaky'],
      [2, 0, 1, 'pass'],
      [0, 0, 2, 'error'],
    ];
    for (const [p, f, e, expected] of cases) assert.strictEqual(caseStatusKind(p, f, e), expected, `${p}/${f}/${e}`);
  });

  it('an empty run has no models', () => {
    assert.deepStrictEqual(summarizeRun([]), []);
  });
});

describe('run comparison', () => {
  const status = (caseId: string, s: CaseStatusKind): CaseStatus => ({ caseId, passes: 0, fails: 0, errors: 0, status: s });
  const previous = [status('a', 'pass'), status('b', 'pass'), status('c', 'fail'), status('d', 'fail'), status('e', 'pass'), status('f', 'error'), status('gone', 'pass'), status('h', 'flaky')];
  const current = [status('a', 'pass'), status('b', 'fail'), status('c', 'pass'), status('d', 'flaky'), status('e', 'error'), status('f', 'pass'), status('new', 'fail'), status('h', 'pass')];
  const cmp = compareCaseStatuses(previous, current);
  const ids = (list: { caseId: string }[]) => list.map((c) => c.caseId);

  it('regressions: passed → failing (fail or flaky)', () => assert.deepStrictEqual(cmp.regressions, [{ caseId: 'b', previous: 'pass', current: 'fail' }]));
  it('fixes: failing → passed', () => assert.deepStrictEqual(ids(cmp.fixes), ['c', 'h']));
  it('still failing', () => assert.deepStrictEqual(cmp.stillFailing, [{ caseId: 'd', previous: 'fail', current: 'flaky' }]));
  it('new cases, including ones that only errored before', () => assert.deepStrictEqual(ids(cmp.newCases), ['f', 'new']));
  it('removed cases', () => assert.deepStrictEqual(cmp.removedCases, [{ caseId: 'gone', previous: 'pass' }]));
  it('errored now: not compared', () => assert.deepStrictEqual(ids(cmp.errored), ['e']));
  it('unchanged passing count', () => assert.strictEqual(cmp.unchangedPassing, 1));

  it('compareRuns matches models; a model new to the run has only new cases', () => {
    const before = summarizeRun([exec('a', 'm1', true), exec('b', 'm1', true)]);
    const after = summarizeRun([exec('a', 'm1', false), exec('b', 'm1', true), exec('a', 'm2', true)]);
    const result = compareRuns(before, after);
    assert.deepStrictEqual(result.map((r) => [r.model, ids(r.comparison.regressions), ids(r.comparison.newCases), r.comparison.unchangedPassing]), [
      ['m1', ['a'], [], 1],
      ['m2', [], ['a'], 0],
    ]);
  });
});
