// Tool loops end to end: a case's mockTools answer the model's tool calls through the real `openai` and
// `@anthropic-ai/sdk` clients against the mock LLM server (chat completions, the Responses API, Anthropic
// Messages; JSON and streamed), every step recorded as its own trace under the case's, and the trajectory
// assertions judging the recorded steps.
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProviderRegistry } from '../../src/core/providers/providerRegistry';
import { Engine } from '../../src/core/run/engine';
import { runTests } from '../../src/core/run/testRun';
import { promptFileSuite, type TestSuite } from '../../src/core/run/testSuite';
import { TraceStore } from '../../src/core/store/traceStore';
import { mockProviderConfigs } from '../support/mockLlmProviders';
import { startMockLlm, type MockLlm, type MockReply, type MockRequest } from '../support/mockLlmServer';
import { tempFolder } from '../support/storeFixtures';
import { TEST_FILES } from '../support/testFiles';

const GRADING = { graderModel: { provider: 'openai', model: 'grader' } };

/**
 * A deterministic agent: with no tool result yet it looks up the order; with one it asks for the weather in
 * the city the order ships to; with two it answers from both results, word for word.
 */
function agent(req: MockRequest): MockReply {
  const results = req.toolResults;
  if (results.length === 0) return { toolCalls: [{ id: 'call_order', name: 'get_order', arguments: { id: 'A1' } }] };
  if (results.length === 1) return { text: 'Checking the weather.', toolCalls: [{ id: 'call_weather', name: 'get_weather', arguments: { city: 'Paris', units: 'metric' } }] };
  return { text: `Order: ${results[0]!.output} Weather: ${results[1]!.output}` };
}

const TOOLS = `  tools:
    - type: function
      function: { name: get_order, parameters: { type: object, properties: { id: { type: string } } } }
    - type: function
      function: { name: get_weather, parameters: { type: object, properties: { city: { type: string }, units: { type: string } } } }`;

const BANK = `- description: order and weather
  vars: { question: Where is my order and what is the weather there? }
  mockTools:
    get_order:
      - args: { id: A1 }
        output: { status: shipped, city: Paris }
      - output: no such order
    get_weather: sunny, 21 C
  assert:
    - type: contains
      value: 'Weather: sunny, 21 C'
    - type: trajectory:tool-sequence
      value: { mode: exact, steps: [get_order, get_weather] }
    - type: trajectory:tool-args-match
      value: { name: get_weather, args: { city: Paris } }
    - type: trajectory:step-count
      value: { type: message, min: 3, max: 3 }
    - type: tool-call-f1
      value: [get_order, get_weather]
`;

