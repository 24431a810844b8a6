// Jinja2 features @huggingface/jinja lacks, added without forking it: after parsing, each use of a filter
// it does not have (`max`, `format`, `truncate`…) and each `%` operator becomes a call to a global
// function defined here, with Jinja2's semantics (jinja2/filters.py, Python's printf-style `%`).
// The library passes those functions its runtime values; `plain` turns them back into JavaScript values.
import { Environment } from '@huggingface/jinja';

/** A parsed node of @huggingface/jinja's AST (its classes are not exported; nodes are told apart by `type`). */
interface Node {
  type: string;
  [field: string]: unknown;
}

const FILTER_CALL = '__assay_filter';
const PERCENT_CALL = '__assay_percent';

type Args = { positional: unknown[]; keywords: Record<string, unknown> };
type Filter = (value: unknown, args: Args) => unknown;

const arg = (a: Args, index: number, name: string, fallback: unknown): unknown => (a.positional.length > index ? a.positional[index] : name in a.keywords ? a.keywords[name] : fallback);

/** The filters added, by Jinja2 name. */
const FILTERS: Record<string, Filter> = {
  max: (v, a) => extreme(v, a, 1),
  min: (v, a) => extreme(v, a, -1),
  sum: (v, a) => {
    const attribute = arg(a, 0, 'attribute', null);
    let total = Number(arg(a, 1, 'start', 0));
    for (const x of iterable(v)) total += Number(attribute === null ? x : attr(x, attribute));
    return total;
  },
  format: (v, a) => percentFormat(String(v), Object.keys(a.keywords).length > 0 ? a.keywords : a.positional),
  truncate: (v, a) => truncate(String(v), Number(arg(a, 0, 'length', 255)), arg(a, 1, 'killwords', false) === true, String(arg(a, 2, 'end', '...')), Number(arg(a, 3, 'leeway', 5))),
  center: (v, a) => center(String(v), Number(arg(a, 0, 'width', 80))),
  round: (v, a) => pyRound(Number(v), Number(arg(a, 0, 'precision', 0)), String(arg(a, 1, 'method', 'common'))),
  wordcount: (v) => (String(v).match(/[\p{L}\p{N}_]+/gu) ?? []).length,
  count: (v) => (typeof v === 'string' ? [...v].length : iterable(v).length),
  batch: (v, a) => {
    const size = Number(arg(a, 0, 'linecount', 1));
    const fill = arg(a, 1, 'fill_with', null);
    const items = iterable(v);
    const out: unknown[][] = [];
    for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
    const last = out.at(-1);
    if (fill !== null && last) while (last.length < size) last.push(fill);
    return out;
  },
  striptags: (v) =>
    String(v)
      .replace(/<!--[\s\S]*?-->|<[^>]*>/g, '')
      .replace(/\s+/g, ' ')
      .trim(),
  attr: (v, a) => attr(v, arg(a, 0, 'name', '')),
};

/** A runtime value of the library, as its functions receive them. */
interface RuntimeValue {
  type: string;
  value: unknown;
}

/** A JavaScript value as the library's runtime value (through `Environment.set`, its own converter). */
function toRuntime(value: unknown): RuntimeValue {
  const scratch = new Environment();
  scratch.set('v', value);
  return scratch.lookupVariable('v') as unknown as RuntimeValue;
}

/** The library's FunctionValue class, which is not exported: taken from a function it wrapped. */
const FunctionValue = toRuntime(() => null).constructor as new (fn: (args: RuntimeValue[]) => RuntimeValue) => RuntimeValue;

/** Declares the functions the rewritten templates call in `env`. */
export function declareJinjaExtras(env: Environment): void {
  // `set` would convert a FunctionValue as a plain object; `declareVariable` (private in the typings) stores it as is.
  const scope = env as unknown as { declareVariable(name: string, value: RuntimeValue): void };
  scope.declareVariable(
    FILTER_CALL,
    new FunctionValue(([name, value, ...rest]) => {
      const filter = FILTERS[String(name?.value)];
      if (!filter) throw new Error(`no filter named ${String(name?.value)}`);
      return toRuntime(filter(plain(value), splitArgs(rest)));
    }),
  );
  scope.declareVariable(
    PERCENT_CALL,
    new FunctionValue(([left, right]) => {
      const l = plain(left);
      const r = plain(right);
      if (typeof l === 'string') return toRuntime(percentFormat(l, r));
      const [x, y] = [Number(l), Number(r)];
      if (y === 0) throw new Error('integer division or modulo by zero');
      // Python's modulo takes the sign of the divisor.
      return toRuntime(((x % y) + y) % y);
    }),
  );
}

