// A tiny "user's app" on 127.0.0.1 for the http provider: the kind of endpoint a team puts in front of its
// model. It records every request, and answers
//   POST /chat    JSON { message, user?, history? } with { reply: { text }, usage: { in, out } }
//                 (401 without the header `x-api-key: app-secret-key-123`)
//   POST /form    any body, answered as text: `form: <body>`
//   GET  /search  `?q=…` answered as text: `search: <q>`
//   GET  /status/N  status N with a JSON error body (and `Retry-After: 0` for 429)
//   GET  /session   a JSON answer with the header `x-session-id: sess-42`
//   GET  /hang      never answers (the socket is destroyed when the server closes)
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** The key /chat wants in `x-api-key`. */
export const APP_KEY = 'app-secret-key-123';

/** A request as the app saw it. */
export interface AppRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A running app. */
export interface AppServer {
  url: string;
  requests: AppRequest[];
  /** Resolves when a request to /hang has arrived. */
  hung(): Promise<void>;
  close(): Promise<void>;
}

/** Starts the app on a free port. */
export async function startAppServer(): Promise<AppServer> {
  const requests: AppRequest[] = [];
  const sockets = new Set<Socket>();
  // Requests to /hang not yet handed to a `hung()` caller, and callers still waiting for one.
  let unclaimed = 0;
  const waiters: (() => void)[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const url = new URL(req.url ?? '/', 'http://app');
      const json = (status: number, value: unknown, headers: Record<string, string> = {}): void => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(value));
      };
      const text = (value: string): void => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(value);
      };
      if (req.method === 'POST' && url.pathname === '/chat') {
        if (req.headers['x-api-key'] !== APP_KEY) return json(401, { error: 'bad key' });
        let parsed: { message?: unknown; user?: unknown };
        try {
          parsed = JSON.parse(body) as typeof parsed;
        } catch {
          return json(400, { error: 'the body is not JSON' });
        }
        const message = String(parsed.message);
        return json(200, { reply: { text: `app: ${message}${parsed.user ? ` (for ${String(parsed.user)})` : ''}` }, usage: { in: 11, out: 5 } });
      }
      if (req.method === 'POST' && url.pathname === '/form') return text(`form: ${body}`);
      if (req.method === 'GET' && url.pathname === '/search') return text(`search: ${url.searchParams.get('q') ?? ''}`);
      const status = /^\/status\/(\d{3})$/.exec(url.pathname);
      if (status) return json(Number(status[1]), { error: `status ${status[1]}` }, status[1] === '429' ? { 'retry-after': '0' } : {});
      if (url.pathname === '/session') return json(200, { answer: 'hello' }, { 'x-session-id': 'sess-42' });
      if (url.pathname === '/hang') {
        const waiter = waiters.shift();
        if (waiter) waiter();
        else unclaimed++;
        return;
      }
      json(404, { error: 'no such route' });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    hung: () => {
      if (unclaimed > 0) {
        unclaimed--;
        return Promise.resolve();
      }
      return new Promise<void>((r) => waiters.push(r));
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
