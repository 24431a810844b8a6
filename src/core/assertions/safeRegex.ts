// Regular expressions from test banks run on model output, and JavaScript's backtracking engine can take
// exponential time on both (`^(\w+\s?)*$` against 60 characters: minutes). Patterns keep JavaScript
// semantics; each runs on the cheapest engine that is safe for it:
//   1. JavaScript's own RegExp, inline, when the pattern has no quantifier and no alternation (its work is
//      then bounded by pattern length × output length);
//   2. RE2 (re2js, linear time), inline, when the pattern translates to RE2 syntax with the same meaning
//      (`.` and `\s` are spelled out as JavaScript defines them) and the output holds no UTF-16 surrogate
//      (JavaScript without the `u` flag matches code units, RE2 code points);
//   3. otherwise (lookaround, back-references, `\cX`…) JavaScript's RegExp in a sandbox worker under a
//      time limit.
import { RE2JS } from 're2js';
import { runSandboxed } from '../sandbox/sandboxPool';

/** How a pattern is matched. */
type RegexPlan = { engine: 'native'; re: RegExp } | { engine: 're2'; re: RE2JS } | { engine: 'sandbox' };

/** A regex match, or why there is no verdict. */
export type RegexOutcome = { match: boolean } | { error: string };

/** JavaScript's `\s` (WhiteSpace and LineTerminator), as the inside of an RE2 class. */
const JS_SPACE = '\\t\\n\\x{0B}\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}';
/** JavaScript's `.` without the `s` flag: anything but a line terminator. */
const JS_DOT = '[^\\n\\r\\x{2028}\\x{2029}]';
const SURROGATE = /[\uD800-\uDFFF]/;

const plans = new Map<string, RegexPlan>();

/** The engine for `source` (a valid JavaScript pattern, no flags), memoised. */
function planFor(source: string): RegexPlan {
  let plan = plans.get(source);
  if (plan) return plan;
  plan = makePlan(source);
  if (plans.size > 500) plans.clear();
  plans.set(source, plan);
  return plan;
}

