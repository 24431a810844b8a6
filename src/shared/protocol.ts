// The typed message protocol between the host and its webviews (STYLE.md, "Typed webview protocol").
// Three kinds of message, each a small descriptor with an `is` guard:
//   command       webview → host, no reply
//   request       webview → host, answered by a response with the same id
//   notification  host → webview
// A webview sends `ReadyCommand` once its script runs; the host queues notifications until then.

export interface CommandType<P> {
  readonly kind: 'command';
  readonly method: string;
  /** Phantom field carrying the params type. */
  readonly _params?: P;
}

export interface RequestType<P, R> {
  readonly kind: 'request';
  readonly method: string;
  readonly _params?: P;
  readonly _result?: R;
}

export interface NotificationType<P> {
  readonly kind: 'notification';
  readonly method: string;
  readonly _params?: P;
}

export function command<P>(method: string): CommandType<P> {
  return { kind: 'command', method };
}
export function request<P, R>(method: string): RequestType<P, R> {
  return { kind: 'request', method };
}
export function notification<P>(method: string): NotificationType<P> {
  return { kind: 'notification', method };
}

/** What travels over `postMessage`. */
export interface IpcMessage {
  method: string;
  params?: unknown;
  /** Set on requests and on the response that answers them. */
  id?: number;
  /** Set only on responses. */
  response?: true;
  /** A failed request: the host's error message. */
  error?: string;
}

export function isIpcMessage(value: unknown): value is IpcMessage {
  return typeof value === 'object' && value !== null && typeof (value as IpcMessage).method === 'string';
}

/** True when `msg` is an instance of the descriptor `type`; narrows its params. */
export function isMessage<P>(
  type: CommandType<P> | NotificationType<P> | RequestType<P, unknown>,
  msg: IpcMessage,
): msg is IpcMessage & { params: P } {
  return msg.method === type.method && !msg.response;
}

/** Sent by every webview when its script has started; the host then sends its state. */
export const ReadyCommand = command<Record<string, never>>('ready');
