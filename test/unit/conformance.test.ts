// The assertion conformance suite (test/fixtures/conformance/) through Assay, against the same mock models
// promptfoo ran it on, compared with promptfoo's saved results (promptfoo-results.json, made by
// scripts/compat/conformance.ts --update-fixture): every (case, provider, assertion) verdict and score, the
// case verdicts and the named metric totals must agree, except the differences the script lists and
// docs/assertions.md explains. promptfoo itself is not needed here.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runCli } from '../../src/cli/main';
import { CONFORMANCE_CONFIG, CONFORMANCE_DIFFERENCES, CONFORMANCE_DIR, CONFORMANCE_FIXTURE } from '../../scripts/compat/conformance';
import { conformanceReply, CONFORMANCE_GRADER, CONFORMANCE_MODELS } from '../../scripts/compat/conformanceReplies';
import { compareAssertions, explain, renderAgreement, type ConformanceRow } from '../../scripts/compat/promptfooCompare';
import { startMockLlm, type MockLlm } from '../support/mockLlmServer';
import { tempFolder } from '../support/storeFixtures';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

describe('assertion conformance with promptfoo (the suite through Assay, against promptfoo’s saved results)', function () {
  this.timeout(60_000);
  let mock: MockLlm;
  let rows: ConformanceRow[];
  let asPromptfoo: ConformanceRow[];
  let stderr: Capture;
  const folder = tempFolder('assay-conformance-');
  const fixture = JSON.parse(readFileSync(CONFORMANCE_FIXTURE, 'utf8')) as { promptfoo: string; results: { results: { testCase: { description: string } }[] } };

  before(async () => {
    mock = await startMockLlm({ reply: conformanceReply });
    const out = join(folder.dir, 'assay.json');
    const pfOut = join(folder.dir, 'assay-promptfoo-format.json');
    stderr = new Capture();
    const env = { OPENAI_API_KEY: 'sk-conformance-mock', OPENAI_BASE_URL: mock.openaiBaseUrl, PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
    const code = await runCli(['test', CONFORMANCE_CONFIG, '--json', out, '-o', pfOut, '--no-history', '--no-cache'], {
      cwd: CONFORMANCE_DIR,
      env,
      stdout: new Capture(),
      stderr,
      signal: new AbortController().signal,
    });
    assert.ok(code === 0 || code === 1, `assay test exited ${code}: ${stderr.text}`);
    rows = compareAssertions(fixture, JSON.parse(readFileSync(out, 'utf8')));
    asPromptfoo = compareAssertions(fixture, JSON.parse(readFileSync(pfOut, 'utf8')));
  });

  after(async () => {
    await mock?.close();
    folder.cleanup();
  });

  it('is the suite the issue asks for: ≥ 50 cases × 3 providers, ≥ 29 assertion types, promptfoo 0.121.20’s results', () => {
    const tests = new Set(fixture.results.results.map((r) => r.testCase.description));
    assert.equal(fixture.promptfoo, '0.121.20');
    assert.ok(tests.size >= 50, `${tests.size} cases`);
    assert.equal(fixture.results.results.length, tests.size * CONFORMANCE_MODELS.length, 'every case on every provider, descriptions unique');
    const types = new Set(rows.filter((r) => r.kind === 'assertion').map((r) => r.what.replace(/^not-/, '')));
    assert.ok(types.size >= 29, `${types.size} types: ${[...types].join(', ')}`);
    assert.ok(mock.requests.some((r) => r.model === CONFORMANCE_GRADER), 'the grader was called');
  });

  it('agrees on ≥ 98% of assertion verdicts and scores, and every difference is an explained one', () => {
    const assertions = rows.filter((r) => r.kind === 'assertion');
    const agree = assertions.filter((r) => r.agree).length;
    const unexplained = rows.filter((r) => !r.agree && !explain(r, CONFORMANCE_DIFFERENCES));
    assert.deepEqual(unexplained, [], renderAgreement(rows, CONFORMANCE_DIFFERENCES));
    assert.ok(agree / assertions.length >= 0.98, renderAgreement(rows, CONFORMANCE_DIFFERENCES));
  });

  it('every explained difference still occurs (the list and docs/assertions.md stay current)', () => {
    for (const k of CONFORMANCE_DIFFERENCES) {
      assert.ok(
        rows.some((r) => !r.agree && r.test === k.test && r.what === k.what),
        `${k.test} / ${k.what} no longer differs: remove it from CONFORMANCE_DIFFERENCES and docs/assertions.md`,
      );
    }
  });

  it("the same run written in promptfoo's format (assay test -o) carries the same verdicts, scores and metrics, per case too", () => {
    const brief = (list: ConformanceRow[]) => list.map((r) => [r.kind, r.test, r.provider, r.what, r.agree]);
    const perCase = (r: ConformanceRow) => r.kind === 'metric' && r.test !== '(named metrics)';
    assert.deepEqual(brief(asPromptfoo.filter((r) => !perCase(r))), brief(rows));
    const caseMetrics = asPromptfoo.filter(perCase);
    assert.ok(caseMetrics.length >= 20, `${caseMetrics.length} per-case metric scores`);
    assert.deepEqual(caseMetrics.filter((r) => !r.agree), [], renderAgreement(asPromptfoo));
  });

  it("honours the suite's passthrough: { logprobs: true }: every call of the models under test asks for logprobs", () => {
    const calls = mock.requests.filter((r) => r.api === 'openai.chat' && (CONFORMANCE_MODELS as readonly string[]).includes(r.model));
    assert.equal(calls.length, fixture.results.results.length);
    assert.ok(calls.every((r) => r.body?.logprobs === true));
  });
});
