// The promptfoo compatibility harness (scripts/compat/): its classifier on hand-made runs of both tools,
// the mock model's deterministic grader answers, the corpus reader and the report; and, when promptfoo is
// installed in ~/.cache/assay-promptfoo and the CLI is built, the whole harness on a fixture corpus.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CLOSED_QA_PROMPT, FACTUALITY_PROMPT, LLM_RUBRIC_PROMPT } from '../../src/core/assertions/graderPrompts';
import { compatReplyText, graderKind } from '../../scripts/compat/compatReplies';
import { readCorpus, renderReport, spliceReport } from '../../scripts/compat/promptfoo';
import { blockerKey, classify, errorLines, promptfooVerdicts, type LoggedRequest, type ToolRun } from '../../scripts/compat/promptfooCompare';
import { tempFolder } from '../support/storeFixtures';

const ROOT = join(__dirname, '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'compat-promptfoo');

interface Row {
  prompt?: string;
  provider?: string;
  test: number;
  pass: boolean;
  score?: number;
  error?: boolean;
  types?: [string, boolean][];
  output?: string;
}

/** A promptfoo `-o x.json` document: one column per prompt × provider, as promptfoo numbers them. */
function pfJson(rows: Row[]): unknown {
  const columns: { raw: string; label: string; provider: string }[] = [];
  const results = rows.map((r) => {
    const prompt = r.prompt ?? 'P1';
    const provider = r.provider ?? 'openai:gpt-4o-mini';
    let promptIdx = columns.findIndex((c) => c.raw === prompt && c.provider === provider);
    if (promptIdx < 0) promptIdx = columns.push({ raw: prompt, label: prompt, provider }) - 1;
    return {
      promptIdx,
      testIdx: r.test,
      prompt: { raw: prompt, label: prompt },
      provider: { id: provider, label: '' },
      success: r.pass,
      score: r.score ?? (r.pass ? 1 : 0),
      failureReason: r.error ? 2 : r.pass ? 0 : 1,
      ...(r.error ? { error: 'boom' } : {}),
      gradingResult: r.error ? null : { componentResults: (r.types ?? []).map(([type, pass]) => ({ assertion: { type }, pass })) },
      testCase: { description: `case ${r.test}` },
      response: { output: r.output ?? '' },
    };
  });
  return { results: { prompts: columns, results } };
}

/** An Assay `--json` document: one suite per prompt, results case by case. */
function assayJson(rows: Row[]): unknown {
  const prompts = [...new Set(rows.map((r) => r.prompt ?? 'P1'))];
  return {
    format: 'assay-test-results',
    suites: prompts.map((p) => ({
      name: p,
      results: rows
        .filter((r) => (r.prompt ?? 'P1') === p)
        .map((r) => ({
          description: `case ${r.test}`,
          model: r.provider ?? 'openai:gpt-4o-mini',
          repeatIndex: 0,
          status: r.error ? 'error' : r.pass ? 'pass' : 'fail',
          score: r.error ? null : (r.score ?? (r.pass ? 1 : 0)),
          assertions: (r.types ?? []).map(([type, pass]) => ({ type, pass })),
          output: r.output ?? '',
        })),
    })),
  };
}

const call = (model: string, vendor = 'openai'): LoggedRequest => ({ vendor, api: vendor === 'anthropic' ? 'anthropic.messages' : 'openai.chat', path: '/v1/chat/completions', model });

function tool(part: Partial<ToolRun>): ToolRun {
  return { exitCode: 0, timedOut: false, stdout: '', stderr: '', json: null, requests: [], ...part };
}

const TWO_PASS: Row[] = [
  { test: 0, pass: true, types: [['contains', true]] },
  { test: 1, pass: false, types: [['contains', false]] },
];
const CONFIG = 'providers: [openai:gpt-4o-mini]';

describe('promptfoo compatibility: classify', () => {
  const cases: { name: string; pf: ToolRun; assay: ToolRun; config?: string; category: string; reason?: RegExp; blockers?: number }[] = [
    {
      name: 'promptfoo wrote no results: left out, with its error',
      pf: tool({ exitCode: 1, stderr: '(node:1) ExperimentalWarning: x\nError: Invalid configuration file x.yaml' }),
      assay: tool({ exitCode: 0, json: assayJson(TWO_PASS) }),
      category: 'promptfoo-fails',
      reason: /Invalid configuration file/,
    },
    {
      name: 'every promptfoo result an error: left out',
      pf: tool({ exitCode: 100, json: pfJson([{ test: 0, pass: false, error: true }]) }),
      assay: tool({ exitCode: 1, json: assayJson([{ test: 0, pass: false, error: true }]) }),
      category: 'promptfoo-fails',
      reason: /every promptfoo result is an error: boom/,
    },
    {
      name: 'exit 2: refused, one blocker per error line and per key it ignores, other warnings left out',
      pf: tool({ exitCode: 100, json: pfJson(TWO_PASS), requests: [call('gpt-4o-mini')] }),
      assay: tool({
        exitCode: 2,
        stderr: 'a.yaml:5:1 warning "x" is ignored [unsupported]\na.yaml:6:1 warning a style note\na.yaml:9:9 error unknown assertion type "python" [unknown-assertion]\na.yaml:12:3 error an assertion needs a type [invalid-assertion]\n2 errors',
      }),
      category: 'refused',
      reason: /unknown assertion type "python".*an assertion needs a type.*"x" is ignored/,
      blockers: 3,
    },
    {
      name: 'a signal or exit > 2: crash',
      pf: tool({ exitCode: 0, json: pfJson(TWO_PASS), requests: [call('gpt-4o-mini')] }),
      assay: tool({ exitCode: 134, stderr: 'TypeError: cannot read x' }),
      category: 'crash',
      reason: /exit 134: TypeError/,
    },
    {
      name: 'a model neither named nor called by promptfoo: substitution, even when verdicts agree',
      pf: tool({ exitCode: 0, json: pfJson(TWO_PASS), requests: [call('gpt-4o-mini'), call('gpt-5.5-2026-04-23')] }),
      assay: tool({ exitCode: 1, json: assayJson(TWO_PASS), requests: [call('gpt-4o-mini'), call('gpt-4.1-mini')] }),
      category: 'substitution',
      reason: /Assay called gpt-4\.1-mini .* where promptfoo called its own default gpt-5\.5-2026-04-23/,
    },
    {
      name: 'the tests run on a model the config does not name: substitution of the model itself',
      pf: tool({ exitCode: 0, json: pfJson(TWO_PASS.map((r) => ({ ...r, provider: 'openai:gpt-4' }))), requests: [call('gpt-4')] }),
      assay: tool({ exitCode: 1, json: assayJson(TWO_PASS), requests: [call('gpt-4o-mini')] }),
      config: 'providers: [file://providers.yaml]\n- id: openai:gpt-4',
      category: 'substitution',
      reason: /Assay ran the tests on gpt-4o-mini \(openai\.chat\), which the config does not name; promptfoo called gpt-4/,
    },
    {
      name: 'a model sent to another vendor than promptfoo sent it to: substitution',
      pf: tool({ exitCode: 0, json: pfJson(TWO_PASS), requests: [call('claude-x', 'anthropic')] }),
      assay: tool({ exitCode: 1, json: assayJson(TWO_PASS), requests: [call('claude-x', 'openai')] }),
      config: 'providers: [anthropic:messages:claude-x]',
      category: 'substitution',
      reason: /claude-x sent to the openai endpoint \(promptfoo: anthropic\)/,
    },
    {
      name: 'the same model through another API than promptfoo used (Responses vs chat): substitution',
      pf: tool({ exitCode: 0, json: pfJson(TWO_PASS), requests: [{ vendor: 'openai', api: 'openai.responses', path: '/v1/responses', model: 'gpt-4.1' }] }),
      assay: tool({ exitCode: 1, json: assayJson(TWO_PASS), requests: [call('gpt-4.1')] }),
      config: 'providers: [openai:responses:gpt-4.1]',
      category: 'substitution',
      reason: /gpt-4\.1 called through openai\.chat where promptfoo used openai\.responses \(verdicts otherwise agree\)/,
    },
    {
      name: 'verdicts without any call while promptfoo called the model: substitution',
      pf: tool({ exitCode: 0, json: pfJson(TWO_PASS), requests: [call('gpt-4o-mini')] }),
      assay: tool({ exitCode: 1, json: assayJson(TWO_PASS), requests: [] }),
      category: 'substitution',
      reason: /without calling any model/,
    },
    {
      name: 'a model the config names is no substitution; same verdicts agree',
      pf: tool({ exitCode: 100, json: pfJson(TWO_PASS), requests: [call('gpt-4o-mini')] }),
      assay: tool({ exitCode: 1, json: assayJson(TWO_PASS), requests: [call('gpt-4o-mini'), call('gpt-4o-mini')] }),
      category: 'agree',
      reason: /2 executions agree/,
    },
    {
      name: 'a score apart in the 4th decimal: differ',
      pf: tool({ exitCode: 0, json: pfJson([{ test: 0, pass: true, score: 0.6346 }]), requests: [call('gpt-4o-mini')] }),
      assay: tool({ exitCode: 0, json: assayJson([{ test: 0, pass: true, score: 0.6347 }]), requests: [call('gpt-4o-mini')] }),
      category: 'differ',
      reason: /score promptfoo 0\.6346, Assay 0\.6347/,
    },
    {
      name: 'a score apart in the 5th decimal: agree',
      pf: tool({ exitCode: 0, json: pfJson([{ test: 0, pass: true, score: 0.63461 }]), requests: [call('gpt-4o-mini')] }),
      assay: tool({ exitCode: 0, json: assayJson([{ test: 0, pass: true, score: 0.63462 }]), requests: [call('gpt-4o-mini')] }),
      category: 'agree',
    },
    {
      name: 'one assertion decided otherwise: differ, naming its type',
      pf: tool({ exitCode: 100, json: pfJson(TWO_PASS), requests: [call('gpt-4o-mini')] }),
      assay: tool({ exitCode: 0, json: assayJson([TWO_PASS[0]!, { test: 1, pass: true, types: [['contains', true]] }]), requests: [call('gpt-4o-mini')] }),
      category: 'differ',
      reason: /case 1: contains promptfoo fail, Assay pass/,
    },
    {
      name: 'the same executions in another order (a glob read in file-system order): paired by output, agree',
      pf: tool({ exitCode: 100, json: pfJson([{ ...TWO_PASS[0]!, output: 'a' }, { ...TWO_PASS[1]!, output: 'b' }]), requests: [call('gpt-4o-mini')] }),
      assay: tool({ exitCode: 1, json: assayJson([{ ...TWO_PASS[1]!, output: 'b' }, { ...TWO_PASS[0]!, output: 'a' }]), requests: [call('gpt-4o-mini')] }),
      category: 'agree',
    },
    {
      name: 'two tests alike but for their verdicts are never swapped to agree',
      pf: tool({ exitCode: 100, json: pfJson([{ test: 0, pass: true, output: 'same' }, { test: 0, pass: false, output: 'same' }]), requests: [call('gpt-4o-mini')] }),
      assay: tool({ exitCode: 1, json: assayJson([{ test: 0, pass: false, output: 'same' }, { test: 0, pass: true, output: 'same' }]), requests: [call('gpt-4o-mini')] }),
      category: 'differ',
    },
    {
      name: 'fewer tests run: differ',
      pf: tool({ exitCode: 100, json: pfJson(TWO_PASS), requests: [call('gpt-4o-mini')] }),
      assay: tool({ exitCode: 0, json: assayJson([TWO_PASS[0]!]), requests: [call('gpt-4o-mini')] }),
      category: 'differ',
      reason: /promptfoo ran 2 tests, Assay 1/,
    },
    {
      name: 'prompts × providers: columns are matched by prompt and provider',
      pf: tool({
        exitCode: 0,
        json: pfJson([
          { prompt: 'A', provider: 'openai:gpt-4o', test: 0, pass: true },
          { prompt: 'A', provider: 'openai:gpt-4o-mini', test: 0, pass: false },
          { prompt: 'B', provider: 'openai:gpt-4o', test: 0, pass: false },
          { prompt: 'B', provider: 'openai:gpt-4o-mini', test: 0, pass: true },
        ]),
        requests: [call('gpt-4o')],
      }),
      assay: tool({
        exitCode: 1,
        json: assayJson([
          { prompt: 'A', provider: 'openai:gpt-4o-mini', test: 0, pass: false },
          { prompt: 'A', provider: 'openai:gpt-4o', test: 0, pass: true },
          { prompt: 'B', provider: 'openai:gpt-4o-mini', test: 0, pass: true },
          { prompt: 'B', provider: 'openai:gpt-4o', test: 0, pass: false },
        ]),
        requests: [call('gpt-4o')],
      }),
      config: 'providers: [openai:gpt-4o, openai:gpt-4o-mini]',
      category: 'agree',
      reason: /4 executions agree/,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const o = classify(c.pf, c.assay, c.config ?? CONFIG);
      assert.equal(o.category, c.category, o.reason);
      if (c.reason) assert.match(o.reason, c.reason);
      if (c.blockers !== undefined) assert.equal(o.blockers.length, c.blockers);
      if (o.category === 'agree') assert.equal(o.blockers.length, 0);
      else assert.ok(o.blockers.length > 0);
    });
  }

  it('groups promptfoo columns into distinct prompts', () => {
    const groups = promptfooVerdicts(pfJson([{ prompt: 'A', provider: 'x:1', test: 0, pass: true }, { prompt: 'A', provider: 'x:2', test: 0, pass: true }, { prompt: 'B', provider: 'x:1', test: 0, pass: true }]));
    assert.deepEqual([...groups.keys()], ['0|x:1', '0|x:2', '1|x:1']);
  });

  it('a blocker key drops what is particular to one config', () => {
    assert.equal(
      blockerKey('cfg/a.yaml:3:9 error prompt functions (a.js) are not supported [unsupported]'),
      blockerKey('other/promptfooconfig.yaml:40:1 error prompt functions (b.py) are not supported [unsupported]'),
    );
    // What is unsupported is the blocker itself, so it stays in the key.
    assert.equal(blockerKey('a.yaml:3:9 error unknown assertion type "python"'), blockerKey('b.yaml:1:2 error unknown assertion type "python"'));
    assert.notEqual(blockerKey('a.yaml:3:9 error unknown assertion type "python"'), blockerKey('a.yaml:3:9 error unknown assertion type "g-eval"'));
    assert.notEqual(blockerKey('a.yaml:1:1 error unknown assertion type "x"'), blockerKey('a.yaml:1:1 error an assertion needs a type'));
    assert.deepEqual(errorLines('no position here: Error: it broke\nmore'), ['no position here: Error: it broke']);
  });
});

