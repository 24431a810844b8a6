// A test case's tool loop: call the model; while it calls tools, answer each call from the case's
// `mockTools` and call it again with the conversation so far; stop at its answer. Every model call is a
// step (its own trace in history). A loop that still calls tools after `maxSteps` model calls, or that
// calls a tool the mocks do not answer, ends in an error, never in a verdict.
import { answerCall, type MockTools } from '../testBank/mockTools';
import type { CallError, CallResult, ChatMessage, ChatRequest, Usage } from '../types';
import type { CallOptions, Engine } from './engine';

/** Inputs of one loop. */
export interface ToolLoopOptions {
  engine: Engine;
  /** The case's rendered request: the first step sends it as it is. */
  request: ChatRequest;
  mocks: MockTools;
  /** Model calls the loop may make. */
  maxSteps: number;
  call: CallOptions;
  /** Receives each step as it finishes (the run records its trace). */
  onStep?: (step: CallResult, request: ChatRequest, index: number) => void;
}

/** What a loop did: every step in order, and why it stopped early when it did. */
export interface ToolLoopOutcome {
  steps: CallResult[];
  /** The request of each step. */
  requests: ChatRequest[];
  /** A failed call (its own error), or `tool-loop`: the step limit or a call the mocks cannot answer. */
  error?: CallError | { kind: 'tool-loop'; message: string };
}

/** The assistant turn that asked for tools, then one `tool` message answering each call; or why the mocks cannot answer. */
function nextTurns(step: CallResult, mocks: MockTools): ChatMessage[] | { error: string } {
  // What the API needs back with the calls: Anthropic's signed thinking, the Responses API's reasoning items.
  const turns: ChatMessage[] = [
    { role: 'assistant', content: step.text, tool_calls: step.toolCalls, ...(step.thinking?.length ? { thinking: step.thinking } : {}), ...(step.reasoningItems?.length ? { reasoningItems: step.reasoningItems } : {}) },
  ];
  for (const call of step.toolCalls) {
    const answer = answerCall(mocks, call);
    if ('error' in answer) return answer;
    turns.push({ role: 'tool', tool_call_id: call.id, content: answer.output });
  }
  return turns;
}

/** Runs the loop. Resolves with the steps made; never throws for a model's or the mocks' failure. */
export async function runToolLoop(options: ToolLoopOptions): Promise<ToolLoopOutcome> {
  const steps: CallResult[] = [];
  const requests: ChatRequest[] = [];
  let request = options.request;
  for (let i = 0; ; i++) {
    const step = await options.engine.call(request, options.call);
    steps.push(step);
    requests.push(request);
    options.onStep?.(step, request, i);
    if (step.error) return { steps, requests, error: step.error };
    if (step.toolCalls.length === 0) return { steps, requests };
    if (i + 1 >= options.maxSteps) {
      const names = step.toolCalls.map((c) => c.function.name).join(', ');
      return { steps, requests, error: { kind: 'tool-loop', message: `the step limit of ${options.maxSteps} model calls was reached and the model still called tools (${names}): raise options.maxToolSteps or check the mocks` } };
    }
    const turns = nextTurns(step, options.mocks);
    if ('error' in turns) return { steps, requests, error: { kind: 'tool-loop', message: turns.error } };
    request = { ...request, messages: [...request.messages, ...turns] };
  }
}

function addUsage(a: Usage, b: Usage): Usage {
  const sum: Usage = {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cachedInputTokens: a.cachedInputTokens + b.cachedInputTokens,
    cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens,
    reasoningTokens: a.reasoningTokens + b.reasoningTokens,
  };
  if (a.cacheWrite1hTokens !== undefined || b.cacheWrite1hTokens !== undefined) sum.cacheWrite1hTokens = (a.cacheWrite1hTokens ?? 0) + (b.cacheWrite1hTokens ?? 0);
  return sum;
}

/**
 * What a case's steps cost together: tokens and dollars summed (`null` when some step's is unknown, never a
 * partial sum), latency end to end; a cache hit only when every step was one.
 */
export function loopTotals(steps: CallResult[]): { usage: Usage | null; cost: number | null; latencyMs: number; cacheHit: boolean } {
  let usage: Usage | null = null;
  let usageKnown = true;
  let cost: number | null = 0;
  let latencyMs = 0;
  for (const s of steps) {
    if (!s.usage) usageKnown = false;
    else usage = usage ? addUsage(usage, s.usage) : s.usage;
    cost = cost === null || s.cost === null ? null : cost + s.cost;
    latencyMs += s.latencyMs;
  }
  return { usage: usageKnown ? usage : null, cost, latencyMs, cacheHit: steps.length > 0 && steps.every((s) => s.cacheHit) };
}
