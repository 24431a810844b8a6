// A tiny typed event emitter: listeners take positional arguments, so the hot `delta` event allocates
// nothing per emit beyond the argument list, and nothing at all when no one listens.

/** Event name → the listener's argument tuple. */
export type EventMap = { [event: string]: unknown[] };

/** Returned by `on`; call it to unsubscribe. */
export type Unsubscribe = () => void;

/** Typed emitter; a listener that throws is reported to `onListenerError` and the others still run. */
export class Emitter<E extends EventMap> {
  private readonly listeners: { [K in keyof E]?: ((...args: E[K]) => void)[] } = {};

  constructor(private readonly onListenerError: (err: unknown) => void = (err) => console.error('[assay] event listener failed', err)) {}

  on<K extends keyof E>(event: K, listener: (...args: E[K]) => void): Unsubscribe {
    // Copy-on-write, so an emit in progress keeps the list it started with.
    this.listeners[event] = [...(this.listeners[event] ?? []), listener];
    return () => {
      this.listeners[event] = (this.listeners[event] ?? []).filter((l) => l !== listener);
    };
  }

  /** Whether anyone listens to `event` (lets callers skip building arguments). */
  has<K extends keyof E>(event: K): boolean {
    const list = this.listeners[event];
    return list !== undefined && list.length > 0;
  }

  emit<K extends keyof E>(event: K, ...args: E[K]): void {
    const list = this.listeners[event];
    if (!list) return;
    for (let i = 0; i < list.length; i++) {
      try {
        list[i]!(...args);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }
}
