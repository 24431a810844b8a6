// Hostile files (issue #13): each attack is a real file — a symlink to /dev/zero, a FIFO, a sparse 200 MB
// file, a glob or a `../` path reaching outside, YAML alias bombs — and each test states what Assay reports
// and that it did not read the bytes. Bytes read are counted by the kernel (/proc/thread-self/io, rchar).
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runCli } from '../../src/cli/main';
import { loadProjectConfig } from '../../src/core/config/projectConfig';
import { expandGlobConfined, fileAccess, MAX_GLOB_MATCHES, readTextFile, type FileAccess } from '../../src/core/files/safeFiles';
import { parsePromptFile } from '../../src/core/promptFile/parsePromptFile';
import { loadBankForRun } from '../../src/core/run/testSuite';
import { loadTestBankFile, resolveTests } from '../../src/core/testBank/loadTestBank';
import { loadPromptfooConfig } from '../../src/core/testBank/promptfooConfig';
import type { BankDiagnostic } from '../../src/core/testBank/testBankTypes';
import { discoverPrompt } from '../../src/host/testing/testDiscovery';

const IO_STATS = '/proc/thread-self/io';

/** Bytes this thread has read through read(2) and friends while `fn` ran (the kernel's count), and fn's result. */
function bytesRead<T>(fn: () => T): { result: T; bytes: number } {
  const rchar = () => Number(/^rchar: (\d+)$/m.exec(readFileSync(IO_STATS, 'utf8'))![1]);
  const before = rchar();
  const result = fn();
  // Reading the counter itself counts: a few hundred bytes, far below the megabytes an attack would read.
  return { result, bytes: rchar() - before };
}

const codes = (diags: BankDiagnostic[]) => diags.map((d) => `${d.severity}:${d.code}@${d.range.start.line}`);

/** A billion-laughs bomb: `levels` anchors, each a list of nine aliases of the previous one. */
function bomb(indent: string, levels = 9): string {
  const lines = [`${indent}l0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]`];
  for (let i = 1; i <= levels; i++) lines.push(`${indent}l${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(',')}]`);
  return lines.join('\n');
}

/** Few aliases, huge expansion: a 64 KB string aliased 400 times passes the `yaml` alias count, not the expansion limit. */
function wideBomb(indent: string): string {
  return `${indent}big: &big "${'x'.repeat(64 * 1024)}"\n${indent}many: [${Array(400).fill('*big').join(',')}]`;
}

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

