import type { Position, Range } from '../types';

/**
 * Converts between string offsets (UTF-16 code units) and zero-based `{line, character}` positions.
 * Line breaks are `\r\n`, `\n` and `\r`, as in VS Code, so positions match the editor's.
 * Every method clamps out-of-range input instead of throwing.
 */
export class LineIndex {
  /** Offset of the first character of each line. */
  private readonly starts: number[];

  constructor(readonly text: string) {
    const starts = [0];
    if (!text.includes('\r')) {
      for (let k = text.indexOf('\n'); k !== -1; k = text.indexOf('\n', k + 1)) starts.push(k + 1);
    } else {
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c === 10) starts.push(i + 1);
        else if (c === 13) {
          if (text.charCodeAt(i + 1) === 10) i++;
          starts.push(i + 1);
        }
      }
    }
    this.starts = starts;
  }

  get lineCount(): number {
    return this.starts.length;
  }

  /** Offset where `line` starts. */
  lineStart(line: number): number {
    return this.starts[Math.max(0, Math.min(line, this.starts.length - 1))]!;
  }

  /** Offset where `line`'s content ends (before its line break). */
  lineEnd(line: number): number {
    const l = Math.max(0, Math.min(line, this.starts.length - 1));
    if (l === this.starts.length - 1) return this.text.length;
    let end = this.starts[l + 1]!;
    if (end > 0 && this.text.charCodeAt(end - 1) === 10) end--;
    if (end > this.starts[l]! && this.text.charCodeAt(end - 1) === 13) end--;
    return end;
  }

  /** The text of `line` without its line break. */
  lineText(line: number): string {
    return this.text.slice(this.lineStart(line), this.lineEnd(line));
  }

  positionAt(offset: number): Position {
    const o = Math.max(0, Math.min(Number.isFinite(offset) ? Math.floor(offset) : 0, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= o) lo = mid;
      else hi = mid - 1;
    }
    // An offset inside a `\r\n` pair belongs at the end of its line.
    return { line: lo, character: Math.min(o, this.lineEnd(lo)) - this.starts[lo]! };
  }

  offsetAt(position: Position): number {
    if (position.line < 0) return 0;
    if (position.line >= this.starts.length) return this.text.length;
    const start = this.starts[position.line]!;
    return Math.max(start, Math.min(start + Math.max(0, position.character), this.lineEnd(position.line)));
  }

  /** The range covering offsets `[start, end)`. */
  range(start: number, end: number): Range {
    const s = this.positionAt(Math.min(start, end));
    const e = this.positionAt(Math.max(start, end));
    return { start: s, end: e };
  }
}

/** One-off conversion; build a `LineIndex` instead when converting many offsets of one text. */
export function offsetToPosition(text: string, offset: number): Position {
  return new LineIndex(text).positionAt(offset);
}
