// A mock LLM server on 127.0.0.1 speaking the real wire formats of OpenAI (chat completions, embeddings,
// models; also Azure's deployment-style paths) and Anthropic (messages, models), with configurable latency,
// streaming pace and injected faults. Tests point the real SDKs at it.
//
//   const mock = await startMockLlm({ latencyMs: 20, reply: (req) => ({ text: 'billing' }) });
//   … new ProviderRegistry({ providers: [{ name: 'openai', kind: 'openai', baseUrl: mock.openaiBaseUrl, apiKey: 'k' }] })
//   await mock.close();
//
// Standalone (e2e tests, benchmarks): `node --import tsx test/support/mockLlmServer.ts --port 0
// [--latency MS] [--tps N] [--api-key KEY]` prints its URL as the first line of stdout and runs until
// killed.
import * as http from 'node:http';
import * as zlib from 'node:zlib';
import type { AddressInfo, Socket } from 'node:net';
import {
  anthropicError,
  anthropicMessage,
  anthropicModels,
  anthropicStreamFrames,
  embeddingsResponse,
  moderationResponse,
  ollamaEmbedding,
  ollamaReply,
  ollamaStreamFrames,
  ollamaTags,
  openAiCompletion,
  openAiResponse,
  openAiResponseStreamFrames,
  openAiError,
  openAiModels,
  openAiStreamFrames,
  resolveReply,
  type MockReply,
  type ResolvedReply,
} from './mockLlmWire';

export type { MockReply } from './mockLlmWire';

/** Which API a request was for. */
export type MockApi =
  | 'openai.chat'
  | 'openai.responses'
  | 'openai.embeddings'
  | 'openai.moderations'
  | 'openai.models'
  | 'anthropic.messages'
  | 'anthropic.models'
  | 'ollama.chat'
  | 'ollama.generate'
  | 'ollama.embeddings'
  | 'ollama.tags';

/** A request as the mock saw it. */
export interface MockRequest {
  api: MockApi;
  method: string;
  /** Path and query, e.g. `/v1/chat/completions` or `/openai/deployments/gpt/chat/completions?api-version=…`. */
  url: string;
  headers: http.IncomingHttpHeaders;
  /** The parsed JSON body (`null` when there was none). */
  body: Record<string, unknown> | null;
  model: string;
  stream: boolean;
  /** The text of the last user message, for replies that depend on the prompt. */
  prompt: string;
  /**
   * The tool results the request carries, in order, whatever the API's shape (chat completions `tool`
   * messages, Responses `function_call_output` items, Anthropic `tool_result` blocks): a tool loop's replies
   * can depend on them deterministically.
   */
  toolResults: MockToolResult[];
  /** When the request arrived (`performance.now()` of the mock's process). */
  at: number;
}

/** One tool result in a request: the call it answers and its content as text. */
export interface MockToolResult {
  callId: string;
  output: string;
}

/**
 * An injected fault, applied to the next request(s) it matches, in order:
 * - `status`: answer with this HTTP status (and headers, e.g. `retry-after`), in the API's error shape.
 * - `hang`: never answer; with `afterChunks`, send headers and that many stream chunks first, then stall.
 * - `malformed`: a stream chunk that is not JSON after `afterChunks` chunks (a non-JSON body when not streaming).
 * - `disconnect`: drop the connection, after `afterChunks` stream chunks when given.
 * - `close`: end the response early but cleanly: a stream stops after `afterChunks` chunks with no final
 *   chunk; a JSON body is cut in half (truncated JSON, no content-length).
 * - `oversize`: a well-formed reply whose text is `bytes` long (default 40 MiB), streamed or not.
 * - `gzipBomb`: a small `content-encoding: gzip` body that inflates to `bytes` (default 64 MiB).
 * - `echoSecrets`: a well-formed reply whose text repeats every request header and the URL, the way a
 *   debugging proxy or a hostile server would echo a key back.
 * With `thenData`, a `malformed` stream chunk is followed by the rest of the stream instead of the end.
 */
