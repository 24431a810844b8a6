// Assertions computed from the output and the call alone: string checks, JSON, text metrics, call metadata.
import { parseYamlLimited } from '../files/yamlLimits';
import { isDeepStrictEqual } from 'node:util';
import { regexLimits, type AssertionDefinition, type AssertionSpec, type RawAssertionResult } from './assertionTypes';
import { schemaErrors } from './jsonSchema';
import { promptfooJsonObjects } from './promptfooJson';
import { testRegex, type RegexOutcome } from './safeRegex';
import { bleu, gleu, levenshteinDistance, rougeN } from './textMetrics';
import { clip, isRecord, listValue, numberValue, splitCommaList } from './valueUtils';

function verdict(pass: boolean, reason: string): RawAssertionResult {
  return { pass, score: pass ? 1 : 0, reason };
}

function failure(error: string): RawAssertionResult {
  return { pass: false, score: 0, reason: error, error };
}

const q = (s: string) => JSON.stringify(clip(s));

function needsText(spec: AssertionSpec): string | undefined {
  const v = spec.value;
  if ((typeof v === 'string' && v !== '') || (typeof v === 'number' && Number.isFinite(v))) return undefined;
  return `"${spec.type}" needs a non-empty string or number value`;
}

function needsList(spec: AssertionSpec): string | undefined {
  const split = typeof spec.value === 'string' ? splitCommaList(spec.value) : undefined;
  if (split && 'error' in split) return `"${spec.type}" value: ${split.error}`;
  const list = listValue(spec.value);
  if (!list) return `"${spec.type}" needs a list of strings or a comma-separated string as value`;
  if (list.length === 0) return `"${spec.type}" needs at least one value`;
  return undefined;
}

function needsThreshold(spec: AssertionSpec): string | undefined {
  if (typeof spec.threshold === 'number' && Number.isFinite(spec.threshold)) return undefined;
  return `"${spec.type}" needs a numeric threshold`;
}

function optionalThreshold(spec: AssertionSpec): string | undefined {
  if (spec.threshold === undefined || (typeof spec.threshold === 'number' && Number.isFinite(spec.threshold))) return undefined;
  return `"${spec.type}" threshold must be a number`;
}

/** A JSON Schema from `value`: an object, or a string holding YAML/JSON; `undefined` for no schema. */
function schemaOf(spec: AssertionSpec): object | undefined | { error: string } {
  const v = spec.value;
  if (v === undefined || v === null || v === '') return undefined;
  if (isRecord(v)) return v;
  if (typeof v === 'string') {
    // With the alias limits: a schema written as a YAML alias bomb is an error, not gigabytes.
    const parsed = parseYamlLimited(v);
    if ('error' in parsed && /alias/i.test(parsed.error)) return { error: `"${spec.type}" value: ${parsed.error}` };
    if ('value' in parsed && isRecord(parsed.value)) return parsed.value;
  }
  return { error: `"${spec.type}" value must be a JSON Schema object` };
}

function checkSchema(spec: AssertionSpec): string | undefined {
  const s = schemaOf(spec);
  return s && 'error' in s ? (s.error as string) : undefined;
}

function containsAny(spec: AssertionSpec, output: string, fold: boolean): RawAssertionResult {
  const list = listValue(spec.value) ?? [];
  const hay = fold ? output.toLowerCase() : output;
  const hit = list.find((v) => hay.includes(fold ? v.toLowerCase() : v));
  return hit !== undefined
    ? verdict(true, `Output contains ${q(hit)}`)
    : verdict(false, `Output contains none of ${list.map(q).join(', ')}`);
}

function containsAll(spec: AssertionSpec, output: string, fold: boolean): RawAssertionResult {
  const list = listValue(spec.value) ?? [];
  const hay = fold ? output.toLowerCase() : output;
  const missing = list.filter((v) => !hay.includes(fold ? v.toLowerCase() : v));
  return missing.length === 0
    ? verdict(true, `Output contains all of ${list.map(q).join(', ')}`)
    : verdict(false, `Output is missing ${missing.map(q).join(', ')}`);
}

