// Traces as OpenTelemetry spans in OTLP/JSON, following the GenAI semantic conventions (`gen_ai.*`), so
// any OpenTelemetry backend can load a history. One span per trace (a `chat` client span); the traces of
// one run share an OTLP trace id; assertion outcomes become `gen_ai.evaluation.result` events. Prompt and
// output text go out only when asked (`includeMessages`), as the conventions' opt-in attributes.
//
// The file holds one ExportTraceServiceRequest per line (at most `batchSize` spans each): the format of the
// Collector's file exporter and `otlpjsonfile` receiver, and each line is a valid body for
// `POST /v1/traces` on any OTLP/HTTP receiver. Up to `batchSize` traces, the file is one JSON document.
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, createReadStream, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import type { ExportResult, TraceFilter, TraceRecord } from '../store/storeTypes';
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
const i = (value: number): OtlpAnyValue => ({ intValue: String(Math.round(value)) });
const d = (value: number): OtlpAnyValue => ({ doubleValue: value });

function hexId(seed: string, hexDigits: number): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, hexDigits);
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

function nanos(ms: number): string {
  // Milliseconds (possibly fractional) to an integer nanosecond string without losing precision.
  const whole = Math.floor(ms);
  const frac = Math.round((ms - whole) * 1e6);
  return `${whole}${String(frac).padStart(6, '0')}`;
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

/** One trace as one span. */
export function traceToSpan(trace: TraceRecord, options: OtlpOptions = {}): OtlpSpan {
  const attrs: OtlpKeyValue[] = [];
  const add = (key: string, value: OtlpAnyValue | undefined) => {
    if (value !== undefined) attrs.push({ key, value });
  };
  const provider = trace.model.provider;
  add('gen_ai.operation.name', s('chat'));
  add('gen_ai.provider.name', s(provider));
  // The older name, still what many backends group by.
  add('gen_ai.system', s(provider));
  add('gen_ai.request.model', s(trace.model.model));
  const params = payloadParams(trace.request);
  if (params.temperature !== undefined) add('gen_ai.request.temperature', d(params.temperature));
  if (params.maxTokens !== undefined) add('gen_ai.request.max_tokens', i(params.maxTokens));
  if (params.topP !== undefined) add('gen_ai.request.top_p', d(params.topP));
  if (params.topK !== undefined) add('gen_ai.request.top_k', d(params.topK));
  if (params.seed !== undefined) add('gen_ai.request.seed', i(params.seed));
  if (params.frequencyPenalty !== undefined) add('gen_ai.request.frequency_penalty', d(params.frequencyPenalty));
  if (params.presencePenalty !== undefined) add('gen_ai.request.presence_penalty', d(params.presencePenalty));
  if (params.stop?.length) add('gen_ai.request.stop_sequences', { arrayValue: { values: params.stop.map(s) } });
  if (params.outputType) add('gen_ai.output.type', s(params.outputType));
  const response = isRecord(trace.response) ? trace.response : {};
  add('gen_ai.response.model', s(typeof response.model === 'string' ? response.model : trace.model.model));
  if (typeof response.id === 'string') add('gen_ai.response.id', s(response.id));
  if (trace.finishReason) add('gen_ai.response.finish_reasons', { arrayValue: { values: [s(trace.finishReason)] } });
  if (trace.usage) {
    add('gen_ai.usage.input_tokens', i(trace.usage.inputTokens));
    add('gen_ai.usage.output_tokens', i(trace.usage.outputTokens));
    if (trace.usage.cachedInputTokens > 0) add('gen_ai.usage.cache_read.input_tokens', i(trace.usage.cachedInputTokens));
    if (trace.usage.cacheWriteTokens > 0) add('gen_ai.usage.cache_creation.input_tokens', i(trace.usage.cacheWriteTokens));
    if (trace.usage.reasoningTokens > 0) add('gen_ai.usage.reasoning.output_tokens', i(trace.usage.reasoningTokens));
  }
  if (trace.error) add('error.type', s(trace.error.kind));

  if (options.includeMessages) {
    const conversation = payloadConversation(trace.request);
    if (conversation.system.length) add('gen_ai.system_instructions', s(JSON.stringify(conversation.system.map(semconvPart))));
    add('gen_ai.input.messages', s(JSON.stringify(conversation.messages.map((m) => ({ role: m.role, parts: m.parts.map(semconvPart), ...(m.name ? { name: m.name } : {}) })))));
    if (!trace.error) {
      const parts: MessagePart[] = [];
      if (trace.text !== '') parts.push({ type: 'text', content: trace.text });
      for (const c of trace.toolCalls) parts.push({ type: 'tool_call', id: c.id, name: c.function.name, arguments: c.function.arguments });
      add('gen_ai.output.messages', s(JSON.stringify([{ role: 'assistant', parts: parts.map(semconvPart), finish_reason: trace.finishReason ?? 'stop' }])));
    }
  }

  // Assay's own facts, namespaced so they never clash with the conventions.
  add('assay.trace.id', s(trace.id));
  if (trace.runId) add('assay.run.id', s(trace.runId));
  if (trace.promptPath) add('assay.prompt.path', s(trace.promptPath));
  if (trace.promptVersionId) add('assay.prompt.version', s(trace.promptVersionId));
  if (trace.caseId) add('assay.case.id', s(trace.caseId));
  if (trace.repeatIndex > 0) add('assay.repeat.index', i(trace.repeatIndex));
  if (trace.cost !== null) add('assay.cost.usd', d(trace.cost));
  add('assay.cache_hit', { boolValue: trace.cacheHit });
  if (trace.ttftMs !== null) add('assay.ttft_ms', d(trace.ttftMs));
  if (trace.attempts !== undefined) add('assay.attempts', i(trace.attempts));
  if (trace.feedback && trace.feedback.rating !== 0) add('assay.feedback.rating', i(trace.feedback.rating));
  if (options.includeMessages && trace.feedback?.note) add('assay.feedback.note', s(trace.feedback.note));

  const ids = otlpIds(trace);
  const span: OtlpSpan = {
    traceId: ids.traceId,
    spanId: ids.spanId,
    name: `chat ${trace.model.model}`,
    kind: 3,
    startTimeUnixNano: nanos(trace.startedAt),
    endTimeUnixNano: nanos(Math.max(trace.endedAt, trace.startedAt)),
    attributes: attrs,
    events: trace.evaluations.map((e) => {
      const ev: OtlpKeyValue[] = [
        { key: 'gen_ai.evaluation.name', value: s(e.metric ?? e.assertionType) },
        { key: 'gen_ai.evaluation.score.label', value: s(e.pass ? 'pass' : 'fail') },
      ];
      if (e.score !== null) ev.push({ key: 'gen_ai.evaluation.score.value', value: d(e.score) });
      if (e.reason) ev.push({ key: 'gen_ai.evaluation.explanation', value: s(e.reason) });
      ev.push({ key: 'assay.assertion.type', value: s(e.assertionType) });
      return { timeUnixNano: nanos(e.createdAt || trace.endedAt), name: 'gen_ai.evaluation.result', attributes: ev };
    }),
  };
  if (trace.error) span.status = { code: 2, message: trace.error.message };
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
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
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
