// promptfoo's one-string assertion syntax, used by CSV `__expected` columns:
// `type:value`, `type(threshold):value`, `not-type:value`; no known prefix means `equals`.
import type { AssertionSpec } from './assertionTypes';
import { resolveAssertionType } from './assertionRegistry';

/** Shorthand prefixes that name a type under another word. */
const PREFIX_ALIASES: Readonly<Record<string, string>> = {
  grade: 'llm-rubric',
  fn: 'javascript',
  eval: 'javascript',
};

/** Types that make sense with no value: `is-json` alone is that assertion, not `equals "is-json"`. */
const VALUELESS = new Set(['is-json', 'contains-json', 'is-valid-openai-tools-call', 'latency', 'cost']);

/** Parses one `__expected` cell into an assertion (the text without a known type prefix is an `equals` value). */
export function parseAssertionShorthand(text: string): AssertionSpec {
  if (text.startsWith('file://')) {
    return /\.(m?js|cjs)(:[\w$]+)?$/.test(text) ? { type: 'javascript', value: text } : { type: 'equals', value: text };
  }
  const m = /^(not-)?([a-z][a-z0-9-]*)(?:\(\s*([-+]?\d*\.?\d+)\s*\))?(?::([\s\S]*))?$/.exec(text);
  if (m) {
    const [, not = '', word, threshold, value] = m;
    const base = PREFIX_ALIASES[word] ?? word;
    if (resolveAssertionType(base) && (value !== undefined || VALUELESS.has(base) || threshold !== undefined)) {
      const spec: AssertionSpec = { type: `${not}${base}` };
      if (value !== undefined && value !== '') spec.value = value;
      if (threshold !== undefined) spec.threshold = Number(threshold);
      return spec;
    }
  }
  return { type: 'equals', value: text };
}
