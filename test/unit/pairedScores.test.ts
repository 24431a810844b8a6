// A paired test on per-case scores (issue #21): the paired t-test and the Wilcoxon signed-rank test against
// scipy's ttest_rel and wilcoxon on the same pairs (test/fixtures/significance-reference.json, "scores",
// made by scripts/stats/significanceReference.py).
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scoreChange, wilcoxonSignedRank, type CaseScores } from '../../src/core/stats/pairedScores';

interface Reference {
  name: string;
  previous: CaseScores[];
  current: CaseScores[];
  difference: number;
  low: number;
  high: number;
  tPValue: number | null;
  wilcoxon: { statistic: number; pValue: number; method: 'exact' | 'normal' } | null;
}

const REFERENCE = JSON.parse(readFileSync(join(__dirname, '../fixtures/significance-reference.json'), 'utf8')) as { scipy: string; scores: Reference[] };

const close = (actual: number | null | undefined, expected: number, what: string, rel = 1e-9): void => {
  assert.ok(actual !== null && actual !== undefined, `${what} is missing`);
  assert.ok(Math.abs(actual - expected) <= rel * Math.abs(expected) + 1e-12, `${what}: ${actual} vs scipy ${expected}`);
};

describe(`paired tests on scores, against scipy ${REFERENCE.scipy}`, () => {
  for (const ref of REFERENCE.scores) {
    it(ref.name, () => {
      const change = scoreChange(ref.previous, ref.current);
      assert.equal(change.cases, ref.previous.length);
      close(change.difference, ref.difference, 'difference');
      // Every difference zero: scipy answers NaN; Assay says p = 1 (nothing moved).
      if (ref.tPValue === null) assert.equal(change.tPValue, 1);
      else {
        close(change.tPValue, ref.tPValue, 't p-value', 1e-6);
        close(change.interval?.low, ref.low, 'interval low', 1e-6);
        close(change.interval?.high, ref.high, 'interval high', 1e-6);
      }
      if (ref.wilcoxon === null) {
        assert.equal(change.wilcoxon, null);
        assert.equal(change.verdict, 'no-change');
        return;
      }
      assert.equal(change.wilcoxon?.method, ref.wilcoxon.method);
      assert.equal(change.wilcoxon?.statistic, ref.wilcoxon.statistic);
      close(change.wilcoxon?.pValue, ref.wilcoxon.pValue, 'Wilcoxon p-value', 1e-9);
      const expected = ref.wilcoxon.pValue < 0.05 ? (ref.difference < 0 ? 'significant-regression' : 'significant-improvement') : 'within-noise';
      assert.equal(change.verdict, expected);
    });
  }

  it('pairs by case id, averages repeats, and leaves out cases scored in one run only', () => {
    const change = scoreChange(
      [
        { caseId: 'a', scores: [1, 0] },
        { caseId: 'b', scores: [1] },
        { caseId: 'gone', scores: [1] },
        { caseId: 'errored', scores: [] },
      ],
      [
        { caseId: 'b', scores: [0.5] },
        { caseId: 'a', scores: [0.25, 0.25, 0.25] },
        { caseId: 'new', scores: [1] },
        { caseId: 'errored', scores: [0.5] },
      ],
    );
    assert.equal(change.cases, 2);
    assert.equal(change.previousMean, 0.75);
    assert.equal(change.currentMean, 0.375);
    assert.equal(change.difference, -0.375);
  });

  it('the exact Wilcoxon distribution: the smallest two-sided p for n pairs is 2 / 2ⁿ', () => {
    assert.equal(wilcoxonSignedRank([0.1, 0.2, 0.3, 0.4, 0.5])?.pValue, 2 / 32);
    assert.equal(wilcoxonSignedRank([-0.1, -0.2, -0.3, -0.4, -0.5, -0.6])?.pValue, 2 / 64);
    assert.equal(wilcoxonSignedRank([]), null);
    assert.equal(wilcoxonSignedRank([0, 0]), null);
  });
});
