// A local server on 127.0.0.1 speaking the OpenAI Batch API (POST /v1/files multipart with purpose=batch,
// POST /v1/batches, GET /v1/batches/:id, POST /v1/batches/:id/cancel, GET /v1/files/:id/content) and
// Anthropic Message Batches (POST /v1/messages/batches, GET …/:id, GET …/:id/results, POST …/:id/cancel),
// with the shapes of openai-node's and anthropic-sdk-typescript's batch types. Tests point the real SDKs at it.
//
// A batch moves one step per status read: OpenAI validating → in_progress → (half done) → finalizing →
// completed; Anthropic in_progress → (half done) → ended. `hold()` keeps new reads from moving any batch
// (a batch that waits for hours), `release()` lets them move again. Per request, `reply` answers with a
// body or an error (partial failures); per batch, `ending` makes it expire part-way or fail validation.
//
// Standalone (benchmarks): `node --import tsx test/support/mockBatchServer.ts [--echo]` prints its URL and runs until killed.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { anthropicError, anthropicMessage, openAiCompletion, openAiError, resolveReply, type MockReply } from './mockLlmWire';

/** A failure of one request inside a batch: the HTTP status and message the model endpoint would have returned. */
export interface MockItemError {
  status: number;
  message: string;
}

export interface MockBatchOptions {
  /** The answer to one request of a batch, or to a live call (`customId` is then `live`); default: the text `ok`. */
  reply?: (body: Record<string, unknown>, customId: string) => MockReply | MockItemError;
  /** How a new batch ends: normally, expired after `processed` requests ran, or failed validation (OpenAI). */
  ending?: (api: BatchApi) => { kind: 'complete' } | { kind: 'expire'; processed: number } | { kind: 'fail'; message: string };
  /** Required key (OpenAI `Authorization: Bearer`, Anthropic `x-api-key`); none checked when absent. */
  apiKey?: string;
}

export type BatchApi = 'openai' | 'anthropic';

/** One batch as the server keeps it. */
export interface MockBatch {
  api: BatchApi;
  id: string;
  requests: { customId: string; body: Record<string, unknown> }[];
  /** Index into the API's status sequence. */
  step: number;
  status: string;
  createdAt: number;
  endedAt: number | null;
  cancelled: boolean;
  ending: ReturnType<NonNullable<MockBatchOptions['ending']>>;
  /** The result line per custom id, once the batch ended. */
  results: Map<string, Record<string, unknown>> | null;
  /** How many requests have been answered (grows as the batch moves). */
  processed: number;
  outputFileId: string | null;
  errorFileId: string | null;
  /** OpenAI: what the batch was created with. */
  endpoint?: string;
  inputFileId?: string;
  metadata?: unknown;
}

export interface MockBatchServer {
  url: string;
  openaiBaseUrl: string;
  anthropicBaseUrl: string;
  batches: Map<string, MockBatch>;
  /** Every request the server got, `METHOD path`. */
  log: string[];
  /** Status reads stop moving batches. */
  hold(): void;
  /** Status reads move batches again. */
  release(): void;
  /** Resolves when a batch has been created (the first, or the next after those already counted). */
  whenCreated(count: number): Promise<MockBatch>;
  /** Resolves when the server has got a request `METHOD path` (at once if it already has). */
  whenRequested(line: string): Promise<void>;
  close(): Promise<void>;
}

const OPENAI_STEPS = ['validating', 'in_progress', 'in_progress', 'finalizing', 'completed'];
const ANTHROPIC_STEPS = ['in_progress', 'in_progress', 'ended'];
const ANTHROPIC_ID = /^[a-zA-Z0-9_-]{1,64}$/;

function send(res: http.ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The parts of a multipart/form-data body: name → { filename?, data }. */
function multipart(body: Buffer, contentType: string): Map<string, { filename?: string; data: Buffer }> {
  const parts = new Map<string, { filename?: string; data: Buffer }>();
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  if (!boundary) return parts;
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    const part = body.subarray(start + 2, next - 2);
    const split = part.indexOf('\r\n\r\n');
    const headers = part.subarray(0, split).toString();
    const name = /name="([^"]*)"/i.exec(headers)?.[1];
    const filename = /filename="([^"]*)"/i.exec(headers)?.[1];
    if (name !== undefined) parts.set(name, { ...(filename !== undefined ? { filename } : {}), data: part.subarray(split + 4) });
    at = next;
  }
  return parts;
}

