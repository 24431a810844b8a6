// Abort listeners on a signal many jobs share. A run's signal is listened to by every job in flight (its
// attempt, its wait for a slot, its retry wait), and Node's EventTarget looks through all of a signal's
// listeners on each add and remove: at concurrency 100 that walk cost more per call than the scheduler's
// own work. Here each signal gets one real listener, and the jobs' callbacks sit in a Set (constant time
// to add and remove), run in the order they were added when the signal aborts.

const fanouts = new WeakMap<AbortSignal, Set<() => void>>();

/**
 * Calls `fn` once when `signal` aborts (never when it already has: check `aborted` first); adding the same
 * function twice adds it once, as with `addEventListener`. Returns the function that removes it.
 */
export function onAbort(signal: AbortSignal, fn: () => void): () => void {
  let callbacks = fanouts.get(signal);
  if (!callbacks) {
    const set = new Set<() => void>();
    callbacks = set;
    fanouts.set(signal, set);
    signal.addEventListener(
      'abort',
      () => {
        fanouts.delete(signal);
        for (const f of [...set]) f();
      },
      { once: true },
    );
  }
  callbacks.add(fn);
  return () => void callbacks.delete(fn);
}
