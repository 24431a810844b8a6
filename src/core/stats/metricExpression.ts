// Arithmetic over named metric scores, for promptfoo's `derivedMetrics` (promptfoo evaluates them with
// mathjs): numbers, metric names, + - * / % ^, parentheses, and the functions below. Anything else is
// refused when the config loads, so a derived metric never quietly reads as 0.

/** A compiled expression: evaluate it over metric values. */
export interface MetricExpression {
  /** Metric names the expression reads. */
  names: string[];
  evaluate(scope: Record<string, number>): { value: number } | { error: string };
}

const FUNCTIONS: Record<string, (...a: number[]) => number> = {
  abs: Math.abs,
  ceil: Math.ceil,
  exp: Math.exp,
  floor: Math.floor,
  log: Math.log,
  log10: Math.log10,
  max: Math.max,
  min: Math.min,
  pow: Math.pow,
  round: Math.round,
  sqrt: Math.sqrt,
};

type Node =
  | { k: 'num'; v: number }
  | { k: 'name'; name: string }
  | { k: 'neg'; a: Node }
  | { k: 'bin'; op: string; a: Node; b: Node }
  | { k: 'call'; fn: string; args: Node[] };

const TOKEN = /\s*(?:(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|([A-Za-z_][\w.]*)|(\*\*|[-+*/%^(),]))/y;

function tokenize(text: string): string[] | { error: string } {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  let pos = 0;
  while (pos < text.length) {
    if (/^\s*$/.test(text.slice(pos))) break;
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(text);
    if (!m) return { error: `unexpected "${text.slice(pos).trim()[0]}" at ${pos + 1}` };
    out.push(m[1] ?? m[2] ?? (m[3] === '**' ? '^' : m[3]!));
    pos = TOKEN.lastIndex;
  }
  return out;
}

const BINARY: Record<string, [number, 'left' | 'right']> = { '+': [1, 'left'], '-': [1, 'left'], '*': [2, 'left'], '/': [2, 'left'], '%': [2, 'left'], '^': [4, 'right'] };

/** Parses an expression; an unknown function or bad syntax is an error. */
export function compileMetricExpression(text: string): MetricExpression | { error: string } {
  const tokens = tokenize(text);
  if (!Array.isArray(tokens)) return tokens;
  let i = 0;
  const peek = (): string | undefined => tokens[i];
  const fail = (message: string): never => {
    throw new Error(message);
  };
  const primary = (): Node => {
    const t = tokens[i++];
    if (t === undefined) return fail('the expression ends too early');
    if (t === '(') {
      const e = expr(0);
      if (tokens[i++] !== ')') fail('a ( is not closed');
      return e;
    }
    if (t === '-' || t === '+') {
      const a = expr(3);
      return t === '-' ? { k: 'neg', a } : a;
    }
    if (/^[\d.]/.test(t)) return { k: 'num', v: Number(t) };
    if (/^[A-Za-z_]/.test(t)) {
      if (peek() !== '(') return { k: 'name', name: t };
      if (!FUNCTIONS[t]) fail(`unknown function ${t}() (known: ${Object.keys(FUNCTIONS).join(', ')})`);
      i++;
      const args: Node[] = [];
      if (peek() !== ')') {
        for (;;) {
          args.push(expr(0));
          if (peek() === ',') i++;
          else break;
        }
      }
      if (tokens[i++] !== ')') fail(`${t}( is not closed`);
      return { k: 'call', fn: t, args };
    }
    return fail(`unexpected "${t}"`);
  };
  const expr = (min: number): Node => {
    let left = primary();
    for (;;) {
      const op = peek();
      const info = op !== undefined ? BINARY[op] : undefined;
      if (!info || info[0] < min) return left;
      i++;
      const right = expr(info[1] === 'left' ? info[0] + 1 : info[0]);
      left = { k: 'bin', op: op!, a: left, b: right };
    }
  };
  let root: Node;
  try {
    root = expr(0);
    if (i < tokens.length) fail(`unexpected "${tokens[i]}"`);
  } catch (e) {
    return { error: (e as Error).message };
  }
  const names = new Set<string>();
  const collect = (n: Node): void => {
    if (n.k === 'name') names.add(n.name);
    else if (n.k === 'neg') collect(n.a);
    else if (n.k === 'bin') [n.a, n.b].forEach(collect);
    else if (n.k === 'call') n.args.forEach(collect);
  };
  collect(root);
  const run = (n: Node, scope: Record<string, number>): number => {
    switch (n.k) {
      case 'num':
        return n.v;
      case 'name': {
        const v = scope[n.name];
        if (v === undefined) throw new Error(`no metric named ${n.name}`);
        return v;
      }
      case 'neg':
        return -run(n.a, scope);
      case 'call':
        return FUNCTIONS[n.fn]!(...n.args.map((a) => run(a, scope)));
      case 'bin': {
        const a = run(n.a, scope);
        const b = run(n.b, scope);
        return n.op === '+' ? a + b : n.op === '-' ? a - b : n.op === '*' ? a * b : n.op === '/' ? a / b : n.op === '%' ? a % b : a ** b;
      }
    }
  };
  return {
    names: [...names],
    evaluate(scope) {
      try {
        const value = run(root, scope);
        return Number.isFinite(value) ? { value } : { error: `the result is not a finite number (${value})` };
      } catch (e) {
        return { error: (e as Error).message };
      }
    },
  };
}
