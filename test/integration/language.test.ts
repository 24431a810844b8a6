// The prompt language's editor features inside VS Code: Problems, completion, hover, outline, folding,
// the rendered-prompt preview, large and binary files. Every wait is on an event VS Code fires.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { PROMPT_LANGUAGE_ID } from '../../src/host/commandIds';
import { assayExtension, closeAllEditors, nextEvent, workspaceUri } from './support/vscodeHelpers';

const same = (a: vscode.Uri, b: vscode.Uri): boolean => a.toString() === b.toString();

/**
 * The diagnostics of `uri` once `predicate` holds: now, or at the first change that makes it hold.
 * Subscribes before looking, so a change between the look and the subscription is not missed.
 */
function diagnosticsWhen(uri: vscode.Uri, what: string, predicate: (d: readonly vscode.Diagnostic[]) => boolean, timeoutMs = 10_000): Promise<vscode.Diagnostic[]> {
  return new Promise((resolve, reject) => {
    const done = (): boolean => {
      const d = vscode.languages.getDiagnostics(uri);
      if (!predicate(d)) return false;
      clearTimeout(timer);
      sub.dispose();
      resolve(d);
      return true;
    };
    const sub = vscode.languages.onDidChangeDiagnostics((e) => {
      if (e.uris.some((u) => same(u, uri))) done();
    });
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`timed out waiting for ${what}; diagnostics now: ${JSON.stringify(vscode.languages.getDiagnostics(uri).map((d) => [d.code, d.message]))}`));
    }, timeoutMs);
    done();
  });
}

const codes = (d: readonly vscode.Diagnostic[]): string[] => d.map((x) => String(x.code)).sort();

async function untitled(content: string): Promise<vscode.TextDocument> {
  const doc = await vscode.workspace.openTextDocument({ language: PROMPT_LANGUAGE_ID, content });
  await vscode.window.showTextDocument(doc);
  return doc;
}

/** The end of the document: completion at the very last character. */
function endOf(doc: vscode.TextDocument): vscode.Position {
  return doc.positionAt(doc.getText().length);
}

async function complete(doc: vscode.TextDocument, position: vscode.Position): Promise<vscode.CompletionItem[]> {
  const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', doc.uri, position);
  return list.items;
}

const label = (i: vscode.CompletionItem): string => (typeof i.label === 'string' ? i.label : i.label.label);
function docText(i: vscode.CompletionItem | vscode.Hover['contents'][number] | undefined): string {
  const d = i instanceof vscode.CompletionItem ? i.documentation : i;
  if (d === undefined) return '';
  return typeof d === 'string' ? d : d.value;
}

async function hoverText(uri: vscode.Uri, position: vscode.Position): Promise<string> {
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, position);
  return hovers.flatMap((h) => h.contents.map((c) => docText(c))).join('\n---\n');
}

/** The text of an open preview document. */
function previewDoc(uri: vscode.Uri): vscode.TextDocument {
  const doc = vscode.workspace.textDocuments.find((d) => same(d.uri, uri));
  assert.ok(doc, `the preview ${uri.toString()} is not open`);
  return doc;
}

