// Batch runs end to end: runTests with a BatchDispatcher, the real registry, engine and SDKs
// (`client.files`, `client.batches`, `client.messages.batches`) against the local batch server, and the
// real history store in a temp folder.
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BatchDispatcher, type BatchEvent, type BatchRef } from '../../src/core/batch/batchDispatcher';
import { ExecutionSlot, WorkGate } from '../../src/core/batch/executionSlot';
import { PriceBook } from '../../src/core/pricing/pricing';
import { ProviderRegistry } from '../../src/core/providers/providerRegistry';
import type { ProviderConfig } from '../../src/core/providers/providerTypes';
import { Engine } from '../../src/core/run/engine';
import type { RunReport } from '../../src/core/run/runReport';
import { GRADER_PROMPT_PATH, plannedExecutions, runTests } from '../../src/core/run/testRun';
import { promptFileSuite, type TestSuite } from '../../src/core/run/testSuite';
import { TraceStore } from '../../src/core/store/traceStore';
import { startMockBatchServer, type MockBatchOptions, type MockBatchServer } from '../support/mockBatchServer';
import { TEST_ANTHROPIC_KEY, TEST_OPENAI_KEY } from '../support/mockLlmProviders';
import { tempFolder } from '../support/storeFixtures';
import { TEST_FILES } from '../support/testFiles';

const GRADING = { graderModel: { provider: 'echo', model: 'echo' }, embeddingModel: { provider: 'echo', model: 'embed' } };
const OPENAI = 'openai:gpt-5.4-nano';
const ANTHROPIC = 'anthropic:claude-sonnet-5';

/** A prompt whose user message is the ticket; every case asserts the answer is `billing`. */
function promptFile(models: string[]): string {
  return `---
models: [${models.join(', ')}]
inputs:
  ticket: { type: string }
tests:
  - { description: first, vars: { ticket: one }, assert: [{ type: equals, value: billing }] }
  - { description: second, vars: { ticket: two }, assert: [{ type: equals, value: billing }] }
  - { description: third, vars: { ticket: three }, assert: [{ type: equals, value: billing }] }
  - { description: fourth, vars: { ticket: four }, assert: [{ type: equals, value: billing }] }
---
user:
{{ ticket }}
`;
}

/** The ticket a request asks about (its last user message), whichever API it is in. */
function ticketOf(body: Record<string, unknown>): string {
  const messages = body.messages as { content: unknown }[];
  return JSON.stringify(messages[messages.length - 1]!.content);
}

