// `assay test` end to end: runCli in-process with captured streams, the real engine and SDKs against
// the mock LLM server, real files and history in temp folders; and once the bundled CLI as a child process.
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../src/cli/main';
import { testCommand } from '../../src/cli/testCommand';
import { FILES_KEYS, GRADER_KEYS, HISTORY_KEYS, PROJECT_CONFIG_KEYS } from '../../src/core/config/projectConfig';
import { startMockLlm, type MockLlm } from '../support/mockLlmServer';
import { Capture } from '../support/cliCapture';
import { tempFolder } from '../support/storeFixtures';

const ROOT = join(__dirname, '..', '..');
const KEY = 'sk-cli-TESTKEY-0123456789abcdef';

interface CliResult {
  code: number;
  out: string;
  err: string;
}

const TRIAGE = `---
model: openai:gpt-4o-mini
inputs:
  ticket: { type: string }
tests:
  - description: double charge
    vars: { ticket: I was charged twice }
    assert: [{ type: equals, value: billing }]
  - description: crash
    vars: { ticket: the app crashes }
    assert: [{ type: equals, value: bug }]
  - description: question
    vars: { ticket: where is the manual }
    assert: [{ type: equals, value: billing }]
---
user:
{{ ticket }}
`;

const PASSING = `---
model: openai:gpt-4o-mini
tests:
  - description: says billing
    vars: { ticket: charged twice }
    assert: [{ type: icontains, value: BILLING }]
  - description: says bug
    vars: { ticket: it crashes }
    assert: [{ type: equals, value: bug }]
---
user:
{{ ticket }}
`;

