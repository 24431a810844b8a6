// `tool-call-f1`: F1 of the set of tools the model called against the expected set (promptfoo 0.121.20,
// src/assertions/toolCallF1.ts). The calls are the response's tool calls, else tool calls written in the
// output text as JSON in OpenAI, Anthropic or Google shapes (the whole text, or one JSON value per line).
import type { AssertionDefinition, AssertionSpec } from './assertionTypes';
import { isRecord } from './valueUtils';

const nameOf = (v: unknown) => (isRecord(v) && typeof v.name === 'string' ? v.name : undefined);

/** Tool names in one array item: a content block, a Google part, an OpenAI call, or `{ name }`. */
function itemName(item: unknown): string | undefined {
  if (!isRecord(item)) return undefined;
  if (item.type === 'tool_use' && typeof item.name === 'string') return item.name;
  if (isRecord(item.functionCall)) return nameOf(item.functionCall);
  if (isRecord(item.function)) return nameOf(item.function);
  return nameOf(item);
}

/** Tool names in a parsed value, in the shapes promptfoo recognises. */
function namesIn(value: unknown, into: Set<string>): void {
  const add = (n: string | undefined) => {
    if (n !== undefined) into.add(n);
  };
  if (Array.isArray(value)) value.forEach((item) => add(itemName(item)));
  else if (!isRecord(value)) return;
  else if (Array.isArray(value.tool_calls)) {
    for (const call of value.tool_calls) {
      if (!isRecord(call)) continue;
      add(nameOf(call.function));
      add(nameOf(call));
    }
  } else if (value.type === 'tool_use') add(nameOf(value));
  else if (isRecord(value.functionCall)) add(nameOf(value.functionCall));
  else if (isRecord(value.toolCall) && Array.isArray(value.toolCall.functionCalls)) value.toolCall.functionCalls.forEach((c) => add(nameOf(c)));
}

/** Tool names written in text: the whole text as JSON, else each line that is a JSON object or list. */
function namesInText(text: string): Set<string> {
  const names = new Set<string>();
  try {
    namesIn(JSON.parse(text), names);
    return names;
  } catch {
    // Not one JSON value: try line by line.
  }
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (!line.startsWith('{') && !line.startsWith('[')) continue;
    try {
      namesIn(JSON.parse(line), names);
    } catch {
      // A line of prose that starts with a bracket.
    }
  }
  return names;
}

function expectedTools(value: unknown): string[] | undefined {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string') return value.split(',').map((s) => s.trim());
  return undefined;
}

function check(spec: AssertionSpec): string | undefined {
  const tools = expectedTools(spec.value);
  if (!tools) return '"tool-call-f1" needs the expected tool names: a list or a comma-separated string';
  return tools.length === 0 ? '"tool-call-f1" needs at least one expected tool name' : undefined;
}

const f = (n: number) => n.toFixed(3);

export const TOOL_CALL_F1_ASSERTION: AssertionDefinition = {
  type: 'tool-call-f1',
  description: 'F1 of the tools called against the expected tools is at least the threshold.',
  docs:
    'Compares the set of tool names the model called with `value` (a list or a comma-separated string), ignoring order and repeats: precision = correct / called, recall = correct / expected, ' +
    'score = their harmonic mean (0 when nothing matches). Passes when the score is ≥ `threshold` (default 1: exactly the expected tools). The calls are the response\'s tool calls, ' +
    'else tool calls written in the output as JSON (OpenAI `tool_calls`, Anthropic `tool_use` blocks, Google `functionCall`); in a tool loop (`mockTools`), the calls of every step. Under `not-` the score stays the F1, as in promptfoo.',
  example: 'assert:\n  - type: tool-call-f1\n    value: [get_weather, get_time]\n    threshold: 0.8',
  modelGraded: false,
  check,
  evaluate(spec, { output, result, steps }) {
    const expected = new Set(expectedTools(spec.value));
    // A tool loop's final answer calls nothing: the tools called are those of all its steps.
    const calls = steps ? steps.flatMap((s) => s.toolCalls) : result.toolCalls;
    const actual = calls.length > 0 ? new Set(calls.map((c) => c.function.name)) : namesInText(output);
    const correct = [...expected].filter((t) => actual.has(t)).length;
    const precision = actual.size > 0 ? correct / actual.size : 0;
    const recall = correct / expected.size;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    const threshold = spec.threshold ?? 1;
    const pass = f1 >= threshold;
    const called = [...actual].sort().join(', ') || '(none)';
    return {
      pass,
      score: f1,
      negatedScore: f1,
      reason: `Tool Call F1 ${f(f1)} ${pass ? '≥' : '<'} threshold ${threshold} (precision ${f(precision)}, recall ${f(recall)}). Expected: [${[...expected].sort().join(', ')}], called: [${called}]`,
    };
  },
};
