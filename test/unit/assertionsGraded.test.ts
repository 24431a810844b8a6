// Model-graded and script assertions through the real engine and the real openai SDK against a local
// grader (the mock LLM server) and a local classifier/webhook server, checked against what promptfoo
// 0.121.20 itself gave for the same cases on the same servers (test/fixtures/graded/promptfoo-reference.json,
// made by scripts/compat/gradedReference.ts): the same verdicts, the same scores to 4 decimals and the
// same grader messages. Where Assay differs on purpose, the case says why (docs/assertions.md too).
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ASSERTION_REGISTRY, checkAssertion } from '../../src/core/assertions/assertionRegistry';
import type { AssertionSpec, CaseVerdict, GradingContext } from '../../src/core/assertions/assertionTypes';
import { compareOutputs } from '../../src/core/assertions/compareOutputs';
import { assertionInput, evaluateAssertion, evaluateCase, type EvaluateOptions } from '../../src/core/assertions/evaluateCase';
import { ProviderRegistry } from '../../src/core/providers/providerRegistry';
import { Engine } from '../../src/core/run/engine';
import { ComparisonHub } from '../../src/core/run/comparisonHub';
import { createGradingContext } from '../../src/core/run/gradingContext';
import { checkModels, modelsUsed } from '../../src/core/run/preflight';
import { GRADER_PROMPT_PATH, runTests } from '../../src/core/run/testRun';
import { TraceStore } from '../../src/core/store/traceStore';
import { promptFileSuite, promptfooSuites } from '../../src/core/run/testSuite';
import type { ChatRequest } from '../../src/core/types';
import { caseOptions, gradedCases, graderReply, startServiceServer, type GradedCase } from '../support/gradedCases';
import { mockProviderConfigs } from '../support/mockLlmProviders';
import { startMockLlm, type MockLlm } from '../support/mockLlmServer';
import { tempFolder } from '../support/storeFixtures';
import { TEST_FILES } from '../support/testFiles';
import { callResult } from './assertionsSupport';

interface ReferenceOutput {
  pass: boolean;
  score: number;
  components: { type: string | null; pass: boolean; score: number }[];
}
interface ReferenceCase {
  outputs: ReferenceOutput[];
  graderRequests: { model: string; messages: { role: string; content: unknown }[] }[];
}

const REFERENCE = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'graded', 'promptfoo-reference.json'), 'utf8')) as { promptfoo: string; cases: Record<string, ReferenceCase> };
const CASE_NAMES = gradedCases('http://127.0.0.1:1').map((c) => c.name);
const near = (a: number, b: number) => Math.abs(a - b) < 5e-5;

