import * as assert from 'node:assert/strict';
import { LoopBudget } from '../../src/core/run/loopBudget';

/** A lane of jobs that each take `costMs` on the test's clock and pass through the budget first. */
async function lane(budget: LoopBudget, clock: { now: number }, names: string[], events: string[], costMs: number): Promise<void> {
  for (const name of names) {
    const later = budget.pass();
    if (later) await later;
    events.push(name);
    clock.now += costMs;
  }
}

describe('engine: loop budget', () => {
  it('lets jobs go on while the turn has time, then leaves the rest to a later turn, after the timers', async () => {
    const clock = { now: 0 };
    const budget = new LoopBudget(10, () => clock.now);
    const events: string[] = [];
    setTimeout(() => events.push('timer'), 0);
    await lane(budget, clock, ['a', 'b', 'c', 'd', 'e', 'f'], events, 4);
    // a, b and c start at 0, 4 and 8 ms into the turn; d would start at 12, past the budget.
    assert.deepEqual(events, ['a', 'b', 'c', 'timer', 'd', 'e', 'f']);
  });

  it('never holds a job that has the turn to itself, even with no budget', async () => {
    const clock = { now: 0 };
    const budget = new LoopBudget(0, () => clock.now);
    const events: string[] = [];
    await lane(budget, clock, ['a', 'b', 'c'], events, 1);
    assert.deepEqual(events, ['a', 'b', 'c']);
  });

  it('serves waiting jobs in the order they arrived, before any job that comes after them', async () => {
    const clock = { now: 0 };
    const budget = new LoopBudget(5, () => clock.now);
    const events: string[] = [];
    // Each job outlasts the budget, so a turn runs one job: x2 waits first, then y1 (which finds x2
    // waiting), then x3 (which finds y1 waiting), and so on.
    await Promise.all([lane(budget, clock, ['x1', 'x2', 'x3'], events, 6), lane(budget, clock, ['y1', 'y2', 'y3'], events, 6)]);
    assert.deepEqual(events, ['x1', 'x2', 'y1', 'x3', 'y2', 'y3']);
  });

  it('does not wait at all when the jobs fit in the turn', () => {
    const budget = new LoopBudget(10, () => 0);
    for (let i = 0; i < 100; i++) assert.equal(budget.pass(), undefined);
  });
});
