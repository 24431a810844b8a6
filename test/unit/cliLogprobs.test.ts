// `perplexity` and `perplexity-score` on the wire: a case with one asks its model for token logprobs
// (`logprobs: true` in the chat completions request, and only for that case); promptfoo's formulas
// (src/assertions/perplexity.ts) score the logprobs the server returns; a model that cannot return them
// is refused before any call, and one that returns none although asked is an evaluation error.
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

/** The logprobs the mock returns for its three-word answer, when asked. */
const LOGPROBS = [-0.5, -1, -1.5];

const config = (provider: string) => `prompts: ['{{ q }}']
providers:
  - ${provider}
tests:
  - description: perplexity
    vars: { q: one two three }
    assert:
      - type: perplexity
        threshold: 3
      - type: perplexity-score
        threshold: 0.3
  - description: in a set
    vars: { q: four five six }
    assert:
      - type: assert-set
        assert:
          - type: not-perplexity
            threshold: 2
  - description: plain
    vars: { q: seven eight nine }
    assert:
      - type: contains
        value: eight
`;

interface JsonResult {
  description: string;
  status: string;
  assertions: { type: string; pass: boolean; score: number; error: string | null }[];
}

describe('CLI: perplexity asks for token logprobs', function () {
  this.timeout(30_000);
  let mock: MockLlm;
  let withLogprobs: boolean;
  let folder: ReturnType<typeof tempFolder>;

  before(async () => {
    mock = await startMockLlm({ reply: (req) => ({ text: req.prompt, ...(withLogprobs && req.body?.logprobs === true ? { logprobs: LOGPROBS } : {}) }) });
  });
  after(() => mock.close());
  beforeEach(() => {
    withLogprobs = true;
    mock.requests.length = 0;
    folder = tempFolder('assay-logprobs-');
  });
  afterEach(() => folder.cleanup());

  async function run(provider: string): Promise<{ code: number; err: string; results: JsonResult[] }> {
    writeFileSync(join(folder.dir, 'promptfooconfig.yaml'), config(provider));
    const stderr = new Capture();
    const out = join(folder.dir, 'out.json');
    const env = { OPENAI_API_KEY: 'sk-logprobs', OPENAI_BASE_URL: mock.openaiBaseUrl, ANTHROPIC_API_KEY: 'sk-ant-logprobs', ANTHROPIC_BASE_URL: mock.anthropicBaseUrl };
    const code = await runCli(['test', 'promptfooconfig.yaml', '--json', out, '--no-history', '--no-cache'], { cwd: folder.dir, env, stdout: new Capture(), stderr, signal: new AbortController().signal });
    const results = code === 2 ? [] : (JSON.parse(readFileSync(out, 'utf8')) as { suites: { results: JsonResult[] }[] }).suites[0]!.results;
    return { code, err: stderr.text, results };
  }

  it('sends logprobs: true for the cases with perplexity assertions only, and scores them as promptfoo does', async () => {
    const r = await run('openai:chat:gpt-4o-mini');
    assert.equal(r.code, 1, r.err);
    const sent = new Map(mock.requests.map((q) => [q.prompt, q.body]));
    assert.equal(sent.get('one two three')?.logprobs, true);
    assert.equal(sent.get('four five six')?.logprobs, true, 'inside an assert-set too');
    assert.equal(sent.get('seven eight nine')?.logprobs, undefined, 'a case without perplexity asks for nothing more');
    assert.equal(sent.get('one two three')?.stream, undefined);

    // promptfoo: perplexity = exp(−mean logprob); perplexity-score = 1 / (1 + exp(−mean logprob)).
    const mean = LOGPROBS.reduce((a, b) => a + b, 0) / LOGPROBS.length;
    const [perplexity, score] = r.results.find((x) => x.description === 'perplexity')!.assertions;
    assert.deepEqual([perplexity!.pass, perplexity!.score], [Math.exp(-mean) <= 3, 1]);
    const expected = 1 / (1 + Math.exp(-mean));
    assert.equal(score!.pass, expected >= 0.3);
    assert.ok(Math.abs(score!.score - expected) < 0.00005, `${score!.score} vs ${expected}`);
    // exp(1) ≈ 2.72 > 2, so not-perplexity under 2 passes.
    assert.equal(r.results.find((x) => x.description === 'in a set')!.status, 'pass');
  });

  it('a model that answers without logprobs although asked: an evaluation error, never a pass', async () => {
    withLogprobs = false;
    const r = await run('openai:chat:gpt-4o-mini');
    const result = r.results.find((x) => x.description === 'perplexity')!;
    assert.equal(result.status, 'error');
    assert.match(result.assertions[0]!.error ?? '', /no token logprobs/);
  });

  it("promptfoo's passthrough: { logprobs: true } asks for logprobs on every call of that model; other passthrough keys are refused", async () => {
    const r = await run('{ id: "openai:chat:gpt-4o-mini", config: { passthrough: { logprobs: true } } }');
    assert.equal(r.code, 1, r.err);
    assert.deepEqual(mock.requests.map((q) => q.body?.logprobs), [true, true, true]);
    const other = await run('{ id: "openai:chat:gpt-4o-mini", config: { passthrough: { logprobs: true, top_logprobs: 2 } } }');
    assert.equal(other.code, 2);
    assert.match(other.err, /config passthrough is not supported/);
  });

  const refused: [string, string, RegExp][] = [
    ['an Anthropic model', 'anthropic:messages:claude-3-5-haiku-latest', /this anthropic provider cannot return them/],
    ['the Responses API', 'openai:responses:gpt-4.1', /call this model through chat completions, not the Responses API/],
    ['a streamed call', '{ id: "openai:chat:gpt-4o-mini", config: { stream: true } }', /turn streaming off for this model/],
  ];
  for (const [name, provider, message] of refused) {
    it(`${name} cannot return logprobs: refused before any call`, async () => {
      const r = await run(provider);
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, /token logprobs \(for `perplexity` and `perplexity-score`, or a config's `passthrough: \{ logprobs: true \}`\) come only from OpenAI-compatible chat completions without streaming/);
      assert.match(r.err, message);
      assert.equal(mock.requests.length, 0);
    });
  }
});