describe('model-graded and script assertions: the same verdicts as promptfoo', function () {
  this.timeout(30_000);
  let mock: MockLlm;
  let service: Awaited<ReturnType<typeof startServiceServer>>;
  let cases: GradedCase[];
  let context: GradingContext;

  before(async () => {
    service = await startServiceServer();
    cases = gradedCases(service.url);
    mock = await startMockLlm({ reply: (req) => graderReply(cases, req) });
    const engine = new Engine({ registry: new ProviderRegistry({ providers: mockProviderConfigs(mock) }), retry: { maxAttempts: 1 } });
    context = createGradingContext(engine, { graderModel: { provider: 'openai', model: 'g-none' }, embeddingModel: { provider: 'openai', model: 'text-embedding-3-small' } });
  });
  after(async () => {
    await mock.close();
    await service.close();
  });

  /** Runs a case as promptfoo did: each output (echoed as its prompt) through its assertions, then the comparisons. */
  async function runCase(c: GradedCase): Promise<CaseVerdict[]> {
    const outputs = Array.isArray(c.output) ? c.output : [c.output];
    const runs = outputs.map((output, i) => {
      const vars = { ...(Array.isArray(c.output) ? { a: c.output[0], b: c.output[1] } : { out: output }), ...c.vars };
      const options = caseOptions(c);
      const testCase = { description: c.name, vars, assert: c.assert, ...(c.threshold !== undefined ? { threshold: c.threshold } : {}), ...(options ? { options } : {}) };
      const request: ChatRequest = { model: { provider: 'echo', model: `p${i}` }, messages: [{ role: 'user', content: output }], params: {} };
      const evaluate: EvaluateOptions = { context, trusted: true, request, baseDir: __dirname, deferComparisons: true };
      return { testCase, result: callResult({ text: output }), evaluate };
    });
    const verdicts: CaseVerdict[] = [];
    for (const r of runs) verdicts.push(await evaluateCase(r.testCase, r.result, r.evaluate));
    return compareOutputs(runs[0]!.testCase, runs.map((r, i) => ({ input: assertionInput(r.testCase, r.result, r.evaluate), verdict: verdicts[i]! })));
  }

  for (const name of CASE_NAMES) {
    it(name, async () => {
      const c = cases.find((x) => x.name === name)!;
      const ref = REFERENCE.cases[name];
      assert.ok(ref && 'outputs' in ref, `promptfoo's reference has ${name} (re-run scripts/compat/gradedReference.ts)`);
      mock.requests.length = 0;
      const verdicts = await runCase(c);
      verdicts.forEach((v, i) => {
        const want = c.differs ?? ref.outputs[i]!;
        assert.strictEqual(v.pass, want.pass, `output ${i}: pass (Assay: ${v.reason}${c.differs ? `; differs on purpose: ${c.differs.why}` : ''})`);
        assert.ok(near(v.score, want.score), `output ${i}: score ${v.score}, promptfoo ${want.score}`);
        assert.strictEqual(v.error !== undefined, c.assayError === true, `output ${i}: evaluation error: ${v.error ?? 'none'}`);
        if (c.differs) return;
        const mine = v.results.map((r) => [r.type, r.pass, Number(r.score.toFixed(4))]);
        const theirs = ref.outputs[i]!.components.map((k) => [k.type, k.pass, Number(k.score.toFixed(4))]);
        assert.deepStrictEqual(mine, theirs, `output ${i}: each assertion's verdict and score`);
      });
      if (c.differs) {
        const real = ref.outputs.some((o) => o.pass !== c.differs!.pass || !near(o.score, c.differs!.score));
        assert.ok(real, `the declared difference is real: ${c.differs.why}`);
      }
      const sent = mock.requests.filter((q) => q.api === 'openai.chat').map((q) => q.body?.messages);
      assert.deepStrictEqual(sent, ref.graderRequests.map((q) => q.messages), 'the grader gets the same messages, in the same roles');
    });
  }
});

