// Helpers for the history-store tests: temp folders and realistic traces.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TraceInput } from '../../src/core/store/storeTypes';

/** A fresh temp folder; call the returned `cleanup` in `after`/`afterEach`. */
export function tempFolder(prefix = 'assay-store-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A fresh history path (`.assay/history.sqlite` in a temp folder) for each test of a suite: call in
 * `describe`; read `.file` inside tests.
 */
export function eachHistoryFile(): { readonly file: string } {
  const current = { file: '' };
  let folder: ReturnType<typeof tempFolder> | undefined;
  beforeEach(() => {
    folder = tempFolder();
    current.file = join(folder.dir, '.assay', 'history.sqlite');
  });
  afterEach(() => folder?.cleanup());
  return current;
}

/** A successful OpenAI-shaped trace; override any field. */
export function makeTrace(overrides: Partial<TraceInput> = {}): TraceInput {
  const ticket = 'I was charged twice for my subscription this month';
  return {
    model: { provider: 'openai', model: 'gpt-4o-mini' },
    text: 'billing',
    toolCalls: [],
    finishReason: 'stop',
    usage: { inputTokens: 52, outputTokens: 1, cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
    cost: 0.0000084,
    latencyMs: 320,
    ttftMs: 180,
    request: {
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'You route tickets. Answer with one word: billing, bug or other.' },
        { role: 'user', content: ticket },
      ],
      temperature: 0,
      max_tokens: 20,
      stream: true,
    },
    response: {
      id: 'chatcmpl-abc123',
      object: 'chat.completion',
      choices: [{ index: 0, message: { role: 'assistant', content: 'billing' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 52, completion_tokens: 1, total_tokens: 53 },
    },
    cacheHit: false,
    variables: { ticket },
    startedAt: Date.UTC(2025, 0, 15, 10, 0, 0),
    ...overrides,
  };
}
