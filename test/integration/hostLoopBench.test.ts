// Not part of the test suite: the in-editor half of bench/hostLoop.bench.ts (issue #19's "extension-host
// event-loop p99 during such a run"). It registers only when the bench names its output file in
// ASSAY_BENCH_HOST_LOOP, so `npm test` never runs it. It runs a 2,000-case bank through "Run test bank"
// (the Test Explorer run, the results panel and the history, as a user's run) against the bench's mock
// server in another process, twice, samples the extension host's event-loop delay during the second run and
// writes the figures.
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import type { LastRunSummary } from '../../src/host/testing/runCoordinator';
import { assayExtension, closeAllEditors, workspaceUri } from './support/vscodeHelpers';

const OUT = process.env.ASSAY_BENCH_HOST_LOOP;
const MOCK_URL = process.env.ASSAY_BENCH_MOCK_URL;
const CASES = Number(process.env.ASSAY_BENCH_CASES ?? 2000);
const CONCURRENCY = Number(process.env.ASSAY_BENCH_CONCURRENCY ?? 100);
/** Where to write a CPU profile of the extension host during the run (for finding where the time goes). */
const PROFILE = process.env.ASSAY_BENCH_HOST_PROFILE;

if (OUT && MOCK_URL) {
  describe('bench: the extension host during a 2,000-case run', function () {
    this.timeout(600_000);

    it('runs the bank from the editor and records the event-loop delay', async () => {
      await assayExtension().activate();
      const config = vscode.workspace.getConfiguration('assay');
      await config.update('endpoints', [{ name: 'mock', baseUrl: `${MOCK_URL}/v1`, models: ['alpha'] }], vscode.ConfigurationTarget.Global);
      await config.update('concurrency', CONCURRENCY, vscode.ConfigurationTarget.Global);
      const cases = Array.from({ length: CASES }, (_, i) => JSON.stringify({ description: `case ${i}`, vars: { q: `question ${i}` }, assert: [{ type: 'contains', value: 'question' }] }));
      writeFileSync(workspaceUri('loop.tests.jsonl').fsPath, cases.join('\n') + '\n');
      writeFileSync(workspaceUri('loop.prompt').fsPath, '---\nmodels: [mock:alpha]\ntests: loop.tests.jsonl\n---\nuser:\nAnswer {{ q }}\n');

      // The one-off costs of a workspace's first run come first: a small run of another prompt loads the lazy
      // modules and warms the code, and the Test Explorer lists the bank's 2,000 items. The measured run is then
      // the steady state of a user iterating (its calls are new: the response cache has none of them).
      writeFileSync(workspaceUri('warm.tests.jsonl').fsPath, cases.slice(0, 200).join('\n') + '\n');
      writeFileSync(workspaceUri('warm.prompt').fsPath, '---\nmodels: [mock:alpha]\ntests: warm.tests.jsonl\n---\nuser:\nWarm up with {{ q }}\n');
      const warm = await vscode.commands.executeCommand<LastRunSummary | undefined>('assay.runTestBank', workspaceUri('warm.prompt'));
      assert.strictEqual(warm?.cells.length, 200, 'the warm-up run ran every case');
      await vscode.commands.executeCommand('assay.internal.testTree');
      const inspector = PROFILE ? new Session() : undefined;
      if (inspector) {
        inspector.connect();
        await inspector.post('Profiler.enable');
        await inspector.post('Profiler.start');
      }
      const loop = monitorEventLoopDelay({ resolution: 5 });
      loop.enable();
      const t0 = performance.now();
      const summary = await vscode.commands.executeCommand<LastRunSummary | undefined>('assay.runTestBank', workspaceUri('loop.prompt'));
      const wallMs = performance.now() - t0;
      loop.disable();
      if (inspector && PROFILE) {
        const { profile } = await inspector.post('Profiler.stop');
        writeFileSync(PROFILE, JSON.stringify(profile));
        inspector.disconnect();
      }
      assert.ok(summary, 'the run finished');
      assert.strictEqual(summary.cells.length, CASES, 'every case ran');
      assert.strictEqual(summary.totals.passed, CASES, 'and passed (the mock echoes the question)');
      const ms = (ns: number) => Math.round((ns / 1e6) * 10) / 10;
      writeFileSync(OUT, JSON.stringify({ cases: CASES, concurrency: CONCURRENCY, wallMs: Math.round(wallMs), p50Ms: ms(loop.percentile(50)), p99Ms: ms(loop.percentile(99)), maxMs: ms(loop.max), passed: summary.totals.passed }));
      await config.update('endpoints', undefined, vscode.ConfigurationTarget.Global);
      await config.update('concurrency', undefined, vscode.ConfigurationTarget.Global);
      await closeAllEditors();
    });
  });
}
