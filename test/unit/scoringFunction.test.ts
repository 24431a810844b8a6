// promptfoo's assertScoringFunction: read on a test or defaultTest (made absolute, the case's own winning),
// then run on the named scores with promptfoo's arguments; a bad answer fails the test, never passes it.
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AssertionResult, CaseVerdict } from '../../src/core/assertions/assertionTypes';
import { applyScoringFunction } from '../../src/core/assertions/scoringFunction';
import { promptfooSuites } from '../../src/core/run/testSuite';
import { parsePromptfooConfig } from '../../src/core/testBank/promptfooConfig';
import { tempFolder } from '../support/storeFixtures';
import { TEST_FILES } from '../support/testFiles';

const result = (metric: string, score: number, weight = 1): AssertionResult => ({ type: 'llm-rubric', index: 0, pass: score >= 0.5, score, reason: 'r', weight, metric, rawPass: score >= 0.5, modelGraded: true });
const verdict = (results: AssertionResult[]): CaseVerdict => ({ pass: true, score: 0.5, reason: 'weighted mean', results, namedScores: {}, graderCost: 0 });

describe('promptfoo assertScoringFunction', () => {
  let folder: ReturnType<typeof tempFolder>;
  before(() => {
    folder = tempFolder('assay-scoring-');
    writeFileSync(join(folder.dir, 'min.js'), 'module.exports.min = (scores, ctx) => { const s = Math.min(...Object.values(scores)); return { pass: s >= (ctx.threshold ?? 0.7), score: s, reason: `min ${s} of ${ctx.componentResults.length}` }; };\n');
    writeFileSync(join(folder.dir, 'bad.js'), 'module.exports = () => 42;\n');
    writeFileSync(join(folder.dir, 'acc.py'), 'def only_accuracy(scores, context):\n    return {"pass": scores["accuracy"] > 0.5, "score": scores["accuracy"], "reason": "accuracy"}\n');
  });
  after(() => folder.cleanup());

  const cases: [string, string, number | undefined, Partial<CaseVerdict>][] = [
    ['a JavaScript function gets the named scores (weighted means) and the threshold', 'min.js:min', 0.3, { pass: true, score: 0.4, reason: 'min 0.4 of 3' }],
    ['the default threshold of the function applies when the test sets none', 'min.js:min', undefined, { pass: false, score: 0.4 }],
    ['a Python function', 'acc.py:only_accuracy', undefined, { pass: true, score: 0.9, reason: 'accuracy' }],
    ['an answer that is no verdict fails the test', 'bad.js', undefined, { pass: false, score: 0, reason: 'Scoring function error: the assertion scoring function must return { pass, score, reason }' }],
  ];
  for (const [why, ref, threshold, expected] of cases) {
    it(why, async () => {
      const v = verdict([result('accuracy', 0.9), result('fluency', 0.2, 1), result('fluency', 0.6, 1)]);
      const out = await applyScoringFunction(`file://${join(folder.dir, ref)}`, v, threshold, { trusted: true });
      assert.deepStrictEqual({ pass: out.pass, score: Math.round(out.score * 1000) / 1000, ...(expected.reason ? { reason: out.reason } : {}) }, expected);
    });
  }

  it('refuses to run where workspace code may not run, failing the test', async () => {
    const out = await applyScoringFunction(`file://${join(folder.dir, 'min.js:min')}`, verdict([result('a', 1)]), undefined, { trusted: false });
    assert.equal(out.pass, false);
    assert.match(out.reason, /only in a trusted workspace/);
  });

  it('in an untrusted workspace, a config with a scoring function is an error before any call', async () => {
    const file = join(folder.dir, 'promptfooconfig.yaml');
    writeFileSync(file, 'prompts: [hi]\nproviders: [echo]\ntests:\n  - vars: { a: 1 }\n    assertScoringFunction: file://min.js:min\n');
    const suites = await promptfooSuites(file, { root: folder.dir, defaultModels: [], files: TEST_FILES, trusted: false });
    assert.match(suites.flatMap((s) => s.diagnostics.map((d) => `${d.code}: ${d.message}`)).join('\n'), /untrusted-code: a test: assertScoringFunction runs code/);
  });

  it('is read on defaultTest and on a test (the test wins), made absolute; a missing file is an error where it is written', () => {
    const config = parsePromptfooConfig(
      'prompts: [hi]\nproviders: [echo]\ndefaultTest:\n  assertScoringFunction: file://min.js:min\ntests:\n  - vars: { a: 1 }\n  - vars: { a: 2 }\n    assertScoringFunction: file://acc.py:only_accuracy\n  - vars: { a: 3 }\n    assertScoringFunction: file://nope.js\n',
      join(folder.dir, 'promptfooconfig.yaml'),
      TEST_FILES,
    );
    assert.equal(config.tests.defaults.assertScoringFunction, `file://${join(folder.dir, 'min.js')}:min`);
    assert.deepStrictEqual(config.tests.cases.map((c) => c.assertScoringFunction), [undefined, `file://${join(folder.dir, 'acc.py')}:only_accuracy`, undefined]);
    assert.deepStrictEqual(config.tests.diagnostics.map((d) => [d.code, d.message]), [['file-not-found', 'assertScoringFunction: file not found: nope.js']]);
  });
});