describe('prompt language: diagnostics', () => {
  before(async () => {
    await assayExtension().activate();
  });
  afterEach(closeAllEditors);

  it('shows the broken fixture\'s problems in the Problems panel on open, at their exact places', async () => {
    const uri = workspaceUri('broken.prompt');
    const shown = diagnosticsWhen(uri, 'diagnostics of broken.prompt', (d) => d.length >= 3);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const diags = await shown;
    assert.deepStrictEqual(codes(diags), ['undeclared-variable', 'unknown-param', 'unused-input'], 'problem codes');
    const byCode = new Map(diags.map((d) => [String(d.code), d]));
    const expect: [string, [number, number, number, number], RegExp][] = [
      ['unknown-param', [5, 2, 5, 12], /Did you mean 'temperature'/],
      ['unused-input', [8, 2, 8, 8], /Input 'ticket' is declared but no template uses it/],
      ['undeclared-variable', [21, 3, 21, 9], /'tikcet' is not declared in inputs\. Did you mean 'ticket'\?/],
    ];
    for (const [code, [l1, c1, l2, c2], message] of expect) {
      const d = byCode.get(code)!;
      assert.deepStrictEqual([d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character], [l1, c1, l2, c2], `${code} range`);
      assert.match(d.message, message, `${code} message`);
      assert.strictEqual(d.severity, vscode.DiagnosticSeverity.Warning, `${code} severity`);
      assert.strictEqual(d.source, 'assay', `${code} source`);
    }
  });

  it('updates the problems as the file is edited', async () => {
    const doc = await untitled('---\ninputs:\n  ticket: hi\n---\nuser:\n{{ tikcet }}\n');
    await diagnosticsWhen(doc.uri, 'the typo to be reported', (d) => codes(d).includes('undeclared-variable'));
    const edit = new vscode.WorkspaceEdit();
    edit.replace(doc.uri, new vscode.Range(5, 3, 5, 9), 'ticket');
    assert.ok(await vscode.workspace.applyEdit(edit), 'edit applied');
    const fixed = await diagnosticsWhen(doc.uri, 'the problems to clear after the fix', (d) => d.length === 0);
    assert.deepStrictEqual(fixed, []);
    const broken = new vscode.WorkspaceEdit();
    broken.insert(doc.uri, new vscode.Position(1, 0), 'temperature: 0\n');
    assert.ok(await vscode.workspace.applyEdit(broken), 'second edit applied');
    const again = await diagnosticsWhen(doc.uri, 'a new problem after the second edit', (d) => d.length > 0);
    assert.deepStrictEqual(codes(again), ['unknown-key'], 'a parameter at the top level');
    assert.match(again[0]!.message, /go under 'params'/);
  });

  it('shows what a promptfoo config cannot run where it is written, as assay test refuses it', async () => {
    const uri = workspaceUri('refused.promptfooconfig.yaml');
    await vscode.workspace.fs.writeFile(uri, Buffer.from('prompts: ["Say {{ word }}"]\nproviders:\n  - foo:bar\n  - openai:realtime:gpt-realtime\nextensions: [file://hooks.js]\ntests: []\n'));
    try {
      const doc = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(doc);
      const diags = await diagnosticsWhen(uri, 'the refusals', (d) => d.length >= 3);
      assert.deepStrictEqual(
        diags.map((d) => [String(d.code), d.range.start.line, d.severity]).sort(),
        [
          ['unknown-provider', 2, vscode.DiagnosticSeverity.Error],
          ['unsupported', 4, vscode.DiagnosticSeverity.Error],
          ['unsupported-provider', 3, vscode.DiagnosticSeverity.Error],
        ],
      );
      assert.match(diags.find((d) => d.code === 'unknown-provider')!.message, /never runs another model in its place/);
    } finally {
      await closeAllEditors();
      await vscode.workspace.fs.delete(uri);
    }
  });

  it('reports YAML errors and unclosed front matter, which never need rendering', async () => {
    const doc = await untitled('---\nname: [unclosed\nuser:\nhi {{ name }}');
    const diags = await diagnosticsWhen(doc.uri, 'YAML problems', (d) => d.length > 0);
    assert.ok(codes(diags).includes('frontmatter-unclosed'), JSON.stringify(codes(diags)));
    assert.ok(codes(diags).includes('yaml-syntax'), JSON.stringify(codes(diags)));
  });

  it('gives a binary file one clear diagnostic instead of parsing it', async () => {
    const doc = await untitled('system:\nhello\u0000\u0001world {{ nope');
    const diags = await diagnosticsWhen(doc.uri, 'the binary-file diagnostic', (d) => d.length > 0);
    assert.strictEqual(diags.length, 1, JSON.stringify(diags.map((d) => d.message)));
    assert.strictEqual(diags[0]!.code, 'binary-file');
    assert.match(diags[0]!.message, /looks binary/);
    assert.deepStrictEqual([diags[0]!.range.start.line, diags[0]!.range.start.character], [1, 5], 'points at the first NUL');
  });

  it('removes the problems when the file switches to another language', async () => {
    const doc = await untitled('user:\n{{ undeclared }}');
    await diagnosticsWhen(doc.uri, 'a problem', (d) => d.length > 0);
    const plain = await vscode.languages.setTextDocumentLanguage(doc, 'plaintext');
    await diagnosticsWhen(plain.uri, 'no problems in plain text', (d) => d.length === 0);
  });

  it('parses a file over 1 MB only on request', async () => {
    const uri = workspaceUri('big.prompt');
    const filler = `${'This line pads the file so it is over one megabyte. '.repeat(4)}\n`.repeat(Math.ceil((1.1 * 1024 * 1024) / 209));
    await vscode.workspace.fs.writeFile(uri, Buffer.from(`---\nname: big\n---\nsystem:\n${filler}\nuser:\n{{ missing }}\n`));
    try {
      const doc = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(doc);
      // Folding asks the parse cache directly (the outline is cached per document version by VS Code).
      const folds = async (): Promise<string[]> =>
        ((await vscode.commands.executeCommand<vscode.FoldingRange[] | undefined>('vscode.executeFoldingRangeProvider', uri)) ?? []).map((r) => `${r.start}-${r.end}`);
      assert.deepStrictEqual(await folds(), [], 'nothing parsed before "Parse anyway"');
      assert.deepStrictEqual(vscode.languages.getDiagnostics(uri), [], 'no problems before the file is parsed');
      const parsed = diagnosticsWhen(uri, 'problems of the large file after "Parse anyway"', (d) => d.length > 0, 20_000);
      await vscode.commands.executeCommand('assay.parseLargePromptFile', uri);
      assert.deepStrictEqual(codes(await parsed), ['undeclared-variable']);
      const lines = doc.lineCount;
      assert.deepStrictEqual(await folds(), ['0-2', `3-${lines - 5}`, `${lines - 3}-${lines - 2}`], 'front matter and both sections fold once parsed');
    } finally {
      await closeAllEditors();
      await vscode.workspace.fs.delete(uri);
    }
  });
});

