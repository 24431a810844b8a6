// The Runs view shows one click as one run: the suites it ran (a prompt's inline cases, its paired bank)
// are separate runs in the history, tied by the `group` of their config, and merged into one row whose
// children are the traces of all of them. Real store (sql.js in its worker) on a temp file.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { TraceStore } from '../../src/core/store/traceStore';
import { describeRun, describeTrace, RunsTreeModel, type RunNode, type TraceNode } from '../../src/host/traces/runsTreeModel';
import { makeTrace, tempFolder } from '../support/storeFixtures';

const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);

describe('Runs view: the runs of one click', () => {
  let folder: ReturnType<typeof tempFolder>;
  let store: TraceStore;
  before(async () => {
    folder = tempFolder('assay-runs-');
    store = await TraceStore.open({ path: join(folder.dir, 'history.sqlite') });
    const run = async (bankPath: string, group: string | undefined, at: number, passes: number, trials: number, models: string[]) => {
      const id = await store.startRun({ kind: 'test', promptPath: 'triage.prompt', promptVersionId: null, bankPath, models, config: group ? { group } : {}, startedAt: at });
      await store.addTraces(models.map((m, i) => makeTrace({ runId: id, model: { provider: 'openai', model: m.split(':')[1]! }, startedAt: at + i + 1 })));
      const summary = { format: 'assay-test-run/1', suite: bankPath, models: models.map((model) => ({ model, passes: passes / models.length, trials: trials / models.length })) };
      await store.finishRun(id, { status: 'done', summary, endedAt: at + 500 });
      return id;
    };
    await run('triage.tests.yaml', undefined, T0, 2, 2, ['openai:a', 'openai:b']);
    await run('triage.prompt', 'click-1', T0 + 10_000, 4, 4, ['openai:a', 'openai:b']);
    await run('triage.tests.yaml', 'click-1', T0 + 10_001, 0, 4, ['openai:a', 'openai:b']);
  });
  after(async () => {
    await store.close();
    folder.cleanup();
  });

  it('lists the click as one row with both suites summed; its children are the traces of both', async () => {
    const model = new RunsTreeModel(async () => store, () => T0 + 60_000);
    const top = (await model.children()).filter((n): n is RunNode => n.kind === 'run');
    assert.strictEqual(top.length, 2, 'two clicks, two rows');
    const click = top[0]!;
    assert.strictEqual(click.members?.length, 2, 'the newest row holds both runs of its click');
    assert.match(describeRun(click.run, T0 + 60_000).description, /^test · a \+1 · 50% pass · /, '4 of 8 over both suites');
    assert.strictEqual(click.run.totals.traces, 4);
    const traces = await model.children(click);
    assert.strictEqual(traces.filter((n) => n.kind === 'trace').length, 4, 'two models × two suites');
    assert.strictEqual(model.runNode(click.members![1]!.id), click, 'either run finds the row (for refreshes)');
    assert.strictEqual(top[1]!.members, undefined, 'a run on its own stays as it was');
  });

  it("a tool loop's case is one row; its earlier steps open under it, first step first", async () => {
    const id = await store.startRun({ kind: 'test', promptPath: 'agent.prompt', promptVersionId: null, bankPath: 'agent.tests.yaml', models: ['openai:a'], config: {}, startedAt: T0 + 20_000 });
    const at = T0 + 20_001;
    await store.addTraces([
      makeTrace({ id: 'loop-step-0', runId: id, caseId: 'c1', parentId: 'loop-case', step: 0, text: '', startedAt: at }),
      makeTrace({ id: 'loop-step-1', runId: id, caseId: 'c1', parentId: 'loop-case', step: 1, text: 'Checking', startedAt: at + 1 }),
      makeTrace({ id: 'loop-case', runId: id, caseId: 'c1', step: 2, text: 'Done', startedAt: at + 2 }),
    ]);
    await store.finishRun(id, { status: 'done', endedAt: at + 500 });
    const model = new RunsTreeModel(async () => store, () => T0 + 60_000);
    const row = (await model.children()).find((n): n is RunNode => n.kind === 'run' && n.run.id === id)!;
    const traces = (await model.children(row)) as TraceNode[];
    assert.deepStrictEqual(traces.map((n) => n.trace.id), ['loop-case'], 'one row per case execution');
    assert.match(describeTrace(traces[0]!.trace).description, /^3 steps · /);
    const steps = (await model.children(traces[0])) as TraceNode[];
    assert.deepStrictEqual(steps.map((n) => n.trace.id), ['loop-step-0', 'loop-step-1']);
    assert.match(describeTrace(steps[1]!.trace).description, /^step 2 · /);
    assert.deepStrictEqual(await model.children(steps[0]), [], 'a step has no children');
  });
});
