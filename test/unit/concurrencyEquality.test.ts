// Issue #19: a run at high concurrency gives the same results, in the same order, as the same run at
// concurrency 1 — whatever order the server answers in. The mock answers each case after a latency of
// its own, so at concurrency 32 the answers come back shuffled; the real openai SDK carries every call.
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProviderRegistry } from '../../src/core/providers/providerRegistry';
import { Engine } from '../../src/core/run/engine';
import { LoopBudget } from '../../src/core/run/loopBudget';
import { runTests } from '../../src/core/run/testRun';
import { bankFileSuite } from '../../src/core/run/testSuite';
import { mockProviderConfigs } from '../support/mockLlmProviders';
import { startMockLlm, type MockLlm } from '../support/mockLlmServer';
import { tempFolder } from '../support/storeFixtures';
import { TEST_FILES } from '../support/testFiles';

const CASES = 90;

const PROMPT = `---
models: [openai:gpt-4o-mini, openai:gpt-4.1-mini]
inputs:
  n: { type: number }
---
user:
Ticket {{ n }}: route it
`;

/** Cases whose verdicts differ: every third fails its `contains`, every fifth is graded by a javascript assertion. */
function bank(): string {
  const lines = ['defaults:', '  assert:', '    - type: not-icontains', '      value: error', 'tests:'];
  for (let i = 0; i < CASES; i++) {
    lines.push(`  - description: case ${i}`, `    vars: { n: ${i} }`, '    assert:', '      - type: contains', `        value: "${i % 3 === 0 ? 'absent' : `Ticket ${i}:`}"`);
    if (i % 5 === 0) lines.push('      - type: javascript', `        value: "output.length / 100"`);
  }
  return lines.join('\n') + '\n';
}

describe('results at high concurrency equal results at concurrency 1', function () {
  this.timeout(60_000);
  let folder: ReturnType<typeof tempFolder>;
  let mock: MockLlm;
  beforeEach(async () => {
    folder = tempFolder('assay-concurrency-');
    // A latency of its own per case and model (0–9 ms), so answers overtake one another at high concurrency.
    mock = await startMockLlm({
      record: false,
      reply: async (req) => {
        const n = Number(/Ticket (\d+)/.exec(req.prompt)?.[1] ?? 0);
        await new Promise((resolve) => setTimeout(resolve, (n * 7 + req.model.length) % 10));
        return { text: `Echo: ${req.prompt} [${req.model}]`, usage: { input: 10 + (n % 4), output: 5 + (n % 3) } };
      },
    });
  });
  afterEach(async () => {
    await mock.close();
    folder.cleanup();
  });

  /** `loopBudget`: as in the editor, the run's jobs and calls pass through one (of 0 ms: a job per turn of the loop). */
  async function run(concurrency: number, loopBudget?: LoopBudget) {
    writeFileSync(join(folder.dir, 'route.prompt'), PROMPT);
    writeFileSync(join(folder.dir, 'route.tests.yaml'), bank());
    const suite = bankFileSuite(join(folder.dir, 'route.tests.yaml'), join(folder.dir, 'route.prompt'), { root: folder.dir, defaultModels: [], files: TEST_FILES });
    assert.deepStrictEqual(suite.diagnostics, []);
    const engine = new Engine({ registry: new ProviderRegistry({ providers: mockProviderConfigs(mock) }), concurrency, ...(loopBudget ? { loopBudget } : {}) });
    const order: string[] = [];
    const report = await runTests({
      suite,
      engine,
      grading: { graderModel: { provider: 'echo', model: 'g' } },
      trusted: true,
      repeat: 2,
      ...(loopBudget ? { loopBudget } : {}),
      onCaseFinished: (e) => order.push(`${e.caseId} ${e.model} ${e.repeatIndex}`),
    });
    // What a run means: everything but timings, ids and the order events arrived in.
    const results = report.executions.map((e) => ({
      caseId: e.caseId,
      model: e.model,
      repeatIndex: e.repeatIndex,
      status: e.status,
      score: e.score,
      reason: e.reason,
      output: e.output,
      usage: e.usage,
      cost: e.cost,
      assertions: e.assertions,
    }));
    return { results, totals: report.totals, order };
  }

  it('same executions, verdicts, scores, costs and totals at concurrency 1 and 32', async () => {
    const one = await run(1);
    const many = await run(32);
    assert.equal(one.results.length, CASES * 2 * 2);
    assert.deepStrictEqual(many.results, one.results);
    assert.deepStrictEqual(many.totals, one.totals);
    assert.ok(one.results.some((r) => r.status === 'fail') && one.results.some((r) => r.status === 'pass'), 'the bank has both verdicts');
    // The calls did overlap and finish out of order at 32: otherwise this test would prove nothing.
    assert.notDeepStrictEqual(many.order, one.order, 'at concurrency 32 cases finish in another order than at 1');
  });

  it('the same when the jobs and calls are spread over turns of the event loop (the editor\'s loop budget)', async () => {
    const one = await run(1);
    const spread = await run(32, new LoopBudget(0));
    assert.deepStrictEqual(spread.results, one.results);
    assert.deepStrictEqual(spread.totals, one.totals);
  });
});