/** `bleu`/`gleu` references: a non-blank string or a list of strings. */
function referencesProblem(spec: AssertionSpec): string | undefined {
  const v = spec.value;
  const ok = (typeof v === 'string' && v.trim() !== '') || (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string'));
  return ok ? undefined : `"${spec.type}" needs a reference string or a list of reference strings as value`;
}

const referencesOf = (spec: AssertionSpec) => (Array.isArray(spec.value) ? (spec.value as string[]) : [String(spec.value)]);

function thresholdScore(type: string, score: number, threshold: number): RawAssertionResult {
  const pass = score >= threshold;
  return { pass, score, reason: `${type} score ${score.toFixed(4)} is ${pass ? '≥' : '<'} threshold ${threshold}` };
}

export const DETERMINISTIC_ASSERTIONS: AssertionDefinition[] = [
  {
    type: 'equals',
    description: 'The output equals the value exactly.',
    docs:
      'Case-sensitive, whitespace-sensitive comparison of the whole output with `value` (a number or boolean is compared as its text). ' +
      'When `value` is an object or a list, the output is parsed as JSON and compared structurally (key order does not matter); output that is not JSON is not equal. Score 1 or 0.',
    example: 'assert:\n  - type: equals\n    value: billing\n  - type: equals\n    value: { route: billing }',
    modelGraded: false,
    check: (spec) => (spec.value === undefined || spec.value === null ? '"equals" needs a value' : undefined),
    evaluate(spec, { output }) {
      const v = spec.value;
      if (typeof v === 'object' && v !== null) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(output);
        } catch {
          return verdict(false, 'Output is not JSON, so it cannot equal the expected JSON value');
        }
        return isDeepStrictEqual(parsed, v)
          ? verdict(true, 'Output equals the expected JSON value')
          : verdict(false, `Output JSON differs from ${q(JSON.stringify(v))}`);
      }
      const expected = String(v);
      return output === expected
        ? verdict(true, `Output equals ${q(expected)}`)
        : verdict(false, `Output ${q(output)} does not equal ${q(expected)}`);
    },
  },
  {
    type: 'contains',
    description: 'The output contains the value as a substring (case-sensitive).',
    docs: 'Passes when `value` (a non-empty string, or a number compared as its text, so `0` matches "0") occurs anywhere in the output. Case-sensitive. Score 1 or 0.',
    example: 'assert:\n  - type: contains\n    value: refund',
    modelGraded: false,
    check: needsText,
    evaluate(spec, { output }) {
      const v = String(spec.value);
      return output.includes(v) ? verdict(true, `Output contains ${q(v)}`) : verdict(false, `Output does not contain ${q(v)}`);
    },
  },
  {
    type: 'icontains',
    description: 'The output contains the value, ignoring case.',
    docs: 'Like `contains`, but both sides are lower-cased first (Unicode-aware `toLowerCase`). Score 1 or 0.',
    example: 'assert:\n  - type: icontains\n    value: Refund',
    modelGraded: false,
    check: needsText,
    evaluate(spec, { output }) {
      const v = String(spec.value);
      return output.toLowerCase().includes(v.toLowerCase())
        ? verdict(true, `Output contains ${q(v)} (ignoring case)`)
        : verdict(false, `Output does not contain ${q(v)} (ignoring case)`);
    },
  },
  {
    type: 'contains-any',
    description: 'The output contains at least one of the values (case-sensitive).',
    docs:
      '`value` is a list, or a comma-separated string (items trimmed; wrap an item in double quotes to keep a comma in it: `"1,000", in stock`). ' +
      'Passes when any item occurs in the output. Score 1 or 0.',
    example: 'assert:\n  - type: contains-any\n    value: [billing, invoice, refund]',
    modelGraded: false,
    check: needsList,
    evaluate: (spec, { output }) => containsAny(spec, output, false),
  },
  {
    type: 'contains-all',
    description: 'The output contains every one of the values (case-sensitive).',
    docs: '`value` is a list or a comma-separated string, as for `contains-any`. Passes when every item occurs in the output; the reason lists the missing ones. Score 1 or 0.',
    example: 'assert:\n  - type: contains-all\n    value: [order, refund]',
    modelGraded: false,
    check: needsList,
    evaluate: (spec, { output }) => containsAll(spec, output, false),
  },
  {
    type: 'icontains-any',
    description: 'The output contains at least one of the values, ignoring case.',
    docs: 'Like `contains-any`, comparing lower-cased text. Score 1 or 0.',
    example: 'assert:\n  - type: icontains-any\n    value: billing, invoice',
    modelGraded: false,
    check: needsList,
    evaluate: (spec, { output }) => containsAny(spec, output, true),
  },
  {
    type: 'icontains-all',
    description: 'The output contains every one of the values, ignoring case.',
    docs: 'Like `contains-all`, comparing lower-cased text. Score 1 or 0.',
    example: 'assert:\n  - type: icontains-all\n    value: [Order, Refund]',
    modelGraded: false,
    check: needsList,
    evaluate: (spec, { output }) => containsAll(spec, output, true),
  },
  {
    type: 'starts-with',
    description: 'The output starts with the value (case-sensitive).',
    docs: 'Passes when the output begins with `value` exactly; leading whitespace in the output counts. Score 1 or 0.',
    example: "assert:\n  - type: starts-with\n    value: 'Yes'",
    modelGraded: false,
    check: (spec) => (typeof spec.value === 'string' && spec.value !== '' ? undefined : '"starts-with" needs a non-empty string value'),
    evaluate(spec, { output }) {
      const v = String(spec.value);
      return output.startsWith(v) ? verdict(true, `Output starts with ${q(v)}`) : verdict(false, `Output does not start with ${q(v)}`);
    },
  },
  {
    type: 'regex',
    description: 'The output matches the regular expression.',
    docs:
      '`value` is a JavaScript regular expression source, without slashes or flags, searched anywhere in the output (anchor with `^`/`$` to match the whole output). ' +
      'It is case-sensitive (JavaScript has no inline `(?i)`: use a class like `[Yy]es`). An invalid expression is a configuration error. Score 1 or 0. ' +
      'Patterns run in linear time (RE2) with JavaScript\'s meaning; one RE2 cannot express (lookaround, back-references) runs on JavaScript\'s engine in a worker under a time limit (default 1 s), past which it is an evaluation error.',
    example: "assert:\n  - type: regex\n    value: '^\\d{4}-\\d{2}-\\d{2}$'",
    modelGraded: false,
    check(spec) {
      if (typeof spec.value !== 'string' || spec.value === '') return '"regex" needs a regular expression string as value';
      try {
        new RegExp(spec.value);
        return undefined;
      } catch (e) {
        return `invalid regular expression: ${(e as Error).message}`;
      }
    },
    evaluate(spec, input) {
      const source = String(spec.value);
      const judge = (r: RegexOutcome): RawAssertionResult =>
        'error' in r ? failure(r.error) : r.match ? verdict(true, `Output matches /${source}/`) : verdict(false, `Output does not match /${source}/`);
      const outcome = testRegex(source, input.output, regexLimits(input));
      return outcome instanceof Promise ? outcome.then(judge) : judge(outcome);
    },
  },
  {
    type: 'is-json',
    description: 'The whole output is valid JSON, optionally conforming to a JSON Schema.',
    docs:
      'The output (surrounding whitespace allowed, nothing else) must parse as JSON. When `value` is a JSON Schema (an object, or YAML/JSON text), ' +
      'the parsed value must also validate against it (draft 7 / 2019-09 keywords, all errors reported). Score 1 or 0.',
    example: 'assert:\n  - type: is-json\n    value:\n      type: object\n      required: [route]\n      properties:\n        route: { enum: [billing, bug, other] }',
    modelGraded: false,
    check: checkSchema,
    async evaluate(spec, input) {
      const { output } = input;
      let parsed: unknown;
      try {
        parsed = JSON.parse(output);
      } catch (e) {
        return verdict(false, `Output is not valid JSON: ${(e as Error).message}`);
      }
      const schema = schemaOf(spec);
      if (!schema) return verdict(true, 'Output is valid JSON');
      if ('error' in schema) return failure(schema.error as string);
      const errors = await schemaErrors(schema, parsed, regexLimits(input));
      if (errors && typeof errors === 'object') return failure(errors.error);
      return errors ? verdict(false, `Output JSON does not match the schema: ${errors}`) : verdict(true, 'Output is JSON matching the schema');
    },
  },
  {
    type: 'contains-json',
    description: 'The output contains valid JSON somewhere, optionally conforming to a JSON Schema.',
    docs:
      'Looks for JSON objects inside the output exactly as promptfoo does: from each `{` to the brace that balances it (or to the end, closed), read leniently ' +
      '(YAML flow syntax, so `{name: "x"}` and single quotes count; `//` comments ignored); an object found is taken whole and the search goes on after it. ' +
      'Lists are never found, even in a ```json fence. Passes when an object is found (and, when `value` is a JSON Schema, one validates against it). ' +
      'An output that would take promptfoo\'s search more than 2,000,000 parsed characters (many unbalanced braces) is an evaluation error. Score 1 or 0.',
    example: 'assert:\n  - type: contains-json\n    value:\n      type: object\n      required: [latitude, longitude]',
    modelGraded: false,
    check: checkSchema,
    async evaluate(spec, input) {
      const values = promptfooJsonObjects(input.output);
      if ('error' in values) return failure(values.error);
      if (values.length === 0) return verdict(false, 'Output contains no JSON');
      const schema = schemaOf(spec);
      if (!schema) return verdict(true, `Output contains JSON (${values.length} value${values.length === 1 ? '' : 's'})`);
      if ('error' in schema) return failure(schema.error as string);
      let lastErrors = '';
      for (const v of values) {
        const errors = await schemaErrors(schema, v, regexLimits(input));
        if (errors && typeof errors === 'object') return failure(errors.error);
        if (!errors) return verdict(true, 'Output contains JSON matching the schema');
        lastErrors = errors;
      }
      return verdict(false, `Output contains JSON, but none matches the schema: ${lastErrors}`);
    },
  },
  {
    type: 'levenshtein',
    description: 'The edit distance between the output and the value is at most the threshold.',
    docs:
      'Levenshtein distance (single-character insertions, deletions, substitutions) between the whole output and `value`, case-sensitive. ' +
      'Passes when the distance is ≤ `threshold` (default 5). Score 1 or 0.',
    example: 'assert:\n  - type: levenshtein\n    value: hello world\n    threshold: 2',
    modelGraded: false,
    check: (spec) => (typeof spec.value === 'string' ? optionalThreshold(spec) : '"levenshtein" needs a string value'),
    evaluate(spec, { output }) {
      const threshold = spec.threshold ?? 5;
      const d = levenshteinDistance(output, String(spec.value));
      const pass = d <= threshold;
      return verdict(pass, `Levenshtein distance ${d} is ${pass ? '≤' : '>'} threshold ${threshold}`);
    },
  },
  {
    type: 'rouge-n',
    description: 'ROUGE-1 F1 against the value is at least the threshold.',
    docs:
      'ROUGE-N with N = 1, as promptfoo computes it: both texts lower-cased and split into Penn Treebank tokens (`js-rouge`), matches counted with clipping, ' +
      'score = F1 of precision (matches / output tokens) and recall (matches / reference tokens). Passes when score ≥ `threshold` (default 0.75). Under `not-` the score is 1 − ROUGE and it passes below the threshold.',
    example: 'assert:\n  - type: rouge-n\n    value: the order ships on monday\n    threshold: 0.6',
    modelGraded: false,
    check: (spec) => (typeof spec.value === 'string' && spec.value !== '' ? optionalThreshold(spec) : '"rouge-n" needs a reference string as value'),
    evaluate: (spec, { output }) => thresholdScore('ROUGE-1', rougeN(output, String(spec.value), 1), spec.threshold ?? 0.75),
  },
  {
    type: 'bleu',
    description: 'BLEU against the value (one or more references) is at least the threshold.',
    docs:
      'Sentence BLEU as promptfoo computes it: geometric mean of clipped 1- to 4-gram precisions (best reference per order) times a brevity penalty against the ' +
      'reference closest in length; lower-cased whitespace-separated words; zero precisions smoothed to 1e-7; orders longer than the output left out and the weights renormalised. ' +
      '`value` is a string or a list of references. Score = BLEU; passes when score ≥ `threshold` (default 0.5). Under `not-` the score is 1 − BLEU.',
    example: 'assert:\n  - type: bleu\n    value: [the cat sat on the mat, a cat was sitting on the mat]\n    threshold: 0.4',
    modelGraded: false,
    check: (spec) => referencesProblem(spec) ?? optionalThreshold(spec),
    evaluate: (spec, { output }) => thresholdScore('BLEU', bleu(output, referencesOf(spec)), spec.threshold ?? 0.5),
  },
  {
    type: 'gleu',
    description: 'Google-BLEU against the value (one or more references) is at least the threshold.',
    docs:
      'GLEU as promptfoo computes it: over 1- to 4-grams of lower-cased whitespace-separated words (trailing periods removed), the smaller of precision and recall of clipped matches; ' +
      'the best reference counts, and an identical word sequence scores 1. `value` is a string or a list of references. Passes when score ≥ `threshold` (default 0.5). Under `not-` the score is 1 − GLEU. ' +
      'An empty output is an evaluation error, as in promptfoo.',
    example: 'assert:\n  - type: gleu\n    value: the cat sat on the mat\n    threshold: 0.6',
    modelGraded: false,
    check: (spec) => referencesProblem(spec) ?? optionalThreshold(spec),
    evaluate(spec, { output }) {
      if (output === '') return failure('gleu cannot score an empty output');
      return thresholdScore('GLEU', gleu(output, referencesOf(spec)), spec.threshold ?? 0.5);
    },
  },
  {
    type: 'latency',
    description: 'The call took at most the threshold, in milliseconds.',
    docs:
      'Passes when the measured latency of the model call (request sent → response complete) is ≤ `threshold` ms. `threshold` is required. ' +
      'A response served from the cache has no meaningful latency: that is an evaluation error, so run without the cache. Score 1 or 0.',
    example: 'assert:\n  - type: latency\n    threshold: 3000',
    modelGraded: false,
    check: needsThreshold,
    evaluate(spec, { result }) {
      if (result.cacheHit) return failure('latency cannot be checked on a cached response; run without the cache');
      const threshold = spec.threshold as number;
      const pass = result.latencyMs <= threshold;
      return verdict(pass, `Latency ${Math.round(result.latencyMs)} ms is ${pass ? '≤' : '>'} threshold ${threshold} ms`);
    },
  },
  {
    type: 'cost',
    description: 'The call cost at most the threshold, in US dollars.',
    docs:
      'Passes when the cost of the model call (from the dated price table) is ≤ `threshold` dollars. `threshold` is required. ' +
      'A model without a known price is an evaluation error, never a guessed price. Score 1 or 0.',
    example: 'assert:\n  - type: cost\n    threshold: 0.001',
    modelGraded: false,
    check: needsThreshold,
    evaluate(spec, { result }) {
      if (result.cost === null || !Number.isFinite(result.cost)) {
        return failure(`cost unknown for ${result.model.provider}:${result.model.model}; add a price in settings to check cost`);
      }
      const threshold = spec.threshold as number;
      const pass = result.cost <= threshold;
      return verdict(pass, `Cost $${result.cost.toPrecision(3)} is ${pass ? '≤' : '>'} threshold $${threshold}`);
    },
  },
  {
    type: 'finish-reason',
    description: 'The model stopped for the given reason.',
    docs:
      'Compares the normalised finish reason (`stop`, `length`, `tool_calls`, `content_filter`, or the provider\'s own word) with `value`, ignoring case. ' +
      'Anthropic reasons are normalised by the provider (`end_turn` → `stop`, `max_tokens` → `length`, `tool_use` → `tool_calls`). A call without a finish reason is an evaluation error. Score 1 or 0.',
    example: 'assert:\n  - type: finish-reason\n    value: stop',
    modelGraded: false,
    check: (spec) => (typeof spec.value === 'string' && spec.value !== '' ? undefined : '"finish-reason" needs a reason as value, e.g. stop'),
    evaluate(spec, { result }) {
      if (!result.finishReason) return failure('the provider did not report a finish reason');
      const expected = String(spec.value);
      return result.finishReason.toLowerCase() === expected.toLowerCase()
        ? verdict(true, `Finish reason is ${result.finishReason}`)
        : verdict(false, `Finish reason is ${result.finishReason}, not ${expected}`);
    },
  },
  {
    type: 'word-count',
    description: 'The output has exactly N words, or a count within {min, max}.',
    docs:
      'Words are runs of non-whitespace characters. `value` is a number (exact count) or `{ min, max }` with either bound optional; bounds are inclusive. Score 1 or 0.',
    example: 'assert:\n  - type: word-count\n    value: { min: 5, max: 40 }',
    modelGraded: false,
    check(spec) {
      const v = spec.value;
      if (numberValue(v) !== undefined) return numberValue(v)! >= 0 ? undefined : '"word-count" needs a non-negative count';
      if (isRecord(v)) {
        const min = v.min === undefined ? undefined : numberValue(v.min);
        const max = v.max === undefined ? undefined : numberValue(v.max);
        if ((v.min !== undefined && min === undefined) || (v.max !== undefined && max === undefined)) return '"word-count" min and max must be numbers';
        if (min === undefined && max === undefined) return '"word-count" needs min, max or both';
        if (min !== undefined && max !== undefined && min > max) return `"word-count" min ${min} is greater than max ${max}`;
        return undefined;
      }
      return '"word-count" needs a number or { min, max } as value';
    },
    evaluate(spec, { output }) {
      const count = output.trim() === '' ? 0 : output.trim().split(/\s+/).length;
      const exact = numberValue(spec.value);
      if (exact !== undefined) return verdict(count === exact, `Output has ${count} word${count === 1 ? '' : 's'}${count === exact ? '' : `, not ${exact}`}`);
      const v = spec.value as Record<string, unknown>;
      const min = v.min === undefined ? -Infinity : (numberValue(v.min) as number);
      const max = v.max === undefined ? Infinity : (numberValue(v.max) as number);
      const pass = count >= min && count <= max;
      const bounds = `${Number.isFinite(min) ? min : '…'}–${Number.isFinite(max) ? max : '…'}`;
      return verdict(pass, `Output has ${count} words, ${pass ? 'within' : 'outside'} ${bounds}`);
    },
  },
];
