// A `fetch` for the SDKs built on node:http with keep-alive agents. Node's built-in fetch (undici) costs
// about 1 ms of CPU per call here, which alone would blow the 1 ms-per-call budget of DESIGN.md §7; this
// transport costs about a third of that. It covers what the SDKs send (JSON bodies, SSE responses,
// AbortSignal) and hands anything unusual (FormData, streamed request bodies) to the global fetch.
import * as http from 'node:http';
import * as https from 'node:https';
import * as zlib from 'node:zlib';

/** The `fetch` shape the SDKs accept. */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

const NULL_BODY_STATUS = new Set([101, 204, 205, 304]);

/**
 * Plain-HTTP requests to these hosts are made with `new http.ClientRequest` (what `http.request` does
 * underneath) rather than `http.request`. In VS Code's extension host `http.request` is wrapped by
 * @vscode/proxy-agent, which on every call reads the proxy and certificate settings and swaps in an agent
 * without keep-alive (microsoft/vscode#228872): a new TCP connection and ~0.45 ms of CPU per call, the
 * largest cost of a run in the editor against a local server (vLLM, Ollama, a gateway). The wrapper sends
 * these hosts DIRECT itself, so bypassing it changes nothing but keep-alive; every other host, and HTTPS,
 * keeps the wrapper, so a user's proxy and system certificates still apply. Outside VS Code both are the same.
 */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '::1']);

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === 'AbortError') return reason;
  return new DOMException('This operation was aborted', 'AbortError');
}

function plainHeaders(h: RequestInit['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  if (h instanceof Headers) {
    h.forEach((v, k) => {
      out[k] = v;
    });
  } else if (Array.isArray(h)) {
    for (const [k, v] of h) if (k !== undefined && v !== undefined) out[k.toLowerCase()] = v;
  } else {
    for (const [k, v] of Object.entries(h)) if (v !== undefined && v !== null) out[k.toLowerCase()] = String(v);
  }
  return out;
}

function responseHeaders(raw: string[]): Headers {
  const headers = new Headers();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    try {
      headers.append(raw[i]!, raw[i + 1]!);
    } catch {
      // A header value fetch would reject (control characters): dropped, as browsers do.
    }
  }
  return headers;
}

function decoderFor(encoding: string | undefined): zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | null {
  switch ((encoding ?? '').trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip();
    case 'deflate':
      return zlib.createInflate();
    case 'br':
      return zlib.createBrotliDecompress();
    default:
      return null;
  }
}

/** A `Response` that keeps the whole body it was built from. */
type BufferedResponse = Response & { readonly buffered: Buffer };
type BufferedResponseClass = new (buffered: Buffer, init: ResponseInit) => BufferedResponse;

let bufferedResponseClass: BufferedResponseClass | undefined;

/**
 * A `Response` whose body was read whole. `json()`/`text()` answer from the buffer instead of going
 * through a web stream, which is most of what a plain `new Response(buffer)` costs; `body` still gives a
 * stream to anyone who asks for one. Defined on first use: touching the global `Response` loads Node's
 * fetch implementation (undici, ~15 ms), which activation must not pay for.
 */
