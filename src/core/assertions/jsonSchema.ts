// JSON extraction from model output and JSON Schema validation (ajv, loaded on first use so the extension
// host pays nothing for it until a schema is actually checked).
import type { ValidateFunction } from 'ajv';

type AjvInstance = { compile(schema: object): ValidateFunction; errorsText(errors?: unknown, options?: { dataVar?: string }): string };

let ajvPromise: Promise<AjvInstance> | undefined;
const compiled = new Map<string, ValidateFunction | { error: string }>();

async function getAjv(): Promise<AjvInstance> {
  ajvPromise ??= import('ajv').then((mod) => {
    // ajv is CommonJS: the class is the default export, or the module itself when bundled.
    const m = mod as unknown as { default?: unknown };
    const Ajv = (typeof m.default === 'function' ? m.default : (m.default as { default?: unknown })?.default ?? mod) as new (
      opts: object,
    ) => AjvInstance;
    return new Ajv({ allErrors: true, strict: false });
  });
  return ajvPromise;
}

/** A compiled validator for `schema`, cached by the schema's JSON; `{ error }` when the schema itself is invalid. */
export async function compileSchema(schema: object): Promise<ValidateFunction | { error: string }> {
  const key = JSON.stringify(schema);
  const hit = compiled.get(key);
  if (hit) return hit;
  const ajv = await getAjv();
  let entry: ValidateFunction | { error: string };
  try {
    entry = ajv.compile(schema);
  } catch (e) {
    entry = { error: `invalid JSON Schema: ${(e as Error).message}` };
  }
  if (compiled.size > 500) compiled.clear();
  compiled.set(key, entry);
  return entry;
}

/** Validates `data`; returns `undefined` when it conforms, else a readable list of violations. */
export async function schemaErrors(schema: object, data: unknown): Promise<string | undefined | { error: string }> {
  const validate = await compileSchema(schema);
  if (!(typeof validate === 'function')) return validate;
  if (validate(data)) return undefined;
  const ajv = await getAjv();
  return ajv.errorsText(validate.errors, { dataVar: "output" });
}

/**
 * JSON embedded in text, in order of appearance: the contents of ```json fences that parse (any JSON
 * value), then every balanced `{…}` object that parses (the outermost wins; an object that does not parse
 * is searched inside). Bare `[…]` outside a fence is not taken, so a citation like "[1]" is not JSON.
 */
export function extractJsonValues(text: string, limit = 50): unknown[] {
  const found: unknown[] = [];
  for (const m of text.matchAll(/```json[^\n]*\n([\s\S]*?)```/gi)) {
    try {
      found.push(JSON.parse(m[1]));
    } catch {
      // an invalid fence is ignored
    }
  }
  let i = 0;
  while (i < text.length && found.length < limit) {
    i = text.indexOf('{', i);
    if (i < 0) break;
    const end = matchingClose(text, i);
    if (end > 0) {
      try {
        found.push(JSON.parse(text.slice(i, end + 1)));
        i = end + 1;
        continue;
      } catch {
        // not JSON as a whole: look for JSON inside it
      }
    }
    i++;
  }
  return found;
}

/** Index of the bracket closing the one at `start`, honouring JSON strings; -1 when unbalanced. */
function matchingClose(text: string, start: number): number {
  const stack: string[] = [];
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{') stack.push('}');
    else if (c === '[') stack.push(']');
    else if (c === '}' || c === ']') {
      if (stack.pop() !== c) return -1;
      if (stack.length === 0) return i;
    }
  }
  return -1;
}
