// Hostile assertions and hostile output: each attack ends in a verdict with a clear reason, the case
// finishes, and the assertions after it (and the sandbox, for the next case) still work. Limits are set
// low so the attacks end quickly; the verdicts, not the times, are asserted.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AssertionLimits, AssertionSpec } from '../../src/core/assertions/assertionTypes';
import { evaluateCase } from '../../src/core/assertions/evaluateCase';
import Ajv from 'ajv';
import { extractJsonValues, schemaErrors } from '../../src/core/assertions/jsonSchema';
import { regexEngine, testRegex, toRe2 } from '../../src/core/assertions/safeRegex';
import { callResult, testGrader } from './assertionsSupport';

// In Node 20, typed by lib es2024 only: resolves when another thread changes `array[index]` from `value`.
const waitAsync = (Atomics as unknown as { waitAsync(array: Int32Array, index: number, value: number): { value: string | Promise<string> } }).waitAsync;

const LIMITS: AssertionLimits = { javascriptTimeoutMs: 300, regexTimeoutMs: 300, memoryMb: 64 };

const dir = mkdtempSync(join(tmpdir(), 'assay-limits-'));
const loopAtImport = join(dir, 'loopAtImport.mjs');
writeFileSync(loopAtImport, 'for (;;) {}\nexport default () => true;\n');
const exits = join(dir, 'exits.mjs');
writeFileSync(exits, 'export default () => process.exit(3);\n');
after(() => rmSync(dir, { recursive: true, force: true }));

const CATASTROPHIC = '^user:\\s(\\w+\\s?)*$';
const SIXTY = `user: ${'a'.repeat(53)}!`;

interface Attack {
  why: string;
  spec: AssertionSpec;
  output: string;
  /** Expected verdict of the attacking assertion. */
  error?: RegExp;
  pass?: boolean;
  reason?: RegExp;
}

