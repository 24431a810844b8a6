// Deterministic answers of the mock model for the compatibility runs: both tools must see the same output
// for the same request, so every reply is a function of the request alone. An ordinary call gets its last
// user message back (what the prompt rendered to). A grader call is recognised by the instructions the
// graders of promptfoo and Assay send, and gets a verdict in the shape both parse; where the grader prompt
// holds the graded output, the verdict depends on that output (a hash), so it is not always "pass".
import type { MockRequest } from '../../test/support/mockLlmServer';

/** Every text of a chat/messages request (system, every message, text blocks), in order. */
export function requestText(body: Record<string, unknown> | null): string {
  const parts: string[] = [];
  const push = (content: unknown): void => {
    if (typeof content === 'string') parts.push(content);
    else if (Array.isArray(content)) for (const b of content as { text?: unknown }[]) if (typeof b?.text === 'string') parts.push(b.text);
  };
  push(body?.system);
  push(body?.instructions);
  if (Array.isArray(body?.messages)) for (const m of body!.messages as { content?: unknown }[]) push(m?.content);
  if (typeof body?.input === 'string') parts.push(body.input);
  else if (Array.isArray(body?.input)) for (const m of body!.input as { content?: unknown }[]) push(m?.content);
  if (typeof body?.prompt === 'string') parts.push(body.prompt);
  return parts.join('\n');
}

/** The last user message of a chat, messages, responses or ollama request. */
export function lastUserMessage(body: Record<string, unknown> | null): string {
  const list = Array.isArray(body?.messages) ? body!.messages : Array.isArray(body?.input) ? body!.input : null;
  if (typeof body?.input === 'string') return body.input;
  if (typeof body?.prompt === 'string') return body.prompt;
  if (!list) return '';
  for (let i = list.length - 1; i >= 0; i--) {
    const m = list[i] as { role?: string; content?: unknown };
    if (m?.role !== 'user') continue;
    if (typeof m.content === 'string') return m.content;
    if (Array.isArray(m.content)) return (m.content as { text?: unknown }[]).map((b) => (typeof b?.text === 'string' ? b.text : '')).join('');
  }
  return '';
}

/** FNV-1a of a string: a stable, cheap verdict source. */
export function stableHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Which kind of grader asked, from its instructions; null for an ordinary call. */
export function graderKind(text: string): 'closedqa' | 'factuality' | 'geval-steps' | 'geval-score' | 'select-best' | 'rubric' | null {
  if (text.includes('[BEGIN DATA]') && /criterion/i.test(text)) return 'closedqa';
  if (/\(A\)[\s\S]*\(E\)/.test(text) && /expert answer/i.test(text)) return 'factuality';
  if (/evaluation steps/i.test(text) && text.includes('"steps"')) return 'geval-steps';
  if (/rate the Reply on one metric/i.test(text)) return 'geval-score';
  if (/Output the index of the text/i.test(text)) return 'select-best';
  if (/<Rubric>/i.test(text) && /<Output>/i.test(text)) return 'rubric';
  return null;
}

/** The graded output a rubric grader prompt holds, trimmed. */
function gradedOutput(text: string): string {
  const m = /<Output>([\s\S]*?)<\/Output>/i.exec(text);
  return (m?.[1] ?? '').trim();
}

/** The reply text for a request. */
export function compatReplyText(body: Record<string, unknown> | null): string {
  const all = requestText(body);
  switch (graderKind(all)) {
    case 'closedqa':
      return 'The submission is checked against the criterion.\nY';
    case 'factuality':
      return '{"category": "C", "reason": "mock grader: same details"}';
    case 'geval-steps':
      return '{"steps":["Read the reply","Check it against the criteria"]}';
    case 'geval-score': {
      const max = Number(/integer from 0 to (\d+)/.exec(all)?.[1] ?? '10');
      return `{"score": ${max}, "reason": "mock grader"}`;
    }
    case 'select-best':
      return '0';
    case 'rubric': {
      const pass = stableHash(gradedOutput(all)) % 4 !== 0;
      return JSON.stringify({ reason: `mock grader ${pass ? 'accepts' : 'rejects'} the output`, pass, score: pass ? 1 : 0 });
    }
    default:
      return lastUserMessage(body);
  }
}

/** The `reply` option of the mock server for the compatibility runs. */
export function compatReply(req: MockRequest): string {
  return compatReplyText(req.body);
}
