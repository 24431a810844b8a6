// `assay test --batch` as a real process (the built CLI) against the local batch servers: killed with
// SIGKILL while it polls, then `--resume RUN_ID` finishes the run from the batches it had submitted; stopped
// with Ctrl+C it leaves the batches running, and `--resume RUN_ID --cancel` cancels them.
import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TraceStore } from '../../src/core/store/traceStore';
import { startMockBatchServer, type MockBatchServer } from '../support/mockBatchServer';
import { builtCli, startCli, type CliProcess } from '../support/builtCli';
import { runCliIn } from '../support/cliCapture';
import { tempFolder } from '../support/storeFixtures';

const CASES = 30;

const PROMPT = `---
models: [openai:gpt-5.4-nano, anthropic:claude-sonnet-5]
inputs:
  n: { type: number }
tests: tickets.tests.yaml
---
user:
Ticket {{ n }}
`;

function bank(count: number): string {
  const lines = ['tests:'];
  for (let i = 0; i < count; i++) lines.push(`  - description: ticket ${i}`, `    vars: { n: ${i} }`, '    assert: [{ type: contains, value: "Ticket" }]');
  return lines.join('\n') + '\n';
}

describe('CLI: assay test --batch as a process (kill, resume, cancel)', function () {
  this.timeout(180_000);
  let folder: ReturnType<typeof tempFolder>;
  let server: MockBatchServer;
  // The CLI as it ships.
  const cliJs = builtCli('assay-cli-batch-dist-');

  beforeEach(async () => {
    folder = tempFolder('assay-cli-batch-');
    mkdirSync(join(folder.dir, '.git'));
    writeFileSync(join(folder.dir, 'tickets.prompt'), PROMPT);
    writeFileSync(join(folder.dir, 'tickets.tests.yaml'), bank(CASES));
    server = await startMockBatchServer({
      reply: (body) => {
        const asked = JSON.stringify(body.messages);
        // The grader of the llm-rubric cases: the answer repeats its ticket.
        if (asked.includes('user-specified rubric')) return { text: JSON.stringify({ reason: 'it does', pass: asked.includes('Echo:'), score: 1 }) };
        return { text: `Echo: ${asked}` };
      },
    });
  });
  afterEach(async () => {
    await server.close();
    folder.cleanup();
  });

  function start(args: string[], env: NodeJS.ProcessEnv = {}): CliProcess {
    return startCli(cliJs, ['test', ...args], folder.dir, {
      ...env,
      PATH: process.env.PATH,
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: server.openaiBaseUrl,
      ANTHROPIC_API_KEY: 'sk-ant-test',
      ANTHROPIC_BASE_URL: server.anthropicBaseUrl,
    });
  }

  async function tracesOf(runId: string) {
    const store = await TraceStore.open({ path: join(folder.dir, '.assay', 'history.sqlite') });
    try {
      const traces = await store.listTraces({ runId }, { limit: 1000 });
      const runs = await store.listRuns({}, { limit: 10 });
      return { traces: traces.items, run: runs.items.find((r) => r.id === runId) };
    } finally {
      await store.close();
    }
  }

  it('resumes a run killed with SIGKILL mid-poll from its stored batches and records every result once', async () => {
    server.hold();
    const first = start(['tickets.prompt', '--batch', '--batch-poll-max', '0.05']);
    const created = await first.lines(/^batch: \w+ batch \S+ created/, 2);
    const runId = /--resume (\S+)\)/.exec(created[0]!)?.[1];
    assert.ok(runId, `the created line names the resume command: ${created[0]}`);
    // Both batches are stored once their lines are printed; the process is polling (held batches never move).
    await first.lines(/^batch \w+ \S+: (validating|in_progress)/, 2);
    first.child.kill('SIGKILL');
    assert.strictEqual(await first.exit, -1);
    assert.deepStrictEqual([...server.batches.values()].map((b) => b.results), [null, null], 'nothing was read before the kill');

    server.release();
    const second = start(['--resume', runId, '--batch-poll-max', '0.05']);
    const code = await second.exit;
    assert.strictEqual(code, 0, `${second.out()}\n${second.err()}`);
    assert.match(second.out(), /batch: openai batch \S+ resumed with 30 requests/);
    assert.match(second.out(), /batch: anthropic batch \S+ resumed with 30 requests/);
    assert.strictEqual(server.batches.size, 2, 'no batch was submitted again');
    assert.ok(!server.log.includes('POST /v1/chat/completions') && !server.log.includes('POST /v1/messages'), 'nothing ran live');
    assert.match(second.out(), /60 executions: 60 passed, 0 failed, 0 errors/);

    const { traces, run } = await tracesOf(runId);
    assert.strictEqual(traces.length, 2 * CASES, 'every execution recorded');
    assert.strictEqual(new Set(traces.map((t) => `${t.caseId} ${t.provider}:${t.model} ${t.repeatIndex}`)).size, 2 * CASES, 'each exactly once');
    assert.strictEqual(run?.status, 'done');
  });

  it('resumes a run killed with SIGKILL while its grader batch ran: nothing is submitted again, every grader call is recorded once', async () => {
    writeFileSync(join(folder.dir, 'graded.prompt'), PROMPT.replace(', anthropic:claude-sonnet-5', '').replace('tickets.tests.yaml', 'graded.tests.yaml'));
    writeFileSync(join(folder.dir, 'graded.tests.yaml'), bank(CASES).replace(/\{ type: contains, value: "Ticket" \}/g, '{ type: llm-rubric, value: repeats the ticket }'));
    // The grader batch (the second one) waits at the provider, so the kill comes while the run polls it.
    void server.whenCreated(2).then(() => server.hold());
    const env = { ASSAY_GRADER_MODEL: 'openai:gpt-5.4-nano' };
    const first = start(['graded.prompt', '--batch', '--batch-poll-max', '0.05'], env);
    const created = await first.lines(/^batch: openai grader batch \(round 1\) \S+ created with 30 requests/, 1);
    const runId = /--resume (\S+)\)/.exec(created[0]!)![1]!;
    first.child.kill('SIGKILL');
    assert.strictEqual(await first.exit, -1);

    server.release();
    const second = start(['--resume', runId, '--batch-poll-max', '0.05'], env);
    assert.strictEqual(await second.exit, 0, `${second.out()}\n${second.err()}`);
    assert.match(second.out(), /batch: openai batch \S+ resumed with 30 requests/);
    assert.match(second.out(), /batch: openai grader batch \(round 1\) \S+ resumed with 30 requests/);
    assert.strictEqual(server.batches.size, 2, 'no batch was submitted again');
    assert.ok(!server.log.includes('POST /v1/chat/completions'), 'nothing ran live');
    assert.match(second.out(), /30 executions: 30 passed, 0 failed, 0 errors/);
    const { traces, run } = await tracesOf(runId);
    const graders = traces.filter((t) => t.promptPath === '(grader)');
    assert.strictEqual(traces.length - graders.length, CASES, 'every execution recorded');
    assert.strictEqual(graders.length, CASES, 'every grader call recorded');
    assert.strictEqual(new Set(graders.map((t) => t.caseId)).size, CASES, 'each exactly once');
    assert.strictEqual(run?.status, 'done');
  });

  it('leaves the batches running on Ctrl+C and prints the resume command; --resume --cancel cancels them', async () => {
    server.hold();
    const first = start(['tickets.prompt', '--batch', '--batch-poll-max', '0.05']);
    const created = await first.lines(/^batch: \w+ batch \S+ created/, 2);
    const runId = /--resume (\S+)\)/.exec(created[0]!)![1]!;
    await first.lines(/^batch \w+ \S+: (validating|in_progress)/, 2);
    first.child.kill('SIGINT');
    assert.strictEqual(await first.exit, 130, first.err());
    assert.match(first.out(), new RegExp(`keep running at the provider\\. Resume with: assay test --resume ${runId}`));
    assert.ok([...server.batches.values()].every((b) => !b.cancelled && b.results === null), 'the batches were left running');

    server.release();
    const second = start(['--resume', runId, '--cancel', '--batch-poll-max', '0.05']);
    const code = await second.exit;
    assert.strictEqual(code, 1, 'cancelled executions are errors');
    assert.strictEqual((second.out().match(/^batch: cancelling /gm) ?? []).length, 2);
    assert.ok([...server.batches.values()].every((b) => b.cancelled), 'both batches were cancelled at the provider');
    assert.ok(!server.log.includes('POST /v1/chat/completions'), 'a cancelled item is not retried');
    const { traces, run } = await tracesOf(runId);
    assert.strictEqual(traces.length, 2 * CASES, 'each execution recorded once, as cancelled');
    assert.ok(traces.every((t) => t.status === 'error'));
    assert.strictEqual(run?.status, 'done');
  });
});