const attacks: Attack[] = [
  {
    why: 'a catastrophically backtracking regex runs in linear time (RE2) and gets a plain verdict',
    spec: { type: 'regex', value: CATASTROPHIC },
    output: SIXTY,
    pass: false,
    reason: /does not match/,
  },
  {
    why: 'a catastrophic regex RE2 cannot express (lookahead) hits the regex time limit',
    spec: { type: 'regex', value: `(?=u)${CATASTROPHIC}` },
    output: SIXTY,
    error: /^regex timed out after 300 ms: the pattern backtracks catastrophically on this output$/,
  },
  {
    why: 'is-json with a schema written as a YAML alias bomb is an error, not gigabytes',
    spec: {
      type: 'is-json',
      value: ['a: &a ["x","x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`), 'type: object'].join('\n'),
    },
    output: '{"x": 1}',
    error: /alias/i,
  },
  {
    why: 'contains-json on 50,000 unclosed braces stops at its work budget (promptfoo would parse for minutes)',
    spec: { type: 'contains-json' },
    output: '{'.repeat(50_000),
    error: /would parse more than 2,000,000 characters/,
  },
  {
    why: 'contains-json on 200 unclosed braces before an object searches like promptfoo and finds it',
    spec: { type: 'contains-json', value: { type: 'object', required: ['ok'] } },
    output: `${'{'.repeat(200)} {"ok": true}`,
    pass: true,
  },
  {
    why: 'a JSON Schema pattern that backtracks catastrophically runs in linear time too',
    spec: { type: 'is-json', value: { type: 'object', properties: { u: { type: 'string', pattern: CATASTROPHIC } } } },
    output: JSON.stringify({ u: SIXTY, x: 1 }),
    pass: false,
    reason: /does not match the schema: output\/u must match pattern/,
  },
  {
    why: 'a JSON Schema pattern RE2 cannot express (lookahead) is not run inline: it hits the regex time limit in the sandbox',
    spec: { type: 'is-json', value: { type: 'object', properties: { u: { type: 'string', pattern: `(?=u)${CATASTROPHIC}` } } } },
    output: JSON.stringify({ u: SIXTY, x: 1 }),
    error: /JSON Schema pattern \/\(\?=u\)\^user.*\/u timed out after 300 ms: the pattern backtracks catastrophically on this output\. .*rewrite it without them/,
  },
  {
    why: 'the same schema pattern as a patternProperties key, in contains-json, ends the same way',
    spec: { type: 'contains-json', value: { type: 'object', patternProperties: { '^(?=a)(a+)+$': { type: 'number' } } } },
    output: JSON.stringify({ [`${'a'.repeat(40)}!`]: 'x' }),
    error: /JSON Schema pattern \/\^\(\?=a\)\(a\+\)\+\$\/u timed out after 300 ms/,
  },
  {
    why: 'javascript: a synchronous endless loop',
    spec: { type: 'javascript', value: 'while (true) {}' },
    output: 'x',
    error: /^javascript timed out after 300 ms and was stopped/,
  },
  {
    why: 'javascript: an endless loop after an await',
    spec: { type: 'javascript', value: 'await null;\nwhile (true) {}' },
    output: 'x',
    error: /^javascript timed out after 300 ms and was stopped/,
  },
  {
    why: 'javascript: a file:// module that loops while it is imported',
    spec: { type: 'javascript', value: `file://${loopAtImport}` },
    output: 'x',
    error: /^javascript timed out after 300 ms and was stopped/,
  },
  {
    why: 'javascript: a memory hog',
    spec: { type: 'javascript', value: 'const a = [];\nfor (;;) a.push(new Array(1e6));', config: { timeoutMs: 20_000 } },
    output: 'x',
    error: /^javascript was stopped: it used more than 64 MB of memory$/,
  },
  {
    why: 'python: an endless loop is stopped at its time limit',
    spec: { type: 'python', value: 'while True:\n    pass', config: { timeoutMs: 300 } },
    output: 'x',
    error: /Python code execution failed: python assertion did not finish within .+ and was stopped/,
  },
  {
    why: 'javascript: a file:// module that ends its thread',
    spec: { type: 'javascript', value: `file://${exits}` },
    output: 'x',
    error: /^javascript was stopped: its worker thread exited \(code 3\)$/,
  },
];

const follow: AssertionSpec[] = [
  { type: 'javascript', value: "output.length > 0 && context.vars.who === 'next'" },
  { type: 'contains', value: 'x' },
  { type: 'regex', value: '^(?!nothing)' },
];

describe('assertion limits: hostile patterns, output and code', () => {
  for (const a of attacks) {
    it(a.why, async () => {
      const output = a.output.includes('x') ? a.output : `${a.output} x`;
      const verdict = await evaluateCase({ vars: { who: 'next' }, assert: [a.spec, ...follow] }, callResult({ text: output }), {
        context: testGrader(),
        trusted: true,
        limits: LIMITS,
      });
      const [attack, ...rest] = verdict.results;
      if (a.error) {
        assert.match(attack!.error ?? '', a.error);
        assert.equal(attack!.pass, false);
        assert.match(verdict.error ?? '', a.error, 'the case errors rather than fails');
      } else {
        assert.equal(attack!.error, undefined, attack!.error);
        assert.equal(attack!.pass, a.pass);
        if (a.reason) assert.match(attack!.reason, a.reason);
      }
      for (const r of rest) assert.deepEqual([r.type, r.pass, r.error], [r.type, true, undefined], `${r.type} after the attack: ${r.reason}`);
      // The next case still gets a sandbox.
      const next = await evaluateCase({ vars: {}, assert: [{ type: 'javascript', value: "output === 'fine'" }] }, callResult({ text: 'fine' }), {
        context: testGrader(),
        trusted: true,
        limits: LIMITS,
      });
      assert.equal(next.pass, true, next.reason);
    });
  }

  it('cancelling the run stops a spinning javascript assertion', async () => {
    const started = new Int32Array(new SharedArrayBuffer(4));
    const controller = new AbortController();
    const spec: AssertionSpec = {
      type: 'javascript',
      value: 'const flag = new Int32Array(context.vars.started);\nAtomics.store(flag, 0, 1);\nAtomics.notify(flag, 0);\nwhile (true) {}',
    };
    const pending = evaluateCase({ vars: { started: started.buffer }, assert: [spec] }, callResult({ text: 'x' }), {
      context: testGrader(),
      trusted: true,
      signal: controller.signal,
      limits: { ...LIMITS, javascriptTimeoutMs: 600_000 },
    });
    // Wait until the code is spinning, then cancel; the mocha timeout (far below the 10-minute limit) fails a cancel that does not work.
    await waitAsync(started, 0, 0).value;
    controller.abort();
    const verdict = await pending;
    assert.equal(verdict.results[0]!.error, 'cancelled');
  });
});

describe('regex engines keep JavaScript semantics', () => {
  const rows: { pattern: string; engine: 'native' | 're2' | 'sandbox'; texts: string[] }[] = [
    { pattern: '^Echo: ', engine: 'native', texts: ['Echo: hi', 'echo: hi', 'x Echo: '] },
    { pattern: '^\\d{4}-\\d{2}-\\d{2}$', engine: 're2', texts: ['2024-01-02', '2024-01-02\n', '２０２４-01-02', '2024-1-02'] },
    { pattern: '^a.?c$', engine: 're2', texts: ['abc', 'a\nc', 'a\rc', 'a\u2028c', 'a\u00e9c'] },
    { pattern: '^a\\s?c$', engine: 're2', texts: ['a c', 'a\u00a0c', 'a\u000bc', 'a\ufeffc', 'a\u3000c', 'a_c'] },
    { pattern: '^a\\S+$', engine: 're2', texts: ['abc', 'a\u00a0', 'a b'] },
    { pattern: '^[\\s\\d]+$', engine: 're2', texts: ['1 2', '1\u00a02', '1a'] },
    { pattern: '\\bcats?\\b', engine: 're2', texts: ['a cat!', 'concat', 'catér'] },
    { pattern: '\\bcat\\b', engine: 'native', texts: ['a cat!', 'concat', 'catér'] },
    { pattern: '^(billing|bug|other)$', engine: 're2', texts: ['bug', 'bugs', 'other'] },
    { pattern: '^\\{"a": \\d+\\}$', engine: 're2', texts: ['{"a": 12}', '{"a": x}'] },
    { pattern: '^{"a":1}+$', engine: 're2', texts: ['{"a":1}}}', '{"a":1'] },
    { pattern: '^x{2,3}?$', engine: 're2', texts: ['xx', 'xxxx'] },
    { pattern: '^[\\]a-c-]+$', engine: 're2', texts: [']a-', 'd'] },
    { pattern: '^\\u00e9+\\x41*$', engine: 're2', texts: ['éA', 'e'] },
    { pattern: '(?<word>\\w+) \\k<word>', engine: 'sandbox', texts: ['hey hey', 'hey you'] },
    { pattern: '(a)+\\1', engine: 'sandbox', texts: ['aa', 'ab'] },
    { pattern: 'a(?=b)', engine: 'sandbox', texts: ['ab', 'ac'] },
    { pattern: '[^]+', engine: 'sandbox', texts: ['\n', ''] },
    { pattern: '^[\\d-x]+$', engine: 'sandbox', texts: ['1-x', 'y'] },
    { pattern: '\\cJ+', engine: 'sandbox', texts: ['\n', 'J'] },
  ];
  for (const row of rows) {
    it(`/${row.pattern}/ runs on ${row.engine} and matches as JavaScript does`, async () => {
      assert.equal(regexEngine(row.pattern), row.engine, `translated: ${toRe2(row.pattern)}`);
      for (const text of row.texts) {
        const outcome = await testRegex(row.pattern, text, { timeoutMs: 5000, memoryMb: 64 });
        assert.deepEqual(outcome, { match: new RegExp(row.pattern).test(text) }, JSON.stringify(text));
      }
    });
  }

  it('output with surrogate pairs goes to JavaScript, which matches code units', async () => {
    assert.equal(regexEngine('^.{2}$'), 're2');
    assert.deepEqual(await testRegex('^.{2}$', '😀', { timeoutMs: 5000, memoryMb: 64 }), { match: true });
    assert.deepEqual(await testRegex('^.$', '😀', { timeoutMs: 5000, memoryMb: 64 }), { match: false });
  });
});

describe('JSON Schema patterns keep JavaScript semantics on every engine', () => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const rows: { why: string; schema: object; data: unknown[] }[] = [
    {
      why: 'a lookahead password rule (sandbox)',
      schema: { type: 'string', pattern: '^(?=.*\\d)(?=.*[A-Z]).{8,}$' },
      data: ['Passw0rdX', 'password', 'SHORT1', '😀😀😀😀A1bcd'],
    },
    {
      why: 'a back-reference in patternProperties whose subschema has another sandboxed pattern (two passes)',
      schema: {
        type: 'object',
        patternProperties: { '^(\\w)\\1+$': { type: 'string', pattern: '^(?!no).+$' } },
        additionalProperties: { type: 'number' },
      },
      data: [{ aa: 'yes' }, { aa: 'nope' }, { ab: 'x' }, { ab: 1, bbb: 'ok', cc: 'no!' }],
    },
    { why: 'a pattern without quantifiers (inline)', schema: { type: 'string', pattern: '^(?!x)' }, data: ['ab', 'xa'] },
    { why: 'a pattern RE2 takes', schema: { type: 'string', pattern: '^(\\w+\\s?)*$' }, data: ['ab cd', 'ab!'] },
  ];
  for (const row of rows) {
    it(row.why, async () => {
      const reference = ajv.compile(row.schema);
      for (const value of row.data) {
        const errors = await schemaErrors(row.schema, value);
        assert.ok(typeof errors !== 'object', JSON.stringify(errors));
        assert.equal(errors === undefined, reference(value), `${JSON.stringify(value)}: ${errors}`);
      }
    });
  }

  it('a cancelled run stops a sandboxed schema pattern with "cancelled"', async () => {
    const controller = new AbortController();
    controller.abort();
    const errors = await schemaErrors({ type: 'string', pattern: '^(?=a)(a+)+$' }, 'a', { timeoutMs: 600_000, memoryMb: 64, signal: controller.signal });
    assert.deepEqual(errors, { error: 'cancelled' });
  });
});

describe('contains-json candidates', () => {
  const rows: { text: string; values: unknown[] }[] = [
    { text: 'see {"a": 1} and {"b": [2, {"c": 3}]}', values: [{ a: 1 }, { b: [2, { c: 3 }] }] },
    { text: '{ "x": { ] {"y": 1} }', values: [{ y: 1 }] },
    { text: '{ not json {"inner": true} }', values: [{ inner: true }] },
    { text: '{"s": "a } brace"} then "quote { {"t": 2}', values: [{ s: 'a } brace' }, { t: 2 }] },
    { text: '```json\n[1, 2]\n```\nand ```JSON x\n{"f": 1}\n``` and {"g": 2}', values: [[1, 2], { f: 1 }, { f: 1 }, { g: 2 }] },
    { text: '```json\n[1, 2]\n' + '```json\n'.repeat(20_000), values: [[1, 2]] },
    { text: '[1, 2] {"unclosed": ', values: [] },
    { text: '{ a 5" tall box {"a": 1}', values: [{ a: 1 }] },
  ];
  for (const row of rows) {
    it(JSON.stringify(row.text.slice(0, 60)), () => {
      assert.deepEqual(extractJsonValues(row.text), row.values);
    });
  }
});
