// `assay test` against faulty and hostile servers, in-process with the real engine, SDKs, reports and
// history: each bad reply is that case's error (with a clear message), the other cases run, the reports
// are written, the exit code is 1 (failures), and no secret in use reaches any output.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runCli } from '../../src/cli/main';
import { terminalSafe } from '../../src/cli/terminalText';
import { TraceStore } from '../../src/core/store/traceStore';
import { startMockLlm, type MockLlm } from '../support/mockLlmServer';
import { tempFolder } from '../support/storeFixtures';

const KEY = 'kk-cli-hostile-KEY-4e1f9a0c';
const GATEWAY_TOKEN = 'gw-cli-hostile-TOKEN-b7e3d2';
const PASSWORD = 'pw-cli-hostile-PASS-91c0';
const SECRETS = [KEY, GATEWAY_TOKEN, PASSWORD, `alice:${PASSWORD}`, Buffer.from(`alice:${PASSWORD}`).toString('base64')];

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/** One case per attack; the mock picks the fault by the case's ticket text. */
const ATTACKS: { ticket: string; error?: RegExp }[] = [
  { ticket: 'fine', error: undefined },
  { ticket: 'malformed', error: /error \(malformed\): openai \(http:\/\/127\.0\.0\.1:\d+\/v1\) sent data that is not valid JSON/ },
  { ticket: 'early close', error: /error \(malformed\): openai \(http:\/\/127\.0\.0\.1:\d+\/v1\) sent data that is not valid JSON/ },
  { ticket: 'reset', error: /error \(network\): Could not reach openai \(http:\/\/127\.0\.0\.1:\d+\/v1\): socket hang up/ },
  { ticket: 'oversize', error: /error \(malformed\): openai \(http:\/\/127\.0\.0\.1:\d+\/v1\): the server's reply is larger than the 32 MB limit; Assay stopped reading it/ },
  { ticket: 'bomb', error: /error \(malformed\): openai \(http:\/\/127\.0\.0\.1:\d+\/v1\): the server's compressed reply inflates to more than the 32 MB limit/ },
  { ticket: 'echo', error: undefined },
  { ticket: 'gateway echo', error: undefined },
  { ticket: 'escapes', error: undefined },
];

const PROMPT = `---
model: openai:gpt-4o-mini
tests:
${ATTACKS.map((a) => `  - description: ${a.ticket}\n    vars: { ticket: ${a.ticket} }\n    assert: [{ type: icontains, value: fine }]`).join('\n')}
---
user:
{{ ticket }}
`;

describe('CLI: assay test against hostile servers', function () {
  this.timeout(120_000);
  let mock: MockLlm;
  let folder: ReturnType<typeof tempFolder>;

  before(async () => {
    mock = await startMockLlm({ reply: (req) => (req.prompt === 'escapes' ? 'red \x1b[31mALERT\x1b[0m\x1b]0;pwned\x07 and \u202Eevil' : `fine: ${req.prompt}`) });
  });
  after(() => mock.close());
  beforeEach(() => {
    folder = tempFolder('assay-cli-hostile-');
    mkdirSync(join(folder.dir, '.git'));
  });
  afterEach(() => folder.cleanup());

  it('records each attack as that case’s error, runs the rest, writes every report, and leaks no secret', async () => {
    const dir = folder.dir;
    const withUser = mock.url.replace('http://', `http://alice:${PASSWORD}@`);
    const on = (ticket: string) => (r: { prompt: string }) => r.prompt === ticket;
    for (const f of [
      { kind: 'malformed' as const, match: on('malformed') },
      { kind: 'close' as const, match: on('early close') },
      // A reset is worth retrying: every attempt meets one.
      { kind: 'disconnect' as const, match: on('reset'), times: 4 },
      { kind: 'oversize' as const, match: on('oversize') },
      { kind: 'gzipBomb' as const, match: on('bomb') },
      { kind: 'echoSecrets' as const, match: on('echo') },
      { kind: 'echoSecrets' as const, match: on('gateway echo') },
    ]) {
      mock.fault(f);
    }
    writeFileSync(join(dir, 'gateway.prompt'), `---\nmodel: gateway:gpt-4o-mini\ntests:\n  - description: gateway echo\n    vars: { ticket: gateway echo }\n    assert: [{ type: icontains, value: fine }]\n---\nuser:\n{{ ticket }}\n`);
    writeFileSync(join(dir, 'assay.config.yaml'), `endpoints:\n  - { name: gateway, baseUrl: "${withUser}/v1", headers: { X-Gateway-Token: "${GATEWAY_TOKEN}" } }\n`);
    writeFileSync(join(dir, 'hostile.prompt'), PROMPT.replace(/  - description: gateway echo\n.*\n.*\n/, ''));

    const stdout = new Capture();
    const stderr = new Capture();
    const code = await runCli(['test', 'hostile.prompt', 'gateway.prompt', '--no-cache', '--json', 'out/r.json', '--junit', 'out/r.xml', '--history', 'h.sqlite'], {
      cwd: dir,
      env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${withUser}/v1` },
      stdout,
      stderr,
      signal: new AbortController().signal,
    });
    assert.equal(code, 1, stderr.text);

    // Each attack is its own case's error, with a message that says what happened; the others ran.
    const out = stdout.text;
    for (const a of ATTACKS) if (a.error) assert.match(out, a.error, `${a.ticket}:\n${out}`);
    const json = JSON.parse(readFileSync(join(dir, 'out', 'r.json'), 'utf8')) as { suites: { results: { description: string; status: string; output: string; error: { message: string } | null }[] }[] };
    const executions = json.suites.flatMap((s) => s.results);
    const byName = new Map(executions.map((e) => [e.description, e]));
    assert.equal(executions.length, ATTACKS.length);
    assert.equal(byName.get('fine')?.status, 'pass');
    for (const name of ['malformed', 'early close', 'reset', 'oversize', 'bomb']) assert.equal(byName.get(name)?.status, 'error', name);
    // The echoes were answered (and pass: the reply holds the word) with the secrets redacted.
    for (const name of ['echo', 'gateway echo']) {
      assert.equal(byName.get(name)?.status, 'fail', name);
      assert.match(byName.get(name)!.output, /You sent POST .*\[REDACTED\]/);
    }
    assert.ok(existsSync(join(dir, 'out', 'r.xml')));
    assert.match(readFileSync(join(dir, 'out', 'r.xml'), 'utf8'), /<error message="openai \(http:\/\/127\.0\.0\.1:\d+\/v1\): the server&apos;s reply|<error message="openai \(http:\/\/127\.0\.0\.1:\d+\/v1\): the server's reply is larger/);

    // Model output cannot drive the terminal: escapes and bidi overrides are shown, not obeyed.
    assert.match(out, /output: red \\x1b\[31mALERT\\x1b\[0m\\x1b\]0;pwned\\x07 and \\u202eevil/);
    assert.ok(!/[\x1b\x07\u202e]/.test(out), 'no raw control or bidi character on stdout');

    // The secrets went out (so the search below searches something), and came back nowhere.
    const sent = JSON.stringify(mock.requests.map((r) => r.headers));
    assert.ok(sent.includes(KEY) && sent.includes(GATEWAY_TOKEN));
    const outputs: [string, string][] = [
      ['stdout', out],
      ['stderr', stderr.text],
      ['json', readFileSync(join(dir, 'out', 'r.json'), 'utf8')],
      ['junit', readFileSync(join(dir, 'out', 'r.xml'), 'utf8')],
      ['history', readFileSync(join(dir, 'h.sqlite')).toString('latin1')],
    ];
    for (const [what, text] of outputs) for (const s of SECRETS) assert.ok(!text.includes(s), `${s} is in ${what}`);

    // The history holds a trace per call, each attack's with its error, and exports no secret either.
    const store = await TraceStore.open({ path: join(dir, 'h.sqlite') });
    try {
      const page = await store.listTraces({}, { limit: 100 });
      const traces = await Promise.all(page.items.map((t) => store.getTrace(t.id)));
      const errors = traces.map((t) => t?.error?.message ?? '').join('\n');
      for (const re of [/sent data that is not valid JSON/, /socket hang up/, /larger than the 32 MB limit/, /inflates to more than the 32 MB limit/]) assert.match(errors, re);
      const exported = await store.exportJsonl({}, join(dir, 'export.jsonl'));
      assert.ok(!('error' in exported && exported.error), JSON.stringify(exported));
      const texts = [JSON.stringify(traces), readFileSync(join(dir, 'export.jsonl'), 'utf8')];
      for (const text of texts) for (const s of SECRETS) assert.ok(!text.includes(s), `${s} is in the history or its export`);
    } finally {
      await store.close();
    }
  });

  it('takes the reply limit from maxResponseMB in assay.config.yaml', async () => {
    const dir = folder.dir;
    writeFileSync(join(dir, 'assay.config.yaml'), 'maxResponseMB: 1\n');
    writeFileSync(join(dir, 'big.prompt'), `---\nmodel: openai:gpt-4o-mini\ntests:\n  - description: big\n    vars: { ticket: big }\n    assert: [{ type: icontains, value: x }]\n---\nuser:\n{{ ticket }}\n`);
    mock.fault({ kind: 'oversize', bytes: 2 * 1024 * 1024, match: (r) => r.prompt === 'big' });
    const stdout = new Capture();
    const stderr = new Capture();
    const code = await runCli(['test', 'big.prompt', '--no-history'], { cwd: dir, env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: mock.openaiBaseUrl }, stdout, stderr, signal: new AbortController().signal });
    assert.equal(code, 1, stderr.text);
    assert.match(stdout.text, /error \(malformed\): openai \(http:\/\/127\.0\.0\.1:\d+\/v1\): the server's reply is larger than the 1 MB limit/);
  });

  it('a template that would make too much is that case’s error, before any call; the other cases run and the reports are written', async () => {
    const dir = folder.dir;
    const loop = '{% if ticket == "loop" %}{% for x in range(1000000000000) %}{{ ticket }}{% endfor %}{% endif %}';
    const huge = '{% if ticket == "huge" %}{% set s = ticket %}{% for i in range(40) %}{% set s = s + s %}{% endfor %}{{ s }}{% endif %}';
    const cases = ['fine', 'loop', 'huge'].map((t) => `  - description: ${t}\n    vars: { ticket: ${t} }\n    assert: [{ type: icontains, value: fine }]`).join('\n');
    writeFileSync(join(dir, 'loops.prompt'), `---\nmodel: openai:gpt-4o-mini\ntests:\n${cases}\n---\nuser:\n${loop}${huge}{{ ticket }}\n`);
    const stdout = new Capture();
    const stderr = new Capture();
    const calls = mock.requests.length;
    const code = await runCli(['test', 'loops.prompt', '--no-cache', '--json', 'out/r.json', '--junit', 'out/r.xml', '--no-history'], {
      cwd: dir,
      env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: mock.openaiBaseUrl },
      stdout,
      stderr,
      signal: new AbortController().signal,
    });
    assert.equal(code, 1, stderr.text);
    assert.match(stdout.text, /range\(0, 1000000000000, 1\) would make 1,000,000,000,000 numbers; one render may make at most 1,000,000: check the loop's bounds/);
    assert.match(stdout.text, /the template made more text than a JavaScript string can hold; one render may make at most 33,554,432 characters: check its loops/);
    const json = JSON.parse(readFileSync(join(dir, 'out', 'r.json'), 'utf8')) as { suites: { results: { description: string; status: string }[] }[] };
    const status = Object.fromEntries(json.suites.flatMap((s) => s.results).map((r) => [r.description, r.status]));
    assert.deepEqual(status, { fine: 'pass', loop: 'error', huge: 'error' });
    assert.ok(existsSync(join(dir, 'out', 'r.xml')));
    assert.deepEqual(mock.requests.slice(calls).map((r) => r.prompt), ['fine'], 'only the case that rendered was sent');
  });

  it('a bug that escapes into an event handler exits 70 (internal error), not 1 (failed tests)', async () => {
    const script = "require('./src/cli/main').main(); setImmediate(() => { throw new Error('boom in a handler'); });";
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script, 'version'], { cwd: join(__dirname, '..', '..'), stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 70, err);
    assert.match(err, /^assay: internal error: Error: boom in a handler/m);
  });

  it('escapes control characters and bidi controls for the terminal, keeping tabs and newlines', () => {
    const table: [string, string][] = [
      ['plain text', 'plain text'],
      ['a\tb\nc', 'a\tb\nc'],
      ['\x1b[2J\x1b[H', '\\x1b[2J\\x1b[H'],
      ['over\rwrite', 'over\\x0dwrite'],
      ['\x9b31m', '\\x9b31m'],
      ['bell\x07 del\x7f', 'bell\\x07 del\\x7f'],
      ['abc\u202Efed', 'abc\\u202efed'],
      ['\u2066isolate\u2069 \u200Fmark', '\\u2066isolate\\u2069 \\u200fmark'],
      ['emoji 🎉 and ü', 'emoji 🎉 and ü'],
    ];
    for (const [input, shown] of table) assert.equal(terminalSafe(input), shown, JSON.stringify(input));
  });
});
