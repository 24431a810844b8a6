// Live OpenTelemetry export: every call the history stores also goes out, as it happens, as an OTLP/HTTP
// span with the GenAI semantic conventions (the attributes, ids and times of the file export's
// `otlpExport.traceToSpan`), sent by the OpenTelemetry JS exporter (protobuf by default, as the
// specification's default; JSON when asked). It runs in the history's worker thread, so a slow or absent
// collector never slows a run. Spans wait a moment for their assertion outcomes, go out in batches, and
// what the collector does not take (down, refusing, too slow) is kept in an on-disk queue beside the
// history and sent again with backoff, also by the next process that opens the history: an outage loses
// nothing unless the queue outgrows its bound, and then the oldest spans are dropped and counted.
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Attributes, HrTime, Link, SpanContext, SpanKind, SpanStatus } from '@opentelemetry/api';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace';
import type { EvaluationRecord, TraceRecord } from '../store/storeTypes';
import { callAttributes, EVALUATION_EVENT, evaluationAttributes, hrTimeOf, OTLP_SCOPE, otlpIds, spanTimes } from './otlpExport';

type InstrumentationScope = ReadableSpan['instrumentationScope'];

export interface LiveOtlpOptions {
  /** The collector's traces URL (`…/v1/traces`); when absent the exporter reads OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT. */
  url?: string;
  /** Extra request headers (an API key); when absent the exporter reads OTEL_EXPORTER_OTLP_(TRACES_)HEADERS. */
  headers?: Record<string, string>;
  /** OTLP/HTTP's body encoding: protobuf (the specification's default) or JSON. */
  protocol?: 'http/protobuf' | 'http/json';
  /** Prompts and outputs in the spans (the conventions' opt-in `gen_ai.*.messages`); off unless asked for. */
  includeMessages: boolean;
  /** The on-disk queue's folder. */
  queueDir: string;
  /** The queue's bound in bytes; 64 MiB by default. */
  maxQueueBytes?: number;
  /** `service.name`; `assay` by default. */
  serviceName?: string;
  /** Spans per request; 512 by default. */
  batchSize?: number;
  /** How long a span waits for its assertion outcomes before it is sent; 300 ms by default. */
  settleMs?: number;
  /** The export timeout per request; 10 s by default. */
  timeoutMs?: number;
}

/** What the exporter tells its owner: a problem once per kind of failure, and recovery. */
export type LiveOtlpNotice = { level: 'warning' | 'info'; message: string };

/** Counts since start, for the owner's summary and the tests. */
export interface LiveOtlpStats {
  sent: number;
  queued: number;
  dropped: number;
  failures: number;
}

const DEFAULT_QUEUE_BYTES = 64 * 1024 * 1024;
const TICK_MS = 250;
const MAX_BACKOFF_MS = 60_000;

/** A call's span as the on-disk queue keeps it (JSON): the span's own data, without resource and scope. */
interface QueuedSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  startTime: HrTime;
  endTime: HrTime;
  status: SpanStatus;
  attributes: Attributes;
  events: TimedEvent[];
}

/** SpanStatusCode.UNSET: a successful call, as the conventions advise. */
const OK: SpanStatus = { code: 0 };
const NO_LINKS: Link[] = [];

/**
 * One call as the SDK's ReadableSpan, the form the OpenTelemetry exporter sends. Built straight from the
 * stored trace (no intermediate OTLP/JSON span), and every span of an exporter shares one resource and one
 * scope object: the exporter groups spans by those objects' identity, so a batch is one ScopeSpans.
 */
class CallSpan implements ReadableSpan {
  readonly name: string;
  readonly startTime: HrTime;
  readonly endTime: HrTime;
  readonly status: SpanStatus;
  readonly attributes: Attributes;
  /** Assertion outcomes, added while the span waits for them. */
  readonly events: TimedEvent[];
  readonly parentSpanContext: SpanContext | undefined;
  private readonly context: SpanContext;

  constructor(
    data: QueuedSpan,
    readonly resource: ReadableSpan['resource'],
    readonly instrumentationScope: InstrumentationScope,
  ) {
    this.name = data.name;
    this.startTime = data.startTime;
    this.endTime = data.endTime;
    this.status = data.status;
    this.attributes = data.attributes;
    this.events = data.events;
    this.context = { traceId: data.traceId, spanId: data.spanId, traceFlags: 1 };
    this.parentSpanContext = data.parentSpanId ? { traceId: data.traceId, spanId: data.parentSpanId, traceFlags: 1 } : undefined;
  }

