import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { loadSqlJs } from '../../src/core/store/sqlite';
import { deflateOptionsFor } from '../../src/core/store/storeEngine';
import { STORE_WORKER_YOUNG_MB, TraceStore } from '../../src/core/store/traceStore';
import type { TraceFilter, TraceInput, TraceRecord } from '../../src/core/store/storeTypes';
import { makeTrace, tempFolder } from '../support/storeFixtures';

const HOUR = 3_600_000;
const T0 = Date.UTC(2025, 2, 1, 0, 0, 0);

/** Resolves with the next value `listen` delivers. */
function next<T>(listen: (l: (e: T) => void) => { dispose(): void }): Promise<T> {
  return new Promise((resolve) => {
    const d = listen((e) => {
      d.dispose();
      resolve(e);
    });
  });
}

describe('TraceStore', function () {
  this.timeout(20_000);
  let folder: ReturnType<typeof tempFolder>;
  let file: string;

  beforeEach(() => {
    folder = tempFolder();
    file = join(folder.dir, '.assay', 'history.sqlite');
  });
  afterEach(() => folder.cleanup());

  it('runs its worker with a small young generation (its live heap is small; the history is outside it)', async () => {
    const store = await TraceStore.open({ path: file });
    try {
      assert.equal(store.workerResourceLimits?.maxYoungGenerationSizeMb, STORE_WORKER_YOUNG_MB);
      assert.ok(STORE_WORKER_YOUNG_MB <= 8, 'a young generation as large as V8 default (32 MB) is what this limit removes');
      // Still a working store under the limit.
      await store.addTraces(Array.from({ length: 600 }, (_, i) => makeTrace({ caseId: `case ${i}`, text: 'x'.repeat(2_000) })));
      assert.equal((await store.flush()).saved, true);
    } finally {
      await store.close();
    }
  });

  describe('round trip', () => {
    const full: TraceInput = makeTrace({
      runId: 'run-1',
      promptVersionId: 'a'.repeat(64),
      promptPath: 'prompts/triage.prompt',
      caseId: 'double charge',
      repeatIndex: 2,
      variables: { ticket: 'refund please', n: 3, nested: { list: [1, 'two', null] } },
      text: '',
      toolCalls: [{ id: 'call_1', type: 'function', function: { name: 'route', arguments: '{"queue":"billing"}' } }],
      finishReason: 'tool_calls',
      usage: { inputTokens: 1200, outputTokens: 34, cachedInputTokens: 1024, cacheWriteTokens: 7, reasoningTokens: 12 },
      cost: 0.000321,
      latencyMs: 812.5,
      ttftMs: 240.25,
      request: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'é ✓ 😀' }], tools: [{ type: 'function' }] },
      response: { id: 'resp_1', choices: [{ message: { tool_calls: [{ id: 'call_1' }] } }], nulls: null, float: 1.5 },
      error: { kind: 'rate_limit', message: 'Too many requests', status: 429 },
      cacheHit: true,
      attempts: 3,
      startedAt: T0 + 1234,
      endedAt: T0 + 2100,
    } as Partial<TraceInput>);
    const minimal: TraceInput = makeTrace({ usage: null, cost: null, ttftMs: null, finishReason: null, variables: null, startedAt: T0 + 5000 });

    function expected(input: TraceInput, id: string): TraceRecord {
      const { id: _id, runId, promptVersionId, promptPath, caseId, repeatIndex, parentId, step, variables, startedAt, endedAt, ...call } = input;
      return {
        ...call,
        id,
        runId: runId ?? null,
        promptVersionId: promptVersionId ?? null,
        promptPath: promptPath ?? null,
        caseId: caseId ?? null,
        repeatIndex: repeatIndex ?? 0,
        parentId: parentId ?? null,
        step: step ?? null,
        variables: variables ?? null,
        status: input.error ? 'error' : 'ok',
        startedAt,
        endedAt: endedAt ?? startedAt + input.latencyMs,
        evaluations: [],
        feedback: null,
      };
    }

    it('keeps request and response payloads of every size exactly (zlib window sized to each)', async () => {
      // Text that compresses poorly, so matches far back in a long payload matter.
      let seed = 7;
      const noise = (n: number): string => Array.from({ length: n }, () => String.fromCharCode(33 + ((seed = (seed * 1103515245 + 12345) % 2147483648) % 90))).join('');
      const sizes = [0, 200, 250, 262, 300, 1_000, 16_000, 32_000, 33_000, 100_000];
      const store = await TraceStore.open({ path: file });
      const inputs = sizes.map((n) => makeTrace({ request: { model: 'm', messages: [{ role: 'user', content: noise(n) + noise(64).repeat(3) }] }, response: { body: noise(n / 2) } }));
      const ids = await store.addTraces(inputs);
      await store.close();
      const reopened = await TraceStore.open({ path: file });
      for (const [i, id] of ids.entries()) {
        const got = await reopened.getTrace(id!);
        assert.deepStrictEqual(got?.request, inputs[i]!.request, `request of ${sizes[i]} characters`);
        assert.deepStrictEqual(got?.response, inputs[i]!.response, `response of ${sizes[i]} characters`);
      }
      await reopened.close();
    });

    it('sizes zlib to a payload without losing compression', () => {
      const text = JSON.stringify({ request: { messages: [{ role: 'user', content: 'Ticket 12: I was charged twice this month. '.repeat(3) }] }, response: { choices: [{ message: { content: 'billing' } }] } });
      for (const n of [1, 4, 40, 400]) {
        const bytes = Buffer.from(text.repeat(n));
        const options = deflateOptionsFor(bytes.length);
        const sized = deflateRawSync(bytes, options);
        assert.ok(sized.length <= deflateRawSync(bytes).length * 1.01, `${bytes.length} bytes: ${sized.length} vs ${deflateRawSync(bytes).length} with zlib's defaults`);
        assert.ok(inflateRawSync(sized).equals(bytes));
        assert.ok(options.windowBits >= 9 && options.windowBits <= 15 && (1 << options.windowBits) >= Math.min(bytes.length, 1 << 15));
      }
    });

    it('returns every field as written, before and after the file is saved and reopened', async () => {
      const store = await TraceStore.open({ path: file });
      const [fullId, minId] = await store.addTraces([full, minimal]);
      assert.deepStrictEqual(await store.getTrace(fullId!), expected(full, fullId!), 'in memory: full trace');
      assert.deepStrictEqual(await store.getTrace(minId!), expected(minimal, minId!), 'in memory: minimal trace');
      const saved = await store.close();
      assert.strictEqual(saved.saved, true, 'close saves');

      const reopened = await TraceStore.open({ path: file });
      assert.deepStrictEqual(await reopened.getTrace(fullId!), expected(full, fullId!), 'from the file: full trace');
      assert.deepStrictEqual(await reopened.getTrace(minId!), expected(minimal, minId!), 'from the file: minimal trace');
      assert.strictEqual(await reopened.getTrace('no-such-id'), null, 'unknown id');
      await reopened.close();
    });

    it('keeps prompt versions, runs, evaluations and the latest feedback', async () => {
      const store = await TraceStore.open({ path: file });
      const content = 'system:\nRoute tickets.\nuser:\n{{ ticket }}\n';
      const versionId = await store.addPromptVersion({ path: 'triage.prompt', content });
      assert.match(versionId, /^[0-9a-f]{64}$/, 'version id is a SHA-256');
      assert.strictEqual(await store.addPromptVersion({ path: 'triage.prompt', content }), versionId, 'same content, same version');
      const runId = await store.startRun({ kind: 'test', promptPath: 'triage.prompt', promptVersionId: versionId, bankPath: 'triage.tests.yaml', models: ['openai:gpt-4o-mini'], config: { repeat: 2 }, startedAt: T0 });
      const [traceId] = await store.addTraces([makeTrace({ runId, promptVersionId: versionId, startedAt: T0 + 10 })]);
      await store.addEvaluations([
        { traceId: traceId!, caseId: 'c1', assertionType: 'equals', pass: true, score: 1, reason: 'matched' },
        { traceId: traceId!, caseId: 'c1', assertionType: 'llm-rubric', pass: false, score: 0.25, reason: 'too long', metric: 'tone', weight: 2 },
      ]);
      await store.setFeedback(traceId!, { rating: 1 });
      await store.setFeedback(traceId!, { rating: -1, note: 'wrong queue' });
      await store.finishRun(runId, { status: 'done', summary: { passRate: 0.5 }, endedAt: T0 + 1000 });
      await store.close();

      const reopened = await TraceStore.open({ path: file });
      const trace = await reopened.getTrace(traceId!);
      assert.deepStrictEqual(
        trace!.evaluations.map((e) => [e.assertionType, e.pass, e.score, e.reason, e.metric, e.weight, e.caseId]),
        [
          ['equals', true, 1, 'matched', null, 1, 'c1'],
          ['llm-rubric', false, 0.25, 'too long', 'tone', 2, 'c1'],
        ],
        'evaluations in order',
      );
      assert.deepStrictEqual([trace!.feedback!.rating, trace!.feedback!.note], [-1, 'wrong queue'], 'latest feedback wins');
      const runs = await reopened.listRuns();
      assert.strictEqual(runs.items.length, 1);
      const run = runs.items[0]!;
      assert.deepStrictEqual(
        [run.id, run.kind, run.promptPath, run.promptVersionId, run.bankPath, run.models, run.config, run.status, run.summary, run.startedAt, run.endedAt],
        [runId, 'test', 'triage.prompt', versionId, 'triage.tests.yaml', ['openai:gpt-4o-mini'], { repeat: 2 }, 'done', { passRate: 0.5 }, T0, T0 + 1000],
        'run fields',
      );
      assert.deepStrictEqual([run.totals.traces, run.totals.passed, run.totals.failed], [1, 1, 1], 'run totals');
      const stats = await reopened.stats();
      assert.deepStrictEqual(stats.counts, { promptVersions: 1, runs: 1, traces: 1, evaluations: 2, feedback: 2 }, 'row counts');
      assert.strictEqual(stats.fileBytes > 0 && stats.dbBytes > 0, true, 'sizes');
      await reopened.close();
    });
  });

  describe('batch state', () => {
    it('keeps a batch run’s state on its run, through a restart of the run and a reopen', async () => {
      const store = await TraceStore.open({ path: file });
      const runId = await store.startRun({ id: 'batch-run-1', kind: 'cli', models: ['openai:gpt-5.4-nano'], startedAt: T0 });
      const state = { format: 1, batches: [{ provider: 'openai', chunk: 0, id: 'batch_1', items: 3, submittedAt: T0 }] };
      await store.setRunBatch(runId, state);
      // A resumed run starts again under its id: the state stays, the status is running again.
      await store.finishRun(runId, { status: 'cancelled' });
      await store.startRun({ id: runId, kind: 'cli', models: ['openai:gpt-5.4-nano'], startedAt: T0 });
      assert.deepStrictEqual(await store.runBatch(runId), state);
      assert.strictEqual(await store.runBatch('no-such-run'), null);
      await assert.rejects(store.setRunBatch('no-such-run', state), /no run 'no-such-run'/);
      await store.close();
      const reopened = await TraceStore.open({ path: file });
      assert.deepStrictEqual(await reopened.runBatch(runId), state);
      assert.strictEqual((await reopened.listRuns()).items[0]!.status, 'interrupted', 'closed while running: interrupted, until resumed');
      await reopened.close();
    });
  });

  describe('queries', () => {
    let store: TraceStore;
    const inputs: (TraceInput & { id: string })[] = [];
    let ratings: Map<string, 1 | -1>;

    before(async () => {
      folder = tempFolder();
      store = await TraceStore.open({ path: join(folder.dir, 'q.sqlite') });
      const models = [
        { provider: 'openai', model: 'gpt-4o-mini' },
        { provider: 'openai', model: 'gpt-4o' },
        { provider: 'anthropic', model: 'claude-3-5-haiku-latest' },
      ];
      const runA = await store.startRun({ kind: 'test', models: ['openai:gpt-4o-mini'], startedAt: T0 });
      const runB = await store.startRun({ kind: 'playground', models: ['anthropic:claude-3-5-haiku-latest'], startedAt: T0 + HOUR });
      for (let i = 0; i < 60; i++) {
        const error = i % 7 === 0 ? { kind: i % 2 ? ('timeout' as const) : ('server' as const), message: 'failed', status: 500 } : undefined;
        inputs.push({
          ...makeTrace({
            model: models[i % 3]!,
            runId: i < 30 ? runA : runB,
            promptPath: i % 2 ? 'a.prompt' : 'b.prompt',
            promptVersionId: i % 2 ? 'v-a' : 'v-b',
            caseId: `case-${i % 4}`,
            text: i % 5 === 0 ? `Billing_100% item ${i}` : `other ${i}`,
            latencyMs: 100 + i,
            cacheHit: i % 6 === 0,
            startedAt: T0 + i * 10 * 60_000,
            ...(error ? { error } : {}),
          }),
          id: `trace-${String(i).padStart(3, '0')}`,
        });
      }
      await store.addTraces(inputs);
      ratings = new Map([
        ['trace-003', 1],
        ['trace-004', -1],
        ['trace-005', 1],
      ]);
      for (const [id, r] of ratings) await store.setFeedback(id, { rating: r });
      await store.setFeedback('trace-005', { rating: 0 });
      ratings.delete('trace-005');
    });
    after(async () => {
      await store.close();
      folder.cleanup();
    });

    const matches = (t: TraceInput & { id: string }, f: TraceFilter): boolean =>
      (f.model === undefined || t.model.model === f.model) &&
      (f.provider === undefined || t.model.provider === f.provider) &&
      (f.promptPath === undefined || t.promptPath === f.promptPath) &&
      (f.promptVersionId === undefined || t.promptVersionId === f.promptVersionId) &&
      (f.caseId === undefined || t.caseId === f.caseId) &&
      (f.status === undefined || (t.error ? 'error' : 'ok') === f.status) &&
      (f.errorKind === undefined || t.error?.kind === f.errorKind) &&
      (f.from === undefined || t.startedAt >= f.from) &&
      (f.to === undefined || t.startedAt < f.to) &&
      (f.text === undefined || t.text.toLowerCase().includes(f.text.toLowerCase())) &&
      (f.cacheHit === undefined || t.cacheHit === f.cacheHit) &&
      (f.rating === undefined || ratings.get(t.id) === f.rating);

    const filters: [string, TraceFilter][] = [
      ['no filter', {}],
      ['model', { model: 'gpt-4o' }],
      ['provider', { provider: 'anthropic' }],
      ['prompt path', { promptPath: 'a.prompt' }],
      ['prompt version', { promptVersionId: 'v-b' }],
      ['case', { caseId: 'case-2' }],
      ['status error', { status: 'error' }],
      ['status ok + model', { status: 'ok', model: 'gpt-4o-mini' }],
      ['error kind', { errorKind: 'timeout' }],
      ['time range', { from: T0 + 2 * HOUR, to: T0 + 5 * HOUR }],
      ['text, case-insensitive', { text: 'BILLING_100' }],
      ['text: % is literal, not a wildcard', { text: '%' }],
      ['text: _ is literal, not a wildcard', { text: 'r_1' }],
      ['cache hit', { cacheHit: true }],
      ['rated 👍 (a later 0 takes a rating back)', { rating: 1 }],
      ['rated 👎', { rating: -1 }],
      ['everything at once', { provider: 'openai', promptPath: 'b.prompt', status: 'ok', from: T0, to: T0 + 8 * HOUR }],
    ];
    for (const [why, filter] of filters) {
      it(`filters traces: ${why}`, async () => {
        const page = await store.listTraces(filter, { limit: 1000, withTotal: true });
        const want = inputs.filter((t) => matches(t, filter)).map((t) => t.id).reverse();
        assert.deepStrictEqual(page.items.map((t) => t.id), want, why);
        assert.strictEqual(page.total, want.length, `${why}: total`);
      });
    }

    it('filters by run', async () => {
      const runs = await store.listRuns({}, { limit: 10 });
      const playground = runs.items.find((r) => r.kind === 'playground')!;
      const page = await store.listTraces({ runId: playground.id }, { limit: 1000 });
      assert.strictEqual(page.items.length, 30, 'the second run has 30 traces');
    });

    it('pages newest first with a cursor, without gaps or repeats, and by offset', async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let pages = 0; pages < 10; pages++) {
        const page = await store.listTraces({}, { limit: 25, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((t) => t.id));
        cursor = page.nextCursor;
        if (!cursor) break;
      }
      assert.deepStrictEqual(seen, inputs.map((t) => t.id).reverse(), 'all 60 in order');
      const byOffset = await store.listTraces({}, { limit: 5, offset: 10 });
      assert.deepStrictEqual(byOffset.items.map((t) => t.id), seen.slice(10, 15), 'offset');
    });

    it('summarises a trace for the list: preview, rating, assertion counts', async () => {
      await store.addEvaluations([
        { traceId: 'trace-003', assertionType: 'equals', pass: true },
        { traceId: 'trace-003', assertionType: 'contains', pass: false },
      ]);
      const page = await store.listTraces({ caseId: 'case-3', from: T0 + 30 * 60_000, to: T0 + 31 * 60_000 });
      const s = page.items[0]!;
      assert.deepStrictEqual([s.id, s.rating, s.passed, s.failed, s.outputPreview, s.model, s.status], ['trace-003', 1, 1, 1, 'other 3', 'gpt-4o-mini', 'ok']);
    });

    it('totals a run per model with latency percentiles', async () => {
      const runs = await store.listRuns({ kind: 'test' });
      const summary = await store.runSummary(runs.items[0]!.id);
      const mine = inputs.slice(0, 30);
      assert.strictEqual(summary!.run.totals.traces, 30);
      assert.strictEqual(summary!.run.totals.errors, mine.filter((t) => t.error).length);
      const mini = summary!.byModel.find((m) => m.model === 'gpt-4o-mini')!;
      const lat = mine.filter((t) => t.model.model === 'gpt-4o-mini' && !t.error).map((t) => t.latencyMs).sort((a, b) => a - b);
      assert.strictEqual(mini.traces, mine.filter((t) => t.model.model === 'gpt-4o-mini').length);
      assert.strictEqual(mini.latencyP50Ms, lat[Math.ceil(0.5 * lat.length) - 1], 'p50, nearest rank');
      assert.strictEqual(mini.latencyP95Ms, lat[Math.ceil(0.95 * lat.length) - 1], 'p95, nearest rank');
      assert.strictEqual(await store.runSummary('nope'), null);
    });

    it('builds hourly and daily time series per model', async () => {
      const hourly = await store.timeSeries({ bucket: 'hour', groupBy: 'model', from: T0, to: T0 + 2 * HOUR });
      const inRange = inputs.filter((t) => t.startedAt < T0 + 2 * HOUR);
      assert.strictEqual(hourly.reduce((n, p) => n + p.traces, 0), inRange.length, 'every trace in range counted once');
      const first = hourly.find((p) => p.start === T0 && p.key === 'openai:gpt-4o-mini')!;
      const group = inRange.filter((t) => t.startedAt < T0 + HOUR && t.model.model === 'gpt-4o-mini');
      assert.strictEqual(first.traces, group.length);
      assert.strictEqual(first.errors, group.filter((t) => t.error).length);
      assert.strictEqual(first.errorRate, first.errors / first.traces);
      const daily = await store.timeSeries({ bucket: 'day', groupBy: 'none' });
      assert.deepStrictEqual(daily.map((p) => [p.start, p.key, p.traces]), [[T0, 'all', 60]], 'one day, one series');
      const shifted = await store.timeSeries({ bucket: 'day', groupBy: 'none', utcOffsetMinutes: -120 });
      assert.deepStrictEqual(shifted.map((p) => [p.start, p.traces]), [[T0 - 86_400_000 + 2 * HOUR, 12], [T0 + 2 * HOUR, 48]], 'local midnight at UTC-2');
    });

    it('exports matching traces in full to JSONL, oldest first', async () => {
      const out = join(folder.dir, 'out', 'errors.jsonl');
      const result = await store.exportJsonl({ status: 'error' }, out);
      const want = inputs.filter((t) => t.error);
      assert.deepStrictEqual(result, { count: want.length, path: out });
      const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TraceRecord);
      assert.deepStrictEqual(lines.map((l) => l.id), want.map((t) => t.id));
      assert.deepStrictEqual(lines[0], JSON.parse(JSON.stringify(await store.getTrace(want[0]!.id))), 'a line is the full trace');
    });

    it('reports an export it cannot write as data', async () => {
      const blocker = join(folder.dir, 'a-file');
      writeFileSync(blocker, 'not a folder');
      const result = await store.exportJsonl({}, join(blocker, 'nested.jsonl'));
      assert.strictEqual('error' in result && /cannot write/.test(result.error), true, JSON.stringify(result));
    });
  });

  describe('writes', () => {
    it('refuses bad input with a clear message and keeps the good writes of the same batch', async () => {
      const store = await TraceStore.open({ path: file });
      const good = store.addTraces([makeTrace()]);
      const bad = store.addTraces([{ ...makeTrace(), model: undefined } as unknown as TraceInput]);
      const badRun = store.startRun({ kind: 'nightly' as 'test', models: [] });
      assert.strictEqual((await good).length, 1);
      await assert.rejects(bad, /model must be \{provider, model\}/);
      await assert.rejects(badRun, /run kind must be/);
      await assert.rejects(store.setFeedback('missing', { rating: 1 }), /no trace 'missing'/);
      await assert.rejects(store.finishRun('missing'), /no run 'missing'/);
      assert.strictEqual((await store.stats()).counts.traces, 1);
      await store.close();
      await assert.rejects(store.listTraces(), /closed/, 'calls after close reject');
    });

    it('tells listeners about added traces and saves on its own after a quiet moment', async () => {
      const store = await TraceStore.open({ path: file, saveDebounceMs: 20, maxSaveDelayMs: 200 });
      const added = next(store.onDidAddTraces);
      const saved = next(store.onDidSave);
      await store.addTraces([makeTrace({ runId: 'r1' }), makeTrace({ runId: 'r1' })]);
      assert.deepStrictEqual(await added, { count: 2, runIds: ['r1'] });
      const [again] = await store.addTraces([makeTrace({ id: 'dup-1' })]);
      const afterDuplicate = next(store.onDidAddTraces);
      await store.addTraces([makeTrace({ id: again! }), makeTrace({ runId: 'r2' })]);
      assert.deepStrictEqual(await afterDuplicate, { count: 1, runIds: ['r2'] }, 'an id already stored is not added again');
      const result = await saved;
      assert.strictEqual(result.saved, true);
      assert.strictEqual(existsSync(file), true, 'the file exists after the debounced save');
      assert.strictEqual(readFileSync(join(folder.dir, '.assay', '.gitignore'), 'utf8').includes('*'), true, '.assay ignores itself');
      await store.close();
    });

    it('writes nothing to disk until there is something to keep', async () => {
      const store = await TraceStore.open({ path: file });
      await store.listTraces();
      assert.deepStrictEqual(await store.close(), { saved: false, merged: false });
      assert.strictEqual(existsSync(join(folder.dir, '.assay')), false, 'no folder created');
    });

    it('close() keeps every write queued before it, several batches of them, in order', async () => {
      const store = await TraceStore.open({ path: file });
      // Nothing awaited: these are still in the store's queue when close() is called.
      const started = store.startRun({ id: 'run-q', kind: 'cli', models: ['openai:gpt-4o-mini'], startedAt: T0 });
      const traces = Array.from({ length: 1_200 }, (_, i) => makeTrace({ runId: 'run-q', caseId: `case ${i}`, startedAt: T0 + i }));
      const added = store.addTraces(traces);
      const finished = store.finishRun('run-q', { status: 'done' });
      const result = await store.close();
      assert.strictEqual(result.saved, true);
      assert.strictEqual(await started, 'run-q');
      assert.strictEqual((await added).length, 1_200, 'the queued writes succeeded');
      await finished;

      const reopened = await TraceStore.open({ path: file });
      const stats = await reopened.stats();
      assert.strictEqual(stats.counts.traces, 1_200);
      assert.deepStrictEqual((await reopened.listRuns()).items.map((r) => [r.id, r.status]), [['run-q', 'done']]);
      await reopened.close();
    });

    it('deletes traces with their evaluations and feedback, and clears everything', async () => {
      const store = await TraceStore.open({ path: file });
      const ids = await store.addTraces([makeTrace(), makeTrace(), makeTrace()]);
      await store.addEvaluations([{ traceId: ids[0]!, assertionType: 'equals', pass: true }]);
      await store.setFeedback(ids[0]!, { rating: 1 });
      const changed = next(store.onDidChange);
      assert.strictEqual(await store.deleteTraces([ids[0]!, 'not-there']), 1);
      assert.deepStrictEqual(await changed, { reason: 'deleted' });
      await store.flush();
      let stats = await store.stats();
      assert.deepStrictEqual([stats.counts.traces, stats.counts.evaluations, stats.counts.feedback], [2, 0, 0]);
      const cleared = await store.clear();
      assert.strictEqual(cleared.saved, true);
      stats = await store.stats();
      assert.strictEqual(stats.counts.traces, 0);
      await store.close();
      const reopened = await TraceStore.open({ path: file });
      assert.strictEqual((await reopened.stats()).counts.traces, 0, 'cleared on disk');
      await reopened.close();
    });
  });

  describe('redaction', () => {
    const KEYS = ['sk-proj-AbCdEfGhIjKlMnOpQrStUvWx1234', 'sk-ant-api03-ZyXwVuTsRqPoNmLk9876', 'my-odd-secret-value-42', 'ACME-0000-1111'];

    /** Every byte of the file plus every compressed payload inflated. */
    async function everythingStored(path: string): Promise<string> {
      const bytes = readFileSync(path);
      const SQL = await loadSqlJs();
      const db = new SQL.Database(bytes);
      let text = bytes.toString('latin1') + bytes.toString('utf8');
      for (const [blob] of db.exec('SELECT payload FROM trace_payloads')[0]!.values) {
        if (blob instanceof Uint8Array) text += inflateRawSync(blob).toString('utf8');
      }
      db.close();
      return text;
    }

    function leakyTrace(marker: (i: number) => string): TraceInput {
      return makeTrace({
        text: `the key is ${marker(0)}`,
        variables: { key: marker(1), apiKey: 'plain' },
        request: { headers: { Authorization: `Bearer ${marker(0)}`, 'api-key': marker(1) }, messages: [{ role: 'user', content: `use ${marker(2)} and ${marker(3)}` }] },
        response: { echo: marker(3), header: { 'x-api-key': marker(2) } },
        error: { kind: 'auth', message: `Incorrect API key provided: ${marker(0)}` },
        caseId: `case ${marker(3)}`,
      });
    }

    it('stores no API key, header secret, known secret or user pattern anywhere in the file', async () => {
      const store = await TraceStore.open({ path: file, redactPatterns: ['ACME-\\d{4}-\\d{4}'], redactSecrets: ['my-odd-secret-value-42'] });
      const runId = await store.startRun({ kind: 'cli', models: ['openai:gpt-4o-mini'], config: { headers: { authorization: KEYS[0] }, note: KEYS[1] } });
      const [id] = await store.addTraces([{ ...leakyTrace((i) => KEYS[i]!), runId }]);
      await store.addEvaluations([{ traceId: id!, assertionType: 'llm-rubric', pass: false, reason: `grader saw ${KEYS[2]}` }]);
      await store.setFeedback(id!, { rating: -1, note: `leaked ${KEYS[3]}` });
      await store.addPromptVersion({ path: 'x.prompt', content: `key: ${KEYS[0]}` });
      await store.close();
      const stored = await everythingStored(file);
      for (const key of KEYS) assert.strictEqual(stored.includes(key), false, `${key} must not be stored`);
      assert.strictEqual(stored.includes('[REDACTED]'), true, 'redaction marks are stored instead');
    });

    it('(control) finds ordinary markers placed in the same fields, so the check above can fail', async () => {
      const markers = ['MARKER-ZERO', 'MARKER-ONE', 'MARKER-TWO', 'MARKER-THREE'];
      const store = await TraceStore.open({ path: file });
      await store.addTraces([leakyTrace((i) => markers[i]!)]);
      await store.close();
      const stored = await everythingStored(file);
      for (const m of markers) assert.strictEqual(stored.includes(m), true, `${m} is found`);
    });
  });
});
