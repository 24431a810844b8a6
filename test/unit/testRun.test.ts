// runTests end to end: real files, the real engine and SDKs against the mock LLM server, the real history
// store in a temp folder.
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProviderRegistry } from '../../src/core/providers/providerRegistry';
import { Engine } from '../../src/core/run/engine';
import { GRADER_PROMPT_PATH, runTests, type TestRunOptions } from '../../src/core/run/testRun';
import { bankFileSuite, promptFileSuite, promptfooSuites, type TestSuite } from '../../src/core/run/testSuite';
import { TraceStore } from '../../src/core/store/traceStore';
import { mockProviderConfigs } from '../support/mockLlmProviders';
import { startMockLlm, type MockLlm, type MockLlmOptions } from '../support/mockLlmServer';
import { tempFolder } from '../support/storeFixtures';
import { TEST_FILES } from '../support/testFiles';

const GRADING = { graderModel: { provider: 'openai', model: 'grader' }, embeddingModel: { provider: 'echo', model: 'embed' } };

/** Routes tickets: "twice" → billing, "crash" → bug, else other. */
function triageReply(prompt: string): string {
  if (prompt.includes('twice')) return 'billing';
  if (prompt.includes('crash')) return 'bug';
  return 'other';
}

const TRIAGE_PROMPT = `---
models: [openai:gpt-4o-mini, openai:gpt-4o]
params: { temperature: 0 }
inputs:
  ticket: { type: string }
tests: triage.tests.yaml
---
user:
{{ ticket }}
`;

