// The JUnit and JSON reports of a real run (on the echo provider, which answers with the rendered prompt,
// so the outputs carry whatever the variables hold: markup, quotes, control characters).
import * as assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as sax from 'sax';
import { ProviderRegistry } from '../../src/core/providers/providerRegistry';
import { Engine } from '../../src/core/run/engine';
import { jsonPieces, LazyArray, writeJsonFile } from '../../src/core/run/jsonFile';
import { JUNIT_MAX_OUTPUT_CHARS, junitXml, xmlAttr, xmlText } from '../../src/core/run/junit';
import { jsonReport } from '../../src/core/run/runReport';
import { runTests } from '../../src/core/run/testRun';
import { promptFileSuite } from '../../src/core/run/testSuite';
import { tempFolder } from '../support/storeFixtures';
import { TEST_FILES } from '../support/testFiles';

interface Element {
  name: string;
  attributes: Record<string, string>;
  text: string;
  children: Element[];
}

/** Parses XML strictly (a malformed document throws) into a small element tree. */
function parseXml(xml: string): Element {
  const parser = sax.parser(true);
  const root: Element = { name: '#root', attributes: {}, text: '', children: [] };
  const stack = [root];
  parser.onopentag = (tag) => {
    const el: Element = { name: tag.name, attributes: tag.attributes as Record<string, string>, text: '', children: [] };
    stack.at(-1)!.children.push(el);
    stack.push(el);
  };
  parser.onclosetag = () => void stack.pop();
  parser.ontext = (t) => void (stack.at(-1)!.text += t);
  parser.onerror = (e) => {
    throw e;
  };
  parser.write(xml).close();
  return root.children[0]!;
}

const PROMPT = `---
model: echo:echo
inputs:
  text: { type: string }
tests:
  - description: markup <b> & "quotes"
    vars: { text: "a <tag> & 'it' \\"q\\" ]]> \\u0001 bell \\u0007 done" }
    assert: [{ type: contains, value: missing }]
  - description: passes
    vars: { text: hello }
    assert: [{ type: contains, value: hello }]
  - description: render error
    assert: [{ type: contains, value: x }]
---
user:
{{ text }}
`;