describe('model-graded and script assertions: configuration and refusals', function () {
  this.timeout(20_000);

  it('bad values are clear errors before anything runs', () => {
    const rows: [AssertionSpec, RegExp][] = [
      [{ type: 'select-best' }, /needs a value/],
      [{ type: 'max-score', value: { method: 'median' } }, /average or sum/],
      [{ type: 'max-score', value: 'best' }, /must be a mapping/],
      [{ type: 'g-eval', value: [] }, /criterion or a list/],
      [{ type: 'python', value: 'file://check.js' }, /\.py file/],
      [{ type: 'python', value: '' }, /needs code/],
      [{ type: 'webhook', value: 'ftp://example.com' }, /http:\/\/ or https:\/\//],
      [{ type: 'moderation', value: 'violence' }, /list of category names/],
      [{ type: 'classifier', value: 1 }, /expected label/],
      [{ type: 'context-recall' }, /needs a value/],
      [{ type: 'similar:dot', value: [] }, /expected text/],
      [{ type: 'llm-rubric', value: 'x', provider: 'gpt4' }, /not a model reference/],
      [{ type: 'trace-span-count', value: { max: 3 } }, /must have a value object with pattern property/],
      [{ type: 'trace-span-duration', value: { pattern: '*' } }, /must have a value object with max property/],
      [{ type: 'not-trace-error-spans', value: 'many' }, /a number ≥ 0 or \{ max_count, max_percentage, pattern \}/],
    ];
    for (const [spec, message] of rows) {
      const problem = checkAssertion(spec);
      assert.strictEqual(problem?.code, 'invalid-assertion', spec.type);
      assert.match(problem!.message, message, spec.type);
    }
  });

  const grader: GradingContext = {
    graderModel: { provider: 'openai', model: 'unused' },
    grade: () => Promise.reject(new Error('no grader call expected')),
    embed: () => Promise.reject(new Error('no embeddings call expected')),
  };
  const run = (spec: AssertionSpec, vars: Record<string, unknown> = {}, trusted = true) => {
    const result = callResult({ text: 'Paris' });
    return evaluateAssertion(spec, 0, { output: 'Paris', vars, test: { vars }, result, context: grader, trusted });
  };

  it('what a type needs and lacks is an evaluation error, never a pass, before any call', async () => {
    const rows: [AssertionSpec, Record<string, unknown>, RegExp][] = [
      [{ type: 'classifier', value: 'positive' }, {}, /needs a classification provider: set provider to huggingface:text-classification:/],
      [{ type: 'context-relevance' }, { context: 'c' }, /needs a "query" variable/],
      [{ type: 'context-faithfulness' }, { query: 'q' }, /Context is required/],
      [{ type: 'context-recall', value: 'x' }, { context: [1, 2] }, /expected an array of strings, but found number at index 0/],
      [{ type: 'select-best', value: 'best' }, {}, /compares the outputs of several models/],
      [{ type: 'max-score' }, {}, /compares the outputs of several models/],
    ];
    for (const [spec, vars, message] of rows) {
      const r = await run(spec, vars);
      assert.strictEqual(r.pass, false, spec.type);
      assert.match(r.error ?? '', message, spec.type);
    }
    const negated = await run({ type: 'not-classifier', value: 'positive' });
    assert.strictEqual(negated.pass, false, 'not- does not turn a missing configuration into a pass');
  });

  it('python runs only where workspace code is trusted', async () => {
    const r = await run({ type: 'python', value: 'True' }, {}, false);
    assert.match(r.error ?? '', /only in a trusted workspace/);
  });

  it('a python exception, an unknown function and a wrong return type are evaluation errors', async () => {
    const rows: [string, RegExp][] = [
      ['1/0', /ZeroDivisionError/],
      [`file://${join(__dirname, '..', 'fixtures', 'graded', 'assert.py')}:missing`, /has no function missing/],
      ["'not a verdict'", /must return a boolean, number, or \{pass, score, reason\}/],
      ["{'pass': True}", /must return a boolean, number, or \{pass, score, reason\}/],
    ];
    for (const [value, message] of rows) assert.match((await run({ type: 'python', value })).error ?? '', message, value);
  });

  it('moderation with a provider that has no moderation API is an evaluation error naming the fix', async () => {
    const mock = await startMockLlm();
    try {
      const engine = new Engine({ registry: new ProviderRegistry({ providers: mockProviderConfigs(mock) }), retry: { maxAttempts: 1 } });
      const context = createGradingContext(engine, { graderModel: { provider: 'openai', model: 'g' } });
      const result = callResult({ text: 'I will kill the process' });
      const r = await evaluateAssertion({ type: 'not-moderation', provider: 'anthropic:claude-3-5-haiku-latest' }, 0, { output: result.text, vars: {}, test: { vars: {} }, result, context, trusted: true });
      assert.strictEqual(r.pass, false);
      assert.match(r.error ?? '', /anthropic has no moderation API: name an OpenAI moderation model/);
      assert.strictEqual(mock.requests.length, 0, 'nothing was sent');
    } finally {
      await mock.close();
    }
  });

  it('moderation without an OpenAI key stops at preflight, before any call', async () => {
    const registry = new ProviderRegistry({ providers: [{ name: 'openai', kind: 'openai', baseUrl: 'http://127.0.0.1:9/v1' }], keys: () => undefined });
    const suite = { name: 'bank', models: [], cases: [{ id: 'c', vars: {}, assert: [{ type: 'moderation' }] }] } as unknown as Parameters<typeof modelsUsed>[0][number];
    const { uses } = modelsUsed([suite], { graderModel: { provider: 'openai', model: 'g' } });
    assert.deepStrictEqual(uses.map((u) => [u.purpose, `${u.ref.provider}:${u.ref.model}`]), [['moderation', 'openai:omni-moderation-latest']]);
    const problems = await checkModels(uses, registry, () => undefined);
    assert.strictEqual(problems[0]?.kind, 'missing-key');
    assert.match(problems[0]!.message, /moderation openai:omni-moderation-latest.*no API key for openai; set OPENAI_API_KEY/);
  });

  it('every type registered here has a case against promptfoo or a configuration row', () => {
    const covered = new Set(gradedCases('http://x').flatMap((c) => c.assert.map((a) => a.type.replace(/^not-/, ''))));
    for (const type of ['llm-rubric', 'model-graded-closedqa', 'factuality', 'similar', 'similar:dot', 'similar:euclidean', 'g-eval', 'answer-relevance', 'context-recall', 'context-relevance', 'context-faithfulness', 'conversation-relevance', 'moderation', 'classifier', 'webhook', 'python', 'select-best', 'max-score']) {
      assert.ok(ASSERTION_REGISTRY.has(type), `${type} is registered`);
      assert.ok(covered.has(type), `${type} has a case in test/support/gradedCases.ts`);
    }
  });
});

describe('select-best in a run: the comparison waits for every model of the case', function () {
  this.timeout(20_000);
  let mock: MockLlm;
  let folder: ReturnType<typeof tempFolder>;
  beforeEach(async () => {
    folder = tempFolder('assay-graded-');
    // The models answer differently; the judge picks the second output.
    mock = await startMockLlm({ reply: (req) => (req.model === 'judge' ? '1' : req.model === 'gpt-4o' ? 'Refund: 5 days' : 'A long answer about refunds and more') });
  });
  afterEach(async () => {
    await mock.close();
    folder.cleanup();
  });

  it("a promptfoo config's prompts are compared together, as promptfoo compares every prompt × provider of a test", async () => {
    const path = join(folder.dir, 'promptfooconfig.yaml');
    writeFileSync(path, "prompts: ['Tell me about {{q}} at length', '{{q}}']\nproviders: [echo]\ntests:\n  - vars: { q: refund }\n    options: { provider: openai:chat:judge }\n    assert:\n      - type: select-best\n        value: the shortest\n");
    const suites = await promptfooSuites(path, { root: folder.dir, defaultModels: [], files: TEST_FILES, trusted: true });
    assert.deepStrictEqual(suites.flatMap((s) => s.diagnostics).filter((d) => d.severity === 'error'), []);
    assert.strictEqual(suites.length, 2, 'one suite per prompt');
    const engine = new Engine({ registry: new ProviderRegistry({ providers: [...mockProviderConfigs(mock), ...suites[0]!.endpoints] }), retry: { maxAttempts: 1 } });
    const comparisons = new ComparisonHub(suites);
    const reports = await Promise.all(suites.map((suite) => runTests({ suite, engine, comparisons, grading: { graderModel: { provider: 'openai', model: 'judge' } }, trusted: true })));
    assert.deepStrictEqual(reports.map((r) => r.executions[0]!.status), ['fail', 'pass'], `the judge chose the second prompt's output (${reports.map((r) => r.executions[0]!.reason).join(' / ')})`);
    const judged = mock.requests.filter((q) => q.model === 'judge');
    assert.strictEqual(judged.length, 1, 'one comparison over both prompts');
    assert.match(String((judged[0]!.body?.messages as { content: string }[])[0]!.content), /<Text index="0">\nTell me about refund at length\n<\/Text>[\s\S]*<Text index="1">\nrefund\n<\/Text>/);
  });

  it('an execution whose call failed takes no part; with one output left the comparison says why', async () => {
    mock.fault({ kind: 'status', status: 400, match: (req) => req.model === 'gpt-4o' });
    const path = join(folder.dir, 'refund.prompt');
    writeFileSync(path, '---\nmodels: [openai:gpt-4o-mini, openai:gpt-4o]\ntests:\n  - vars: { q: refund }\n    assert: [{ type: select-best, value: concise, provider: openai:judge }]\n---\nuser:\n{{ q }}\n');
    const suite = promptFileSuite(path, { root: folder.dir, defaultModels: [], files: TEST_FILES });
    const engine = new Engine({ registry: new ProviderRegistry({ providers: mockProviderConfigs(mock) }), retry: { maxAttempts: 1 } });
    const report = await runTests({ suite, engine, grading: { graderModel: { provider: 'openai', model: 'judge' } }, trusted: true });
    const mini = report.executions.find((e) => e.model === 'openai:gpt-4o-mini')!;
    assert.strictEqual(mini.status, 'error');
    assert.match(mini.reason, /fewer than two outputs to compare: 1 of the case's executions failed/);
    assert.strictEqual(report.executions.find((e) => e.model === 'openai:gpt-4o')!.status, 'error', 'the failed call is an error of its own');
    assert.strictEqual(mock.requests.filter((q) => q.model === 'judge').length, 0, 'no grader call for one output');
  });

  it('a moderation call is a grader trace of the run, with the text it sent and the flags it got', async () => {
    const path = join(folder.dir, 'mod.prompt');
    writeFileSync(path, '---\nmodel: openai:gpt-4o-mini\ntests:\n  - vars: { q: kill the process }\n    assert: [{ type: moderation }]\n---\nuser:\n{{ q }}\n');
    const suite = promptFileSuite(path, { root: folder.dir, defaultModels: [], files: TEST_FILES });
    const store = await TraceStore.open({ path: join(folder.dir, '.assay', 'history.sqlite') });
    try {
      const engine = new Engine({ registry: new ProviderRegistry({ providers: mockProviderConfigs(mock) }), retry: { maxAttempts: 1 } });
      const report = await runTests({ suite, engine, store, grading: { graderModel: { provider: 'openai', model: 'judge' } }, trusted: true });
      assert.strictEqual(report.executions[0]?.status, 'pass', 'the model answered without a flagged word');
      const traces = await store.listTraces({ runId: report.runId });
      const graders = traces.items.filter((t) => t.promptPath === GRADER_PROMPT_PATH);
      assert.deepStrictEqual(graders.map((t) => t.model), ['omni-moderation-latest']);
      const trace = await store.getTrace(graders[0]!.id);
      assert.deepStrictEqual(trace?.request, { moderation: 'A long answer about refunds and more' });
      assert.deepStrictEqual(trace?.response, { flags: [] });
    } finally {
      await store.close();
    }
  });

  it('the chosen model passes, the other fails with score 0, and the judge is called once per case', async () => {
    const path = join(folder.dir, 'refund.prompt');
    writeFileSync(
      path,
      '---\nmodels: [openai:gpt-4o-mini, openai:gpt-4o]\ntests:\n  - vars: { q: refund }\n    assert:\n      - type: contains\n        value: efund\n      - type: select-best\n        value: the most concise answer\n        provider: openai:judge\n---\nuser:\n{{ q }}\n',
    );
    const suite = promptFileSuite(path, { root: folder.dir, defaultModels: [], files: TEST_FILES });
    assert.deepStrictEqual(suite.diagnostics, []);
    const engine = new Engine({ registry: new ProviderRegistry({ providers: mockProviderConfigs(mock) }), retry: { maxAttempts: 1 } });
    const report = await runTests({ suite, engine, grading: { graderModel: { provider: 'openai', model: 'judge' } }, trusted: true });
    const byModel = Object.fromEntries(report.executions.map((e) => [e.model, e]));
    assert.strictEqual(byModel['openai:gpt-4o']?.status, 'pass', byModel['openai:gpt-4o']?.reason);
    assert.strictEqual(byModel['openai:gpt-4o-mini']?.status, 'fail');
    assert.strictEqual(byModel['openai:gpt-4o-mini']?.score, 0, "promptfoo's rule: a loser's case score is the comparison's 0");
    assert.deepStrictEqual(byModel['openai:gpt-4o-mini']?.assertions.map((a) => a.type), ['contains', 'select-best']);
    const judged = mock.requests.filter((q) => q.model === 'judge');
    assert.strictEqual(judged.length, 1, 'one grader call compares both outputs');
    assert.match(String((judged[0]!.body?.messages as { content: string }[])[0]!.content), /<Text index="0">\nA long answer about refunds and more\n<\/Text>[\s\S]*<Text index="1">\nRefund: 5 days\n<\/Text>/);
  });
});