describe('runTests', function () {
  this.timeout(20_000);
  let folder: ReturnType<typeof tempFolder>;
  const mocks: MockLlm[] = [];
  const stores: TraceStore[] = [];

  beforeEach(() => {
    folder = tempFolder('assay-run-');
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    await Promise.all(mocks.splice(0).map((m) => m.close()));
    folder.cleanup();
  });

  async function mockServer(options: MockLlmOptions = {}): Promise<MockLlm> {
    const mock = await startMockLlm({ reply: (req) => triageReply(req.prompt), ...options });
    mocks.push(mock);
    return mock;
  }

  function engineFor(mock: MockLlm, concurrency = 4): Engine {
    return new Engine({ registry: new ProviderRegistry({ providers: mockProviderConfigs(mock) }), concurrency, retry: { maxAttempts: 1 } });
  }

  async function openStore(): Promise<TraceStore> {
    const store = await TraceStore.open({ path: join(folder.dir, '.assay', 'history.sqlite') });
    stores.push(store);
    return store;
  }

  function write(name: string, text: string): string {
    const path = join(folder.dir, name);
    writeFileSync(path, text);
    return path;
  }

  function triageSuite(bank: string): TestSuite {
    write('triage.tests.yaml', bank);
    const suite = promptFileSuite(write('triage.prompt', TRIAGE_PROMPT), { root: folder.dir, defaultModels: [], files: TEST_FILES });
    assert.deepStrictEqual(suite.diagnostics, [], 'the fixture loads cleanly');
    return suite;
  }

  const run = (suite: TestSuite, engine: Engine, extra: Partial<TestRunOptions> = {}) => runTests({ suite, engine, grading: GRADING, trusted: true, ...extra });

  it('runs every case on every model, in order, and tells pass, fail and error apart', async () => {
    const mock = await mockServer();
    const suite = triageSuite(`
- description: double charge
  vars: { ticket: I was charged twice }
  assert: [{ type: equals, value: billing }]
- description: crash
  vars: { ticket: The app does not start }
  assert: [{ type: equals, value: bug }]
- description: no ticket
  assert: [{ type: equals, value: other }]
`);
    const report = await run(suite, engineFor(mock));
    assert.deepStrictEqual(
      report.executions.map((e) => [e.index, e.description, e.model, e.status]),
      [
        [0, 'double charge', 'openai:gpt-4o-mini', 'pass'],
        [1, 'double charge', 'openai:gpt-4o', 'pass'],
        [2, 'crash', 'openai:gpt-4o-mini', 'fail'],
        [3, 'crash', 'openai:gpt-4o', 'fail'],
        [4, 'no ticket', 'openai:gpt-4o-mini', 'error'],
        [5, 'no ticket', 'openai:gpt-4o', 'error'],
      ],
      'case × model order; a missing variable is an error, not a failure',
    );
    const noTicket = report.executions[4]!;
    assert.strictEqual(noTicket.error?.kind, 'render');
    assert.match(noTicket.error!.message, /'ticket'/, 'the render error names the variable');
    assert.strictEqual(mock.requests.length, 4, 'no call is made for a case that does not render');
    assert.deepStrictEqual(mock.requests.map((r) => r.body?.temperature), [0, 0, 0, 0], "the prompt's params are sent");
    const crash = report.executions[2]!;
    assert.strictEqual(crash.output, 'other');
    assert.strictEqual(crash.score, 0);
    assert.deepStrictEqual(crash.assertions.map((a) => [a.type, a.pass]), [['equals', false]]);
    assert.match(crash.reason, /^equals: /);
    assert.deepStrictEqual(
      report.models.map((m) => [m.model, m.passes, m.fails, m.errors, m.passRate]),
      [
        ['openai:gpt-4o-mini', 1, 1, 1, 0.5],
        ['openai:gpt-4o', 1, 1, 1, 0.5],
      ],
    );
    assert.deepStrictEqual([report.totals.executions, report.totals.passed, report.totals.failed, report.totals.errors], [6, 2, 2, 2]);
    assert.strictEqual(report.status, 'done');
    assert.match(report.runId, /^[0-9A-Z]{26}$/, 'a run id even without history');
    assert.deepStrictEqual(report.comparisons, [], 'no history, no comparison');
    assert.ok(report.executions.every((e) => e.traceId === null), 'no traces without history');
  });

  it('repeats from the run, the case or the bank make real calls each time; mixed verdicts are flaky', async () => {
    let n = 0;
    const mock = await mockServer({ reply: () => (n++ % 2 === 0 ? 'billing' : 'other') });
    const suite = triageSuite(`
defaults: { repeat: 2 }
tests:
  - description: bank repeat
    vars: { ticket: a }
    assert: [{ type: equals, value: billing }]
  - description: case repeat
    repeat: 3
    vars: { ticket: b }
    assert: [{ type: equals, value: billing }]
`);
    suite.models = suite.models.slice(0, 1);
    const fromBank = await run(suite, engineFor(mock, 1));
    assert.deepStrictEqual(
      fromBank.executions.map((e) => `${e.description} ${e.repeatIndex + 1}/${e.repeats}`),
      ['bank repeat 1/2', 'bank repeat 2/2', 'case repeat 1/3', 'case repeat 2/3', 'case repeat 3/3'],
    );
    assert.strictEqual(mock.requests.length, 5, 'identical repeated calls are not served from the cache');
    assert.ok(fromBank.executions.every((e) => !e.cacheHit));
    const stats = fromBank.models[0]!;
    assert.deepStrictEqual(stats.flaky.length, 2, 'both cases passed and failed');
    assert.deepStrictEqual([stats.passes, stats.fails, stats.trials], [3, 2, 5]);
    assert.ok(stats.interval.low > 0 && stats.interval.high < 1 && stats.interval.low < 0.6 && stats.interval.high > 0.6, JSON.stringify(stats.interval));

    const fromRun = await run(suite, engineFor(mock, 1), { repeat: 4 });
    assert.deepStrictEqual(fromRun.executions.length, 8, 'the run-level repeat overrides case and bank');
  });

  it('serves identical calls from the cache unless told not to', async () => {
    const mock = await mockServer();
    const suite = triageSuite(`
- description: first
  vars: { ticket: I was charged twice }
  assert: [{ type: equals, value: billing }]
- description: same request again
  vars: { ticket: I was charged twice }
  assert: [{ type: contains, value: bill }]
`);
    suite.models = suite.models.slice(0, 1);
    const engine = engineFor(mock, 1);
    const cached = await run(suite, engine);
    assert.strictEqual(mock.requests.length, 1, 'the second identical request is collapsed into the first');
    assert.deepStrictEqual(cached.executions.map((e) => [e.status, e.cacheHit]), [['pass', false], ['pass', true]]);
    const fresh = await run(suite, engine, { useCache: false });
    assert.strictEqual(mock.requests.length, 3, 'useCache: false makes every call');
    assert.ok(fresh.executions.every((e) => !e.cacheHit));
  });

  it('reports failed calls as errors with their kind, never as failures', async () => {
    const mock = await mockServer({ faults: [{ kind: 'status', status: 401, times: 2 }] });
    const suite = triageSuite(`
- vars: { ticket: I was charged twice }
  assert: [{ type: equals, value: billing }]
`);
    const report = await run(suite, engineFor(mock));
    assert.deepStrictEqual(report.executions.map((e) => [e.status, e.error?.kind]), [['error', 'auth'], ['error', 'auth']]);
    assert.deepStrictEqual(report.models.map((m) => [m.trials, m.errors, m.passRate]), [[0, 1, null], [0, 1, null]]);
    assert.deepStrictEqual(report.models[0]!.cases.map((c) => c.status), ['error']);
  });

  it('records traces, evaluations and grader calls under one run id, and compares with the previous run of the bank', async () => {
    let crashRoutesTo = 'bug';
    const mock = await mockServer({
      reply: (req) => {
        if (req.model === 'grader') return JSON.stringify({ pass: !req.prompt.includes('other'), score: 1, reason: 'graded' });
        if (req.prompt.includes('crash')) return crashRoutesTo;
        return triageReply(req.prompt);
      },
    });
    const store = await openStore();
    const bank = (crashExpects: string, questionExpects: string, extra = '') => `
- description: billing
  vars: { ticket: charged twice }
  assert: [{ type: equals, value: billing }, { type: llm-rubric, value: names a queue }]
- description: crash
  vars: { ticket: app crash }
  assert: [{ type: equals, value: ${crashExpects} }]
- description: question
  vars: { ticket: where is the manual }
  assert: [{ type: equals, value: ${questionExpects} }]
${extra}`;
    const oneModel = (text: string): TestSuite => {
      const suite = triageSuite(text);
      return { ...suite, models: suite.models.slice(0, 1) };
    };
    const first = await run(oneModel(bank('bug', 'billing')), engineFor(mock), { store, kind: 'cli' });
    assert.strictEqual(first.recorded, true);
    assert.deepStrictEqual(first.warnings, []);
    assert.deepStrictEqual(first.executions.map((e) => e.status), ['pass', 'pass', 'fail']);
    assert.deepStrictEqual(first.comparisons.map((c) => [c.model, c.previousRunId]), [['openai:gpt-4o-mini', null]], 'nothing to compare with yet');

    const traces = await store.listTraces({ runId: first.runId });
    const main = traces.items.filter((t) => t.promptPath === 'triage.prompt');
    const graders = traces.items.filter((t) => t.promptPath === GRADER_PROMPT_PATH);
    assert.strictEqual(main.length, 3, 'one trace per execution');
    assert.deepStrictEqual(graders.map((t) => [t.model, t.caseId]), [['grader', first.executions[0]!.caseId]], 'the grader call is a trace of the run too');
    const billing = first.executions[0]!;
    const record = await store.getTrace(billing.traceId!);
    assert.ok(record, 'the execution points at its trace');
    assert.strictEqual(record.runId, first.runId);
    assert.strictEqual(record.caseId, billing.caseId);
    assert.strictEqual(record.repeatIndex, 0);
    assert.deepStrictEqual(record.variables, { ticket: 'charged twice' });
    assert.deepStrictEqual(record.evaluations.map((e) => [e.assertionType, e.pass]).sort(), [['equals', true], ['llm-rubric', true]]);
    const runs = await store.listRuns({ bankPath: 'triage.prompt' });
    assert.deepStrictEqual(runs.items.map((r) => [r.id, r.kind, r.status, r.promptPath]), [[first.runId, 'cli', 'done', 'triage.prompt']]);

    crashRoutesTo = 'other';
    const refund = '- description: refund\n  vars: { ticket: "refund me, I paid twice" }\n  assert: [{ type: equals, value: billing }]';
    const second = await run(oneModel(bank('bug', 'other', refund)), engineFor(mock), { store });
    assert.deepStrictEqual(second.executions.map((e) => e.status), ['pass', 'fail', 'pass', 'pass']);
    const [cmp] = second.comparisons;
    assert.strictEqual(cmp!.previousRunId, first.runId);
    const names = (list: { caseId: string }[]) => list.map((c) => second.executions.find((e) => e.caseId === c.caseId)?.description);
    assert.deepStrictEqual(names(cmp!.comparison!.regressions), ['crash'], 'passed → failed');
    assert.deepStrictEqual(names(cmp!.comparison!.fixes), ['question'], 'failed → passed');
    assert.deepStrictEqual(names(cmp!.comparison!.newCases), ['refund']);
    assert.strictEqual(cmp!.comparison!.unchangedPassing, 1);
  });

  it('calls models while the store is still opening and records everything once it opens; a store that never opens records nothing', async () => {
    const mock = await mockServer();
    const bank = ['charged twice', 'app crash', 'where is the manual'].map((t) => `- description: ${t}\n  vars: { ticket: ${t} }\n  assert: [{ type: not-contains, value: zzz }]`).join('\n');
    let open!: (store: TraceStore | null) => void;
    const opening = new Promise<TraceStore | null>((resolve) => (open = resolve));
    const running = run(triageSuite(bank), engineFor(mock), { store: opening });
    // Every call is made before the store exists: the run does not wait for it.
    await mock.waitForRequests(6);
    const store = await openStore();
    open(store);
    const report = await running;
    assert.strictEqual(report.recorded, true);
    assert.deepStrictEqual(report.warnings, []);
    const traces = await store.listTraces({ runId: report.runId });
    assert.strictEqual(traces.items.length, 6, 'the rows queued while it opened were written');
    assert.deepStrictEqual(new Set(traces.items.map((t) => t.id)), new Set(report.executions.map((e) => e.traceId)));
    const runs = await store.listRuns({ bankPath: 'triage.prompt' });
    assert.deepStrictEqual(runs.items.map((r) => [r.id, r.status]), [[report.runId, 'done']]);

    const offline = await run(triageSuite(bank), engineFor(mock), { store: Promise.resolve(null) });
    assert.strictEqual(offline.recorded, false);
    assert.deepStrictEqual(offline.executions.map((e) => e.status), ['pass', 'pass', 'pass', 'pass', 'pass', 'pass']);
    assert.strictEqual((await store.listRuns({})).items.length, 1, 'nothing went to another store');

    // Not waiting for history: the run is handed over, and the store's next read sees all of it.
    const handedOver = await run(triageSuite(bank), engineFor(mock), { store, waitForHistory: false });
    assert.strictEqual(handedOver.recorded, true);
    assert.strictEqual((await store.listTraces({ runId: handedOver.runId })).items.length, 6);
    assert.strictEqual((await store.listRuns({})).items.find((r) => r.id === handedOver.runId)?.status, 'done');
  });

  it('cancels: queued jobs never start, calls in flight end as cancelled errors', async () => {
    const mock = await mockServer({ latencyMs: 2_000 });
    const suite = triageSuite(
      Array.from({ length: 10 }, (_, i) => `- vars: { ticket: ticket ${i} }\n  assert: [{ type: equals, value: other }]`).join('\n'),
    );
    const store = await openStore();
    const controller = new AbortController();
    const started: number[] = [];
    const finished: string[] = [];
    const running = run(suite, engineFor(mock, 2), {
      store,
      signal: controller.signal,
      onCaseStarted: (s) => started.push(s.index),
      onCaseFinished: (e, p) => finished.push(`${e.index}:${e.status}:${p.done}/${p.total}`),
    });
    await mock.waitForRequests(2);
    controller.abort();
    const report = await running;
    assert.strictEqual(report.status, 'cancelled');
    assert.strictEqual(mock.requests.length, 2, 'nothing after the two calls in flight was sent');
    assert.ok(report.executions.every((e) => e.status === 'error' && e.cancelled), 'cancelled executions are errors');
    assert.strictEqual(report.executions.filter((e) => e.error?.message === 'Cancelled before it started').length, 20 - started.length);
    assert.deepStrictEqual([report.totals.failed, report.totals.errors, report.totals.cancelled], [0, 20, 20]);
    assert.strictEqual(finished.length, 20, 'every execution is reported finished once');
    assert.ok(finished.at(-1)!.endsWith('20/20'));
    assert.deepStrictEqual(report.comparisons, [], 'a cancelled run is not compared');
    const [stored] = (await store.listRuns({ bankPath: 'triage.prompt' })).items;
    assert.strictEqual(stored!.status, 'cancelled');
  });

  it('runs a bank file against its prompt, with the bank defaults', async () => {
    const mock = await mockServer();
    write('triage.prompt', TRIAGE_PROMPT.replace('tests: triage.tests.yaml\n', ''));
    const bank = write('triage.csv', 'ticket,__expected,__description\n"charged twice",billing,double charge\n"app crash",bug,crash\n');
    const suite = bankFileSuite(bank, join(folder.dir, 'triage.prompt'), { root: folder.dir, defaultModels: [], files: TEST_FILES });
    assert.deepStrictEqual([suite.name, suite.promptPath, suite.bankPath], ['triage.csv', 'triage.prompt', 'triage.csv']);
    const report = await run(suite, engineFor(mock));
    assert.deepStrictEqual(report.executions.map((e) => e.status), ['pass', 'pass', 'pass', 'pass']);
  });

  it("runs a promptfoo config: text prompts, provider config, and endpoints of its own with promptfoo's keys", async () => {
    const mock = await mockServer({ apiKey: 'sk-inline-0123456789abcdef', reply: (req) => `you said: ${req.prompt}` });
    const other = await mockServer({ reply: (req) => `keyless: ${req.prompt}` });
    const config = write(
      'promptfooconfig.yaml',
      `prompts:
  - "Say {{ word }}"
providers:
  - id: openai:chat:gpt-4o-mini
    label: inline key
    config: { apiBaseUrl: ${mock.openaiBaseUrl}, apiKey: sk-inline-0123456789abcdef, temperature: 0.3, max_tokens: 7, stream: true }
  - id: openai:gpt-4o-mini
    label: no key
    config: { apiBaseUrl: ${other.openaiBaseUrl} }
defaultTest:
  assert: [{ type: contains, value: "{{ word }}" }]
tests:
  - vars: { word: hello }
`,
    );
    const [suite] = await promptfooSuites(config, { root: folder.dir, defaultModels: [], files: TEST_FILES });
    assert.deepStrictEqual(suite!.diagnostics.filter((d) => d.severity === 'error'), []);
    assert.ok(!JSON.stringify(suite!.endpoints).includes('sk-inline'), 'the inline key stays out of serialised endpoints');
    // As in promptfoo: the inline key wins; without one, OPENAI_API_KEY goes to the config's base URL too.
    const registry = new ProviderRegistry({ providers: suite!.endpoints, keys: (name) => (name === 'OPENAI_API_KEY' ? 'sk-env-key-from-openai-000' : undefined) });
    const report = await runTests({ suite: suite!, engine: new Engine({ registry }), grading: GRADING, trusted: true });
    assert.deepStrictEqual(report.executions.map((e) => [e.model, e.status, e.output, e.error?.message]), [
      ['inline key', 'pass', 'you said: Say hello', undefined],
      ['no key', 'pass', 'keyless: Say hello', undefined],
    ]);
    const sent = mock.requests[0]!;
    assert.deepStrictEqual(sent.body?.messages, [{ role: 'user', content: 'Say hello' }], 'a text prompt is one user message');
    assert.deepStrictEqual([sent.body?.temperature, sent.body?.max_tokens, sent.stream], [0.3, 7, true], "the provider's config is honoured");
    assert.strictEqual(mock.requests[0]!.headers.authorization, 'Bearer sk-inline-0123456789abcdef', 'the inline key wins over the environment');
    assert.strictEqual(other.requests[0]!.headers.authorization, 'Bearer sk-env-key-from-openai-000', 'OPENAI_API_KEY goes to the base URL the config chose, as promptfoo sends it');
  });
});
