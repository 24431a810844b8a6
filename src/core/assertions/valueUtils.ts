// Reading assertion values the way promptfoo does: comma-separated lists, numbers written as strings.

/**
 * Splits `a, b, "c, d"` into `['a', 'b', 'c, d']`: commas separate, items are trimmed, double quotes keep
 * commas inside an item (`""` is a literal quote inside quotes). Empty items are dropped.
 */
export function splitCommaList(text: string): string[] {
  const items: string[] = [];
  let cur = '';
  let quoted = false;
  let wasQuoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"' && cur.trim() === '') {
      quoted = true;
      wasQuoted = true;
      cur = '';
    } else if (c === ',') {
      push();
    } else cur += c;
  }
  push();
  return items;

  function push() {
    const item = wasQuoted ? cur : cur.trim();
    if (item !== '') items.push(item);
    cur = '';
    wasQuoted = false;
  }
}

/** A list value: an array (items as strings) or a comma-separated string; `undefined` otherwise. */
export function listValue(value: unknown): string[] | undefined {
  if (Array.isArray(value)) {
    if (!value.every((v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) return undefined;
    return value.map(String);
  }
  if (typeof value === 'string') return splitCommaList(value);
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