describe('hostile files', () => {
  let top: string;
  let ws: string;
  let files: FileAccess;
  const at = (...p: string[]) => join(ws, ...p);

  before(function () {
    if (!existsSync(IO_STATS)) this.skip();
    top = mkdtempSync(join(tmpdir(), 'assay-hostile-'));
    ws = join(top, 'ws');
    mkdirSync(join(ws, 'banks'), { recursive: true });
    files = fileAccess({ roots: [ws] });
    symlinkSync('/dev/zero', at('zero.tests.yaml'));
    execFileSync('mkfifo', [at('fifo.tests.yaml')]);
    execFileSync('truncate', ['-s', '200M', at('huge.csv')]);
    writeFileSync(join(top, 'outside.tests.yaml'), '- description: secret\n');
    writeFileSync(at('banks', 'ok.tests.yaml'), '- description: fine\n');
    symlinkSync(at('banks', 'ok.tests.yaml'), at('link.tests.yaml'));
    symlinkSync(join(top, 'outside.tests.yaml'), at('escape.tests.yaml'));
  });
  after(() => top && rmSync(top, { recursive: true, force: true }));

  describe('files outside the workspace, devices, FIFOs, huge files', () => {
    const refused: [string, string, RegExp][] = [
      ['a symlink to /dev/zero', 'zero.tests.yaml', /^tests: zero\.tests\.yaml is not a regular file inside the workspace \(it leads to \/dev\/zero\): Assay reads only files inside the workspace; copy the file into it$/],
      ['/dev/zero named directly', '/dev/zero', /^tests: \/dev\/zero is not a regular file inside the workspace: /],
      ['a FIFO', 'fifo.tests.yaml', /^tests: fifo\.tests\.yaml is not a regular file inside the workspace \(it is a FIFO \(named pipe\)\): Assay reads only regular files; name a file instead$/],
      ['a sparse 200 MB file', 'huge.csv', /^tests: huge\.csv is 200 MB, over the 20 MB limit on files Assay reads: split it, or raise assay\.files\.maxSizeMB$/],
      ['a ../ path', '../outside.tests.yaml', /^tests: \.\.\/outside\.tests\.yaml is not a regular file inside the workspace: /],
      ['a symlink leading outside', 'escape.tests.yaml', /^tests: escape\.tests\.yaml is not a regular file inside the workspace \(it leads to .*outside\.tests\.yaml\)/],
    ];
    for (const [why, ref, message] of refused) {
      it(`tests: ${ref} (${why}) is an error at the tests: line, and nothing is read`, () => {
        const { result, bytes } = bytesRead(() => resolveTests(ref, ws, { file: at('p.prompt'), files, range: { start: { line: 3, character: 7 }, end: { line: 3, character: 20 } } }));
        assert.deepStrictEqual(result.cases, []);
        assert.strictEqual(result.diagnostics.length, 1, JSON.stringify(result.diagnostics));
        const d = result.diagnostics[0]!;
        assert.deepStrictEqual([d.severity, d.file, d.range.start.line], ['error', at('p.prompt'), 3]);
        assert.match(d.message, message);
        assert.ok(bytes < 4096, `${bytes} bytes read`);
      });
    }

    it('codes say which refusal it is', () => {
      const code = (ref: string) => resolveTests(ref, ws, { file: at('p.prompt'), files }).diagnostics.map((d) => d.code);
      assert.deepStrictEqual(['zero.tests.yaml', 'fifo.tests.yaml', 'huge.csv', '../outside.tests.yaml'].map(code), [['outside-root'], ['not-regular-file'], ['file-too-large'], ['outside-root']]);
    });

    it('a path the user chose may be outside, but a device is still no file: /dev/zero is a character device', () => {
      const anywhere = fileAccess({ roots: [], allowOutside: true, rootLabel: 'project', limitName: '--max-file-size-mb' });
      const { result, bytes } = bytesRead(() => readTextFile('/dev/zero', anywhere));
      assert.deepStrictEqual(result, { error: { code: 'not-regular-file', message: '/dev/zero is not a regular file inside the project (it is a character device): Assay reads only regular files; name a file instead' } });
      assert.ok(bytes < 4096, `${bytes} bytes read`);
    });

    it('the size limit is the setting: 1 MB refuses a 1.1 MB bank', () => {
      writeFileSync(at('two.csv'), `q\n${`${'x'.repeat(1023)}\n`.repeat(1100)}`);
      const small = fileAccess({ roots: [ws], maxSizeMB: 1 });
      const { result, bytes } = bytesRead(() => loadTestBankFile(at('two.csv'), small));
      assert.deepStrictEqual(codes(result.diagnostics), ['error:file-too-large@0']);
      assert.match(result.diagnostics[0]!.message, /two\.csv is 1\.1 MB, over the 1\.0 MB limit/);
      assert.ok(bytes < 4096, `${bytes} bytes read`);
      assert.strictEqual(loadTestBankFile(at('two.csv'), files).cases.length, 1100, 'under the default 20 MB it loads');
    });

    it('a symlink that stays inside the workspace is followed', () => {
      assert.deepStrictEqual(resolveTests('link.tests.yaml', ws, { file: at('p.prompt'), files }).cases.map((c) => c.description), ['fine']);
    });

    it('file:// vars and assertion values go through the same policy', () => {
      const bank = resolveTests([{ vars: { a: 'file://zero.tests.yaml', b: 'file://../outside.tests.yaml', c: 'file://banks/ok.tests.yaml' }, assert: [{ type: 'equals', value: 'file://huge.csv' }] }], ws, { file: at('p.prompt'), files });
      assert.deepStrictEqual(bank.diagnostics.map((d) => d.code).sort(), ['file-too-large', 'outside-root', 'outside-root']);
      assert.deepStrictEqual(bank.cases[0]!.vars, { a: 'file://zero.tests.yaml', b: 'file://../outside.tests.yaml', c: '[{"description":"fine"}]' });
    });

    it('a promptfoo config: file:// prompts, tests and defaultTest are refused the same way', () => {
      writeFileSync(at('promptfooconfig.yaml'), 'prompts: [file://zero.tests.yaml]\nproviders: [echo]\ntests: file://fifo.tests.yaml\ndefaultTest: file://../outside.tests.yaml\n');
      const { result, bytes } = bytesRead(() => loadPromptfooConfig(at('promptfooconfig.yaml'), files));
      assert.deepStrictEqual([...codes(result.diagnostics), ...codes(result.tests.diagnostics)], ['error:outside-root@0', 'error:outside-root@3', 'error:not-regular-file@2']);
      assert.ok(bytes < 8192, `${bytes} bytes read`);
    });
  });

  describe('globs', () => {
    it('a glob reaching outside the workspace is refused before any folder is listed', () => {
      for (const pattern of ['/usr/**/*.yaml', '../**/*.yaml', '../*.tests.yaml']) {
        const r = expandGlobConfined(pattern, ws, files);
        assert.ok('error' in r, pattern);
        assert.strictEqual(r.error.code, 'outside-root', pattern);
        assert.match(r.error.message, /reaches outside the workspace .*: a glob may only match files inside the workspace$/);
      }
    });

    it('a `..` after a wildcard does not climb out', () => {
      const r = expandGlobConfined('*/../../*.tests.yaml', ws, files);
      assert.ok('error' in r && r.error.code === 'outside-root', JSON.stringify(r));
    });

    it(`a glob matching more than ${MAX_GLOB_MATCHES} files is refused, not loaded`, () => {
      mkdirSync(at('many'));
      for (let i = 0; i <= MAX_GLOB_MATCHES; i++) writeFileSync(at('many', `${i}.tests.yaml`), '- description: x\n');
      const bank = resolveTests('many/*.tests.yaml', ws, { file: at('p.prompt'), files });
      assert.deepStrictEqual(codes(bank.diagnostics), ['error:glob-too-broad@0']);
      assert.match(bank.diagnostics[0]!.message, /^tests: many\/\*\.tests\.yaml matches more than 1,000 files: narrow the pattern/);
      assert.deepStrictEqual(bank.cases, []);
    });

    it('a glob matching a symlink to /dev/zero reports it instead of reading it', () => {
      const bank = resolveTests('*.tests.yaml', ws, { file: at('p.prompt'), files });
      assert.deepStrictEqual(bank.diagnostics.map((d) => d.message.split(' is ')[0]).sort(), ['tests: escape.tests.yaml', 'tests: fifo.tests.yaml', 'tests: zero.tests.yaml']);
      assert.deepStrictEqual(bank.cases.map((c) => c.description), ['fine'], 'link.tests.yaml still loads');
    });
  });

  describe('Restricted Mode', () => {
    it('discovery expands no glob and reads no file:// value; a plain bank inside the workspace still counts', () => {
      const restricted = fileAccess({ roots: [ws], restricted: true });
      const text = '---\nmodel: echo:a\ntests:\n  - banks/*.tests.yaml\n  - banks/ok.tests.yaml\n  - vars: { doc: "file://banks/ok.tests.yaml" }\n---\nuser:\n{{ doc }}\n';
      const found = discoverPrompt(at('r.prompt'), text, [], restricted);
      assert.deepStrictEqual(found.cases.map((c) => c.label), ['fine', 'doc=file://banks/ok.tests.yaml']);
      assert.deepStrictEqual(codes(found.diagnostics), ['info:restricted@3', 'info:restricted@5']);
      assert.match(found.diagnostics[0]!.message, /banks\/\*\.tests\.yaml is a glob, and globs are not expanded in Restricted Mode: trust the workspace to load these tests/);
    });

    it('tests: /dev/zero in Restricted Mode is the same refusal, with nothing read', () => {
      const restricted = fileAccess({ roots: [ws], restricted: true });
      const { result, bytes } = bytesRead(() => discoverPrompt(at('z.prompt'), '---\ntests: /dev/zero\n---\nhi\n', [], restricted));
      assert.deepStrictEqual(codes(result.diagnostics), ['error:outside-root@1']);
      assert.ok(bytes < 4096, `${bytes} bytes read`);
    });
  });

  describe('YAML alias bombs', () => {
    const bombs: [string, string][] = [
      ['billion laughs', bomb('    ')],
      ['a 64 KB string aliased 400 times', wideBomb('    ')],
    ];
    for (const [kind, vars] of bombs) {
      it(`in a list-shaped bank (${kind}): an error at the first alias, no hang`, () => {
        writeFileSync(at('bomb-list.tests.yaml'), `- vars:\n${vars}\n`);
        const bank = loadTestBankFile(at('bomb-list.tests.yaml'), files);
        assert.deepStrictEqual(codes(bank.diagnostics), ['error:yaml-aliases@2']);
        assert.match(bank.diagnostics[0]!.message, /^YAML aliases expand this file to more than 10 MB beyond its size \(an alias bomb\?\)/);
        assert.deepStrictEqual(codes(loadBankForRun(at('bomb-list.tests.yaml'), files).diagnostics), codes(bank.diagnostics), 'the run path (js-yaml) reports the same');
      });

      it(`in a map-shaped bank (${kind})`, () => {
        writeFileSync(at('bomb-map.tests.yaml'), `tests:\n  - vars:\n${vars.replace(/^ {4}/gm, '      ')}\n`);
        const bank = loadTestBankFile(at('bomb-map.tests.yaml'), files);
        assert.deepStrictEqual(codes(bank.diagnostics), ['error:yaml-aliases@3']);
        assert.deepStrictEqual(codes(loadBankForRun(at('bomb-map.tests.yaml'), files).diagnostics), ['error:yaml-aliases@3']);
      });

      it(`in assay.config.yaml (${kind}): a config error, not exit 70`, () => {
        mkdirSync(at('cfg'), { recursive: true });
        writeFileSync(at('cfg', 'assay.config.yaml'), `pricing:\n${vars.replace(/^ {4}/gm, '  ')}\n`);
        const { problems } = loadProjectConfig(at('cfg'));
        assert.deepStrictEqual(problems.map((p) => p.severity), ['error']);
        assert.match(problems[0]!.message, /assay\.config\.yaml: line 3: YAML aliases expand this file to more than 10 MB/);
      });

      it(`in prompt front matter (${kind})`, () => {
        const doc = parsePromptFile(`---\nmodel: echo:a\ninputs:\n  x:\n    default:\n${vars.replace(/^ {4}/gm, '      ')}\n---\nhi\n`, { path: '/w/bomb.prompt' });
        const found = doc.diagnostics.filter((d) => d.code === 'yaml-aliases');
        assert.strictEqual(found.length, 1, JSON.stringify(doc.diagnostics.map((d) => d.code)));
        assert.strictEqual(found[0]!.range.start.line, 6);
        assert.match(found[0]!.message, /alias bomb/);
      });
    }

    it('in a promptfoo config', () => {
      writeFileSync(at('bomb.promptfooconfig.yaml'), `prompts: [hi]\nproviders: [echo]\nmetadata:\n${bomb('  ')}\n`);
      assert.deepStrictEqual(codes(loadPromptfooConfig(at('bomb.promptfooconfig.yaml'), files).diagnostics), ['error:yaml-aliases@4']);
    });

    it('ordinary aliases (shared defaults) still load', () => {
      writeFileSync(at('anchors.tests.yaml'), '- vars: &v { city: Paris }\n  description: a\n- vars: *v\n  description: b\n');
      assert.deepStrictEqual(loadTestBankFile(at('anchors.tests.yaml'), files).cases.map((c) => c.vars), [{ city: 'Paris' }, { city: 'Paris' }]);
    });
  });

  describe('assay test', () => {
    async function cli(argv: string[]): Promise<{ code: number; err: string }> {
      const stdout = new Capture();
      const stderr = new Capture();
      const code = await runCli(['test', ...argv, '--no-history', '--models', 'echo'], { cwd: ws, env: {}, stdout, stderr, signal: new AbortController().signal });
      return { code, err: stderr.text };
    }

    it('tests: /dev/zero is reported with file and line, and exits 2 before any call', async () => {
      writeFileSync(at('zero.prompt'), '---\nmodel: echo:a\ntests: /dev/zero\n---\nhi\n');
      const r = await cli(['zero.prompt']);
      assert.strictEqual(r.code, 2, r.err);
      assert.match(r.err, /zero\.prompt:3:\d+ error tests: \/dev\/zero is not a regular file inside the project: Assay reads only files inside the project; copy the file into it \[outside-root\]/);
      assert.match(r.err, /1 error in the test files; nothing was run/);
    });

    it('a YAML alias bomb in assay.config.yaml is a config error with its line: exit 2 before any call, not 70', async () => {
      mkdirSync(at('bombcfg'), { recursive: true });
      writeFileSync(at('bombcfg', 'assay.config.yaml'), `pricing:\n${bomb('  ')}\n`);
      writeFileSync(at('bombcfg', 'one.prompt'), '---\nmodel: echo:a\ntests:\n  - vars: {}\n---\nhi\n');
      const stdout = new Capture();
      const stderr = new Capture();
      const code = await runCli(['test', 'one.prompt', '--no-history'], { cwd: at('bombcfg'), env: {}, stdout, stderr, signal: new AbortController().signal });
      assert.strictEqual(code, 2, stderr.text);
      assert.match(stderr.text, /assay\.config\.yaml: line 3: YAML aliases expand this file to more than 10 MB/);
      assert.doesNotMatch(stdout.text, /execution/, 'nothing ran');
    });

    it('--max-file-size-mb is the limit; a config glob may not leave the project', async () => {
      writeFileSync(at('two.prompt'), '---\nmodel: echo:a\ntests: two.csv\n---\nhi {{ q }}\n');
      const r = await cli(['two.prompt', '--max-file-size-mb', '1']);
      assert.strictEqual(r.code, 2, r.err);
      assert.match(r.err, /two\.csv is 1\.1 MB, over the 1\.0 MB limit on files Assay reads: split it, or raise --max-file-size-mb/);
      mkdirSync(at('proj'), { recursive: true });
      writeFileSync(at('proj', 'assay.config.yaml'), 'tests: ["../**/*.prompt"]\n');
      const stderr = new Capture();
      const code = await runCli(['test', '--no-history'], { cwd: at('proj'), env: {}, stdout: new Capture(), stderr, signal: new AbortController().signal });
      assert.strictEqual(code, 2, stderr.text);
      assert.match(stderr.text, /error: \.\.\/\*\*\/\*\.prompt reaches outside the project/);
    });
  });
});

describe('unsaved editor text', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'assay-unsaved-'));
    mkdirSync(join(root, 'ws'));
    writeFileSync(join(root, 'ws', 'bank.tests.yaml'), '- description: on disk\n');
    writeFileSync(join(root, 'outside.yaml'), '- description: outside\n');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('is read instead of the file on disk, under the same policy', () => {
    const unsaved = new Map([
      [join(root, 'ws', 'bank.tests.yaml'), '- description: typed, not saved\n'],
      [join(root, 'outside.yaml'), '- description: still outside\n'],
    ]);
    const access: FileAccess = { ...fileAccess({ roots: [join(root, 'ws')] }), unsavedText: (p) => unsaved.get(p) };
    assert.deepStrictEqual(loadTestBankFile(join(root, 'ws', 'bank.tests.yaml'), access).cases.map((c) => c.description), ['typed, not saved'], 'the editor wins over the disk');
    const outside = readTextFile(join(root, 'outside.yaml'), access);
    assert.ok('error' in outside && outside.error.code === 'outside-root', 'a file outside the workspace is refused even when open');
  });
});