  spanContext(): SpanContext {
    return this.context;
  }

  // The API's SpanKind.CLIENT (2); OTLP numbers it 3.
  get kind(): SpanKind {
    return 2;
  }
  get links(): Link[] {
    return NO_LINKS;
  }
  get ended(): boolean {
    return true;
  }
  get droppedAttributesCount(): number {
    return 0;
  }
  get droppedEventsCount(): number {
    return 0;
  }
  get droppedLinksCount(): number {
    return 0;
  }
  get duration(): HrTime {
    const nanos = Math.max(0, (this.endTime[0] - this.startTime[0]) * 1e9 + (this.endTime[1] - this.startTime[1]));
    return [Math.floor(nanos / 1e9), nanos % 1e9];
  }

  addEvaluation(e: EvaluationRecord): void {
    this.events.push({ name: EVALUATION_EVENT, time: e.createdAt ? hrTimeOf(e.createdAt) : this.endTime, attributes: evaluationAttributes(e), droppedAttributesCount: 0 });
  }

  toJSON(): QueuedSpan {
    const { traceId, spanId } = this.context;
    const parentSpanId = this.parentSpanContext?.spanId;
    return { name: this.name, traceId, spanId, ...(parentSpanId ? { parentSpanId } : {}), startTime: this.startTime, endTime: this.endTime, status: this.status, attributes: this.attributes, events: this.events };
  }
}

/** A stored trace's span (the attributes, ids and times of the OTLP file export's `traceToSpan`). */
function callSpanData(trace: TraceRecord, options: Pick<LiveOtlpOptions, 'includeMessages'>): QueuedSpan {
  const ids = otlpIds(trace);
  const { start, end } = spanTimes(trace);
  return {
    name: `chat ${trace.model.model}`,
    traceId: ids.traceId,
    spanId: ids.spanId,
    ...(trace.parentId ? { parentSpanId: otlpIds({ id: trace.parentId, runId: trace.runId }).spanId } : {}),
    startTime: start,
    endTime: end,
    // SpanStatusCode.ERROR (2) on failed calls.
    status: trace.error ? { code: 2, message: trace.error.message } : OK,
    attributes: callAttributes(trace, { includeMessages: options.includeMessages }),
    events: [],
  };
}

const isHrTime = (v: unknown): v is HrTime => Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'number';
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Whether a queue file's entry is a span this version wrote (anything else makes the file damaged). */
function isQueuedSpan(v: unknown): v is QueuedSpan {
  return (
    isObject(v) &&
    typeof v.name === 'string' &&
    typeof v.traceId === 'string' &&
    typeof v.spanId === 'string' &&
    isHrTime(v.startTime) &&
    isHrTime(v.endTime) &&
    isObject(v.status) &&
    isObject(v.attributes) &&
    Array.isArray(v.events) &&
    v.events.every((e) => isObject(e) && typeof e.name === 'string' && isHrTime(e.time))
  );
}

/**
 * The on-disk queue: one file per batch the collector did not take (a JSON array of `QueuedSpan`s),
 * named by time so the oldest goes first; files readable by the user only.
 */
class SpanQueue {
  private seq = 0;
  /**
   * False once a listing found the folder empty, until this process queues again: sending while nothing
   * waits reads no directory per batch. (Another process's queued spans are its own to send, or the next
   * opener's.)
   */
  private mayHaveFiles = true;

  constructor(
    private readonly dir: string,
    private readonly maxBytes: number,
  ) {}

  private files(): string[] {
    if (!this.mayHaveFiles) return [];
    let list: string[];
    try {
      list = readdirSync(this.dir)
        .filter((f) => f.endsWith('.json'))
        .sort();
    } catch {
      list = [];
    }
    this.mayHaveFiles = list.length > 0;
    return list;
  }

  get empty(): boolean {
    return this.files().length === 0;
  }

  /** Keeps `spans`; returns how many older spans were dropped to stay within the bound. */
  push(spans: CallSpan[]): number {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const name = `${Date.now().toString().padStart(15, '0')}-${process.pid}-${String(this.seq++).padStart(6, '0')}.json`;
    const fd = openSync(join(this.dir, name), 'w', 0o600);
    try {
      writeSync(fd, JSON.stringify(spans));
    } finally {
      closeSync(fd);
    }
    this.mayHaveFiles = true;
    return this.trim();
  }

