// `assay test` on promptfoo configs with custom providers, end to end: runCli in-process with the real
// engine, a local app server for http, real child processes for exec: and Python, real workers for
// JavaScript and TypeScript (fixtures in test/fixtures/customProviders).
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runCli } from '../../src/cli/main';
import { APP_KEY, startAppServer, type AppServer } from '../support/appServer';
import { tempFolder } from '../support/storeFixtures';
import { exited, waitForChild } from '../support/processes';

const FIXTURES = join(__dirname, '..', 'fixtures', 'customProviders');

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

describe('CLI: promptfoo configs with custom providers', function () {
  this.timeout(60_000);
  let folder: ReturnType<typeof tempFolder>;
  let app: AppServer;

  before(async () => {
    app = await startAppServer();
  });
  after(() => app.close());
  beforeEach(() => {
    folder = tempFolder('assay-cli-custom-');
  });
  afterEach(() => folder.cleanup());

  /** Runs `assay test promptfooconfig.yaml` on `config` (the CLI's environment: PATH and the app's key). */
  async function run(config: string, options: { signal?: AbortSignal; args?: string[] } = {}): Promise<{ code: number; out: string; err: string }> {
    writeFileSync(join(folder.dir, 'promptfooconfig.yaml'), config);
    const stdout = new Capture();
    const stderr = new Capture();
    const env = { PATH: process.env.PATH, APP_KEY };
    const code = await runCli(['test', 'promptfooconfig.yaml', '--no-history', ...(options.args ?? [])], { cwd: folder.dir, env, stdout, stderr, signal: options.signal ?? new AbortController().signal });
    return { code, out: stdout.text, err: stderr.text };
  }

  it('http: the JSON body template, a header from the environment and transformResponse reach the app', async () => {
    app.requests.length = 0;
    const r = await run(`prompts: ["Route: {{ticket}}"]
providers:
  - id: ${app.url}/chat
    label: my-app
    config:
      method: POST
      headers: { x-api-key: "{{env.APP_KEY}}" }
      body: { message: "{{prompt}}", user: "{{customer}}" }
      transformResponse: json.reply.text;
tests:
  - vars: { ticket: 'charged "twice"', customer: ann }
    assert: [{ type: equals, value: 'app: Route: charged "twice" (for ann)' }]
`);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, / {2}my-app +100\.0%/);
    assert.deepEqual(JSON.parse(app.requests[0]!.body), { message: 'Route: charged "twice"', user: 'ann' });
  });

  it('exec: runs the command; its stdout is the output', async () => {
    const r = await run(`prompts: ["About {{topic}}"]
providers:
  - id: "exec: node ${join(FIXTURES, 'execProvider.js')}"
    label: script
    config: { flavour: mint }
tests:
  - vars: { topic: cats }
    assert: [{ type: equals, value: "exec: About cats | cats | mint" }]
`);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, / {2}script +100\.0%/);
  });

  it('file:// JavaScript, TypeScript and Python providers, side by side', async () => {
    const r = await run(`prompts: ["About {{topic}}"]
providers:
  - id: file://${join(FIXTURES, 'jsProvider.js')}
    label: js
    config: { flavour: mint }
  - id: file://${join(FIXTURES, 'tsProvider.ts')}
    label: ts
    config: { flavour: mint }
  - id: file://${join(FIXTURES, 'pyProvider.py')}
    label: py
    config: { flavour: mint }
tests:
  - vars: { topic: cats }
    assert: [{ type: icontains-any, value: ["js: About cats | cats | mint", "ts: About cats | mint", "py: About cats | cats | mint"] }]
`);
    assert.equal(r.code, 0, r.out + r.err);
    for (const label of ['js', 'ts', 'py']) assert.match(r.out, new RegExp(` {2}${label} +100\\.0%`));
    assert.match(r.out, / {2}py +100\.0% .* \$0\.25 /, "the script's own cost is reported");
  });

  it('a Python provider that raises is an error trace with its traceback; the run exits 1', async () => {
    const r = await run(
      `prompts: ["x"]
providers:
  - id: python:${join(FIXTURES, 'pyProvider.py')}:raises
    label: broken
tests:
  - description: asks the index
    assert: [{ type: contains, value: x }]
`,
      { args: ['--json', 'report.json'] },
    );
    assert.equal(r.code, 1, r.out + r.err);
    assert.match(r.out, /1 execution: 0 passed, 0 failed, 1 error/);
    assert.match(r.out, /raised ValueError: the index is not built/);
    const report = readFileSync(join(folder.dir, 'report.json'), 'utf8');
    assert.match(report, /Traceback \(most recent call last\)/);
  });

  it('a script that is not there is an error before any call, with the file and line', async () => {
    const r = await run(`prompts: ["x"]\nproviders:\n  - file://nowhere.py\ntests:\n  - vars: {}\n`);
    assert.equal(r.code, 2);
    assert.match(r.err, /promptfooconfig\.yaml:3:\d+ error provider file:\/\/nowhere\.py: script not found: nowhere\.py/);
  });

  it('Ctrl+C stops a hanging exec: provider and kills it', async () => {
    const controller = new AbortController();
    const pending = run(
      `prompts: ["x"]
providers:
  - id: "exec: node ${join(FIXTURES, 'execProvider.js')} hang"
tests:
  - vars: {}
`,
      { signal: controller.signal },
    );
    const pid = await waitForChild(`${join(FIXTURES, 'execProvider.js')} hang`);
    controller.abort();
    const r = await pending;
    assert.equal(r.code, 130, r.out + r.err);
    assert.equal(await exited(pid), true, 'the child is gone');
  });
});
