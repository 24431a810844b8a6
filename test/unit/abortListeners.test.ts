import * as assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { onAbort } from '../../src/core/run/abortListeners';

describe('abort listeners on a shared signal', () => {
  it('calls each waiting callback once, in the order added, through one listener on the signal', () => {
    const controller = new AbortController();
    const calls: string[] = [];
    const stops = ['a', 'b', 'c'].map((name) => onAbort(controller.signal, () => calls.push(name)));
    assert.equal(getEventListeners(controller.signal, 'abort').length, 1, 'one real listener, however many jobs wait');
    stops[1]!();
    controller.abort();
    controller.abort();
    assert.deepEqual(calls, ['a', 'c'], 'a removed callback is not called; a second abort calls nothing');
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  });

  it('adds the same function once, as addEventListener does, and keeps signals apart', () => {
    const first = new AbortController();
    const second = new AbortController();
    let n = 0;
    const count = (): void => void n++;
    onAbort(first.signal, count);
    onAbort(first.signal, count);
    onAbort(second.signal, count);
    first.abort();
    assert.equal(n, 1);
    second.abort();
    assert.equal(n, 2);
  });
});