/** Rewrites `program` in place: added filters and `%` become calls to JINJA_EXTRA_GLOBALS. */
export function addJinjaExtras<T>(program: T): T {
  visit(program as unknown as Node);
  return program;
}

function visit(node: unknown): void {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      node[i] = rewrite(node[i]);
      visit(node[i]);
    }
    return;
  }
  if (node === null || typeof node !== 'object') return;
  for (const key of Object.keys(node)) {
    const child = (node as Record<string, unknown>)[key];
    if (child === null || typeof child !== 'object') continue;
    (node as Record<string, unknown>)[key] = rewrite(child);
    visit((node as Record<string, unknown>)[key]);
  }
}

function isNode(v: unknown): v is Node {
  return v !== null && typeof v === 'object' && typeof (v as Node).type === 'string';
}

const call = (name: string, args: unknown[]): Node => ({ type: 'CallExpression', callee: { type: 'Identifier', value: name }, args });

function rewrite(v: unknown): unknown {
  if (!isNode(v)) return v;
  if (v.type === 'FilterExpression' && isNode(v.filter)) {
    const filter = v.filter;
    const name = filter.type === 'Identifier' ? String(filter.value) : filter.type === 'CallExpression' && isNode(filter.callee) ? String(filter.callee.value) : '';
    if (Object.hasOwn(FILTERS, name)) {
      const args = filter.type === 'CallExpression' ? (filter.args as unknown[]) : [];
      return call(FILTER_CALL, [{ type: 'StringLiteral', value: name }, v.operand, ...args]);
    }
  }
  if (v.type === 'BinaryExpression' && isNode(v.operator) && v.operator.value === '%') return call(PERCENT_CALL, [v.left, v.right]);
  return v;
}

/** A runtime value of the library as a plain JavaScript value. */
function plain(v: unknown): unknown {
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, plain(x)]));
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object' && 'type' in v && 'value' in v) return plain((v as RuntimeValue).value);
  return v;
}

/** Positional and keyword arguments: the library passes keywords as a last KeywordArgumentsValue. */
function splitArgs(values: RuntimeValue[]): Args {
  const last = values.at(-1);
  if (last?.type === 'KeywordArgumentsValue') return { positional: values.slice(0, -1).map(plain), keywords: plain(last) as Record<string, unknown> };
  return { positional: values.map(plain), keywords: {} };
}

function iterable(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return [...v];
  if (v !== null && typeof v === 'object') return Object.keys(v);
  throw new Error(`${pyRepr(v)} is not iterable`);
}

/** Jinja2's attribute lookup with dots (`attribute="user.name"`) and integer indexes. */
function attr(x: unknown, path: unknown): unknown {
  let cur = x;
  for (const part of String(path).split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[/^\d+$/.test(part) && Array.isArray(cur) ? Number(part) : part];
  }
  return cur;
}

function extreme(v: unknown, a: Args, sign: 1 | -1): unknown {
  const caseSensitive = arg(a, 0, 'case_sensitive', false) === true;
  const attribute = arg(a, 1, 'attribute', null);
  const key = (x: unknown): unknown => {
    const k = attribute === null ? x : attr(x, attribute);
    return typeof k === 'string' && !caseSensitive ? k.toLowerCase() : k;
  };
  let best: unknown;
  let bestKey: unknown;
  let first = true;
  for (const x of iterable(v)) {
    const k = key(x);
    if (first || (sign > 0 ? (k as number) > (bestKey as number) : (k as number) < (bestKey as number))) [best, bestKey, first] = [x, k, false];
  }
  return best;
}

function truncate(s: string, length: number, killwords: boolean, end: string, leeway: number): string {
  if (s.length <= length + leeway) return s;
  if (killwords) return s.slice(0, length - end.length) + end;
  const head = s.slice(0, length - end.length);
  const space = head.lastIndexOf(' ');
  return (space >= 0 ? head.slice(0, space) : head) + end;
}

/** Python's str.center. */
function center(s: string, width: number): string {
  const margin = width - s.length;
  if (margin <= 0) return s;
  const left = Math.floor(margin / 2) + (margin & width & 1);
  return ' '.repeat(left) + s + ' '.repeat(margin - left);
}

