// Server-sent events read straight from a response body: one await per chunk the network delivered, and the
// events in it parsed together. The SDKs' stream readers pass every chunk, line and event through nested async
// generators (several promises per event), which was most of what streaming cost per call against a local
// server (#19). The grammar is the openai SDK's (core/streaming.js, internal/decoders/line.js): lines end at
// \n, \r\n or \r; a blank line ends an event; `event:` names it, `data:` lines are joined with \n, `:` starts
// a comment, one space after the colon is dropped; an event the stream ends inside (no blank line) is dropped.

/** One event: its name (`event:`), or null, and its data lines joined. */
export interface SseEvent {
  event: string | null;
  data: string;
}

/**
 * Parses a stream of text into events, keeping what a chunk leaves unfinished for the next one. Each character
 * is looked at once and a partial line is joined once, when it ends, so a long line arriving in many small
 * chunks costs time linear in its length.
 */
export class SseParser {
  private readonly partial: string[] = [];
  /** The last chunk ended with \r: a \n that starts the next one is the rest of that line end. */
  private afterCr = false;
  private event: string | null = null;
  private data: string[] = [];

  /** The events that `text` completes, in order. */
  push(text: string): SseEvent[] {
    const out: SseEvent[] = [];
    if (text === '') return out;
    let from = 0;
    if (this.afterCr && text.charCodeAt(0) === 10) from = 1;
    this.afterCr = false;
    for (let i = from; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      const piece = text.slice(from, i);
      this.line(this.partial.length > 0 ? this.partial.join('') + piece : piece, out);
      this.partial.length = 0;
      if (c === 13) {
        if (i + 1 === text.length) this.afterCr = true;
        else if (text.charCodeAt(i + 1) === 10) i++;
      }
      from = i + 1;
    }
    if (from < text.length) this.partial.push(text.slice(from));
    return out;
  }

  private line(line: string, out: SseEvent[]): void {
    if (line === '') {
      if (!this.event && this.data.length === 0) return;
      out.push({ event: this.event, data: this.data.join('\n') });
      this.event = null;
      this.data = [];
      return;
    }
    if (line.charCodeAt(0) === 58 /* : */) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
  }
}

/**
 * The events of `body`, in batches: one batch per chunk read (possibly empty). An abort of the request ends the
 * batches quietly, as the SDKs' streams end; any other failure is thrown. Breaking out of the loop cancels the body.
 */
export async function* sseEventBatches(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent[]> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  let finished = false;
  try {
    for (;;) {
      let read: Awaited<ReturnType<typeof reader.read>>;
      try {
        read = await reader.read();
      } catch (err) {
        if ((err as { name?: unknown } | null)?.name === 'AbortError') {
          finished = true;
          return;
        }
        throw err;
      }
      if (read.done) {
        finished = true;
        // What is left never ended with a blank line: dropped, as the SDKs drop it.
        parser.push(decoder.decode());
        return;
      }
      yield parser.push(decoder.decode(read.value, { stream: true }));
    }
  } finally {
    if (!finished) void reader.cancel().catch(() => undefined);
  }
}
