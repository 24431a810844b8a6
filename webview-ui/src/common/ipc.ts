// The webview side of src/shared/protocol.ts: commands and requests to the host, notifications from it,
// and the persisted view state (getState/setState survives reloads without retainContextWhenHidden).
import {
  isIpcMessage,
  ReadyCommand,
  type CommandType,
  type IpcMessage,
  type NotificationType,
  type RequestType,
} from '../../../src/shared/protocol';

interface VsCodeApi {
  postMessage(msg: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const api = acquireVsCodeApi();
let nextId = 1;
const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
const listeners = new Map<string, ((params: unknown) => void)[]>();

window.addEventListener('message', (event: MessageEvent) => {
  const msg = event.data as unknown;
  if (!isIpcMessage(msg)) return;
  if (msg.response && msg.id !== undefined) {
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (msg.error !== undefined) p.reject(new Error(msg.error));
    else p.resolve(msg.params);
    return;
  }
  for (const l of listeners.get(msg.method) ?? []) l(msg.params);
});

export function sendCommand<P>(type: CommandType<P>, params: P): void {
  api.postMessage({ method: type.method, params } satisfies IpcMessage);
}

export function sendRequest<P, R>(type: RequestType<P, R>, params: P): Promise<R> {
  const id = nextId++;
  return new Promise<R>((resolve, reject) => {
    pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
    api.postMessage({ method: type.method, params, id } satisfies IpcMessage);
  });
}

export function onNotification<P>(type: NotificationType<P>, listener: (params: P) => void): void {
  const list = listeners.get(type.method) ?? [];
  list.push(listener as (params: unknown) => void);
  listeners.set(type.method, list);
}

/** Tells the host the script runs; call after registering notification listeners. */
export function signalReady(): void {
  sendCommand(ReadyCommand, {});
}

export function getState<S>(): S | undefined {
  return api.getState() as S | undefined;
}

export function setState<S>(state: S): void {
  api.setState(state);
}
