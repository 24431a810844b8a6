// The prompt file as the playground sees it: the inputs form (fields from `inputs`, values typed back into
// variables), the models and parameters columns start from, the JSON Schema outputs are checked against.
// Pure: parsing never runs template code, so this is safe in Restricted Mode too.
import { promptVersionId } from '../../core/store/ids';
import type { PromptDocument } from '../../core/promptFile/promptDocument';
import type { ModelParams } from '../../core/types';
import type { ColumnParams, FormValue, InputField, InputFieldKind, PromptFileInfo } from '../../shared/playgroundProtocol';

const JSON_TYPES = new Set(['object', 'array', 'list', 'messages', 'thread']);

function fieldKind(type: string | undefined): InputFieldKind {
  const t = type?.toLowerCase();
  if (t === 'number') return 'number';
  if (t === 'integer') return 'integer';
  if (t === 'boolean') return 'boolean';
  if (t && JSON_TYPES.has(t)) return 'json';
  return 'text';
}

/** A variable's value as the form shows it. */
export function toFormValue(kind: InputFieldKind, value: unknown): FormValue {
  if (kind === 'boolean') return value === true || value === 'true';
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return kind === 'json' && value === null ? 'null' : '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value, null, 2);
}

/** The form's fields: declared inputs in order, then variables the template reads without declaring them. */
export function inputFields(doc: PromptDocument): InputField[] {
  const fields: InputField[] = [];
  for (const input of doc.inputs.values()) {
    const kind = fieldKind(input.type);
    const field: InputField = { name: input.name, kind, declared: true };
    if (input.type) field.declaredType = input.type;
    if (input.description) field.description = input.description;
    if (input.hasDefault) field.initial = toFormValue(kind, input.default);
    fields.push(field);
  }
  const seen = new Set(fields.map((f) => f.name));
  for (const section of doc.sections) {
    if (section.role === 'messages') {
      const name = section.messagesVariable ?? 'messages';
      if (!seen.has(name)) {
        seen.add(name);
        fields.push({ name, kind: 'json', declaredType: 'messages', description: 'A JSON list of { role, content } messages', declared: false });
      }
      continue;
    }
    for (const v of section.variables) {
      if (seen.has(v.name)) continue;
      seen.add(v.name);
      fields.push({ name: v.name, kind: 'text', declared: false });
    }
  }
  return fields;
}

/**
 * Turns form values into template variables by the fields' kinds. An empty non-text field is left out
 * (the input's default, if any, then applies); a value that does not fit its kind is an error naming it.
 */
export function coerceValues(fields: InputField[], values: Record<string, FormValue>): { vars: Record<string, unknown> } | { error: string } {
  const vars: Record<string, unknown> = {};
  const byName = new Map(fields.map((f) => [f.name, f]));
  for (const [name, raw] of Object.entries(values)) {
    if (name === '__proto__') continue;
    const field = byName.get(name);
    if (!field) continue;
    if (field.kind === 'boolean') {
      vars[name] = raw === true || raw === 'true';
      continue;
    }
    const text = typeof raw === 'string' ? raw : String(raw);
    if (field.kind === 'text') {
      vars[name] = text;
      continue;
    }
    if (text.trim() === '') continue;
    if (field.kind === 'number' || field.kind === 'integer') {
      const n = Number(text.trim());
      if (!Number.isFinite(n)) return { error: `Input '${name}' must be a number, not "${text.trim()}".` };
      if (field.kind === 'integer' && !Number.isInteger(n)) return { error: `Input '${name}' must be a whole number, not ${text.trim()}.` };
      vars[name] = n;
      continue;
    }
    try {
      vars[name] = JSON.parse(text);
    } catch (err) {
      return { error: `Input '${name}' must be JSON (${field.declaredType ?? 'object'}): ${(err as Error).message}` };
    }
  }
  return { vars };
}

/** A test case's variables as form values (other fields keep their defaults). */
export function caseValues(fields: InputField[], vars: Record<string, unknown>): Record<string, FormValue> {
  const out: Record<string, FormValue> = {};
  for (const f of fields) {
    if (Object.prototype.hasOwnProperty.call(vars, f.name)) out[f.name] = toFormValue(f.kind, vars[f.name]);
    else if (f.initial !== undefined) out[f.name] = f.initial;
    else out[f.name] = f.kind === 'boolean' ? false : '';
  }
  return out;
}

/** The JSON Schema outputs should follow: `params.response_format.json_schema.schema`, if the file sets one. */
export function outputSchema(doc: PromptDocument): object | undefined {
  const rf = doc.params.response_format as { type?: unknown; json_schema?: { schema?: unknown } } | undefined;
  const schema = rf?.type === 'json_schema' ? rf.json_schema?.schema : undefined;
  return typeof schema === 'object' && schema !== null && !Array.isArray(schema) ? schema : undefined;
}

const PARAM_RANGES: Record<keyof ColumnParams, { min: number; max: number; integer?: boolean; label: string }> = {
  temperature: { min: 0, max: 2, label: 'temperature' },
  max_tokens: { min: 1, max: 1_000_000, integer: true, label: 'max tokens' },
  top_p: { min: 0, max: 1, label: 'top_p' },
};

/** Checks a column's overrides (they come from a webview, so anything may arrive). */
export function checkColumnParams(raw: unknown): { params: ColumnParams } | { error: string } {
  const params: ColumnParams = {};
  if (raw === undefined || raw === null) return { params };
  if (typeof raw !== 'object' || Array.isArray(raw)) return { error: 'Column parameters must be an object.' };
  for (const key of Object.keys(PARAM_RANGES) as (keyof ColumnParams)[]) {
    const v = (raw as Record<string, unknown>)[key];
    if (v === undefined || v === null || v === '') continue;
    const range = PARAM_RANGES[key];
    const n = typeof v === 'number' ? v : Number(v);
    if (!Number.isFinite(n) || n < range.min || n > range.max || (range.integer && !Number.isInteger(n))) {
      return { error: `${range.label} must be ${range.integer ? 'a whole number' : 'a number'} from ${range.min} to ${range.max}, not ${String(v)}.` };
    }
    params[key] = n;
  }
  return { params };
}

/** The file's params with a column's overrides on top. */
export function mergeParams(file: ModelParams, overrides: ColumnParams): ModelParams {
  const out: ModelParams = { ...file };
  for (const [k, v] of Object.entries(overrides) as [keyof ColumnParams, number | undefined][]) if (v !== undefined) out[k] = v;
  return out;
}

/** What the webview shows about the file. */
export function promptFileInfo(doc: PromptDocument, where: { uri: string; label: string; defaultModels: string[] }): PromptFileInfo {
  const fileModels = doc.models.map((m) => `${m.ref.provider}:${m.ref.model}`);
  const params: ColumnParams = {};
  for (const key of ['temperature', 'max_tokens', 'top_p'] as const) if (typeof doc.params[key] === 'number') params[key] = doc.params[key];
  const base = where.label.split(/[\\/]/).pop() ?? where.label;
  return {
    uri: where.uri,
    label: where.label,
    name: doc.name ?? base,
    fileHash: promptVersionId(doc.text),
    inputs: inputFields(doc),
    models: fileModels.length > 0 ? fileModels : where.defaultModels,
    modelsFromFile: fileModels.length > 0,
    params,
    hasTests: doc.tests !== undefined && doc.tests.value !== null && doc.tests.value !== undefined,
    hasSchema: outputSchema(doc) !== undefined,
    problems: doc.diagnostics.filter((d) => d.severity === 'error').map((d) => `line ${d.range.start.line + 1}: ${d.message}`),
  };
}
