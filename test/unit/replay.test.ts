import * as assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runCli } from '../../src/cli/main';
import { evaluateCase } from '../../src/core/assertions/evaluateCase';
import { parsePromptFile } from '../../src/core/promptFile/parsePromptFile';
import { renderPrompt } from '../../src/core/promptFile/renderPrompt';
import { ProviderRegistry } from '../../src/core/providers/providerRegistry';
import { Engine } from '../../src/core/run/engine';
import { createGradingContext } from '../../src/core/run/gradingContext';
import { findCase, formatReplayMarkdown, Replayer, replaySignificance, type ReplayReport, type TraceReplay } from '../../src/core/run/replay';
import { TraceStore } from '../../src/core/store/traceStore';
import { loadTestBankFile, resolveTests } from '../../src/core/testBank/loadTestBank';
import { applyDefaults } from '../../src/core/testBank/normalizeCase';
import type { TestCase } from '../../src/core/testBank/testBankTypes';
import { mockProviderConfigs, TEST_OPENAI_KEY } from '../support/mockLlmProviders';
import { startMockLlm, type MockLlm, type MockRequest } from '../support/mockLlmServer';
import { makeTrace, tempFolder } from '../support/storeFixtures';
import { TEST_FILES } from '../support/testFiles';

/** The prompt under test; `version` changes the system prompt, and with it the mock's answers. */
function promptText(version: string, extra = ''): string {
  return `---
name: triage
model: openai:gpt-4o-mini
params: { temperature: 0, max_tokens: 5 }
tests:
  - description: double charge
    vars: { ticket: "I was charged twice" }
    assert:
      - type: equals
        value: billing
  - description: crash
    vars: { ticket: "The app crashes on start" }
    assert:
      - type: equals
        value: bug
${extra}---
system:
You route tickets. ${version}

user:
{{ ticket }}
`;
}

/** VERSION-1 answers billing/other (crash misrouted); VERSION-2 answers Billing./bug (a regression and a fix). */
function answer(req: MockRequest): string {
  const messages = (req.body?.messages ?? []) as { role: string; content: string }[];
  const system = messages.find((m) => m.role === 'system')?.content ?? '';
  const v2 = system.includes('VERSION-2');
  if (req.prompt.includes('charged')) return v2 ? 'Billing.' : 'billing';
  if (req.prompt.includes('crashes')) return v2 ? 'bug' : 'other';
  return 'other';
}

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

