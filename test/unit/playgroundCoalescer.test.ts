import * as assert from 'node:assert/strict';
import { FRAME_MS, RunUpdateCoalescer, type CoalescerClock } from '../../src/host/playground/runUpdateCoalescer';
import type { ColumnResult, RunUpdate } from '../../src/shared/playgroundProtocol';

/**
 * A clock the test moves by hand: timers fire only when `advance` passes their time, `earlyMs` before it
 * (real timers have millisecond granularity and may fire a little early).
 */
class ManualClock implements CoalescerClock {
  time = 1000;
  constructor(private readonly earlyMs = 0) {}
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private ids = 0;
  now(): number {
    return this.time;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.ids;
    this.timers.push({ at: this.time + ms - this.earlyMs, fn, id });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }
  get pending(): number {
    return this.timers.length;
  }
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const next = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.time = Math.max(this.time, next.at);
      next.fn();
    }
    this.time = end;
  }
}

function result(columnId: string, text: string): ColumnResult {
  return { columnId, model: 'mock:m', status: 'ok', text, finishReason: 'stop', inputTokens: 1, outputTokens: 1, cost: null, latencyMs: 5, ttftMs: 1, traceId: null, fileHash: 'h' };
}

describe('playground run-update coalescer', () => {
  function setup(earlyMs = 0, intervalMs = FRAME_MS): { clock: ManualClock; batches: { at: number; updates: RunUpdate[] }[]; c: RunUpdateCoalescer } {
    const clock = new ManualClock(earlyMs);
    const batches: { at: number; updates: RunUpdate[] }[] = [];
    const c = new RunUpdateCoalescer((updates) => batches.push({ at: clock.now(), updates }), intervalMs, clock);
    return { clock, batches, c };
  }

  it('merges every delta of a frame, per column and in order, into one message', () => {
    const { clock, batches, c } = setup();
    c.started('r1', ['a', 'b'], 'hash');
    for (const t of ['Hel', 'lo', ' wor', 'ld']) c.delta('r1', 'a', t);
    c.delta('r1', 'b', 'Bon');
    c.delta('r1', 'b', 'jour');
    assert.strictEqual(batches.length, 0, 'nothing is sent synchronously');
    clock.advance(0);
    assert.strictEqual(batches.length, 1, 'one message for the whole turn');
    assert.deepStrictEqual(batches[0]!.updates, [{ runId: 'r1', started: { columnIds: ['a', 'b'], fileHash: 'hash' }, deltas: { a: 'Hello world', b: 'Bonjour' } }]);
  });

  it('keeps reasoning deltas apart from the text, per column and in order, in the same message', () => {
    const { clock, batches, c } = setup();
    for (const t of ['The user ', 'wants ', 'tea.']) c.reasoning('r1', 'a', t);
    c.delta('r1', 'a', 'Tea');
    c.reasoning('r1', 'a', '');
    clock.advance(0);
    assert.deepStrictEqual(batches.map((b) => b.updates), [[{ runId: 'r1', deltas: { a: 'Tea' }, reasoningDeltas: { a: 'The user wants tea.' } }]]);
  });

  it('never sends two messages less than a frame apart, however fast deltas come', () => {
    const { clock, batches, c } = setup();
    // 4 columns × 100 tokens/s for one second: a delta every 2.5 ms.
    for (let t = 0; t < 1000; t += 2.5) {
      c.delta('r1', `col${Math.round(t / 2.5) % 4}`, 'x ');
      clock.advance(2.5);
    }
    clock.advance(FRAME_MS);
    const gaps = batches.slice(1).map((b, i) => b.at - batches[i]!.at);
    assert.ok(gaps.every((g) => g >= FRAME_MS - 1e-9), `gaps under a frame: ${gaps.filter((g) => g < FRAME_MS).join(', ')}`);
    assert.ok(batches.length <= 61, `${batches.length} messages in one second`);
    const text = batches.flatMap((b) => b.updates.map((u) => Object.values(u.deltas ?? {}).join(''))).join('');
    assert.strictEqual(text.length, 400 * 2, 'every delta arrived');
  });

  it('puts a column\'s last deltas before its result in the same message', () => {
    const { clock, batches, c } = setup();
    c.delta('r1', 'a', 'partial');
    c.finished('r1', result('a', 'partial answer'));
    c.done('r1', 'done');
    clock.advance(0);
    assert.deepStrictEqual(batches[0]!.updates, [{ runId: 'r1', deltas: { a: 'partial' }, finished: [result('a', 'partial answer')], done: { status: 'done' } }]);
  });

  it('keeps runs apart within one message', () => {
    const { clock, batches, c } = setup();
    c.delta('r1', 'a', 'one');
    c.failed('r2', { message: 'Missing variable' });
    c.done('r2', 'failed');
    clock.advance(0);
    assert.deepStrictEqual(batches[0]!.updates, [
      { runId: 'r1', deltas: { a: 'one' } },
      { runId: 'r2', failure: { message: 'Missing variable' }, done: { status: 'failed' } },
    ]);
  });

  it('holds a single timer while idle deltas trickle in, and none when idle', () => {
    const { clock, c } = setup();
    assert.strictEqual(clock.pending, 0, 'no timer before anything happens');
    c.delta('r1', 'a', 'x');
    c.delta('r1', 'a', 'y');
    c.delta('r1', 'b', 'z');
    assert.strictEqual(clock.pending, 1, 'one timer per panel, not per delta');
    clock.advance(100);
    assert.strictEqual(clock.pending, 0, 'no timer once everything is sent');
  });

  it('re-arms instead of sending when a timer fires early', () => {
    // A whole-millisecond interval, so rounding up cannot hide a timer that fires half a millisecond early.
    const { clock, batches, c } = setup(0.5, 10);
    c.delta('r1', 'a', 'first');
    clock.advance(0);
    c.delta('r1', 'a', 'second');
    clock.advance(9.6);
    assert.strictEqual(batches.length, 1, 'the timer fired early and did not send');
    assert.strictEqual(clock.pending, 1, 'it re-armed');
    clock.advance(1);
    assert.strictEqual(batches.length, 2, 'the second message once the interval has passed');
    assert.ok(batches[1]!.at - batches[0]!.at >= 10, `gap ${batches[1]!.at - batches[0]!.at} ms`);
  });

  it('flush sends at once; dispose drops what is pending and sends nothing more', () => {
    const { clock, batches, c } = setup();
    c.delta('r1', 'a', 'now');
    c.flush();
    assert.strictEqual(batches.length, 1);
    assert.strictEqual(c.messages, 1);
    c.delta('r1', 'a', 'later');
    c.dispose();
    c.delta('r1', 'a', 'after');
    clock.advance(100);
    assert.strictEqual(batches.length, 1, 'a disposed coalescer sends nothing');
    assert.strictEqual(clock.pending, 0);
  });
});
