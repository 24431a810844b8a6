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
import { runSandboxed, type SandboxOutcome, type SandboxRunOptions } from '../sandbox/sandboxPool';

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
  return runSandboxed({ kind: 'regex', source, text }, options).then((outcome): RegexOutcome =>
    outcome.ok ? { match: outcome.value === true } : { error: sandboxRegexError(outcome, 'regex', options.timeoutMs) },
  );
}

/** Why a sandboxed match gave no answer, for the error verdict of `what` (`regex`, or a schema pattern). */
function sandboxRegexError(outcome: Extract<SandboxOutcome, { ok: false }>, what: string, timeoutMs: number): string {
  switch (outcome.kind) {
    case 'timeout':
      return `${what} timed out after ${seconds(timeoutMs)}: the pattern backtracks catastrophically on this output`;
    case 'memory':
      return `${what} stopped: ${outcome.message}`;
    case 'aborted':
      return 'cancelled';
    default:
      return `${what} could not be evaluated: ${outcome.message}`;
  }
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
 * The regex engine of JSON Schema `pattern`/`patternProperties` (ajv, `u` flag). ajv validates
 * synchronously, where nothing could stop a backtracking pattern, so each pattern runs on the engine that
 * is safe for it: RE2 where the pattern translates (in `u` mode both engines match code points);
 * JavaScript inline where it has no quantifier or alternation (linear); anything else (lookaround or
 * back-references with a quantifier) is not run inline at all but answered in the sandbox under the regex
 * time limit (`SchemaPatternAnswers`). Refusing such patterns was the alternative, but password-style
 * rules like `^(?=.*\d).{8,}$` are common in schemas and promptfoo runs them, so they keep working.
 */
export const schemaRegExp = Object.assign(
  (source: string, flags: string): SchemaRegExp => {
    const jsRe = new RegExp(source, flags); // a syntax error is the schema's error, at compile time
    const name = () => `/${source}/${flags}`;
    if (!/[*+?{|]/.test(source.replace(/\\./g, ''))) return jsRe;
    const translated = flags === 'u' || flags === '' ? toRe2(source) : undefined;
    if (translated !== undefined) {
      try {
        const re = RE2JS.compile(translated);
        if (flags === 'u') return { test: (text) => re.test(text), toString: name };
        return { test: (text) => (SURROGATE.test(text) ? deferredTest(source, flags, text) : re.test(text)), toString: name };
      } catch {
        // beyond RE2: answered in the sandbox
      }
    }
    return { test: (text) => deferredTest(source, flags, text), toString: name };
  },
  // ajv names the engine in the code it generates; it is only called through the reference.
  { code: 'assaySchemaRegExp' },
);

/** The answers of the validation running now (validation is synchronous, so one at a time). */
let activeAnswers: SchemaPatternAnswers | undefined;

function withAnswers<T>(answers: SchemaPatternAnswers, validate: () => T): T {
  activeAnswers = answers;
  try {
    return validate();
  } finally {
    activeAnswers = undefined;
  }
}

function deferredTest(source: string, flags: string, text: string): boolean {
  if (!activeAnswers) throw new Error('a JSON Schema pattern was tested outside SchemaPatternAnswers.during');
  return activeAnswers.ask(source, flags, text);
}

/**
 * Answers, for one validation, of the schema patterns that run in the sandbox. A validation pass asks;
 * an answer not known yet reads as "no match" for that pass and is noted; `answerPending` gets the noted
 * ones from the sandbox (one task per pattern, under the regex time limit); the caller validates again
 * until a pass needs nothing new. The last pass saw only real answers, so its verdict is exact.
 */
export class SchemaPatternAnswers {
  private readonly known = new Map<string, Map<string, boolean>>();
  private pending = new Map<string, { source: string; flags: string; texts: Set<string> }>();

  /** Runs a synchronous validation that may ask for patterns. */
  during<T>(validate: () => T): T {
    return withAnswers(this, validate);
  }

  ask(source: string, flags: string, text: string): boolean {
    const key = `/${source}/${flags}`;
    const answer = this.known.get(key)?.get(text);
    if (answer !== undefined) return answer;
    let wanted = this.pending.get(key);
    if (!wanted) this.pending.set(key, (wanted = { source, flags, texts: new Set() }));
    wanted.texts.add(text);
    return false;
  }

  /** Whether the last pass asked for something not known yet. */
  get hasPending(): boolean {
    return this.pending.size > 0;
  }

  /** Answers what the last pass asked for; an error (naming the pattern) when the sandbox gave no answer. */
  async answerPending(options: SandboxRunOptions): Promise<{ error: string } | undefined> {
    const wanted = [...this.pending.entries()];
    this.pending = new Map();
    for (const [key, { source, flags, texts }] of wanted) {
      const list = [...texts];
      const outcome = await runSandboxed({ kind: 'regex-each', source, flags, texts: list }, options);
      if (!outcome.ok) {
        const why = sandboxRegexError(outcome, `JSON Schema pattern ${key}`, options.timeoutMs);
        return { error: outcome.kind === 'aborted' ? why : `${why}. ${SCHEMA_PATTERN_NEXT_STEP}` };
      }
      const answers = this.known.get(key) ?? new Map<string, boolean>();
      list.forEach((text, i) => answers.set(text, (outcome.value as boolean[])[i] === true));
      this.known.set(key, answers);
    }
    return undefined;
  }
}

const SCHEMA_PATTERN_NEXT_STEP =
  'It needs JavaScript\'s backtracking engine (lookaround or a back-reference with a quantifier): rewrite it without them so it runs in linear time, or raise limits.regexTimeoutSeconds';
