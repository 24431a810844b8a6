// promptfoo provider resolution, table by table: ids → vendor, model and API kind; endpoints and key
// variables read from the environment in promptfoo's order; config keys honoured, ignored or refused;
// graders with their own config.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePromptfooConfig } from '../../src/core/testBank/promptfooConfig';
import { parsePromptfooProviderId, resolveEndpoint } from '../../src/core/testBank/promptfooProviders';
import { PromptfooEndpoints, promptfooDefaultGraders, resolvePromptfooGraders } from '../../src/core/testBank/promptfooTargets';
import { applyDefaults } from '../../src/core/testBank/normalizeCase';
import { TEST_FILES } from '../support/testFiles';

const FILE = join(__dirname, '../fixtures/banks/promptfoo/inline.yaml');

describe('promptfoo provider ids', () => {
  const ids: [string, string | RegExp][] = [
    ['openai:gpt-4o-mini', 'openai gpt-4o-mini chat'],
    ['openai:chat:gpt-4o-mini', 'openai gpt-4o-mini chat'],
    ['openai:chat:ft:gpt-4o-mini:org::abc', 'openai ft:gpt-4o-mini:org::abc chat'],
    ['openai:embedding:text-embedding-3-small', 'openai text-embedding-3-small embedding'],
    ['openai:chat', 'openai gpt-4.1-2025-04-14 chat'],
    ['openai:embeddings', 'openai text-embedding-3-large embedding'],
    ['openai:embeddings:text-embedding-3-large', 'openai text-embedding-3-large embedding'],
    ['openai:responses:gpt-4.1', 'openai gpt-4.1 chat'],
    ['openai:responses', 'openai gpt-4.1-2025-04-14 chat'],
    ['openai:realtime:gpt-realtime', /Realtime API is not supported/],
    ['openai:completion:gpt-3.5-turbo-instruct', /legacy completions API is not supported/],
    ['openai:assistant:asst_1', /Assistants are not supported/],
    ['anthropic:messages:claude-3-5-haiku-latest', 'anthropic claude-3-5-haiku-latest chat'],
    ['anthropic:claude-3-5-haiku-latest', 'anthropic claude-3-5-haiku-latest chat'],
    ['anthropic:completion:claude-2', /Text Completions API is not supported/],
    ['azure:chat:my-deployment', 'azure my-deployment chat'],
    ['azureopenai:chat:my-deployment', 'azure my-deployment chat'],
    ['azure:embedding:ada', 'azure ada embedding'],
    ['azure:responses:x', /Azure Responses API is not supported yet/],
    ['groq:llama-3.3-70b-versatile', 'groq llama-3.3-70b-versatile chat'],
    ['groq:openai/gpt-oss-120b', 'groq openai/gpt-oss-120b chat'],
    ['groq:responses:llama', /Groq Responses API is not supported/],
    ['openrouter:anthropic/claude-3.5-sonnet', 'openrouter anthropic/claude-3.5-sonnet chat'],
    ['mistral:mistral-large-latest', 'mistral mistral-large-latest chat'],
    ['mistral:chat:mistral-small', 'mistral mistral-small chat'],
    ['deepseek', 'deepseek deepseek-chat chat'],
    ['deepseek:deepseek-reasoner', 'deepseek deepseek-reasoner chat'],
    ['xai:grok-3', 'xai grok-3 chat'],
    ['xai:embedding:x', /xAI has no public embeddings API/],
    ['togetherai:meta-llama/Llama-3-8b', 'togetherai meta-llama/Llama-3-8b chat'],
    ['togetherai:chat:meta-llama/Llama-3-8b', 'togetherai meta-llama/Llama-3-8b chat'],
    ['fireworks:accounts/fireworks/models/llama-v3-8b', 'fireworks accounts/fireworks/models/llama-v3-8b chat'],
    ['perplexity', 'perplexity sonar chat'],
    ['cerebras:llama3.1-8b', 'cerebras llama3.1-8b chat'],
    ['localai:phi', 'localai phi chat'],
    ['ollama:chat:llama3.1:8b', 'ollama llama3.1:8b chat'],
    ['ollama:llama3.1:8b', 'ollama llama3.1:8b chat'],
    ['ollama:embeddings:nomic-embed-text', 'ollama nomic-embed-text embedding'],
    ['ollama:completion:llama3', 'ollama llama3 chat'],
    ['OpenAI:gpt-4o', 'openai gpt-4o chat'],
    ['vllm:llama', /promptfoo has no vllm: provider/],
    ['lmstudio:x', /promptfoo has no lmstudio: provider/],
    ['together:x', /togetherai:MODEL/],
    ['bedrock:anthropic.claude', /unknown provider "bedrock:anthropic.claude"/],
    ['ws://example.com/socket', /provider "ws:\/\/example\.com\/socket" is not supported: Assay runs model APIs/],
    ['golang:provider.go', /provider "golang:provider\.go" is not supported/],
    ['ruby:provider.rb', /is not supported: .*http\(s\), exec: and file:\/\/ JavaScript, TypeScript and Python providers/],
    ['gpt-4o', /is not a provider id/],
    ['openai:', /names no model/],
  ];
  it('runs an id without an API kind through the API promptfoo would use: Responses for its Responses-only models', () => {
    const api = (id: string): string | undefined => {
      const p = parsePromptfooProviderId(id);
      return 'error' in p ? p.error : (p.api ?? 'chat');
    };
    assert.deepStrictEqual(
      ['openai:gpt-5.5', 'openai:gpt-5.5-pro', 'openai:gpt-5.6-sol', 'openai:chat:gpt-5.5-pro', 'openai:responses:gpt-5.5', 'groq:gpt-5.5-pro'].map(api),
      ['chat', 'responses', 'responses', 'chat', 'responses', 'chat'],
    );
  });

  for (const [id, expected] of ids) {
    it(id, () => {
      const p = parsePromptfooProviderId(id);
      if (typeof expected === 'string') {
        assert.ok(!('error' in p), 'error' in p ? p.error : '');
        if (!('error' in p)) assert.strictEqual(`${p.vendor.ids[0]} ${p.model} ${p.use}`, expected);
      } else {
        assert.ok('error' in p, `${id} is refused`);
        if ('error' in p) assert.match(p.error, expected);
      }
    });
  }
});

