// Judge calibration: Cohen's kappa, agreement and the confusion matrix against scikit-learn's values
// (test/fixtures/calibration-reference.json, made by scripts/stats/calibrationReference.py); the history's
// labeled verdicts (latest 👍/👎 per trace); `assay calibrate`; and `assay test --judge-threshold
// --uncalibrated-cannot-fail` end to end, with a real grader call to the mock LLM server.
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { agreement, calibrateJudges, cohenKappa, type Confusion } from '../../src/core/stats/calibration';
import type { LabeledVerdict } from '../../src/core/store/storeTypes';
import { TraceStore } from '../../src/core/store/traceStore';
import { runCliIn } from '../support/cliCapture';
import { startMockLlm, type MockLlm } from '../support/mockLlmServer';
import { makeTrace, tempFolder } from '../support/storeFixtures';

interface ReferenceCase {
  name: string;
  /** [judge pass, person good] as 1/0. */
  pairs: [number, number][];
  kappa: number | null;
  agreement: number;
  confusion: Confusion;
}

const reference = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'calibration-reference.json'), 'utf8')) as { cases: ReferenceCase[] };

function verdict(pass: boolean, good: boolean, overrides: Partial<LabeledVerdict> = {}): LabeledVerdict {
  return { traceId: 'T', caseId: 'c', promptPath: null, model: 'openai:m', assertionType: 'llm-rubric', metric: null, pass, score: pass ? 1 : 0, reason: 'r', rating: good ? 1 : -1, note: null, output: 'o', ...overrides };
}

