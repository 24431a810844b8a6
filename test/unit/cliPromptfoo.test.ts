// promptfoo configs through the CLI end to end: runCli in-process, the real engine and SDKs against mock
// LLM servers on 127.0.0.1. What cannot run exactly stops before any request; vendor ids reach their
// endpoints with their keys; graders use their own config; --list calls nothing; -o writes promptfoo's shape.
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runCli } from '../../src/cli/main';
import { startMockLlm, type MockLlm } from '../support/mockLlmServer';
import { tempFolder } from '../support/storeFixtures';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

const OPENAI_KEY = 'sk-openai-env-0123456789abcdef';

describe('CLI: promptfoo configs', function () {
  this.timeout(30_000);
  let mock: MockLlm;
  let folder: ReturnType<typeof tempFolder>;

  before(async () => {
    mock = await startMockLlm({ reply: (req) => (req.prompt.includes('rubric') || req.prompt.includes('Rubric') ? JSON.stringify({ pass: true, score: 1, reason: 'fine' }) : `answer to ${req.prompt}`) });
  });
  after(() => mock.close());
  beforeEach(() => {
    folder = tempFolder('assay-cli-promptfoo-');
    mock.requests.length = 0;
  });
  afterEach(() => folder.cleanup());

  async function cli(verb: string, argv: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string; err: string }> {
    const stdout = new Capture();
    const stderr = new Capture();
    const code = await runCli([verb, ...argv, '--no-history'], { cwd: folder.dir, env, stdout, stderr, signal: new AbortController().signal });
    return { code, out: stdout.text, err: stderr.text };
  }

  const config = (providers: string, extra = ''): string => {
    const path = join(folder.dir, 'promptfooconfig.yaml');
    writeFileSync(path, `prompts:\n  - "Say {{ word }}"\nproviders:\n${providers}\ntests:\n  - vars: { word: hello }\n    assert: [{ type: contains, value: hello }]\n${extra}`);
    return path;
  };

  describe('what cannot run exactly exits 2 before any request, with file:line and the next step', () => {
    const refusals: [string, string, string, RegExp][] = [
      ['an unknown provider, even beside a known one', '  - foo:bar\n  - openai:gpt-4o-mini', '', /promptfooconfig\.yaml:4:\d+ error unknown provider "foo:bar".*never runs another model in its place/],
      ['a provider kind Assay does not run', '  - ws://127.0.0.1:1/socket', '', /promptfooconfig\.yaml:4:\d+ error provider "ws:\/\/127\.0\.0\.1:1\/socket" is not supported/],
      ['openai:realtime:', '  - openai:realtime:gpt-realtime', '', /error openai:realtime:gpt-realtime: the Realtime API is not supported/],
      ['openai:completion:', '  - openai:completion:gpt-3.5-turbo-instruct', '', /legacy completions API is not supported/],
      ['an embeddings model as the provider under test', '  - openai:embedding:text-embedding-3-small', '', /is an embeddings model/],
      ['vllm: (not a promptfoo id)', '  - vllm:llama', '', /promptfoo has no vllm: provider; write openai:chat:MODEL with config\.apiBaseUrl/],
      ['a config key Assay cannot send', '  - id: openai:gpt-4o-mini\n    config: { logit_bias: { "50256": -100 } }', '', /config logit_bias is not supported.*remove it or run this config with promptfoo/],
      ['redteam:', '  - openai:gpt-4o-mini', 'redteam: { purpose: x }\n', /promptfooconfig\.yaml:8:1 error "redteam" is not supported by Assay yet/],
      ['extensions:', '  - openai:gpt-4o-mini', 'extensions: [file://hooks.js]\n', /promptfooconfig\.yaml:8:1 error extensions \(hooks\) are not supported/],
      ['an Azure deployment with no endpoint', '  - azure:chat:my-deployment', '', /no Azure endpoint: set config\.apiHost/],
    ];
    for (const [why, providers, extra, expected] of refusals) {
      it(why, async () => {
        config(providers, extra);
        const r = await cli('test', [], { OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: mock.openaiBaseUrl, AZURE_API_KEY: 'az' });
        assert.strictEqual(r.code, 2, r.out + r.err);
        assert.match(r.err, expected);
        assert.match(r.err, /nothing was run/);
        assert.strictEqual(r.err.trim().split('\n').length, 2, 'one line per problem, then the verdict');
        assert.strictEqual(mock.requests.length, 0, 'the mock received no request');
      });
    }

    it('a missing key names the variable promptfoo reads (never an invented one)', async () => {
      config(`  - id: anthropic:messages:claude-3-5-haiku-latest\n    config: { apiBaseUrl: ${mock.anthropicBaseUrl} }\n  - groq:llama-3.3-70b-versatile`);
      const r = await cli('test', [], {});
      assert.strictEqual(r.code, 2);
      assert.match(r.err, /no API key for anthropic; set ANTHROPIC_API_KEY\n/);
      assert.match(r.err, /no API key for groq; set GROQ_API_KEY\n/);
      assert.doesNotMatch(r.err, /ANTHROPIC_1_API_KEY|GROQ_1/);
      assert.strictEqual(mock.requests.length, 0);
    });
  });

  describe('vendor ids reach the endpoint promptfoo would call, with the key it would send', () => {
    const routes: [string, string, () => NodeJS.ProcessEnv, string, (h: Record<string, unknown>) => unknown][] = [
      ['mistral: MISTRAL_API_BASE_URL, MISTRAL_API_KEY', 'mistral:mistral-small-latest', () => ({ MISTRAL_API_BASE_URL: mock.openaiBaseUrl, MISTRAL_API_KEY: 'sk-mistral' }), '/v1/chat/completions', (h) => h.authorization === 'Bearer sk-mistral'],
      ['openai: OPENAI_API_BASE_URL wins over OPENAI_BASE_URL', 'openai:chat:gpt-4o-mini', () => ({ OPENAI_API_BASE_URL: mock.openaiBaseUrl, OPENAI_BASE_URL: 'http://127.0.0.1:9/v1', OPENAI_API_KEY: OPENAI_KEY }), '/v1/chat/completions', (h) => h.authorization === `Bearer ${OPENAI_KEY}`],
      ['ollama: OLLAMA_BASE_URL, its native /api/chat, OLLAMA_API_KEY', 'ollama:chat:llama3.1:8b', () => ({ OLLAMA_BASE_URL: mock.url, OLLAMA_API_KEY: 'sk-ollama' }), '/api/chat', (h) => h.authorization === 'Bearer sk-ollama'],
      ['localai: LOCALAI_BASE_URL, no key', 'localai:chat:phi', () => ({ LOCALAI_BASE_URL: mock.openaiBaseUrl, OPENAI_API_KEY: OPENAI_KEY }), '/v1/chat/completions', (h) => h.authorization !== `Bearer ${OPENAI_KEY}`],
      ['azure: AZURE_API_BASE_URL, AZURE_OPENAI_API_KEY in the api-key header', 'azure:chat:my-gpt', () => ({ AZURE_API_BASE_URL: mock.url, AZURE_OPENAI_API_KEY: 'az-key' }), '/openai/deployments/my-gpt/chat/completions', (h) => h['api-key'] === 'az-key'],
      ['anthropic: ANTHROPIC_API_BASE_URL, ANTHROPIC_API_KEY', 'anthropic:messages:claude-3-5-haiku-latest', () => ({ ANTHROPIC_API_BASE_URL: mock.anthropicBaseUrl, ANTHROPIC_API_KEY: 'sk-ant-x' }), '/v1/messages', (h) => h['x-api-key'] === 'sk-ant-x' || h.authorization === 'Bearer sk-ant-x'],
    ];
    for (const [why, id, env, path, keyOk] of routes) {
      it(why, async () => {
        config(`  - ${id}`);
        const r = await cli('test', [], env());
        assert.strictEqual(r.code, 0, r.out + r.err);
        assert.strictEqual(mock.requests.length, 1);
        const req = mock.requests[0]!;
        assert.ok(req.url.startsWith(path), `${req.url} starts with ${path}`);
        assert.ok(keyOk(req.headers as Record<string, unknown>), `the key header: ${JSON.stringify(req.headers)}`);
      });
    }

    it('OpenAI sampling and reasoning options go out as written', async () => {
      config('  - id: openai:chat:gpt-5-mini\n    config: { reasoning_effort: low, verbosity: low, max_completion_tokens: 40, frequency_penalty: 0.1 }');
      const r = await cli('test', [], { OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: mock.openaiBaseUrl });
      assert.strictEqual(r.code, 0, r.out + r.err);
      const body = mock.requests[0]!.body!;
      assert.deepStrictEqual([body.reasoning_effort, body.verbosity, body.max_completion_tokens, body.frequency_penalty], ['low', 'low', 40, 0.1]);
    });

    it('openai:responses:MODEL posts to /v1/responses with reasoning and max_output_tokens, and reads the answer back', async () => {
      config('  - id: openai:responses:gpt-5.5\n    config: { reasoning: { effort: low }, max_output_tokens: 40 }');
      const r = await cli('test', [], { OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: mock.openaiBaseUrl });
      assert.strictEqual(r.code, 0, r.out + r.err);
      assert.strictEqual(mock.requests.length, 1);
      const req = mock.requests[0]!;
      assert.strictEqual(req.url, '/v1/responses');
      assert.deepStrictEqual([req.body!.reasoning, req.body!.max_output_tokens, req.prompt], [{ effort: 'low' }, 40, 'Say hello']);
    });

    it('a prompt function sees the provider it renders for, and its returned config sets that call’s parameters (as promptfoo merges it)', async () => {
      writeFileSync(
        join(folder.dir, 'prompt.js'),
        'module.exports = ({ vars, provider }) => ({ prompt: `Say ${vars.word} to ${provider.label || provider.id}`, config: { temperature: provider.id.includes("mini") ? 0.2 : 0.9, max_tokens: 12 } });\n',
      );
      writeFileSync(
        join(folder.dir, 'promptfooconfig.yaml'),
        'prompts: [file://prompt.js]\nproviders:\n  - id: openai:gpt-4o-mini\n    config: { temperature: 0.5, top_p: 0.3 }\n  - id: openai:gpt-4o\n    label: big\ntests:\n  - vars: { word: hello }\n    assert: [{ type: contains, value: hello }]\n',
      );
      const r = await cli('test', [], { OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: mock.openaiBaseUrl });
      assert.strictEqual(r.code, 0, r.out + r.err);
      const byModel = Object.fromEntries(mock.requests.map((q) => [q.body!.model, q]));
      assert.deepStrictEqual(
        [byModel['gpt-4o-mini']!.prompt, byModel['gpt-4o-mini']!.body!.temperature, byModel['gpt-4o-mini']!.body!.max_completion_tokens, byModel['gpt-4o-mini']!.body!.top_p],
        ['Say hello to openai:gpt-4o-mini', 0.2, 12, 0.3],
        "rendered for that provider; the function's config over the provider's, the rest of the provider's kept",
      );
      assert.deepStrictEqual([byModel['gpt-4o']!.prompt, byModel['gpt-4o']!.body!.temperature], ['Say hello to big', 0.9]);
    });

    it('a prompt function returning a config key Assay cannot apply is an error for that call, never dropped', async () => {
      writeFileSync(join(folder.dir, 'prompt.js'), 'module.exports = () => ({ prompt: "x", config: { temperature: 0, logit_bias: { "1": 2 } } });\n');
      writeFileSync(join(folder.dir, 'promptfooconfig.yaml'), 'prompts: [file://prompt.js]\nproviders: [openai:gpt-4o-mini]\ntests: [{}]\n');
      const r = await cli('test', [], { OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: mock.openaiBaseUrl });
      assert.notStrictEqual(r.code, 0);
      assert.match(r.out + r.err, /returned config logit_bias, which Assay cannot apply to the call/);
      assert.strictEqual(mock.requests.length, 0, 'no call was made');
    });

    it("cerebras: config.apiBaseUrl with CEREBRAS_API_KEY, and localai's temperature 0.7", async () => {
      config(`  - id: cerebras:llama3.1-8b\n    config: { apiBaseUrl: ${mock.openaiBaseUrl} }\n  - localai:phi`);
      const r = await cli('test', [], { CEREBRAS_API_KEY: 'sk-cb', LOCALAI_BASE_URL: mock.openaiBaseUrl });
      assert.strictEqual(r.code, 0, r.out + r.err);
      const byModel = new Map(mock.requests.map((q) => [q.model, q]));
      assert.strictEqual(byModel.get('llama3.1-8b')?.headers.authorization, 'Bearer sk-cb');
      assert.strictEqual(byModel.get('phi')?.body?.temperature, 0.7, "promptfoo's LocalAI default temperature");
    });
  });

  it("a grader's own config (base URL, key, temperature) is used, with no OPENAI_API_KEY anywhere", async () => {
    const judge = await startMockLlm({ apiKey: 'sk-grader-key-0000', reply: () => JSON.stringify({ pass: true, score: 1, reason: 'polite' }) });
    try {
      writeFileSync(
        join(folder.dir, 'promptfooconfig.yaml'),
        `prompts: ["Say {{ word }}"]
providers: [echo]
defaultTest:
  options:
    provider:
      id: openai:chat:judge-model
      config: { apiBaseUrl: ${judge.openaiBaseUrl}, apiKey: sk-grader-key-0000, temperature: 0.2 }
    rubricPrompt: file://rubric.txt
tests:
  - vars: { word: hello }
    assert: [{ type: llm-rubric, value: is polite }]
`,
      );
      writeFileSync(join(folder.dir, 'rubric.txt'), 'Grade {{ output }} against {{ rubric }}; answer JSON.');
      const r = await cli('test', [], {});
      assert.strictEqual(r.code, 0, r.out + r.err);
      assert.strictEqual(judge.requests.length, 1);
      const sent = judge.requests[0]!;
      assert.strictEqual(sent.headers.authorization, 'Bearer sk-grader-key-0000');
      assert.strictEqual(sent.model, 'judge-model');
      assert.strictEqual(sent.body?.temperature, 0.2, "the grader's config.temperature");
      assert.match(sent.prompt, /^Grade [^]*Say hello against is polite; answer JSON\.$/, 'options.rubricPrompt from a file, rendered');
    } finally {
      await judge.close();
    }
  });

  it("a test that names no grader is graded by promptfoo's default grader, not Assay's", async () => {
    writeFileSync(join(folder.dir, 'promptfooconfig.yaml'), 'prompts: ["Say {{ word }}"]\nproviders: [echo]\ntests:\n  - vars: { word: hello }\n    assert: [{ type: llm-rubric, value: "rubric: polite" }]\n');
    const r = await cli('test', [], { OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: mock.openaiBaseUrl });
    assert.strictEqual(r.code, 0, r.out + r.err);
    assert.deepStrictEqual(mock.requests.map((q) => [q.model, q.body?.temperature]), [['gpt-5.5-2026-04-23', undefined]]);
    const chosen = await cli('test', [], { OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: mock.openaiBaseUrl, ASSAY_GRADER_MODEL: 'openai:my-judge' });
    assert.strictEqual(chosen.code, 0, chosen.err);
    assert.strictEqual(mock.requests.at(-1)!.model, 'my-judge', 'a grader the user chose wins');
  });

  it('--list prints prompts × providers × tests, endpoints and key variables, and calls nothing', async () => {
    config(`  - openai:gpt-4o-mini\n  - id: groq:llama-3.3-70b-versatile\n    label: fast\n  - id: ollama:chat:llama3.1\n    prompts: ["Say {{ word }}"]`);
    const r = await cli('test', ['--list'], { OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: mock.openaiBaseUrl, GROQ_API_KEY: 'gsk' });
    assert.strictEqual(r.code, 0, r.err);
    assert.match(r.out, /promptfooconfig\.yaml: 1 prompt × 3 providers × 1 test = 3 calls/);
    assert.match(r.out, new RegExp(`openai:gpt-4o-mini → gpt-4o-mini at ${mock.openaiBaseUrl.replace(/[/.]/g, '\\$&')}, key from OPENAI_API_KEY`));
    assert.match(r.out, /fast \(groq:llama-3\.3-70b-versatile\) → llama-3\.3-70b-versatile at https:\/\/api\.groq\.com\/openai\/v1, key from GROQ_API_KEY/);
    assert.match(r.out, /ollama:chat:llama3\.1 → llama3\.1 at http:\/\/localhost:11434, no key/);
    assert.match(r.out, /nothing was called/);
    assert.strictEqual(mock.requests.length, 0);

    const missing = await cli('test', ['--list'], { OPENAI_API_KEY: OPENAI_KEY });
    assert.strictEqual(missing.code, 2, 'a plan that would stop exits 2');
    assert.match(missing.out, /key GROQ_API_KEY NOT SET/);
  });

  it("-o writes promptfoo's output shape; --promptfoo-exit-codes and 'assay eval' exit 100 on a failure", async () => {
    const path = config('  - openai:gpt-4o-mini\n  - echo');
    writeFileSync(path, readFileSync(path, 'utf8') + '  - vars: { word: bye }\n    assert: [{ type: equals, value: nope }]\n');
    const env = { OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: mock.openaiBaseUrl };
    const r = await cli('test', ['-o', 'out/results.json', '--promptfoo-exit-codes'], env);
    assert.strictEqual(r.code, 100, r.err);
    const doc = JSON.parse(readFileSync(join(folder.dir, 'out/results.json'), 'utf8'));
    assert.deepStrictEqual(Object.keys(doc).sort(), ['config', 'evalId', 'metadata', 'results', 'shareableUrl']);
    assert.strictEqual(doc.results.version, 3);
    assert.deepStrictEqual(doc.results.stats.successes + doc.results.stats.failures + doc.results.stats.errors, 4);
    assert.deepStrictEqual([doc.results.stats.successes, doc.results.stats.failures, doc.results.stats.errors], [2, 2, 0]);
    assert.deepStrictEqual(Object.keys(doc.results.stats.tokenUsage).sort(), ['cached', 'completion', 'numRequests', 'prompt', 'total']);
    type Row = { provider: { id: string }; testIdx: number; success: boolean; failureReason: number; response: { output: string }; gradingResult: { componentResults: { assertion: { type: string } }[] } };
    const results = doc.results.results as Row[];
    assert.deepStrictEqual(
      results.map((x) => [x.provider.id, x.testIdx, x.success, x.failureReason]),
      [
        ['openai:gpt-4o-mini', 0, true, 0],
        ['echo', 0, true, 0],
        ['openai:gpt-4o-mini', 1, false, 1],
        ['echo', 1, false, 1],
      ],
    );
    assert.strictEqual(results[0]!.response.output, 'answer to Say hello');
    assert.strictEqual(results[0]!.gradingResult.componentResults[0].assertion.type, 'contains');
    assert.deepStrictEqual((doc.results.prompts as { label: string; provider: string; metrics: { testPassCount: number } }[]).map((p) => [p.label, p.provider, p.metrics.testPassCount]), [
      ['Say {{ word }}', 'openai:gpt-4o-mini', 1],
      ['Say {{ word }}', 'echo', 1],
    ]);

    assert.strictEqual((await cli('test', [], env)).code, 1, "Assay's own convention without the flag");
    const evalRun = await cli('eval', ['-c', 'promptfooconfig.yaml', '-o', 'r.json'], env);
    assert.strictEqual(evalRun.code, 100, evalRun.err);
    assert.strictEqual(JSON.parse(readFileSync(join(folder.dir, 'r.json'), 'utf8')).results.version, 3);
    assert.strictEqual((await cli('test', ['-o', 'results.csv'], env)).code, 2, 'only .json');
  });
});
