// Reading assertion values the way promptfoo does: comma-separated lists, numbers written as strings.

/**
 * Splits `a, b, "c, d"` into `['a', 'b', 'c, d']` as promptfoo does: commas separate (repeated ones are
 * skipped), unquoted items are trimmed, a double-quoted item keeps commas and spaces (`""` and `\"` are a
 * quote, `\\` a backslash). An unterminated quote, or text after a closing quote, is an error.
 */
export function splitCommaList(text: string): string[] | { error: string } {
  const items: string[] = [];
  let i = 0;
  const skip = (chars: RegExp) => {
    while (i < text.length && chars.test(text[i])) i++;
  };
  while (i < text.length) {
    skip(/[\s,]/);
    if (i >= text.length) break;
    if (text[i] !== '"') {
      const end = text.indexOf(',', i);
      items.push(text.slice(i, end === -1 ? text.length : end).trim());
      i = end === -1 ? text.length : end;
      continue;
    }
    const quoted = readQuoted(text, i);
    if ('error' in quoted) return quoted;
    items.push(quoted.item);
    i = quoted.end;
    skip(/\s/);
    if (i < text.length && text[i] !== ',') return { error: `text after the closing quote of "${quoted.item}": separate items with commas` };
  }
  return items;
}

/** The double-quoted item starting at `start`, and the index after its closing quote. */
function readQuoted(text: string, start: number): { item: string; end: number } | { error: string } {
  let item = '';
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i];
    if ((c === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) || (c === '"' && text[i + 1] === '"')) item += text[++i];
    else if (c === '"') return { item, end: i + 1 };
    else item += c;
  }
  return { error: 'unterminated quoted item' };
}

/** A list value: an array (items as strings) or a comma-separated string; `undefined` otherwise (or a malformed string). */
export function listValue(value: unknown): string[] | undefined {
  if (Array.isArray(value)) {
    if (!value.every((v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) return undefined;
    return value.map(String);
  }
  if (typeof value === 'string') {
    const items = splitCommaList(value);
    return Array.isArray(items) ? items : undefined;
  }
  if (typeof value === 'number') return [String(value)];
  return undefined;
}

/** A finite number from a number or a numeric string; `undefined` otherwise. */
export function numberValue(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** Shortens text for a reason message. */
export function clip(text: string, max = 80): string {
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length <= max ? oneLine : `${oneLine.slice(0, max - 1)}…`;
}

/** Whether a value is a plain object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