  private trim(): number {
    const files = this.files();
    const sizes = files.map((f) => {
      try {
        return statSync(join(this.dir, f)).size;
      } catch {
        return 0;
      }
    });
    let total = sizes.reduce((a, b) => a + b, 0);
    let dropped = 0;
    for (let k = 0; k < files.length - 1 && total > this.maxBytes; k++) {
      const spans = this.read(files[k]!);
      dropped += spans?.length ?? 0;
      this.remove(files[k]!);
      total -= sizes[k]!;
    }
    return dropped;
  }

  /** The oldest batch, or undefined; a damaged file is dropped. */
  oldest(): { file: string; spans: QueuedSpan[] } | undefined {
    for (const file of this.files()) {
      const spans = this.read(file);
      if (spans) return { file, spans };
      this.remove(file);
    }
    return undefined;
  }

  private read(file: string): QueuedSpan[] | undefined {
    try {
      const v: unknown = JSON.parse(readFileSync(join(this.dir, file), 'utf8'));
      return Array.isArray(v) && v.every(isQueuedSpan) ? v : undefined;
    } catch {
      return undefined;
    }
  }

  remove(file: string): void {
    try {
      unlinkSync(join(this.dir, file));
    } catch {
      // Already gone (another process sent it).
    }
  }
}

/** The exporter's promise form: resolves to an error message, or undefined when the collector took the batch. */
type Send = (spans: ReadableSpan[]) => Promise<string | undefined>;

function exporterSend(options: LiveOtlpOptions): { send: Send; shutdown: () => Promise<void> } {
  const config = {
    ...(options.url ? { url: options.url } : {}),
    ...(options.headers ? { headers: options.headers } : {}),
    timeoutMillis: options.timeoutMs ?? 10_000,
  };
  const exporter = options.protocol === 'http/json' ? new JsonExporter(config) : new ProtobufExporter(config);
  return {
    send: (spans) =>
      new Promise((resolve) => {
        exporter.export(spans, (r) => resolve(r.code === 0 ? undefined : (r.error?.message ?? 'the collector did not accept the spans')));
      }),
    shutdown: () => exporter.shutdown(),
  };
}

/**
 * Collects stored traces and their evaluations, and sends them as spans. `add` and `addEvaluations` only
 * record; sending happens on a timer and never throws.
 */
export class LiveOtlpExport {
  /** Spans waiting for their assertion outcomes, oldest first. */
  private readonly waiting = new Map<string, { span: CallSpan; at: number }>();
  private ready: CallSpan[] = [];
  private readonly queue: SpanQueue;
  private readonly resource: ReadableSpan['resource'];
  private readonly scope: InstrumentationScope = { ...OTLP_SCOPE };
  private readonly exporter: { send: Send; shutdown: () => Promise<void> };
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  /** While the collector fails: no sending before this time (ms since the epoch). */
  private retryAt = 0;
  private backoffMs = 0;
  private lastProblem: string | undefined;
  /** A batch on its way that is in no queue: close() keeps it if the collector has not answered in time. */
  private sending: CallSpan[] | undefined;
  private closed = false;
  readonly stats: LiveOtlpStats = { sent: 0, queued: 0, dropped: 0, failures: 0 };

  constructor(
    private readonly options: LiveOtlpOptions,
    private readonly notify: (n: LiveOtlpNotice) => void,
    exporter?: { send: Send; shutdown: () => Promise<void> },
  ) {
    this.queue = new SpanQueue(options.queueDir, options.maxQueueBytes ?? DEFAULT_QUEUE_BYTES);
    this.resource = resourceFromAttributes({ 'service.name': options.serviceName ?? 'assay', 'telemetry.sdk.name': 'assay' });
    this.exporter = exporter ?? exporterSend(options);
    // Spans an earlier process could not send go out first.
    if (!this.queue.empty) this.schedule();
  }

  /**
   * A stored trace (already redacted), sent once its evaluations had a moment to arrive. Its span is built
   * now, so the trace (its request and response) is not kept while the span waits.
   */
  add(trace: TraceRecord): void {
    if (this.closed) return;
    const span = new CallSpan(callSpanData(trace, this.options), this.resource, this.scope);
    for (const e of trace.evaluations) span.addEvaluation(e);
    this.waiting.set(trace.id, { span, at: Date.now() });
    this.schedule();
  }