describe('promptfoo compatibility: the mock model', () => {
  const render = (template: string, vars: Record<string, string>): string => template.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, k: string) => vars[k] ?? '');

  it('gives the same rubric verdict to promptfoo-shaped and Assay-shaped grader prompts for the same output', () => {
    for (const output of ['The sea is water', 'Sand everywhere', 'x', '']) {
      const assay = { messages: LLM_RUBRIC_PROMPT.map((m) => ({ role: m.role, content: render(m.content, { output, rubric: 'r' }) })) };
      const promptfoo = {
        messages: [
          { role: 'system', content: 'You are grading output according to a user-specified rubric. {reason: string, pass: boolean, score: number}' },
          { role: 'user', content: `<Output>\n${output}\n</Output>\n<Rubric>\nr\n</Rubric>` },
        ],
      };
      const a = JSON.parse(compatReplyText(assay)) as { pass: boolean; score: number };
      assert.deepEqual(JSON.parse(compatReplyText(promptfoo)), a);
      assert.equal(a.score, a.pass ? 1 : 0);
    }
  });

  it('the rubric verdict depends on the output, so not every grade passes', () => {
    const verdicts = new Set(
      Array.from({ length: 40 }, (_, i) => (JSON.parse(compatReplyText({ messages: [{ role: 'user', content: `<Output>\nout ${i}\n</Output>\n<Rubric>\nr\n</Rubric>` }] })) as { pass: boolean }).pass),
    );
    assert.deepEqual([...verdicts].sort(), [false, true]);
  });

  it("answers Assay's closed-QA and factuality graders in the form they parse", () => {
    const qa = compatReplyText({ messages: [{ role: 'system', content: render(CLOSED_QA_PROMPT[0]!.content, { input: 'q', completion: 'c', criteria: 'k' }) }] });
    assert.equal(qa.split('\n').pop(), 'Y');
    const fact = FACTUALITY_PROMPT.map((m) => render(m.content, { input: 'q', ideal: 'i', completion: 'c' })).join('\n');
    assert.equal(graderKind(fact), 'factuality');
    assert.match(compatReplyText({ messages: [{ role: 'user', content: fact }] }), /"category": "C"/);
  });

  it('answers an ordinary call with its last user message, whatever the wire', () => {
    assert.equal(compatReplyText({ system: 's', messages: [{ role: 'user', content: 'one' }, { role: 'assistant', content: 'a' }, { role: 'user', content: [{ type: 'text', text: 'two' }] }] }), 'two');
    assert.equal(compatReplyText({ input: 'responses api' }), 'responses api');
    assert.equal(compatReplyText({ model: 'llama3', prompt: 'ollama generate' }), 'ollama generate');
  });
});

