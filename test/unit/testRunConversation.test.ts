// Cases that read earlier outputs, run at concurrency > 1: promptfoo's `_conversation` (the earlier turns of the
// same prompt and model, in test order) and `options.storeOutputAs` (an output as a later case's variable),
// in a promptfoo config and in Assay's own prompt files and banks. The order is proven by what the server
// received: a later turn's request holds the earlier answers, which exist only once those calls returned.
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProviderRegistry } from '../../src/core/providers/providerRegistry';
import { Engine } from '../../src/core/run/engine';
import { promptUsesConversation } from '../../src/core/run/conversationChains';
import { runTests } from '../../src/core/run/testRun';
import { promptFileSuite, promptfooSuites, type TestSuite } from '../../src/core/run/testSuite';
import { mockProviderConfigs } from '../support/mockLlmProviders';
import { startMockLlm, type MockLlm } from '../support/mockLlmServer';
import { tempFolder } from '../support/storeFixtures';
import { TEST_FILES } from '../support/testFiles';

const GRADING = { graderModel: { provider: 'openai', model: 'grader' } };

describe('conversations across cases', function () {
  this.timeout(20_000);
  let folder: ReturnType<typeof tempFolder>;
  let mock: MockLlm;

  beforeEach(async () => {
    folder = tempFolder('assay-conv-');
    // Each answer names the model and echoes the last user message, so every turn is recognisable.
    mock = await startMockLlm({ record: true, reply: (req) => `${req.model} says ${req.prompt}` });
  });
  afterEach(async () => {
    await mock.close();
    folder.cleanup();
  });

  const run = (suite: TestSuite) =>
    runTests({ suite, engine: new Engine({ registry: new ProviderRegistry({ providers: mockProviderConfigs(mock) }), concurrency: 8, retry: { maxAttempts: 1 } }), grading: GRADING, trusted: true, useCache: false });

  /** Writes chat.prompt and loads it as a suite. */
  const promptSuite = (text: string): TestSuite => {
    writeFileSync(join(folder.dir, 'chat.prompt'), text);
    return promptFileSuite(join(folder.dir, 'chat.prompt'), { root: folder.dir, defaultModels: [], files: TEST_FILES });
  };

  const messagesTo = (model: string) => mock.requests.filter((r) => r.model === model).map((r) => r.body!.messages as { role: string; content: string }[]);

  it("promptfoo's _conversation: each turn's request holds the earlier turns of its own model, in test order", async () => {
    const prompt = `[
  {% for completion in _conversation %}
    {"role": "user", "content": {{ completion.input | dump }}},
    {"role": "assistant", "content": {{ completion.output | dump }}},
  {% endfor %}
  {"role": "user", "content": {{ question | dump }}}
]`;
    writeFileSync(join(folder.dir, 'chat.json'), prompt);
    writeFileSync(
      join(folder.dir, 'promptfooconfig.yaml'),
      `prompts: [file://chat.json]
providers: [openai:chat:gpt-a, openai:chat:gpt-b]
tests:
  - vars: { question: one }
  - vars: { question: two }
  - vars: { question: three }
    assert:
      - type: javascript
        value: context.vars._conversation.length === 3 && context.vars._conversation[2].output === output
  - vars: { question: apart }
    metadata: { conversationId: other }
`,
    );
    const [suite] = await promptfooSuites(join(folder.dir, 'promptfooconfig.yaml'), { root: folder.dir, defaultModels: [], files: TEST_FILES, trusted: true });
    assert.deepStrictEqual(suite!.diagnostics, []);
    const report = await run(suite!);
    assert.deepStrictEqual(report.executions.map((e) => e.status), ['pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass'], report.executions.map((e) => e.reason).join('\n'));
    for (const model of ['gpt-a', 'gpt-b']) {
      const sent = messagesTo(model);
      assert.equal(sent.length, 4);
      assert.deepStrictEqual(
        sent[2],
        [
          { role: 'user', content: 'one' },
          { role: 'assistant', content: `${model} says one` },
          { role: 'user', content: 'two' },
          { role: 'assistant', content: `${model} says two` },
          { role: 'user', content: 'three' },
        ],
        `${model}'s third turn came after its first two answers, and only its own`,
      );
      assert.deepStrictEqual(sent[3], [{ role: 'user', content: 'apart' }], 'another conversationId starts its own conversation');
    }
  });

  it("storeOutputAs and `messages: _conversation` in Assay's own prompt file and bank", async () => {
    writeFileSync(
      join(folder.dir, 'chat.tests.yaml'),
      `- vars: { question: hello }
  options: { storeOutputAs: first }
- vars: { question: again }
  assert:
    - type: contains
      value: you first said
- vars: { question: last }
  options: { disableConversationVar: true }
`,
    );
    const suite = promptSuite(
      `---
models: [openai:gpt-a, anthropic:claude-b]
inputs:
  question: { type: string }
  first: { type: string, default: '' }
tests: chat.tests.yaml
---
system:
Be brief.

messages: _conversation

user:
{{ question }}{% if first %} (you first said: {{ first }}){% endif %}
`,
    );
    assert.deepStrictEqual(suite.diagnostics, []);
    const report = await run(suite);
    assert.ok(report.executions.every((e) => e.status === 'pass'), report.executions.map((e) => e.reason).join('\n'));
    const a = messagesTo('gpt-a');
    assert.deepStrictEqual(a[1], [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'hello' },
      { role: 'assistant', content: 'gpt-a says hello' },
      { role: 'user', content: 'again (you first said: gpt-a says hello)' },
    ]);
    assert.deepStrictEqual(a[2]!.map((m) => m.content), ['Be brief.', 'last (you first said: gpt-a says hello)'], 'disableConversationVar leaves the turns out; the stored output stays');
    const b = mock.requests.filter((r) => r.model === 'claude-b').map((r) => r.prompt);
    assert.deepStrictEqual(b, ['hello', 'again (you first said: claude-b says hello)', 'last (you first said: claude-b says hello)'], "each model's chain reads its own stored output");
  });

  it("promptfoo's runSerially: those cases run first, each alone, then the rest concurrently", async () => {
    const suite = promptSuite(
      `---
models: [openai:gpt-a, openai:gpt-b]
inputs:
  question: { type: string }
tests:
  - vars: { question: one }
  - vars: { question: two }
    options: { runSerially: true }
  - vars: { question: three }
---
user:
{{ question }}
`,
    );
    const report = await run(suite);
    assert.deepStrictEqual(report.executions.map((e) => `${e.model} ${e.output}`), ['openai:gpt-a gpt-a says one', 'openai:gpt-b gpt-b says one', 'openai:gpt-a gpt-a says two', 'openai:gpt-b gpt-b says two', 'openai:gpt-a gpt-a says three', 'openai:gpt-b gpt-b says three'], 'reported in test order');
    assert.deepStrictEqual(mock.requests.slice(0, 2).map((r) => `${r.model} ${r.prompt}`), ['gpt-a two', 'gpt-b two'], 'the serial case first, model by model');
    assert.ok(mock.answered[0]!.at <= mock.requests[1]!.at, 'the second serial call was sent after the first was answered');
    assert.ok(mock.answered[1]!.at <= mock.requests[2]!.at, 'the rest after the serial ones');
  });

  it("a case's own _conversation stays as written when the prompt does not read it (conversation-relevance data)", async () => {
    const suite = promptSuite(
      `---
model: openai:gpt-a
inputs:
  question: { type: string }
tests:
  - vars:
      question: first
      _conversation: [{ input: written, output: by hand }]
    options: { storeOutputAs: before }
    assert:
      - type: javascript
        value: context.vars._conversation.length === 1 && context.vars._conversation[0].input === 'written'
---
user:
{{ question }}
`,
    );
    const report = await run(suite);
    assert.equal(report.executions[0]!.status, 'pass', report.executions[0]!.reason);
  });

  const uses: [string, string, boolean][] = [
    ['a loop over it', '{% for t in _conversation %}{{ t.output }}{% endfor %}{{ question }}', true],
    ['a placeholder line in a prompt file', 'system:\nBe brief.\n\nmessages: _conversation\n\nuser:\n{{ q }}', true],
    ['only in text, not as a variable', 'Ignore the word _conversation here: {{ q }}', false],
    ['a longer name', '{{ my_conversation }}', false],
    ['a template that does not parse but names it (promptfoo counts it)', '{% for t in _conversation %}', true],
    ['not at all', '{{ q }}', false],
  ];
  for (const [why, template, expected] of uses) it(`reads _conversation: ${why}`, () => assert.equal(promptUsesConversation(template), expected));
});
