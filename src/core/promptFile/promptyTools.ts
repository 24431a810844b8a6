// Prompty's top-level `tools:` and `outputs:` become the request's function tools and structured-output
// `response_format`, shaped as Prompty's own OpenAI executors shape them: 2.0 (runtime/python/prompty,
// providers/openai/executor.py: _tools_to_wire, _property_to_json_schema, _output_schema_to_wire) and
// 0.1/1.0 (runtime/prompty/prompty/common.py: convert_function_tools, convert_output_props). A tool of
// another kind (web_search, mcp, openapi, prompty, file_search…) is an error: Assay cannot run it, and
// leaving it out would not be the request the file describes.

type Json = Record<string, unknown>;

/** A named property of a parameter or output list, read from either of Prompty's two spellings. */
interface Property {
  name: string;
  spec: Json;
}

const KIND_TO_JSON: Record<string, string> = { string: 'string', integer: 'integer', float: 'number', number: 'number', boolean: 'boolean', array: 'array', object: 'object' };

function isMap(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A list of `{ name, … }` or a mapping name → spec (a bare value is an example, with no kind) as named properties. */
function properties(v: unknown): Property[] | string {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) {
    const out: Property[] = [];
    for (const [i, p] of v.entries()) {
      if (!isMap(p) || typeof p['name'] !== 'string') return `item ${i + 1} needs a name`;
      out.push({ name: p['name'], spec: p });
    }
    return out;
  }
  if (isMap(v)) return Object.entries(v).map(([name, spec]) => ({ name, spec: isMap(spec) ? spec : { example: spec } }));
  return 'must be a list of { name, kind } or a mapping of name → { kind }';
}

function addNull(schema: Json): void {
  if (typeof schema['type'] === 'string') schema['type'] = [schema['type'], 'null'];
  else if (Object.keys(schema).length > 0) {
    const copy = { ...schema };
    for (const k of Object.keys(schema)) delete schema[k];
    schema['anyOf'] = [copy, { type: 'null' }];
  }
  if (Array.isArray(schema['enum']) && !schema['enum'].includes(null)) schema['enum'] = [...schema['enum'], null];
}

/** Prompty 2.0's `_property_to_json_schema`. */
function schemaV2(spec: Json, strict: boolean, optional = false): Json {
  const kind = String(spec['kind'] ?? spec['type'] ?? '');
  const schema: Json = KIND_TO_JSON[kind] ? { type: KIND_TO_JSON[kind] } : {};
  if (typeof spec['description'] === 'string' && spec['description'] !== '') schema['description'] = spec['description'];
  const en = spec['enumValues'] ?? spec['enum'];
  if (Array.isArray(en) && en.length > 0) schema['enum'] = [...en];
  if (kind === 'array') schema['items'] = isMap(spec['items']) ? schemaV2(spec['items'], strict) : { type: 'string' };
  if (kind === 'object') {
    const props = properties(spec['properties']);
    const list = typeof props === 'string' ? [] : props;
    schema['properties'] = Object.fromEntries(list.map((p) => [p.name, schemaV2(p.spec, strict, strict && !p.spec['required'])]));
    const required = list.filter((p) => strict || p.spec['required']).map((p) => p.name);
    if (required.length > 0) schema['required'] = required;
    schema['additionalProperties'] = false;
  }
  if (spec['nullable'] === true || optional) addNull(schema);
  return schema;
}

/** Prompty 0.1/1.0's parameter schema: `{ type, description?, enum? }`. */
function schemaV1(spec: Json): Json {
  const schema: Json = { type: spec['type'] ?? spec['kind'] };
  if (typeof spec['description'] === 'string' && spec['description'] !== '') schema['description'] = spec['description'];
  if (Array.isArray(spec['enum']) && spec['enum'].length > 0) schema['enum'] = spec['enum'];
  return schema;
}

