// Images and cache breakpoints from prompt files (.prompt and .prompty), test-case variables and promptfoo
// JSON chat prompts become content parts; files are read under the file policy.
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileAccess } from '../../src/core/files/safeFiles';
import { parsePromptFile } from '../../src/core/promptFile/parsePromptFile';
import { renderPrompt } from '../../src/core/promptFile/renderPrompt';
import { readRenderedPrompt } from '../../src/core/run/promptfooPrompt';
import { normalizeCase } from '../../src/core/testBank/normalizeCase';
import type { ChatMessage } from '../../src/core/types';
import { tempFolder } from '../support/storeFixtures';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

describe('images and cache breakpoints in prompts', () => {
  let folder: ReturnType<typeof tempFolder>;
  before(() => {
    folder = tempFolder('assay-images-');
    writeFileSync(join(folder.dir, 'receipt.png'), PNG);
    writeFileSync(join(folder.dir, 'big.png'), Buffer.concat([PNG, Buffer.alloc(2 * 1024 * 1024)]));
  });
  after(() => folder.cleanup());

  const files = () => fileAccess({ roots: [folder.dir], maxSizeMB: 1 });
  function render(text: string, vars: Record<string, unknown> = {}, name = 'p.prompt', withFiles = true): ChatMessage[] | string {
    const doc = parsePromptFile(text, { path: join(folder.dir, name) });
    const r = renderPrompt(doc, vars, withFiles ? { files: files() } : {});
    return 'error' in r ? r.error.message : r.messages;
  }

  it('a markdown image becomes an image part; a local file is read and sent as base64', () => {
    const got = render('user:\nWhat is the total?\n![receipt]({{ photo }})\nThanks.', { photo: 'receipt.png' });
    assert.deepEqual(got, [
      {
        role: 'user',
        content: 'What is the total?\n\nThanks.',
        parts: [
          { type: 'text', text: 'What is the total?' },
          { type: 'image', alt: 'receipt', source: { kind: 'base64', mediaType: 'image/png', data: PNG.toString('base64') } },
          { type: 'text', text: 'Thanks.' },
        ],
      },
    ]);
  });

  it('URLs and data URIs pass as written; an image input prints as an image', () => {
    const got = render('---\ninputs:\n  photo: { type: image }\n---\nuser:\nDescribe {{ photo }}\n![]( https://example.com/a.jpg )', { photo: `data:image/png;base64,${PNG.toString('base64')}` });
    assert.ok(Array.isArray(got), String(got));
    assert.deepEqual(got[0]!.parts!.map((p) => (p.type === 'image' ? p.source.kind : p.text)), ['Describe', 'base64', 'url']);
  });

  it('an image input printed inside a markdown image gives its value as the source (one image, not two)', () => {
    const got = render('---\ninputs:\n  photo: { type: image }\n---\nuser:\nSee ![the receipt]({{ photo }}) and {{ photo }}', { photo: 'https://x/r.png' }) as ChatMessage[];
    assert.deepEqual(got[0]!.parts, [
      { type: 'text', text: 'See' },
      { type: 'image', alt: 'the receipt', source: { kind: 'url', url: 'https://x/r.png' } },
      { type: 'text', text: 'and' },
      { type: 'image', alt: 'photo', source: { kind: 'url', url: 'https://x/r.png' } },
    ]);
  });

  it("a variable's value holding markdown image syntax stays text and reads no file (hostile value)", () => {
    const got = render('user:\n{{ ticket }}', { ticket: 'see ![x](receipt.png) and ![y](/etc/passwd)' });
    assert.deepEqual(got, [{ role: 'user', content: 'see ![x](receipt.png) and ![y](/etc/passwd)' }]);
  });

  it('files are read under the policy: outside the folder, too large and missing files are errors', () => {
    assert.match(String(render('user:\n![a](/etc/hostname)')), /only files inside the workspace/);
    assert.match(String(render('user:\n![a](big.png)')), /big\.png/);
    assert.match(String(render('user:\n![a](missing.png)')), /missing\.png: no such file/);
    assert.match(String(render('user:\n![a]({{ p }})', { p: '' })), /has no source/);
  });

  it('without file access (a preview) a file image stays a path', () => {
    const got = render('user:\n![a](receipt.png)', {}, 'p.prompt', false) as ChatMessage[];
    assert.deepEqual(got[0]!.parts, [{ type: 'image', alt: 'a', source: { kind: 'file', path: 'receipt.png' } }]);
  });

  it('an image in a system message goes into a user message of its own (as Prompty places it)', () => {
    const got = render('system:\nBefore ![a](https://x/a.png) after\nuser:\nHi') as ChatMessage[];
    assert.deepEqual(
      got.map((m) => [m.role, m.content, m.parts?.length ?? 0]),
      [['system', 'Before', 0], ['user', '', 1], ['system', 'after', 0], ['user', 'Hi', 0]],
    );
  });

  it('Prompty: markdown images are parts in 0.1/1.0 files, text in 2.0; kind: image inputs are parts in 2.0', () => {
    const v1 = render('---\nname: v1\nsample:\n  q: hi\n---\nuser:\n{{q}} ![a](https://x/a.png)', {}, 'v1.prompty') as ChatMessage[];
    assert.equal(v1[0]!.parts?.[1]?.type, 'image');
    const v2 = `---\nname: v2\nmodel:\n  id: gpt-4o\ninputs:\n  - name: photo\n    kind: image\n---\nuser:\nLook ![a](https://x/a.png)\n{{photo}}`;
    const got = render(v2, { photo: 'https://x/b.png' }, 'v2.prompty') as ChatMessage[];
    assert.equal(got[0]!.content, 'Look ![a](https://x/a.png)');
    assert.deepEqual(got[0]!.parts?.[1], { type: 'image', alt: 'photo', source: { kind: 'url', url: 'https://x/b.png' } });
  });

  it('[cache] and [cache="1h"] on a role marker set a cache breakpoint; another value is an error', () => {
    const got = render('system[cache]:\nStable\nuser[cache="1h"]:\nQ\nassistant:\nA') as ChatMessage[];
    assert.deepEqual(got.map((m) => m.cache), [{}, { ttl: '1h' }, undefined]);
    const doc = parsePromptFile('user[cache="2h"]:\nQ');
    assert.deepEqual(doc.diagnostics.map((d) => d.code), ['role-attribute']);
    const prompty = render('---\nname: c\nsample:\n  q: x\n---\nsystem[name="bot", cache]:\nS\nuser:\n{{q}}', {}, 'c.prompty') as ChatMessage[];
    assert.deepEqual(prompty[0], { role: 'system', content: 'S', name: 'bot', cache: {} });
  });

  it('a test-case variable file://image.png loads as a data URI (as promptfoo loads it), once per file', () => {
    const diags: never[] = [];
    const load = (i: number) => normalizeCase({ vars: { photo: 'file://receipt.png' } }, { file: join(folder.dir, 't.yaml'), index: i, baseDir: folder.dir, files: access }, diags);
    const access = files();
    const a = load(0)!;
    const b = load(1)!;
    assert.deepEqual(diags, []);
    assert.equal(a.vars.photo, `data:image/png;base64,${PNG.toString('base64')}`);
    assert.ok(Object.is(a.vars.photo, b.vars.photo), 'one string shared by every case');
  });

  it("promptfoo JSON chat prompts: OpenAI image_url and Anthropic image parts become image parts", () => {
    const uri = `data:image/png;base64,${PNG.toString('base64')}`;
    const text = JSON.stringify([
      { role: 'user', content: [{ type: 'text', text: 'What?' }, { type: 'image_url', image_url: { url: uri, detail: 'high' } }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: uri } }] },
    ]);
    const r = readRenderedPrompt(text, 'p', true);
    assert.ok('messages' in r, JSON.stringify(r));
    assert.deepEqual(r.messages[0]!.parts, [
      { type: 'text', text: 'What?' },
      { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: PNG.toString('base64') }, detail: 'high' },
      { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: PNG.toString('base64') } },
    ]);
    const bad = readRenderedPrompt(JSON.stringify([{ role: 'user', content: [{ type: 'audio' }] }]), 'p', true);
    assert.ok('error' in bad && /content part 1/.test(bad.error.message));
  });
});
