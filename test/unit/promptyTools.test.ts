// Prompty's top-level `tools:` and `outputs:` into the request. The expected shapes are what Prompty's own
// executors produce for the same front matter (2.0: providers/openai/executor.py `_tools_to_wire` /
// `_output_schema_to_wire`, checked by running them on these files; 1.0: common.py).
import * as assert from 'node:assert/strict';
import { parsePromptFile } from '../../src/core/promptFile/parsePromptFile';
import { renderPrompt } from '../../src/core/promptFile/renderPrompt';
import { ProviderRegistry } from '../../src/core/providers/providerRegistry';
import { mockProviderConfigs, TEST_OPENAI_KEY } from '../support/mockLlmProviders';
import { startMockLlm } from '../support/mockLlmServer';

function prompty(frontMatter: string) {
  return parsePromptFile(`---\nname: Event Finder\n${frontMatter}---\nuser:\nhi\n`, { path: '/p/x.prompty' });
}

const errors = (doc: ReturnType<typeof prompty>): string[] => doc.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code}: ${d.message}`);

describe('Prompty tools: and outputs: go into the request', () => {
  it('2.0 function tools: parameters as a list, required and strict as Prompty 2.0 sends them', () => {
    const doc = prompty(`model: gpt-4o
tools:
  - name: get_weather
    kind: function
    description: Get the current weather
    parameters:
      - name: location
        kind: string
        description: City and state
        required: true
      - name: unit
        kind: string
        enumValues: [celsius, fahrenheit]
    strict: true
  - name: ping
    kind: function
`);
    assert.deepEqual(errors(doc), []);
    assert.deepEqual(doc.params.tools, [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Get the current weather',
          parameters: {
            type: 'object',
            properties: {
              location: { type: 'string', description: 'City and state' },
              unit: { type: ['string', 'null'], enum: ['celsius', 'fahrenheit', null] },
            },
            required: ['location', 'unit'],
            additionalProperties: false,
          },
          strict: true,
        },
      },
      { type: 'function', function: { name: 'ping' } },
    ]);
  });

  it('2.0 parameters as a mapping of name → spec', () => {
    const doc = prompty('model: gpt-4o\ntools:\n  - name: get_weather\n    kind: function\n    parameters:\n      location: { kind: string, description: City and state }\n');
    assert.deepEqual(doc.params.tools, [
      { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { location: { type: 'string', description: 'City and state' } } } } },
    ]);
  });

  it('1.0 function tools (id, type, parameters by name) as Prompty 1.0 sends them', () => {
    const doc = prompty(`model:
  api: chat
tools:
  - id: get_current_weather
    type: function
    description: Get the weather.
    parameters:
      city: { type: string, description: The city., required: true }
      unit: { type: string, enum: [Celsius, Fahrenheit] }
`);
    assert.equal(doc.promptyVersion, 1);
    assert.deepEqual(doc.params.tools, [
      {
        type: 'function',
        function: {
          name: 'get_current_weather',
          description: 'Get the weather.',
          parameters: {
            type: 'object',
            properties: { city: { type: 'string', description: 'The city.' }, unit: { type: 'string', enum: ['Celsius', 'Fahrenheit'] } },
            required: ['city'],
          },
        },
      },
    ]);
  });

  it('a tool of another kind is an error before any call, not a tool left out', () => {
    const doc = prompty('model: gpt-4o\ntools:\n  - name: search\n    kind: web_search\n');
    assert.deepEqual(errors(doc), ["unsupported-tool: Tool 1 'search' is of kind 'web_search', which Assay cannot run (only kind: function); remove it or run this file with Prompty."]);
    assert.equal(doc.params.tools, undefined);
    assert.equal(doc.diagnostics.find((d) => d.code === 'unsupported-tool')?.range.start.line, 4, 'on the tool');
  });

  it('2.0 outputs: a strict json_schema named structured_output; optional properties nullable', () => {
    const doc = prompty(`model: gpt-4o
outputs:
  - name: summary
    kind: string
    description: A brief summary
    required: true
  - name: keyPoints
    kind: array
    required: true
    items:
      kind: string
  - name: where
    kind: object
    required: true
    properties:
      - name: city
        kind: string
  - name: confidence
    kind: number