/** The one provider of a config listing `provider` (no errors expected). */
function one(provider: string) {
  const c = parsePromptfooConfig(`prompts: [x]\nproviders:\n${provider}\n`, FILE, TEST_FILES);
  assert.deepStrictEqual(c.diagnostics.filter((d) => d.severity === 'error'), []);
  return c.providers[0]!;
}

describe('promptfoo ollama: ids on the native API', () => {
  const cases: [string, string, { api: string; config: Record<string, unknown> }][] = [
    ['ollama:chat: is /api/chat', 'ollama:chat:llama3', { api: 'chat', config: {} }],
    ['a bare ollama: id is the completion provider, /api/generate', 'ollama:llama3:8b', { api: 'generate', config: {} }],
    ['ollama:completion: is /api/generate', 'ollama:completion:llama3', { api: 'generate', config: {} }],
  ];
  for (const [why, id, spec] of cases) {
    it(why, () => assert.deepStrictEqual(one(`  - ${id}`).endpoint.ollama, spec));
  }

  it('every option promptfoo forwards is sent as written; others are dropped with a warning', () => {
    const c = parsePromptfooConfig('prompts: [x]\nproviders:\n  - id: ollama:chat:m\n    config: { num_ctx: 4096, top_k: 5, stop: END, think: false, keep_alive: 5m }\n', FILE, TEST_FILES);
    assert.deepStrictEqual(c.providers[0]!.endpoint.ollama, { api: 'chat', config: { num_ctx: 4096, top_k: 5, stop: 'END', think: false } });
    assert.deepStrictEqual(c.diagnostics.map((d) => d.code), ['ignored-config']);
    assert.match(c.diagnostics[0]!.message, /ignores config keep_alive/);
  });

  it('one endpoint per distinct API and config, named for the vendor', () => {
    const pool = new PromptfooEndpoints({ OLLAMA_BASE_URL: 'http://o:11434' });
    const refs = ['  - ollama:chat:a', '  - ollama:chat:b', '  - ollama:a', '  - id: ollama:chat:a\n    config: { temperature: 0 }'].map((p) => pool.target(one(p)));
    assert.deepStrictEqual(refs.map((r) => ('error' in r ? r.error : r.ref.provider)), ['ollama~1', 'ollama~1', 'ollama~2', 'ollama~3']);
    assert.deepStrictEqual(pool.list()[2], { name: 'ollama~3', kind: 'ollama', keyRequired: false, baseUrl: 'http://o:11434', apiKeySecret: 'OLLAMA_API_KEY', ollama: { api: 'chat', config: { temperature: 0 } } });
  });
});