function makePlan(source: string): RegexPlan {
  if (!/[*+?{|]/.test(source.replace(/\\./g, ''))) return { engine: 'native', re: new RegExp(source) };
  const translated = toRe2(source);
  if (translated !== undefined) {
    try {
      return { engine: 're2', re: RE2JS.compile(translated) };
    } catch {
      // beyond RE2 (e.g. a repeat count over 1000): JavaScript in the sandbox
    }
  }
  return { engine: 'sandbox' };
}

/** Which engine `source` runs on (for tests and diagnostics). */
export function regexEngine(source: string): RegexPlan['engine'] {
  return planFor(source).engine;
}

/**
 * Whether `text` contains a match of the JavaScript pattern `source` (no flags). Inline engines answer
 * synchronously; the sandboxed one within `timeoutMs`, else with an error saying why.
 */
export function testRegex(source: string, text: string, options: { timeoutMs: number; memoryMb: number; signal?: AbortSignal }): RegexOutcome | Promise<RegexOutcome> {
  const plan = planFor(source);
  if (plan.engine === 'native') return { match: plan.re.test(text) };
  if (plan.engine === 're2' && !SURROGATE.test(text)) return { match: plan.re.test(text) };
  return runSandboxed({ kind: 'regex', source, text }, options).then((outcome): RegexOutcome => {
    if (outcome.ok) return { match: outcome.value === true };
    switch (outcome.kind) {
      case 'timeout':
        return { error: `regex timed out after ${seconds(options.timeoutMs)}: the pattern backtracks catastrophically on this output` };
      case 'memory':
        return { error: `regex stopped: ${outcome.message}` };
      case 'aborted':
        return { error: 'cancelled' };
      default:
        return { error: `regex could not be evaluated: ${outcome.message}` };
    }
  });
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/**
 * The RE2 spelling of a JavaScript pattern (no flags) that means the same, or `undefined` where the two
 * syntaxes part (lookaround, back-references, `\cX`, letter escapes, odd classes): those stay JavaScript.
 */
export function toRe2(source: string): string | undefined {
  let out = '';
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (SURROGATE.test(c)) return undefined;
    if (c === '\\') {
      const e = escapeAt(source, i, false);
      if (!e) return undefined;
      out += e.text;
      i = e.end;
    } else if (c === '[') {
      const cls = classAt(source, i);
      if (!cls) return undefined;
      out += cls.text;
      i = cls.end;
    } else if (c === '(') {
      if (source.startsWith('(?:', i)) {
        out += '(?:';
        i += 3;
      } else if (source.startsWith('(?<', i) && source[i + 3] !== '=' && source[i + 3] !== '!') {
        out += '(?P<';
        i += 3;
      } else if (source[i + 1] === '?') {
        return undefined;
      } else {
        out += '(';
        i++;
      }
    } else if (c === '.') {
      out += JS_DOT;
      i++;
    } else if (c === '{') {
      const q = /^\{\d+(?:,\d*)?\}/.exec(source.slice(i, i + 24));
      out += q ? q[0] : '\\{';
      i += q ? q[0].length : 1;
    } else if (c === '}' || c === ']') {
      out += `\\${c}`;
      i++;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

const CLASS_ESCAPES = new Set(['d', 'D', 'w', 'W']);

/** One escape at `source[i] === '\\'`; `inClass` changes `\b` (backspace) and `\s`. */
function escapeAt(source: string, i: number, inClass: boolean): { text: string; end: number } | undefined {
  const e = source[i + 1];
  if (e === undefined) return undefined;
  const end = i + 2;
  if (CLASS_ESCAPES.has(e)) return { text: `\\${e}`, end };
  if (e === 's') return { text: inClass ? JS_SPACE : `[${JS_SPACE}]`, end };
  if (e === 'S') return inClass ? undefined : { text: `[^${JS_SPACE}]`, end };
  if (e === 'b' || e === 'B') return inClass ? (e === 'b' ? { text: '\\x{08}', end } : undefined) : { text: `\\${e}`, end };
  if (e === 't' || e === 'n' || e === 'r' || e === 'f') return { text: `\\${e}`, end };
  if (e === 'v') return { text: '\\x{0B}', end };
  if (e === '0') return /[0-9]/.test(source[end] ?? '') ? undefined : { text: '\\x{0}', end };
  if (e === 'x') {
    const hex = /^[0-9A-Fa-f]{2}/.exec(source.slice(end, end + 2));
    return hex ? { text: `\\x{${hex[0]}}`, end: end + 2 } : undefined;
  }
  if (e === 'u') {
    const hex = /^[0-9A-Fa-f]{4}/.exec(source.slice(end, end + 4));
    if (!hex) return undefined;
    const code = parseInt(hex[0], 16);
    return code >= 0xd800 && code <= 0xdfff ? undefined : { text: `\\x{${hex[0]}}`, end: end + 4 };
  }
  if (/[A-Za-z0-9]/.test(e)) return undefined;
  if (SURROGATE.test(e)) return undefined;
  // An escaped punctuation mark is itself in both syntaxes; another escaped character is just the character.
  return { text: /[\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]/.test(e) ? `\\${e}` : e, end };
}

/** A character class at `source[i] === '['`. */
function classAt(source: string, i: number): { text: string; end: number } | undefined {
  let j = i + 1;
  let out = '[';
  if (source[j] === '^') {
    out += '^';
    j++;
  }
  // `[]` and `[^]` match nothing and anything in JavaScript; RE2 reads them differently.
  if (source[j] === ']') return undefined;
  let lastWasSet = false;
  while (j < source.length && source[j] !== ']') {
    const c = source[j]!;
    if (SURROGATE.test(c)) return undefined;
    if (c === '\\') {
      const e = escapeAt(source, j, true);
      if (!e) return undefined;
      const isSet = CLASS_ESCAPES.has(source[j + 1]!) || source[j + 1] === 's';
      // `[\d-z]` is a literal hyphen in JavaScript, an error in RE2.
      if (isSet && (out.endsWith('-') || source[e.end] === '-')) return undefined;
      out += e.text;
      j = e.end;
      lastWasSet = isSet;
      continue;
    }
    if (c === '-' && lastWasSet) return undefined;
    out += c === '[' ? '\\[' : c;
    j++;
    lastWasSet = false;
  }
  if (j >= source.length) return undefined;
  return { text: `${out}]`, end: j + 1 };
}

/** What JSON Schema validation (ajv's `code.regExp`) needs of a pattern. */
interface SchemaRegExp {
  test(text: string): boolean;
  toString(): string;
}

/**
 * The regex engine of JSON Schema `pattern`/`patternProperties` (ajv, `u` flag): RE2 where the pattern
 * translates (in `u` mode both engines match code points), else JavaScript's engine inline — ajv
 * validates synchronously, so such a pattern is not time-limited.
 */
export const schemaRegExp = Object.assign(
  (source: string, flags: string): SchemaRegExp => {
    const translated = flags === 'u' || flags === '' ? toRe2(source) : undefined;
    if (translated !== undefined && /[*+?{|]/.test(source.replace(/\\./g, ''))) {
      try {
        const re = RE2JS.compile(translated);
        if (flags === 'u') return { test: (text) => re.test(text), toString: () => `/${source}/${flags}` };
        return { test: (text) => (SURROGATE.test(text) ? new RegExp(source, flags).test(text) : re.test(text)), toString: () => `/${source}/${flags}` };
      } catch {
        // beyond RE2: JavaScript's engine
      }
    }
    return new RegExp(source, flags);
  },
  // ajv names the engine in the code it generates; it is only called through the reference.
  { code: 'assaySchemaRegExp' },
);