describe('CLI: assay test --batch options', () => {
  let folder: ReturnType<typeof tempFolder>;
  beforeEach(() => {
    folder = tempFolder('assay-cli-batch-args-');
    mkdirSync(join(folder.dir, '.git'));
    writeFileSync(join(folder.dir, 'tickets.prompt'), PROMPT);
    writeFileSync(join(folder.dir, 'tickets.tests.yaml'), bank(2));
  });
  afterEach(() => folder.cleanup());

  const cli = (argv: string[]) => runCliIn(folder.dir, ['test', ...argv], { OPENAI_API_KEY: 'k', ANTHROPIC_API_KEY: 'k' });

  const usage: [string, string[], RegExp][] = [
    ['--cancel without --resume', ['tickets.prompt', '--batch', '--cancel'], /--cancel cancels the batches of a run: give it with --resume RUN_ID/],
    ['--resume with files', ['--resume', 'X', 'tickets.prompt'], /--resume RUN_ID runs what that run ran: give no files and no --batch/],
    ['--resume with --no-history', ['--resume', 'X', '--no-history'], /cannot be used with --no-history/],
    ['a poll wait of 0', ['tickets.prompt', '--batch', '--batch-poll-max', '0'], /--batch-poll-max must be a number of seconds above 0/],
    ['--live-graders without --batch', ['tickets.prompt', '--live-graders'], /--live-graders says how a batch run grades: give it with --batch/],
  ];
  for (const [why, argv, message] of usage) {
    it(`refuses ${why} (exit 2, nothing run)`, async () => {
      const r = await cli(argv);
      assert.strictEqual(r.code, 2);
      assert.match(r.err, message);
    });
  }

  it('--list --batch says which models go through a batch API and which run live', async () => {
    const r = await cli(['tickets.prompt', '--batch', '--list', '--models', 'openai:gpt-5.4-nano,anthropic:claude-sonnet-5,echo']);
    assert.strictEqual(r.code, 0, r.err);
    assert.match(r.out, /openai:gpt-5\.4-nano → gpt-5\.4-nano at .*; batch API\n/);
    assert.match(r.out, /anthropic:claude-sonnet-5 → claude-sonnet-5 at .*; batch API\n/);
    assert.match(r.out, /echo:echo → echo at .*; live, no batch API \(the echo provider makes no API call\)\n/);
  });

  it('refuses cases that wait on each other (storeOutputAs) or run alone (runSerially), with file:line, before any call', async () => {
    writeFileSync(
      join(folder.dir, 'tickets.tests.yaml'),
      ['tests:', '  - description: first', '    vars: { n: 1 }', '    options: { storeOutputAs: first }', '  - description: alone', '    vars: { n: 2 }', '    options: { runSerially: true }', ''].join('\n'),
    );
    const r = await cli(['tickets.prompt', '--batch']);
    assert.strictEqual(r.code, 2, r.err);
    assert.match(r.err, /error: tickets\.tests\.yaml:2: .*a case stores its output \(storeOutputAs\).*run this suite without --batch/);
    assert.match(r.err, /error: tickets\.tests\.yaml:5: .*runSerially cases run one at a time.*run this suite without --batch/);
    assert.match(r.err, /nothing was run/);
    // Without --batch the same files run (here to the plan: the cases themselves are fine).
    const plan = await cli(['tickets.prompt', '--list']);
    assert.strictEqual(plan.code, 0, plan.err);
  });

  it('says why an unknown run cannot be resumed, and runs nothing', async () => {
    const r = await cli(['--resume', '01NOSUCHRUN']);
    assert.strictEqual(r.code, 2, r.err);
    assert.match(r.err, /--resume 01NOSUCHRUN: the run in \.assay\/history\.sqlite cannot be resumed: no batch run with that id/);
    assert.strictEqual(r.out, '');
  });
});