describe('promptfoo endpoints and keys, read from the environment as promptfoo reads them', () => {
  const cases: [string, string, Record<string, string>, string | undefined, string[]][] = [
    ['openai default', '  - openai:gpt-4o', {}, 'https://api.openai.com/v1', ['OPENAI_API_KEY']],
    ['OPENAI_BASE_URL', '  - openai:gpt-4o', { OPENAI_BASE_URL: 'http://a/v1' }, 'http://a/v1', ['OPENAI_API_KEY']],
    ['OPENAI_API_BASE_URL before OPENAI_BASE_URL', '  - openai:gpt-4o', { OPENAI_BASE_URL: 'http://a/v1', OPENAI_API_BASE_URL: 'http://b/v1' }, 'http://b/v1', ['OPENAI_API_KEY']],
    ['OPENAI_API_HOST before both', '  - openai:gpt-4o', { OPENAI_API_BASE_URL: 'http://b/v1', OPENAI_API_HOST: 'proxy.example' }, 'https://proxy.example/v1', ['OPENAI_API_KEY']],
    ['config.apiBaseUrl before the environment', '  - id: openai:gpt-4o\n    config: { apiBaseUrl: "http://c/v1" }', { OPENAI_API_HOST: 'h' }, 'http://c/v1', ['OPENAI_API_KEY']],
    ['config.apiHost before config.apiBaseUrl', '  - id: openai:gpt-4o\n    config: { apiHost: gw.example, apiBaseUrl: "http://c/v1" }', {}, 'https://gw.example/v1', ['OPENAI_API_KEY']],
    ['config.apiKeyEnvar replaces OPENAI_API_KEY', '  - id: openai:gpt-4o\n    config: { apiKeyEnvar: MY_KEY }', {}, 'https://api.openai.com/v1', ['MY_KEY']],
    ['anthropic: ANTHROPIC_API_BASE_URL, then ANTHROPIC_BASE_URL', '  - anthropic:messages:claude', { ANTHROPIC_BASE_URL: 'http://x', ANTHROPIC_API_BASE_URL: 'http://y' }, 'http://y', ['ANTHROPIC_API_KEY']],
    ['azure: AZURE_API_HOST is https://HOST; two key variables', '  - azure:chat:dep', { AZURE_API_HOST: 'res.openai.azure.com' }, 'https://res.openai.azure.com', ['AZURE_API_KEY', 'AZURE_OPENAI_API_KEY']],
    ['azure: config.apiHost', '  - id: azure:chat:dep\n    config: { apiHost: r2.openai.azure.com, apiVersion: 2024-10-21 }', {}, 'https://r2.openai.azure.com', ['AZURE_API_KEY', 'AZURE_OPENAI_API_KEY']],
    ['groq: fixed base URL and key', '  - groq:llama', { OPENAI_BASE_URL: 'http://a/v1' }, 'https://api.groq.com/openai/v1', ['GROQ_API_KEY']],
    ['openrouter: config.apiKeyEnvar wins', '  - id: openrouter:x\n    config: { apiKeyEnvar: OR_KEY }', {}, 'https://openrouter.ai/api/v1', ['OR_KEY']],
    ['mistral: MISTRAL_API_HOST before config.apiBaseUrl', '  - id: mistral:m\n    config: { apiBaseUrl: "http://c/v1" }', { MISTRAL_API_HOST: 'eu.mistral' }, 'https://eu.mistral/v1', ['MISTRAL_API_KEY']],
    ['deepseek', '  - deepseek:deepseek-chat', {}, 'https://api.deepseek.com/v1', ['DEEPSEEK_API_KEY']],
    ['xai', '  - xai:grok-3', {}, 'https://api.x.ai/v1', ['XAI_API_KEY']],
    ['togetherai', '  - togetherai:m', {}, 'https://api.together.xyz/v1', ['TOGETHER_API_KEY']],
    ['fireworks', '  - fireworks:m', {}, 'https://api.fireworks.ai/inference/v1', ['FIREWORKS_API_KEY']],
    ['perplexity', '  - perplexity:sonar', {}, 'https://api.perplexity.ai', ['PERPLEXITY_API_KEY']],
    ['cerebras', '  - cerebras:m', {}, 'https://api.cerebras.ai/v1', ['CEREBRAS_API_KEY']],
    ['localai: LOCALAI_BASE_URL, no key', '  - localai:m', { LOCALAI_BASE_URL: 'http://l:8080/v1' }, 'http://l:8080/v1', []],
    ['ollama: OLLAMA_BASE_URL, the native API', '  - ollama:chat:m', { OLLAMA_BASE_URL: 'http://o:11434/' }, 'http://o:11434', ['OLLAMA_API_KEY']],
    ['ollama default', '  - ollama:m', {}, 'http://localhost:11434', ['OLLAMA_API_KEY']],
  ];
  for (const [why, provider, env, baseUrl, keyEnv] of cases) {
    it(why, () => {
      const r = resolveEndpoint(one(provider).endpoint, env);
      assert.ok(!('error' in r));
      if (!('error' in r)) assert.deepStrictEqual([r.baseUrl, r.keyEnv], [baseUrl, keyEnv]);
    });
  }

  it('an Azure deployment with no host anywhere is an error', () => {
    const r = resolveEndpoint(one('  - azure:chat:dep').endpoint, {});
    assert.ok('error' in r && /AZURE_API_HOST/.test(r.error));
  });

  it('the built-in providers serve what they already are; anything else is an endpoint of its own named by its key variables', () => {
    const pool = new PromptfooEndpoints({ OPENAI_BASE_URL: 'http://a/v1' });
    const builtin = pool.target(one('  - openai:gpt-4o'));
    const groq = pool.target(one('  - groq:llama'));
    const groq2 = pool.target(one('  - groq:other'));
    assert.ok(!('error' in builtin) && !('error' in groq) && !('error' in groq2));
    if ('error' in builtin || 'error' in groq || 'error' in groq2) return;
    assert.deepStrictEqual(builtin.ref, { provider: 'openai', model: 'gpt-4o' });
    assert.deepStrictEqual([groq.ref, groq2.ref.provider], [{ provider: 'groq~1', model: 'llama' }, 'groq~1'], 'one endpoint per distinct setting');
    assert.deepStrictEqual(pool.list(), [{ name: 'groq~1', kind: 'openai-compatible', keyRequired: true, baseUrl: 'https://api.groq.com/openai/v1', apiKeySecret: 'GROQ_API_KEY' }]);
  });
});

