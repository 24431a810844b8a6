// Issue #18, as a user meets it in the editor: a malformed bank shows where it is wrong (Problems, lenses,
// the refusal to run), a one-case rerun merges into the last full picture, one click is one run in the
// Runs view, and the shipped example bank passes on a model that answers as the prompt asks. Files are
// written into the fixture workspace by the tests and removed after them.
import * as assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { startMockLlm, type MockLlm, type MockRequest } from '../support/mockLlmServer';
import type { LastRunSummary, RunRefusal } from '../../src/host/testing/runCoordinator';
import type { TreeNode } from '../../src/host/testing/testTree';
import type { TraceExplorer } from '../../src/host/traces/traceExplorer';
import type { RunNode } from '../../src/host/traces/runsTreeModel';
import type { ResultsState } from '../../src/shared/resultsProtocol';
import { assayExtension, closeAllEditors, nextEvent, workspaceUri } from './support/vscodeHelpers';

const PROMPT = `---
name: ebank
models: [mock:alpha, mock:beta]
inputs:
  ticket: { type: string, default: hi }
---
user:
{{ ticket }}
`;

// The mock answers "Echo: <ticket>": the first case passes, the second fails, on both models.
const BANK = `# ebank cases
- description: keeps the words
  vars: { ticket: charged twice }
  assert:
    - type: contains
      value: charged twice

- description: says bug
  vars: { ticket: the app crashes }
  assert:
    - type: equals
      value: bug
`;

async function bankLenses(uri: vscode.Uri): Promise<vscode.Command[]> {
  await vscode.workspace.openTextDocument(uri);
  const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100);
  return lenses.map((l) => l.command).filter((c): c is vscode.Command => c !== undefined && c.title !== '');
}

/** The diagnostics of `uri` once `predicate` holds for them. */
async function diagnosticsWhen(uri: vscode.Uri, what: string, predicate: (d: readonly vscode.Diagnostic[]) => boolean): Promise<readonly vscode.Diagnostic[]> {
  const now = vscode.languages.getDiagnostics(uri);
  if (predicate(now)) return now;
  await nextEvent(vscode.languages.onDidChangeDiagnostics, what, (e) => e.uris.some((u) => u.toString() === uri.toString()) && predicate(vscode.languages.getDiagnostics(uri)), 15_000);
  return vscode.languages.getDiagnostics(uri);
}

/** Like `until`, for a condition read asynchronously (a command's answer): VS Code has no event for it. */
async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function replaceAll(doc: vscode.TextDocument, text: string): Promise<void> {
  const edit = new vscode.WorkspaceEdit();
  edit.replace(doc.uri, new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), text);
  assert.ok(await vscode.workspace.applyEdit(edit), 'the edit applies');
}