function bufferedResponseCtor(): BufferedResponseClass {
  if (bufferedResponseClass) return bufferedResponseClass;
  class Buffered extends Response {
    constructor(
      readonly buffered: Buffer,
      init: ResponseInit,
    ) {
      super(null, init);
    }
  }
  // Response declares these as properties, so they are installed on the prototype rather than overridden.
  Object.defineProperties(Buffered.prototype, {
    text: {
      configurable: true,
      writable: true,
      value(this: BufferedResponse): Promise<string> {
        return Promise.resolve(this.buffered.toString('utf8'));
      },
    },
    json: {
      configurable: true,
      writable: true,
      value(this: BufferedResponse): Promise<unknown> {
        try {
          return Promise.resolve(JSON.parse(this.buffered.toString('utf8')));
        } catch (err) {
          return Promise.reject(err);
        }
      },
    },
    arrayBuffer: {
      configurable: true,
      writable: true,
      value(this: BufferedResponse): Promise<ArrayBuffer> {
        const b = this.buffered;
        return Promise.resolve(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
      },
    },
    clone: {
      configurable: true,
      writable: true,
      value(this: BufferedResponse): Response {
        return new Buffered(this.buffered, { status: this.status, statusText: this.statusText, headers: this.headers });
      },
    },
    body: {
      configurable: true,
      get(this: BufferedResponse): ReadableStream<Uint8Array> {
        const b = this.buffered;
        return new ReadableStream<Uint8Array>({
          start(controller) {
            if (b.byteLength > 0) controller.enqueue(new Uint8Array(b));
            controller.close();
          },
        });
      },
    },
  });
  bufferedResponseClass = Buffered;
  return Buffered;
}

/** The most a reply may hold, after decompression, unless the caller says otherwise: 32 MiB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

function sizeText(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MB` : `${bytes} bytes`;
}

/**
 * A reply over the size limit: as declared (`content-length`), as received, or as it inflates
 * (`content-encoding`). The transport stops reading at the limit, so memory stays bounded.
 */
export class ResponseTooLargeError extends Error {
  readonly code = 'ASSAY_RESPONSE_TOO_LARGE';

  constructor(
    readonly limit: number,
    readonly how: 'declared' | 'body' | 'inflated' | 'line',
  ) {
    super(
      how === 'declared'
        ? `the server announced a reply larger than the ${sizeText(limit)} limit; Assay did not read it`
        : how === 'line'
          ? `the server sent a file with a line longer than the ${sizeText(limit)} limit; Assay stopped reading it`
          : how === 'inflated'
          ? `the server's compressed reply inflates to more than the ${sizeText(limit)} limit; Assay stopped reading it`
          : `the server's reply is larger than the ${sizeText(limit)} limit; Assay stopped reading it`,
    );
    this.name = 'ResponseTooLargeError';
  }
}

/**
 * The longest server-sent event the transport passes on. The SDKs' SSE parsers copy and rescan their
 * buffer on every chunk until an event ends, so an endless event costs them time quadratic in its size;
 * real events (one delta, one message header) are a few KB.
 */
export const MAX_SSE_EVENT_BYTES = 1024 * 1024;

/** An event stream with no blank line (the end of an event) for longer than the bound. */
export class EventTooLargeError extends Error {
  readonly code = 'ASSAY_EVENT_TOO_LARGE';

  constructor(readonly limit: number) {
    super(`the server sent a stream event longer than ${sizeText(limit)} (no blank line ends it); Assay stopped reading the stream`);
    this.name = 'EventTooLargeError';
  }
}

/** Counts the bytes since the last blank line (`\n\n`, `\r\r`, `\r\n\r\n`) of an event stream. */
class EventBound {
  private since = 0;
  private tail = Buffer.alloc(0);

  constructor(private readonly limit: number) {}

  add(chunk: Buffer): EventTooLargeError | null {
    // The last 3 bytes of the previous chunk join this one's first 3, for a blank line split between them.
    const joint = Buffer.concat([this.tail, chunk.subarray(0, 3)]);
    const inChunk = Math.max(chunk.lastIndexOf('\n\n'), chunk.lastIndexOf('\r\r'), chunk.lastIndexOf('\n\r\n'));
    if (inChunk >= 0) this.since = chunk.byteLength - inChunk;
    else if (joint.indexOf('\n\n') >= 0 || joint.indexOf('\r\r') >= 0 || joint.indexOf('\n\r\n') >= 0) this.since = chunk.byteLength;
    else this.since += chunk.byteLength;
    this.tail = Buffer.from(chunk.subarray(Math.max(0, chunk.byteLength - 3)));
    return this.since > this.limit ? new EventTooLargeError(this.limit) : null;
  }
}

/** Counts the bytes since the last line break of a downloaded file (batch results are JSON lines). */
class LineBound {
  private since = 0;

  constructor(private readonly limit: number) {}

  add(chunk: Buffer): ResponseTooLargeError | null {
    const end = chunk.lastIndexOf(10);
    this.since = end >= 0 ? chunk.byteLength - end - 1 : this.since + chunk.byteLength;
    return this.since > this.limit ? new ResponseTooLargeError(this.limit, 'line') : null;
  }
}

/** Options for `createNodeFetch`. */
export interface NodeFetchOptions {
  /** Falls back to this for requests the transport does not handle; defaults to `globalThis.fetch`. */
  fallback?: FetchLike;
  /** The most a reply body may hold, counted on the wire and after decompression; default 32 MiB. */
  maxResponseBytes?: number;
}

/**
 * Returns a fetch that speaks HTTP/1.1 through keep-alive agents (one pair per transport). Bodies are
 * read whole before the promise resolves, except `text/event-stream` replies and file downloads (the SDKs
 * ask for batch result files with `Accept: application/binary`): those are streamed. A download may be as
 * large as the provider's files are (hundreds of MB): no total limit, only one on the length of a line.
 */
export function createNodeFetch(options: NodeFetchOptions = {}): FetchLike {
  const agents = {
    'http:': new http.Agent({ keepAlive: true, scheduling: 'lifo' }),
    'https:': new https.Agent({ keepAlive: true, scheduling: 'lifo' }),
  };
  const fallback: FetchLike = options.fallback ?? ((input, init) => globalThis.fetch(input, init));
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;

  return (input, init = {}) => {
    const body = init.body;
    const simpleBody = body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array || body instanceof ArrayBuffer;
    if (typeof input !== 'string' && !(input instanceof URL)) return fallback(input, init);
    const url = typeof input === 'string' ? new URL(input) : input;
    if (!simpleBody || (url.protocol !== 'http:' && url.protocol !== 'https:')) return fallback(input, init);

    const signal = init.signal ?? undefined;
    return new Promise<Response>((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortError(signal));
        return;
      }
      const headers = plainHeaders(init.headers);
      const download = headers.accept === 'application/binary';
      const payload = body === undefined || body === null ? undefined : body instanceof ArrayBuffer ? new Uint8Array(body) : body;
      // Credentials in the URL (`https://user:pass@host/v1`) are sent as HTTP basic auth, as curl and
      // browsers do, unless the SDK sends its own Authorization header; they never go in the request line.
      if ((url.username !== '' || url.password !== '') && headers.authorization === undefined) {
        headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
      }
      if (payload !== undefined) headers['content-length'] = String(typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength);
      const isHttps = url.protocol === 'https:';
      const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
      const requestOptions: http.RequestOptions = {
        protocol: url.protocol,
        hostname,
        port: url.port || (isHttps ? 443 : 80),
        path: url.pathname + url.search,
        method: (init.method ?? 'GET').toUpperCase(),
        headers,
        agent: agents[url.protocol as 'http:' | 'https:'],
      };
      const request = !isHttps && LOOPBACK_HOSTS.has(hostname) ? new http.ClientRequest(requestOptions) : (isHttps ? https.request : http.request)(requestOptions);

      let settled = false;
      let response: http.IncomingMessage | undefined;
      const onAbort = (): void => {
        const err = abortError(signal!);
        if (response) response.destroy(err);
        request.destroy(err);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = (): void => signal?.removeEventListener('abort', onAbort);
      const fail = (err: Error): void => {
        done();
        if (!settled) {
          settled = true;
          reject(signal?.aborted ? abortError(signal) : err);
        }
      };

      request.on('error', fail);
      request.on('response', (res) => {
        response = res;
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 599) {
          res.resume();
          fail(new TypeError(`fetch failed: unexpected HTTP status ${status}`));
          return;
        }
        const declared = Number(res.headers['content-length']);
        if (Number.isFinite(declared) && declared > maxBytes && !download) {
          res.destroy();
          fail(new ResponseTooLargeError(maxBytes, 'declared'));
          return;
        }
        const resHeaders = responseHeaders(res.rawHeaders);
        const decoder = decoderFor(res.headers['content-encoding']);
        const source: NodeJS.ReadableStream & { destroy(err?: Error): void } = decoder ? res.pipe(decoder) : res;
        if (decoder) res.on('error', (err) => decoder.destroy(err));
        const init: ResponseInit = { status, statusText: res.statusMessage ?? '', headers: resHeaders };
        const sse = (res.headers['content-type'] ?? '').includes('text/event-stream');
        // Every byte is counted, on the wire and after decompression, and reading stops at the limit: a
        // runaway or hostile server costs at most `maxBytes` of memory, never the process.
        let wireBytes = 0;
        let bodyBytes = 0;
        const stop = (): void => {
          res.destroy();
          decoder?.destroy();
        };
        if (decoder && !download) {
          res.on('data', (c: Buffer) => {
            wireBytes += c.byteLength;
            if (wireBytes > maxBytes) decoder.destroy(new ResponseTooLargeError(maxBytes, 'body'));
          });
        }
        const overLimit = (c: Buffer): Error | null => {
          bodyBytes += c.byteLength;
          return bodyBytes > maxBytes ? new ResponseTooLargeError(maxBytes, decoder ? 'inflated' : 'body') : null;
        };

        if ((!sse && !download) || NULL_BODY_STATUS.has(status)) {
          const chunks: Buffer[] = [];
          source.on('data', (c: Buffer) => {
            if (settled) return;
            const tooLarge = overLimit(c);
            if (tooLarge) {
              stop();
              fail(tooLarge);
              return;
            }
            chunks.push(c);
          });
          source.on('error', (err: Error) => {
            stop();
            fail(err);
          });
          source.on('end', () => {
            done();
            if (settled) return;
            settled = true;
            if (NULL_BODY_STATUS.has(status)) resolve(new Response(null, init));
            else resolve(new (bufferedResponseCtor())(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks), init));
          });
          res.on('close', () => {
            // A connection closed before the body ended: 'end' never comes.
            if (!settled && !res.complete) fail(new TypeError('terminated: the server closed the connection mid-response'));
          });
          return;
        }

        // The consumer (the SDK's SSE parser) may cancel at any point, e.g. on a chunk that is not JSON,
        // while node:http still delivers what was already buffered: after `ended`, nothing reaches the
        // controller again (enqueue/close/error after cancel throw, and would do so in an event handler).
        const bound = download ? new LineBound(maxBytes) : new EventBound(Math.min(maxBytes, MAX_SSE_EVENT_BYTES));
        const tooLargeAfter = (c: Buffer): Error | null => (download ? bound.add(c) : (overLimit(c) ?? bound.add(c)));
        let ended = false;
        let controllerRef: ReadableStreamDefaultController<Uint8Array> | undefined;
        const finish = (how: (controller: ReadableStreamDefaultController<Uint8Array>) => void): void => {
          if (ended) return;
          ended = true;
          done();
          try {
            how(controllerRef!);
          } catch {
            // Closed by the consumer meanwhile: nobody is reading any more.
          }
        };
        const failure = (err: Error): Error => (signal?.aborted ? abortError(signal) : err);
        const stream = new ReadableStream<Uint8Array>({
          start(controller) {
            controllerRef = controller;
            source.on('data', (c: Buffer) => {
              if (ended) return;
              const tooLarge = tooLargeAfter(c);
              if (tooLarge) {
                finish((ctl) => ctl.error(tooLarge));
                stop();
                return;
              }
              try {
                controller.enqueue(c);
              } catch {
                ended = true;
                done();
                stop();
                return;
              }
              if ((controller.desiredSize ?? 1) <= 0) source.pause();
            });
            source.on('end', () => finish((ctl) => ctl.close()));
            source.on('error', (err: Error) => {
              finish((ctl) => ctl.error(failure(err)));
              stop();
            });
            res.on('close', () => {
              // Only a response that did not end cleanly: a complete one still delivers its 'end'.
              if (res.complete) return;
              finish((ctl) => ctl.error(failure(new TypeError('terminated: the server closed the connection mid-response'))));
            });
          },
          pull() {
            if (!ended) source.resume();
          },
          cancel() {
            ended = true;
            done();
            stop();
          },
        });
        settled = true;
        resolve(new Response(stream, init));
      });

      if (payload === undefined) request.end();
      else request.end(payload);
    });
  };
}
