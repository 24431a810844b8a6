import * as nunjucks from 'nunjucks';
import { buildSkeleton, skeletonToSource, type TemplateSkeleton } from './templateSkeleton';

/** A variable a template reads from its context, as offsets into the template source. */
export interface TemplateVariable {
  name: string;
  start: number;
  end: number;
  /**
   * True when the use tolerates a missing value: `x | default(...)`, `x is defined`, or inside
   * `{% if x is defined %}`. Rendering requires a value only for unguarded uses.
   */
  guarded: boolean;
}

/** A template syntax error, as offsets into the template source. */
export interface TemplateSyntaxError {
  message: string;
  start: number;
  end: number;
}

/** What a template reads and whether it parses. */
export interface TemplateAnalysis {
  variables: TemplateVariable[];
  error?: TemplateSyntaxError;
  /** Offsets of `{% include %}`, `{% import %}`, `{% from %}` or `{% extends %}` tags (there is no loader). */
  loaderTags: { start: number; end: number }[];
}

/** The bits of Nunjucks' AST this module reads (the parser API is untyped). */
interface NjNode {
  typename: string;
  lineno: number;
  colno: number;
  fields: string[];
  [field: string]: unknown;
}

const njParser = (nunjucks as unknown as { parser: { parse(src: string): NjNode } }).parser;

/** Functions Nunjucks provides to every template. */
const GLOBALS = new Set(['range', 'cycler', 'joiner']);
const LOADER_NODES = new Set(['Include', 'Import', 'FromImport', 'Extends']);

function isNode(v: unknown): v is NjNode {
  return typeof v === 'object' && v !== null && typeof (v as { typename?: unknown }).typename === 'string';
}

function children(node: NjNode): NjNode[] {
  const c = node['children'];
  return Array.isArray(c) ? c.filter(isNode) : [];
}

function symbolName(node: unknown): string | undefined {
  return isNode(node) && node.typename === 'Symbol' && typeof node['value'] === 'string' ? node['value'] : undefined;
}

/** The variable at the root of `x`, `x.a.b` or `x['a']`, if that is all the expression is. */
function rootSymbol(node: unknown): NjNode | undefined {
  let n = node;
  while (isNode(n) && n.typename === 'LookupVal') n = n['target'];
  return symbolName(n) !== undefined ? (n as NjNode) : undefined;
}

/** Names `cond` proves defined (`x is defined`, possibly in an `and` chain) or undefined (`x is undefined`). */
function definedBy(cond: unknown, test: 'defined' | 'undefined'): string[] {
  if (!isNode(cond)) return [];
  if (cond.typename === 'Is' && symbolName(cond['right']) === test) {
    const name = symbolName(cond['left']);
    return name ? [name] : [];
  }
  if (test === 'defined' && cond.typename === 'And') return [...definedBy(cond['left'], test), ...definedBy(cond['right'], test)];
  if (test === 'defined' && cond.typename === 'Group') return children(cond).flatMap((c) => definedBy(c, test));
  return [];
}

class Walker {
  readonly variables: TemplateVariable[] = [];
  readonly loaderTags: { start: number; end: number }[] = [];

  constructor(
    private readonly sk: TemplateSkeleton,
    private readonly source: string,
  ) {}

  private use(node: NjNode, name: string, guarded: boolean): void {
    const start = skeletonToSource(this.sk, node.lineno, node.colno);
    const end = this.source.startsWith(name, start) ? start + name.length : start;
    this.variables.push({ name, start, end, guarded });
  }

  private bindTargets(target: unknown, scope: Set<string>): void {
    const name = symbolName(target);
    if (name) scope.add(name);
    else if (isNode(target)) for (const c of children(target)) this.bindTargets(c, scope);
  }

  private walkAll(list: unknown, scope: Set<string>, guards: ReadonlySet<string>): void {
    if (Array.isArray(list)) for (const n of list) this.walk(n, scope, guards);
    else this.walk(list, scope, guards);
  }

  private withGuards(guards: ReadonlySet<string>, names: string[]): ReadonlySet<string> {
    return names.length === 0 ? guards : new Set([...guards, ...names]);
  }

  private walkCallable(node: NjNode, scope: Set<string>, guards: ReadonlySet<string>): void {
    const inner = new Set(scope);
    inner.add('caller').add('varargs').add('kwargs');
    const args = node['args'];
    for (const a of isNode(args) ? children(args) : []) {
      const name = symbolName(a);
      if (name) inner.add(name);
      else if (a.typename === 'KeywordArgs')
        for (const pair of children(a)) {
          const key = symbolName(pair['key']);
          if (key) inner.add(key);
          this.walk(pair['value'], scope, guards);
        }
    }
    this.walk(node['body'], inner, guards);
  }