/** What reading `tools:` gives: OpenAI function tools, or the first problem with the tool it concerns. */
export type PromptyToolsResult = { tools: Json[] } | { error: string; index?: number };

/** Prompty's top-level `tools:` as OpenAI function tools (`version`: the file's Prompty version). */
export function promptyTools(v: unknown, version: 1 | 2): PromptyToolsResult {
  if (!Array.isArray(v)) return { error: "'tools' must be a list of tools ({ name, kind: function, description, parameters })" };
  const tools: Json[] = [];
  for (const [index, tool] of v.entries()) {
    if (!isMap(tool)) return { error: `Tool ${index + 1} must be a mapping`, index };
    const kind = tool['kind'] ?? tool['type'];
    const name = tool['name'] ?? tool['id'];
    if (kind !== 'function') {
      return { error: `Tool ${index + 1}${typeof name === 'string' ? ` '${name}'` : ''} is of kind '${String(kind)}', which Assay cannot run (only kind: function); remove it or run this file with Prompty`, index };
    }
    if (typeof name !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(name)) return { error: `Tool ${index + 1} needs a name of letters, digits, _ or - (at most 64)`, index };
    const params = tool['parameters'];
    const strict = tool['strict'] === true || (isMap(params) && params['strict'] === true);
    // Early 2.0 files wrap the list: `parameters: { properties: [...], strict }`.
    const listed = isMap(params) && Array.isArray(params['properties']) ? params['properties'] : params;
    const props = properties(listed);
    if (typeof props === 'string') return { error: `Tool ${index + 1} '${name}': parameters ${props}`, index };
    tools.push({ type: 'function', function: version === 2 ? functionV2(name, tool, props, strict, params !== undefined && params !== null) : functionV1(name, tool, props) });
  }
  return { tools };
}

function functionV2(name: string, tool: Json, props: Property[], strict: boolean, hasParams: boolean): Json {
  const fn: Json = { name };
  if (typeof tool['description'] === 'string' && tool['description'] !== '') fn['description'] = tool['description'];
  if (hasParams && props.length > 0) {
    const parameters: Json = { type: 'object', properties: Object.fromEntries(props.map((p) => [p.name, schemaV2(p.spec, strict, strict && !p.spec['required'])])) };
    const required = props.filter((p) => strict || p.spec['required']).map((p) => p.name);
    if (required.length > 0) parameters['required'] = required;
    if (strict) parameters['additionalProperties'] = false;
    fn['parameters'] = parameters;
  }
  if (strict) fn['strict'] = true;
  return fn;
}

function functionV1(name: string, tool: Json, props: Property[]): Json {
  return {
    name,
    description: tool['description'],
    parameters: {
      type: 'object',
      properties: Object.fromEntries(props.map((p) => [p.name, schemaV1(p.spec)])),
      required: props.filter((p) => p.spec['required']).map((p) => p.name),
    },
  };
}

/** Prompty's top-level `outputs:` as a strict json_schema `response_format`; `name` is the file's name. */
export function promptyOutputs(v: unknown, version: 1 | 2, name: string | undefined): { response_format: Json } | { error: string } {
  const props = properties(v);
  if (typeof props === 'string') return { error: `'outputs' ${props}` };
  if (props.length === 0) return { error: "'outputs' lists no property" };
  const schema: Json = {
    type: 'object',
    properties: Object.fromEntries(props.map((p) => [p.name, version === 2 ? schemaV2(p.spec, true, !p.spec['required']) : { type: p.spec['type'] ?? p.spec['kind'] }])),
    required: props.map((p) => p.name),
    additionalProperties: false,
  };
  // 2.0 names the schema `structured_output`; 1.0 the prompt's name in snake case.
  const schemaName = version === 2 ? 'structured_output' : (name ?? 'output').toLowerCase().replace(/ /g, '_');
  return { response_format: { type: 'json_schema', json_schema: { name: schemaName, strict: true, schema } } };
}
