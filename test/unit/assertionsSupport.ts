// Builders shared by the assertion tests: a call result, and a deterministic grader that stands in for
// the model (a test double for the grader model, not a mock of Assay code).
import type { GradingContext } from '../../src/core/assertions/assertionTypes';
import type { CallResult, ChatRequest } from '../../src/core/types';

export function callResult(overrides: Partial<CallResult> = {}): CallResult {
  return {
    model: { provider: 'openai', model: 'gpt-4o-mini' },
    text: '',
    toolCalls: [],
    finishReason: 'stop',
    usage: { inputTokens: 10, outputTokens: 2, cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
    cost: 0.002,
    latencyMs: 100,
    ttftMs: null,
    request: null,
    response: null,
    cacheHit: false,
    ...overrides,
  };
}

/** Letter frequencies: similar texts get similar vectors, so cosine similarity behaves predictably. */
export function letterVector(text: string): number[] {
  const v = new Array<number>(26).fill(0);
  for (const ch of text.toLowerCase()) {
    const i = ch.charCodeAt(0) - 97;
    if (i >= 0 && i < 26) v[i]++;
  }
  return v;
}

/**
 * A grader whose verdict is written into the assertion value, so each table row says what the "model"
 * answers: `RUBRIC_PASS`, `RUBRIC_FAIL`, `RUBRIC_SCORE=0.6`, `RUBRIC_GARBAGE`, `GRADER_DOWN`, `ANSWER=Y`,
 * `LETTER=C`. Requests are recorded for inspection.
 */
export function testGrader(): GradingContext & { requests: ChatRequest[]; embedded: string[][] } {
  const requests: ChatRequest[] = [];
  const embedded: string[][] = [];
  return {
    requests,
    embedded,
    graderModel: { provider: 'test', model: 'grader' },
    embeddingModel: { provider: 'test', model: 'embedder' },
    async grade(request) {
      requests.push(request);
      const prompt = request.messages.map((m) => m.content).join('\n');
      const reply = (text: string) => callResult({ model: request.model, text, cost: 0.0001, latencyMs: 5 });
      if (prompt.includes('GRADER_DOWN')) {
        return callResult({ model: request.model, cost: null, error: { kind: 'rate_limit', message: '429 Too Many Requests', status: 429 } });
      }
      if (prompt.includes('RUBRIC_PASS')) return reply('```json\n{"reason": "fits the rubric", "pass": true, "score": 0.9}\n```');
      if (prompt.includes('RUBRIC_FAIL')) return reply('{"reason": "does not fit", "pass": false, "score": 0.2}');
      const score = /RUBRIC_SCORE=([\d.]+)/.exec(prompt);
      if (score) return reply(`{"score": ${score[1]}, "reason": "scored"}`);
      if (prompt.includes('RUBRIC_GARBAGE')) return reply('I would say it is fine.');
      const answer = /ANSWER=([YN])/.exec(prompt);
      if (answer) return reply(`The submission addresses the task.\nIt is clear.\n${answer[1]}`);
      const letter = /LETTER=([A-E])/.exec(prompt);
      if (letter) return reply(`Comparing both answers, the best option is (${letter[1]}).\n${letter[1]}`);
      return reply('no idea');
    },
    async embed(texts) {
      embedded.push(texts);
      if (texts.some((t) => t.includes('EMBED_FAIL'))) return { error: 'embeddings endpoint returned 500' };
      return texts.map(letterVector);
    },
  };
}