  /** `x | default(...)` or `x.a is defined`: the root variable may be missing; lookups like `x[i]` still read `i`. */
  private guardedUse(expr: NjNode, scope: Set<string>, guards: ReadonlySet<string>): void {
    let n: NjNode = expr;
    while (n.typename === 'LookupVal') {
      this.walk(n['val'], scope, guards);
      n = n['target'] as NjNode;
    }
    const name = symbolName(n)!;
    if (!scope.has(name) && !GLOBALS.has(name)) this.use(n, name, true);
  }

  walk(node: unknown, scope: Set<string>, guards: ReadonlySet<string>): void {
    if (!isNode(node)) return;
    switch (node.typename) {
      case 'Symbol': {
        const name = symbolName(node)!;
        if (!scope.has(name) && !GLOBALS.has(name)) this.use(node, name, guards.has(name));
        return;
      }
      case 'Literal':
      case 'TemplateData':
      case 'Super':
      case 'CallExtension':
      case 'CallExtensionAsync':
        return;
      case 'Filter':
      case 'FilterAsync': {
        const args = isNode(node['args']) ? children(node['args']) : [];
        const filter = symbolName(node['name']);
        if ((filter === 'default' || filter === 'd') && rootSymbol(args[0])) this.guardedUse(args[0]!, scope, guards);
        else this.walk(args[0], scope, guards);
        for (const a of args.slice(1)) this.walk(a, scope, guards);
        return;
      }
      case 'Is': {
        const test = symbolName(node['right']);
        if ((test === 'defined' || test === 'undefined') && rootSymbol(node['left'])) this.guardedUse(node['left'] as NjNode, scope, guards);
        else this.walk(node['left'], scope, guards);
        // The right side names a test; only a test's arguments (`divisibleby(n)`) read variables.
        const right = node['right'];
        if (isNode(right) && right.typename === 'FunCall') this.walk(right['args'], scope, guards);
        return;
      }
      case 'Pair': {
        if (!symbolName(node['key'])) this.walk(node['key'], scope, guards);
        this.walk(node['value'], scope, guards);
        return;
      }
      case 'For':
      case 'AsyncEach':
      case 'AsyncAll': {
        this.walk(node['arr'], scope, guards);
        const inner = new Set(scope);
        inner.add('loop');
        this.bindTargets(node['name'], inner);
        this.walk(node['body'], inner, guards);
        this.walk(node['else_'], scope, guards);
        return;
      }
      case 'Set': {
        this.walk(node['value'], scope, guards);
        this.walk(node['body'], scope, guards);
        for (const t of Array.isArray(node['targets']) ? node['targets'] : []) this.bindTargets(t, scope);
        return;
      }
      case 'Macro': {
        const name = symbolName(node['name']);
        if (name) scope.add(name);
        this.walkCallable(node, scope, guards);
        return;
      }
      case 'Caller':
        this.walkCallable(node, scope, guards);
        return;
      case 'Block':
        this.walk(node['body'], scope, guards);
        return;
      case 'If':
      case 'IfAsync':
      case 'InlineIf': {
        this.walk(node['cond'], scope, guards);
        this.walk(node['body'], scope, this.withGuards(guards, definedBy(node['cond'], 'defined')));
        this.walk(node['else_'], scope, this.withGuards(guards, definedBy(node['cond'], 'undefined')));
        return;
      }
      case 'FunCall': {
        this.walk(node['name'], scope, guards);
        this.walk(node['args'], scope, guards);
        return;
      }
    }
    if (LOADER_NODES.has(node.typename)) {
      const at = skeletonToSource(this.sk, node.lineno, node.colno);
      const open = this.source.lastIndexOf('{%', at);
      const start = open === -1 ? at : open;
      const close = this.source.indexOf('%}', at);
      this.loaderTags.push({ start, end: close === -1 ? this.source.length : close + 2 });
      this.walk(node['template'], scope, guards);
      if (node.typename === 'Import') this.bindTargets(node['target'], scope);
      if (node.typename === 'FromImport')
        for (const n of isNode(node['names']) ? children(node['names']) : []) {
          this.bindTargets(n.typename === 'Pair' ? n['value'] : n, scope);
        }
      return;
    }
    for (const f of node.fields) this.walkAll(node[f], scope, guards);
  }
}

