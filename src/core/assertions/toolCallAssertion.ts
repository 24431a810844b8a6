// `is-valid-openai-tools-call`: every tool call the model made names a declared tool and carries arguments
// that validate against that tool's JSON Schema. `is-valid-function-call` (alias `is-valid-openai-function-call`):
// the same for the legacy single `function_call` against the request's `functions` (promptfoo's OpenAI rule).
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

/** Whether an assertion's `value` declares functions (a list of them), as `is-valid-function-call` takes it. */
export function isFunctionList(value: unknown): boolean {
  return declaredTools(value) !== undefined;
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

/** Why a call's arguments do not fit the declared tool, or `undefined` when they do. */
async function callProblem(call: { name: string; arguments: string }, tools: DeclaredTool[]): Promise<RawAssertionResult | undefined> {
  const tool = tools.find((t) => t.name === call.name);
  if (!tool) return { pass: false, score: 0, reason: `Called "${call.name}", but there is no declared function with that name` };
  let args: unknown;
  try {
    args = JSON.parse(call.arguments || '{}');
  } catch {
    return { pass: false, score: 0, reason: `Arguments of "${call.name}" are not valid JSON` };
  }
  if (!tool.parameters) return undefined;
  const errors = await schemaErrors(tool.parameters, args);
  if (errors && typeof errors === 'object') return { pass: false, score: 0, reason: errors.error, error: errors.error };
  return errors ? { pass: false, score: 0, reason: `Arguments of "${call.name}" do not match its schema: ${errors}` } : undefined;
}

/** The legacy function call: the response's `message.function_call`, else an output that is one as JSON. */
function functionCallOf(input: AssertionInput): { name: string; arguments: string } | undefined {
  const response = input.result.response;
  const choice = isRecord(response) && Array.isArray(response.choices) ? (response.choices[0] as unknown) : undefined;
  let call: unknown = isRecord(choice) && isRecord(choice.message) ? choice.message.function_call : undefined;
  if (call === undefined) {
    try {
      const parsed: unknown = JSON.parse(input.output);
      call = isRecord(parsed) && 'function_call' in parsed ? parsed.function_call : parsed;
    } catch {
      return undefined;
    }
  }
  return isRecord(call) && typeof call.name === 'string' && typeof call.arguments === 'string' ? { name: call.name, arguments: call.arguments } : undefined;
}

const FUNCTION_CALL_ASSERTION: AssertionDefinition = {
  type: 'is-valid-function-call',
  description: 'The legacy function call names a declared function and has arguments matching its JSON Schema.',
  docs:
    'For OpenAI\'s legacy function calling: the declared functions are the request\'s `params.functions` (or a list given as `value`), the call is the response\'s `function_call` ' +
    '(or an output that is `{ name, arguments }` JSON). Fails when there is no such call, it names an undeclared function, or its arguments do not validate. Also accepted as `is-valid-openai-function-call`. ' +
    'For `tools`, use `is-valid-openai-tools-call`. Score 1 or 0.',
  example: 'assert:\n  - type: is-valid-function-call',
  modelGraded: false,
  check: (spec) => (spec.value === undefined || declaredTools(spec.value) ? undefined : `"${spec.type}" value, when given, must be a list of functions`),
  async evaluate(spec, input): Promise<RawAssertionResult> {
    const functions = declaredTools(spec.value) ?? declaredTools((input.request?.params as Record<string, unknown> | undefined)?.functions);
    if (!functions || functions.length === 0) {
      const error = 'no functions are declared: set params.functions in the prompt or give the functions as value';
      return { pass: false, score: 0, reason: error, error };
    }
    const call = functionCallOf(input);
    if (!call) return { pass: false, score: 0, reason: 'The model made no function call' };
    return (await callProblem(call, functions)) ?? { pass: true, score: 1, reason: `Function call "${call.name}" is valid` };
  },
};

const TOOLS_CALL_ASSERTION: AssertionDefinition = {
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
      const problem = await callProblem(call.function, tools);
      if (problem) return problem;
    }
    const names = calls.map((c) => c.function.name).join(', ');
    return { pass: true, score: 1, reason: `All ${calls.length} tool call${calls.length === 1 ? '' : 's'} valid (${names})` };
  },
};

export const TOOL_CALL_ASSERTIONS: AssertionDefinition[] = [TOOLS_CALL_ASSERTION, FUNCTION_CALL_ASSERTION];
