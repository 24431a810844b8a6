// The mock models of the assertion conformance suite (test/fixtures/conformance/): three models under test
// and one grader on one OpenAI-compatible mock server. Every reply is a function of the model and the
// request alone, so promptfoo and Assay get the same answer to the same request; a grader's verdict is a
// hash of the whole grader request (its messages, roles included), so a grader prompt that differs
// between the tools shows up as a different verdict rather than going unnoticed.
import type { MockReply } from '../../test/support/mockLlmWire';
import type { MockRequest } from '../../test/support/mockLlmServer';
import { graderKind, lastUserMessage, requestText, stableHash } from './compatReplies';

/** The models under test, as the suite names them (`openai:chat:<model>`). */
export const CONFORMANCE_MODELS = ['mock-alpha', 'mock-beta', 'mock-gamma'] as const;
/** The grader (`defaultTest.options.provider`) and the embeddings model. */
export const CONFORMANCE_GRADER = 'mock-grader';

/** A prompt `CALL name {json}` asks the model under test for that tool call. */
const TOOL_CALL = /^CALL (\w+) (\{[\s\S]*\})\s*$/;

/**
 * What each model under test answers: `mock-alpha` repeats the prompt, `mock-beta` shouts it, `mock-gamma`
 * puts "Sure! " before it. Asked for a tool call, alpha makes it as asked, beta calls the tool by an
 * upper-cased name (not a declared tool), gamma answers in words.
 */
function targetText(model: string, prompt: string): MockReply {
  const call = TOOL_CALL.exec(prompt);
  if (call) {
    if (model === 'mock-alpha') return { toolCalls: [{ id: 'call_1', name: call[1]!, arguments: call[2]! }] };
    if (model === 'mock-beta') return { toolCalls: [{ id: 'call_1', name: call[1]!.toUpperCase(), arguments: call[2]! }] };
    return { text: `I would call ${call[1]} now.` };
  }
  // `RAW text` answers the text alone (a prompt that is JSON itself would be read as chat messages).
  const text = prompt.startsWith('RAW ') ? prompt.slice(4) : prompt;
  if (model === 'mock-beta') return { text: text.toUpperCase() };
  if (model === 'mock-gamma') return { text: `Sure! ${text}` };
  return { text };
}

/** Token logprobs for a reply's words: between −2 and 0, from a hash of the model and the word. */
export function mockLogprobs(model: string, text: string): number[] {
  return (text.match(/\S+\s*|\s+/g) ?? []).map((w) => -((stableHash(`${model}\u0000${w}`) % 1000) / 500));
}

const sentences = (text: string): string[] =>
  text
    .split(/(?<=[.!?])\s+|\n+/)
    .map((s) => s.trim())
    .filter((s) => s !== '');

/** The text between the last `start` and the next `end` (or the end). */
function section(text: string, start: string, end?: string): string {
  const i = text.lastIndexOf(start);
  if (i < 0) return '';
  const rest = text.slice(i + start.length);
  const j = end === undefined ? -1 : rest.indexOf(end);
  return (j < 0 ? rest : rest.slice(0, j)).trim();
}

/** The grader's answer: per kind of grader prompt, in the shape both tools parse; the verdict from `h`. */
function graderText(all: string, h: number): string {
  if (all.includes('Natural language inference')) {
    const statements = section(all, 'statements:\n', '\nAnswer:').split('\n').filter((s) => s.trim() !== '');
    const verdicts = statements.map((s) => (stableHash(`${h}${s}`) % 3 === 0 ? 'No' : 'Yes'));
    return `${statements.map((s, i) => `${i + 1}. ${s}\nExplanation: mock. Verdict: ${verdicts[i]}.`).join('\n')}\nFinal verdict for each statement in order: ${verdicts.join('. ')}.`;
  }
  if (all.includes('create one or more statements from each sentence')) return sentences(section(all, 'answer:', 'statements:')).join('\n');
  if (all.includes('can be attributed to the given context')) {
    return sentences(section(all, 'answer:', 'classification:'))
      .map((s, i) => `${i + 1}. ${s} So ${stableHash(`${h}${s}`) % 3 === 0 ? '[Not Attributed]' : '[Attributed]'}`)
      .join('\n');
  }
  if (all.includes('Please extract relevant sentences')) {
    const picked = sentences(section(all, 'context:', 'candidate sentences:')).filter((s) => stableHash(`${h}${s}`) % 2 === 0);
    return picked.length > 0 ? picked.join('\n') : 'Insufficient Information';
  }
  if (all.includes('whether the LAST `assistant` message is relevant')) {
    return h % 2 === 0 ? JSON.stringify({ verdict: 'no', reason: 'mock grader: off topic' }) : JSON.stringify({ verdict: 'yes' });
  }
  if (all.includes('CONCISELY summarize the irrelevancies')) return JSON.stringify({ reason: 'mock grader: the irrelevancies' });
  if (all.includes('Generate question for the given answer.')) {
    const words = section(all, 'Answer:', 'Question:').split(/\s+/).slice(0, 3 + (h % 4));
    return `What is ${words.join(' ')}?`;
  }
  switch (graderKind(all)) {
    case 'closedqa':
      return `The submission is checked against the criterion.\n${h % 2 === 0 ? 'N' : 'Y'}`;
    case 'factuality':
      return JSON.stringify({ category: 'ABCDE'[h % 5], reason: 'mock grader' });
    case 'geval-steps':
      return '{"steps":["Read the reply","Check it against the criteria"]}';
    case 'geval-score': {
      const max = Number(/integer from 0 to (\d+)/.exec(all)?.[1] ?? '10');
      return JSON.stringify({ score: h % (max + 1), reason: 'mock grader' });
    }
    case 'select-best': {
      const n = (all.match(/<Text index=/g) ?? []).length;
      return String(n > 0 ? h % n : 0);
    }
    case 'rubric': {
      const score = [0, 0.25, 0.5, 0.75, 1][h % 5]!;
      return JSON.stringify({ reason: `mock grader: ${score}`, pass: score >= 0.5, score });
    }
    default:
      return `no grader answer for: ${all.slice(0, 80)}`;
  }
}

/** The `reply` option of the mock server for the conformance suite. */
export function conformanceReply(req: MockRequest): MockReply {
  if (req.model === CONFORMANCE_GRADER) {
    return { text: graderText(requestText(req.body), stableHash(JSON.stringify(req.body?.messages ?? null))) };
  }
  const reply = targetText(req.model, lastUserMessage(req.body));
  // Like OpenAI, token logprobs only when the request asks for them.
  return req.body?.logprobs === true && reply.text !== undefined ? { ...reply, logprobs: mockLogprobs(req.model, reply.text) } : reply;
}
