// Traces as OpenTelemetry spans in OTLP/JSON, following the GenAI semantic conventions (`gen_ai.*`), so
// any OpenTelemetry backend can load a history. One span per trace (a `chat` client span); the traces of
// one run share an OTLP trace id; assertion outcomes become `gen_ai.evaluation.result` events. Prompt and
// output text go out only when asked (`includeMessages`), as the conventions' opt-in attributes.
//
// The file holds one ExportTraceServiceRequest per line (at most `batchSize` spans each): the format of the
// Collector's file exporter and `otlpjsonfile` receiver, and each line is a valid body for
// `POST /v1/traces` on any OTLP/HTTP receiver. Up to `batchSize` traces, the file is one JSON document.
import * as crypto from 'node:crypto';
import { closeSync, createReadStream, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import type { Attributes, AttributeValue, HrTime } from '@opentelemetry/api';
import type { EvaluationRecord, ExportResult, TraceFilter, TraceRecord } from '../store/storeTypes';
import { partText, payloadConversation, payloadParams, type MessagePart } from './payloadMessages';

/** An OTLP attribute value (proto3 JSON mapping: 64-bit integers as decimal strings). */
export type OtlpAnyValue =
  | { stringValue: string }
  | { intValue: string }
  | { doubleValue: number }
  | { boolValue: boolean }
  | { arrayValue: { values: OtlpAnyValue[] } };

export interface OtlpKeyValue {
  key: string;
  value: OtlpAnyValue;
}

export interface OtlpEvent {
  timeUnixNano: string;
  name: string;
  attributes: OtlpKeyValue[];
}

/** An OTLP span (`opentelemetry.proto.trace.v1.Span`) in its JSON encoding. */
export interface OtlpSpan {
  /** 32 hex digits. */
  traceId: string;
  /** 16 hex digits. */
  spanId: string;
  name: string;
  /** 3 = SPAN_KIND_CLIENT. */
  kind: 3;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: OtlpKeyValue[];
  events: OtlpEvent[];
  /** Set on failed calls only (2 = STATUS_CODE_ERROR); unset means success, as the conventions advise. */
  status?: { code: 2; message: string };
  /** An earlier tool-loop step's span is a child of its case's span (the last step, which holds the verdict). */
  parentSpanId?: string;
}

/** `ExportTraceServiceRequest` in its JSON encoding. */
export interface OtlpExportRequest {
  resourceSpans: {
    resource: { attributes: OtlpKeyValue[] };
    scopeSpans: { scope: { name: string; version: string }; spans: OtlpSpan[] }[];
  }[];
}

export interface OtlpOptions {
  /**
   * Add the conversation: `gen_ai.system_instructions`, `gen_ai.input.messages` and `gen_ai.output.messages`
   * (JSON strings). Off by default, as the conventions advise, since they hold prompt and output text.
   */
  includeMessages?: boolean;
  /** `service.name` of the resource; `assay` by default. */
  serviceName?: string;
  /** Spans per ExportTraceServiceRequest (one per line); 1,000 by default. */
  batchSize?: number;
}

/** The instrumentation scope of the spans. */
export const OTLP_SCOPE = { name: 'assay', version: '0.1.0' } as const;

const s = (value: string): OtlpAnyValue => ({ stringValue: value });

/**
 * SHA-256 in hex: the one-shot `crypto.hash` (Node 20.12+; a third of createHash's cost, which the live
 * export pays two or three times per call), else createHash. The same digest either way.
 */
const oneShot = typeof crypto.hash === 'function' ? crypto.hash : undefined;
const sha256Hex: (text: string) => string = oneShot ? (text) => oneShot('sha256', text, 'hex') : (text) => crypto.createHash('sha256').update(text).digest('hex');

function hexId(seed: string, hexDigits: number): string {
  return sha256Hex(seed).slice(0, hexDigits);
}

/** The last run's trace id: a run's spans come together, and each id is a hash. */
let lastRun: { runId: string; traceId: string } | undefined;

/** OTLP ids, stable across exports (so re-importing a file deduplicates): a run's traces share a trace id. */
export function otlpIds(trace: Pick<TraceRecord, 'id' | 'runId'>): { traceId: string; spanId: string } {
  let traceId: string;
  if (!trace.runId) traceId = hexId(`assay-trace:${trace.id}`, 32);
  else if (lastRun?.runId === trace.runId) traceId = lastRun.traceId;
  else lastRun = { runId: trace.runId, traceId: (traceId = hexId(`assay-run:${trace.runId}`, 32)) };
  return { traceId, spanId: hexId(`assay-span:${trace.id}`, 16) };
}

/** Milliseconds since the epoch (possibly fractional) → [seconds, nanoseconds], exact to the nanosecond. */
export function hrTimeOf(ms: number): HrTime {
  const whole = Math.floor(ms);
  const milli = whole % 1000;
  let seconds = (whole - milli) / 1000;
  let nanos = milli * 1e6 + Math.round((ms - whole) * 1e6);
  if (nanos >= 1e9) {
    seconds += 1;
    nanos -= 1e9;
  }
  return [seconds, nanos];
}

/** [seconds, nanoseconds] → OTLP/JSON's integer nanosecond string. */
function unixNano(t: HrTime): string {
  return t[0] === 0 ? String(t[1]) : `${t[0]}${String(t[1]).padStart(9, '0')}`;
}

/** A span's start and end (a clock that went back gives an empty span, never a negative one). */
export function spanTimes(trace: Pick<TraceRecord, 'startedAt' | 'endedAt'>): { start: HrTime; end: HrTime } {
  return { start: hrTimeOf(trace.startedAt), end: hrTimeOf(Math.max(trace.endedAt, trace.startedAt)) };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The conventions' JSON shape for message parts. */
function semconvPart(p: MessagePart): Record<string, unknown> {
  switch (p.type) {
    case 'text':
      return { type: 'text', content: p.content };
    case 'tool_call': {
      let args: unknown = p.arguments;
      try {
        args = JSON.parse(p.arguments);
      } catch {
        // Arguments that are not JSON go out as the string the model produced.
      }
      return { type: 'tool_call', id: p.id, name: p.name, arguments: args };
    }
    case 'tool_call_response':
      return { type: 'tool_call_response', id: p.id, response: p.response };
    case 'image':
    case 'other':
      return { type: 'text', content: partText(p) };
  }
}

/**
 * The attributes whose numbers are doubles (OTLP's `doubleValue`); every other number is an integer,
 * rounded when the attribute is set. The OpenTelemetry exporter decides by the value instead (a whole
 * number goes out as an integer), so only the OTLP/JSON file keeps this distinction.
 */
const DOUBLE_ATTRIBUTES: ReadonlySet<string> = new Set([
  'gen_ai.request.temperature',
  'gen_ai.request.top_p',
  'gen_ai.request.top_k',
  'gen_ai.request.frequency_penalty',
  'gen_ai.request.presence_penalty',
  'assay.cost.usd',
  'assay.ttft_ms',
  'gen_ai.evaluation.score.value',
]);

/** The request's parameters (`gen_ai.request.*`, `gen_ai.output.type`). */
function requestAttributes(a: Attributes, request: unknown): void {
  const params = payloadParams(request);
  if (params.temperature !== undefined) a['gen_ai.request.temperature'] = params.temperature;
  if (params.maxTokens !== undefined) a['gen_ai.request.max_tokens'] = Math.round(params.maxTokens);
  if (params.topP !== undefined) a['gen_ai.request.top_p'] = params.topP;
  if (params.topK !== undefined) a['gen_ai.request.top_k'] = params.topK;
  if (params.seed !== undefined) a['gen_ai.request.seed'] = Math.round(params.seed);
  if (params.frequencyPenalty !== undefined) a['gen_ai.request.frequency_penalty'] = params.frequencyPenalty;
  if (params.presencePenalty !== undefined) a['gen_ai.request.presence_penalty'] = params.presencePenalty;
  if (params.stop?.length) a['gen_ai.request.stop_sequences'] = params.stop;
  if (params.outputType) a['gen_ai.output.type'] = params.outputType;
}

/** The opt-in conversation: `gen_ai.system_instructions`, `gen_ai.input.messages`, `gen_ai.output.messages`. */
function messageAttributes(a: Attributes, trace: TraceRecord): void {
  const conversation = payloadConversation(trace.request);
  if (conversation.system.length) a['gen_ai.system_instructions'] = JSON.stringify(conversation.system.map(semconvPart));
  a['gen_ai.input.messages'] = JSON.stringify(conversation.messages.map((m) => ({ role: m.role, parts: m.parts.map(semconvPart), ...(m.name ? { name: m.name } : {}) })));
  if (!trace.error) {
    const parts: MessagePart[] = [];
    if (trace.text !== '') parts.push({ type: 'text', content: trace.text });
    for (const c of trace.toolCalls) parts.push({ type: 'tool_call', id: c.id, name: c.function.name, arguments: c.function.arguments });
    a['gen_ai.output.messages'] = JSON.stringify([{ role: 'assistant', parts: parts.map(semconvPart), finish_reason: trace.finishReason ?? 'stop' }]);
  }
}

/** Assay's own facts, namespaced so they never clash with the conventions. */
function assayAttributes(a: Attributes, trace: TraceRecord, options: OtlpOptions): void {
  a['assay.trace.id'] = trace.id;
  if (trace.runId) a['assay.run.id'] = trace.runId;
  if (trace.promptPath) a['assay.prompt.path'] = trace.promptPath;
  if (trace.promptVersionId) a['assay.prompt.version'] = trace.promptVersionId;
  if (trace.caseId) a['assay.case.id'] = trace.caseId;
  if (trace.repeatIndex > 0) a['assay.repeat.index'] = Math.round(trace.repeatIndex);
  if (trace.step !== null && trace.step !== undefined) a['assay.tool_loop.step'] = Math.round(trace.step);
  if (trace.cost !== null) a['assay.cost.usd'] = trace.cost;
  a['assay.cache_hit'] = trace.cacheHit;
  if (trace.ttftMs !== null) a['assay.ttft_ms'] = trace.ttftMs;
  if (trace.attempts !== undefined) a['assay.attempts'] = Math.round(trace.attempts);
  if (trace.feedback && trace.feedback.rating !== 0) a['assay.feedback.rating'] = Math.round(trace.feedback.rating);
  if (options.includeMessages && trace.feedback?.note) a['assay.feedback.note'] = trace.feedback.note;
}

/**
 * One call's span attributes as plain values (strings, numbers, booleans, string arrays), in the order
 * they go out: the form the OpenTelemetry SDK's spans carry, converted to OTLP/JSON by `otlpAttributes`.
 */
export function callAttributes(trace: TraceRecord, options: OtlpOptions = {}): Attributes {
  const a: Attributes = {};
  const provider = trace.model.provider;
  a['gen_ai.operation.name'] = 'chat';
  a['gen_ai.provider.name'] = provider;
  // The older name, still what many backends group by.
  a['gen_ai.system'] = provider;
  a['gen_ai.request.model'] = trace.model.model;
  requestAttributes(a, trace.request);
  const response = isRecord(trace.response) ? trace.response : undefined;
  a['gen_ai.response.model'] = typeof response?.model === 'string' ? response.model : trace.model.model;
  if (typeof response?.id === 'string') a['gen_ai.response.id'] = response.id;
  if (trace.finishReason) a['gen_ai.response.finish_reasons'] = [trace.finishReason];
  if (trace.usage) {
    a['gen_ai.usage.input_tokens'] = Math.round(trace.usage.inputTokens);
    a['gen_ai.usage.output_tokens'] = Math.round(trace.usage.outputTokens);
    if (trace.usage.cachedInputTokens > 0) a['gen_ai.usage.cache_read.input_tokens'] = Math.round(trace.usage.cachedInputTokens);
    if (trace.usage.cacheWriteTokens > 0) a['gen_ai.usage.cache_creation.input_tokens'] = Math.round(trace.usage.cacheWriteTokens);
    if (trace.usage.reasoningTokens > 0) a['gen_ai.usage.reasoning.output_tokens'] = Math.round(trace.usage.reasoningTokens);
  }
  if (trace.error) a['error.type'] = trace.error.kind;
  if (options.includeMessages) messageAttributes(a, trace);
  assayAttributes(a, trace, options);
  return a;
}

/** An assertion outcome's `gen_ai.evaluation.result` event attributes. */
export function evaluationAttributes(e: EvaluationRecord): Attributes {
  const a: Attributes = {};
  a['gen_ai.evaluation.name'] = e.metric ?? e.assertionType;
  a['gen_ai.evaluation.score.label'] = e.pass ? 'pass' : 'fail';
  if (e.score !== null) a['gen_ai.evaluation.score.value'] = e.score;
  if (e.reason) a['gen_ai.evaluation.explanation'] = e.reason;
  a['assay.assertion.type'] = e.assertionType;
  return a;
}

export const EVALUATION_EVENT = 'gen_ai.evaluation.result';

function otlpValue(key: string, v: AttributeValue): OtlpAnyValue {
  if (typeof v === 'string') return s(v);
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return DOUBLE_ATTRIBUTES.has(key) ? { doubleValue: v } : { intValue: String(v) };
  return { arrayValue: { values: (v as unknown[]).map((x) => otlpValue(key, x as AttributeValue)) } };
}

/** Plain attributes → OTLP/JSON key-values (numbers as doubles or integers by `DOUBLE_ATTRIBUTES`). */
function otlpAttributes(a: Attributes): OtlpKeyValue[] {
  const out: OtlpKeyValue[] = [];
  for (const key of Object.keys(a)) {
    const v = a[key];
    if (v !== undefined && v !== null) out.push({ key, value: otlpValue(key, v) });
  }
  return out;
}

/** One trace as one span. */
export function traceToSpan(trace: TraceRecord, options: OtlpOptions = {}): OtlpSpan {
  const ids = otlpIds(trace);
  const { start, end } = spanTimes(trace);
  const span: OtlpSpan = {
    traceId: ids.traceId,
    spanId: ids.spanId,
    name: `chat ${trace.model.model}`,
    kind: 3,
    startTimeUnixNano: unixNano(start),
    endTimeUnixNano: unixNano(end),
    attributes: otlpAttributes(callAttributes(trace, options)),
    events: trace.evaluations.map((e) => ({
      timeUnixNano: unixNano(e.createdAt ? hrTimeOf(e.createdAt) : end),
      name: EVALUATION_EVENT,
      attributes: otlpAttributes(evaluationAttributes(e)),
    })),
  };
  if (trace.error) span.status = { code: 2, message: trace.error.message };
  if (trace.parentId) span.parentSpanId = otlpIds({ id: trace.parentId, runId: trace.runId }).spanId;
  return span;
}

/** Wraps spans in an ExportTraceServiceRequest with Assay's resource and scope. */
export function otlpRequest(spans: OtlpSpan[], options: OtlpOptions = {}): OtlpExportRequest {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: s(options.serviceName ?? 'assay') }, { key: 'telemetry.sdk.name', value: s('assay') }] },
        scopeSpans: [{ scope: { ...OTLP_SCOPE }, spans }],
      },
    ],
  };
}