describe('replay against the current prompt', function () {
  this.timeout(30_000);
  let folder: ReturnType<typeof tempFolder>;
  let mock: MockLlm;
  let engine: Engine;
  let store: TraceStore;
  const promptFile = () => join(folder.dir, 'triage.prompt');

  const replayer = (signal?: AbortSignal) =>
    new Replayer({
      call: (request, options) => engine.call(request, options),
      files: TEST_FILES,
      readFile: async (stored) => {
        const absPath = join(folder.dir, stored);
        try {
          return { text: await readFile(absPath, 'utf8'), absPath };
        } catch {
          return null;
        }
      },
      grading: createGradingContext(engine, { graderModel: { provider: 'openai', model: 'gpt-4o-mini' } }),
      trusted: true,
      store,
      ...(signal ? { signal } : {}),
    });

  /** Runs every case of the prompt once and records it like a test run does. */
  async function recordRun(options: { bankPath?: string; cases?: TestCase[] } = {}): Promise<{ runId: string; traceIds: string[] }> {
    const text = readFileSync(promptFile(), 'utf8');
    const doc = parsePromptFile(text, { path: promptFile() });
    const cases = options.cases ?? resolveTests(doc.tests!.value, folder.dir, { file: promptFile(), files: TEST_FILES }).cases;
    const versionId = await store.addPromptVersion({ path: 'triage.prompt', content: text });
    const runId = await store.startRun({ kind: 'test', promptPath: 'triage.prompt', promptVersionId: versionId, bankPath: options.bankPath ?? 'triage.prompt', models: ['openai:gpt-4o-mini'] });
    const traceIds: string[] = [];
    for (const c of cases) {
      const rendered = renderPrompt(doc, c.vars);
      assert.ok('messages' in rendered, 'the fixture renders');
      const request = { model: { provider: 'openai', model: 'gpt-4o-mini' }, messages: rendered.messages, params: doc.params };
      const startedAt = Date.now();
      const result = await engine.call(request);
      const [id] = await store.addTraces([{ ...result, runId, promptPath: 'triage.prompt', promptVersionId: versionId, caseId: c.id, variables: c.vars, startedAt }]);
      const verdict = await evaluateCase(c, result, { context: createGradingContext(engine, { graderModel: { provider: 'openai', model: 'gpt-4o-mini' } }), trusted: true });
      await store.addEvaluations(verdict.results.map((r) => ({ traceId: id!, caseId: c.id, assertionType: r.type, pass: r.pass, score: r.score, reason: r.reason, weight: r.weight })));
      traceIds.push(id!);
    }
    await store.finishRun(runId, { status: 'done' });
    return { runId, traceIds };
  }

  const byCase = (report: ReplayReport, description: string): TraceReplay => {
    const item = report.items.find((i) => i.caseId?.startsWith('triage.prompt#') && i.variables.ticket === (description === 'double charge' ? 'I was charged twice' : 'The app crashes on start'));
    assert.ok(item, `no item for ${description}`);
    return item;
  };

  beforeEach(async () => {
    folder = tempFolder('assay-replay-');
    mock = await startMockLlm({ reply: answer });
    engine = new Engine({ registry: new ProviderRegistry({ providers: mockProviderConfigs(mock) }), retry: { maxAttempts: 1 } });
    store = await TraceStore.open({ path: join(folder.dir, '.assay', 'history.sqlite'), saveDebounceMs: 60_000 });
    writeFileSync(promptFile(), promptText('VERSION-1'));
  });
  afterEach(async () => {
    await store.close();
    await mock.close();
    folder.cleanup();
  });

  it('replays a whole run and reports changed outputs, regressions and fixes', async () => {
    const { runId } = await recordRun();
    writeFileSync(promptFile(), promptText('VERSION-2'));
    const report = await replayer().replayRun(runId);
    assert.ok(!('error' in report), 'error' in report ? report.error : '');
    assert.deepStrictEqual(report.totals, { traces: 2, replayed: 2, skipped: 0, outputsChanged: 2, verdictsChanged: 2, regressions: 1, fixes: 1, errors: 0 });
    const charge = byCase(report, 'double charge');
    assert.deepStrictEqual([charge.old.text, charge.new?.text, charge.verdictChange], ['billing', 'Billing.', 'regressed'], 'the double charge regressed');
    assert.deepStrictEqual(charge.changedAssertions, [{ index: 0, type: 'equals', old: true, new: false }], 'the equals assertion flipped');
    assert.strictEqual(charge.old.verdict?.source, 'stored', 'the stored outcomes of the same assertions are reused');
    const crash = byCase(report, 'crash');
    assert.deepStrictEqual([crash.old.text, crash.new?.text, crash.verdictChange], ['other', 'bug', 'fixed'], 'the crash case is fixed');
    const sent = mock.requests.slice(-2).map((r) => (r.body?.messages as { content: string }[])[0]!.content);
    assert.deepStrictEqual(sent, ['You route tickets. VERSION-2', 'You route tickets. VERSION-2'], "today's prompt was sent");
    assert.deepStrictEqual(mock.requests.slice(-2).map((r) => r.body?.max_completion_tokens), [5, 5], "today's parameters were sent");

    const replayRun = await store.runSummary(report.replayRunId);
    assert.strictEqual(replayRun?.run.kind, 'replay', 'the replay is recorded as a replay run');
    assert.deepStrictEqual(replayRun?.run.config, { replayOf: { runId } }, 'it names the run it replayed');
    const version = await store.getPromptVersion(replayRun!.run.promptVersionId!);
    assert.deepStrictEqual([version?.path, version?.content], ['triage.prompt', promptText('VERSION-2')], "today's prompt is stored as the replay's version");
    assert.strictEqual(await store.getPromptVersion('no-such-version'), null, 'an unknown version is null');
    assert.deepStrictEqual([replayRun?.run.totals.traces, replayRun?.run.totals.passed, replayRun?.run.totals.failed], [2, 1, 1], 'traces and new verdicts stored');
    const newTrace = await store.getTrace(charge.new!.traceId);
    assert.strictEqual(newTrace?.caseId, charge.caseId, 'the new trace keeps the case');
    assert.deepStrictEqual(newTrace?.variables, { ticket: 'I was charged twice' }, 'and the variables');

    const md = formatReplayMarkdown(report);
    assert.match(md, /## Regressions \(1\)/);
    assert.match(md, /## Fixes \(1\)/);
    assert.match(md, /pass → fail \(equals: pass→fail\)/);

    // One regression and one fix on two cases: no net change, for pass rates and scores alike.
    assert.deepStrictEqual(
      report.significance.map((s) => [s.model, s.passRate.test, s.passRate.cases, s.passRate.pValue, s.passRate.verdict, s.scores.cases, s.scores.wilcoxon?.pValue, s.scores.verdict]),
      [[charge.model, 'mcnemar-exact', 2, 1, 'no-change', 2, 1, 'no-change']],
    );
    assert.match(md, /## Significance\n\n- \S+: pass rate 50\.0% → 50\.0% \(±0\.0 pts, 95% CI .*\) on 2 shared cases; McNemar's exact test p = 1\.0000: no change\n- \S+: mean score 0\.500 → 0\.500 .*Wilcoxon signed-rank p = 1\.0000, paired t p = 1\.0000: no change/);
  });

  it('reports no change when the prompt did not change', async () => {
    const { runId } = await recordRun();
    const report = await replayer().replayRun(runId);
    assert.ok(!('error' in report));
    assert.deepStrictEqual(report.totals, { traces: 2, replayed: 2, skipped: 0, outputsChanged: 0, verdictsChanged: 0, regressions: 0, fixes: 0, errors: 0 });
    assert.match(formatReplayMarkdown(report), /\*\*No regressions\*\*/);
    assert.deepStrictEqual(report.significance.map((s) => [s.passRate.verdict, s.scores.verdict, s.scores.wilcoxon]), [['no-change', 'no-change', null]]);
    assert.match(formatReplayMarkdown(report), /mean score 0\.500 → 0\.500 \(±0\.000, 95% CI ±0\.000 to ±0\.000\) on 2 shared cases; every score is unchanged: no change/);
  });

  it('replays one trace', async () => {
    const { traceIds } = await recordRun();
    writeFileSync(promptFile(), promptText('VERSION-2'));
    const report = await replayer().replayTrace(traceIds[0]!);
    assert.ok(!('error' in report));
    assert.strictEqual(report.items.length, 1);
    assert.strictEqual(report.items[0]!.sourceTraceId, traceIds[0]);
    assert.strictEqual(report.sourceRunId, null, 'a single trace is not a run replay');
    assert.deepStrictEqual((await store.runSummary(report.replayRunId))?.run.config, { replayOf: { traceId: traceIds[0] } });
    assert.deepStrictEqual(await replayer().replayTrace('nope'), { error: 'There is no trace nope in the history.' });
    assert.deepStrictEqual(await replayer().replayRun('nope'), { error: 'Run nope has no traces to replay (or is not in this history).' });
  });

  it('explains what it cannot replay instead of failing', async () => {
    const { runId } = await recordRun();
    const before = mock.requests.length;
    rmSync(promptFile());
    const gone = await replayer().replayRun(runId);
    assert.ok(!('error' in gone));
    assert.deepStrictEqual([gone.totals.skipped, gone.totals.replayed], [2, 0], 'nothing replayed without the prompt file');
    assert.match(gone.items[0]!.problem ?? '', /The prompt file triage\.prompt is not in the workspace any more/);
    assert.strictEqual(mock.requests.length, before, 'no call was made');

    writeFileSync(promptFile(), promptText('VERSION-1').replace('{{ ticket }}', '{{ ticket }} {{ customer }}'));
    const render = await replayer().replayRun(runId);
    assert.ok(!('error' in render));
    assert.match(render.items[0]!.problem ?? '', /does not render with this trace's variables: Missing variable 'customer'/);
  });

  it('compares outputs without verdicts when the case left the test bank', async () => {
    const { runId } = await recordRun();
    writeFileSync(promptFile(), promptText('VERSION-2').replace('description: crash', 'description: crash on start'));
    const report = await replayer().replayRun(runId);
    assert.ok(!('error' in report));
    const crash = byCase(report, 'crash');
    assert.match(crash.problem ?? '', /is no longer in the prompt's test bank/);
    assert.strictEqual(crash.verdictChange, 'none', 'no verdict to compare');
    assert.strictEqual(crash.new?.text, 'bug', 'the output is still compared');
    assert.strictEqual(crash.old.verdict?.source, 'stored', 'the old verdict as stored');
  });

  it("judges the old output with today's assertions when they changed", async () => {
    const { runId } = await recordRun();
    writeFileSync(promptFile(), promptText('VERSION-1').replace(/value: billing/, 'value: billing\n      - type: icontains\n        value: bill'));
    const report = await replayer().replayRun(runId);
    assert.ok(!('error' in report));
    const charge = byCase(report, 'double charge');
    assert.strictEqual(charge.old.verdict?.source, 'evaluated', 'stored outcomes are of other assertions');
    assert.deepStrictEqual(charge.old.verdict?.assertions.map((a) => [a.type, a.pass]), [['equals', true], ['icontains', true]]);
  });

  it('takes the cases from the run\'s bank file and leaves grader calls out', async () => {
    writeFileSync(join(folder.dir, 'triage.tests.yaml'), '- description: double charge\n  vars: { ticket: "I was charged twice" }\n  assert:\n    - type: equals\n      value: billing\n');
    const bank = loadTestBankFile(join(folder.dir, 'triage.tests.yaml'), TEST_FILES);
    const cases = bank.cases.map((c) => applyDefaults(c, bank.defaults));
    const { runId } = await recordRun({ bankPath: 'triage.tests.yaml', cases });
    await store.addTraces([makeTrace({ runId, promptPath: '(grader)', variables: null, startedAt: Date.now() })]);
    writeFileSync(promptFile(), promptText('VERSION-2'));
    const report = await replayer().replayRun(runId);
    assert.ok(!('error' in report));
    assert.strictEqual(report.items.length, 1, 'the grader call is not replayed');
    assert.strictEqual(report.items[0]!.verdictChange, 'regressed', 'judged by the bank file case');
    assert.ok(findCase(cases, report.items[0]!.caseId), 'the case id is the bank file case');
  });

  it('pairs repeats of a case for significance (paired t) and leaves out items without a verdict on both sides', () => {
    const side = (pass: boolean, score: number) => ({ traceId: 't', text: '', error: null, finishReason: null, latencyMs: 1, cost: null, verdict: { pass, score, reason: '', assertions: [], source: 'stored' as const } });
    let n = 0;
    const item = (caseId: string, before: boolean, after: boolean | null): TraceReplay => ({
      sourceTraceId: `${caseId}-${++n}`,
      model: 'm',
      promptPath: 'p',
      caseId,
      variables: {},
      old: side(before, before ? 1 : 0),
      new: after === null ? null : side(after, after ? 1 : 0),
      outputChanged: false,
      verdictChange: 'none',
      changedAssertions: [],
    });
    const [change] = replaySignificance([item('a', true, false), item('a', true, true), item('b', false, true), item('b', false, true), item('c', true, null)]);
    assert.deepStrictEqual([change!.passRate.test, change!.passRate.cases, change!.passRate.previousPassRate, change!.passRate.currentPassRate], ['paired-t', 2, 0.5, 0.75]);
    assert.deepStrictEqual([change!.scores.cases, change!.scores.previousMean, change!.scores.currentMean], [2, 0.5, 0.75]);
  });

  it('finds cases by id, description or position', () => {
    const cases = [
      { id: 'a.yaml#1', description: 'first', vars: {}, assert: [], source: { file: 'a.yaml', index: 0 } },
      { id: 'a.yaml#2', vars: {}, assert: [], source: { file: 'a.yaml', index: 1 } },
    ] as TestCase[];
    const table: [string | null, string | undefined][] = [
      ['a.yaml#2', 'a.yaml#2'],
      ['first', 'a.yaml#1'],
      ['1', 'a.yaml#2'],
      ['missing', undefined],
      [null, undefined],
    ];
    for (const [caseId, expected] of table) assert.strictEqual(findCase(cases, caseId)?.id, expected, String(caseId));
  });

  describe('assay replay', () => {
    async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
      return cliWith({ OPENAI_BASE_URL: mock.openaiBaseUrl, OPENAI_API_KEY: TEST_OPENAI_KEY }, ...argv);
    }
    async function cliWith(env: Record<string, string>, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
      const stdout = new Capture();
      const stderr = new Capture();
      const code = await runCli(['replay', ...argv], { cwd: folder.dir, env, stdout, stderr, signal: new AbortController().signal });
      return { code, out: stdout.text, err: stderr.text };
    }

    it('exits 1 on a regression and prints the report; 0 when nothing regressed', async () => {
      const { runId, traceIds } = await recordRun();
      await store.close();
      writeFileSync(promptFile(), promptText('VERSION-2'));
      const r = await cli(runId, '--out', 'report.md');
      assert.strictEqual(r.code, 1, `a regression fails the command: ${r.err}`);
      assert.match(r.out, /## Regressions \(1\)/);
      assert.match(readFileSync(join(folder.dir, 'report.md'), 'utf8'), /## Fixes \(1\)/, '--out writes the Markdown report');
      assert.ok(!r.out.includes(TEST_OPENAI_KEY) && !r.err.includes(TEST_OPENAI_KEY), 'the key never shows');

      writeFileSync(promptFile(), promptText('VERSION-1'));
      const same = await cli(runId, '--json');
      assert.strictEqual(same.code, 0, same.err);
      const report = JSON.parse(same.out) as ReplayReport;
      assert.deepStrictEqual([report.totals.replayed, report.totals.regressions], [2, 0]);

      const one = await cli('--trace', traceIds[1]!, '--json');
      assert.strictEqual(one.code, 0, one.err);
      assert.strictEqual((JSON.parse(one.out) as ReplayReport).items.length, 1);

      // The project config's endpoint takes the place of OPENAI_BASE_URL.
      writeFileSync(join(folder.dir, 'assay.config.yaml'), `endpoints:\n  - name: openai\n    baseUrl: ${mock.openaiBaseUrl}\n`);
      const configured = await cliWith({ OPENAI_API_KEY: TEST_OPENAI_KEY }, runId, '--json');
      assert.strictEqual(configured.code, 0, configured.err);
      assert.strictEqual((JSON.parse(configured.out) as ReplayReport).totals.errors, 0, 'calls went to the configured endpoint');

      store = await TraceStore.open({ path: join(folder.dir, '.assay', 'history.sqlite') });
      const replays = await store.listRuns({ kind: 'replay' });
      assert.strictEqual(replays.items.length, 4, 'each CLI replay is saved in the history');
    });

    it('rejects bad usage with exit code 2', async () => {
      const table: [string[], RegExp][] = [
        [['some-run'], /no history at .*history\.sqlite/],
        [[], /missing RUN_ID/],
        [['a', 'b'], /one run at a time/],
        [['a', '--trace', 'b'], /not both/],
        [['a', '--concurrency', '0'], /--concurrency must be a whole number/],
        [['a', '--bogus'], /unknown option '--bogus'/],
      ];
      const check = async ([argv, message]: [string[], RegExp]) => {
        const r = await cli(...argv);
        assert.strictEqual(r.code, 2, `${argv.join(' ')}: exit 2 (${r.err})`);
        assert.match(r.err, message, `${argv.join(' ')}: ${r.err}`);
      };
      for (const row of table) await check(row);
      await recordRun();
      await store.flush();
      await check([['no-such-run'], /Run no-such-run has no traces/]);
    });
  });
});
