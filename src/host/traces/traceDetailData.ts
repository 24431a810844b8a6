// A stored trace as the detail view shows it. No `vscode`: plain data in, plain data out.
import { partText, payloadConversation, responseReasoning, type MessagePart } from '../../core/export/payloadMessages';
import type { TraceRecord } from '../../core/store/storeTypes';
import type { DetailMessage, DetailPart, DetailThinking, TraceDetail } from '../../shared/traceProtocol';

/** Stored images by hash, fetched by the caller for the references a trace holds. */
export type BlobLookup = ReadonlyMap<string, { mediaType: string; data: string }>;

const BLOB_REF = /^data:[^;,]+;assay-blob,([0-9a-f]{64})$/;

function detailPart(p: MessagePart, blobs: BlobLookup): DetailPart {
  if (p.type === 'image') {
    const ref = BLOB_REF.exec(p.url);
    const blob = ref ? blobs.get(ref[1]!) : undefined;
    const uri = blob ? `data:${blob.mediaType};base64,${blob.data}` : p.url.startsWith('data:') && !ref ? p.url : undefined;
    return { kind: 'image', text: partText(p), ...(uri ? { imageUri: uri } : {}) };
  }
  return { kind: p.type, text: p.type === 'tool_call' ? `${p.name}(${p.arguments})` : partText(p) };
}

/** Thinking blocks of a stored response (Anthropic's `thinking` / `redacted_thinking` content). */
export function responseThinking(response: unknown): DetailThinking[] {
  const content = response && typeof response === 'object' ? (response as { content?: unknown }).content : undefined;
  if (!Array.isArray(content)) return [];
  const out: DetailThinking[] = [];
  for (const b of content as Record<string, unknown>[]) {
    if (b?.type === 'thinking' && typeof b.thinking === 'string') out.push({ text: b.thinking });
    else if (b?.type === 'redacted_thinking') out.push({ text: '', redacted: true });
  }
  return out;
}

function pretty(value: unknown): string {
  if (value === undefined || value === null) return '';
  try {
    return JSON.stringify(value, null, 2);
  } catch {
    return String(value);
  }
}

/** What the host knows beyond the record: today's prompt file, and whether replay can run. */
export interface DetailContext {
  promptVersion: TraceDetail['promptVersion'];
  replayBlocked?: string;
  /** Images the trace's request refers to by hash. */
  blobs?: BlobLookup;
}

export function traceDetail(trace: TraceRecord, context: DetailContext): TraceDetail {
  const conversation = payloadConversation(trace.request);
  const blobs = context.blobs ?? new Map();
  const part = (p: MessagePart): DetailPart => detailPart(p, blobs);
  const messages: DetailMessage[] = [];
  if (conversation.system.length) messages.push({ role: 'system', parts: conversation.system.map(part) });
  for (const m of conversation.messages) messages.push({ role: m.role, ...(m.name ? { name: m.name } : {}), parts: m.parts.map(part) });
  const detail: TraceDetail = {
    id: trace.id,
    runId: trace.runId,
    promptPath: trace.promptPath,
    promptVersionId: trace.promptVersionId,
    caseId: trace.caseId,
    repeatIndex: trace.repeatIndex,
    step: trace.step === null ? null : { index: trace.step, last: trace.parentId === null },
    model: `${trace.model.provider}:${trace.model.model}`,
    status: trace.status,
    startedAt: trace.startedAt,
    endedAt: trace.endedAt,
    messages,
    requestJson: pretty(trace.request),
    responseJson: pretty(trace.response),
    output: trace.text,
    thinking: responseThinking(trace.response),
    reasoning: responseReasoning(trace.response),
    toolCalls: trace.toolCalls.map((c) => ({ name: c.function.name, arguments: c.function.arguments })),
    variables: trace.variables,
    usage: trace.usage
      ? { input: trace.usage.inputTokens, output: trace.usage.outputTokens, cached: trace.usage.cachedInputTokens, cacheWrite: trace.usage.cacheWriteTokens, reasoning: trace.usage.reasoningTokens }
      : null,
    cost: trace.cost,
    latencyMs: trace.latencyMs,
    ttftMs: trace.ttftMs,
    finishReason: trace.finishReason,
    error: trace.error ? { kind: trace.error.kind, message: trace.error.message, ...(trace.error.status !== undefined ? { status: trace.error.status } : {}) } : null,
    cacheHit: trace.cacheHit,
    attempts: trace.attempts ?? null,
    evaluations: trace.evaluations.map((e) => ({ type: e.assertionType, pass: e.pass, score: e.score, reason: e.reason, metric: e.metric })),
    feedback: trace.feedback ? { rating: trace.feedback.rating, note: trace.feedback.note } : null,
    promptVersion: context.promptVersion,
  };
  if (context.replayBlocked) detail.replayBlocked = context.replayBlocked;
  return detail;
}