describe('prompt language: completion, hover, outline, folding', () => {
  before(async () => {
    await assayExtension().activate();
  });
  afterEach(closeAllEditors);

  it('completes declared inputs inside an unclosed {{ at the very end of the file', async () => {
    const doc = await untitled('---\ninputs:\n  ticket: { type: string, description: The customer message, default: hi }\n  tone: friendly\n---\nuser:\n{{ t');
    const items = await complete(doc, endOf(doc));
    const ticket = items.find((i) => label(i) === 'ticket');
    assert.ok(ticket, `labels: ${items.map(label).join(', ')}`);
    assert.strictEqual(ticket.kind, vscode.CompletionItemKind.Variable);
    assert.match(docText(ticket), /The customer message/, 'documentation shows the description');
    assert.ok(items.some((i) => label(i) === 'tone'), 'every input is offered');
  });

  it('completes filters after a pipe and keywords as the first word of {% %}', async () => {
    const doc = await untitled('---\ninputs:\n  q: x\n---\nuser:\n{{ q | tr }}\n{% i');
    const filters = await complete(doc, new vscode.Position(5, 9));
    assert.ok(filters.some((i) => label(i) === 'trim' && i.kind === vscode.CompletionItemKind.Function), filters.map(label).join(', '));
    const keywords = await complete(doc, endOf(doc));
    assert.ok(keywords.some((i) => label(i) === 'if' && i.kind === vscode.CompletionItemKind.Keyword), keywords.map(label).join(', '));
    assert.ok(keywords.some((i) => label(i) === 'q'), 'variables too');
  });

  it('completes front-matter keys with documentation in an unclosed front matter, leaving out keys already there', async () => {
    const doc = await untitled('---\nname: x\nmo');
    const items = await complete(doc, endOf(doc));
    const model = items.find((i) => label(i) === 'model');
    assert.ok(model && items.some((i) => label(i) === 'models'), items.map(label).join(', '));
    assert.match(docText(model), /provider:model/, 'key documentation');
    assert.ok(!items.some((i) => label(i) === 'name' && i.kind === vscode.CompletionItemKind.Property), 'name is already set');
  });

  it('completes parameter names under params', async () => {
    const doc = await untitled('---\nparams:\n  temperature: 0\n  ma\n---\nhi');
    const items = await complete(doc, new vscode.Position(3, 4));
    const maxTokens = items.find((i) => label(i) === 'max_tokens');
    assert.ok(maxTokens, items.map(label).join(', '));
    assert.match(String(maxTokens.detail), /tokens the reply may have/);
  });

  describe('with an endpoint configured', () => {
    const setEndpoints = async (value: unknown): Promise<void> => {
      const changed = nextEvent(vscode.workspace.onDidChangeConfiguration, 'assay.endpoints to change', (e) => e.affectsConfiguration('assay.endpoints'));
      await vscode.workspace.getConfiguration('assay').update('endpoints', value, vscode.ConfigurationTarget.Global);
      await changed;
    };
    after(async () => {
      await setEndpoints(undefined);
    });

    it("offers the endpoint's models with the built-in ones, and stops flagging its provider", async () => {
      const doc = await untitled('---\nmodel: ollama:llama3.1:8b\nmodels: []\n---\nuser:\nhi');
      await diagnosticsWhen(doc.uri, 'unknown-provider before the endpoint exists', (d) => codes(d).includes('unknown-provider'));
      const cleared = diagnosticsWhen(doc.uri, 'unknown-provider to clear once the endpoint exists', (d) => !codes(d).includes('unknown-provider'));
      await setEndpoints([{ name: 'ollama', baseUrl: 'http://127.0.0.1:11434/v1', models: ['llama3.1:8b'] }]);
      await cleared;
      const items = await complete(doc, new vscode.Position(2, 9));
      const labels = items.map(label);
      for (const ref of ['ollama:llama3.1:8b', 'openai:gpt-4o-mini', 'anthropic:claude-3-5-haiku-latest', 'echo:echo']) {
        assert.ok(labels.includes(ref), `${ref} in ${labels.join(', ')}`);
      }
      const mini = items.find((i) => label(i) === 'openai:gpt-4o-mini')!;
      assert.match(String(mini.detail), /\$0\.15 in · \$0\.60 out per 1M tokens/);
      assert.match(await hoverText(doc.uri, new vscode.Position(1, 12)), /endpoint \*\*ollama\*\*/, 'the hover names the endpoint');
    });
  });

  it('hovers a variable with its description and default, and an input name the same way', async () => {
    const uri = workspaceUri('hello.prompt');
    const doc = await vscode.workspace.openTextDocument(uri);
    const line = doc.lineAt(18).text;
    assert.strictEqual(line, 'Say hello to {{ name }}.', 'fixture line');
    const text = await hoverText(uri, new vscode.Position(18, line.indexOf('name') + 1));
    assert.match(text, /\*\*name\*\* — string input/);
    assert.match(text, /Who to greet/);
    assert.match(text, /Default: `"Ada"`/);
    assert.match(await hoverText(uri, new vscode.Position(6, 3)), /Who to greet/, 'hover on the input declaration');
  });

  it('hovers a model reference with its provider and price per 1M tokens', async () => {
    const uri = workspaceUri('hello.prompt');
    await vscode.workspace.openTextDocument(uri);
    const text = await hoverText(uri, new vscode.Position(3, 12));
    assert.match(text, /Provider: OpenAI/);
    assert.match(text, /Price per 1M tokens: input \$0\.15 · output \$0\.60/);
  });

  it('hovers front-matter keys and parameters with what they mean', async () => {
    const uri = workspaceUri('broken.prompt');
    await vscode.workspace.openTextDocument(uri);
    assert.match(await hoverText(uri, new vscode.Position(4, 2)), /Generation parameters/, 'params');
    assert.match(await hoverText(uri, new vscode.Position(6, 4)), /most tokens the reply may have/, 'max_tokens');
    assert.strictEqual(await hoverText(uri, new vscode.Position(15, 2)), '', 'no hover on prose');
  });

  it('outlines the front matter and each role section (outline and breadcrumbs)', async () => {
    const uri = workspaceUri('hello.prompt');
    await vscode.workspace.openTextDocument(uri);
    const symbols = await vscode.commands.executeCommand<vscode.DocumentSymbol[]>('vscode.executeDocumentSymbolProvider', uri);
    assert.deepStrictEqual(symbols.map((s) => [s.name, s.range.start.line, s.range.end.line]), [
      ['front matter', 0, 13],
      ['system', 14, 15],
      ['user', 17, 18],
    ]);
    const keys = symbols[0]!.children;
    assert.deepStrictEqual(keys.map((k) => k.name), ['name', 'description', 'model', 'params', 'inputs', 'tests']);
    assert.deepStrictEqual(keys[4]!.children.map((c) => c.name), ['name'], 'inputs under inputs');
  });

  it('offers the snippets: a new prompt file, a role section, an input, a test case', async () => {
    const doc = await untitled('prom');
    const items = await complete(doc, endOf(doc));
    const snippet = items.find((i) => label(i) === 'prompt' && i.kind === vscode.CompletionItemKind.Snippet);
    assert.ok(snippet, items.map((i) => `${label(i)}:${i.kind}`).join(', '));
  });

  it('offers variables and filters inside {{ }}, and no snippet there', async () => {
    const doc = await untitled('---\ninputs:\n  question: { type: string }\n---\nuser:\n{{ q');
    const items = await complete(doc, endOf(doc));
    assert.ok(items.some((i) => label(i) === 'question' && i.kind === vscode.CompletionItemKind.Variable), items.map(label).join(', '));
    const snippets = items.filter((i) => i.kind === vscode.CompletionItemKind.Snippet).map(label);
    assert.deepStrictEqual(snippets, [], 'snippets inside a template tag');
    const afterPipe = await untitled('user:\n{{ question | ');
    const filters = await complete(afterPipe, endOf(afterPipe));
    assert.ok(filters.some((i) => label(i) === 'upper'), 'filters after a pipe');
    assert.deepStrictEqual(filters.filter((i) => i.kind === vscode.CompletionItemKind.Snippet).map(label), [], 'no snippet after a pipe either');
  });

  it('folds the front matter and each role section', async () => {
    const uri = workspaceUri('broken.prompt');
    await vscode.workspace.openTextDocument(uri);
    const ranges = await vscode.commands.executeCommand<vscode.FoldingRange[]>('vscode.executeFoldingRangeProvider', uri);
    const pairs = ranges.map((r) => `${r.start}-${r.end}`).sort();
    assert.deepStrictEqual(pairs, ['0-13', '14-18', '20-21'].sort());
  });
});