function answerOf(options: MockBatchOptions, body: Record<string, unknown>, customId: string): MockReply | MockItemError {
  return options.reply ? options.reply(body, customId) : { text: 'ok' };
}

function isItemError(a: MockReply | MockItemError): a is MockItemError {
  return typeof (a as MockItemError).status === 'number';
}

function promptWords(body: Record<string, unknown>): number {
  return JSON.stringify(body.messages ?? body.input ?? '').split(/\s+/).length;
}

/** An OpenAI output/error file line (BatchRequestOutput). */
function openAiLine(options: MockBatchOptions, b: MockBatch, r: MockBatch['requests'][number], index: number): Record<string, unknown> {
  const id = `batch_req_${index}`;
  if (index >= b.processed) {
    const code = b.cancelled ? 'batch_cancelled' : 'batch_expired';
    return { id, custom_id: r.customId, response: null, error: { code, message: code === 'batch_cancelled' ? 'This request was not executed because the batch was cancelled.' : 'This request could not be executed before the completion window expired.' } };
  }
  const answer = answerOf(options, r.body, r.customId);
  if (isItemError(answer)) return { id, custom_id: r.customId, response: { status_code: answer.status, request_id: `req_${index}`, body: openAiError(answer.status, answer.message) }, error: null };
  const body = openAiCompletion(`chatcmpl-${b.id}-${index}`, String(r.body.model), resolveReply(answer, promptWords(r.body)));
  return { id, custom_id: r.customId, response: { status_code: 200, request_id: `req_${index}`, body }, error: null };
}

/** An Anthropic results entry (MessageBatchIndividualResponse). */
function anthropicLine(options: MockBatchOptions, b: MockBatch, r: MockBatch['requests'][number], index: number): Record<string, unknown> {
  if (index >= b.processed) return { custom_id: r.customId, result: { type: b.cancelled ? 'canceled' : 'expired' } };
  const answer = answerOf(options, r.body, r.customId);
  if (isItemError(answer)) return { custom_id: r.customId, result: { type: 'errored', error: { ...anthropicError(answer.status, answer.message), request_id: `req_${index}` } } };
  return { custom_id: r.customId, result: { type: 'succeeded', message: anthropicMessage(`msg_${b.id}_${index}`, String(r.body.model), resolveReply(answer, promptWords(r.body))) } };
}

