// The command line the Test Explorer's batch profile runs: it must say exactly what was picked, since
// `assay test --resume` rebuilds the run from it; picks it cannot say are refused.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { batchCommand, commonFolder, type PlannedBatchSuite } from '../../src/host/testing/batchArgs';

const root = join('/', 'ws');
const model = (provider: string, name: string, extra: object = {}) => ({ ref: { provider, model: name }, label: `${provider}:${name}`, ...extra });
const suite = (target: PlannedBatchSuite['target'], ids: string[], models = [model('openai', 'gpt-4o-mini')]): PlannedBatchSuite =>
  ({ target, suite: { name: target.promptPath, cases: ids.map((id) => ({ id })), models } }) as unknown as PlannedBatchSuite;
const report = join(root, '.assay', 'batch-reports', 'r.json');

describe('batch profile command line', () => {
  it('names each picked file once, relative to their deepest common folder, with the report', () => {
    const cmd = batchCommand([suite({ promptPath: join(root, 'a', 'x.prompt') }, ['c1']), suite({ promptPath: join(root, 'b', 'y.prompt'), bankPath: join(root, 'b', 'y.tests.yaml') }, ['c2'])], { reportPath: report });
    assert.deepStrictEqual(cmd, { argv: ['test', '--batch', join('a', 'x.prompt'), join('b', 'y.tests.yaml'), '--json', report], cwd: root });
  });

  it('with some cases picked, names every case of every suite; with models picked, the one model list', () => {
    const cmd = batchCommand([suite({ promptPath: join(root, 'x.prompt'), caseIds: ['c1'], models: ['openai:gpt-4o-mini'] }, ['c1']), suite({ promptPath: join(root, 'y.prompt') }, ['c2', 'c3'])], { reportPath: report, pollMaxSeconds: 5 });
    assert.ok(!('error' in cmd));
    assert.deepStrictEqual(cmd.argv.slice(2), ['x.prompt', 'y.prompt', '--case', 'c1', '--case', 'c2', '--case', 'c3', '--models', 'openai:gpt-4o-mini', '--batch-poll-max', '5', '--json', report]);
  });

  const refused: [string, PlannedBatchSuite[], RegExp][] = [
    ['a shared case id', [suite({ promptPath: join(root, 'x.prompt'), caseIds: ['c1'] }, ['c1']), suite({ promptPath: join(root, 'y.prompt') }, ['c1'])], /share a case/],
    ['different picked models', [suite({ promptPath: join(root, 'x.prompt'), models: ['openai:a'] }, ['c1'], [model('openai', 'a')]), suite({ promptPath: join(root, 'y.prompt') }, ['c2'], [model('openai', 'b')])], /different models/],
    ['a picked model with settings', [suite({ promptPath: join(root, 'x.prompt'), models: ['openai:a'] }, ['c1'], [model('openai', 'a', { params: { temperature: 0 } })])], /settings of its own/],
    ['a file picked twice', [suite({ promptPath: join(root, 'x.prompt') }, ['c1']), suite({ promptPath: join(root, 'x.prompt'), caseIds: ['c1'] }, ['c1'])], /picked twice/],
    ['cases by position (CodeLens)', [suite({ promptPath: join(root, 'x.prompt'), caseRefs: [{ file: join(root, 'x.prompt'), index: 0 }] }, ['c1'])], /Test Explorer/],
  ];
  for (const [why, suites, message] of refused) {
    it(`refuses ${why}`, () => {
      const cmd = batchCommand(suites, { reportPath: report });
      assert.ok('error' in cmd, why);
      assert.match(cmd.error, message);
    });
  }

  it('finds the deepest common folder', () => {
    assert.strictEqual(commonFolder([join(root, 'a', 'b', 'x'), join(root, 'a', 'c', 'y')]), join(root, 'a'));
    assert.strictEqual(commonFolder([join(root, 'a', 'x')]), join(root, 'a'));
  });
});