export interface MockFault {
  kind: 'status' | 'hang' | 'malformed' | 'disconnect' | 'close' | 'oversize' | 'gzipBomb' | 'echoSecrets';
  /** Reply size for `oversize` and `gzipBomb`, in bytes. */
  bytes?: number;
  /** For `malformed` streams: keep sending the remaining chunks after the bad one. */
  thenData?: boolean;
  /** For `malformed` streams: send the stream gzip-compressed (`content-encoding: gzip`). */
  gzip?: boolean;
  status?: number;
  headers?: Record<string, string>;
  /** Error message for `status` (default: a plausible one for the status). */
  message?: string;
  afterChunks?: number;
  /** How many matching requests this fault applies to (default 1). */
  times?: number;
  /** Apply only to requests for which this returns true (default: chat/messages requests). */
  match?: (req: MockRequest) => boolean;
}

export interface MockLlmOptions {
  /** Default 0: any free port. */
  port?: number;
  host?: string;
  /** Delay before the response headers, in ms (default 0). */
  latencyMs?: number;
  /** Stream pace; default: every chunk at once. */
  tokensPerSecond?: number;
  /** The answer to a chat/messages request; a string is the reply text. Default: `Echo: <prompt>`. */
  reply?: (req: MockRequest) => MockReply | string | Promise<MockReply | string>;
  faults?: MockFault[];
  /** When set, requests must carry this key (Bearer, `x-api-key` or `api-key`); the 401 message echoes what was sent. */
  apiKey?: string;
  /** What `/models` lists. */
  models?: string[];
  /** OpenAI's optional `shutdown_date` (YYYY-MM-DD) per listed model id. */
  shutdownDates?: Record<string, string>;
  /** Keep every request in `requests` (default true; benchmarks turn it off). */
  record?: boolean;
}

export interface MockLlm {
  /** `http://127.0.0.1:PORT` — also the Azure OpenAI endpoint. */
  url: string;
  /** For the OpenAI SDK and OpenAI-compatible endpoints: `${url}/v1`. */
  openaiBaseUrl: string;
  /** For the Anthropic SDK: `url` (the SDK adds `/v1/messages`). */
  anthropicBaseUrl: string;
  requests: MockRequest[];
  /** Queues another fault. */
  fault(fault: MockFault): void;
  /** Resolves once `count` requests have arrived since the server started (clearing `requests` does not reset this). */
  waitForRequests(count: number): Promise<void>;
  /**
   * Chat/messages requests answered in full (status 200, the last byte handed to the socket), in order, with
   * `performance.now()` when the response finished: what a crash test compares history with.
   */
  answered: { prompt: string; at: number }[];
  /** Resolves once `count` chat/messages requests have been answered in full. */
  waitForAnswered(count: number): Promise<void>;
  /** Requests being answered right now, and the most there ever were at once. */
  readonly inFlight: number;
  readonly maxInFlight: number;
  /** TCP connections accepted since the server started (keep-alive reuses one). */
  readonly connections: number;
  close(): Promise<void>;
}

const DEFAULT_MODELS = ['gpt-4o-mini', 'gpt-4o', 'claude-3-5-haiku-latest', 'text-embedding-3-small'];

function apiOf(method: string, path: string, headers: http.IncomingHttpHeaders): MockApi | null {
  if (method === 'POST' && path.endsWith('/chat/completions')) return 'openai.chat';
  if (method === 'POST' && path.endsWith('/responses')) return 'openai.responses';
  if (method === 'POST' && path.endsWith('/api/chat')) return 'ollama.chat';
  if (method === 'POST' && path.endsWith('/api/generate')) return 'ollama.generate';
  if (method === 'POST' && path.endsWith('/api/embeddings')) return 'ollama.embeddings';
  if (method === 'GET' && path.endsWith('/api/tags')) return 'ollama.tags';
  if (method === 'POST' && path.endsWith('/embeddings')) return 'openai.embeddings';
  if (method === 'POST' && path.endsWith('/moderations')) return 'openai.moderations';
  if (method === 'POST' && path.endsWith('/messages')) return 'anthropic.messages';
  if (method === 'GET' && path.endsWith('/models')) return headers['anthropic-version'] !== undefined ? 'anthropic.models' : 'openai.models';
  return null;
}