describe('judge calibration', () => {
  describe("Cohen's kappa and agreement match scikit-learn", () => {
    for (const c of reference.cases) {
      it(c.name, () => {
        const [judge] = calibrateJudges(
          c.pairs.map(([j, h]) => verdict(j === 1, h === 1)),
          { minLabels: 1 },
        );
        assert.deepStrictEqual(judge!.confusion, c.confusion);
        assert.strictEqual(cohenKappa(c.confusion) === null, c.kappa === null, 'undefined exactly where scikit-learn answers NaN');
        if (c.kappa !== null) assert.ok(Math.abs(judge!.kappa! - c.kappa) < 1e-12, `kappa ${judge!.kappa} vs ${c.kappa}`);
        assert.ok(Math.abs(agreement(c.confusion)! - c.agreement) < 1e-12);
      });
    }
    it('has the textbook value 0.4 for 20/5/10/15', () => {
      assert.ok(Math.abs(cohenKappa({ bothPass: 20, judgePassHumanFail: 5, judgeFailHumanPass: 10, bothFail: 15 })! - 0.4) < 1e-12);
      assert.strictEqual(cohenKappa({ bothPass: 0, judgePassHumanFail: 0, judgeFailHumanPass: 0, bothFail: 0 }), null);
    });
  });

  it('groups model-graded verdicts by type and metric, leaves deterministic ones out, and sets the status against the threshold and minimum', () => {
    const agreeing = (n: number, o: Partial<LabeledVerdict>) => Array.from({ length: n }, (_, i) => verdict(i % 2 === 0, i % 2 === 0, o));
    const judges = calibrateJudges(
      [
        ...agreeing(10, {}),
        ...agreeing(10, { assertionType: 'contains' }),
        ...agreeing(4, { metric: 'tone' }),
        ...Array.from({ length: 12 }, (_, i) => verdict(true, i < 6, { assertionType: 'factuality', traceId: `f${i}` })),
        ...Array.from({ length: 10 }, () => verdict(true, true, { assertionType: 'model-graded-closedqa' })),
      ],
      { threshold: 0.5, minLabels: 5 },
    );
    assert.deepStrictEqual(
      judges.map((j) => [j.judge, j.labels, j.kappa, j.status]),
      [
        ['factuality', 12, 0, 'uncalibrated'],
        ['llm-rubric', 10, 1, 'calibrated'],
        ['llm-rubric [tone]', 4, 1, 'too-few-labels'],
        // Everyone always passed: no evidence the judge can tell a bad output, so not calibrated.
        ['model-graded-closedqa', 10, null, 'uncalibrated'],
      ],
    );
    assert.deepStrictEqual(judges[0]!.disagreements.map((d) => d.traceId), ['f6', 'f7', 'f8', 'f9', 'f10', 'f11']);
  });

  it("the history's labeled verdicts: the latest rating per trace, taken-back ratings left out, with the output and note", async () => {
    const folder = tempFolder('assay-calibration-');
    const store = await TraceStore.open({ path: join(folder.dir, 'h.sqlite') });
    try {
      const [a, b, c, d] = await store.addTraces([makeTrace({ text: 'first', caseId: 'c1' }), makeTrace({ text: 'second', caseId: 'c2' }), makeTrace({ text: 'third', caseId: 'c3' }), makeTrace({ text: 'fourth', caseId: 'c4' })]);
      await store.addEvaluations([
        { traceId: a!, caseId: 'c1', assertionType: 'llm-rubric', pass: true, reason: 'fine' },
        { traceId: a!, caseId: 'c1', assertionType: 'contains', pass: true },
        { traceId: b!, caseId: 'c2', assertionType: 'llm-rubric', pass: false, metric: 'tone', reason: 'rude' },
        { traceId: c!, caseId: 'c3', assertionType: 'llm-rubric', pass: true },
        { traceId: d!, caseId: 'c4', assertionType: 'llm-rubric', pass: true },
      ]);
      await store.setFeedback(a!, { rating: -1 });
      await store.setFeedback(a!, { rating: 1, note: 'on second thought, good' });
      await store.setFeedback(b!, { rating: -1, note: 'rude indeed' });
      await store.setFeedback(c!, { rating: 1 });
      await store.setFeedback(c!, { rating: 0 });
      const rows = await store.labeledVerdicts();
      assert.deepStrictEqual(
        rows.map((r) => [r.output, r.assertionType, r.metric, r.pass, r.rating, r.note, r.caseId]),
        [
          ['first', 'llm-rubric', null, true, 1, 'on second thought, good', 'c1'],
          ['first', 'contains', null, true, 1, 'on second thought, good', 'c1'],
          ['second', 'llm-rubric', 'tone', false, -1, 'rude indeed', 'c2'],
        ],
      );
      assert.deepStrictEqual((await store.labeledVerdicts({ caseId: 'c2' })).length, 1, 'the explorer filters apply');
    } finally {
      await store.close();
      folder.cleanup();
    }
  });

  describe('assay calibrate and assay test --judge-threshold / --uncalibrated-cannot-fail', function () {
    this.timeout(60_000);
    let mock: MockLlm;
    let folder: ReturnType<typeof tempFolder>;
    let history: string;
    const CASES = 12;

    before(async () => {
      // The model answers "answer N"; the judge passes even N only.
      mock = await startMockLlm({
        latencyMs: 1,
        reply: (req) => {
          if (req.model !== 'judge') return `answer ${/ticket (\d+)/.exec(req.prompt)?.[1] ?? '?'}`;
          const n = Number(/answer (\d+)/.exec(req.prompt)?.[1] ?? '1');
          return JSON.stringify({ pass: n % 2 === 0, score: n % 2 === 0 ? 1 : 0, reason: n % 2 === 0 ? 'helpful' : 'not helpful' });
        },
      });
      folder = tempFolder('assay-calibrate-cli-');
      history = join(folder.dir, 'history.sqlite');
      const cases = Array.from({ length: CASES }, (_, i) => `  - description: case ${i}\n    vars: { ticket: "ticket ${i}" }\n    assert: [{ type: llm-rubric, value: is helpful }]`);
      cases.push('  - description: mixed\n    vars: { ticket: "ticket 3" }\n    assert: [{ type: contains, value: zzz }, { type: llm-rubric, value: is helpful }]');
      writeFileSync(join(folder.dir, 'graded.prompt'), `---\nmodel: openai:gpt-4o-mini\ntests:\n${cases.join('\n')}\n---\nuser:\n{{ ticket }}\n`);
    });
    after(async () => {
      await mock.close();
      folder.cleanup();
    });

    const cli = (argv: string[]) => runCliIn(folder.dir, argv, { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: mock.openaiBaseUrl, ASSAY_GRADER_MODEL: 'openai:judge' });

    /** Rates the first run's outputs: every one 👍, or as the judge would (odd answers 👎). */
    async function rate(how: 'all-good' | 'as-judge'): Promise<void> {
      const store = await TraceStore.open({ path: history, maxTraces: 0 });
      try {
        const [firstRun] = (await store.listRuns({}, { limit: 100 })).items.slice(-1);
        for (const t of (await store.listTraces({ runId: firstRun!.id }, { limit: 100 })).items) {
          const n = Number(/answer (\d+)/.exec(t.outputPreview ?? '')?.[1]);
          await store.setFeedback(t.id, { rating: how === 'all-good' || n % 2 === 0 ? 1 : -1, note: how === 'all-good' ? 'all fine' : null });
        }
      } finally {
        await store.close();
      }
    }

    it('reports each judge against the ratings, and gates CI on uncalibrated judges only when asked', async () => {
      const first = await cli(['test', 'graded.prompt', '--history', history]);
      assert.strictEqual(first.code, 1, first.err);
      assert.match((await cli(['calibrate', '--history', history])).out, /^no rated output was judged/);

      await rate('all-good');
      const report = await cli(['calibrate', '--history', history, '--json', 'calibration.json', '--examples', '2']);
      assert.strictEqual(report.code, 0, report.err);
      // 13 outputs rated 👍; the judge passed 6 (even answers) and failed 7 (odd ones, "mixed" included).
      assert.match(report.out, /^llm-rubric: UNCALIBRATED — kappa 0\.000 \(threshold 0\.6\), agreement 46\.2% on 13 rated outputs\n/);
      assert.match(report.out, /person 👍 +6 +7\n +person 👎 +0 +0\n/);
      assert.match(report.out, /disagreements \(7\):\n {2}- graded\.prompt#\S+ on openai:gpt-4o-mini: judge failed, person 👍 {2}\(trace [0-9A-Z]{26}\)\n {6}judge: not helpful\n {6}note: all fine\n {6}output: answer \d+\n/);
      assert.match(report.out, /… and 5 more/);
      const json = JSON.parse(readFileSync(join(folder.dir, 'calibration.json'), 'utf8')) as { judges: { judge: string; kappa: number; disagreements: unknown[] }[] };
      assert.deepStrictEqual(json.judges.map((j) => [j.judge, j.kappa, j.disagreements.length]), [['llm-rubric', 0, 7]]);

      const marked = await cli(['test', 'graded.prompt', '--history', history, '--judge-threshold', '0.6', '--filter', 'case', '--html', 'report.html']);
      assert.strictEqual(marked.code, 1, 'marking alone changes no exit code');
      assert.match(marked.out, /judge llm-rubric: UNCALIBRATED \(kappa 0\.00 on 13 rated outputs, threshold 0\.6\)\n/);
      // The reviewer's report marks the judge's verdicts with its standing.
      const page = readFileSync(join(folder.dir, 'report.html'), 'utf8');
      const data = JSON.parse(/id="assay-data">([^<]*)</.exec(page)![1]!) as { suites: { cells: { assertions: { type: string; judgeStanding: string | null }[] }[] }[] };
      assert.deepStrictEqual([...new Set(data.suites[0]!.cells.flatMap((c) => c.assertions.map((a) => `${a.type}: ${a.judgeStanding}`)))], ['llm-rubric: uncalibrated: kappa 0.00 on 13 rated outputs']);

      const gated = await cli(['test', 'graded.prompt', '--history', history, '--uncalibrated-cannot-fail', '--filter', 'case']);
      assert.strictEqual(gated.code, 0, gated.out);
      assert.match(gated.out, /; 6 failures resting on it alone do not fail this run \(--uncalibrated-cannot-fail\)\n/);
      assert.match(gated.out, /6 failures rest on uncalibrated judges alone: not counted/);

      const mixed = await cli(['test', 'graded.prompt', '--history', history, '--uncalibrated-cannot-fail']);
      assert.strictEqual(mixed.code, 1, 'a case that also fails a deterministic assertion still fails the run');

      await rate('as-judge');
      const agreed = await cli(['test', 'graded.prompt', '--history', history, '--uncalibrated-cannot-fail', '--filter', 'case']);
      assert.strictEqual(agreed.code, 1, 'a calibrated judge fails the run');
      assert.match(agreed.out, /judge llm-rubric: calibrated \(kappa 1\.00 on 13 rated outputs, threshold 0\.6\)\n/);

      const refused = await cli(['test', 'graded.prompt', '--no-history', '--uncalibrated-cannot-fail']);
      assert.strictEqual(refused.code, 2);
      assert.match(refused.err, /cannot be used with --no-history/);
    });
  });
});