describe('test run reports', () => {
  let folder: ReturnType<typeof tempFolder>;
  beforeEach(() => {
    folder = tempFolder('assay-reports-');
  });
  afterEach(() => folder.cleanup());

  async function echoRun() {
    const path = join(folder.dir, 'odd.prompt');
    writeFileSync(path, PROMPT);
    const suite = promptFileSuite(path, { root: folder.dir, defaultModels: [], files: TEST_FILES });
    assert.deepStrictEqual(suite.diagnostics, []);
    const report = await runTests({ suite, engine: new Engine({ registry: new ProviderRegistry() }), grading: { graderModel: { provider: 'echo', model: 'g' } }, trusted: true, repeat: 2 });
    return report;
  }

  it('JUnit XML is well-formed and says what failed, whatever the output holds', async () => {
    const report = await echoRun();
    const xml = junitXml([report], { startedAt: report.startedAt, durationMs: report.durationMs });
    const root = parseXml(xml);
    assert.strictEqual(root.name, 'testsuites');
    assert.deepStrictEqual([root.attributes.tests, root.attributes.failures, root.attributes.errors], ['6', '2', '2']);
    const [suite] = root.children;
    assert.strictEqual(suite!.attributes.name, 'odd.prompt [echo:echo]');
    const cases = suite!.children.filter((c) => c.name === 'testcase');
    assert.deepStrictEqual(
      cases.map((c) => [c.attributes.name, c.children.filter((x) => x.name !== 'system-out').map((x) => x.name).join()]),
      [
        ['markup <b> & "quotes" (repeat 1/2)', 'failure'],
        ['markup <b> & "quotes" (repeat 2/2)', 'failure'],
        ['passes (repeat 1/2)', ''],
        ['passes (repeat 2/2)', ''],
        ['render error (repeat 1/2)', 'error'],
        ['render error (repeat 2/2)', 'error'],
      ],
    );
    const failure = cases[0]!.children.find((x) => x.name === 'failure')!;
    assert.match(failure.attributes.message!, /^contains: /);
    assert.match(failure.text, /✗ contains: .*\n\nscore: 0\.00\noutput: user:\na <tag> & 'it' "q" \]\]> \uFFFD bell \uFFFD done/, 'control characters XML cannot hold are replaced');
    const error = cases[4]!.children.find((x) => x.name === 'error')!;
    assert.strictEqual(error.attributes.type, 'render');
    assert.match(error.attributes.message!, /Missing variable 'text'/);
    const props = Object.fromEntries(suite!.children.find((c) => c.name === 'properties')!.children.map((p) => [p.attributes.name, p.attributes.value]));
    assert.deepStrictEqual([props.runId, props.passRate], [report.runId, '0.5000']);
  });

  const escapes: [string, string, string][] = [
    ['a & b < c > d', 'a &amp; b &lt; c &gt; d', 'a &amp; b &lt; c &gt; d'],
    ['say "hi"\nnext\tline', 'say "hi"\nnext\tline', 'say &quot;hi&quot;&#10;next&#9;line'],
    ['nul \u0000 and \uFFFF', 'nul \uFFFD and \uFFFD', 'nul \uFFFD and \uFFFD'],
    ['emoji 😀 stays, a lone \uD800 does not', 'emoji 😀 stays, a lone \uFFFD does not', 'emoji 😀 stays, a lone \uFFFD does not'],
  ];
  for (const [input, text, attr] of escapes) {
    it(`escapes ${JSON.stringify(input)}`, () => {
      assert.strictEqual(xmlText(input), text);
      assert.strictEqual(xmlAttr(input), attr);
    });
  }

  it('the JSON report has one result per execution, in order, with the totals', async () => {
    const report = await echoRun();
    // As written: the results are made one by one as the file is written.
    const json = JSON.parse(JSON.stringify(jsonReport([report], { tool: 'assay test', startedAt: report.startedAt, durationMs: 12.34 }))) as {
      totals: Record<string, number>;
      durationMs: number;
      suites: { results: { description: string; repeatIndex: number; status: string; error: unknown; score: number | null }[] }[];
    };
    assert.deepStrictEqual([json.totals.executions, json.totals.passed, json.totals.failed, json.totals.errors, json.totals.passRate], [6, 2, 2, 2, 0.3333]);
    assert.strictEqual(json.durationMs, 12);
    assert.deepStrictEqual(
      json.suites[0]!.results.map((r) => [r.repeatIndex, r.status, r.score]),
      [
        [0, 'fail', 0],
        [1, 'fail', 0],
        [0, 'pass', 1],
        [1, 'pass', 1],
        [0, 'error', null],
        [1, 'error', null],
      ],
    );
    assert.deepStrictEqual((json.suites[0]!.results[4]!.error as { kind: string }).kind, 'render');
    assert.doesNotThrow(() => JSON.parse(JSON.stringify(json)), 'plain data');
  });

  it('a 100 MB output: JUnit keeps its start with a marker', async function () {
    this.timeout(60_000);
    const report = await echoRun();
    const huge = `${'x'.repeat(100 * 1024 * 1024)}THE END`;
    const e = report.executions.find((x) => x.status === 'fail')!;
    e.output = huge;
    e.reason = huge;
    const xml = junitXml([report], { startedAt: report.startedAt, durationMs: report.durationMs });
    assert.ok(xml.length < 2 * 1024 * 1024, `${xml.length} characters of XML`);
    const root = parseXml(xml);
    const testcase = root.children[0]!.children.find((c) => c.name === 'testcase' && c.children.some((x) => x.name === 'system-out' && x.text.length > JUNIT_MAX_OUTPUT_CHARS))!;
    const out = testcase.children.find((x) => x.name === 'system-out')!.text;
    const marker = '\n… [cut by Assay: 104,757,607 more characters; the JSON report and the history hold all of it]';
    assert.equal(out.length, JUNIT_MAX_OUTPUT_CHARS + marker.length, out.slice(-200));
    assert.ok(out.endsWith(marker), out.slice(-200));
    assert.ok(/^x+$/.test(out.slice(0, JUNIT_MAX_OUTPUT_CHARS)));
    assert.ok(!xml.includes('THE END'));

  });

  it('the JSON report is written in pieces and keeps long outputs whole', async () => {
    const report = await echoRun();
    const long = `${'y'.repeat(8 * 1024 * 1024)}THE END`;
    report.executions[0]!.output = long;
    const path = join(folder.dir, 'big.json');
    writeJsonFile(path, jsonReport([report], { tool: 't', startedAt: report.startedAt, durationMs: 1 }));
    assert.ok(statSync(path).size > long.length);
    const back = JSON.parse(readFileSync(path, 'utf8')) as { suites: { results: { output: string }[] }[] };
    assert.equal(back.suites[0]!.results[0]!.output, long);
  });

  it('the JSON writer writes exactly what JSON.stringify(value, null, 2) does', () => {
    const values: unknown[] = [
      null,
      'text with "quotes", \\ and \u0001 and 🎉',
      0,
      -1.5e-7,
      Number.NaN,
      true,
      [],
      {},
      [[], {}, [[]], { a: [] }],
      { a: 1, b: undefined, c: () => 1, d: [undefined, () => 2, Symbol('s')], e: { f: { g: 'h' } }, '"odd key"': null },
      { when: new Date(Date.UTC(2026, 0, 2)), nested: { toJSON: () => ({ replaced: true }) } },
    ];
    for (const v of values) assert.equal([...jsonPieces(v)].join(''), JSON.stringify(v, null, 2), String(JSON.stringify(v)));
  });

  it('the JSON writer writes large trees (small parts whole, large parts walked) exactly as JSON.stringify does', () => {
    const execution = (i: number) => ({
      id: `e${i}`,
      output: `line one\nline "two" of ${i}`,
      assertions: [{ type: 'contains', pass: i % 2 === 0, score: i / 7, when: new Date(Date.UTC(2026, 0, 1 + (i % 28))) }],
      vars: { n: i, nested: { deep: [[i], {}, []] }, skipped: undefined },
      long: i === 3 ? 'z'.repeat(300 * 1024) : 'short',
    });
    const value = { tool: 'assay', suites: [{ name: 's', results: Array.from({ length: 700 }, (_, i) => execution(i)) }], empty: [] };
    for (const indent of [2, 4]) {
      const pieces = [...jsonPieces(value, indent)];
      assert.ok(pieces.length > 700, 'a large tree is written in many pieces');
      assert.equal(pieces.join(''), JSON.stringify(value, null, indent));
    }
    // A lazy array's elements are made one at a time as they are written; the text is the same.
    let made = 0;
    const lazy = { tool: 'assay', suites: [{ name: 's', results: LazyArray.mapped(Array.from({ length: 700 }, (_, i) => i), (i) => (made++, execution(i))) }], empty: new LazyArray(0, () => 1) };
    assert.equal([...jsonPieces(lazy)].join(''), JSON.stringify(value, null, 2));
    assert.equal(made, 700, 'each element is made once');
    assert.equal(JSON.stringify(lazy, null, 2), JSON.stringify(value, null, 2), 'JSON.stringify sees the array through toJSON');
  });

  it('the JSON writer refuses a cycle as JSON.stringify does, small or large', () => {
    const small: Record<string, unknown> = { a: 1 };
    small.self = small;
    const large: Record<string, unknown> = { items: Array.from({ length: 1000 }, (_, i) => ({ i })) };
    (large.items as unknown[]).push({ back: large });
    for (const v of [small, { wrap: [small] }, large]) assert.throws(() => [...jsonPieces(v)], TypeError);
  });
});
