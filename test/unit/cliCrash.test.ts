// `assay test` as a real process against the mock LLM server, stopped at chosen moments: SIGKILL loses no
// call answered a second before, SIGTERM/SIGHUP stop like Ctrl+C, Ctrl+C stops a spinning assertion, a
// second signal exits at once; and the history path's faults (a file that is no history, a damaged
// history, a full disk) as the user sees them.
import * as assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { acquireLock } from '../../src/core/store/fileLock';
import { TraceStore } from '../../src/core/store/traceStore';
import { startMockLlm, type MockLlm } from '../support/mockLlmServer';
import { mountSmallFs } from '../support/smallFileSystem';
import { builtCli, startCli, type CliProcess } from '../support/builtCli';
import { makeTrace, tempFolder } from '../support/storeFixtures';
import { TICKET_PROMPT, ticketBank } from '../support/ticketBank';

describe('CLI: assay test stopped and faulted as a process', function () {
  this.timeout(120_000);
  let folder: ReturnType<typeof tempFolder>;
  let dir: string;
  let mock: MockLlm;
  // The CLI as it ships.
  const cliJs = builtCli('assay-cli-crash-dist-');

  beforeEach(async () => {
    folder = tempFolder('assay-cli-crash-');
    dir = folder.dir;
    mkdirSync(join(dir, '.git'));
    writeFileSync(join(dir, 'load.prompt'), TICKET_PROMPT);
    writeFileSync(join(dir, 'load.tests.yaml'), ticketBank(3000));
    mock = await startMockLlm({ latencyMs: 40, reply: (req) => `Echo: ${req.prompt}` });
  });
  afterEach(async () => {
    await mock.close();
    folder.cleanup();
  });

  function start(args: string[], cwd = dir): CliProcess {
    return startCli(cliJs, ['test', ...args], cwd, { PATH: process.env.PATH, OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: mock.openaiBaseUrl });
  }

  /** Waits, answer by answer, until the mock has been answering for `ms` since the first answer (fails if the CLI exits first). */
  async function answeringFor(cli: CliProcess, ms: number): Promise<void> {
    const exited = cli.exit.then((code) => Promise.reject(new Error(`the CLI exited (${code}) too early: ${cli.err()}`)));
    await Promise.race([mock.waitForAnswered(1), exited]);
    const first = mock.answered[0]!.at;
    for (let n = mock.answered.length; mock.answered.at(-1)!.at - first < ms; n = mock.answered.length) await Promise.race([mock.waitForAnswered(n + 1), exited]);
  }

  const history = () => join(dir, '.assay', 'history.sqlite');

  /** The tickets (`n`) of every stored trace, answered or cancelled, and the store (the caller closes it). */
  async function storedTickets(): Promise<{ tickets: Set<string>; answeredTickets: Set<string>; store: TraceStore }> {
    const store = await TraceStore.open({ path: history(), maxTraces: 0 });
    const out = join(dir, 'all.jsonl');
    const exported = await store.exportJsonl({}, out);
    assert.ok(!('error' in exported), JSON.stringify(exported));
    const tickets = new Set<string>();
    /** Tickets recorded with an answer (not a call cancelled before it was sent). */
    const answeredTickets = new Set<string>();
    for (const line of readFileSync(out, 'utf8').split('\n').filter(Boolean)) {
      const t = JSON.parse(line) as { variables: { n: number }; status: string };
      tickets.add(String(t.variables.n));
      if (t.status === 'ok') answeredTickets.add(String(t.variables.n));
    }
    return { tickets, answeredTickets, store };
  }

  /** Waits, answer by answer, until the run's crash journal exists, and returns when that was seen. */
  async function journalStarted(cli: CliProcess): Promise<number> {
    const exited = cli.exit.then((code) => Promise.reject(new Error(`the CLI exited (${code}) too early: ${cli.err()}`)));
    const journal = () => existsSync(join(dir, '.assay')) && readdirSync(join(dir, '.assay')).some((n) => n.includes('.journal-'));
    for (let n = 1; !journal(); n = mock.answered.length + 1) await Promise.race([mock.waitForAnswered(n), exited]);
    return performance.now();
  }

  it('SIGKILL keeps every call answered more than a second before, and the run is marked interrupted', async () => {
    const cli = start(['load.tests.yaml', '--concurrency', '8']);
    // From the moment the history's worker records (its start-up is the one window a crash can lose, see
    // docs/history.md), then two more seconds of answers.
    const recording = await journalStarted(cli);
    const exited = cli.exit.then(() => Promise.reject(new Error(`the CLI exited too early: ${cli.err()}`)));
    for (let n = mock.answered.length + 1; mock.answered.at(-1)!.at - recording < 2_000; n = mock.answered.length + 1) await Promise.race([mock.waitForAnswered(n), exited]);
    const killedAt = performance.now();
    cli.child.kill('SIGKILL');
    await cli.exit;
    const due = mock.answered.filter((a) => a.at <= killedAt - 1_000).map((a) => /Ticket (\d+)/.exec(a.prompt)![1]!);
    assert.ok(due.length >= 5, `calls answered more than a second before the kill: ${due.length}`);

    const { tickets, store } = await storedTickets();
    try {
      assert.ok(store.openReport.replayed, 'the dead run’s journal was replayed');
      const missing = due.filter((n) => !tickets.has(n));
      assert.deepStrictEqual(missing, [], `${missing.length} of ${due.length} answered calls lost`);
      const runs = await store.listRuns();
      assert.deepStrictEqual(runs.items.map((r) => r.status), ['interrupted']);
    } finally {
      await store.close();
    }
  });

  for (const [signal, code] of [
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const) {
    it(`${signal} stops the run like Ctrl+C: reports written, history saved, exit ${code}`, async () => {
      const cli = start(['load.tests.yaml', '--concurrency', '8', '--json', 'report.json', '--junit', 'junit.xml']);
      await answeringFor(cli, 500);
      cli.child.kill(signal);
      assert.strictEqual(await cli.exit, code, cli.err());
      assert.match(cli.err(), new RegExp(`interrupted \\(${signal}\\)`));
      const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { totals: { executions: number; cancelled: number } };
      assert.ok(report.totals.cancelled > 0, 'the cases not run are reported as cancelled');
      assert.ok(readFileSync(join(dir, 'junit.xml'), 'utf8').includes('<testsuites'));
      assert.match(cli.out(), /history: \.assay\/history\.sqlite/);
      const { tickets, store } = await storedTickets();
      try {
        const answered = mock.answered.map((a) => /Ticket (\d+)/.exec(a.prompt)![1]!);
        assert.deepStrictEqual(answered.filter((t) => !tickets.has(t)), [], 'every answered call is in history');
        assert.deepStrictEqual((await store.listRuns()).items.map((r) => r.status), ['cancelled']);
        assert.strictEqual(store.openReport.replayed, undefined, 'a clean stop leaves no journal to replay');
      } finally {
        await store.close();
      }
    });
  }

  // Ctrl+C in a terminal is SIGINT; CI cancellation SIGTERM.
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`a second ${signal} exits at once, and what the journal holds is added back at the next open`, async () => {
      // Another live process holds the history's lock, so the stopped run's last save waits for it.
      mkdirSync(join(dir, '.assay'));
      const lock = acquireLock(`${history()}.lock`, { staleMs: 600_000, timeoutMs: 1_000 });
      assert.ok(lock);
      try {
        const cli = start(['load.tests.yaml', '--concurrency', '8']);
        await answeringFor(cli, 500);
        cli.child.kill(signal);
        await cli.line(/executions: /);
        cli.child.kill(signal);
        assert.strictEqual(await cli.exit, code);
        assert.match(cli.err(), new RegExp(`${signal} again; exiting without waiting`));
        assert.strictEqual(existsSync(history()), false, 'the save never ran');
        assert.strictEqual(readdirSync(join(dir, '.assay')).filter((n) => n.includes('.journal-')).length, 1);
      } finally {
        lock.release();
      }
      const { answeredTickets, store } = await storedTickets();
      try {
        // How many rows reached the journal before the second signal depends on the worker's pace; the run
        // itself was journaled at its start, and nothing that was not answered appears.
        assert.ok(store.openReport.replayed, 'the journal was replayed');
        // Whether the first stop's finish (cancelled) reached the journal before the second signal is a race;
        // either way the run is closed, never left running.
        const statuses = (await store.listRuns()).items.map((r) => r.status);
        assert.ok(statuses.length === 1 && ['interrupted', 'cancelled'].includes(statuses[0]!), `the run is closed: ${statuses.join(', ')}`);
        const answered = new Set(mock.answered.map((a) => /Ticket (\d+)/.exec(a.prompt)![1]!));
        const requested = new Set(mock.requests.map((r) => /Ticket (\d+)/.exec(r.prompt)![1]!));
        // Calls cancelled before they were sent are recorded as cancelled; every answer recorded was made.
        assert.deepStrictEqual([...answeredTickets].filter((t) => !requested.has(t)), [], 'only calls that were made');
        assert.ok(answered.size > 0);
      } finally {
        await store.close();
      }
    });
  }

  it('Ctrl+C stops a javascript assertion spinning in an endless loop: exit 130, reports written', async () => {
    // The time limit is an hour: only the signal can end this run within the test's timeout.
    writeFileSync(join(dir, 'assay.config.yaml'), 'limits: { javascriptTimeoutSeconds: 3600 }\n');
    writeFileSync(join(dir, 'spin.mjs'), `import { writeFileSync } from 'node:fs';\nexport default () => { writeFileSync(${JSON.stringify(join(dir, 'spinning'))}, ''); for (;;) {} };\n`);
    writeFileSync(join(dir, 'spin.prompt'), '---\nmodel: openai:gpt-4o-mini\ntests:\n  - description: spins\n    vars: { ticket: one }\n    assert: [{ type: javascript, value: file://spin.mjs }]\n---\nuser:\n{{ ticket }}\n');
    const spinning = new Promise<void>((resolve) => {
      const watcher = watch(dir, (_event, name) => {
        if (name === 'spinning') {
          watcher.close();
          resolve();
        }
      });
    });
    const cli = start(['spin.prompt', '--json', 'report.json']);
    await spinning;
    cli.child.kill('SIGINT');
    assert.strictEqual(await cli.exit, 130, cli.err());
    assert.match(cli.err(), /interrupted \(SIGINT\)/);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { suites: { results: { status: string; error: { message: string } | null }[] }[] };
    const [result] = report.suites.flatMap((x) => x.results);
    assert.deepStrictEqual([result?.status, result?.error?.message], ['error', 'javascript: cancelled'], 'the assertion was stopped, not finished');
  });

  it('refuses a --history file that is not an Assay history before any call, leaving it untouched', async () => {
    const results = Buffer.from('{"results": []}\n');
    writeFileSync(join(dir, 'results.json'), results);
    const cli = start(['load.tests.yaml', '--history', 'results.json']);
    assert.strictEqual(await cli.exit, 2);
    assert.match(cli.err(), /error: results\.json is not an Assay history \(it is not a SQLite database\); it was left untouched\. .*Nothing was run\./);
    assert.deepStrictEqual(readFileSync(join(dir, 'results.json')), results);
    assert.strictEqual(mock.requests.length, 0);
    assert.deepStrictEqual(readdirSync(dir).sort(), ['.git', 'load.prompt', 'load.tests.yaml', 'results.json']);
  });

  it('reports a damaged history it moved aside, with the new path, and records the run in a fresh one', async () => {
    writeFileSync(join(dir, 'load.tests.yaml'), ticketBank(3));
    const store = await TraceStore.open({ path: history() });
    await store.addTraces(Array.from({ length: 200 }, () => makeTrace({ text: 'x'.repeat(2000) })));
    await store.close();
    const damaged = Buffer.from(readFileSync(history()));
    damaged.fill(0x5a, 16384 * 3, 16384 * 4);
    writeFileSync(history(), damaged);
    const cli = start(['load.tests.yaml']);
    assert.strictEqual(await cli.exit, 0, cli.err());
    const aside = readdirSync(join(dir, '.assay')).find((n) => n.includes('.corrupt-'));
    assert.ok(aside);
    assert.match(cli.err(), new RegExp(`warning: history: The history file .* could not be opened .*moved to .*${aside.replace(/\./g, '\\.')}`));
    assert.deepStrictEqual(readFileSync(join(dir, '.assay', aside)), damaged);
  });

  it('exits 3 when the disk is full and history could not be saved, keeping the previous file byte for byte', async function () {
    const why: { reason?: string } = {};
    const fs = mountSmallFs(4096, why);
    if (!fs) this.skip();
    try {
      writeFileSync(join(dir, 'load.tests.yaml'), ticketBank(20));
      const path = join(fs.dir, 'history.sqlite');
      const store = await TraceStore.open({ path });
      await store.addTraces(Array.from({ length: 50 }, () => makeTrace()));
      await store.close();
      const before = readFileSync(path);
      for (const chunk = Buffer.alloc(4096, 1); ; ) {
        try {
          appendFileSync(join(fs.dir, 'filler'), chunk);
        } catch {
          break;
        }
      }
      const cli = start(['load.tests.yaml', '--history', path]);
      assert.strictEqual(await cli.exit, 3, cli.out() + cli.err());
      assert.match(cli.err(), new RegExp(`error: history was not saved to ${path.replace(/[.]/g, '\\.')}: .*the disk is full\\. The history file on disk is unchanged\\.`));
      assert.doesNotMatch(cli.out(), /^history: /m);
      assert.deepStrictEqual(readFileSync(path), before);
      assert.deepStrictEqual(readdirSync(fs.dir).filter((n) => n.endsWith('.lock') || n.includes('.tmp-')), []);
    } finally {
      fs.unmount();
    }
  });
});