/** Converts trace records to OTLP/JSON lines (one request per `batchSize` spans). */
export function tracesToOtlpLines(traces: TraceRecord[], options: OtlpOptions = {}): string[] {
  const batch = Math.max(1, Math.floor(options.batchSize ?? 1000));
  const lines: string[] = [];
  for (let k = 0; k < traces.length; k += batch) {
    lines.push(JSON.stringify(otlpRequest(traces.slice(k, k + batch).map((t) => traceToSpan(t, options)), options)));
  }
  return lines;
}

/** What `exportOtlp` needs from the history store. */
export interface JsonlSource {
  exportJsonl(filter: TraceFilter, outPath: string): Promise<ExportResult>;
}

/**
 * Writes the filtered traces (oldest first) to `outPath` as OTLP/JSON lines. The store first writes its
 * JSONL next to the target (in its worker thread); this side then converts it a line at a time, so memory
 * stays flat for any history size. The target appears only when complete (temp file, fsync, rename).
 */
export async function exportOtlp(store: JsonlSource, filter: TraceFilter, outPath: string, options: OtlpOptions = {}): Promise<ExportResult> {
  const tag = `${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  const jsonl = `${outPath}.jsonl-${tag}`;
  const tmp = `${outPath}.tmp-${tag}`;
  const removeQuietly = (p: string) => {
    try {
      unlinkSync(p);
    } catch {
      // Not there.
    }
  };
  try {
    mkdirSync(dirname(outPath), { recursive: true });
  } catch (err) {
    return { error: `cannot write ${outPath}: ${(err as Error).message}` };
  }
  const exported = await store.exportJsonl(filter, jsonl);
  if ('error' in exported) return exported;
  let fd: number | undefined;
  let count = 0;
  try {
    fd = openSync(tmp, 'w');
    const batch = Math.max(1, Math.floor(options.batchSize ?? 1000));
    let spans: OtlpSpan[] = [];
    const flush = () => {
      if (spans.length === 0) return;
      writeSync(fd!, JSON.stringify(otlpRequest(spans, options)) + '\n');
      spans = [];
    };
    const lines = createInterface({ input: createReadStream(jsonl, 'utf8'), crlfDelay: Infinity });
    for await (const line of lines) {
      if (line.trim() === '') continue;
      spans.push(traceToSpan(JSON.parse(line) as TraceRecord, options));
      count++;
      if (spans.length >= batch) flush();
    }
    flush();
    // No trace matched: still a valid (empty) request, so the file always parses.
    if (count === 0) writeSync(fd, JSON.stringify({ resourceSpans: [] }) + '\n');
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, outPath);
    return { count, path: outPath };
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    removeQuietly(tmp);
    return { error: `cannot write ${outPath}: ${(err as Error).message}` };
  } finally {
    removeQuietly(jsonl);
  }
}