describe('batch runs (local OpenAI Batch and Anthropic Message Batches servers)', function () {
  this.timeout(20_000);
  let folder: ReturnType<typeof tempFolder>;
  const servers: MockBatchServer[] = [];
  const stores: TraceStore[] = [];

  beforeEach(() => {
    folder = tempFolder('assay-batch-');
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    await Promise.all(servers.splice(0).map((s) => s.close()));
    folder.cleanup();
  });

  async function server(options: MockBatchOptions = {}): Promise<MockBatchServer> {
    const s = await startMockBatchServer({ reply: () => ({ text: 'billing', usage: { input: 1000, output: 100 } }), ...options });
    servers.push(s);
    return s;
  }

  function configs(s: MockBatchServer): ProviderConfig[] {
    return [
      { name: 'openai', kind: 'openai', baseUrl: s.openaiBaseUrl, apiKey: TEST_OPENAI_KEY },
      { name: 'anthropic', kind: 'anthropic', baseUrl: s.anthropicBaseUrl, apiKey: TEST_ANTHROPIC_KEY },
      { name: 'local', kind: 'openai-compatible', baseUrl: s.openaiBaseUrl },
    ];
  }

  function suiteOf(models: string[]): TestSuite {
    const path = join(folder.dir, 'tickets.prompt');
    writeFileSync(path, promptFile(models));
    const suite = promptFileSuite(path, { root: folder.dir, defaultModels: [], files: TEST_FILES });
    assert.deepStrictEqual(suite.diagnostics, [], 'the fixture loads cleanly');
    return suite;
  }

  async function openStore(): Promise<TraceStore> {
    const store = await TraceStore.open({ path: join(folder.dir, '.assay', 'history.sqlite') });
    stores.push(store);
    return store;
  }

  interface BatchRunOptions {
    store?: TraceStore;
    stableIds?: boolean;
    signal?: AbortSignal;
    resumed?: BatchRef[];
    cancel?: boolean;
    runId?: string;
    grading?: typeof GRADING;
    graders?: 'batch' | 'live';
    maxWorking?: number;
    onEvent?: (e: BatchEvent) => void;
  }

  /** One suite through a dispatcher; resolves with the report, or `detached` when the run let go of its batches. */
  async function batchRun(s: MockBatchServer, suite: TestSuite, o: BatchRunOptions = {}) {
    const registry = new ProviderRegistry({ providers: configs(s) });
    const engine = new Engine({ registry, retry: { maxAttempts: 1 } });
    const events: BatchEvent[] = [];
    const persisted: BatchRef[][] = [];
    const dispatcher = new BatchDispatcher({
      engine,
      registry,
      pricing: new PriceBook(),
      expected: plannedExecutions(suite),
      signal: o.signal ?? new AbortController().signal,
      poll: { firstDelayMs: 1, maxDelayMs: 5 },
      ...(o.resumed ? { resumed: o.resumed } : {}),
      ...(o.cancel ? { cancel: true } : {}),
      ...(o.graders ? { graders: o.graders } : {}),
      ...(o.maxWorking ? { maxWorking: o.maxWorking } : {}),
      persist: async (batches) => void persisted.push([...batches]),
      onEvent: (e) => {
        events.push(e);
        o.onEvent?.(e);
      },
    });
    const running = runTests({ suite, engine, grading: o.grading ?? GRADING, trusted: true, caller: dispatcher.callerFor(0), store: o.store ?? null, ...(o.runId ? { runId: o.runId, startedAt: 1_700_000_000_000 } : {}), ...(o.stableIds ? { stableIds: true } : {}) });
    const report: RunReport | 'detached' = await Promise.race([running, dispatcher.whenDetached.then(() => 'detached' as const)]);
    return { report, events, persisted, dispatcher };
  }

  it('sends every case through both batch APIs, maps results back and prices them at the batch rate', async () => {
    const s = await server();
    const store = await openStore();
    const { report, events, persisted } = await batchRun(s, suiteOf([OPENAI, ANTHROPIC]), { store });
    assert.notStrictEqual(report, 'detached');
    const r = report as RunReport;
    assert.deepStrictEqual([r.totals.passed, r.totals.failed, r.totals.errors], [8, 0, 0], 'all 8 executions answered from the batches');
    assert.deepStrictEqual(
      [...s.batches.values()].map((b) => [b.api, b.requests.length, b.status]).sort(),
      [
        ['anthropic', 4, 'ended'],
        ['openai', 4, 'completed'],
      ],
      'one batch per provider, every case in it',
    );
    assert.ok(s.log.includes('POST /v1/files'), 'the OpenAI requests went up as a file');
    assert.ok(!s.log.includes('POST /v1/chat/completions') && !s.log.includes('POST /v1/messages'), 'no live call');
    assert.deepStrictEqual(persisted[persisted.length - 1]!.map((b) => b.provider).sort(), ['anthropic', 'openai'], 'both batches were handed to history as they were created');
    assert.ok(events.some((e) => e.type === 'status' && e.status.phase === 'running'), 'progress was reported while the batches ran');

    const book = new PriceBook();
    const usage = { inputTokens: 1000, outputTokens: 100, cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 };
    for (const e of r.executions) {
      const standard = book.cost(e.modelRef, usage)!;
      assert.ok(Math.abs(e.cost! - standard / 2) < 1e-12, `${e.model}: half the standard price (${e.cost} vs ${standard})`);
    }
    await store.flush();
    const traces = await store.listTraces({ runId: r.runId }, { limit: 100 });
    assert.strictEqual(traces.items.length, 8, 'every item recorded once as a trace');
    const custom = [...s.batches.values()].flatMap((b) => b.requests.map((q) => q.customId));
    assert.strictEqual(new Set(custom).size, 8, 'custom ids are unique');
    assert.ok(custom.every((id) => /^[a-zA-Z0-9_-]{1,64}$/.test(id)), 'custom ids fit Anthropic’s pattern');
  });

  it('records partial failures per item: a 400 stays an error, a 500 is retried once live', async () => {
    const s = await server({
      reply: (body, customId) => {
        const ticket = ticketOf(body);
        if (ticket.includes('two')) return { status: 400, message: 'bad request for two' };
        if (ticket.includes('three') && customId !== 'live') return { status: 500, message: 'server hiccup' };
        return { text: 'billing' };
      },
    });
    const { report, events } = await batchRun(s, suiteOf([OPENAI, ANTHROPIC]));
    const r = report as RunReport;
    const byCase = (id: string) => r.executions.filter((e) => e.description === id).map((e) => [e.model, e.status, e.error?.kind ?? null]);
    assert.deepStrictEqual(byCase('second'), [
      [OPENAI, 'error', 'bad_request'],
      [ANTHROPIC, 'error', 'bad_request'],
    ]);
    assert.deepStrictEqual(byCase('third'), [
      [OPENAI, 'pass', null],
      [ANTHROPIC, 'pass', null],
    ], 'the 500s passed on their live retry');
    assert.deepStrictEqual(s.log.filter((l) => l === 'POST /v1/chat/completions' || l === 'POST /v1/messages').sort(), ['POST /v1/chat/completions', 'POST /v1/messages'], 'one live retry per failed item');
    assert.ok(events.some((e) => e.type === 'retrying' && e.items === 1));
    const retried = r.executions.find((e) => e.description === 'third' && e.model === OPENAI)!;
    const standard = new PriceBook().cost(retried.modelRef, retried.usage);
    assert.strictEqual(retried.cost, standard, 'a live retry costs the standard price');
  });

  it('retries items an expired batch never ran, live, and keeps those it ran', async () => {
    const s = await server({ ending: () => ({ kind: 'expire', processed: 1 }) });
    const { report } = await batchRun(s, suiteOf([OPENAI, ANTHROPIC]));
    const r = report as RunReport;
    assert.deepStrictEqual([r.totals.passed, r.totals.errors], [8, 0]);
    assert.deepStrictEqual([...s.batches.values()].map((b) => b.status).sort(), ['ended', 'expired']);
    assert.strictEqual(s.log.filter((l) => l === 'POST /v1/chat/completions').length, 3, 'the 3 OpenAI items the batch did not run went live');
    assert.strictEqual(s.log.filter((l) => l === 'POST /v1/messages').length, 3, 'and the 3 Anthropic ones');
  });

  it('fails every item of a batch that failed validation, with its reason, and retries none', async () => {
    const s = await server({ ending: (api) => (api === 'openai' ? { kind: 'fail', message: 'line 1: model not available in batch' } : { kind: 'complete' }) });
    const { report } = await batchRun(s, suiteOf([OPENAI]));
    const r = report as RunReport;
    assert.ok(r.executions.every((e) => e.error?.kind === 'bad_request' && /batch batch_\d+ failed: .*model not available in batch/.test(e.error.message)), JSON.stringify(r.executions.map((e) => e.error)));
    assert.ok(!s.log.includes('POST /v1/chat/completions'));
  });

  it('runs providers without a batch API live and says so', async () => {
    const s = await server();
    const { report, events } = await batchRun(s, suiteOf([OPENAI, 'local:llama3']));
    const r = report as RunReport;
    assert.strictEqual(r.totals.passed, 8);
    assert.deepStrictEqual(
      events.filter((e) => e.type === 'live'),
      [{ type: 'live', provider: 'local', reason: 'an OpenAI-compatible server, which need not have a batch API' }],
    );
    assert.strictEqual(s.log.filter((l) => l === 'POST /v1/chat/completions').length, 4, 'the local model’s 4 calls went live');
    assert.strictEqual(s.batches.size, 1, 'only OpenAI got a batch');
  });

  it('records an execution once when a resumed run reads results its killed predecessor had recorded (stable ids)', async () => {
    const s = await server();
    const store = await openStore();
    const suite = suiteOf([OPENAI, ANTHROPIC]);
    const first = await batchRun(s, suite, { store, runId: 'run-stable-1', stableIds: true });
    // As if the first process died after recording: the resumed run reads the same ended batches again.
    const again = await batchRun(s, suite, { store, runId: 'run-stable-1', stableIds: true, resumed: first.persisted[first.persisted.length - 1] });
    assert.strictEqual((again.report as RunReport).totals.passed, 8);
    assert.strictEqual(s.batches.size, 2, 'nothing submitted again');
    await store.flush();
    const traces = await store.listTraces({ runId: 'run-stable-1' }, { limit: 100 });
    assert.strictEqual(traces.items.length, 8, 'each execution once');
    const full = await store.getTrace(traces.items[0]!.id);
    assert.strictEqual(full!.evaluations.length, 1, 'its evaluation once');
  });

  it('detaches on the signal leaving the batches running; a resumed run finds them, and cancel keeps what finished', async () => {
    const s = await server();
    s.hold();
    const store = await openStore();
    const stop = new AbortController();
    const suite = suiteOf([OPENAI, ANTHROPIC]);
    void s.whenCreated(2).then(() => stop.abort('SIGINT'));
    const first = await batchRun(s, suite, { store, signal: stop.signal, runId: 'run-detach-1' });
    assert.strictEqual(first.report, 'detached');
    const detached = first.events.find((e) => e.type === 'detached');
    assert.ok(detached && detached.type === 'detached' && detached.batches.length === 2, 'both batches are named for --resume');
    assert.ok([...s.batches.values()].every((b) => b.results === null && !b.cancelled), 'the batches are still running');

    // The OpenAI batch moves on: half its requests are done when the cancel arrives.
    s.release();
    const openai = [...s.batches.values()].find((b) => b.api === 'openai')!;
    openai.step = 2;
    openai.processed = 2;
    openai.status = 'in_progress';
    const second = await batchRun(s, suite, { store, resumed: first.persisted[first.persisted.length - 1], cancel: true, runId: 'run-detach-1' });
    const r = second.report as RunReport;
    assert.strictEqual(s.batches.size, 2, 'no new batch: the run picked up its own');
    assert.ok(second.events.filter((e) => e.type === 'cancelling').length === 2);
    const openaiStatuses = r.executions.filter((e) => e.model === OPENAI).map((e) => e.error?.kind ?? e.status);
    assert.deepStrictEqual(openaiStatuses.filter((x) => x === 'pass').length, 2, 'what finished before the cancel is kept');
    assert.deepStrictEqual(openaiStatuses.filter((x) => x === 'cancelled').length, 2, 'the rest are cancelled, not retried');
    assert.ok(!s.log.includes('POST /v1/chat/completions'), 'a cancel retries nothing');
    await store.flush();
    const traces = await store.listTraces({ runId: 'run-detach-1' }, { limit: 100 });
    assert.strictEqual(traces.items.length, 8, 'each execution recorded once, by the resumed run only');
  });
  describe('grader calls in batches', () => {
    const GRADER = { graderModel: { provider: 'openai', model: 'gpt-5.4-nano' }, embeddingModel: { provider: 'echo', model: 'embed' } };
    const USAGE = { input: 1000, output: 100 };

    /** Each case's ticket, the answer it gets, and its model-graded assertions (g-eval asks twice: two grader rounds). */
    const GRADED = `---
models: [${OPENAI}]
inputs:
  ticket: { type: string }
tests:
  - { description: a, vars: { ticket: one }, assert: [{ type: llm-rubric, value: names a team }, { type: factuality, value: billing }] }
  - { description: b, vars: { ticket: two }, assert: [{ type: llm-rubric, value: names a team }, { type: g-eval, value: The reply is polite }] }
  - { description: c, vars: { ticket: three }, assert: [{ type: g-eval, value: The reply is polite }, { type: contains, value: bill }] }
  - { description: d, vars: { ticket: four }, assert: [{ type: factuality, value: billing }] }
---
user:
{{ ticket }}
`;

    /** The answers: "billing" for tickets one and three, "bug" for the others; each grader judges what it is shown. */
    function reply(body: Record<string, unknown>) {
      const text = JSON.stringify(body.messages);
      const answer = (t: string) => ({ text: t, usage: USAGE });
      if (text.includes('user-specified rubric')) return answer(JSON.stringify({ reason: 'judged', pass: !text.includes('bug'), score: text.includes('bug') ? 0 : 1 }));
      if (text.includes('factuality evaluator')) return answer(JSON.stringify({ category: text.includes('bug') ? 'D' : 'C', reason: 'compared' }));
      if (text.includes('{\\"steps\\"')) return answer('{"steps":["Read the reply","Check its tone"]}');
      if (text.includes('rate the Reply on one metric')) return answer(JSON.stringify({ score: text.includes('bug') ? 3 : 8, reason: 'rated' }));
      return answer(/one|three/.test(ticketOf(body)) ? 'billing' : 'bug');
    }

    function gradedSuite(): TestSuite {
      const path = join(folder.dir, 'graded.prompt');
      writeFileSync(path, GRADED);
      const suite = promptFileSuite(path, { root: folder.dir, defaultModels: [], files: TEST_FILES });
      assert.deepStrictEqual(suite.diagnostics, [], 'the fixture loads cleanly');
      return suite;
    }

    /** What a verdict is made of, per execution, in case order. */
    const verdicts = (r: RunReport) => r.executions.map((e) => ({ case: e.description, status: e.status, score: e.score, assertions: e.assertions.map((a) => [a.type, a.pass, a.score, a.reason]) }));

    async function liveRun(s: MockBatchServer, suite: TestSuite): Promise<RunReport> {
      const registry = new ProviderRegistry({ providers: configs(s) });
      return runTests({ suite, engine: new Engine({ registry, retry: { maxAttempts: 1 } }), grading: GRADER, trusted: true, store: null });
    }

    it('sends the grader calls as batches of their own once the answers are in, at the batch price, with the verdicts of a live run', async () => {
      const s = await server({ reply });
      const suite = gradedSuite();
      const { report, events, persisted } = await batchRun(s, suite, { grading: GRADER });
      const r = report as RunReport;
      assert.ok(!s.log.includes('POST /v1/chat/completions'), 'nothing was asked live');
      assert.deepStrictEqual(
        [...s.batches.values()].map((b) => b.requests.length),
        [4, 6, 2],
        'the 4 answers; then their 6 first grader calls (2 rubrics, 2 factualities, 2 g-eval steps); then the 2 g-eval ratings',
      );
      assert.deepStrictEqual(persisted[persisted.length - 1]!.map((b) => b.round ?? 0), [0, 1, 2], 'each round stored with the run');
      assert.deepStrictEqual(events.filter((e) => e.type === 'submitted').map((e) => (e.type === 'submitted' ? (e.batch.round ?? 0) : -1)), [0, 1, 2]);

      const live = await liveRun(s, suite);
      assert.strictEqual(s.log.filter((l) => l === 'POST /v1/chat/completions').length, 4 + 7, 'the live run asked the same grader questions (the two identical g-eval steps questions once: its cache collapses them)');
      assert.deepStrictEqual(verdicts(r), verdicts(live), 'the same verdicts as a live run');
      assert.deepStrictEqual(verdicts(r).map((v) => v.status), ['pass', 'fail', 'pass', 'fail']);
      for (const [i, e] of r.executions.entries()) {
        const standard = live.executions[i]!.graderCost!;
        assert.ok(standard > 0 && Math.abs(e.graderCost! - standard / 2) < 1e-12, `${e.description}: graders at half the live price (${e.graderCost} vs ${standard})`);
      }
    });

    it('resumes a run detached in a grader round without submitting anything again, and records every grader call once', async () => {
      const s = await server({ reply });
      const store = await openStore();
      const suite = gradedSuite();
      const stop = new AbortController();
      const onEvent = (e: BatchEvent) => {
        // Detached while the first grader round waits at the provider.
        if (e.type === 'submitted' && e.batch.round === 1) {
          s.hold();
          stop.abort('SIGINT');
        }
      };
      const first = await batchRun(s, suite, { grading: GRADER, store, stableIds: true, runId: 'run-graders-1', signal: stop.signal, onEvent });
      assert.strictEqual(first.report, 'detached');
      s.release();
      const second = await batchRun(s, suite, { grading: GRADER, store, stableIds: true, runId: 'run-graders-1', resumed: first.persisted[first.persisted.length - 1] });
      assert.deepStrictEqual([...s.batches.values()].map((b) => b.requests.length), [4, 6, 2], 'rounds 0 and 1 resumed, round 2 submitted once');
      assert.deepStrictEqual(second.events.filter((e) => e.type === 'submitted').map((e) => (e.type === 'submitted' ? e.resumed : null)), [true, true, false]);
      const live = await liveRun(s, suite);
      assert.deepStrictEqual(verdicts(second.report as RunReport), verdicts(live));
      // As if the resumed run had been killed after recording: a third process reads every round again.
      await batchRun(s, suite, { grading: GRADER, store, stableIds: true, runId: 'run-graders-1', resumed: second.persisted[second.persisted.length - 1] });
      await store.flush();
      const traces = await store.listTraces({ runId: 'run-graders-1' }, { limit: 100 });
      const graders = traces.items.filter((t) => t.promptPath === GRADER_PROMPT_PATH);
      assert.strictEqual(traces.items.length - graders.length, 4, 'each execution once');
      assert.strictEqual(graders.length, 8, 'each grader call once');
    });

    it('reaches the same verdicts when one answered execution at a time may work (the memory gate never blocks a grader round)', async () => {
      const s = await server({ reply });
      const suite = gradedSuite();
      const { report } = await batchRun(s, suite, { grading: GRADER, maxWorking: 1 });
      assert.deepStrictEqual([...s.batches.values()].map((b) => b.requests.length), [4, 6, 2]);
      assert.deepStrictEqual(verdicts(report as RunReport), verdicts(await liveRun(s, suite)));
    });

    it('judges select-best across the models of a case with the verdicts of a live run', async () => {
      const s = await server({ reply: (body) => (JSON.stringify(body.messages).includes('comparing multiple pieces of text') ? { text: '1', usage: USAGE } : reply(body)) });
      const path = join(folder.dir, 'best.prompt');
      writeFileSync(path, GRADED.replace(`models: [${OPENAI}]`, `models: [${OPENAI}, ${ANTHROPIC}]`).replace(/assert: \[/g, 'assert: [{ type: select-best, value: the most helpful }, '));
      const suite = promptFileSuite(path, { root: folder.dir, defaultModels: [], files: TEST_FILES });
      const { report } = await batchRun(s, suite, { grading: GRADER });
      const r = report as RunReport;
      assert.deepStrictEqual(r.executions.map((e) => e.assertions[0]!.pass), [false, true, false, true, false, true, false, true], 'the second model is best in every case');
      assert.deepStrictEqual([...s.batches.values()].map((b) => b.requests.length), [4, 4, 12, 4], 'the answers per provider, then both models’ grader rounds together; the comparisons were asked live');
      assert.deepStrictEqual(verdicts(r), verdicts(await liveRun(s, suite)));
    });

    it('asks graders without a batch API live, and says so', async () => {
      const s = await server({ reply });
      const { report, events } = await batchRun(s, gradedSuite(), { grading: { ...GRADER, graderModel: { provider: 'local', model: 'judge' } } });
      assert.deepStrictEqual(events.filter((e) => e.type === 'live'), [{ type: 'live', provider: 'local', reason: 'an OpenAI-compatible server, which need not have a batch API', grader: true }]);
      assert.strictEqual(s.batches.size, 1, 'only the answers went in a batch');
      assert.strictEqual(s.log.filter((l) => l === 'POST /v1/chat/completions').length, 7, 'the grader calls went live (identical ones once, through the cache)');
      assert.deepStrictEqual((report as RunReport).executions.map((e) => e.status), ['pass', 'fail', 'pass', 'fail']);
    });

    it('asks every grader live when told to (--live-graders)', async () => {
      const s = await server({ reply });
      const { report } = await batchRun(s, gradedSuite(), { grading: GRADER, graders: 'live' });
      assert.strictEqual(s.batches.size, 1);
      assert.strictEqual(s.log.filter((l) => l === 'POST /v1/chat/completions').length, 7);
      assert.deepStrictEqual((report as RunReport).executions.map((e) => e.status), ['pass', 'fail', 'pass', 'fail']);
    });
  });

  describe('the work gate', () => {
    it('lets answers through while fewer than its limit of executions work, and one more each time one stops', async () => {
      const gate = new WorkGate(2);
      const slots = [0, 1, 2].map((i) => Object.assign(new ExecutionSlot(0, { caseIndex: i, caseId: `c${i}`, model: 'm', repeatIndex: 0 }), { inBatch: 1 }));
      await gate.room();
      gate.answered(slots[0]!);
      await gate.room();
      gate.answered(slots[1]!);
      let through = false;
      const third = gate.room().then(() => (through = true));
      await new Promise((resolve) => setImmediate(resolve));
      assert.strictEqual(through, false, 'two work: the third answer waits');
      gate.idle(slots[0]!);
      await third;
      assert.strictEqual(through, true, 'one stopped working: the next answer goes through');
      gate.idle(slots[0]!);
      gate.answered(slots[2]!);
      let fourth = false;
      void gate.room().then(() => (fourth = true));
      await new Promise((resolve) => setImmediate(resolve));
      assert.strictEqual(fourth, false, 'an execution that stops twice frees one place');
    });

    it('does not count an execution with another request still in the batch as working', async () => {
      const gate = new WorkGate(1);
      const slot = Object.assign(new ExecutionSlot(0, { caseIndex: 0, caseId: 'c0', model: 'm', repeatIndex: 0 }), { inBatch: 2 });
      gate.answered(slot);
      assert.strictEqual(slot.working, false, 'it still waits for its other answer');
      await gate.room();
      gate.answered(slot);
      assert.strictEqual(slot.working, true);
    });
  });
});
