// Nunjucks' lexer walks template text one character at a time (about 6 ms per 1,000 lines of prose),
// too slow for diagnostics on every keystroke. The skeleton keeps every tag and comment delimiter of a
// template and drops the plain text between them, so Nunjucks parses the same tag structure quickly;
// `map` takes each skeleton offset back to the source offset for positions.

/** A tag-only copy of a template, with a map back to the source. */
export interface TemplateSkeleton {
  text: string;
  /** Source offset of each skeleton offset; one extra entry for the end. */
  map: Int32Array;
  /** Offsets of the first character of each skeleton line (Nunjucks counts only `\n`). */
  lineStarts: number[];
  /** Block tags left open at the end of the source, outermost first: where "got end of file" points. */
  openBlocks: { name: string; start: number; end: number }[];
  /** Start of a `{{`/`{%` tag that never closes. */
  unclosedTag?: number;
  /** Start of a `{#` comment that never closes. */
  unclosedComment?: number;
  /** Offset of a `#}` outside any comment (a Nunjucks syntax error). */
  strayCommentEnd?: number;
}

const OPENERS = new Set(['if', 'for', 'asyncEach', 'asyncAll', 'macro', 'call', 'filter', 'block', 'switch']);
const TAG_START = /\{[{%#]|#\}/g;
const TAG_NAME = /^\{%-?\s*([A-Za-z_]\w*)/;

class Builder {
  parts: string[] = [];
  map: number[] = [];

  keep(source: string, start: number, end: number): void {
    if (end <= start) return;
    this.parts.push(source.slice(start, end));
    for (let i = start; i < end; i++) this.map.push(i);
  }
}

/** Where the `{%`/`{{` tag starting at `start` ends (after its `%}`/`}}`), skipping string literals; -1 if never. */
function tagEnd(source: string, start: number): number {
  const n = source.length;
  let k = start + 2;
  while (k < n) {
    const c = source.charCodeAt(k);
    if (c === 34 || c === 39) {
      k++;
      while (k < n && source.charCodeAt(k) !== c) k += source.charCodeAt(k) === 92 ? 2 : 1;
      k++;
      continue;
    }
    if ((c === 37 || c === 125) && source.charCodeAt(k + 1) === 125) return k + 2;
    k++;
  }
  return -1;
}

/**
 * Where a `{% raw %}` (or `verbatim`) body ends, the way Nunjucks' parser finds it (its own regex, with
 * nesting): the offset of the closing tag, or -1 when the block never closes.
 */
function rawEnd(source: string, from: number, tag: string): number {
  const re = new RegExp('([\\s\\S]*?){%\\s*(' + tag + '|end' + tag + ')\\s*(?=%})%}', 'g');
  re.lastIndex = from;
  let level = 1;
  let m: RegExpExecArray | null;
  while ((m = re.exec(source)) !== null) {
    if (m[2] === tag) level++;
    else level--;
    if (level === 0) return m.index + m[1]!.length;
  }
  return -1;
}

/** Builds the skeleton of a Nunjucks template; never throws. */
export function buildSkeleton(source: string): TemplateSkeleton {
  const b = new Builder();
  const open: { name: string; start: number; end: number }[] = [];
  const result: Partial<TemplateSkeleton> = {};
  const n = source.length;
  let i = 0;
  while (i < n) {
    TAG_START.lastIndex = i;
    const m = TAG_START.exec(source);
    if (!m) break;
    const at = m.index;
    if (m[0] === '#}') {
      result.strayCommentEnd ??= at;
      b.keep(source, at, at + 2);
      i = at + 2;
      continue;
    }
    if (m[0] === '{#') {
      const close = source.indexOf('#}', at + 2);
      b.keep(source, at, at + 2);
      if (close === -1) {
        result.unclosedComment = at;
        break;
      }
      b.keep(source, close, close + 2);
      i = close + 2;
      continue;
    }
    const end = tagEnd(source, at);
    if (end === -1) {
      // Let Nunjucks see the rest as it is: it reports the unclosed tag itself.
      result.unclosedTag = at;
      b.keep(source, at, n);
      break;
    }
    b.keep(source, at, end);
    i = end;
    if (m[0] !== '{%') continue;
    const name = TAG_NAME.exec(source.slice(at, Math.min(end, at + 64)))?.[1];
    if (!name) continue;
    if (name === 'raw' || name === 'verbatim') {
      const close = rawEnd(source, end, name);
      if (close === -1) {
        b.keep(source, end, n);
        i = n;
        open.push({ name, start: at, end });
        break;
      }
      i = close;
    } else if (OPENERS.has(name) || (name === 'set' && !source.slice(at, end).includes('='))) {
      open.push({ name, start: at, end });
    } else if (name.startsWith('end')) {
      const opener = name.slice(3);
      const idx = open.map((o) => o.name).lastIndexOf(opener);
      if (idx !== -1) open.length = idx;
    }
  }
  b.map.push(n);
  const text = b.parts.join('');
  const lineStarts = [0];
  for (let k = text.indexOf('\n'); k !== -1; k = text.indexOf('\n', k + 1)) lineStarts.push(k + 1);
  return { ...result, text, map: Int32Array.from(b.map), lineStarts, openBlocks: open };
}

/** Source offset of a Nunjucks position (zero-based line and column) in the skeleton. */
export function skeletonToSource(sk: TemplateSkeleton, line: number, column: number): number {
  const l = Math.max(0, Math.min(line, sk.lineStarts.length - 1));
  const off = Math.max(0, Math.min(sk.lineStarts[l]! + Math.max(0, column), sk.text.length));
  return sk.map[off]!;
}