describe('promptfoo provider config: honoured, ignored as promptfoo ignores it, or refused', () => {
  const cases: [string, string, Record<string, unknown> | RegExp, string[]][] = [
    ['OpenAI parameters', '  - id: openai:gpt-4o\n    config: { temperature: 0, max_tokens: 9, top_p: 0.5, seed: 1, stop: END }', { temperature: 0, max_tokens: 9, top_p: 0.5, seed: 1, stop: ['END'] }, []],
    ['OpenAI sampling and reasoning options', '  - id: openai:gpt-5-mini\n    config: { presence_penalty: 1, frequency_penalty: 0.5, reasoning_effort: low, verbosity: low, max_completion_tokens: 50 }', { presence_penalty: 1, frequency_penalty: 0.5, reasoning_effort: 'low', verbosity: 'low', max_completion_tokens: 50 }, []],
    [
      'openai:responses: reasoning { effort, summary } and max_output_tokens, through the Responses API',
      '  - id: openai:responses:gpt-5.5\n    config: { reasoning: { effort: low, summary: auto }, max_output_tokens: 300, verbosity: low }',
      { reasoning_effort: 'low', reasoning_summary: 'auto', max_tokens: 300, verbosity: 'low', api: 'responses' },
      [],
    ],
    [
      'openai:responses: instructions (as written, never rendered) and store, sent as promptfoo sends them',
      '  - id: openai:responses:gpt-5.5\n    config: { instructions: "Answer as {{ who }}.", store: 0 }',
      { instructions: 'Answer as {{ who }}.', store: false, api: 'responses' },
      [],
    ],
    ['openai:responses: instructions that are not text', '  - id: openai:responses:gpt-5.5\n    config: { instructions: [a] }', /config.instructions must be text/, ['invalid-provider@1']],
    ['instructions on the chat API, which promptfoo never sends there', '  - id: openai:chat:gpt-5.5\n    config: { instructions: Be brief. }', /config instructions is not supported/, ['unsupported-config@1']],
    ['openai:responses: chat keys its Responses provider does not send are ignored, as promptfoo ignores them', '  - id: openai:responses:gpt-5.5\n    config: { stop: END, max_tokens: 9, temperature: 0 }', { temperature: 0, api: 'responses' }, ['ignored-config@1']],
    ['openai:responses: a reasoning key Assay cannot send', '  - id: openai:responses:gpt-5.5\n    config: { reasoning: { effort: low, generate_summary: auto } }', /config.reasoning must be \{ effort, summary \}/, ['invalid-provider@1']],
    ['reasoning on the chat API is not a chat key', '  - id: openai:chat:gpt-5.5\n    config: { reasoning: { effort: low } }', /config reasoning is not supported/, ['unsupported-config@1']],
    ["OpenAI's model key, which promptfoo reads only for Codex: ignored", '  - id: openai:qwen3\n    config: { model: other, temperature: 1 }', { temperature: 1 }, ['ignored-config@1']],
    ['an OpenAI key Assay cannot send', '  - id: openai:gpt-4o\n    config: { logit_bias: { "50256": -100 } }', /config logit_bias is not supported/, ['unsupported-config@1']],
    ['an Anthropic key Assay cannot send', '  - id: anthropic:messages:claude\n    config: { reasoning_effort: low }', /config reasoning_effort is not supported/, ['unsupported-config@1']],
    ["groq's apiBaseUrl, which promptfoo overrides", '  - id: groq:m\n    config: { apiBaseUrl: "http://x", temperature: 1 }', { temperature: 1 }, ['ignored-config@1']],
    ['ollama: max_tokens and apiKey are dropped as promptfoo drops them', '  - id: ollama:chat:m\n    config: { num_predict: 5, max_tokens: 99, apiKey: k }', {}, ['ignored-config@1']],
    ['localai: temperature 0 is sent as 0.7, as promptfoo sends it', '  - id: localai:m\n    config: { temperature: 0, max_tokens: 3 }', { temperature: 0.7 }, ['ignored-config@1']],
    ['a provider-level transform', '  - id: openai:gpt-4o\n    transform: output.trim()', /transform on a provider is not supported yet/, ['unsupported-config@1']],
    ['a provider without an id', '  - label: x\n    config: {}', /has no id/, ['invalid-provider@1']],
  ];
  for (const [why, provider, expected, codes] of cases) {
    it(why, () => {
      const c = parsePromptfooConfig(`prompts: [x]\nproviders:\n${provider}\n`, FILE, TEST_FILES);
      assert.deepStrictEqual(c.diagnostics.map((d) => `${d.code}@${d.range.start.line - 1}`), codes);
      if (expected instanceof RegExp) {
        assert.strictEqual(c.providers.length, 0, 'a refused provider is not run');
        assert.match(c.diagnostics[0]!.message, expected);
      } else assert.deepStrictEqual(c.providers[0]!.params, expected);
    });
  }

  it('file://providers.yaml: a list of providers kept in a file, read as if written in place', () => {
    const dir = mkdtempSync(join(tmpdir(), 'assay-pf-providers-'));
    try {
      writeFileSync(join(dir, 'providers.yaml'), '- openai:gpt-3.5-turbo\n- id: openai:gpt-4\n  label: four\n  config: { temperature: 0 }\n');
      const c = parsePromptfooConfig('prompts: [x]\nproviders:\n  - file://providers.yaml\n  - echo\n', join(dir, 'promptfooconfig.yaml'), TEST_FILES);
      assert.deepStrictEqual(c.diagnostics, []);
      assert.deepStrictEqual(c.providers.map((p) => [p.label, p.model.model, p.params.temperature]), [
        ['openai:gpt-3.5-turbo', 'gpt-3.5-turbo', undefined],
        ['four', 'gpt-4', 0],
        ['echo', 'echo', undefined],
      ]);
      const missing = parsePromptfooConfig('prompts: [x]\nproviders: file://nope.yaml\n', join(dir, 'promptfooconfig.yaml'), TEST_FILES);
      assert.deepStrictEqual(missing.diagnostics.map((d) => [d.code, d.severity, d.range.start.line]), [['file-not-found', 'error', 1]]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a provider's prompts: is kept", () => {
    const c = parsePromptfooConfig('prompts: [a, b]\nproviders:\n  - id: openai:gpt-4o\n    prompts: [a]\n', FILE, TEST_FILES);
    assert.deepStrictEqual(c.providers[0]!.prompts, ['a']);
  });
});

describe('promptfoo graders', () => {
  const graded = (options: string, assertion = '{ type: llm-rubric, value: polite }') =>
    parsePromptfooConfig(`prompts: [x]\nproviders: [echo]\ndefaultTest:\n  options:\n${options}\ntests:\n  - vars: {}\n    assert: [${assertion}]\n`, FILE, TEST_FILES);
  const resolve = (text: ReturnType<typeof graded>, env: Record<string, string> = {}) => {
    const pool = new PromptfooEndpoints(env);
    const diags = [...text.diagnostics];
    const cases = resolvePromptfooGraders(text.tests.cases.map((c) => applyDefaults(c, text.tests.defaults)), text.tests.defaults, pool, { file: FILE, baseDir: join(FILE, '..'), files: TEST_FILES }, diags);
    return { cases, diags: diags.filter((d) => d.severity === 'error').map((d) => d.message), endpoints: pool.list() };
  };
  const cases: [string, string, string | undefined, unknown, unknown][] = [
    ['a string id', '    provider: openai:gpt-4o', undefined, { id: 'openai:gpt-4o' }, undefined],
    ['{ id, config } with its own base URL and temperature', '    provider: { id: "openai:chat:judge", config: { apiBaseUrl: "http://g/v1", temperature: 0.3 } }', undefined, { id: 'openai~1:judge', params: { temperature: 0.3 } }, 'http://g/v1'],
    ['{ text, embedding }', '    provider: { text: groq:llama, embedding: "openai:embedding:text-embedding-3-small" }', undefined, { text: { id: 'groq~1:llama' }, embedding: { id: 'openai:text-embedding-3-small' } }, 'https://api.groq.com/openai/v1'],
    ['an unknown grader is an error', '    provider: foo:bar', 'unknown provider "foo:bar"', 'foo:bar', undefined],
    ['a chat model as the embedding provider is an error', '    provider: { embedding: openai:gpt-4o }', 'is a chat model', { embedding: 'openai:gpt-4o' }, undefined],
  ];
  for (const [why, options, error, provider, baseUrl] of cases) {
    it(why, () => {
      const r = resolve(graded(options));
      if (error) assert.match(r.diags.join('\n'), new RegExp(error));
      else assert.deepStrictEqual(r.diags, []);
      assert.deepStrictEqual(r.cases[0]!.options?.provider, provider);
      assert.strictEqual(r.endpoints[0]?.baseUrl, baseUrl);
    });
  }

  const noGrader = () => parsePromptfooConfig('prompts: [x]\nproviders: [echo]\ntests:\n  - vars: {}\n    assert: [{ type: llm-rubric, value: polite }, { type: similar, value: hi }]\n', FILE, TEST_FILES);
  const defaults: [string, Record<string, string>, { text?: string; embedding?: string } | undefined, unknown][] = [
    [
      "promptfoo's OpenAI defaults (its reasoning grader gets no temperature)",
      { OPENAI_API_KEY: 'k' },
      undefined,
      { text: { id: 'openai:gpt-5.5-2026-04-23', params: { temperature: undefined } }, embedding: { id: 'openai:text-embedding-3-large' } },
    ],
    ['its Anthropic defaults when only ANTHROPIC_API_KEY is set', { ANTHROPIC_API_KEY: 'k' }, undefined, { text: { id: 'anthropic:claude-sonnet-4-6' }, embedding: { id: 'openai:text-embedding-3-large' } }],
    ['a grader the user chose is left to the run (only the embeddings default is promptfoo’s)', { OPENAI_API_KEY: 'k' }, { embedding: 'openai:embedding:text-embedding-3-large' }, { embedding: { id: 'openai:text-embedding-3-large' } }],
  ];
  for (const [why, env, chosen, expected] of defaults) {
    it(why, () => {
      const text = noGrader();
      const graders = chosen ?? promptfooDefaultGraders(env);
      const cases = resolvePromptfooGraders(text.tests.cases, text.tests.defaults, new PromptfooEndpoints(env), { file: FILE, baseDir: join(FILE, '..'), files: TEST_FILES, defaultGraders: graders }, []);
      assert.deepStrictEqual(cases[0]!.options?.provider, expected);
    });
  }

  it('llm-rubric may leave out its value when options.rubricPrompt says it all, as in promptfoo', () => {
    const text = graded('    rubricPrompt: [{ role: system, content: "Did it mention {{x}}?" }, { role: user, content: "Output: {{ output }}" }]', '{ type: llm-rubric }');
    assert.deepStrictEqual([...text.diagnostics, ...text.tests.diagnostics].filter((d) => d.severity === 'error'), []);
    const r = resolve(text);
    assert.deepStrictEqual(r.cases[0]!.assert[0]!.rubricPrompt, [{ role: 'system', content: 'Did it mention {{x}}?' }, { role: 'user', content: 'Output: {{ output }}' }]);
  });

  it("an assertion's own provider, and options.rubricPrompt for assertions without their own", () => {
    const r = resolve(graded('    rubricPrompt: "Judge {{ output }}"', '{ type: llm-rubric, value: polite, provider: "mistral:mistral-large-latest" }'));
    assert.deepStrictEqual(r.diags, []);
    const spec = r.cases[0]!.assert[0]!;
    assert.deepStrictEqual([spec.provider, spec.rubricPrompt], [{ id: 'mistral~1:mistral-large-latest' }, 'Judge {{ output }}']);
  });
});