describe('promptfoo compatibility: corpus and report', () => {
  it('reads a corpus folder without a list: each folder with a promptfooconfig.yaml', () => {
    assert.deepEqual(
      readCorpus(FIXTURES).map((e) => e.name),
      ['deterministic-assertions', 'echo-contains', 'rubric-grader', 'unsupported-assertion'],
    );
  });

  it('ranks blockers by configs affected and keeps the text around the generated part', () => {
    const outcomes = [
      { name: 'a', category: 'refused' as const, reason: 'r', blockers: [{ key: 'k1', message: 'm1' }, { key: 'k2', message: 'm2' }], executions: { promptfoo: 1, assay: 0, agreeing: 0 } },
      { name: 'b', category: 'refused' as const, reason: 'r', blockers: [{ key: 'k2', message: 'm2' }], executions: { promptfoo: 1, assay: 0, agreeing: 0 } },
      { name: 'c', category: 'agree' as const, reason: 'ok', blockers: [], executions: { promptfoo: 2, assay: 2, agreeing: 2 } },
      { name: 'd', category: 'promptfoo-fails' as const, reason: 'no key', blockers: [{ key: 'no key', message: 'no key' }], executions: { promptfoo: 0, assay: 0, agreeing: 0 } },
    ];
    const md = renderReport(outcomes, 'CMD', { promptfooVersion: '1', assayCommit: 'abc', date: '2026-01-01' });
    assert.match(md, /\*\*runs unedited with promptfoo's verdicts\*\* \| \*\*1 \/ 3 = 33\.3%\*\*/);
    const ranked = md.split('\n').filter((l) => /^\| \d+ \| k\d/.test(l));
    assert.deepEqual(ranked.map((l) => l.split(' | ')[1]), ['k2', 'k1']);
    const doc = spliceReport('# Title\n\nintro\n', md);
    const again = spliceReport(`${doc}\n## After\n`, 'NEW\n');
    assert.match(again, /^# Title\n\nintro\n/);
    assert.match(again, /NEW\n<!-- promptfoo-compat:end -->/);
    assert.doesNotMatch(again, /CMD/);
    assert.match(again, /## After/);
  });
});

describe('promptfoo compatibility: the harness end to end (needs promptfoo in ~/.cache/assay-promptfoo and a build)', function () {
  this.timeout(300_000);
  const promptfoo = join(homedir(), '.cache', 'assay-promptfoo');
  const ready = existsSync(join(promptfoo, 'node_modules', 'promptfoo', 'package.json')) && existsSync(join(ROOT, 'dist', 'cli.js'));

  it('classifies the fixture corpus', function () {
    if (!ready) this.skip();
    const tmp = tempFolder('assay-compat-');
    this.test?.parent?.afterAll(() => tmp.cleanup());
    const out = tmp.dir;
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'compat', 'promptfoo.ts'), '--corpus', FIXTURES, '--promptfoo', promptfoo, '--out', out, '--jobs', '1'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { name: string; category: string }[];
    const byName = Object.fromEntries(summary.map((o) => [o.name, o.category]));
    assert.equal(byName['unsupported-assertion'], 'promptfoo-fails');
    assert.equal(byName['echo-contains'], 'agree');
    assert.equal(byName['deterministic-assertions'], 'agree', 'every deterministic type: same verdicts and scores to 4 decimals');
    assert.equal(byName['rubric-grader'], 'agree');
  });
});
