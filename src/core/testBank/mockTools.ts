// A test case's mocked tools (`mockTools:`): what each tool answers when the model calls it, so a tool loop
// runs the same way every time without running anything. Written per tool name as the output text (or any
// value, sent as its JSON), or a list of `{ args, output }` answers tried in order: the first whose `args`
// all equal the call's arguments answers (an answer without `args` answers any call).
//
//   mockTools:
//     get_weather: '{"temp_c": 21, "sky": "clear"}'
//     get_order:
//       - args: { id: A1 }
//         output: { status: shipped }
//       - output: no such order
import { isDeepStrictEqual } from 'node:util';
import { isRecord } from '../assertions/valueUtils';
import type { ToolCall } from '../types';

/** One answer of a mocked tool. */
export interface MockToolAnswer {
  /** The tool result as sent back to the model. */
  output: string;
  /** Answers only calls whose arguments hold these keys with equal values; absent: any call. */
  args?: Record<string, unknown>;
}

/** Mocked tools by name, each with its answers in order. */
export type MockTools = Record<string, MockToolAnswer[]>;

/** The step limit of a tool loop when the case's `options.maxToolSteps` sets none. */
export const DEFAULT_MAX_TOOL_STEPS = 8;

const asText = (value: unknown): string => (typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value)));

function answerOf(raw: unknown, where: string): MockToolAnswer | { error: string } {
  if (!isRecord(raw)) return { output: asText(raw) };
  if (!('output' in raw)) return { error: `${where} must be the tool's output, or { output, args }: write output: for what the tool returns` };
  const extra = Object.keys(raw).filter((k) => k !== 'output' && k !== 'args');
  if (extra.length > 0) return { error: `${where} has unknown key "${extra[0]}" (an answer has output and args)` };
  if (raw.args !== undefined && !isRecord(raw.args)) return { error: `${where}: args must be a mapping of argument names to values` };
  return { output: asText(raw.output), ...(raw.args !== undefined ? { args: raw.args as Record<string, unknown> } : {}) };
}

/** Validates a case's `mockTools` value. */
export function normalizeMockTools(raw: unknown): { tools: MockTools } | { error: string } {
  if (!isRecord(raw)) return { error: 'mockTools must be a mapping of tool names to their outputs' };
  const tools: MockTools = {};
  for (const [name, value] of Object.entries(raw)) {
    const list = Array.isArray(value) ? value : [value];
    if (list.length === 0) return { error: `mockTools.${name} has no answer` };
    const answers: MockToolAnswer[] = [];
    for (const [i, item] of list.entries()) {
      const a = answerOf(item, Array.isArray(value) ? `mockTools.${name}[${i}]` : `mockTools.${name}`);
      if ('error' in a) return a;
      answers.push(a);
    }
    tools[name] = answers;
  }
  return { tools };
}

/** The step limit of a case's tool loop. */
export function maxToolSteps(options: Record<string, unknown> | undefined): number {
  const v = options?.maxToolSteps;
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 ? v : DEFAULT_MAX_TOOL_STEPS;
}

/** What the mocks answer to a call, or why they cannot (an unknown tool, no matching answer, arguments that are not JSON). */
export function answerCall(mocks: MockTools, call: ToolCall): { output: string } | { error: string } {
  const name = call.function.name;
  const answers = mocks[name];
  if (!answers) return { error: `the model called tool "${name}", which the case's mockTools does not answer: add mockTools.${name}` };
  let args: unknown = {};
  try {
    if (call.function.arguments.trim() !== '') args = JSON.parse(call.function.arguments);
  } catch {
    if (answers.some((a) => a.args)) return { error: `the model called tool "${name}" with arguments that are not JSON: ${call.function.arguments.slice(0, 200)}` };
  }
  const hit = answers.find((a) => !a.args || (isRecord(args) && Object.entries(a.args).every(([k, v]) => isDeepStrictEqual((args as Record<string, unknown>)[k], v))));
  if (!hit) return { error: `no answer of mockTools.${name} matches the call's arguments ${call.function.arguments.slice(0, 200)}: add one without args as the fallback` };
  return { output: hit.output };
}