describe('editor banks (#18)', function () {
  this.timeout(90_000);
  let mock: MockLlm;
  const prompt = () => workspaceUri('ebank.prompt');
  const bank = () => workspaceUri('ebank.tests.yaml');

  /**
   * Stands in for the models the examples name, answering as each prompt asks (the triage prompt: queue and
   * urgency; the invoice prompt: JSON in its schema; the others: a short answer from what they are given).
   */
  const exampleModel = (req: MockRequest): string => {
    const text = req.prompt;
    if (text.startsWith('Ticket from a')) {
      const queue = /charged|billed|invoice|refund/i.test(text) ? 'billing' : /crash|down|log in|broken/i.test(text) ? 'bug' : 'other';
      return `${queue} ${/400|all .* users/i.test(text) ? 'urgent' : 'normal'}`;
    }
    if (text.startsWith('Extract the invoice below')) {
      const invoice = /Globex/.test(text)
        ? { vendor: 'Globex Inc.', invoice_number: '88', issue_date: '2024-07-04', currency: 'USD', total: 1200 }
        : /Initech/.test(text)
          ? { vendor: 'Initech', invoice_number: '2024-55', issue_date: '2024-02-01', currency: 'EUR', total: 99 }
          : { vendor: 'ACME Office Supplies GmbH', invoice_number: '2024-0117', issue_date: '', currency: 'EUR', total: 514 };
      return JSON.stringify({ ...invoice, line_items: [] });
    }
    if (/refunds for duplicate/i.test(text)) return 'Duplicate charges are refunded automatically within 5 business days [kb-12].';
    if (/Pro plan cost/i.test(text)) return 'The Pro plan costs 20 EUR per month [kb-31].';
    if (/office in Lima/i.test(text)) return 'I do not know from our documents; please contact support.';
    if (/yearly/i.test(text)) return 'Done: your plan now renews yearly, saving 15%.';
    if (/refund policy/i.test(text)) return 'Duplicate charges are refunded automatically; other refunds go through support.';
    return 'Hi! How can I help you today?';
  };

  let keysBefore: { openai: string | undefined; anthropic: string | undefined } = { openai: undefined, anthropic: undefined };
  before(async () => {
    await assayExtension().activate();
    mock = await startMockLlm({ reply: (req) => (req.model === 'alpha' || req.model === 'beta' ? `Echo: ${req.prompt}` : exampleModel(req)) });
    const config = vscode.workspace.getConfiguration('assay');
    await config.update(
      'endpoints',
      [
        { name: 'mock', baseUrl: mock.openaiBaseUrl, models: ['alpha', 'beta'] },
        { name: 'openai', baseUrl: mock.openaiBaseUrl },
        { name: 'anthropic', baseUrl: mock.anthropicBaseUrl },
      ],
      vscode.ConfigurationTarget.Global,
    );
    keysBefore = { openai: process.env.OPENAI_API_KEY, anthropic: process.env.ANTHROPIC_API_KEY };
    process.env.OPENAI_API_KEY ??= 'zz-integration-openai';
    process.env.ANTHROPIC_API_KEY ??= 'zz-integration-anthropic';
    writeFileSync(prompt().fsPath, PROMPT);
    writeFileSync(bank().fsPath, BANK);
  });
  after(async () => {
    // The extension host outlives this suite: its environment goes back as it was.
    if (keysBefore.openai === undefined) delete process.env.OPENAI_API_KEY;
    if (keysBefore.anthropic === undefined) delete process.env.ANTHROPIC_API_KEY;
    await closeAllEditors();
    await vscode.workspace.getConfiguration('assay').update('endpoints', undefined, vscode.ConfigurationTarget.Global);
    for (const f of ['ebank.prompt', 'ebank.tests.yaml']) rmSync(workspaceUri(f).fsPath, { force: true });
    rmSync(workspaceUri('example').fsPath, { recursive: true, force: true });
    await mock?.close();
  });

  describe('a malformed bank', () => {
    it('shows a typo in an assertion type where it is written, with did-you-mean and a quick fix', async () => {
      const doc = await vscode.workspace.openTextDocument(bank());
      await vscode.window.showTextDocument(doc);
      await replaceAll(doc, BANK.replace('type: equals', 'type: start-with'));
      const diags = await diagnosticsWhen(bank(), 'the unknown assertion type', (d) => d.some((x) => /start-with/.test(x.message)));
      const typo = diags.find((x) => /start-with/.test(x.message))!;
      assert.strictEqual(typo.severity, vscode.DiagnosticSeverity.Error);
      assert.match(typo.message, /did you mean "starts-with"/);
      const line = doc.lineAt(10).text;
      assert.deepStrictEqual(
        [typo.range.start.line, typo.range.start.character, typo.range.end.character],
        [10, line.indexOf('start-with'), line.indexOf('start-with') + 'start-with'.length],
        'the squiggle is on the type itself',
      );

      const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', bank(), typo.range, vscode.CodeActionKind.QuickFix.value);
      const fix = actions.find((a) => /starts-with/.test(a.title));
      assert.ok(fix?.edit, `a quick fix replaces the type (actions: ${actions.map((a) => a.title).join(', ')})`);
      assert.ok(await vscode.workspace.applyEdit(fix.edit));
      assert.strictEqual(doc.lineAt(10).text, '    - type: starts-with', 'the fix writes the right name');
      await diagnosticsWhen(bank(), 'the fixed bank', (d) => d.length === 0);
    });

    it('shows an unclosed quote on the line that opens it; the lenses say the bank has errors', async () => {
      const doc = await vscode.workspace.openTextDocument(bank());
      await replaceAll(doc, BANK.replace('{ ticket: charged twice }', '{ ticket: "charged twice }'));
      const diags = await diagnosticsWhen(bank(), 'the YAML error', (d) => d.some((x) => x.code === 'yaml-syntax'));
      const quote = diags.find((x) => /quote/.test(x.message));
      assert.ok(quote, `the missing quote is reported (got: ${diags.map((d) => d.message).join(' | ')})`);
      assert.deepStrictEqual([quote.range.start.line, quote.range.start.character], [2, doc.lineAt(2).text.indexOf('"')], 'at the quote that is never closed');

      const lenses = await bankLenses(bank());
      assert.ok(!lenses.some((l) => /Run all \(/.test(l.title)), `the bank lens claims no cases (lenses: ${lenses.map((l) => l.title).join(' | ')})`);
      const top = lenses[0]!;
      assert.match(top.title, /error/i, 'the first lens says the bank has errors');
      assert.strictEqual(top.command, 'workbench.actions.view.problems', 'and opens the Problems view');
      const promptLens = (await bankLenses(prompt())).find((l) => /Run test bank|error/.test(l.title));
      assert.ok(promptLens && !/\(\d+ cases? ×/.test(promptLens.title) && /error/i.test(promptLens.title), `the prompt's lens does not count cases of a broken bank (${promptLens?.title})`);
      assert.match(JSON.stringify(promptLens.arguments ?? []), /ebank\.tests\.yaml/, `its click opens the bank at the error (${promptLens.command})`);
    });

    it('running the broken bank refuses with file:line and an "Open File" action', async () => {
      const doc = await vscode.workspace.openTextDocument(bank());
      assert.match(doc.getText(), /"charged twice \}/, 'the bank still has its unclosed quote');
      const summary = await vscode.commands.executeCommand<LastRunSummary | undefined>('assay.runTestBank', bank());
      assert.strictEqual(summary, undefined, 'nothing ran');
      const refusal = await vscode.commands.executeCommand<RunRefusal | undefined>('assay.internal.lastRunRefusal');
      assert.ok(refusal, 'the refusal is recorded');
      assert.match(refusal.message, /ebank\.tests\.yaml:3:\d+/, `the message names file:line (${refusal.message})`);
      assert.ok(refusal.actions.includes('Open File'), 'with an action that opens the file there');
    });

    it('the Test Explorer follows unsaved edits: a removed case goes, no range stays past the end of the file', async () => {
      const doc = await vscode.workspace.openTextDocument(bank());
      await replaceAll(doc, BANK);
      await doc.save();
      let labels: { label: string; line?: number }[] = [];
      const read = async (): Promise<boolean> => {
        const root = (await vscode.commands.executeCommand<TreeNode[]>('assay.internal.testTree')).find((n) => n.label === 'ebank.prompt');
        labels = [];
        const walk = (n: TreeNode) => {
          if (n.uri?.endsWith('ebank.tests.yaml')) labels.push({ label: n.label, ...(n.line !== undefined ? { line: n.line } : {}) });
          n.children.forEach(walk);
        };
        root?.children.forEach(walk);
        return labels.length > 0;
      };
      await eventually(async () => (await read()) && labels.some((n) => n.label === 'says bug'), 'the tree to list both cases of the saved bank');
      const shorter = BANK.slice(0, BANK.indexOf('\n- description: says bug')) + '\n';
      await replaceAll(doc, shorter);
      await eventually(async () => (await read()) && !labels.some((n) => n.label === 'says bug'), 'the tree to follow the unsaved edit');
      assert.ok(!labels.some((n) => n.label === 'says bug'), `the removed case is gone (${labels.map((n) => n.label).join(', ')})`);
      for (const n of labels) if (n.line !== undefined) assert.ok(n.line < doc.lineCount, `${n.label} at line ${n.line} is inside the ${doc.lineCount}-line file`);
    });
  });

  describe('partial reruns and runs', () => {
    before(async () => {
      const doc = await vscode.workspace.openTextDocument(bank());
      await replaceAll(doc, BANK);
      await doc.save();
    });

    it('a one-case rerun merges into the last full run and marks the newer cells', async () => {
      const full = await vscode.commands.executeCommand<LastRunSummary | undefined>('assay.runTestBank', bank());
      assert.ok(full, 'the full run finished');
      assert.deepStrictEqual(full.totals, { passed: 2, failed: 2, errors: 0, flaky: 0 });

      const one = await vscode.commands.executeCommand<LastRunSummary | undefined>('assay.runTestCase', bank(), 0, false);
      assert.ok(one, 'the case ran');
      const panel = await vscode.commands.executeCommand<ResultsState>('assay.internal.resultsState');
      assert.strictEqual(panel.cells.length, 4, 'the matrix keeps every cell of the full run');
      assert.strictEqual(panel.rows.length, 2, 'and both rows');
      assert.deepStrictEqual(
        panel.cells.map((c) => [panel.rows[c.row]!.label, c.model, c.status, c.newer === true]),
        [
          ['keeps the words', 'mock:alpha', 'pass', true],
          ['keeps the words', 'mock:beta', 'pass', true],
          ['says bug', 'mock:alpha', 'fail', false],
          ['says bug', 'mock:beta', 'fail', false],
        ],
        'the rerun cells are marked newer; the others keep their verdicts',
      );
      assert.strictEqual(one.cells.length, 2, 'the rerun itself ran one case on two models');
      assert.deepStrictEqual(
        [panel.totals.passed, panel.totals.failed, panel.stats.map((m) => `${m.model} ${m.passes}/${m.trials}`)],
        [2, 2, ['mock:alpha 1/2', 'mock:beta 1/2']],
        'the totals and per-model figures count the whole picture',
      );
      await vscode.workspace.openTextDocument(prompt());
      const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', prompt(), 100);
      const summary = lenses.map((l) => l.command?.title ?? '').find((t) => /^[✓✗⚠⊘] /.test(t));
      assert.match(summary ?? '', /^✗ 2\/4 /, `the summary lens keeps the full picture (got ${summary})`);
    });

    it('one click on a prompt with inline cases and a paired bank is one run in the Runs view', async () => {
      const doc = await vscode.workspace.openTextDocument(prompt());
      await replaceAll(doc, PROMPT.replace('inputs:', 'tests:\n  - vars: { ticket: inline }\n    assert: [{ type: contains, value: inline }]\ninputs:'));
      await doc.save();
      const explorer = (await vscode.commands.executeCommand<TraceExplorer>('assay.internal.traceExplorer'))!;
      await vscode.commands.executeCommand('assay.traces.clearFilter');
      await vscode.commands.executeCommand('assay.traces.groupBy', 'run');
      const summary = await vscode.commands.executeCommand<LastRunSummary | undefined>('assay.runTestBank', prompt());
      assert.ok(summary, 'the run finished');
      assert.strictEqual(new Set(summary.cells.map((c) => c.suite)).size, 2, 'two suites ran: the inline cases and the bank');
      explorer.tree.refreshAll();
      const top = (await explorer.tree.getChildren()).filter((n): n is RunNode => n.kind === 'run');
      const mine = top.filter((n) => n.run.promptPath?.endsWith('ebank.prompt') && n.run.startedAt >= Date.now() - 60_000);
      const ofClick = mine.filter((n) => n.run.id === summary.runId || (n.members ?? []).some((m) => m.id === summary.runId));
      assert.strictEqual(ofClick.length, 1, 'the click is one row');
      const row = ofClick[0]!;
      assert.deepStrictEqual(row.run.models, ['mock:alpha', 'mock:beta'], 'its models');
      const item = explorer.tree.getTreeItem(row) as vscode.TreeItem;
      assert.match(String(item.description), /\b67% pass\b/, `4 of 6 cells pass over both suites: the inline case and the first bank case (${item.description})`);
      const children = await explorer.tree.getChildren(row);
      assert.strictEqual(children.filter((c) => c.kind === 'trace').length, 6, 'its traces: 3 cases × 2 models');
    });
  });

  describe('the results panel', () => {
    it('drops the rows of cases deleted from the bank', async () => {
      const before = await vscode.commands.executeCommand<ResultsState>('assay.internal.resultsState');
      assert.ok(before.rows.some((r) => r.label === 'says bug'), 'the last run has the case');
      const rowsBefore = before.rows.length;
      const doc = await vscode.workspace.openTextDocument(bank());
      await replaceAll(doc, BANK.slice(0, BANK.indexOf('\n- description: says bug')) + '\n');
      let labels: string[] = [];
      await eventually(async () => {
        labels = (await vscode.commands.executeCommand<ResultsState>('assay.internal.resultsState')).rows.map((r) => r.label);
        return !labels.includes('says bug');
      }, 'the deleted case to leave the results');
      assert.strictEqual(labels.length, rowsBefore - 1, `only that row went (${labels.join(', ')})`);
      const panel = await vscode.commands.executeCommand<ResultsState>('assay.internal.resultsState');
      assert.strictEqual(panel.cells.length, labels.length * panel.models.length, 'with its cells');
      await replaceAll(doc, BANK);
      await doc.save();
    });
  });

  describe('the shipped examples', () => {
    const banks: [string, string[], string[]][] = [
      ['support-triage.tests.yaml', ['support-triage.prompt'], ['openai:gpt-5.5', 'anthropic:claude-haiku-4-5']],
      ['rag-answer.tests.yaml', ['rag-answer.prompty'], ['openai:gpt-5.5']],
      ['chat-followup.tests.yaml', ['chat-followup.prompt'], ['anthropic:claude-haiku-4-5']],
      ['invoice-extraction.csv', ['invoice-extraction.prompt'], ['openai:gpt-5.5']],
    ];
    for (const [bankFile, prompts, models] of banks) {
      it(`${bankFile} passes on the models its prompt names`, async () => {
        const dir = workspaceUri('example').fsPath;
        mkdirSync(dir, { recursive: true });
        const examples = join(assayExtension().extensionPath, 'examples');
        for (const f of [bankFile, ...prompts]) copyFileSync(join(examples, f), join(dir, f));
        const summary = await vscode.commands.executeCommand<LastRunSummary | undefined>('assay.runTestBank', vscode.Uri.file(join(dir, bankFile)));
        assert.ok(summary, 'the bank ran');
        assert.deepStrictEqual(
          summary.cells.filter((c) => c.status !== 'pass').map((c) => `${c.label} on ${c.model}: ${c.reason}`),
          [],
          'every case passes on a model that answers as the prompt asks',
        );
        assert.deepStrictEqual([...new Set(summary.cells.map((c) => c.model))], models, 'on the models the prompt names');
        assert.ok(summary.cells.length >= 3 * models.length, 'three cases or more on each model');
      });
    }
  });
});
