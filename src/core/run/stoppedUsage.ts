// Usage of a call stopped mid-stream. OpenAI sends usage in the last chunk and Anthropic sends a running
// count that starts at 1, so a stopped stream has none or a wrong one: the figures are counted from what
// streamed (o200k_base) and marked as estimated, the same way for every provider, and priced from that.
import { countPromptTokens, countTextTokens } from '../tokens/tokenCount';
import type { CallResult, ChatMessage } from '../types';

/** Sets `result.usage` (marked `usageEstimated`) from the streamed text and the messages sent. */
export async function estimateStoppedUsage(result: CallResult, messages: readonly ChatMessage[]): Promise<void> {
  const reported = result.usage;
  const output = await countTextTokens(result.text);
  const input = reported && reported.inputTokens > 0 ? reported.inputTokens : (await countPromptTokens(messages, result.model)).tokens;
  result.usage = {
    inputTokens: input,
    outputTokens: Math.max(output, reported?.outputTokens ?? 0),
    cachedInputTokens: reported?.cachedInputTokens ?? 0,
    cacheWriteTokens: reported?.cacheWriteTokens ?? 0,
    reasoningTokens: reported?.reasoningTokens ?? 0,
  };
  result.usageEstimated = true;
}
