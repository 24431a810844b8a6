import * as assert from 'node:assert/strict';
import { Scheduler, type Slot } from '../../src/core/run/scheduler';

/** Acquires and records the order in which grants arrive. */
function track(s: Scheduler, order: string[], name: string, endpoint: string, options: { signal?: AbortSignal; retry?: boolean } = {}): Promise<Slot | null> {
  return s.acquire(endpoint, options).then((slot) => {
    order.push(slot ? name : `${name}:aborted`);
    return slot;
  });
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('engine: scheduler', () => {
  it('grants at most the global limit, then serves waiters first come first served', async () => {
    const s = new Scheduler(2);
    const order: string[] = [];
    const slots = await Promise.all([track(s, order, 'a', 'x'), track(s, order, 'b', 'y')]);
    const c = track(s, order, 'c', 'x');
    const d = track(s, order, 'd', 'y');
    await settle();
    assert.deepEqual(order, ['a', 'b'], 'c and d wait');
    assert.equal(s.stats().queued, 2);
    s.release(slots[1]!, 'ok');
    await settle();
    assert.deepEqual(order, ['a', 'b', 'c'], 'the oldest waiter goes first, whatever its endpoint');
    s.release(slots[0]!, 'ok');
    await Promise.all([c, d]);
    assert.deepEqual(order, ['a', 'b', 'c', 'd']);
  });

  it('holds an endpoint to its own limit without blocking other endpoints', async () => {
    const s = new Scheduler(10);
    s.configureEndpoint('slow', 1);
    const order: string[] = [];
    const first = await track(s, order, 's1', 'slow');
    const s2 = track(s, order, 's2', 'slow');
    await track(s, order, 'f1', 'fast');
    assert.deepEqual(order, ['s1', 'f1'], 'fast is served while slow is full');
    s.release(first!, 'ok');
    await s2;
    assert.deepEqual(order, ['s1', 'f1', 's2']);
  });

  it('halves an endpoint on 429 once per burst, then grows back one step per round of successes', async () => {
    const s = new Scheduler(8);
    const slots = await Promise.all(Array.from({ length: 8 }, () => s.acquire('api')));
    const limit = (): number => s.stats().endpoints.find((e) => e.endpoint === 'api')!.limit;
    s.release(slots[0]!, 'rate_limited');
    assert.equal(limit(), 4, '8 in flight → 4');
    s.release(slots[1]!, 'rate_limited');
    assert.equal(limit(), 4, 'a second 429 from the same burst does not halve again');
    const later = await new Promise<Slot | null>((resolve) => {
      for (let i = 2; i < 6; i++) s.release(slots[i]!, 'ok');
      void s.acquire('api').then(resolve);
      for (let i = 6; i < 8; i++) s.release(slots[i]!, 'ok');
    });
    assert.equal(limit(), 5, 'four successes at limit 4 grow it to 5');
    s.release(later!, 'rate_limited');
    assert.equal(limit(), 1, 'a 429 in the new generation halves what was in flight (1), floored at 1');
  });

  it('never halves below 1', async () => {
    const s = new Scheduler(4);
    const slot = await s.acquire('api');
    s.release(slot!, 'rate_limited');
    assert.equal(s.stats().endpoints[0]!.limit, 1);
  });

  it('drops a waiter whose signal aborts, and resolves it to null at once', async () => {
    const s = new Scheduler(1);
    const order: string[] = [];
    const held = await track(s, order, 'a', 'x');
    const controller = new AbortController();
    const b = track(s, order, 'b', 'x', { signal: controller.signal });
    const c = track(s, order, 'c', 'x');
    controller.abort();
    assert.equal(await b, null);
    assert.equal(s.stats().queued, 1);
    s.release(held!, 'ok');
    await c;
    assert.deepEqual(order, ['a', 'b:aborted', 'c']);
  });

  it('serves a retry ahead of new work on its endpoint', async () => {
    const s = new Scheduler(1);
    const order: string[] = [];
    const held = await track(s, order, 'a', 'x');
    const fresh = track(s, order, 'fresh', 'x');
    const retry = track(s, order, 'retry', 'x', { retry: true });
    s.release(held!, 'failed');
    const slot = await retry;
    s.release(slot!, 'ok');
    await fresh;
    assert.deepEqual(order, ['a', 'retry', 'fresh']);
  });

  it('raises the global limit for waiters already queued', async () => {
    const s = new Scheduler(1);
    const order: string[] = [];
    await track(s, order, 'a', 'x');
    const b = track(s, order, 'b', 'x');
    s.setConcurrency(2);
    await b;
    assert.deepEqual(order, ['a', 'b']);
  });

  it('handles thousands of waiters in order', async () => {
    const s = new Scheduler(3);
    const order: number[] = [];
    const all = Array.from({ length: 3000 }, (_, i) =>
      s.acquire(i % 2 ? 'x' : 'y').then((slot) => {
        order.push(i);
        setImmediate(() => s.release(slot!, 'ok'));
      }),
    );
    await Promise.all(all);
    assert.deepEqual(order, Array.from({ length: 3000 }, (_, i) => i));
    assert.equal(s.stats().queued, 0);
  });
});
