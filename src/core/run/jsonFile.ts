// Writes a JSON document to a file piece by piece, in exactly the text `JSON.stringify(value, null, indent)`
// gives, without ever holding the whole text: a run of many long outputs can exceed the longest string V8
// can build (about 512 MB), where `JSON.stringify` throws and the report would be lost.
import { closeSync, openSync, writeSync } from 'node:fs';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/**
 * An array whose elements are made as they are written: `jsonPieces` makes, writes and drops one element
 * at a time, so a report of 40,000 results never holds a second copy of them all. `JSON.stringify` (and
 * anything else that serialises it) sees the whole array, through `toJSON`.
 */
export class LazyArray<T = unknown> {
  constructor(
    readonly length: number,
    private readonly at: (index: number) => T,
  ) {}

  /** The array `source` mapped by `map`, element by element when written. */
  static mapped<S, T>(source: readonly S[], map: (item: S) => T): LazyArray<T> {
    return new LazyArray(source.length, (i) => map(source[i]!));
  }

  item(index: number): T {
    return this.at(index);
  }

  toJSON(): T[] {
    return Array.from({ length: this.length }, (_, i) => this.at(i));
  }
}

/** What JSON.stringify writes for a value in an object or array, or `undefined` when it leaves it out. */
function prepared(value: unknown, key: string): unknown {
  let v = value;
  if (v instanceof LazyArray) return v;
  if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') v = (v as { toJSON(k: string): unknown }).toJSON(key);
  if (v === undefined || typeof v === 'function' || typeof v === 'symbol') return undefined;
  if (typeof v === 'bigint') throw new TypeError('Do not know how to serialize a BigInt');
  return v;
}

/** A container with at most this many values and characters of text is written as one piece. */
const WHOLE_NODES = 512;
const WHOLE_CHARS = 256 * 1024;

/**
 * Whether `root` is small enough to hand to `JSON.stringify` whole: few values, little text and no
 * `toJSON` (whose result JSON.stringify would treat differently at the top). Walks at most WHOLE_NODES
 * values, so a cycle or a huge tree is given up on quickly and written piece by piece.
 */
function small(root: object): boolean {
  let nodes = 0;
  let chars = 0;
  const work: unknown[] = [root];
  while (work.length > 0) {
    const v = work.pop();
    if (++nodes > WHOLE_NODES) return false;
    if (typeof v === 'string') {
      chars += v.length;
      if (chars > WHOLE_CHARS) return false;
    } else if (v !== null && typeof v === 'object') {
      if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return false;
      if (Array.isArray(v)) for (const x of v) work.push(x);
      else for (const k in v) work.push((v as Record<string, unknown>)[k]);
    }
  }
  return true;
}

/**
 * The JSON text of `value` in pieces. A small subtree (an execution, an assertion) is one piece from
 * `JSON.stringify`, re-indented to its depth; a large one is walked, so no piece holds more than about
 * WHOLE_CHARS characters beyond a single long string or number of the value.
 */
export function* jsonPieces(value: unknown, indent = 2): Generator<string> {
  const pad = ' '.repeat(indent);
  const stack = new Set<object>();
  function* emit(v: unknown, depth: number): Generator<string> {
    if (v === null || typeof v !== 'object') {
      yield JSON.stringify(v as Json) ?? 'null';
      return;
    }
    if (stack.has(v)) throw new TypeError('Converting circular structure to JSON');
    if (small(v)) {
      // JSON.stringify escapes newlines inside strings, so every newline in its text is indentation.
      const text = JSON.stringify(v, null, indent);
      yield depth === 0 ? text : text.replace(/\n/g, '\n' + pad.repeat(depth));
      return;
    }
    stack.add(v);
    const inner = '\n' + pad.repeat(depth + 1);
    const close = '\n' + pad.repeat(depth);
    if (Array.isArray(v) || v instanceof LazyArray) {
      const item = Array.isArray(v) ? (i: number): unknown => v[i] : (i: number): unknown => v.item(i);
      if (v.length === 0) yield '[]';
      else {
        yield '[';
        for (let i = 0; i < v.length; i++) {
          yield (i > 0 ? ',' : '') + inner;
          const x = prepared(item(i), String(i));
          yield* emit(x === undefined ? null : x, depth + 1);
        }
        yield close + ']';
      }
    } else {
      let first = true;
      for (const [k, raw] of Object.entries(v as Record<string, unknown>)) {
        const x = prepared(raw, k);
        if (x === undefined) continue;
        yield (first ? '{' : ',') + inner + JSON.stringify(k) + ': ';
        first = false;
        yield* emit(x, depth + 1);
      }
      yield first ? '{}' : close + '}';
    }
    stack.delete(v);
  }
  yield* emit(prepared(value, ''), 0);
}

/** Writes `value` as indented JSON plus a newline to `path`, in pieces of about 1 MB. */
export function writeJsonFile(path: string, value: unknown, indent = 2): void {
  const fd = openSync(path, 'w');
  try {
    let buffer: string[] = [];
    let size = 0;
    const flush = (): void => {
      if (buffer.length === 0) return;
      writeSync(fd, buffer.join(''));
      buffer = [];
      size = 0;
    };
    for (const piece of jsonPieces(value, indent)) {
      if (piece.length > 1 << 20) {
        flush();
        writeSync(fd, piece);
        continue;
      }
      buffer.push(piece);
      size += piece.length;
      if (size >= 1 << 20) flush();
    }
    buffer.push('\n');
    flush();
  } finally {
    closeSync(fd);
  }
}
