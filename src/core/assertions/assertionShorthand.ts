// promptfoo's one-string assertion syntax, used by CSV `__expected` columns, read exactly as promptfoo
// 0.121.20 reads it (assertionFromString in src/csv.ts): `javascript:`/`fn:`/`eval:` code, `grade:` and
// `llm-rubric:` rubrics, `python:` code, `file://` scripts, then `[not-]type[(threshold)][:value]` for any
// promptfoo type, else `equals` with the whole text. A type Assay lacks stays as written, so the loader
// reports it as unknown before any call.
import type { AssertionSpec } from './assertionTypes';
import { PROMPTFOO_ASSERTION_TYPES } from './promptfooAssertionTypes';
import { splitCommaList } from './valueUtils';

/** Prefixes that name a type under another word, with what follows as the value. */
const PREFIXES: readonly [string, string][] = [
  ['javascript:', 'javascript'],
  ['fn:', 'javascript'],
  ['eval:', 'javascript'],
  ['grade:', 'llm-rubric'],
  ['llm-rubric:', 'llm-rubric'],
  ['python:', 'python'],
];

/** Types whose value is a comma-separated list. */
const LIST_TYPES = new Set(['contains-all', 'contains-any', 'icontains-all', 'icontains-any']);
/** Types whose value is kept as written (not trimmed). */
const RAW_VALUE_TYPES = new Set(['contains-json', 'is-json']);
/** Types that always get a threshold: the one written, else 0.75 (0.8 for `similar`). */
const THRESHOLD_TYPES = new Set([
  'answer-relevance', 'classifier', 'context-faithfulness', 'context-recall', 'context-relevance', 'cost', 'latency',
  'levenshtein', 'perplexity-score', 'perplexity', 'rouge-n', 'similar', 'starts-with',
]);

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const SHORTHAND = new RegExp(`^(not-)?(${PROMPTFOO_ASSERTION_TYPES.map(escape).join('|')})(?:\\((\\d+(?:\\.\\d+)?)\\))?(?::([\\s\\S]*))?$`);

/** A script file promptfoo runs as a `javascript` assertion. */
const JS_FILE = /\.(js|cjs|mjs|ts|cts|mts|tsx|jsx)$/i;

function fromPrefix(text: string): AssertionSpec | undefined {
  for (const [prefix, type] of PREFIXES) {
    if (!text.startsWith(prefix)) continue;
    const value = text.slice(prefix.length);
    return { type, value: type === 'llm-rubric' ? value : value.trim() };
  }
  if (!text.startsWith('file://')) return undefined;
  if (JS_FILE.test(text.slice('file://'.length))) return { type: 'javascript', value: text.trim() };
  if (text.endsWith('.py') || text.includes('.py:')) return { type: 'python', value: text.slice('file://'.length).trim() };
  return undefined;
}

/** Parses one `__expected` cell into an assertion; a malformed list value is an `error` for the loader to report. */
export function parseAssertionShorthand(text: string): AssertionSpec | { error: string } {
  const prefixed = fromPrefix(text);
  if (prefixed) return prefixed;
  const m = SHORTHAND.exec(text);
  if (!m) return { type: 'equals', value: text };
  const [, not = '', base, thresholdText, value] = m;
  const spec: AssertionSpec = { type: `${not}${base}` };
  if (LIST_TYPES.has(base)) {
    if (value) {
      const items = splitCommaList(value);
      if (!Array.isArray(items)) return { error: `${spec.type}: ${items.error}` };
      spec.value = items;
    }
  } else if (RAW_VALUE_TYPES.has(base)) {
    if (value !== undefined) spec.value = value;
  } else if (value !== undefined) spec.value = value.trim();
  if (THRESHOLD_TYPES.has(base)) spec.threshold = thresholdText !== undefined ? Number(thresholdText) : base === 'similar' ? 0.8 : 0.75;
  return spec;
}
