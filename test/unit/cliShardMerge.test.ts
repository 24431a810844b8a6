// Sharding and merging (`assay test --shard I/N`, `assay merge`, `assay history import`): runCli in-process
// against the mock LLM server, real files, real sql.js histories. A bank run unsharded and as 3 shards
// merged must give the same reports and history apart from ids and timings.
import * as assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runCli } from '../../src/cli/main';
import { shardKey, shardOf, shardSuite, shardSuites, parseShard } from '../../src/core/run/shard';
import type { TestSuite } from '../../src/core/run/testSuite';
import { assignIds } from '../../src/core/testBank/normalizeCase';
import { Db, loadSqlJs } from '../../src/core/store/sqlite';
import { startMockLlm, type MockLlm } from '../support/mockLlmServer';
import { tempFolder } from '../support/storeFixtures';

const KEY = 'sk-shard-TESTKEY-0123456789abcdef';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

const PROMPT = `---
models: [openai:gpt-4o-mini, openai:gpt-4o]
tests: bank.tests.yaml
---
user:
Ticket {{ n }}
`;

/** `count` cases; even tickets pass (the mock answers billing), odd ones fail; ticket 3 runs twice; one metric. */
function bank(count: number): string {
  const lines = ['tests:'];
  for (let i = 0; i < count; i++) {
    lines.push(`  - description: ticket ${i}`, `    vars: { n: ${i} }`);
    if (i === 3) lines.push('    repeat: 2');
    lines.push('    assert:', '      - { type: equals, value: billing, metric: accuracy }', '      - { type: contains, value: bill, weight: 2 }');
  }
  return lines.join('\n') + '\n';
}

/** Ids and timings differ between runs by design; everything else must match. */
const VOLATILE = new Set(['runId', 'traceId', 'startedAt', 'durationMs', 'latencyMs', 'latencyP50Ms', 'latencyP95Ms', 'previousRunId', 'previousStartedAt', 'timestamp', 'exportedAt', 'totalLatencyMs']);

function stable(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stable);
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(Object.entries(v).filter(([k]) => !VOLATILE.has(k)).map(([k, x]) => [k, stable(x)]));
}

const stableXml = (xml: string): string =>
  xml
    .replace(/ (time|timestamp)="[^"]*"/g, '')
    .replace(/<property name="runId" value="[^"]*"\/>/g, '');