describe('tool loops', function () {
  this.timeout(20_000);
  let folder: ReturnType<typeof tempFolder>;
  let mock: MockLlm;
  const stores: TraceStore[] = [];

  beforeEach(async () => {
    folder = tempFolder('assay-loop-');
    mock = await startMockLlm({ reply: agent, record: true });
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    await mock.close();
    folder.cleanup();
  });

  function suiteFor(model: string, extra: string, bank: string): TestSuite {
    writeFileSync(join(folder.dir, 'agent.tests.yaml'), bank);
    const prompt = `---\nmodel: ${model}\n${extra}params:\n  max_tokens: 100\n${TOOLS}\ntests: agent.tests.yaml\n---\nuser:\n{{ question }}\n`;
    const path = join(folder.dir, 'agent.prompt');
    writeFileSync(path, prompt);
    const suite = promptFileSuite(path, { root: folder.dir, defaultModels: [], files: TEST_FILES });
    assert.deepStrictEqual(suite.diagnostics, [], 'the fixture loads cleanly');
    return suite;
  }

  async function run(suite: TestSuite, concurrency = 4) {
    const store = await TraceStore.open({ path: join(folder.dir, '.assay', 'history.sqlite') });
    stores.push(store);
    const engine = new Engine({ registry: new ProviderRegistry({ providers: mockProviderConfigs(mock) }), concurrency, retry: { maxAttempts: 1 } });
    const report = await runTests({ suite, engine, store, grading: GRADING, trusted: true });
    return { report, store };
  }

  const apis: [string, string, string][] = [
    ['OpenAI chat completions', 'openai:gpt-5-mini', ''],
    ['the OpenAI Responses API', 'openai:gpt-5-mini', 'api: responses\n'],
    ['Anthropic Messages', 'anthropic:claude-haiku-4-5', ''],
  ];
  for (const [name, model, extra] of apis) {
    for (const stream of [false, true]) {
      it(`${name}${stream ? ', streamed' : ''}: model → tool calls → the case's mocks → model, to an answer`, async () => {
        const suite = suiteFor(model, extra, BANK);
        if (stream) suite.models = suite.models.map((m) => ({ ...m, stream: true }));
        const { report, store } = await run(suite);
        const e = report.executions[0]!;
        assert.equal(e.status, 'pass', `${e.reason}\n${JSON.stringify(e.assertions, null, 1)}`);
        assert.equal(e.output, 'Order: {"status":"shipped","city":"Paris"} Weather: sunny, 21 C', 'the answer is built from the mocked results the server received');

        const sent = mock.requests.filter((r) => r.api !== 'openai.models');
        assert.equal(sent.length, 3, 'three model calls');
        assert.deepStrictEqual(
          sent[2]!.toolResults,
          [
            { callId: 'call_order', output: '{"status":"shipped","city":"Paris"}' },
            { callId: 'call_weather', output: 'sunny, 21 C' },
          ],
          'each result answers its call by id, in order',
        );

        // Every step is a trace; the earlier ones hang under the case's, which holds the verdict.
        const page = await store.listTraces({ runId: report.runId });
        assert.equal(page.items.length, 3);
        const top = page.items.find((t) => t.id === e.traceId)!;
        assert.equal(top.parentId, null);
        assert.equal(top.step, 2);
        assert.equal(top.passed, 5, 'the assertions are recorded on the case trace');
        const children = page.items.filter((t) => t.parentId === e.traceId).sort((a, b) => a.step! - b.step!);
        assert.deepStrictEqual(children.map((t) => t.step), [0, 1]);
        const first = await store.getTrace(children[0]!.id);
        assert.deepStrictEqual(first?.toolCalls.map((c) => c.function.name), ['get_order']);
        assert.equal(e.usage?.inputTokens, (await Promise.all(page.items.map((t) => store.getTrace(t.id)))).reduce((n, t) => n + (t?.usage?.inputTokens ?? 0), 0), 'the execution counts every step');
      });
    }
  }

  it("Anthropic: the step's signed thinking goes back before its tool calls, as the API requires", async () => {
    await mock.close();
    mock = await startMockLlm({ record: true, reply: (req) => (req.toolResults.length < 2 ? { ...agent(req), thinking: [{ text: 'Look it up.', signature: 'sig-1' }, { redacted: 'enc-2' }] } : agent(req)) });
    const { report } = await run(suiteFor('anthropic:claude-haiku-4-5', '', BANK));
    assert.equal(report.executions[0]!.status, 'pass', report.executions[0]!.reason);
    const messages = mock.requests[1]!.body!.messages as { role: string; content: { type: string }[] }[];
    assert.deepStrictEqual(messages[1]!.content.slice(0, 3), [
      { type: 'thinking', thinking: 'Look it up.', signature: 'sig-1' },
      { type: 'redacted_thinking', data: 'enc-2' },
      { type: 'tool_use', id: 'call_order', name: 'get_order', input: { id: 'A1' } },
    ]);
  });

  it("the Responses API: the step's reasoning items go back just before its function calls", async () => {
    await mock.close();
    mock = await startMockLlm({ record: true, reply: (req) => (req.toolResults.length === 0 ? { ...agent(req), reasoning: 'Look the order up first.' } : agent(req)) });
    const { report } = await run(suiteFor('openai:gpt-5-mini', 'api: responses\n', BANK));
    assert.equal(report.executions[0]!.status, 'pass', report.executions[0]!.reason);
    const input = mock.requests[1]!.body!.input as { type?: string; role?: string }[];
    assert.deepStrictEqual(
      input.map((i) => i.type ?? i.role),
      ['message', 'reasoning', 'function_call', 'function_call_output'],
      'the question, then the reasoning and the call it led to, then the result',
    );
    assert.deepStrictEqual((input[1] as { summary?: unknown }).summary, [{ type: 'summary_text', text: 'Look the order up first.' }]);
  });

  it('hitting the step limit is an error, not a verdict', async () => {
    const bank = BANK.replace('  mockTools:', '  options: { maxToolSteps: 2 }\n  mockTools:');
    const { report } = await run(suiteFor('openai:gpt-5-mini', '', bank));
    const e = report.executions[0]!;
    assert.equal(e.status, 'error');
    assert.equal(e.error?.kind, 'tool-loop');
    assert.match(e.reason, /step limit of 2 model calls was reached and the model still called tools \(get_weather\)/);
    assert.equal(mock.requests.length, 2, 'no call past the limit');
  });

  it('a call the mocks do not answer is an error that names the tool', async () => {
    const bank = BANK.replace('    get_weather: sunny, 21 C\n', '');
    const { report } = await run(suiteFor('anthropic:claude-haiku-4-5', '', bank));
    const e = report.executions[0]!;
    assert.equal(e.status, 'error');
    assert.match(e.reason, /^tool-loop: the model called tool "get_weather", which the case's mockTools does not answer: add mockTools\.get_weather$/);
  });

  it('arguments no answer matches are an error, not the wrong answer', async () => {
    const bank = BANK.replace('      - output: no such order\n', '').replace('args: { id: A1 }', 'args: { id: B2 }');
    const { report } = await run(suiteFor('openai:gpt-5-mini', '', bank));
    assert.match(report.executions[0]!.reason, /no answer of mockTools\.get_order matches the call's arguments \{"id":"A1"\}/);
  });

  it('a bad mockTools value or run option is a diagnostic of the bank', () => {
    writeFileSync(
      join(folder.dir, 'agent.tests.yaml'),
      '- vars: { question: q }\n  mockTools:\n    get_order: { status: shipped }\n  options: { maxToolSteps: 0, storeOutputAs: 3, runSerially: "yes" }\n',
    );
    writeFileSync(join(folder.dir, 'agent.prompt'), '---\nmodel: openai:gpt-5-mini\ntests: agent.tests.yaml\n---\nuser:\n{{ question }}\n');
    const suite = promptFileSuite(join(folder.dir, 'agent.prompt'), { root: folder.dir, defaultModels: [], files: TEST_FILES });
    assert.deepStrictEqual(
      suite.diagnostics.map((d) => d.message),
      [
        'options.maxToolSteps must be a whole number ≥ 1 (model calls a tool loop may make)',
        'options.storeOutputAs must be the name of the variable later cases read the output as',
        'options.runSerially must be true or false',
        "mockTools.get_order must be the tool's output, or { output, args }: write output: for what the tool returns",
      ],
    );
  });
});