describe('prompt language: rendered-prompt preview', () => {
  before(async () => {
    await assayExtension().activate();
  });
  afterEach(closeAllEditors);

  it('renders the default inputs into a Markdown document beside the prompt', async () => {
    const uri = workspaceUri('hello.prompt');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const preview = await vscode.commands.executeCommand<vscode.Uri>('assay.previewRenderedPrompt', uri, { testCase: null });
    assert.strictEqual(preview.scheme, 'assay-preview');
    const doc = previewDoc(preview);
    assert.strictEqual(doc.languageId, 'markdown', 'shown as Markdown');
    assert.ok(doc.getText().includes('## system\n\nYou are friendly and brief.\n\n## user\n\nSay hello to Ada.\n'), doc.getText());
    assert.match(doc.getText(), /^# hello — rendered with the default inputs$/m);
  });

  it("renders a test case's variables, from inline tests and from a test file", async () => {
    const inline = await vscode.commands.executeCommand<vscode.Uri>('assay.previewRenderedPrompt', workspaceUri('hello.prompt'), { testCase: 0 });
    assert.match(previewDoc(inline).getText(), /Say hello to Grace\./);
    assert.match(previewDoc(inline).getText(), /rendered with test case "says hello"/);
    const fromFile = await vscode.commands.executeCommand<vscode.Uri>('assay.previewRenderedPrompt', workspaceUri('weather.prompt'), { testCase: 1 });
    assert.match(previewDoc(fromFile).getText(), /## user\n\nWhat is the weather in Lima\?/);
  });

  it('follows edits of the prompt file', async () => {
    const uri = workspaceUri('hello.prompt');
    const source = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(source);
    const preview = await vscode.commands.executeCommand<vscode.Uri>('assay.previewRenderedPrompt', uri, { testCase: null });
    const updated = nextEvent(vscode.workspace.onDidChangeTextDocument, 'the preview to follow the edit', (e) => same(e.document.uri, preview) && e.document.getText().includes('cheerful'));
    const edit = new vscode.WorkspaceEdit();
    const at = source.getText().indexOf('friendly');
    edit.replace(uri, new vscode.Range(source.positionAt(at), source.positionAt(at + 'friendly'.length)), 'cheerful');
    assert.ok(await vscode.workspace.applyEdit(edit));
    const e = await updated;
    assert.match(e.document.getText(), /You are cheerful and brief\./);
  });

  it('toggles to the JSON a provider would get', async () => {
    const uri = workspaceUri('hello.prompt');
    const preview = await vscode.commands.executeCommand<vscode.Uri>('assay.previewRenderedPrompt', uri, { testCase: null });
    await vscode.window.showTextDocument(previewDoc(preview));
    const json = await vscode.commands.executeCommand<vscode.Uri>('assay.togglePreviewFormat');
    const doc = previewDoc(json);
    assert.strictEqual(doc.languageId, 'json');
    const body = JSON.parse(doc.getText()) as { messages: { role: string; content: string }[]; params: unknown; models: string[] };
    assert.deepStrictEqual(body.messages, [
      { role: 'system', content: 'You are friendly and brief.' },
      { role: 'user', content: 'Say hello to Ada.' },
    ]);
    assert.deepStrictEqual(body.params, { temperature: 0, max_tokens: 30 });
    assert.deepStrictEqual(body.models, ['openai:gpt-4o-mini']);
  });

  it('says why it cannot render instead of showing messages', async () => {
    const doc = await untitled('---\ninputs:\n  q:\n---\nuser:\n{{ q }}');
    const preview = await vscode.commands.executeCommand<vscode.Uri>('assay.previewRenderedPrompt', doc.uri, { testCase: null });
    const text = previewDoc(preview).getText();
    assert.match(text, /not rendered/);
    assert.match(text, /Cannot render with the default inputs \(line 6\)/);
    assert.match(text, /Missing variable 'q'/);
  });
});
