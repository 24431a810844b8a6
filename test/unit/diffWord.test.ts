import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { coarseWordDiff, wordDiff, type DiffPart } from '../../src/core/diff/wordDiff';

/** The left text is what is not added; the right text is what is not removed. */
function sides(parts: DiffPart[]): { left: string; right: string } {
  return {
    left: parts.filter((p) => p.kind !== 'added').map((p) => p.value).join(''),
    right: parts.filter((p) => p.kind !== 'removed').map((p) => p.value).join(''),
  };
}

const show = (parts: DiffPart[]): string => parts.map((p) => (p.kind === 'same' ? p.value : p.kind === 'added' ? `{+${p.value}+}` : `[-${p.value}-]`)).join('');

describe('word diff', () => {
  const cases: { left: string; right: string; expected: string; added: number; removed: number; why: string }[] = [
    { left: 'billing normal', right: 'billing high', expected: 'billing [-normal-]{+high+}', added: 1, removed: 1, why: 'one word replaced' },
    { left: 'the quick fox', right: 'the quick brown fox', expected: 'the quick {+brown +}fox', added: 1, removed: 0, why: 'a word inserted with its space' },
    { left: 'a b c', right: 'a c', expected: 'a [-b -]c', added: 0, removed: 1, why: 'a word deleted' },
    { left: '', right: 'new text', expected: '{+new text+}', added: 2, removed: 0, why: 'everything added' },
    { left: 'old', right: '', expected: '[-old-]', added: 0, removed: 1, why: 'everything removed' },
    { left: 'line one\nline two', right: 'line one\nline 2', expected: 'line one\nline [-two-]{+2+}', added: 1, removed: 1, why: 'newlines are kept as whitespace tokens' },
  ];
  for (const c of cases) {
    it(`diffs: ${c.why}`, () => {
      const d = wordDiff(c.left, c.right);
      assert.strictEqual(show(d.parts), c.expected, c.why);
      assert.strictEqual(d.added, c.added, 'added words');
      assert.strictEqual(d.removed, c.removed, 'removed words');
      assert.strictEqual(d.identical, false);
      assert.strictEqual(d.approximate, false);
    });
  }

  it('reports identical texts as one unchanged part', () => {
    assert.deepStrictEqual(wordDiff('same words', 'same words'), { parts: [{ value: 'same words', kind: 'same' }], added: 0, removed: 0, identical: true, approximate: false });
    assert.deepStrictEqual(wordDiff('', '').parts, [], 'two empty outputs have no parts');
  });

  it('always rebuilds both texts from the parts (property)', () => {
    const words = fc.array(fc.constantFrom('a', 'b', 'billing', 'bug', ' ', '\n', '  ', '{', '}', 'é'), { maxLength: 40 }).map((w) => w.join(''));
    fc.assert(
      fc.property(words, words, (left, right) => {
        const d = wordDiff(left, right);
        const s = sides(d.parts);
        assert.strictEqual(s.left, left, 'left side rebuilt');
        assert.strictEqual(s.right, right, 'right side rebuilt');
      }),
      { numRuns: 300 },
    );
  });

  it('falls back to common head and tail around one change (the timeout path)', () => {
    const parts = coarseWordDiff('keep this start, old middle words, keep this end', 'keep this start, a new middle, keep this end');
    assert.strictEqual(show(parts), 'keep this start, [-old middle words,-]{+a new middle,+} keep this end');
    const s = sides(parts);
    assert.strictEqual(s.left, 'keep this start, old middle words, keep this end');
    assert.strictEqual(s.right, 'keep this start, a new middle, keep this end');
  });

  it('stays exact on long outputs that differ a little', () => {
    const left = Array.from({ length: 3000 }, (_, i) => `word${i}`).join(' ');
    const right = left.replace('word1500', 'changed');
    const d = wordDiff(left, right);
    assert.strictEqual(d.approximate, false, 'a small change in 3,000 words is diffed exactly');
    assert.strictEqual(d.added, 1);
    assert.strictEqual(d.removed, 1);
  });
});
