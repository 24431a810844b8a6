import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parseTime } from '../../src/cli/historyCommand';
import { runCli } from '../../src/cli/main';
import type { StoreStats, TraceRecord } from '../../src/core/store/storeTypes';
import { TraceStore } from '../../src/core/store/traceStore';
import { makeTrace, tempFolder } from '../support/storeFixtures';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

async function cli(cwd: string, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await runCli(['history', ...argv], { cwd, env: {}, stdout, stderr, signal: new AbortController().signal });
  return { code, out: stdout.text, err: stderr.text };
}

describe('assay history', function () {
  this.timeout(20_000);
  let folder: ReturnType<typeof tempFolder>;
  const T = Date.UTC(2025, 4, 1, 12, 0, 0);

  before(async () => {
    folder = tempFolder('assay-cli-');
    const store = await TraceStore.open({ path: join(folder.dir, '.assay', 'history.sqlite') });
    await store.addTraces([
      makeTrace({ startedAt: T, caseId: 'a' }),
      makeTrace({ startedAt: T + 1000, caseId: 'b', model: { provider: 'anthropic', model: 'claude-3-5-haiku-latest' }, cost: 0.5 }),
      makeTrace({ startedAt: T + 2000, caseId: 'c', error: { kind: 'timeout', message: 'timed out' } }),
    ]);
    await store.close();
  });
  after(() => folder.cleanup());

  it('prints stats for the history under the current folder', async () => {
    const r = await cli(folder.dir, 'stats');
    assert.strictEqual(r.code, 0, r.err);
    assert.match(r.out, /Traces +3 +\(2025-05-01 12:00Z … 2025-05-01 12:00Z\)/);
    assert.match(r.out, /openai:gpt-4o-mini +2 +1 +\$0\.0000/);
    assert.match(r.out, /anthropic:claude-3-5-haiku-latest +1 +0 +\$0\.5000/);
  });

  it('prints stats as JSON', async () => {
    const r = await cli(folder.dir, 'stats', '--json');
    const stats = JSON.parse(r.out) as StoreStats;
    assert.deepStrictEqual([stats.counts.traces, stats.schemaVersion > 0, stats.fileBytes > 0], [3, true, true]);
  });

  it('exports every trace in full to JSONL, oldest first', async () => {
    const r = await cli(folder.dir, 'export', '--out', 'out/all.jsonl');
    assert.strictEqual(r.code, 0, r.err);
    assert.match(r.err, /exported 3 traces/);
    const lines = readFileSync(join(folder.dir, 'out', 'all.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TraceRecord);
    assert.deepStrictEqual(lines.map((l) => l.caseId), ['a', 'b', 'c']);
    assert.deepStrictEqual(lines[0]!.request, makeTrace().request, 'payloads decompressed');
  });

  const filtered: [string, string[], string[]][] = [
    ['--status error', ['--status', 'error'], ['c']],
    ['--provider=anthropic', ['--provider=anthropic'], ['b']],
    ['--format jsonl --since/--until', ['--format', 'jsonl', '--since', new Date(T + 500).toISOString(), '--until', new Date(T + 1500).toISOString()], ['b']],
  ];
  for (const [why, args, want] of filtered) {
    it(`exports with filters: ${why}`, async () => {
      const out = join(folder.dir, 'filtered.jsonl');
      const r = await cli(folder.dir, 'export', '--out', out, ...args);
      assert.strictEqual(r.code, 0, r.err);
      const cases = readFileSync(out, 'utf8').trim().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as TraceRecord).caseId);
      assert.deepStrictEqual(cases, want);
    });
  }

  const usage: [string, string[], RegExp][] = [
    ['no subcommand', [], /missing subcommand/],
    ['unknown subcommand', ['prune'], /unknown subcommand 'prune'/],
    ['export without --out', ['export'], /export needs --out FILE/],
    ['unknown format', ['export', '--out', 'x', '--format', 'csv'], /unknown format 'csv' \([^)]*jsonl[^)]*\)/],
    ['bad status', ['export', '--out', 'x', '--status', 'failed'], /--status must be ok or error/],
    ['bad time', ['export', '--out', 'x', '--since', 'yesterday-ish'], /neither a date nor an age/],
    ['unknown option', ['stats', '--verbose'], /unknown option '--verbose'/],
  ];
  for (const [why, args, message] of usage) {
    it(`explains a usage error (exit 2): ${why}`, async () => {
      const r = await cli(folder.dir, ...args);
      assert.strictEqual(r.code, 2);
      assert.match(r.err, message);
    });
  }

  it('says so when there is no history yet, and creates nothing', async () => {
    const empty = tempFolder('assay-cli-empty-');
    try {
      const r = await cli(empty.dir, 'stats');
      assert.strictEqual(r.code, 0);
      assert.match(r.err, /no history at .*history\.sqlite yet/);
      assert.match(r.out, /Traces +0/);
      assert.strictEqual(existsSync(join(empty.dir, '.assay')), false);
    } finally {
      empty.cleanup();
    }
  });

  it('parses ages and dates', () => {
    const now = 1_000_000_000;
    assert.deepStrictEqual(
      ['30m', '24h', '7d', '2025-01-01T00:00:00Z', 'soon'].map((s) => parseTime(s, now)),
      [now - 1_800_000, now - 86_400_000, now - 7 * 86_400_000, Date.UTC(2025, 0, 1), null],
    );
  });
});