function lastUserText(body: Record<string, unknown> | null): string {
  // Ollama's /api/generate sends the prompt as one text.
  if (typeof body?.prompt === 'string' && !Array.isArray(body.messages)) return body.prompt;
  // Chat completions and Anthropic send `messages`; the Responses API sends `input` (a string or items).
  if (typeof body?.input === 'string') return body.input;
  const list = Array.isArray(body?.messages) ? body!.messages : Array.isArray(body?.input) ? body!.input : [];
  const messages = list as { role?: string; content?: unknown }[];
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.role !== 'user') continue;
    if (typeof m.content === 'string') return m.content;
    if (Array.isArray(m.content)) return m.content.map((b: { text?: unknown }) => (typeof b.text === 'string' ? b.text : '')).join('');
  }
  return '';
}

/** Tool results in any of the three chat APIs' shapes, in order. */
function toolResultsOf(body: Record<string, unknown> | null): MockToolResult[] {
  const list = (Array.isArray(body?.messages) ? body!.messages : Array.isArray(body?.input) ? body!.input : []) as Record<string, unknown>[];
  const out: MockToolResult[] = [];
  const text = (c: unknown): string => (typeof c === 'string' ? c : Array.isArray(c) ? c.map((b: { text?: unknown }) => (typeof b.text === 'string' ? b.text : '')).join('') : '');
  for (const m of list) {
    if (m.role === 'tool') out.push({ callId: String(m.tool_call_id ?? ''), output: text(m.content) });
    else if (m.type === 'function_call_output') out.push({ callId: String(m.call_id ?? ''), output: text(m.output) });
    else if (m.role === 'user' && Array.isArray(m.content)) {
      for (const b of m.content as Record<string, unknown>[]) if (b.type === 'tool_result') out.push({ callId: String(b.tool_use_id ?? ''), output: text(b.content) });
    }
  }
  return out;
}

function countWords(body: Record<string, unknown> | null): number {
  return (JSON.stringify(body?.messages ?? body?.input ?? '').match(/\w+/g) ?? []).length + (typeof body?.system === 'string' ? (body.system.match(/\w+/g) ?? []).length : 0);
}

function receivedKey(headers: http.IncomingHttpHeaders): string {
  const auth = headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice(7);
  const k = headers['x-api-key'] ?? headers['api-key'];
  return typeof k === 'string' ? k : '';
}