  /** Stored evaluations: attached to their trace's span while it waits (later ones are not re-sent). */
  addEvaluations(evaluations: EvaluationRecord[]): void {
    for (const e of evaluations) this.waiting.get(e.traceId)?.span.addEvaluation(e);
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.tick();
    }, TICK_MS);
    this.timer.unref();
  }

  private settle(all: boolean): void {
    const before = Date.now() - (this.options.settleMs ?? 300);
    // Oldest first (the map keeps insertion order): the first span still waiting ends the pass.
    for (const [id, w] of this.waiting) {
      if (!all && w.at > before) break;
      this.ready.push(w.span);
      this.waiting.delete(id);
    }
  }

  private tick(): void {
    this.settle(false);
    if (!this.inFlight) this.inFlight = this.pump().finally(() => (this.inFlight = undefined));
    if (this.waiting.size > 0 || this.ready.length > 0 || !this.queue.empty) this.schedule();
  }

  /** Sends what is ready, queued batches first; while the collector is failing, ready spans go to the queue. */
  private async pump(): Promise<void> {
    const batchSize = this.options.batchSize ?? 512;
    while (!this.closed || this.ready.length > 0) {
      if (Date.now() < this.retryAt) {
        this.park();
        return;
      }
      const queued = this.queue.oldest();
      const batch = queued ? queued.spans.map((s) => new CallSpan(s, this.resource, this.scope)) : this.ready.splice(0, batchSize);
      if (batch.length === 0) return;
      if (!queued) this.sending = batch;
      const error = await this.exporter.send(batch);
      if (!queued) {
        if (this.sending !== batch) return; // close() gave up on it and queued it already.
        this.sending = undefined;
      }
      if (error === undefined) {
        if (queued) {
          this.queue.remove(queued.file);
          this.stats.queued -= Math.min(this.stats.queued, batch.length);
        }
        this.stats.sent += batch.length;
        this.recovered();
      } else {
        if (!queued) this.keep(batch);
        this.failed(error);
        return;
      }
    }
  }

  /** Ready spans into the on-disk queue (while the collector is failing, or at close). */
  private park(): void {
    while (this.ready.length > 0) this.keep(this.ready.splice(0, this.options.batchSize ?? 512));
  }

  private keep(spans: CallSpan[]): void {
    try {
      const dropped = this.queue.push(spans);
      this.stats.queued += spans.length;
      if (dropped > 0) {
        this.stats.dropped += dropped;
        this.stats.queued -= Math.min(this.stats.queued, dropped);
        this.notify({ level: 'warning', message: `OpenTelemetry export: the queue in ${this.options.queueDir} is full; ${this.stats.dropped} oldest spans dropped` });
      }
    } catch (err) {
      this.stats.dropped += spans.length;
      this.notify({ level: 'warning', message: `OpenTelemetry export: cannot queue spans in ${this.options.queueDir} (${(err as Error).message}); ${spans.length} spans dropped` });
    }
  }

  private failed(error: string): void {
    this.stats.failures++;
    this.backoffMs = Math.min(MAX_BACKOFF_MS, this.backoffMs ? this.backoffMs * 2 : 1_000);
    this.retryAt = Date.now() + this.backoffMs;
    this.park();
    if (error !== this.lastProblem) {
      this.lastProblem = error;
      this.notify({ level: 'warning', message: `OpenTelemetry export failed (${error}); spans are kept in ${this.options.queueDir} and sent again when the collector answers` });
    }
  }

  /** After a success: sending goes on at full pace, and once the queue has drained the user hears so. */
  private recovered(): void {
    this.backoffMs = 0;
    this.retryAt = 0;
    if (this.lastProblem === undefined || !this.queue.empty) return;
    this.lastProblem = undefined;
    this.notify({ level: 'info', message: `OpenTelemetry export resumed: the queued spans are sent (${this.stats.sent} so far)` });
  }

  /**
   * Sends what is left, waiting at most `timeoutMs`; whatever the collector has not taken by then is in
   * the on-disk queue for the next process.
   */
  async close(timeoutMs = 3_000): Promise<LiveOtlpStats> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.settle(true);
    this.closed = true;
    const done = (async () => {
      if (this.inFlight) await this.inFlight;
      await this.pump();
    })();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([done, new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
    // At least once: a batch still unanswered is queued too (a collector that takes it late sees it twice).
    if (this.sending) this.keep(this.sending);
    this.sending = undefined;
    this.park();
    void this.exporter.shutdown().catch(() => undefined);
    return { ...this.stats };
  }
}