/** Jinja2's round: `common` is Python's round (ties to even), `ceil` and `floor` at `precision` digits. */
function pyRound(x: number, precision: number, method: string): number {
  const f = 10 ** precision;
  if (method === 'ceil') return Math.ceil(x * f) / f;
  if (method === 'floor') return Math.floor(x * f) / f;
  if (method !== 'common') throw new Error('method must be common, ceil or floor');
  const scaled = x * f;
  const rounded = Math.round(scaled);
  // An exact tie goes to the even neighbour, as Python rounds.
  return (Math.abs(scaled % 1) === 0.5 && rounded % 2 !== 0 ? rounded - Math.sign(scaled) : rounded) / f;
}

/** Python's str() of a value. */
export function pyStr(v: unknown): string {
  if (typeof v === 'string') return v;
  return pyRepr(v);
}

/** Python's repr() of a value (as Jinja2 prints lists and dicts). */
function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
  return String(v);
}

const SPEC = /%(?:\(([^)]*)\))?([-+ #0]*)(\d+|\*)?(?:\.(\d+|\*))?([diouxXeEfFgGcrsa%])/g;

/** Python's printf-style `format % values` (a tuple as a list, a mapping for `%(name)s`, else one value). */
export function percentFormat(format: string, values: unknown): string {
  const list = Array.isArray(values) ? values : [values];
  let next = 0;
  const take = (): unknown => {
    if (next >= list.length) throw new Error('not enough arguments for format string');
    return list[next++];
  };
  const out = format.replace(SPEC, (_m, name: string | undefined, flags: string, width: string | undefined, precision: string | undefined, conv: string) => {
    if (conv === '%') return '%';
    const w = width === '*' ? Number(take()) : width === undefined ? 0 : Number(width);
    const p = precision === '*' ? Number(take()) : precision === undefined ? undefined : Number(precision);
    const value = name !== undefined ? (values as Record<string, unknown>)?.[name] : take();
    return pad(convert(value, conv, flags, p), w, flags, 'diouxXeEfFgG'.includes(conv));
  });
  if (!Array.isArray(values) || next === list.length || format.includes('%(')) return out;
  throw new Error('not all arguments converted during string formatting');
}

function convert(v: unknown, conv: string, flags: string, precision: number | undefined): string {
  const sign = (n: number, s: string): string => (n < 0 || Object.is(n, -0) ? s : flags.includes('+') ? `+${s}` : flags.includes(' ') ? ` ${s}` : s);
  const n = Number(v === true ? 1 : v === false ? 0 : v);
  switch (conv) {
    case 's':
      return precision === undefined ? pyStr(v) : pyStr(v).slice(0, precision);
    case 'r':
    case 'a':
      return pyRepr(v);
    case 'c':
      return typeof v === 'string' ? v : String.fromCodePoint(n);
    case 'd':
    case 'i':
    case 'u':
      if (!Number.isFinite(n)) throw new Error(`%${conv} format: a real number is required, not ${pyRepr(v)}`);
      return sign(n, String(Math.abs(Math.trunc(n))));
    case 'o':
    case 'x':
    case 'X': {
      const digits = Math.abs(Math.trunc(n)).toString(conv === 'o' ? 8 : 16);
      const alt = flags.includes('#') ? (conv === 'o' ? '0o' : conv === 'x' ? '0x' : '0X') : '';
      return sign(n, alt + (conv === 'X' ? digits.toUpperCase() : digits));
    }
    case 'f':
    case 'F':
      return sign(n, Math.abs(n).toFixed(precision ?? 6));
    case 'e':
    case 'E': {
      const s = Math.abs(n).toExponential(precision ?? 6).replace(/e([+-])(\d)$/, 'e$10$2');
      return sign(n, conv === 'E' ? s.toUpperCase() : s);
    }
    default: {
      // %g: the shorter of %e and %f at `precision` significant digits, without trailing zeros.
      const p = precision === 0 ? 1 : (precision ?? 6);
      const exp = n === 0 ? 0 : Math.floor(Math.log10(Math.abs(n)));
      let s = exp < -4 || exp >= p ? Math.abs(n).toExponential(p - 1).replace(/e([+-])(\d)$/, 'e$10$2') : Math.abs(n).toFixed(Math.max(0, p - 1 - exp));
      if (!flags.includes('#')) s = s.replace(/\.?0+(e|$)/, '$1');
      return sign(n, conv === 'G' ? s.toUpperCase() : s);
    }
  }
}

function pad(s: string, width: number, flags: string, numeric: boolean): string {
  if (s.length >= width) return s;
  if (flags.includes('-')) return s.padEnd(width);
  if (numeric && flags.includes('0')) {
    const signed = /^[+\- ]/.test(s) ? s[0]! : '';
    return signed + s.slice(signed.length).padStart(width - signed.length, '0');
  }
  return s.padStart(width);
}
