// `assay test` on a promptfoo config that uses promptfoo's test semantics together — scenarios, list
// vars, file:// CSV tests, defaultTest (vars, options.transform, assert), per-test prompts and providers
// filters, env — end to end: the real CLI, engine and OpenAI SDK against the mock LLM server.
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

const KEY = 'sk-from-config-env-0123456789abcdef';

const config = (baseUrl: string) => `description: promptfoo test semantics end to end
env:
  OPENAI_API_KEY: ${KEY}
  OPENAI_BASE_URL: ${baseUrl}
prompts:
  - id: 'Tell me about {{ topic }} in {{ lang }}'
    label: plain
  - raw: '[{"role":"system","content":"Be brief."},{"role":"user","content":"About {{ topic }} ({{ lang }})"}]'
    label: chat
providers:
  - id: openai:gpt-4o-mini
    label: mini
  - id: openai:gpt-4o
    label: big
defaultTest:
  vars: { lang: en }
  options:
    transform: output.toUpperCase()
  assert:
    - type: contains
      value: '{{ topic | upper }}'
      metric: topic_ok
derivedMetrics:
  - name: topic_rate
    value: topic_ok / __count
  - name: twice
    value: 2 * topic_rate
  - name: broken
    value: nothing + 1
tests:
  - file://cases.csv
  - description: list vars
    vars:
      topic: [cats, dogs]
      lang: [en, fr]
    providers: [mini]
scenarios:
  - config:
      - vars: { lang: de }
      - vars: { lang: es }
    tests:
      - description: scenario
        vars: { topic: birds }
        prompts: [chat]
        assert:
          - type: contains
            value: '({{ lang | upper }})'
          - type: equals
            value: BIRDS
            transform: output.split(' ')[2]
`;

const CSV = `topic,__expected,__description
fish,contains:FISH,csv fish
rocks,contains:nope,csv rocks
`;

interface JsonResult {
  description: string | null;
  model: string;
  status: string;
  output: string;
  vars: Record<string, unknown>;
}

describe('CLI: assay test on a promptfoo config with scenarios, list vars, CSV tests, defaultTest and transform', function () {
  this.timeout(30_000);
  let mock: MockLlm;
  let folder: ReturnType<typeof tempFolder>;

  before(async () => {
    mock = await startMockLlm({ apiKey: KEY });
  });
  after(() => mock.close());
  beforeEach(() => {
    folder = tempFolder('assay-cli-pf-');
    mock.requests.length = 0;
  });
  afterEach(() => folder.cleanup());

  it('makes exactly the calls promptfoo makes and judges the transformed outputs', async () => {
    writeFileSync(join(folder.dir, 'promptfooconfig.yaml'), config(mock.openaiBaseUrl));
    writeFileSync(join(folder.dir, 'cases.csv'), CSV);
    const stdout = new Capture();
    const stderr = new Capture();
    // No key and no base URL in the process's environment: the config's env: must supply both.
    const code = await runCli(['test', 'promptfooconfig.yaml', '--no-history', '--no-cache', '--json', 'out.json'], {
      cwd: folder.dir,
      env: {},
      stdout,
      stderr,
      signal: new AbortController().signal,
    });
    assert.strictEqual(code, 1, `${stdout.text}\n${stderr.text}`);

    // CSV: 2 cases × 2 prompts × 2 providers = 8; list vars: 4 combinations × 2 prompts × mini only = 8;
    // scenarios: 2 config rows × 1 test × the chat prompt only × 2 providers = 4.
    assert.strictEqual(mock.requests.length, 20);
    assert.ok(mock.requests.every((r) => r.headers.authorization === `Bearer ${KEY}`), "the config's env supplied the key");
    const sent = (model: string) => mock.requests.filter((r) => r.model === model).map((r) => r.prompt).sort();
    assert.deepStrictEqual(sent('gpt-4o'), [
      'About birds (de)',
      'About birds (es)',
      'About fish (en)',
      'About rocks (en)',
      'Tell me about fish in en',
      'Tell me about rocks in en',
    ]);
    assert.strictEqual(sent('gpt-4o-mini').length, 14);
    const chat = mock.requests.find((r) => r.prompt === 'About birds (de)')!;
    assert.deepStrictEqual((chat.body?.messages as unknown[])[0], { role: 'system', content: 'Be brief.' }, 'the chat prompt went as messages');

    const report = JSON.parse(readFileSync(join(folder.dir, 'out.json'), 'utf8')) as {
      suites: { name: string; results: JsonResult[]; models: { model: string; namedScores?: Record<string, number>; derivedMetrics?: unknown[] }[] }[];
    };
    assert.deepStrictEqual(
      report.suites[0]!.models.map((m) => [m.model, m.namedScores, m.derivedMetrics]),
      [
        [
          'mini',
          { topic_ok: 6 },
          [
            { name: 'topic_rate', value: 1, error: null },
            { name: 'twice', value: 2, error: null },
            { name: 'broken', value: null, error: 'no metric named nothing' },
          ],
        ],
        [
          'big',
          { topic_ok: 2 },
          [
            { name: 'topic_rate', value: 1, error: null },
            { name: 'twice', value: 2, error: null },
            { name: 'broken', value: null, error: 'no metric named nothing' },
          ],
        ],
      ],
      'named scores summed per prompt and provider; derived metrics in order, a missing metric an error',
    );
    assert.match(stdout.text, /mini derived metrics: topic_rate = 1, twice = 2, broken = — \(no metric named nothing\)/);
    assert.deepStrictEqual(
      report.suites.map((s) => [s.name, s.results.length]),
      [
        ['promptfooconfig.yaml › plain', 8],
        ['promptfooconfig.yaml › chat', 12],
      ],
    );
    const results = report.suites.flatMap((s) => s.results);
    const tally = new Map<string, number>();
    for (const r of results) tally.set(`${r.description} ${r.status}`, (tally.get(`${r.description} ${r.status}`) ?? 0) + 1);
    assert.deepStrictEqual(Object.fromEntries([...tally].sort()), {
      'csv fish pass': 4,
      'csv rocks fail': 4,
      'list vars pass': 8,
      'scenario pass': 4,
    });
    const one = results.find((r) => r.description === 'scenario' && r.model === 'big' && r.vars.lang === 'es')!;
    assert.deepStrictEqual([one.output, one.vars], ['ECHO: ABOUT BIRDS (ES)', { lang: 'es', topic: 'birds' }], 'assertions judged the transformed output');
    assert.match(stdout.text, /20 executions: 16 passed, 4 failed, 0 errors/);
  });

  it('refuses a transform it cannot run before any call', async () => {
    writeFileSync(join(folder.dir, 'promptfooconfig.yaml'), config(mock.openaiBaseUrl).replace('transform: output.toUpperCase()', 'transform: file://t.py'));
    writeFileSync(join(folder.dir, 'cases.csv'), CSV);
    const stdout = new Capture();
    const stderr = new Capture();
    const code = await runCli(['test', 'promptfooconfig.yaml', '--no-history'], { cwd: folder.dir, env: {}, stdout, stderr, signal: new AbortController().signal });
    assert.strictEqual(code, 2);
    assert.match(stderr.text, /promptfooconfig\.yaml:16:3 error defaultTest: Python transforms \(t\.py\) are not supported: use JavaScript \[invalid-transform\]/);
    assert.strictEqual(mock.requests.length, 0);
  });
});
