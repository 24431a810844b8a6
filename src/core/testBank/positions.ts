// Offset → position conversion for the loaders, and line ranges for formats read line by line.
import { LineIndex } from '../promptFile/lineIndex';
import type { Position, Range } from '../types';

/** Maps a string offset (UTF-16 code units) to a zero-based position; `\r\n`, `\n` and `\r` end lines. */
export type PositionAt = (offset: number) => Position;

/** Builds a `PositionAt` for `text`, on the prompt parser's `LineIndex`. */
export function positionsOf(text: string): PositionAt {
  const index = new LineIndex(text);
  return (offset) => index.positionAt(offset);
}

/** The range of offsets `[start, end)`. */
export function rangeOf(positionAt: PositionAt, start: number, end: number): Range {
  return { start: positionAt(start), end: positionAt(end) };
}

/** A range covering whole lines `first`…`last` (zero-based), for formats read line by line. */
export function lineRange(first: number, last = first, endCharacter = 0): Range {
  return { start: { line: first, character: 0 }, end: { line: last, character: endCharacter } };
}
