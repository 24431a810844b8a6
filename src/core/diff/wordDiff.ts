// Word-level diff of two model outputs (the playground's diff view), on jsdiff's Myers implementation.
// Whitespace is kept as its own token, so the parts always rebuild both texts exactly.
import { diffWordsWithSpace } from 'diff';

/** A run of text that both sides share, or that only the left (`removed`) or right (`added`) side has. */
export interface DiffPart {
  value: string;
  kind: 'same' | 'added' | 'removed';
}

/** The diff of `left` → `right`. */
export interface WordDiff {
  parts: DiffPart[];
  /** Words only the right side has. */
  added: number;
  /** Words only the left side has. */
  removed: number;
  identical: boolean;
  /**
   * True when the exact diff took too long and the middle (between the common leading and trailing words)
   * is shown as one removal and one addition.
   */
  approximate: boolean;
}

export interface WordDiffOptions {
  /** Give up on the exact diff after this long; default 500 ms. */
  timeoutMs?: number;
}

const TOKEN = /\s+|[^\s]+/g;

function countWords(text: string): number {
  return text.match(/\S+/g)?.length ?? 0;
}

/**
 * Common leading and trailing tokens, with the differing middle as one removal and one addition: the
 * fallback when the exact diff runs out of time.
 */
export function coarseWordDiff(left: string, right: string): DiffPart[] {
  const a = left.match(TOKEN) ?? [];
  const b = right.match(TOKEN) ?? [];
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let end = 0;
  while (end < a.length - start && end < b.length - start && a[a.length - 1 - end] === b[b.length - 1 - end]) end++;
  const parts: DiffPart[] = [];
  const push = (value: string, kind: DiffPart['kind']): void => {
    if (value !== '') parts.push({ value, kind });
  };
  push(a.slice(0, start).join(''), 'same');
  push(a.slice(start, a.length - end).join(''), 'removed');
  push(b.slice(start, b.length - end).join(''), 'added');
  push(a.slice(a.length - end).join(''), 'same');
  return parts;
}

/** Diffs two texts word by word. Never throws; very long, very different texts get an approximate diff. */
export function wordDiff(left: string, right: string, options: WordDiffOptions = {}): WordDiff {
  if (left === right) {
    return { parts: left === '' ? [] : [{ value: left, kind: 'same' }], added: 0, removed: 0, identical: true, approximate: false };
  }
  const changes = diffWordsWithSpace(left, right, { timeout: options.timeoutMs ?? 500 });
  const approximate = changes === undefined;
  const parts: DiffPart[] = approximate
    ? coarseWordDiff(left, right)
    : changes.filter((c) => c.value !== '').map((c) => ({ value: c.value, kind: c.added ? 'added' : c.removed ? 'removed' : 'same' }));
  let added = 0;
  let removed = 0;
  for (const p of parts) {
    if (p.kind === 'added') added += countWords(p.value);
    else if (p.kind === 'removed') removed += countWords(p.value);
  }
  return { parts, added, removed, identical: false, approximate };
}
