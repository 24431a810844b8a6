import * as assert from 'node:assert/strict';
import { _iterSSEMessages as anthropicSse } from '@anthropic-ai/sdk/core/streaming';
import { _iterSSEMessages } from 'openai/core/streaming';
import { SseParser, sseEventBatches, type SseEvent } from '../../src/core/providers/sseEvents';

/** A body that delivers `chunks` one read at a time. */
function body(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(chunks[i++]!);
      else controller.close();
    },
  });
}

async function ours(chunks: Uint8Array[]): Promise<SseEvent[]> {
  const out: SseEvent[] = [];
  for await (const batch of sseEventBatches(body(chunks))) out.push(...batch);
  return out;
}

/** What the openai SDK's own reader makes of the same chunks. */
async function sdks(chunks: Uint8Array[]): Promise<SseEvent[]> {
  const out: SseEvent[] = [];
  const response = new Response(body(chunks));
  for await (const sse of _iterSSEMessages(response, new AbortController())) out.push({ event: sse.event, data: sse.data });
  return out;
}

/** The same from the Anthropic SDK's reader. */
async function anthropics(chunks: Uint8Array[]): Promise<SseEvent[]> {
  const out: SseEvent[] = [];
  for await (const sse of anthropicSse(new Response(body(chunks)), new AbortController())) out.push({ event: sse.event, data: sse.data });
  return out;
}

/** `bytes` cut at the given offsets. */
function cut(bytes: Uint8Array, at: number[]): Uint8Array[] {
  const points = [0, ...at.filter((n) => n > 0 && n < bytes.length).sort((a, b) => a - b), bytes.length];
  return points.slice(1).map((end, i) => bytes.subarray(points[i]!, end));
}

const STREAMS: [string, string][] = [
  ['chat chunks and [DONE]', 'data: {"choices":[{"delta":{"content":"Hi"}}]}\n\ndata: {"choices":[{"delta":{"content":" é😀"}}]}\n\ndata: [DONE]\n\n'],
  ['CRLF line ends', 'data: {"a":1}\r\n\r\nevent: ping\r\ndata: {}\r\n\r\n'],
  ['named events, comments, multi-line data, no space after the colon', ': keep-alive\n\nevent: message_start\ndata:{"x":\ndata: 1}\n\nevent: content_block_delta\ndata: {"delta":"ok"}\n\n'],
  ['a field with no colon, an unknown field, an id', 'id: 7\nretry: 100\ndata\nfoo: bar\ndata: two\n\n'],
  ['an event with a name and no data, and a blank line with nothing before it', '\n\nevent: done\n\n\ndata: {"last":true}\n\n'],
  ['a last event the stream ends inside', 'data: {"kept":1}\n\ndata: {"dropped":1}'],
  ['an empty event name', 'event:\n\nevent: \ndata: x\n\n'],
];

describe('server-sent events read a chunk at a time (sseEvents.ts)', () => {
  for (const [name, text] of STREAMS) {
    it(`reads ${name} as the SDKs do, however the network cuts it`, async () => {
      const bytes = new TextEncoder().encode(text);
      const whole = await sdks([bytes]);
      assert.ok(whole.length > 0, 'the SDK finds events');
      assert.deepEqual(await anthropics([bytes]), whole, 'both SDKs read it alike');
      assert.deepEqual(await ours([bytes]), whole, 'one chunk');
      // Every single cut (inside a CRLF, inside a UTF-8 sequence, between the two newlines of a blank line)…
      for (let i = 1; i < bytes.length; i++) assert.deepEqual(await ours(cut(bytes, [i])), whole, `cut at byte ${i}`);
      // …and a byte at a time.
      assert.deepEqual(
        await ours(Array.from(bytes, (_, i) => bytes.subarray(i, i + 1))),
        whole,
        'a byte at a time',
      );
    });
  }

  it('keeps what a chunk leaves unfinished for the next one', () => {
    const parser = new SseParser();
    assert.deepEqual(parser.push('data: {"a"'), []);
    assert.deepEqual(parser.push(':1}\r'), []);
    assert.deepEqual(parser.push('\n'), [], 'the \\n of a \\r\\n split between chunks ends no second line');
    assert.deepEqual(parser.push('\r\n'), [{ event: null, data: '{"a":1}' }]);
  });

  it('reads a long line that arrives a character at a time in linear time', () => {
    const parser = new SseParser();
    const line = `data: ${'x'.repeat(1_000_000)}`;
    // A parser that rescanned or rejoined its buffer per chunk would not finish within the test's timeout.
    for (const ch of line) parser.push(ch);
    const events = parser.push('\n\n');
    assert.equal(events.length, 1);
    assert.equal(events[0]!.data.length, 1_000_000);
  });

  it('ends quietly when the request is aborted, and throws any other failure', async () => {
    let pulls = 0;
    const aborted = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulls++ === 0) controller.enqueue(new TextEncoder().encode('data: {"a":1}\n\n'));
        else controller.error(new DOMException('This operation was aborted', 'AbortError'));
      },
    });
    const seen: SseEvent[] = [];
    for await (const batch of sseEventBatches(aborted)) seen.push(...batch);
    assert.deepEqual(seen, [{ event: null, data: '{"a":1}' }]);

    const broken = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.error(new TypeError('terminated: the server closed the connection mid-response'));
      },
    });
    await assert.rejects(async () => {
      for await (const batch of sseEventBatches(broken)) void batch;
    }, /terminated/);
  });

  it('cancels the body when the reader stops early', async () => {
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new TextEncoder().encode('data: {}\n\n'));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const batch of sseEventBatches(stream)) if (batch.length > 0) break;
    assert.equal(cancelled, true);
  });
});
