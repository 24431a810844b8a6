// `is-valid-openai-tools-call`: every tool call the model made names a declared tool and carries arguments
// that validate against that tool's JSON Schema.
import type { ToolCall } from '../types';
import type { AssertionDefinition, AssertionInput, RawAssertionResult } from './assertionTypes';
import { schemaErrors } from './jsonSchema';
import { isRecord } from './valueUtils';

interface DeclaredTool {
  name: string;
  parameters?: object;
}

/** Tools in OpenAI's `{type: 'function', function: {name, parameters}}` shape (or the bare function object). */
function declaredTools(list: unknown): DeclaredTool[] | undefined {
  if (!Array.isArray(list)) return undefined;
  const tools: DeclaredTool[] = [];
  for (const t of list) {
    const fn = isRecord(t) && isRecord(t.function) ? t.function : t;
    if (!isRecord(fn) || typeof fn.name !== 'string') continue;
    tools.push({ name: fn.name, parameters: isRecord(fn.parameters) ? fn.parameters : undefined });
  }
  return tools;
}

/** The calls to check: the provider's tool calls, else an output that is a JSON list of OpenAI tool calls. */
function callsOf(input: AssertionInput): ToolCall[] {
  if (input.result.toolCalls.length > 0) return input.result.toolCalls;
  try {
    const parsed: unknown = JSON.parse(input.output);
    const list = Array.isArray(parsed) ? parsed : [parsed];
    return list.filter((c): c is ToolCall => isRecord(c) && isRecord(c.function) && typeof c.function.name === 'string');
  } catch {
    return [];
  }
}

export const TOOL_CALL_ASSERTION: AssertionDefinition = {
  type: 'is-valid-openai-tools-call',
  description: 'Every tool call names a declared tool and has arguments matching its JSON Schema.',
  docs:
    'The declared tools are the request\'s `params.tools` (OpenAI function-tool shape; the Anthropic provider converts them), or a list of tools given as `value`. ' +
    'The calls are the response\'s tool calls, or an output that is a JSON list of OpenAI tool calls. Fails when there is no call, when a call names an undeclared tool, ' +
    'or when its `arguments` are not JSON or do not validate against the tool\'s `parameters` schema. Score 1 or 0.',
  example: 'assert:\n  - type: is-valid-openai-tools-call',
  modelGraded: false,
  check: (spec) =>
    spec.value === undefined || declaredTools(spec.value) ? undefined : '"is-valid-openai-tools-call" value, when given, must be a list of tools',
  async evaluate(spec, input): Promise<RawAssertionResult> {
    const tools = declaredTools(spec.value) ?? declaredTools(input.request?.params.tools);
    if (!tools || tools.length === 0) {
      const error = 'no tools are declared: set params.tools in the prompt or give the tools as value';
      return { pass: false, score: 0, reason: error, error };
    }
    const calls = callsOf(input);
    if (calls.length === 0) return { pass: false, score: 0, reason: 'The model made no tool call' };
    for (const call of calls) {
      const tool = tools.find((t) => t.name === call.function.name);
      if (!tool) return { pass: false, score: 0, reason: `Tool call "${call.function.name}" names no declared tool` };
      let args: unknown;
      try {
        args = JSON.parse(call.function.arguments || '{}');
      } catch {
        return { pass: false, score: 0, reason: `Arguments of "${call.function.name}" are not valid JSON` };
      }
      if (tool.parameters) {
        const errors = await schemaErrors(tool.parameters, args);
        if (errors && typeof errors === 'object') return { pass: false, score: 0, reason: errors.error, error: errors.error };
        if (errors) return { pass: false, score: 0, reason: `Arguments of "${call.function.name}" do not match its schema: ${errors}` };
      }
    }
    const names = calls.map((c) => c.function.name).join(', ');
    return { pass: true, score: 1, reason: `All ${calls.length} tool call${calls.length === 1 ? '' : 's'} valid (${names})` };
  },
};