export async function startMockBatchServer(options: MockBatchOptions = {}): Promise<MockBatchServer> {
  const files = new Map<string, { purpose: string; data: Buffer }>();
  const batches = new Map<string, MockBatch>();
  const log: string[] = [];
  const created: MockBatch[] = [];
  const waiters: { count: number; resolve: (b: MockBatch) => void }[] = [];
  const requestWaiters: { line: string; resolve: () => void }[] = [];
  let held = false;
  let seq = 0;
  let url = '';

  const onCreated = (b: MockBatch): void => {
    batches.set(b.id, b);
    created.push(b);
    for (const w of waiters.splice(0)) {
      if (created.length >= w.count) w.resolve(created[w.count - 1]!);
      else waiters.push(w);
    }
  };

  /** Ends a batch: every result line written (answered, expired or cancelled). */
  const end = (b: MockBatch, status: string): void => {
    b.status = status;
    b.endedAt = Math.floor(Date.now() / 1000);
    b.results = new Map(b.requests.map((r, i) => [r.customId, b.api === 'openai' ? openAiLine(options, b, r, i) : anthropicLine(options, b, r, i)]));
    if (b.api === 'openai') {
      const ok: Record<string, unknown>[] = [];
      const bad: Record<string, unknown>[] = [];
      for (const l of b.results.values()) ((l.response as { status_code?: number } | null)?.status_code === 200 ? ok : bad).push(l);
      const write = (lines: Record<string, unknown>[]): string | null => {
        if (lines.length === 0) return null;
        const id = `file-out-${++seq}`;
        files.set(id, { purpose: 'batch_output', data: Buffer.from(lines.map((l) => JSON.stringify(l)).join('\n') + '\n') });
        return id;
      };
      b.outputFileId = write(ok);
      b.errorFileId = write(bad);
    }
  };

  /** One status read's worth of progress. */
  const advance = (b: MockBatch): void => {
    if (held || b.results) return;
    const steps = b.api === 'openai' ? OPENAI_STEPS : ANTHROPIC_STEPS;
    if (b.cancelled) return end(b, b.api === 'openai' ? 'cancelled' : 'ended');
    if (b.ending.kind === 'fail') {
      b.status = 'failed';
      b.endedAt = Math.floor(Date.now() / 1000);
      return;
    }
    b.step = Math.min(b.step + 1, steps.length - 1);
    const share = b.step / (steps.length - 1);
    const limit = b.ending.kind === 'expire' ? b.ending.processed : b.requests.length;
    b.processed = Math.min(limit, Math.round(b.requests.length * share));
    if (b.step === steps.length - 1) end(b, b.ending.kind === 'expire' ? (b.api === 'openai' ? 'expired' : 'ended') : steps[b.step]!);
    else b.status = steps[b.step]!;
  };

  const failedOf = (b: MockBatch): number => {
    let n = 0;
    for (const [i, r] of b.requests.entries()) if (i < b.processed && isItemError(answerOf(options, r.body, r.customId))) n++;
    return n;
  };

  const openAiBatch = (b: MockBatch): Record<string, unknown> => {
    const failed = failedOf(b) + (b.results ? b.requests.length - b.processed : 0);
    return {
      id: b.id,
      object: 'batch',
      endpoint: b.endpoint,
      model: null,
      errors: b.status === 'failed' && b.ending.kind === 'fail' ? { object: 'list', data: [{ code: 'invalid_request', line: 1, message: b.ending.message, param: null }] } : null,
      input_file_id: b.inputFileId,
      completion_window: '24h',
      status: b.status,
      output_file_id: b.outputFileId,
      error_file_id: b.errorFileId,
      created_at: b.createdAt,
      in_progress_at: b.step >= 1 ? b.createdAt : null,
      expires_at: b.createdAt + 86_400,
      finalizing_at: null,
      completed_at: b.status === 'completed' ? b.endedAt : null,
      failed_at: b.status === 'failed' ? b.endedAt : null,
      expired_at: b.status === 'expired' ? b.endedAt : null,
      cancelling_at: b.cancelled ? b.createdAt : null,
      cancelled_at: b.status === 'cancelled' ? b.endedAt : null,
      request_counts: { total: b.requests.length, completed: b.processed - failedOf(b), failed },
      metadata: b.metadata ?? null,
    };
  };

  const anthropicBatch = (b: MockBatch): Record<string, unknown> => {
    const errored = failedOf(b);
    const unprocessed = b.requests.length - b.processed;
    const ended = b.results !== null;
    const iso = (s: number | null): string | null => (s === null ? null : new Date(s * 1000).toISOString());
    return {
      id: b.id,
      type: 'message_batch',
      processing_status: b.status,
      request_counts: {
        processing: ended ? 0 : unprocessed,
        succeeded: b.processed - errored,
        errored,
        canceled: ended && b.cancelled ? unprocessed : 0,
        expired: ended && !b.cancelled ? unprocessed : 0,
      },
      ended_at: iso(b.endedAt),
      created_at: iso(b.createdAt),
      expires_at: iso(b.createdAt + 86_400),
      archived_at: null,
      cancel_initiated_at: b.cancelled ? iso(b.createdAt) : null,
      results_url: ended ? `${url}/v1/messages/batches/${b.id}/results` : null,
    };
  };

  const newBatch = (api: BatchApi, requests: MockBatch['requests']): MockBatch => ({
    api,
    id: api === 'openai' ? `batch_${++seq}` : `msgbatch_${++seq}`,
    requests,
    step: 0,
    status: api === 'openai' ? 'validating' : 'in_progress',
    createdAt: Math.floor(Date.now() / 1000),
    endedAt: null,
    cancelled: false,
    ending: options.ending?.(api) ?? { kind: 'complete' },
    results: null,
    processed: 0,
    outputFileId: null,
    errorFileId: null,
  });

  const authorized = (req: http.IncomingMessage, api: BatchApi): boolean => {
    if (!options.apiKey) return true;
    return api === 'openai' ? req.headers.authorization === `Bearer ${options.apiKey}` : req.headers['x-api-key'] === options.apiKey;
  };

  const handleOpenAi = (req: http.IncomingMessage, res: http.ServerResponse, path: string, body: Buffer): void => {
    if (req.method === 'POST' && path === '/v1/chat/completions') {
      // A live call (a retry of a failed batch item): answered as the batch would have.
      const params = JSON.parse(body.toString()) as Record<string, unknown>;
      const answer = answerOf(options, params, 'live');
      if (isItemError(answer)) return send(res, answer.status, openAiError(answer.status, answer.message));
      return send(res, 200, openAiCompletion(`chatcmpl-live-${++seq}`, String(params.model), resolveReply(answer, promptWords(params))));
    }
    if (req.method === 'POST' && path === '/v1/files') {
      const parts = multipart(body, req.headers['content-type'] ?? '');
      const purpose = parts.get('purpose')?.data.toString();
      const file = parts.get('file');
      if (purpose !== 'batch' || !file) return send(res, 400, openAiError(400, "Missing 'file' or purpose other than 'batch'"));
      const id = `file-${++seq}`;
      files.set(id, { purpose, data: file.data });
      return send(res, 200, { id, object: 'file', bytes: file.data.length, created_at: Math.floor(Date.now() / 1000), filename: file.filename ?? 'upload', purpose, status: 'processed', expires_at: null, status_details: null });
    }
    if (req.method === 'POST' && path === '/v1/batches') {
      const params = JSON.parse(body.toString()) as { input_file_id?: string; endpoint?: string; completion_window?: string; metadata?: unknown };
      const file = params.input_file_id ? files.get(params.input_file_id) : undefined;
      if (!file || file.purpose !== 'batch') return send(res, 400, openAiError(400, `No batch file with id '${String(params.input_file_id)}'`));
      if (params.completion_window !== '24h') return send(res, 400, openAiError(400, 'completion_window must be 24h'));
      const requests: MockBatch['requests'] = [];
      const seen = new Set<string>();
      let invalid: string | undefined;
      for (const [i, text] of file.data.toString().split('\n').filter((l) => l.trim() !== '').entries()) {
        const line = JSON.parse(text) as { custom_id?: string; method?: string; url?: string; body?: Record<string, unknown> };
        if (typeof line.custom_id !== 'string' || line.method !== 'POST' || line.url !== params.endpoint || !line.body) invalid ??= `line ${i + 1}: needs custom_id, method POST and url ${String(params.endpoint)}`;
        else if (seen.has(line.custom_id)) invalid ??= `line ${i + 1}: duplicate custom_id '${line.custom_id}'`;
        else seen.add(line.custom_id);
        requests.push({ customId: line.custom_id ?? '', body: line.body ?? {} });
      }
      const b: MockBatch = { ...newBatch('openai', requests), ...(params.endpoint !== undefined ? { endpoint: params.endpoint } : {}), inputFileId: params.input_file_id!, metadata: params.metadata ?? null };
      if (invalid) b.ending = { kind: 'fail', message: invalid };
      onCreated(b);
      return send(res, 200, openAiBatch(b));
    }
    const m = /^\/v1\/batches\/([^/]+)(\/cancel)?$/.exec(path);
    if (m) {
      const b = batches.get(m[1]!);
      if (!b || b.api !== 'openai') return send(res, 404, openAiError(404, `No batch found with id '${m[1]}'.`));
      if (m[2] && req.method === 'POST') {
        if (b.results || b.status === 'failed') return send(res, 400, openAiError(400, `Cannot cancel a batch with status '${b.status}'.`));
        b.cancelled = true;
        b.status = 'cancelling';
        return send(res, 200, openAiBatch(b));
      }
      if (req.method === 'GET') {
        advance(b);
        return send(res, 200, openAiBatch(b));
      }
    }
    const f = /^\/v1\/files\/([^/]+)\/content$/.exec(path);
    if (f && req.method === 'GET') {
      const file = files.get(f[1]!);
      if (!file) return send(res, 404, openAiError(404, `No such File object: ${f[1]}`));
      return send(res, 200, file.data.toString(), 'application/octet-stream');
    }
    send(res, 404, openAiError(404, `Unknown path ${req.method} ${path}`));
  };

  const handleAnthropic = (req: http.IncomingMessage, res: http.ServerResponse, path: string, body: Buffer): void => {
    if (req.method === 'POST' && path === '/v1/messages') {
      const params = JSON.parse(body.toString()) as Record<string, unknown>;
      const answer = answerOf(options, params, 'live');
      if (isItemError(answer)) return send(res, answer.status, anthropicError(answer.status, answer.message));
      return send(res, 200, anthropicMessage(`msg_live_${++seq}`, String(params.model), resolveReply(answer, promptWords(params))));
    }
    if (req.method === 'POST' && path === '/v1/messages/batches') {
      const params = JSON.parse(body.toString()) as { requests?: { custom_id?: unknown; params?: Record<string, unknown> }[] };
      if (!Array.isArray(params.requests) || params.requests.length === 0) return send(res, 400, anthropicError(400, 'requests: at least one request is required'));
      const seen = new Set<string>();
      for (const [i, r] of params.requests.entries()) {
        if (typeof r.custom_id !== 'string' || !ANTHROPIC_ID.test(r.custom_id)) return send(res, 400, anthropicError(400, `requests.${i}.custom_id: must match ^[a-zA-Z0-9_-]{1,64}$`));
        if (seen.has(r.custom_id)) return send(res, 400, anthropicError(400, `requests.${i}.custom_id: duplicate '${r.custom_id}'`));
        if (!r.params || typeof r.params.model !== 'string' || typeof r.params.max_tokens !== 'number' || !Array.isArray(r.params.messages)) {
          return send(res, 400, anthropicError(400, `requests.${i}.params: model, max_tokens and messages are required`));
        }
        seen.add(r.custom_id);
      }
      const b = newBatch('anthropic', params.requests.map((r) => ({ customId: r.custom_id as string, body: r.params! })));
      onCreated(b);
      return send(res, 200, anthropicBatch(b));
    }
    const m = /^\/v1\/messages\/batches\/([^/]+)(\/cancel|\/results)?$/.exec(path);
    const b = m ? batches.get(m[1]!) : undefined;
    if (!m || !b || b.api !== 'anthropic') return send(res, 404, anthropicError(404, `Unknown batch or path ${path}`));
    if (m[2] === '/cancel' && req.method === 'POST') {
      if (!b.results) {
        b.cancelled = true;
        b.status = 'canceling';
      }
      return send(res, 200, anthropicBatch(b));
    }
    if (m[2] === '/results' && req.method === 'GET') {
      if (!b.results) return send(res, 400, anthropicError(400, `Batch ${b.id} is still processing`));
      return send(res, 200, [...b.results.values()].map((l) => JSON.stringify(l)).join('\n') + '\n', 'application/binary');
    }
    if (req.method === 'GET' && !m[2]) {
      advance(b);
      return send(res, 200, anthropicBatch(b));
    }
    send(res, 404, anthropicError(404, `Unknown path ${req.method} ${path}`));
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const line = `${req.method} ${path}`;
      log.push(line);
      for (const w of requestWaiters.splice(0)) {
        if (w.line === line) w.resolve();
        else requestWaiters.push(w);
      }
      const api: BatchApi = path.startsWith('/v1/messages') ? 'anthropic' : 'openai';
      if (!authorized(req, api)) return send(res, 401, api === 'openai' ? openAiError(401, 'Incorrect API key provided') : anthropicError(401, 'invalid x-api-key'));
      try {
        if (api === 'anthropic') handleAnthropic(req, res, path, Buffer.concat(chunks));
        else handleOpenAi(req, res, path, Buffer.concat(chunks));
      } catch (err) {
        send(res, 500, openAiError(500, err instanceof Error ? err.message : String(err)));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    openaiBaseUrl: `${url}/v1`,
    anthropicBaseUrl: url,
    batches,
    log,
    hold: () => void (held = true),
    release: () => void (held = false),
    whenCreated: (count) =>
      new Promise((resolve) => {
        if (created.length >= count) resolve(created[count - 1]!);
        else waiters.push({ count, resolve });
      }),
    whenRequested: (line) =>
      new Promise((resolve) => {
        if (log.includes(line)) resolve();
        else requestWaiters.push({ line, resolve });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

if (process.argv[1] && /mockBatchServer\.[cm]?[jt]s$/.test(process.argv[1])) {
  // --echo: every answer is `Echo: ` and the request's messages (the ticket bank's assertions look for "Ticket").
  const echo = process.argv.includes('--echo');
  void startMockBatchServer(echo ? { reply: (body) => ({ text: `Echo: ${JSON.stringify(body.messages)}` }) } : {}).then((s) => process.stdout.write(`${s.url}\n`));
}