`);
    assert.deepEqual(errors(doc), []);
    assert.deepEqual(doc.params.response_format, {
      type: 'json_schema',
      json_schema: {
        name: 'structured_output',
        strict: true,
        schema: {
          type: 'object',
          properties: {
            summary: { type: 'string', description: 'A brief summary' },
            keyPoints: { type: 'array', items: { type: 'string' } },
            where: { type: 'object', properties: { city: { type: ['string', 'null'] } }, required: ['city'], additionalProperties: false },
            confidence: { type: ['number', 'null'] },
          },
          required: ['summary', 'keyPoints', 'where', 'confidence'],
          additionalProperties: false,
        },
      },
    });
  });

  it("1.0 outputs by name: each property's type, the schema named after the prompt", () => {
    const doc = prompty('model:\n  api: chat\noutputs:\n  name: { type: string, description: The name. }\n  when: { type: string }\n');
    assert.deepEqual(doc.params.response_format, {
      type: 'json_schema',
      json_schema: {
        name: 'event_finder',
        strict: true,
        schema: { type: 'object', properties: { name: { type: 'string' }, when: { type: 'string' } }, required: ['name', 'when'], additionalProperties: false },
      },
    });
  });

  it('the tools, the schema and a developer message reach the wire through the real OpenAI client', async () => {
    const mock = await startMockLlm({ apiKey: TEST_OPENAI_KEY, reply: () => '{"summary":"x"}' });
    try {
      const doc = parsePromptFile('---\nname: t\nmodel: openai:gpt-4o\ntools:\n  - name: ping\n    kind: function\noutputs:\n  - name: summary\n    kind: string\n    required: true\n---\ndeveloper:\nBe brief.\nuser:\nhi\n', { path: '/p/x.prompty' });
      const r = renderPrompt(doc, {});
      assert.ok(!('error' in r));
      const provider = new ProviderRegistry({ providers: mockProviderConfigs(mock) }).get('openai')!;
      const prepared = provider.prepare({ model: { provider: 'openai', model: 'gpt-4o' }, messages: r.messages, params: doc.params }, false);
      assert.ok(!('error' in prepared));
      const outcome = await provider.chat(prepared, { signal: new AbortController().signal, timeoutMs: 10_000 });
      assert.equal(outcome.result.error, undefined, outcome.result.error?.message);
      const body = mock.requests[0]!.body!;
      assert.deepEqual(body['tools'], [{ type: 'function', function: { name: 'ping' } }]);
      assert.deepEqual((body['response_format'] as { json_schema: { name: string } }).json_schema.name, 'structured_output');
      assert.deepEqual(body['messages'], [{ role: 'developer', content: 'Be brief.' }, { role: 'user', content: 'hi' }], "OpenAI's developer role as written");
    } finally {
      await mock.close();
    }
  });
});

describe("Prompty 1.0's dynamic tools block", () => {
  const v1 = (body: string) => parsePromptFile(`---\nname: t\nmodel:\n  api: chat\ninputs:\n  q: hi\n---\n${body}`, { path: '/p/x.prompty' });

  it('a leading tools: block joins the tools and is no message', () => {
    const doc = v1('tools:\n  - id: lookup\n    type: function\n    description: Look up.\n    parameters:\n      - name: id\n        type: string\n\nsystem:\nHelp.\nuser:\n{{ q }}\n\n');
    assert.deepEqual(doc.diagnostics.filter((d) => d.severity === 'error' || d.code === 'unknown-role'), []);
    assert.deepEqual(doc.params.tools, [
      { type: 'function', function: { name: 'lookup', description: 'Look up.', parameters: { type: 'object', properties: { id: { type: 'string' } }, required: [] } } },
    ]);
    const r = renderPrompt(doc, {});
    assert.ok(!('error' in r));
    assert.deepEqual(r.messages, [{ role: 'system', content: 'Help.' }, { role: 'user', content: 'hi' }]);
  });

  it('a block with template tags is an error, not a guess', () => {
    const doc = v1('tools:\n  - id: {{ q }}\n    type: function\nuser:\nhi\n');
    assert.match(errors(doc as ReturnType<typeof prompty>).join('\n'), /unsupported-tool: The dynamic tools block holds template tags/);
  });

  it('in a 2.0 file a tools: line is no role: the text stays in the system message', () => {
    const doc = parsePromptFile('---\nname: t\nmodel: gpt-4o\n---\ntools:\n  - x\nuser:\nhi\n', { path: '/p/x.prompty' });
    assert.equal(doc.params.tools, undefined);
    const r = renderPrompt(doc, {});
    assert.ok(!('error' in r));
    assert.deepEqual(r.messages[0], { role: 'system', content: 'tools:\n  - x' });
  });
});

describe('lint accepts valid Prompty 2.0 input keys and kinds', () => {
  it('additionalProperties, nullable, anyOf, and kinds image, audio, file, float', () => {
    const doc = prompty(`model: gpt-4o
inputs:
  - name: profile
    kind: object
    additionalProperties: false
    nullable: true
  - name: photo
    kind: image
  - name: clip
    kind: audio
  - name: doc
    kind: file
  - name: score
    kind: float
    default: 0.5
`);
    assert.deepEqual(doc.diagnostics.filter((d) => d.code === 'unknown-key' || d.code === 'input-type').map((d) => d.message), []);
  });

  it('an audio input given a value is an error naming it (no audio parts yet), without one the file renders', () => {
    const doc = prompty('model: gpt-4o\ninputs:\n  - name: clip\n    kind: audio\n');
    assert.ok(!('error' in renderPrompt(doc, {})));
    const r = renderPrompt(doc, { clip: 'a.wav' });
    assert.ok('error' in r);
    assert.match(r.error.message, /'clip' is a audio input: audio content parts are not supported yet/);
  });
});