/** Starts a mock LLM server. */
export async function startMockLlm(options: MockLlmOptions = {}): Promise<MockLlm> {
  const faults: (MockFault & { left: number })[] = (options.faults ?? []).map((f) => ({ ...f, left: f.times ?? 1 }));
  const requests: MockRequest[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const record = options.record !== false;
  const latency = options.latencyMs ?? 0;
  const chunkGap = options.tokensPerSecond ? 1000 / options.tokensPerSecond : 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let ids = 0;
  let arrived = 0;
  const waiters: { count: number; resolve: () => void }[] = [];
  const answered: { prompt: string; at: number }[] = [];
  const answerWaiters: { count: number; resolve: () => void }[] = [];

  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  const takeFault = (req: MockRequest): MockFault | undefined => {
    const i = faults.findIndex((f) => f.left > 0 && (f.match ? f.match(req) : req.api === 'openai.chat' || req.api === 'openai.responses' || req.api === 'anthropic.messages'));
    if (i < 0) return undefined;
    const f = faults[i]!;
    if (--f.left === 0) faults.splice(i, 1);
    return f;
  };

  const sendJson = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'x-request-id': `req_${ids}`, ...headers });
    res.end(text);
  };

  const errorBody = (req: MockRequest, status: number, message: string): unknown =>
    req.api.startsWith('anthropic') ? anthropicError(status, message) : openAiError(status, message);

  /** Writes stream frames, paced by `tokensPerSecond`; `stopAt` cuts the stream short for a fault. */
  const streamFrames = (res: http.ServerResponse, frames: string[], given: MockFault | undefined, api: MockApi): void => {
    // A frame cut off in its JSON, under an event name the SDK parses (Anthropic's SDK skips unnamed events).
    const ndjson = api.startsWith('ollama.');
    const broken =
      api === 'anthropic.messages'
        ? 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"x"\n\n'
        : ndjson
          ? '{"model":"broken","message":{"content":"x"\n'
          : 'data: {"id":"chatcmpl-broken","choices":[{"delta":{"content":"x"\n\n';
    const contentType = ndjson ? 'application/x-ndjson' : 'text/event-stream; charset=utf-8';
    const fault = given && ['malformed', 'disconnect', 'hang', 'close'].includes(given.kind) ? given : undefined;
    if (fault?.kind === 'malformed' && fault.gzip) {
      // One gzip body holding the good chunks, the bad one and (with thenData) the rest: the client's
      // decompressor delivers it all at once, after its reader may already have given up.
      const at = Math.min(fault.afterChunks ?? 0, frames.length);
      const plain = frames.slice(0, at).join('') + broken + (fault.thenData ? frames.slice(at).join('') : '');
      res.writeHead(200, { 'content-type': contentType, 'content-encoding': 'gzip', 'x-request-id': `req_${ids}` });
      res.end(zlib.gzipSync(plain));
      return;
    }
    res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-cache', 'x-request-id': `req_${ids}` });
    const stopAt = fault ? Math.min(fault.afterChunks ?? 0, frames.length) : frames.length;
    const finish = (): void => {
      if (!fault) return void res.end();
      if (fault.kind === 'malformed' && fault.thenData) {
        res.write(broken);
        return void res.end(frames.slice(stopAt).join(''));
      }
      if (fault.kind === 'malformed') return void res.end(broken);
      if (fault.kind === 'close') return void res.end();
      // Flush what was written, then drop the connection mid-response.
      if (fault.kind === 'disconnect') return void res.write('', () => res.destroy());
      // hang: keep the connection open and silent
    };
    if (chunkGap === 0) {
      if (stopAt > 0) res.write(frames.slice(0, stopAt).join(''));
      finish();
      return;
    }
    let i = 0;
    const next = (): void => {
      if (res.destroyed) return;
      if (i >= stopAt) return finish();
      res.write(frames[i++]!);
      later(chunkGap, next);
    };
    next();
  };

  /** A gzip body of `bytes` spaces inside a JSON string: a few hundred KB on the wire. */
  const sendGzipBomb = (req: MockRequest, res: http.ServerResponse, bytes: number): void => {
    const body = gzipBomb(bytes);
    res.writeHead(200, {
      'content-type': req.stream ? 'text/event-stream; charset=utf-8' : 'application/json',
      'content-encoding': 'gzip',
      'content-length': body.byteLength,
    });
    res.end(body);
  };

  const answerChat = async (req: MockRequest, res: http.ServerResponse, fault: MockFault | undefined): Promise<void> => {
    if (fault?.kind === 'gzipBomb') return sendGzipBomb(req, res, fault.bytes ?? 64 * 1024 * 1024);
    const raw =
      fault?.kind === 'oversize'
        ? { text: 'x'.repeat(fault.bytes ?? 40 * 1024 * 1024), chunks: chunksOf('x'.repeat(64 * 1024), Math.ceil((fault.bytes ?? 40 * 1024 * 1024) / (64 * 1024))) }
        : fault?.kind === 'echoSecrets'
          ? `You sent ${req.method} ${req.url} with ${JSON.stringify(req.headers)}`
          : options.reply
            ? await options.reply(req)
            : { text: `Echo: ${req.prompt}` };
    const reply: ResolvedReply = resolveReply(typeof raw === 'string' ? { text: raw } : raw, countWords(req.body));
    const id = req.api === 'anthropic.messages' ? `msg_mock${ids}` : `chatcmpl-mock${ids}`;
    if (req.api === 'openai.responses' && !req.stream) return sendJson(res, 200, openAiResponse(`resp_mock${ids}`, req.model, reply));
    if ((req.api === 'ollama.chat' || req.api === 'ollama.generate') && !req.stream) return sendJson(res, 200, ollamaReply(req.api, req.model, reply));
    if (req.stream && (req.api === 'ollama.chat' || req.api === 'ollama.generate')) return streamFrames(res, ollamaStreamFrames(req.api, req.model, reply), fault, req.api);
    if (req.stream) {
      const frames =
        req.api === 'anthropic.messages'
          ? anthropicStreamFrames(id, req.model, reply)
          : req.api === 'openai.responses'
            ? openAiResponseStreamFrames(`resp_mock${ids}`, req.model, reply)
            : openAiStreamFrames(id, req.model, reply, (req.body?.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true);
      streamFrames(res, frames, fault, req.api);
      return;
    }
    if (fault?.kind === 'malformed') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"id": "broken", "choices": [');
      return;
    }
    if (fault?.kind === 'disconnect') return void res.destroy();
    if (fault?.kind === 'hang') return;
    if (fault?.kind === 'oversize') {
      // Chunked, with no content-length: the client learns the size only by reading.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(req.api === 'anthropic.messages' ? anthropicMessage(id, req.model, reply) : openAiCompletion(id, req.model, reply)));
      return;
    }
    if (fault?.kind === 'close') {
      const text = JSON.stringify(req.api === 'anthropic.messages' ? anthropicMessage(id, req.model, reply) : openAiCompletion(id, req.model, reply));
      res.writeHead(200, { 'content-type': 'application/json', connection: 'close' });
      res.end(text.slice(0, Math.floor(text.length / 2)));
      return;
    }
    sendJson(res, 200, req.api === 'anthropic.messages' ? anthropicMessage(id, req.model, reply) : openAiCompletion(id, req.model, reply));
  };

  const handle = async (req: MockRequest, res: http.ServerResponse): Promise<void> => {
    if (options.apiKey !== undefined && receivedKey(req.headers) !== options.apiKey) {
      const sent = receivedKey(req.headers);
      sendJson(res, 401, errorBody(req, 401, `Incorrect API key provided: ${sent === '' ? '(none)' : sent}.`));
      return;
    }
    const fault = takeFault(req);
    if (fault?.kind === 'status') {
      const status = fault.status ?? 500;
      sendJson(res, status, errorBody(req, status, fault.message ?? (status === 429 ? 'Rate limit reached for requests' : `Mock error ${status}`)), fault.headers);
      return;
    }
    if (fault?.kind === 'hang' && (fault.afterChunks === undefined || !req.stream)) return;
    if (fault?.kind === 'disconnect' && (fault.afterChunks === undefined || !req.stream)) return void res.destroy();
    switch (req.api) {
      case 'openai.chat':
      case 'openai.responses':
      case 'anthropic.messages':
      case 'ollama.chat':
      case 'ollama.generate':
        return answerChat(req, res, fault);
      case 'openai.moderations':
        return sendJson(res, 200, moderationResponse(req.model, req.body?.input));
      case 'openai.embeddings': {
        const input = req.body?.input;
        const texts = Array.isArray(input) ? input.map(String) : [String(input ?? '')];
        return sendJson(res, 200, embeddingsResponse(req.model, texts, req.body?.encoding_format === 'base64'));
      }
      case 'ollama.embeddings':
        return sendJson(res, 200, ollamaEmbedding(String(req.body?.prompt ?? '')));
      case 'ollama.tags':
        return sendJson(res, 200, ollamaTags(options.models ?? DEFAULT_MODELS));
      case 'openai.models':
        return sendJson(res, 200, openAiModels(options.models ?? DEFAULT_MODELS, options.shutdownDates));
      case 'anthropic.models':
        return sendJson(res, 200, anthropicModels(options.models ?? DEFAULT_MODELS));
    }
  };

  const server = http.createServer((incoming, res) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (c: Buffer) => chunks.push(c));
    incoming.on('end', () => {
      ids++;
      inFlight++;
      if (inFlight > maxInFlight) maxInFlight = inFlight;
      let counted = true;
      const done = (): void => {
        if (counted) {
          counted = false;
          inFlight--;
        }
      };
      res.on('finish', done);
      res.on('close', done);

      const path = (incoming.url ?? '/').split('?')[0]!;
      const api = apiOf(incoming.method ?? 'GET', path, incoming.headers);
      let body: Record<string, unknown> | null = null;
      if (chunks.length > 0) {
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        } catch {
          sendJson(res, 400, openAiError(400, 'The request body is not valid JSON'));
          return;
        }
      }
      if (!api) {
        sendJson(res, 404, openAiError(404, `No route for ${incoming.method} ${path}`));
        return;
      }
      const deployment = /\/deployments\/([^/]+)\//.exec(path)?.[1];
      const req: MockRequest = {
        api,
        method: incoming.method ?? 'GET',
        url: incoming.url ?? '/',
        headers: incoming.headers,
        body,
        model: typeof body?.model === 'string' ? body.model : (deployment ?? ''),
        // Ollama streams unless asked not to; the others only when asked to.
        stream: api === 'ollama.chat' || api === 'ollama.generate' ? body?.stream !== false : body?.stream === true,
        prompt: lastUserText(body),
        toolResults: toolResultsOf(body),
        at: performance.now(),
      };
      if (record) requests.push(req);
      if (api === 'openai.chat' || api === 'openai.responses' || api === 'anthropic.messages') {
        res.on('finish', () => {
          if (res.statusCode !== 200) return;
          answered.push({ prompt: req.prompt, at: performance.now() });
          for (let i = answerWaiters.length - 1; i >= 0; i--) {
            if (answered.length >= answerWaiters[i]!.count) answerWaiters.splice(i, 1)[0]!.resolve();
          }
        });
      }
      arrived++;
      for (let i = waiters.length - 1; i >= 0; i--) {
        if (arrived >= waiters[i]!.count) waiters.splice(i, 1)[0]!.resolve();
      }
      const go = (): void => {
        handle(req, res).catch((err: unknown) => {
          if (!res.headersSent) sendJson(res, 500, openAiError(500, `Mock failed: ${String(err)}`));
          else res.destroy();
        });
      };
      if (latency > 0) later(latency, go);
      else go();
    });
  });
  server.keepAliveTimeout = 30_000;
  let connections = 0;
  server.on('connection', (s) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host ?? '127.0.0.1'}:${port}`;

  return {
    url,
    openaiBaseUrl: `${url}/v1`,
    anthropicBaseUrl: url,
    requests,
    fault: (f) => void faults.push({ ...f, left: f.times ?? 1 }),
    waitForRequests: (count) => (arrived >= count ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ count, resolve }))),
    answered,
    waitForAnswered: (count) => (answered.length >= count ? Promise.resolve() : new Promise<void>((resolve) => answerWaiters.push({ count, resolve }))),
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function chunksOf(piece: string, count: number): string[] {
  return new Array<string>(count).fill(piece);
}

const bombs = new Map<number, Buffer>();

/** Gzip of `bytes` bytes that start like a JSON reply and go on with spaces; built once per size. */
export function gzipBomb(bytes: number): Buffer {
  let bomb = bombs.get(bytes);
  if (!bomb) {
    const plain = Buffer.alloc(bytes, 0x20);
    plain.write('{"id":"chatcmpl-bomb","choices":[{"message":{"content":"');
    bomb = zlib.gzipSync(plain, { level: 9 });
    bombs.set(bytes, bomb);
  }
  return bomb;
}

function argValue(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const num = (name: string): number | undefined => {
    const v = argValue(argv, name);
    return v === undefined ? undefined : Number(v);
  };
  const apiKey = argValue(argv, '--api-key');
  startMockLlm({
    port: num('--port') ?? 0,
    latencyMs: num('--latency') ?? 0,
    ...(num('--tps') ? { tokensPerSecond: num('--tps')! } : {}),
    ...(apiKey ? { apiKey } : {}),
    record: false,
  }).then(
    (mock) => {
      process.stdout.write(`${mock.url}\n`);
      const stop = (): void => void mock.close().then(() => process.exit(0));
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    },
    (err: unknown) => {
      process.stderr.write(`mock LLM server failed to start: ${String(err)}\n`);
      process.exit(1);
    },
  );
}
