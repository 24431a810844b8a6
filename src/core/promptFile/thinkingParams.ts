// Anthropic's thinking and effort parameters as a prompt file writes them, checked against the shapes the
// Messages API documents (@anthropic-ai/sdk 1.12.0: ThinkingConfigParam, OutputConfig.effort).

const THINKING_TYPES = ['adaptive', 'enabled', 'disabled', 'between_tools'];
const DISPLAYS = ['summarized', 'omitted'];
/** `output_config.effort` values. */
export const EFFORT_LEVELS = ['low', 'medium', 'high', 'xhigh', 'max'] as const;
/** The API refuses a smaller thinking budget. */
export const MIN_THINKING_BUDGET = 1024;

/**
 * `thinking: adaptive`, `thinking: 2048` (a budget: `{ type: enabled, budget_tokens: 2048 }`) or the API's own
 * mapping; the config as sent, or what is wrong with it.
 */
export function readThinking(v: unknown): { value: Record<string, unknown> } | { error: string } {
  if (typeof v === 'string' && THINKING_TYPES.includes(v) && v !== 'enabled') return { value: { type: v } };
  if (typeof v === 'number') return budgetProblem(v) ?? { value: { type: 'enabled', budget_tokens: v } };
  if (!v || typeof v !== 'object' || Array.isArray(v)) {
    return { error: `'thinking' must be adaptive, disabled, a token budget (≥ ${MIN_THINKING_BUDGET}) or { type: adaptive | enabled | disabled, budget_tokens, display }` };
  }
  const t = v as Record<string, unknown>;
  if (typeof t.type !== 'string' || !THINKING_TYPES.includes(t.type)) return { error: `thinking.type must be one of ${THINKING_TYPES.join(', ')}` };
  if (t.type === 'enabled') {
    const problem = budgetProblem(t.budget_tokens);
    if (problem) return problem;
  } else if (t.budget_tokens !== undefined) return { error: `thinking.budget_tokens goes with type: enabled, not ${t.type}` };
  if (t.display !== undefined && !DISPLAYS.includes(String(t.display))) return { error: `thinking.display must be ${DISPLAYS.join(' or ')}` };
  const unknown = Object.keys(t).filter((k) => !['type', 'budget_tokens', 'display'].includes(k));
  if (unknown.length > 0) return { error: `thinking has unknown key ${unknown.join(', ')} (expected type, budget_tokens, display)` };
  return { value: t };
}

function budgetProblem(n: unknown): { error: string } | undefined {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < MIN_THINKING_BUDGET) return { error: `a thinking budget (budget_tokens) must be a whole number of at least ${MIN_THINKING_BUDGET}` };
  return undefined;
}

/** `effort: low | medium | high | xhigh | max`, or what is wrong with it. */
export function readEffort(v: unknown): { value: string } | { error: string } {
  if (typeof v === 'string' && (EFFORT_LEVELS as readonly string[]).includes(v)) return { value: v };
  return { error: `'effort' must be one of ${EFFORT_LEVELS.join(', ')}` };
}
