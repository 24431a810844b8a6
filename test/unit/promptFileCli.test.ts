import * as assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runCli } from '../../src/cli/main';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

async function cli(cwd: string, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await runCli(argv, { cwd, env: {}, stdout, stderr, signal: new AbortController().signal });
  return { code, out: stdout.text, err: stderr.text };
}

const TRIAGE = `---
name: triage
model: openai:gpt-4o-mini
inputs:
  ticket: { type: string, default: I was charged twice }
tests:
  - vars: { ticket: The app crashes }
  - vars: { ticket: Where is my invoice? }
---
system:
Route the ticket.

user:
{{ ticket }}
`;

describe('CLI: assay render / assay lint', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'assay-cli-'));
    writeFileSync(join(dir, 'triage.prompt'), TRIAGE);
    writeFileSync(join(dir, 'vars.json'), JSON.stringify({ ticket: 'from a file' }));
    writeFileSync(join(dir, 'missing.prompt'), 'user:\nHello {{ name }}');
    writeFileSync(join(dir, 'nomodel.prompty'), '---\nname: t\nmodel: gpt-4\n---\nuser:\nHello {{ name }}!\n');
    cpSync(join(__dirname, '../fixtures/prompts'), join(dir, 'fixtures'), { recursive: true });
    mkdirSync(join(dir, 'fixtures/node_modules'));
    writeFileSync(join(dir, 'fixtures/node_modules/skipped.prompt'), '---\nmodels: [nope]\n---\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const renders: [string, string[], [string, string][]][] = [
    ['defaults', ['triage.prompt'], [['system', 'Route the ticket.'], ['user', 'I was charged twice']]],
    ['--vars JSON', ['triage.prompt', '--vars', '{"ticket":"Refund please"}'], [['system', 'Route the ticket.'], ['user', 'Refund please']]],
    ['--vars @file', ['triage.prompt', '--vars=@vars.json'], [['system', 'Route the ticket.'], ['user', 'from a file']]],
    ['--case N takes an inline case', ['triage.prompt', '--case', '2'], [['system', 'Route the ticket.'], ['user', 'Where is my invoice?']]],
    ['--vars overrides the case', ['triage.prompt', '--case', '1', '--vars', '{"ticket":"override"}'], [['system', 'Route the ticket.'], ['user', 'override']]],
    ['--case reads a tests file next to the prompt', ['fixtures/cases-from-file.prompt', '--case', '2'], [['user', 'What is the weather in Lima?']]],
    ['a Prompty v2 file', ['fixtures/prompty-v2.prompty'], [['system', 'You are a friendly assistant. Greet Jane by name.'], ['user', 'What can you do?']]],
  ];
  for (const [why, argv, expected] of renders) {
    it(`render: ${why}`, async () => {
      const r = await cli(dir, 'render', ...argv);
      assert.equal(r.err, '');
      assert.equal(r.code, 0);
      const messages = JSON.parse(r.out) as { role: string; content: string }[];
      assert.deepEqual(messages.map((m) => [m.role, m.content]), expected);
    });
  }

  it('render: a .prompty file without provider renders; an undefined variable renders empty with a warning', async () => {
    const r = await cli(dir, 'render', 'nomodel.prompty');
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(JSON.parse(r.out), [{ role: 'user', content: 'Hello !' }]);
    assert.match(r.err, /^nomodel\.prompty warning Variable 'name' has no value and rendered empty/);
  });

  const failures: [string, string[], number, string][] = [
    ['a missing variable names it, at its place', ['missing.prompt'], 1, "missing.prompt:2:10 error Missing variable 'name'"],
    ['--no-defaults', ['triage.prompt', '--no-defaults'], 1, "Missing variable 'ticket'"],
    ['a file with errors prints them in lint format', ['fixtures/broken.prompt'], 1, "fixtures/broken.prompt:4:25 error Model reference 'gpt-4o' needs a provider"],
    ['a case out of range', ['triage.prompt', '--case', '9'], 2, '--case must be a number from 1 to 2'],
    ['bad --vars JSON', ['triage.prompt', '--vars', '{nope'], 2, '--vars is not valid JSON'],
    ['--vars that is not an object', ['triage.prompt', '--vars', '[1]'], 2, '--vars must be a JSON object'],
    ['a file that does not exist', ['nope.prompt'], 2, 'nope.prompt: cannot read: ENOENT'],
    ['no file', [], 2, 'no file given'],
    ['an unknown option', ['triage.prompt', '--fast'], 2, "unknown option '--fast'"],
  ];
  for (const [why, argv, code, says] of failures) {
    it(`render fails: ${why}`, async () => {
      const r = await cli(dir, 'render', ...argv);
      assert.equal(r.code, code, `exit code; stderr: ${r.err}`);
      assert.ok(r.err.includes(says), `stderr "${r.err}" should include "${says}"`);
      assert.equal(r.out, '', 'nothing on stdout');
    });
  }

  it('lint: a clean file prints nothing and exits 0', async () => {
    const r = await cli(dir, 'lint', 'triage.prompt');
    assert.deepEqual([r.code, r.out, r.err], [0, '', '0 errors, 0 warnings in 1 file\n']);
  });

  it('lint: prints file:line:col severity message [code], exits 1 on errors', async () => {
    const r = await cli(dir, 'lint', 'fixtures/broken.prompt');
    assert.equal(r.code, 1);
    assert.deepEqual(r.out.trimEnd().split('\n'), [
      "fixtures/broken.prompt:3:1 warning Unknown front-matter key 'nmae'; it is ignored. Did you mean 'name'? [unknown-key]",
      "fixtures/broken.prompt:4:25 error Model reference 'gpt-4o' needs a provider: write provider:model, e.g. openai:gpt-4o. [model-ref]",
      'fixtures/broken.prompt:6:16 error \'temperature\' must be a number, not a string ("hot"). [wrong-type]',
      "fixtures/broken.prompt:11:11 warning 'questoin' is not declared in inputs. Did you mean 'question'? [undeclared-variable]",
      'fixtures/broken.prompt:14:1 error Template syntax error: expected elif, else, or endif, got the end of the section (the {% if %} block must close in the section that opens it) [template-syntax]',
    ]);
    assert.equal(r.err, '3 errors, 2 warnings in 1 file\n');
  });

  it('lint --quiet prints errors only', async () => {
    const r = await cli(dir, 'lint', '--quiet', 'fixtures/broken.prompt');
    assert.equal(r.out.trimEnd().split('\n').length, 3);
    assert.ok(!r.out.includes(' warning '));
  });

  it('lint: a directory is searched recursively for .prompt and .prompty, skipping node_modules', async () => {
    const r = await cli(dir, 'lint', 'fixtures');
    assert.equal(r.code, 1, 'broken.prompt has errors');
    assert.equal(r.err, '3 errors, 2 warnings in 3 files\n');
    assert.ok(!r.out.includes('skipped.prompt'));
  });

  it('lint --providers warns about providers not in the list', async () => {
    const r = await cli(dir, 'lint', '--providers', 'anthropic,echo', 'triage.prompt');
    assert.equal(r.code, 0, 'warnings alone do not fail');
    assert.equal(r.out, "triage.prompt:3:8 warning Unknown provider 'openai'. Known: anthropic, echo; configure an endpoint with this name to use it. [unknown-provider]\n");
  });

  it('lint: an unreadable path exits 2 after checking the rest', async () => {
    const r = await cli(dir, 'lint', 'triage.prompt', 'absent.prompt');
    assert.equal(r.code, 2);
    assert.ok(r.err.includes('absent.prompt: cannot read: ENOENT'));
  });

  it('lint without files is a usage error', async () => {
    const r = await cli(dir, 'lint');
    assert.equal(r.code, 2);
    assert.ok(r.err.includes('no files given'));
  });

  it('lint --max-warnings: more warnings than allowed exit 1, as many as allowed exit 0', async () => {
    const over = await cli(dir, 'lint', '--providers', 'anthropic,echo', '--max-warnings', '0', 'triage.prompt');
    assert.equal(over.code, 1, 'one warning, none allowed');
    assert.match(over.err, /1 warning in 1 file \(more than --max-warnings 0\)/);
    const within = await cli(dir, 'lint', '--providers', 'anthropic,echo', '--max-warnings=1', 'triage.prompt');
    assert.equal(within.code, 0, 'one warning, one allowed');
    const bad = await cli(dir, 'lint', '--max-warnings', 'many', 'triage.prompt');
    assert.deepEqual([bad.code, /--max-warnings must be a whole number/.test(bad.err)], [2, true]);
  });

  it('lint --format json prints one document with 1-based positions and every file', async () => {
    const r = await cli(dir, 'lint', '--format', 'json', 'fixtures/broken.prompt', 'triage.prompt');
    assert.equal(r.code, 1);
    const report = JSON.parse(r.out) as { file: string; diagnostics: { line: number; column: number; endLine: number; endColumn: number; severity: string; code: string; message: string }[] }[];
    assert.deepEqual(report.map((f) => [f.file, f.diagnostics.length]), [['fixtures/broken.prompt', 5], ['triage.prompt', 0]]);
    assert.deepEqual(report[0]!.diagnostics[1], {
      line: 4, column: 25, endLine: report[0]!.diagnostics[1]!.endLine, endColumn: report[0]!.diagnostics[1]!.endColumn,
      severity: 'error', code: 'model-ref', message: "Model reference 'gpt-4o' needs a provider: write provider:model, e.g. openai:gpt-4o.",
    });
    const bad = await cli(dir, 'lint', '--format', 'xml', 'triage.prompt');
    assert.deepEqual([bad.code, /--format must be text or json/.test(bad.err)], [2, true]);
  });

  for (const command of ['lint', 'render', 'test', 'history', 'replay']) {
    for (const flag of ['--help', '-h']) {
      it(`${command} ${flag} prints the command's usage and exits 0`, async () => {
        const r = await cli(dir, command, flag);
        assert.equal(r.code, 0, r.err);
        assert.match(r.out, new RegExp(`^Usage: assay ${command}`));
        assert.equal(r.err, '');
      });
    }
  }

  it('help lists both commands', async () => {
    const r = await cli(dir, 'help');
    assert.match(r.out, /\n {2}render +Render a prompt file/);
    assert.match(r.out, /\n {2}lint +Check \.prompt\/\.prompty files/);
  });
});
