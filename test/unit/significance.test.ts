// Significance of a change between two runs (issue #21), against scipy's values for the same pairs
// (test/fixtures/significance-reference.json, made by scripts/stats/significanceReference.py).
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mcnemarExact, passRateChange, type PairedCounts } from '../../src/core/stats/significance';

interface Reference {
  name: string;
  previous: PairedCounts[];
  current: PairedCounts[];
  test: 'mcnemar-exact' | 'paired-t';
  difference: number;
  low: number;
  high: number;
  pValue: number;
}

const REFERENCE = JSON.parse(readFileSync(join(__dirname, '../fixtures/significance-reference.json'), 'utf8')) as { scipy: string; cases: Reference[] };

const close = (actual: number | null | undefined, expected: number, what: string, rel = 1e-6): void => {
  assert.ok(actual !== null && actual !== undefined, `${what} is missing`);
  assert.ok(Math.abs(actual - expected) <= rel * Math.max(1e-12, Math.abs(expected)) + 1e-12, `${what}: ${actual} vs scipy ${expected}`);
};

describe(`significance of a change, against scipy ${REFERENCE.scipy}`, () => {
  for (const ref of REFERENCE.cases) {
    it(ref.name, () => {
      const change = passRateChange(ref.previous, ref.current);
      assert.equal(change.test, ref.test);
      assert.equal(change.cases, ref.previous.length);
      close(change.difference, ref.difference, 'difference', 1e-9);
      close(change.interval?.low, ref.low, 'interval low');
      close(change.interval?.high, ref.high, 'interval high');
      close(change.pValue, ref.pValue, 'p-value', 1e-5);
      const expected = ref.pValue < 0.05 ? (ref.difference < 0 ? 'significant-regression' : 'significant-improvement') : 'within-noise';
      assert.equal(change.verdict, expected);
    });
  }

  it('only cases with a verdict in both runs are paired; errors-only and one-sided cases are left out', () => {
    const change = passRateChange(
      [
        { caseId: 'a', passes: 1, fails: 0 },
        { caseId: 'b', passes: 0, fails: 0 },
        { caseId: 'gone', passes: 1, fails: 0 },
      ],
      [
        { caseId: 'a', passes: 0, fails: 1 },
        { caseId: 'b', passes: 1, fails: 0 },
        { caseId: 'new', passes: 0, fails: 1 },
      ],
    );
    assert.equal(change.cases, 1);
    assert.deepEqual(change.discordant, { regressed: 1, fixed: 0 });
    assert.equal(change.verdict, 'within-noise', 'one regression is no evidence');
  });

  it('no change and no shared cases are said so', () => {
    const same = [{ caseId: 'a', passes: 1, fails: 0 }, { caseId: 'b', passes: 0, fails: 1 }];
    assert.equal(passRateChange(same, same).verdict, 'no-change');
    assert.equal(passRateChange(same, [{ caseId: 'z', passes: 1, fails: 0 }]).cases, 0);
  });

  it("McNemar's exact p-value: symmetric, 1 without discordant pairs, small for lopsided ones", () => {
    assert.equal(mcnemarExact(0, 0), 1);
    assert.equal(mcnemarExact(3, 7), mcnemarExact(7, 3));
    close(mcnemarExact(0, 6), 2 / 64, 'all six one way');
  });
});
