// Offset → position conversion for loaders (a small local one so test banks don't depend on the prompt parser).
import type { Position, Range } from '../types';

/** Maps a string offset (UTF-16 code units) to a zero-based position; `\r\n`, `\n` and `\r` end lines. */
export type PositionAt = (offset: number) => Position;

/** Builds a `PositionAt` for `text` (binary search over line starts). */
export function positionsOf(text: string): PositionAt {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) starts.push(i + 1);
    else if (c === 13) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    }
  }
  return (offset) => {
    const o = Math.max(0, Math.min(Math.floor(offset), text.length));
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: o - starts[lo] };
  };
}

/** The range of offsets `[start, end)`. */
export function rangeOf(positionAt: PositionAt, start: number, end: number): Range {
  return { start: positionAt(start), end: positionAt(end) };
}

/** A range covering whole lines `first`…`last` (zero-based), for formats read line by line. */
export function lineRange(first: number, last = first, endCharacter = 0): Range {
  return { start: { line: first, character: 0 }, end: { line: last, character: endCharacter } };
}
