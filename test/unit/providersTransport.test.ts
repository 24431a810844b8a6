import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { createNodeFetch } from '../../src/core/providers/httpTransport';

/** A tiny server whose routes each test writes. */
async function serve(handler: http.RequestListener): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('providers: the node:http transport', () => {
  const fetch = createNodeFetch();
  let server: { url: string; close: () => Promise<void> };
  let onBodyStarted: () => void = () => undefined;

  before(async () => {
    server = await serve((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        switch (req.url?.replace(/\?.*/, '')) {
          case '/echo':
            res.writeHead(201, { 'content-type': 'application/json', 'x-seen-auth': String(req.headers.authorization) });
            res.end(JSON.stringify({ method: req.method, body, length: req.headers['content-length'] }));
            return;
          case '/gzip':
            res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
            res.end(gzipSync(JSON.stringify({ zipped: true })));
            return;
          case '/empty':
            res.writeHead(204);
            res.end();
            return;
          case '/sse':
            res.writeHead(200, { 'content-type': 'text/event-stream' });
            res.write('data: one\n\n');
            setTimeout(() => res.end('data: two\n\n'), 10);
            return;
          case '/file':
            // A batch results file over the small transport's 1 KB limit, written in pieces; `?endless` never ends its line.
            res.writeHead(200, { 'content-type': 'application/binary' });
            for (let i = 0; i < 100; i++) res.write(`{"custom_id":"c${i}"}\n`);
            if (req.url.endsWith('?endless')) res.write('x'.repeat(4096));
            res.end('\n');
            return;
          case '/slow-sse':
            res.writeHead(200, { 'content-type': 'text/event-stream' });
            res.write('data: one\n\n');
            onBodyStarted();
            return; // never ends
          default:
            res.writeHead(404, { 'content-type': 'text/plain' });
            res.end('nope');
        }
      });
    });
  });
  after(() => server.close());

  it('sends method, headers and a JSON body with its length, and reads status, headers and JSON', async () => {
    const res = await fetch(`${server.url}/echo`, { method: 'post', headers: new Headers({ Authorization: 'Bearer t' }), body: '{"a":"é"}' });
    assert.equal(res.status, 201);
    assert.equal(res.ok, true);
    assert.equal(res.headers.get('x-seen-auth'), 'Bearer t');
    assert.deepEqual(await res.json(), { method: 'POST', body: '{"a":"é"}', length: '10' });
  });

  it('gives a buffered response a body stream too, and clones it', async () => {
    const res = await fetch(`${server.url}/missing`);
    assert.equal(res.status, 404);
    const clone = res.clone();
    assert.equal(await new Response(res.body).text(), 'nope');
    assert.equal(await clone.text(), 'nope');
  });

  it('decompresses gzip', async () => {
    assert.deepEqual(await (await fetch(`${server.url}/gzip`)).json(), { zipped: true });
  });

  it('answers 204 with a null body', async () => {
    const res = await fetch(`${server.url}/empty`, { method: 'DELETE' });
    assert.equal(res.status, 204);
    assert.equal(await res.text(), '');
  });

  it('streams text/event-stream as it arrives', async () => {
    const res = await fetch(`${server.url}/sse`);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    for (let r = await reader.read(); !r.done; r = await reader.read()) text += decoder.decode(r.value);
    assert.equal(text, 'data: one\n\ndata: two\n\n');
  });

  it('streams a file download (Accept: application/binary) past the reply limit; only a line over it stops the stream', async () => {
    const small = createNodeFetch({ maxResponseBytes: 1024 });
    const whole = await small(`${server.url}/file`, { headers: { accept: 'application/binary' } });
    assert.ok(!('buffered' in whole), 'the body was not read whole');
    const lines = (await whole.text()).split('\n').filter((l) => l !== '');
    assert.strictEqual(lines.length, 100, 'every line of a 2.3 KB file through a 1 KB limit');
    const endless = await small(`${server.url}/file?endless`, { headers: { accept: 'application/binary' } });
    await assert.rejects(endless.text(), /a line longer than the 1024 bytes limit/);
    await assert.rejects(small(`${server.url}/file`), /larger than the 1024 bytes limit/, 'anything else is still read whole, within the limit');
  });

  it('aborts a stream in progress with an AbortError', async () => {
    const controller = new AbortController();
    const started = new Promise<void>((resolve) => (onBodyStarted = resolve));
    const res = await fetch(`${server.url}/slow-sse`, { signal: controller.signal });
    await started;
    const reader = res.body!.getReader();
    await reader.read();
    const pending = reader.read();
    controller.abort();
    await assert.rejects(pending, (err: Error) => err.name === 'AbortError');
  });

  it('rejects at once for an already aborted signal, and with a network error for a closed port', async () => {
    await assert.rejects(fetch(`${server.url}/echo`, { signal: AbortSignal.abort() }), (err: Error) => err.name === 'AbortError');
    await assert.rejects(fetch('http://127.0.0.1:9/'), (err: NodeJS.ErrnoException) => err.code === 'ECONNREFUSED');
  });
});
