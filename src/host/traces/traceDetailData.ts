// A stored trace as the detail view shows it. No `vscode`: plain data in, plain data out.
import { partText, payloadConversation, responseReasoning, type MessagePart } from '../../core/export/payloadMessages';
import type { TraceRecord } from '../../core/store/storeTypes';
import type { DetailMessage, DetailPart, TraceDetail } from '../../shared/traceProtocol';

function detailPart(p: MessagePart): DetailPart {
  return { kind: p.type, text: p.type === 'tool_call' ? `${p.name}(${p.arguments})` : partText(p) };
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
}

export function traceDetail(trace: TraceRecord, context: DetailContext): TraceDetail {
  const conversation = payloadConversation(trace.request);
  const messages: DetailMessage[] = [];
  if (conversation.system.length) messages.push({ role: 'system', parts: conversation.system.map(detailPart) });
  for (const m of conversation.messages) messages.push({ role: m.role, ...(m.name ? { name: m.name } : {}), parts: m.parts.map(detailPart) });
  const detail: TraceDetail = {
    id: trace.id,
    runId: trace.runId,
    promptPath: trace.promptPath,
    promptVersionId: trace.promptVersionId,
    caseId: trace.caseId,
    repeatIndex: trace.repeatIndex,
    model: `${trace.model.provider}:${trace.model.model}`,
    status: trace.status,
    startedAt: trace.startedAt,
    endedAt: trace.endedAt,
    messages,
    requestJson: pretty(trace.request),
    responseJson: pretty(trace.response),
    output: trace.text,
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