const TOKEN = /^(?:%\}|\}\}|\{%|\{\{|[\w.]+|\S)/;

function errorRange(source: string, start: number): { start: number; end: number } {
  const m = TOKEN.exec(source.slice(start, start + 200));
  return { start, end: start + (m ? m[0].length : 0) };
}

function cleanMessage(raw: string): string {
  let msg = raw.replace(/^\([^)]*\)(?: \[Line \d+, Column \d+\])?\s*/, '').trim();
  msg = msg.replace(/^(?:Template render error:\s*|Error:\s*)+/g, '');
  msg = msg.replace(/^parse\w*: /, '');
  return msg;
}

/** Where to point at a syntax error Nunjucks reported without a position. */
function locateUnpositioned(sk: TemplateSkeleton, source: string, msg: string): { start: number; end: number } {
  if (/end of comment/.test(msg) && sk.strayCommentEnd !== undefined) return { start: sk.strayCommentEnd, end: sk.strayCommentEnd + 2 };
  if (/comment/.test(msg) && sk.unclosedComment !== undefined) return { start: sk.unclosedComment, end: sk.unclosedComment + 2 };
  if (sk.unclosedTag !== undefined) return errorRange(source, sk.unclosedTag);
  const open = sk.openBlocks[sk.openBlocks.length - 1];
  if (open) return { start: open.start, end: open.end };
  const trimmed = source.trimEnd().length;
  return { start: Math.max(0, trimmed - 1), end: trimmed };
}

function syntaxError(err: unknown, sk: TemplateSkeleton, source: string): TemplateSyntaxError {
  const e = err as { message?: unknown; lineno?: unknown; colno?: unknown };
  let msg = cleanMessage(typeof e.message === 'string' ? e.message : String(err));
  let range: { start: number; end: number };
  if (typeof e.lineno === 'number' && typeof e.colno === 'number') {
    range = errorRange(source, skeletonToSource(sk, e.lineno - 1, e.colno - 1));
  } else {
    range = locateUnpositioned(sk, source, msg);
  }
  if (/end of file/.test(msg)) {
    msg = msg.replace(/end of file/, 'the end of the section');
    const open = sk.openBlocks[sk.openBlocks.length - 1];
    if (open) {
      msg += ` (the {% ${open.name} %} block must close in the section that opens it)`;
      range = { start: open.start, end: open.end };
    }
  }
  return { message: `Template syntax error: ${msg}`, ...range };
}

const CACHE_LIMIT = 128;
const CACHE_MAX_SOURCE = 256 * 1024;
const cache = new Map<string, TemplateAnalysis>();

/**
 * Parses a Nunjucks template and lists the variables it reads (loop variables, `set` targets, macro
 * arguments and Nunjucks' globals excluded). Never throws. Results are memoised by source, so re-parsing a
 * file after an edit only re-analyses the sections that changed. `exact` parses the full text instead of
 * the tag skeleton (slower; the reference the tests hold the skeleton to).
 */
export function analyzeTemplate(source: string, options: { exact?: boolean } = {}): TemplateAnalysis {
  if (options.exact) return analyzeUncached(source, true);
  const hit = cache.get(source);
  if (hit) {
    cache.delete(source);
    cache.set(source, hit);
    return hit;
  }
  const result = analyzeUncached(source);
  if (source.length <= CACHE_MAX_SOURCE) {
    cache.set(source, result);
    if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  }
  return result;
}

/** Empties the memo (benchmarks measure cold parses with it). */
export function clearTemplateAnalysisCache(): void {
  cache.clear();
}

function analyzeUncached(source: string, exact = false): TemplateAnalysis {
  if (!/[{#]/.test(source)) return { variables: [], loaderTags: [] };
  let sk = buildSkeleton(source);
  if (exact) {
    const lineStarts = [0];
    for (let k = source.indexOf('\n'); k !== -1; k = source.indexOf('\n', k + 1)) lineStarts.push(k + 1);
    sk = { ...sk, text: source, lineStarts, map: Int32Array.from({ length: source.length + 1 }, (_, k) => k) };
  }
  let root: NjNode;
  try {
    root = njParser.parse(sk.text);
  } catch (err) {
    return { variables: [], loaderTags: [], error: syntaxError(err, sk, source) };
  }
  const w = new Walker(sk, source);
  try {
    w.walk(root, new Set(), new Set());
  } catch (err) {
    // A Nunjucks AST shape this walker does not know: keep what was found rather than fail the file.
    return { variables: w.variables, loaderTags: w.loaderTags, error: { message: `Template analysis failed: ${String(err)}`, start: 0, end: 0 } };
  }
  return { variables: w.variables.sort((a, b) => a.start - b.start), loaderTags: w.loaderTags };
}
