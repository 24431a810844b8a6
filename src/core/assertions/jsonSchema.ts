// JSON extraction from model output and JSON Schema validation (ajv, loaded on first use so the extension
// host pays nothing for it until a schema is actually checked).
import type { ValidateFunction } from 'ajv';
import { regexLimits } from './assertionTypes';
import { SchemaPatternAnswers, schemaRegExp } from './safeRegex';

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
    // Schema patterns run on model output: a linear engine where the pattern allows (safeRegex.ts).
    return new Ajv({ allErrors: true, strict: false, code: { regExp: schemaRegExp } });
  });
  return ajvPromise;
}

/** A compiled validator for `schema`, cached by the schema's JSON; `{ error }` when the schema itself is invalid. */
async function compileSchema(schema: object): Promise<ValidateFunction | { error: string }> {
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

/** Validation passes a schema's sandboxed patterns may take (each pass answers the patterns the last one reached). */
const PATTERN_PASSES = 16;

/**
 * Validates `data`; returns `undefined` when it conforms, else a readable list of violations; `{ error }`
 * when the schema is invalid or a pattern that needs JavaScript's engine hit its limit (`limits`: the
 * regex time limit, the sandbox's memory, the run's signal).
 */
export async function schemaErrors(
  schema: object,
  data: unknown,
  limits = regexLimits({}),
): Promise<string | undefined | { error: string }> {
  const validate = await compileSchema(schema);
  if (!(typeof validate === 'function')) return validate;
  const answers = new SchemaPatternAnswers();
  for (let pass = 1; ; pass++) {
    const valid = answers.during(() => validate(data));
    // Read before any await: another validation with the same function overwrites `validate.errors`.
    const errors = validate.errors;
    if (!answers.hasPending) return valid ? undefined : (await getAjv()).errorsText(errors, { dataVar: 'output' });
    if (pass === PATTERN_PASSES) return { error: `JSON Schema patterns still undecided after ${PATTERN_PASSES} validation passes: simplify the schema's nested patternProperties` };
    const failed = await answers.answerPending(limits);
    if (failed) return failed;
  }
}

/** At most this many candidates (fences and `{…}`) are parsed per text: each parse is linear, so the scan stays linear. */
export const JSON_CANDIDATE_LIMIT = 200;

/**
 * JSON embedded in text, in order of appearance: the contents of ```json fences that parse (any JSON
 * value), then every balanced `{…}` object that parses (the outermost wins; an object that does not parse
 * is searched inside). Bare `[…]` outside a fence is not taken, so a citation like "[1]" is not JSON.
 * Linear in the text: one pass finds the fences, one pass with a bracket stack finds every balanced
 * object, and at most `JSON_CANDIDATE_LIMIT` candidates are parsed.
 */
export function extractJsonValues(text: string, limit = 50): unknown[] {
  const found: unknown[] = [];
  let tried = 0;
  for (const body of jsonFences(text)) {
    if (found.length >= limit || tried++ >= JSON_CANDIDATE_LIMIT) break;
    try {
      found.push(JSON.parse(body));
    } catch {
      // an invalid fence is ignored
    }
  }
  let covered = -1;
  for (const [start, end] of balancedObjects(text)) {
    if (found.length >= limit || tried >= JSON_CANDIDATE_LIMIT) break;
    if (start < covered) continue;
    tried++;
    try {
      found.push(JSON.parse(text.slice(start, end + 1)));
      covered = end;
    } catch {
      // not JSON as a whole: the objects inside it come next
    }
  }
  return found;
}

/** Bodies of ```json fences (the info string may go on after `json`; `json` in any case). */
function jsonFences(text: string): string[] {
  const bodies: string[] = [];
  let i = text.indexOf('```');
  while (i >= 0) {
    if (text.slice(i + 3, i + 7).toLowerCase() !== 'json') {
      i = text.indexOf('```', i + 1);
      continue;
    }
    // No newline or no closing fence after this opener means none after a later one either.
    const nl = text.indexOf('\n', i + 7);
    if (nl < 0) break;
    const close = text.indexOf('```', nl + 1);
    if (close < 0) break;
    bodies.push(text.slice(nl + 1, close));
    i = text.indexOf('```', close + 3);
  }
  return bodies;
}

/** Scans that start again after an object left open at the end of the text (see `balancedObjects`). */
const RESCANS = 8;

/**
 * Every balanced `{…}` (brackets inside it balanced too, JSON strings honoured from the outermost open
 * `{`), as [start, end] sorted by start, so an enclosing object comes before the ones inside it. A closing
 * bracket that does not match drops everything open, as no object around it can be balanced. An object
 * left open at the end may have hidden others behind a quote it opened (`{ 5" tall {"a": 1}`): the scan
 * starts again after it, at most `RESCANS` times, so the work stays linear.
 */
function balancedObjects(text: string): [number, number][] {
  const pairs = new Map<number, [number, number]>();
  const width = text.length + 1;
  let from = 0;
  for (let scan = 0; scan <= RESCANS && from >= 0; scan++) {
    const open: number[] = [];
    let inString = false;
    for (let i = from; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (open.length === 0) {
        if (c === 0x7b) open.push(i);
        continue;
      }
      if (inString) {
        if (c === 0x5c) i++;
        else if (c === 0x22) inString = false;
      } else if (c === 0x22) inString = true;
      else if (c === 0x7b || c === 0x5b) open.push(i);
      else if (c === 0x7d || c === 0x5d) {
        const start = open.pop()!;
        if (text.charCodeAt(start) !== (c === 0x7d ? 0x7b : 0x5b)) {
          open.length = 0;
          inString = false;
        } else if (c === 0x7d) pairs.set(start * width + i, [start, i]);
      }
    }
    from = open.length > 0 ? open[0]! + 1 : -1;
  }
  return [...pairs.values()].sort((a, b) => a[0] - b[0] || b[1] - a[1]);
}