describe('CLI: assay test', function () {
  this.timeout(30_000);
  let folder: ReturnType<typeof tempFolder>;
  let dir: string;
  let mock: MockLlm;
  let crashAnswer: string;

  before(async () => {
    mock = await startMockLlm({
      latencyMs: 5,
      reply: (req) =>
        req.model === 'judge'
          ? JSON.stringify({ pass: req.prompt.includes('billing'), score: 1, reason: 'the judge read it' })
          : req.prompt.includes('twice')
            ? 'billing'
            : req.prompt.includes('crash')
              ? crashAnswer
              : 'other',
    });
  });
  after(() => mock.close());
  beforeEach(() => {
    crashAnswer = 'bug';
    folder = tempFolder('assay-cli-test-');
    dir = folder.dir;
    mkdirSync(join(dir, '.git'));
    writeFileSync(join(dir, 'triage.prompt'), TRIAGE);
    writeFileSync(join(dir, 'passing.prompt'), PASSING);
  });
  afterEach(() => folder.cleanup());

  const env = (): NodeJS.ProcessEnv => ({ OPENAI_API_KEY: KEY, OPENAI_BASE_URL: mock.openaiBaseUrl });

  async function cli(argv: string[], options: { env?: NodeJS.ProcessEnv; tty?: boolean; signal?: AbortSignal } = {}): Promise<CliResult> {
    const stdout = new Capture(options.tty === true);
    const stderr = new Capture();
    const code = await runCli(['test', ...argv], { cwd: dir, env: options.env ?? env(), stdout, stderr, signal: options.signal ?? new AbortController().signal });
    return { code, out: stdout.text, err: stderr.text };
  }

  it('exits 0 when every case passes, with a summary table per model', async () => {
    const r = await cli(['passing.prompt', '--no-history']);
    assert.strictEqual(r.code, 0, r.err);
    assert.match(r.out, /passing\.prompt {2}\(2 cases × 1 model\)/);
    assert.match(r.out, /model +pass rate +95% CI +pass +fail +error +flaky +cost +p50 +p95/);
    assert.match(r.out, /openai:gpt-4o-mini +100\.0% +34\.2–100\.0% +2 +0 +0 +0 +\$0\.0000\d+ /);
    assert.match(r.out, /2 executions: 2 passed, 0 failed, 0 errors — pass rate 100\.0%/);
    assert.strictEqual(r.err, '');
  });

  it('exits 1 on failures and lists each with its reasons and output', async () => {
    const r = await cli(['triage.prompt', '--no-history']);
    assert.strictEqual(r.code, 1);
    assert.match(r.out, /✗ question — openai:gpt-4o-mini\n {6}equals: .*\n {6}output: other\n/);
    assert.doesNotMatch(r.out, /✗ (double charge|crash) /);
    assert.match(r.out, /3 executions: 2 passed, 1 failed, 0 errors — pass rate 66\.7%/);
  });

  const failUnder: [string, number][] = [
    ['0.6', 0],
    ['66%', 0],
    ['0.7', 1],
    ['90%', 1],
  ];
  for (const [rate, code] of failUnder) {
    it(`--fail-under ${rate} with 2 of 3 passing exits ${code}`, async () => {
      const r = await cli(['triage.prompt', '--no-history', '--fail-under', rate]);
      assert.strictEqual(r.code, code, r.out);
    });
  }

  describe('usage and configuration errors exit 2 before any call', () => {
    const cases: [string, string[], NodeJS.ProcessEnv | null, RegExp, (() => void)?][] = [
      ['a missing file', ['nope.prompt'], null, /error: nope\.prompt: no such file/],
      ['an unknown provider', ['passing.prompt', '--models', 'nope:x'], null, /nope:x \(in passing\.prompt\): Unknown provider "nope"/],
      ['a model that is not provider:model', ['passing.prompt', '--models', 'gpt-4o'], null, /--models: "gpt-4o" is not a model reference/],
      ['no key', ['passing.prompt'], {}, /openai:gpt-4o-mini \(in passing\.prompt\): no API key for openai; set OPENAI_API_KEY/],
      ['an unknown option', ['passing.prompt', '--frobnicate'], null, /unknown option '--frobnicate'/],
      ['a bad --repeat', ['passing.prompt', '--repeat', '0'], null, /--repeat must be a whole number from 1 to 1000/],
      ['a bad --fail-under', ['passing.prompt', '--fail-under', '1.5'], null, /--fail-under must be a rate from 0 to 1/],
      ['--history with --no-history', ['passing.prompt', '--history', 'h.sqlite', '--no-history'], null, /cannot be used together/],
      ['a filter that matches nothing', ['passing.prompt', '--filter', 'zzz'], null, /--filter 'zzz' matches no test case/],
      ['no files and nothing configured', [], null, /no files given/],
      ['a prompt without cases', ['empty.prompt'], null, /error: empty\.prompt: no test cases to run/, () => writeFileSync(join(dir, 'empty.prompt'), '---\nmodel: echo:echo\n---\nuser:\nhi\n')],
      ['a bank without a prompt', ['orphan.tests.yaml'], null, /orphan\.tests\.yaml: no prompt file to run it against; expected orphan\.prompt or orphan\.prompty beside it/, () => writeFileSync(join(dir, 'orphan.tests.yaml'), '[]')],
      ['a template error', ['broken.prompt'], null, /^broken\.prompt:6:\d+ error .*\[template-syntax\]$/m, () => writeFileSync(join(dir, 'broken.prompt'), '---\ntests:\n  - vars: {}\n---\nuser:\n{% if %}\n')],
      ['a bad project config', ['passing.prompt'], null, /assay\.config\.yaml: concurrency must be a whole number/, () => writeFileSync(join(dir, 'assay.config.yaml'), 'concurrency: lots')],
      ['a grader without a key', ['graded.prompt'], { OPENAI_BASE_URL: 'http://127.0.0.1:9' }, /grader openai:gpt-5.5 \(in graded\.prompt\): no API key for openai; set OPENAI_API_KEY/, () =>
        writeFileSync(join(dir, 'graded.prompt'), '---\nmodel: echo:echo\ntests:\n  - assert: [{ type: llm-rubric, value: polite }]\n---\nuser:\nhi\n')],
    ];
    for (const [why, argv, customEnv, message, setup] of cases) {
      it(why, async () => {
        setup?.();
        const before = mock.requests.length;
        // History is beside the point here (and its worker would only slow the test down).
        const r = await cli(argv.includes('--history') ? argv : [...argv, '--no-history'], customEnv ? { env: customEnv } : {});
        assert.strictEqual(r.code, 2, r.out + r.err);
        assert.match(r.err, message);
        assert.strictEqual(mock.requests.length, before, 'no model was called');
      });
    }
  });

  it('--case runs only the cases with those exact ids (the ids --json reports); an id matching none is refused', async () => {
    const all = await cli(['triage.prompt', '--no-history', '--json', 'out/ids.json']);
    const ids = JSON.parse(readFileSync(join(dir, 'out/ids.json'), 'utf8')).suites[0].results.map((x: { caseId: string }) => x.caseId);
    assert.strictEqual(ids.length, 3, all.out + all.err);
    const before = mock.requests.length;
    const r = await cli(['triage.prompt', '--no-history', '--case', ids[2], '--case', ids[0], '--json', 'out/two.json']);
    const results = JSON.parse(readFileSync(join(dir, 'out/two.json'), 'utf8')).suites[0].results;
    assert.deepStrictEqual(results.map((x: { description: string }) => x.description), ['double charge', 'question'], 'in the file’s order');
    assert.strictEqual(mock.requests.length - before, 2, r.out + r.err);
    const none = await cli(['triage.prompt', '--no-history', '--case', ids[0].slice(0, -1)]);
    assert.strictEqual(none.code, 2, 'a prefix of an id is no match');
    assert.match(none.err, /--case matches no test case/);
  });

  it('--json writes every case × model × repeat with its assertions, tokens, cost and latency', async () => {
    const r = await cli(['triage.prompt', '--no-history', '--repeat', '2', '--json', 'out/results.json']);
    assert.strictEqual(r.code, 1);
    const json = JSON.parse(readFileSync(join(dir, 'out/results.json'), 'utf8'));
    assert.strictEqual(json.format, 'assay-test-results');
    assert.strictEqual(json.version, 1);
    assert.deepStrictEqual([json.totals.executions, json.totals.passed, json.totals.failed, json.totals.errors, json.totals.passRate], [6, 4, 2, 0, 0.6667]);
    const [suite] = json.suites;
    assert.strictEqual(suite.name, 'triage.prompt');
    assert.deepStrictEqual(
      suite.results.map((x: { description: string; repeatIndex: number; status: string }) => `${x.description}#${x.repeatIndex} ${x.status}`),
      ['double charge#0 pass', 'double charge#1 pass', 'crash#0 pass', 'crash#1 pass', 'question#0 fail', 'question#1 fail'],
    );
    const failed = suite.results[4];
    assert.deepStrictEqual(failed.assertions, [{ type: 'equals', pass: false, score: 0, reason: failed.assertions[0].reason, weight: 1, metric: null, error: null }]);
    assert.match(failed.assertions[0].reason, /billing/);
    assert.strictEqual(failed.score, 0);
    assert.strictEqual(failed.output, 'other');
    assert.deepStrictEqual(failed.vars, { ticket: 'where is the manual' });
    assert.ok(failed.tokens.input > 0 && failed.tokens.output > 0, JSON.stringify(failed.tokens));
    assert.ok(typeof failed.cost === 'number' && failed.cost > 0, 'gpt-4o-mini has a price');
    assert.ok(failed.latencyMs >= 5, 'the mock took 5 ms');
    assert.strictEqual(failed.traceId, null, 'no history, no trace');
    assert.deepStrictEqual(suite.models.map((m: { model: string; passed: number; failed: number; passRate: number }) => [m.model, m.passed, m.failed, m.passRate]), [['openai:gpt-4o-mini', 4, 2, 0.6667]]);
  });

  it('--junit writes a testsuite per model and a testcase per case, with failures and errors', async () => {
    mock.fault({ kind: 'status', status: 401, message: 'Invalid key' });
    const r = await cli(['triage.prompt', '--no-history', '--concurrency', '1', '--models', 'openai:gpt-4o-mini,openai:gpt-4o', '--junit', 'junit.xml']);
    assert.strictEqual(r.code, 1);
    const xml = readFileSync(join(dir, 'junit.xml'), 'utf8');
    assert.match(xml, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites name="assay" tests="6" failures="2" errors="1" /);
    const suites = [...xml.matchAll(/<testsuite name="([^"]+)" tests="(\d+)" failures="(\d+)" errors="(\d+)"/g)].map((m) => m.slice(1).join(' '));
    assert.deepStrictEqual(suites, ['triage.prompt [openai:gpt-4o-mini] 3 1 1', 'triage.prompt [openai:gpt-4o] 3 1 0']);
    assert.strictEqual([...xml.matchAll(/<testcase /g)].length, 6);
    assert.match(xml, /<testcase name="double charge" classname="triage\.prompt \[openai:gpt-4o-mini\]" time="[\d.]+">\n {6}<error message="401 Invalid key" type="auth">/);
    assert.match(xml, /<testcase name="question" classname="triage\.prompt \[openai:gpt-4o\]" time="[\d.]+">\n {6}<failure message="equals: [^"]*" type="assertion">✗ equals: /);
    assert.match(xml, /<property name="passRate" value="0\.5000"\/>/);
  });

  it('never shows the key, not even when the server echoes it', async () => {
    const strict = await startMockLlm({ apiKey: 'the-right-key' });
    try {
      const r = await cli(['passing.prompt', '--json', 'r.json', '--junit', 'r.xml', '--history', 'h.sqlite'], { env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: strict.openaiBaseUrl } });
      assert.strictEqual(r.code, 1);
      assert.ok(strict.requests.length > 0 && strict.requests.every((q) => q.headers.authorization === `Bearer ${KEY}`), 'the key was sent to the server');
      assert.match(r.out, /error \(auth\): 401 Incorrect API key provided: \[REDACTED\]/);
      for (const [what, text] of [['stdout', r.out], ['stderr', r.err], ['json', readFileSync(join(dir, 'r.json'), 'utf8')], ['junit', readFileSync(join(dir, 'r.xml'), 'utf8')], ['history', readFileSync(join(dir, 'h.sqlite')).toString('latin1')]]) {
        assert.ok(!text!.includes(KEY) && !text!.includes('TESTKEY'), `the key is not in ${what}`);
      }
    } finally {
      await strict.close();
    }
  });

  it('records history and compares with the previous run of the same bank', async () => {
    const first = await cli(['triage.prompt']);
    assert.strictEqual(first.code, 1);
    assert.match(first.out, /openai:gpt-4o-mini: no previous run of this bank to compare with/);
    assert.match(first.out, /history: \.assay\/history\.sqlite/);
    assert.match(readFileSync(join(dir, '.assay/.gitignore'), 'utf8'), /^\*$/m, 'history stays out of git');
    crashAnswer = 'billing';
    const second = await cli(['triage.prompt']);
    assert.match(
      second.out,
      /openai:gpt-4o-mini vs the previous run \([\d-]+ [\d:]+ UTC\): 1 regression, 0 fixes, 1 still failing, 0 new\n {4}pass rate 66\.7% → 33\.3% \(−33\.3 pts, 95% CI −100\.0 to \+100\.0\) on 3 shared cases; McNemar's exact test p = 1\.0000: within noise\n {4}mean score 0\.667 → 0\.333 \(−0\.333, 95% CI −1\.768 to \+1\.101\) on 3 shared cases; Wilcoxon signed-rank p = 0\.3173, paired t p = 0\.4226: within noise\n {4}regression: crash\n/,
    );
    const third = await cli(['triage.prompt', '--fail-on-regression', 'significant']);
    assert.strictEqual(third.code, 1, 'the failures alone fail the run');
  });

  it('--fail-on-regression: a significant drop fails a run that --fail-under lets pass; one regressed case only with "any"', async () => {
    const cases = Array.from({ length: 12 }, (_, i) => `  - description: crash ${i}\n    vars: { ticket: the app crashes (${i}) }\n    assert: [{ type: equals, value: bug }]`);
    writeFileSync(join(dir, 'crashes.prompt'), `---\nmodel: openai:gpt-4o-mini\ninputs:\n  ticket: { type: string }\ntests:\n${cases.join('\n')}\n---\nuser:\n{{ ticket }}\n`);
    assert.strictEqual((await cli(['crashes.prompt'])).code, 0);
    crashAnswer = 'billing';
    const dropped = await cli(['crashes.prompt', '--fail-under', '0', '--fail-on-regression', 'significant', '--json', 'r.json']);
    assert.strictEqual(dropped.code, 1, dropped.out);
    assert.match(dropped.out, /pass rate 100\.0% → 0\.0% \(−100\.0 pts, 95% CI −100\.0 to −100\.0\) on 12 shared cases; McNemar's exact test p = 0\.0005: a significant regression/);
    assert.match(dropped.err, /--fail-on-regression significant: the pass rate dropped significantly against the previous run \(crashes\.prompt on openai:gpt-4o-mini\)/);
    const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as { suites: { comparisons: { significance: { verdict: string; pValue: number; discordant: unknown } }[] }[] };
    const sig = report.suites[0]!.comparisons[0]!.significance;
    assert.deepStrictEqual([sig.verdict, sig.discordant], ['significant-regression', { regressed: 12, fixed: 0 }]);
    assert.ok(Math.abs(sig.pValue - 2 / 4096) < 1e-12);
    // The paired test on scores agrees: every case's score fell by 1 (exact Wilcoxon, all ranks tied).
    const scores = (report.suites[0]!.comparisons[0] as unknown as { scoreChange: { verdict: string; difference: number; wilcoxon: { pValue: number; method: string } } }).scoreChange;
    assert.deepStrictEqual([scores.verdict, scores.difference, scores.wilcoxon.method], ['significant-regression', -1, 'exact']);
    assert.ok(Math.abs(scores.wilcoxon.pValue - 2 / 4096) < 1e-12);

    // One regressed case out of twelve is noise: 'significant' lets it pass, 'any' does not.
    crashAnswer = 'bug';
    assert.strictEqual((await cli(['crashes.prompt'])).code, 0);
    writeFileSync(join(dir, 'crashes.prompt'), readFileSync(join(dir, 'crashes.prompt'), 'utf8').replace('crashes (3) }\n    assert: [{ type: equals, value: bug }]', 'crashes (3) }\n    assert: [{ type: equals, value: nope }]'));
    cpSync(join(dir, '.assay/history.sqlite'), join(dir, 'baseline.sqlite'));
    assert.strictEqual((await cli(['crashes.prompt', '--fail-under', '0.5', '--fail-on-regression', 'significant'])).code, 0);
    cpSync(join(dir, 'baseline.sqlite'), join(dir, '.assay/history.sqlite'));
    const any = await cli(['crashes.prompt', '--fail-under', '0.5', '--fail-on-regression', 'any']);
    assert.strictEqual(any.code, 1, any.out + any.err);
    assert.match(any.err, /--fail-on-regression any: cases regressed/);
  });

  it('--fail-on-regression takes significant or any', async () => {
    const r = await cli(['passing.prompt', '--fail-on-regression', 'maybe']);
    assert.strictEqual(r.code, 2);
    assert.match(r.err, /--fail-on-regression must be 'significant' or 'any' \(got 'maybe'\)/);
  });

  it('takes endpoints, default models, concurrency, history and the file list from assay.config.yaml', async () => {
    writeFileSync(
      join(dir, 'assay.config.yaml'),
      `defaultModels: [local:small]\nconcurrency: 2\nendpoints:\n  - { name: local, baseUrl: "${mock.openaiBaseUrl}" }\nhistory: { path: data/runs.sqlite }\ntests: ["prompts/*.prompt"]\n`,
    );
    mkdirSync(join(dir, 'prompts', 'sub'), { recursive: true });
    writeFileSync(join(dir, 'prompts', 'sub', 'x.prompt'), PASSING.replace('model: openai:gpt-4o-mini\n', ''));
    writeFileSync(join(dir, 'prompts', 'modelless.prompt'), PASSING.replace('model: openai:gpt-4o-mini\n', ''));
    const before = mock.requests.length;
    const r = await cli([], { env: {}, tty: false });
    assert.strictEqual(r.code, 0, r.err);
    assert.match(r.out, /prompts\/modelless\.prompt {2}\(2 cases × 1 model\)/, 'only files the glob names run');
    assert.match(r.out, /local:small +100\.0% +[\d.–%]+ +2 +0 +0 +0 +unknown /, 'no price for a local model: cost unknown');
    assert.deepStrictEqual(mock.requests.slice(before).map((q) => q.model), ['small', 'small']);
    assert.match(r.out, /history: data\/runs\.sqlite/);
  });

  it('grades with the grader the config names, or ASSAY_GRADER_MODEL over it', async () => {
    writeFileSync(join(dir, 'graded.prompt'), TRIAGE.replace(/assert: \[\{ type: equals, value: (\w+) \}\]/g, 'assert: [{ type: llm-rubric, value: names the $1 queue }]'));
    writeFileSync(join(dir, 'assay.config.yaml'), 'grader: { model: "openai:nobody" }\n');
    const before = mock.requests.length;
    const r = await cli(['graded.prompt', '--no-history', '--filter', 'double'], { env: { ...env(), ASSAY_GRADER_MODEL: 'openai:judge' } });
    assert.strictEqual(r.code, 0, r.out + r.err);
    assert.deepStrictEqual(mock.requests.slice(before).map((q) => q.model), ['gpt-4o-mini', 'judge']);
    const configured = await cli(['graded.prompt', '--no-history', '--filter', 'double']);
    assert.strictEqual(configured.code, 1, 'the grader from assay.config.yaml was asked');
    assert.deepStrictEqual(mock.requests.slice(before + 2).map((q) => q.model), ['gpt-4o-mini', 'nobody']);
    assert.match(configured.out, /error \(assertion\): llm-rubric: Could not extract JSON from llm-rubric response/);
  });

  it('runs a bank beside its prompt, a folder and a promptfoo config', async () => {
    mkdirSync(join(dir, 'suite'));
    writeFileSync(join(dir, 'suite', 'route.prompt'), '---\nmodel: openai:gpt-4o-mini\n---\nuser:\n{{ ticket }}\n');
    writeFileSync(join(dir, 'suite', 'route.csv'), 'ticket,__expected\ncharged twice,billing\n');
    writeFileSync(
      join(dir, 'suite', 'promptfooconfig.yaml'),
      'prompts: ["Ticket: {{ ticket }}"]\nproviders: [echo]\ntests:\n  - vars: { ticket: hello }\n    assert: [{ type: equals, value: "Ticket: hello" }]\n',
    );
    const r = await cli(['suite/route.csv', 'suite', '--no-history']);
    assert.strictEqual(r.code, 0, r.out + r.err);
    assert.match(r.out, /suite\/route\.csv {2}\(1 case × 1 model\)/);
    assert.match(r.out, /suite\/promptfooconfig\.yaml {2}\(1 case × 1 model\)\n.*\n {2}echo +100\.0%/, "a promptfoo provider shows under its label");
  });

  it('draws progress in place on a terminal and as plain lines otherwise', async () => {
    const tty = await cli(['passing.prompt', '--no-history'], { tty: true });
    assert.match(tty.out, /^\r\x1b\[K\[0\/2\] 0 passed/);
    assert.match(tty.out, /\r\x1b\[K\[2\/2\] 2 passed, 0 failed, 0 errors/);
    const plain = await cli(['passing.prompt', '--no-history']);
    assert.match(plain.out, /^running 2 executions\n\[1\/2\] .*\n\[2\/2\] 2 passed, 0 failed, 0 errors {2}[\d.]+ s\n/);
    assert.ok(!plain.out.includes('\r'));
  });

  it('exits 130 when interrupted, reporting unfinished cases as errors', async () => {
    const slow = await startMockLlm({ latencyMs: 5_000 });
    try {
      const controller = new AbortController();
      const running = cli(['triage.prompt', '--no-history', '--json', 'r.json'], { env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: slow.openaiBaseUrl }, signal: controller.signal });
      await slow.waitForRequests(1);
      controller.abort();
      const r = await running;
      assert.strictEqual(r.code, 130);
      assert.match(r.err, /interrupted/);
      const json = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'));
      assert.deepStrictEqual([json.totals.failed, json.totals.errors, json.totals.cancelled], [0, 3, 3]);
    } finally {
      await slow.close();
    }
  });

  it('docs/cli.md documents every option, config key and exit code', () => {
    const docs = readFileSync(join(ROOT, 'docs/cli.md'), 'utf8');
    const options = [...new Set(testCommand.usage.match(/--[a-z-]+/g))];
    assert.ok(options.length >= 11, options.join(' '));
    assert.deepStrictEqual(options.filter((o) => !docs.includes(`| \`${o}`)), [], 'each option has a row in the options table');
    const keys = [...PROJECT_CONFIG_KEYS.map((k) => `\n${k}:`), ...GRADER_KEYS.map((k) => `  ${k}:`), ...HISTORY_KEYS.map((k) => `  ${k}:`), ...FILES_KEYS.map((k) => `  ${k}:`)];
    assert.deepStrictEqual(keys.filter((k) => !docs.includes(k)), [], 'each key is in the example config');
    for (const code of ['**0**', '**1**', '**2**', '**3**', '**130**', '**143**', '**129**']) assert.ok(docs.includes(code), code);
  });

  it('works as the bundled dist/cli.js, with no VS Code and no sources', async function () {
    // A whole esbuild build runs first: a guard against a hang, not a speed limit (2 busy cores take ~30 s).
    this.timeout(180_000);
    // The real build (esbuild.mjs), into a folder of the test's own: the executable, the CLI bundle it loads
    // through the code cache, the CLI's import(), the store worker, the wasm and the vendored SDKs.
    const out = join(dir, 'dist');
    const build = spawnSync(process.execPath, [join(ROOT, 'esbuild.mjs'), '--outdir', out], { cwd: ROOT, encoding: 'utf8' });
    assert.strictEqual(build.status, 0, build.stderr);
    const temp = join(dir, 'tmp');
    mkdirSync(temp);
    const runBundled = async (args: string[]): Promise<{ code: number | null; stdout: string }> => {
      const child = spawn(process.execPath, [join(out, 'cli.js'), ...args], { cwd: dir, env: { PATH: process.env.PATH, TMPDIR: temp, ...env() } });
      let text = '';
      child.stdout.on('data', (d: Buffer) => (text += d.toString()));
      const exit = await new Promise<number | null>((resolve) => child.on('close', resolve));
      return { code: exit, stdout: text };
    };
    // A `javascript` assertion importing an ES module file, before the cache exists and from it.
    writeFileSync(join(dir, 'check.mjs'), 'export default (output) => output.includes("hello");\n');
    writeFileSync(join(dir, 'js.prompt'), '---\nmodel: echo:echo\ntests:\n  - assert: [{ type: javascript, value: file://check.mjs }]\n---\nuser:\nhello\n');
    for (const when of ['compiled', 'from the cache']) {
      const js = await runBundled(['test', 'js.prompt', '--no-history']);
      assert.strictEqual(js.code, 0, `${when}: ${js.stdout}`);
      assert.match(js.stdout, /1 execution: 1 passed/);
    }

    const { code, stdout } = await runBundled(['test', 'triage.prompt', '--json', 'r.json']);
    assert.strictEqual(code, 1, stdout);
    assert.match(stdout, /3 executions: 2 passed, 1 failed, 0 errors/);
    assert.strictEqual(JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')).totals.executions, 3);
    assert.match(stdout, /history: \.assay\/history\.sqlite/);
    const [userDir] = readdirSync(temp);
    assert.match(userDir ?? '', /^assay-v8-cache-/);
    const [checkout] = readdirSync(join(temp, userDir!));
    assert.match(checkout ?? '', /^[0-9a-f]{12}$/, 'a folder per checkout');
    const cacheDir = join(userDir!, checkout!);
    const cached = readdirSync(join(temp, cacheDir)).filter((f) => /^cliMain-[0-9a-f]{16}-test\.bin$/.test(f));
    assert.strictEqual(cached.length, 1, 'the run left its compiled code for the next');

    // Another checkout of the same build never reads this one's code (its stack traces would name this path).
    const copy = join(dir, 'other-checkout');
    cpSync(out, copy, { recursive: true });
    const child = spawn(process.execPath, [join(copy, 'cli.js'), 'test', 'triage.prompt', '--no-history'], { cwd: dir, env: { PATH: process.env.PATH, TMPDIR: temp, ...env() } });
    assert.strictEqual(await new Promise<number | null>((resolve) => child.on('close', resolve)), 1);
    assert.strictEqual(readdirSync(join(temp, userDir!)).length, 2, 'the other checkout has a cache folder of its own');

    // A cache V8 rejects (damaged, or from another build) costs a compile and is replaced.
    const cacheFile = join(temp, cacheDir, cached[0]!);
    writeFileSync(cacheFile, 'not V8 code');
    const again = await runBundled(['test', 'triage.prompt']);
    assert.strictEqual(again.code, 1, again.stdout);
    assert.match(again.stdout, /3 executions: 2 passed, 1 failed, 0 errors/);
    assert.ok(readFileSync(cacheFile).length > 1000, 'the cache was written again');

    // A cache folder others can write to is neither read nor written: its code would run.
    if (process.platform !== 'win32') {
      chmodSync(join(temp, cacheDir), 0o777);
      writeFileSync(cacheFile, 'planted');
      const shared = await runBundled(['test', 'triage.prompt']);
      assert.match(shared.stdout, /3 executions: 2 passed, 1 failed, 0 errors/);
      assert.strictEqual(readFileSync(cacheFile, 'utf8'), 'planted', 'left alone');
    }
  });
});
