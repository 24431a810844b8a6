import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { curlCommand, shellQuote } from '../../src/core/export/curlCommand';
import { TEST_ANTHROPIC_KEY, TEST_OPENAI_KEY } from '../support/mockLlmProviders';
import { startMockLlm, type MockLlm } from '../support/mockLlmServer';

/** Runs a command in sh with the given environment; resolves with stdout, or rejects with stderr. */
function sh(command: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('sh', ['-c', command], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env } }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
  });
}

const payload = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: "It's \"quoted\" and $HOME stays literal" }], temperature: 0 };

describe('copy as curl (replaying a call by hand)', () => {
  it('builds the URL and headers for each provider kind, with the key as a placeholder', () => {
    const table: [string, Parameters<typeof curlCommand>[0]['provider'], string, string[]][] = [
      ['OpenAI', { name: 'openai', kind: 'openai' }, "'https://api.openai.com/v1/chat/completions'", ['Authorization: Bearer $OPENAI_API_KEY']],
      ['Anthropic', { name: 'anthropic', kind: 'anthropic' }, "'https://api.anthropic.com/v1/messages'", ['x-api-key: $ANTHROPIC_API_KEY', 'anthropic-version: 2023-06-01']],
      ['Ollama', { name: 'ollama', kind: 'openai-compatible', baseUrl: 'http://localhost:11434/v1/' }, "'http://localhost:11434/v1/chat/completions'", ['Authorization: Bearer $OLLAMA_API_KEY']],
      ['Ollama native (promptfoo ollama:)', { name: 'ollama~1', kind: 'ollama', baseUrl: 'http://localhost:11434', apiKeySecret: 'OLLAMA_API_KEY', ollama: { api: 'generate', config: {} } }, "'http://localhost:11434/api/generate'", ['Authorization: Bearer $OLLAMA_API_KEY']],
      [
        'Azure',
        { name: 'azure-east', kind: 'azure-openai', baseUrl: 'https://res.openai.azure.com/openai', apiVersion: '2024-10-21' },
        "'https://res.openai.azure.com/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21'",
        ['api-key: $AZURE_EAST_API_KEY'],
      ],
      ['extra headers', { name: 'gw', kind: 'openai-compatible', baseUrl: 'https://gw.example/v1', headers: { 'X-Team': 'secret-team-token' } }, "'https://gw.example/v1/chat/completions'", ['X-Team: $ASSAY_HEADER_X_TEAM']],
      ['URL credentials', { name: 'proxied', kind: 'openai-compatible', baseUrl: 'https://alice:secret-team-token@gw.example/v1' }, "'https://gw.example/v1/chat/completions'", ['Authorization: Bearer $PROXIED_API_KEY']],
    ];
    for (const [why, provider, url, headers] of table) {
      const r = curlCommand({ request: payload, model: 'gpt-4o-mini', provider });
      assert.ok('command' in r, why);
      assert.ok(r.command.startsWith(`curl ${url}`), `${why}: URL in ${r.command.split('\n')[0]}`);
      for (const h of ['Content-Type: application/json', ...headers]) assert.ok(r.command.includes(`-H "${h}"`), `${why}: header ${h}`);
      assert.ok(!r.command.includes('secret-team-token'), `${why}: header values and URL credentials never copied`);
      assert.equal(r.command.includes('-u "$ASSAY_URL_CREDENTIALS"'), why === 'URL credentials', `${why}: credentials from a variable`);
    }
  });

  it('says why there is nothing to copy', () => {
    assert.deepStrictEqual(curlCommand({ request: payload, model: 'echo', provider: { name: 'echo', kind: 'echo' } }), {
      error: 'The echo provider answers inside Assay; there is no HTTP request to copy.',
    });
    assert.deepStrictEqual(curlCommand({ request: null, model: 'm', provider: { name: 'openai', kind: 'openai' } }), { error: 'This trace has no stored request payload to send again.' });
  });

  it('quotes for POSIX shells', () => {
    const table: [string, string][] = [
      ['plain', "'plain'"],
      ["it's", "'it'\\''s'"],
      ['$HOME `x` "y"', "'$HOME `x` \"y\"'"],
    ];
    for (const [input, expected] of table) assert.strictEqual(shellQuote(input), expected, input);
  });

  describe('the command runs in a shell against a server', function () {
    this.timeout(20_000);
    let mock: MockLlm;
    afterEach(async () => mock?.close());

    it('OpenAI: the key comes from the environment, the body arrives intact', async () => {
      mock = await startMockLlm({ apiKey: TEST_OPENAI_KEY, reply: () => 'pong' });
      const r = curlCommand({ request: { ...payload, stream: true, stream_options: { include_usage: true } }, model: 'gpt-4o-mini', provider: { name: 'openai', kind: 'openai', baseUrl: mock.openaiBaseUrl } });
      assert.ok('command' in r);
      const out = await sh(`${r.command} -sS`, { OPENAI_API_KEY: TEST_OPENAI_KEY });
      assert.match(out, /data: .*"content":"pong"/, 'the streamed answer');
      assert.deepStrictEqual(mock.requests[0]!.body, { ...payload, stream: true, stream_options: { include_usage: true } }, 'the exact payload');
      assert.strictEqual(mock.requests[0]!.headers.authorization, `Bearer ${TEST_OPENAI_KEY}`, 'the placeholder expanded');
    });

    it('Anthropic: x-api-key and anthropic-version', async () => {
      mock = await startMockLlm({ apiKey: TEST_ANTHROPIC_KEY, reply: () => 'hello' });
      const body = { model: 'claude-3-5-haiku-latest', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] };
      const r = curlCommand({ request: body, model: body.model, provider: { name: 'anthropic', kind: 'anthropic', baseUrl: mock.anthropicBaseUrl } });
      assert.ok('command' in r);
      const out = JSON.parse(await sh(`${r.command} -sS`, { ANTHROPIC_API_KEY: TEST_ANTHROPIC_KEY })) as { content: { text: string }[] };
      assert.strictEqual(out.content[0]!.text, 'hello');
      assert.strictEqual(mock.requests[0]!.headers['anthropic-version'], '2023-06-01');
    });
  });
});