describe('CLI: sharding (assay test --shard) and assay merge', function () {
  this.timeout(60_000);
  let folder: ReturnType<typeof tempFolder>;
  let dir: string;
  let mock: MockLlm;
  /** Tickets the mock now answers wrongly: their cases regress. */
  let broken = new Set<number>();

  before(async () => {
    mock = await startMockLlm({
      latencyMs: 1,
      reply: (req) => {
        const n = Number(/Ticket (\d+)/.exec(req.prompt)?.[1]);
        return n % 2 === 0 && !broken.has(n) ? 'billing' : 'other';
      },
    });
  });
  after(() => mock.close());
  beforeEach(() => {
    broken = new Set();
    folder = tempFolder('assay-shard-');
    dir = folder.dir;
    mkdirSync(join(dir, '.git'));
    writeFileSync(join(dir, 'bank.prompt'), PROMPT);
    writeFileSync(join(dir, 'bank.tests.yaml'), bank(12));
  });
  afterEach(() => folder.cleanup());

  async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
    const stdout = new Capture();
    const stderr = new Capture();
    const env = { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: mock.openaiBaseUrl };
    const code = await runCli(argv, { cwd: dir, env, stdout, stderr, signal: new AbortController().signal });
    return { code, out: stdout.text, err: stderr.text };
  }

  const json = (name: string): Record<string, unknown> => JSON.parse(readFileSync(join(dir, name), 'utf8')) as Record<string, unknown>;

  /** Runs the bank unsharded and as 3 shards (each with its own report and history). */
  async function runBoth(): Promise<void> {
    const whole = await cli(['test', 'bank.prompt', '--no-cache', '--json', 'whole.json', '--junit', 'whole.xml', '-o', 'whole-pf.json', '--history', 'whole.sqlite']);
    assert.strictEqual(whole.code, 1, whole.err);
    for (let i = 1; i <= 3; i++) {
      const r = await cli(['test', 'bank.prompt', '--no-cache', '--shard', `${i}/3`, '--json', `s${i}.json`, '--history', `s${i}.sqlite`]);
      assert.ok(r.code === 0 || r.code === 1, r.err);
      assert.match(r.out, new RegExp(`shard ${i}/3: \\d+ of 12 cases`));
    }
  }

  async function rows(file: string, sql: string): Promise<unknown[][]> {
    const SQL = await loadSqlJs();
    const db = new Db(new SQL.Database(readFileSync(join(dir, file))));
    try {
      return db.values(sql);
    } finally {
      db.close();
    }
  }

  it('merged reports and JUnit equal the unsharded run’s apart from ids and timings', async () => {
    await runBoth();
    const m = await cli(['merge', 's1.json', 's2.json', 's3.json', 's1.sqlite', 's2.sqlite', 's3.sqlite', '--json', 'merged.json', '--junit', 'merged.xml', '-o', 'merged-pf.json', '--history', 'merged.sqlite']);
    assert.strictEqual(m.code, 1, m.err);
    assert.match(m.out, /3 shards merged — 26 executions: 12 passed, 14 failed, 0 errors/);
    const whole = json('whole.json');
    const merged = json('merged.json');
    assert.deepStrictEqual(stable(merged), stable(whole));
    assert.strictEqual((merged.suites as { results: unknown[] }[])[0]!.results.length, 26, 'every execution of 12 cases × 2 models, one case twice');
    assert.deepStrictEqual(stable(json('merged-pf.json')), stable(json('whole-pf.json')));
    assert.strictEqual(stableXml(readFileSync(join(dir, 'merged.xml'), 'utf8')), stableXml(readFileSync(join(dir, 'whole.xml'), 'utf8')));
  });

  it('the merged history holds what the unsharded run recorded: one run, the same traces and evaluations', async () => {
    await runBoth();
    const m = await cli(['merge', 's*.json', 's*.sqlite', '--history', 'merged.sqlite']);
    assert.strictEqual(m.code, 1, m.err);
    const traces = 'SELECT case_id, repeat_index, model, output, status, cost, input_tokens, output_tokens, variables FROM traces ORDER BY case_id, model, repeat_index';
    const evaluations = 'SELECT e.case_id, t.model, t.repeat_index, e.assertion_type, e.pass, e.score, e.metric, e.weight FROM evaluations e JOIN traces t ON t.id = e.trace_id ORDER BY 1, 2, 3, 4';
    for (const sql of [traces, evaluations, 'SELECT count(*) FROM trace_payloads', 'SELECT id, path, content FROM prompt_versions']) {
      assert.deepStrictEqual(await rows('merged.sqlite', sql), await rows('whole.sqlite', sql), sql);
    }
    const run = async (file: string) => {
      const [r] = await rows(file, 'SELECT kind, prompt_path, prompt_version_id, bank_path, models, config, status, summary, origin FROM runs');
      const summary = JSON.parse(r![7] as string) as { models: { latency?: unknown }[] };
      for (const model of summary.models) delete model.latency;
      const config = JSON.parse(r![5] as string) as Record<string, unknown>;
      return { row: [...r!.slice(0, 5), r![6], r![8]], config, summary };
    };
    const whole = await run('whole.sqlite');
    const merged = await run('merged.sqlite');
    assert.deepStrictEqual(await rows('merged.sqlite', 'SELECT count(*) FROM runs'), [[1]], 'the three shard runs are one run');
    assert.deepStrictEqual(merged.row, whole.row);
    assert.deepStrictEqual(merged.summary, whole.summary, 'the stored summary (what the next run compares with) is the unsharded one');
    assert.deepStrictEqual(merged.config, { ...whole.config, shards: 3 });
    const mergedJson = await cli(['merge', 's*.json', 's*.sqlite', '--history', 'merged.sqlite', '--json', 'again.json']);
    assert.match(mergedJson.out, /0 traces, 0 runs added/, 'merging again adds nothing');
    assert.deepStrictEqual(await rows('merged.sqlite', 'SELECT count(*) FROM traces'), await rows('whole.sqlite', 'SELECT count(*) FROM traces'));
    const runId = (json('again.json').suites as { runId: string }[])[0]!.runId;
    assert.deepStrictEqual(await rows('merged.sqlite', 'SELECT id FROM runs'), [[runId]], "the merged report's run id is the merged history's run");
  });

  it('comparisons with the previous run merge as the unsharded run’s: shards that start from the merged history', async () => {
    await runBoth();
    assert.strictEqual((await cli(['merge', 's*.json', 's*.sqlite', '--history', 'merged.sqlite'])).code, 1);
    broken = new Set([0, 4, 8]);
    writeFileSync(join(dir, 'bank.tests.yaml'), bank(12).replace('ticket 11', 'ticket eleven'));
    // Every shard job restores the last merged history (a CI cache); the unsharded run has its own.
    for (let i = 1; i <= 3; i++) writeFileSync(join(dir, `s${i}.sqlite`), readFileSync(join(dir, 'merged.sqlite')));
    const whole = await cli(['test', 'bank.prompt', '--no-cache', '--json', 'whole2.json', '--history', 'whole.sqlite']);
    assert.match(whole.out, /regressions/i);
    for (let i = 1; i <= 3; i++) await cli(['test', 'bank.prompt', '--no-cache', '--shard', `${i}/3`, '--json', `t${i}.json`, '--history', `s${i}.sqlite`]);
    const m = await cli(['merge', 't*.json', 's*.sqlite', '--history', 'merged2.sqlite', '--json', 'merged2.json']);
    assert.strictEqual(m.code, 1, m.err);
    const comparisons = (f: string) => (json(f).suites as { comparisons: unknown[] }[])[0]!.comparisons;
    const expected = comparisons('whole2.json') as { regressions: unknown[]; newCases: unknown[]; removedCases: unknown[] }[];
    assert.deepStrictEqual(
      expected.map((c) => [c.regressions.length, c.newCases.length, c.removedCases.length]),
      [
        [3, 1, 1],
        [3, 1, 1],
      ],
      'three regressions, one case renamed (new and removed), per model',
    );
    assert.deepStrictEqual(stable(comparisons('merged2.json')), stable(expected));
    assert.deepStrictEqual(stable(json('merged2.json')), stable(json('whole2.json')));
  });

  describe('bad input is refused with a clear error, and nothing is written', () => {
    const bad: [string, () => string[] | Promise<string[]>, RegExp][] = [
      ['a shard given twice (overlapping shards)', () => ['s1.json', 's1.json', 's2.json', 's3.json'], /shard 1\/3 is given twice \(s1\.json and s1\.json\): overlapping shards/],
      ['a missing shard', () => ['s1.json', 's3.json'], /shard 2\/3 missing: give every shard's report/],
      ['an unsharded run’s report', () => ['whole.json', 's1.json'], /whole\.json: not a shard's report \(it was run without --shard I\/N/],
      [
        'shards of another bank',
        async () => {
          writeFileSync(join(dir, 'bank.tests.yaml'), bank(13));
          const r = await cli(['test', 'bank.prompt', '--no-cache', '--no-history', '--shard', '2/3', '--json', 'other2.json']);
          assert.ok(r.code <= 1, r.err);
          return ['s1.json', 'other2.json', 's3.json'];
        },
        /other2\.json and s1\.json are not shards of one run: their suites or banks differ \(bank\.prompt \(13 cases/,
      ],
      [
        'shards of another split',
        async () => {
          const r = await cli(['test', 'bank.prompt', '--no-cache', '--no-history', '--shard', '2/4', '--json', 'four.json']);
          assert.ok(r.code <= 1, r.err);
          return ['s1.json', 'four.json', 's3.json'];
        },
        /four\.json is shard 2\/4 but s1\.json is 1\/3: every report must come from the same --shard I\/N split/,
      ],
      [
        'a report edited to hold another shard’s case',
        () => {
          const doc = json('s2.json') as { suites: { results: { caseId: string }[] }[] };
          const other = json('s1.json') as { suites: { results: { caseId: string }[] }[] };
          doc.suites[0]!.results[0]!.caseId = other.suites[0]!.results[0]!.caseId;
          writeFileSync(join(dir, 's2.json'), JSON.stringify(doc));
          return ['s1.json', 's2.json', 's3.json'];
        },
        /s2\.json: suite bank\.prompt, result 1: case bank\.tests\.yaml#\w+ does not belong to shard 2\/3/,
      ],
      [
        'a corrupt history file',
        () => {
          const bytes = readFileSync(join(dir, 's2.sqlite'));
          bytes.fill(0x55, 16384, Math.min(bytes.length, 3 * 16384));
          writeFileSync(join(dir, 's2.sqlite'), bytes);
          return ['s1.json', 's2.json', 's3.json', 's1.sqlite', 's2.sqlite', 's3.sqlite'];
        },
        /s2\.sqlite is not a readable Assay history \(.+\); nothing was imported/,
      ],
      ['a file that is neither', () => (writeFileSync(join(dir, 'notes.txt'), 'hello'), ['s1.json', 'notes.txt']), /notes\.txt: neither an Assay JSON report nor a history file/],
    ];
    for (const [name, files, message] of bad) {
      it(name, async () => {
        await runBoth();
        const list = await files();
        const before = readFileSync(join(dir, 's2.sqlite'));
        const r = await cli(['merge', ...list, '--json', 'merged.json', '--history', 'merged.sqlite']);
        assert.strictEqual(r.code, 2, r.out);
        assert.match(r.err, message);
        assert.deepStrictEqual(readFileSync(join(dir, 's2.sqlite')), before, 'the shard files are left as they were');
        if (!name.includes('history')) assert.throws(() => readFileSync(join(dir, 'merged.json')), /ENOENT/, 'no merged report from bad shards');
      });
    }
  });

  it('an empty shard exits 0 with a note and writes a report the merge accepts', async () => {
    writeFileSync(join(dir, 'bank.tests.yaml'), bank(1));
    const id = assignIds([{ description: 'ticket 0', vars: { n: 0 }, assert: [], source: { file: 'bank.tests.yaml', index: 0 } }], 'bank.tests.yaml')[0]!.id;
    const home = shardOf(shardKey({ bankPath: 'bank.prompt', name: 'bank.prompt' }, { id }), 2);
    const empty = home === 1 ? 2 : 1;
    const r = await cli(['test', 'bank.prompt', '--no-history', '--shard', `${empty}/2`, '--json', `e${empty}.json`, '--junit', 'e.xml']);
    assert.strictEqual(r.code, 0, r.err);
    assert.match(r.out, new RegExp(`note: shard ${empty}/2 has no test case`));
    const full = await cli(['test', 'bank.prompt', '--no-history', '--shard', `${home}/2`, '--json', `e${home}.json`]);
    assert.strictEqual(full.code, 0, full.err);
    const m = await cli(['merge', 'e1.json', 'e2.json', '--json', 'merged.json']);
    assert.strictEqual(m.code, 0, m.err);
    assert.match(m.out, /2 shards merged — 2 executions: 2 passed/);
  });

  describe('assay history import', () => {
    const count = (file: string, table: string) => rows(file, `SELECT count(*) FROM ${table}`).then((r) => r[0]![0]);

    it('imports a history file once, marking its runs with their origin; a second import adds nothing', async () => {
      const r = await cli(['test', 'bank.prompt', '--no-cache', '--history', 'alice.sqlite']);
      assert.strictEqual(r.code, 1, r.err);
      const first = await cli(['history', 'import', 'alice.sqlite', '--origin', 'alice', '--path', 'mine.sqlite']);
      assert.strictEqual(first.code, 0, first.err);
      assert.match(first.out, /\(origin alice\): 1 runs, 26 traces, 52 evaluations, 0 feedback, 1 prompt versions/);
      const again = await cli(['history', 'import', 'alice.sqlite', '--origin', 'alice', '--path', 'mine.sqlite']);
      assert.match(again.out, /: 0 runs, 0 traces, 0 evaluations, 0 feedback, 0 prompt versions/);
      for (const table of ['runs', 'traces', 'trace_payloads', 'evaluations', 'prompt_versions']) assert.strictEqual(await count('mine.sqlite', table), await count('alice.sqlite', table), table);
      assert.deepStrictEqual(await rows('mine.sqlite', 'SELECT origin FROM runs'), [['alice']]);
      // A local run after the import is not compared with alice's run: she ran other prompt edits.
      const local = await cli(['test', 'bank.prompt', '--no-cache', '--history', 'mine.sqlite', '--json', 'local.json']);
      assert.match(local.out, /no previous run of this bank to compare with/);
      assert.deepStrictEqual(await rows('mine.sqlite', 'SELECT origin FROM runs ORDER BY started_at'), [['alice'], [null]]);
    });

    it('imports a JSON report (a run without history) as runs, traces and evaluations, once', async () => {
      const r = await cli(['test', 'bank.prompt', '--no-cache', '--no-history', '--json', 'ci.json']);
      assert.strictEqual(r.code, 1, r.err);
      for (const expected of [/1 runs, 26 traces, 52 evaluations/, /0 runs, 0 traces, 0 evaluations/]) {
        const imported = await cli(['history', 'import', 'ci.json', '--path', 'mine.sqlite']);
        assert.strictEqual(imported.code, 0, imported.err);
        assert.match(imported.out, /\(origin ci\.json\)/);
        assert.match(imported.out, expected);
      }
      const report = json('ci.json') as { suites: { runId: string; results: { caseId: string; output: string; status: string }[] }[] };
      assert.deepStrictEqual(await rows('mine.sqlite', 'SELECT id, origin, status FROM runs'), [[report.suites[0]!.runId, 'ci.json', 'done']]);
      const passed = await rows('mine.sqlite', 'SELECT count(*) FROM traces t WHERE NOT EXISTS (SELECT 1 FROM evaluations e WHERE e.trace_id = t.id AND e.pass = 0)');
      assert.deepStrictEqual(passed, [[report.suites[0]!.results.filter((x) => x.status === 'pass').length]]);
    });

    const refused: [string, () => string, RegExp][] = [
      ['a corrupt history', () => (writeFileSync(join(dir, 'bad.sqlite'), Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(20_000, 7)])), 'bad.sqlite'), /bad\.sqlite is not a readable Assay history \(.+\); nothing was imported/],
      ['a JSON file that is no report', () => (writeFileSync(join(dir, 'x.json'), '{"results": []}'), 'x.json'), /x\.json: not an Assay JSON report .*; nothing was imported/],
      ['a text file', () => (writeFileSync(join(dir, 'x.txt'), 'hello'), 'x.txt'), /x\.txt: neither an Assay history nor an Assay JSON report/],
      ['a missing file', () => 'nope.sqlite', /nope\.sqlite: no such file; nothing was imported/],
    ];
    for (const [name, make, message] of refused) {
      it(`refuses ${name} (exit 2), leaving the history as it was`, async () => {
        const r = await cli(['test', 'bank.prompt', '--no-cache', '--history', 'mine.sqlite']);
        assert.strictEqual(r.code, 1, r.err);
        const before = readFileSync(join(dir, 'mine.sqlite'));
        const imported = await cli(['history', 'import', make(), '--path', 'mine.sqlite']);
        assert.strictEqual(imported.code, 2, imported.out);
        assert.match(imported.err, message);
        assert.deepStrictEqual(readFileSync(join(dir, 'mine.sqlite')), before);
      });
    }
  });

  const badFlags: [string, RegExp][] = [
    ['0/3', /--shard takes i\/n with 1 ≤ i ≤ n/],
    ['4/3', /--shard takes i\/n with 1 ≤ i ≤ n/],
    ['1/0', /--shard takes i\/n/],
    ['two', /--shard takes i\/n/],
  ];
  for (const [flag, message] of badFlags) {
    it(`--shard ${flag} is a usage error (exit 2, nothing called)`, async () => {
      const calls = mock.requests.length;
      const r = await cli(['test', 'bank.prompt', '--no-history', '--shard', flag]);
      assert.strictEqual(r.code, 2);
      assert.match(r.err, message);
      assert.strictEqual(mock.requests.length, calls);
    });
  }
});

describe('shard selection', () => {
  const suiteOf = (count: number, extra: string[] = []): TestSuite => {
    const raw = [...Array.from({ length: count }, (_, i) => `case ${i}`), ...extra].map((description, index) => ({ description, vars: {}, assert: [], source: { file: 'b.yaml', index } }));
    return { name: 'b', promptPath: 'b.prompt', bankPath: 'b.yaml', cases: assignIds(raw, 'b.yaml'), models: [], endpoints: [], baseDir: '.', diagnostics: [], prompt: { label: 'b', content: '', params: {}, render: () => ({ error: { message: '' } }) } };
  };
  const assignment = (suite: TestSuite, n: number): Map<string, number> => {
    const out = new Map<string, number>();
    for (let i = 1; i <= n; i++) for (const c of shardSuite(suite, { index: i, count: n }).cases) out.set(c.id, i);
    return out;
  };

  for (const n of [2, 3, 7]) {
    it(`with ${n} shards every case is in exactly one, and adding or removing cases moves no other`, () => {
      const before = assignment(suiteOf(200), n);
      assert.strictEqual(before.size, 200);
      const grown = assignment(suiteOf(200, ['a new case', 'another', 'case 0 again']), n);
      for (const [id, shard] of before) assert.strictEqual(grown.get(id), shard, id);
      const shrunk = suiteOf(200);
      shrunk.cases = shrunk.cases.filter((_, i) => i % 5 !== 0);
      for (const [id, shard] of assignment(shrunk, n)) assert.strictEqual(before.get(id), shard, id);
      const sizes = [...Array(n)].map((_, i) => [...before.values()].filter((s) => s === i + 1).length);
      assert.ok(Math.min(...sizes) > 200 / n / 2, `shards are roughly even: ${sizes.join(', ')}`);
    });
  }

  it('a bank whose cases read earlier outputs lands whole in one shard', () => {
    const suite = suiteOf(30);
    suite.cases[3] = { ...suite.cases[3]!, options: { storeOutputAs: 'first' } };
    const other = { ...suiteOf(30), name: 'c', bankPath: 'c.yaml' };
    const parts = [1, 2, 3].map((i) => shardSuites([suite, other], { index: i, count: 3 }));
    assert.deepStrictEqual(parts.map((p) => p[0]!.cases.length).sort(), [0, 0, 30], 'the chained bank in one shard');
    assert.strictEqual(parts.reduce((n, p) => n + p[1]!.cases.length, 0), 30);
    assert.ok(parts.every((p) => p[1]!.cases.length < 30), 'the other bank is still spread');
  });

  it('records each case’s position in the whole suite', () => {
    const suite = suiteOf(30);
    for (let i = 1; i <= 3; i++) {
      const part = shardSuite(suite, { index: i, count: 3 });
      part.cases.forEach((c, k) => assert.strictEqual(suite.cases[part.caseIndices![k]!]!.id, c.id));
    }
  });

  const specs: [string, unknown][] = [
    ['1/1', { index: 1, count: 1 }],
    [' 2 / 5 ', { index: 2, count: 5 }],
    ['0/1', 'error'],
    ['3/2', 'error'],
    ['1/1001', 'error'],
    ['1.5/3', 'error'],
    ['-1/3', 'error'],
  ];
  for (const [text, expected] of specs) {
    it(`parseShard('${text}')`, () => {
      const r = parseShard(text);
      assert.deepStrictEqual('error' in r ? 'error' : r, expected);
    });
  }
});
