// Minimal glob expansion for test file lists (`tests/*.yaml`, `cases/**/*.csv`): `*`, `?`, `**`, `{a,b}`.
import { readdirSync, type Dirent } from 'node:fs';
import { isAbsolute, join, resolve, sep } from 'node:path';

const MAX_MATCHES = 10_000;

/** Whether `pattern` has glob syntax. */
export function hasGlob(pattern: string): boolean {
  return /[*?{]/.test(pattern);
}

function segmentRegex(segment: string): RegExp {
  let re = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '{') {
      const close = segment.indexOf('}', i);
      if (close < 0) re += '\\{';
      else {
        re += `(?:${segment
          .slice(i + 1, close)
          .split(',')
          .map((alt) => alt.replace(/[.+^$()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]'))
          .join('|')})`;
        i = close;
      }
    } else re += c.replace(/[.+^$()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function entries(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

/**
 * Files matching `pattern` (relative to `baseDir`), sorted. A pattern without glob syntax returns its
 * absolute path whether or not it exists (the caller reports a missing file). `**` skips dot folders and
 * node_modules.
 */
export function expandGlob(pattern: string, baseDir: string): string[] {
  const abs = isAbsolute(pattern) ? pattern : resolve(baseDir, pattern);
  if (!hasGlob(pattern)) return [abs];
  const parts = abs.split(sep).join('/').split('/');
  const firstGlob = parts.findIndex(hasGlob);
  const root = parts.slice(0, firstGlob).join('/') || '/';
  const rest = parts.slice(firstGlob);
  const out: string[] = [];
  walk(root, rest, out);
  return [...new Set(out)].sort();
}

function walk(dir: string, segments: string[], out: string[]): void {
  if (out.length >= MAX_MATCHES || segments.length === 0) return;
  const [head, ...tail] = segments;
  if (head === '**') {
    walk(dir, tail, out);
    for (const e of entries(dir)) {
      if (e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules') walk(join(dir, e.name), segments, out);
    }
    return;
  }
  if (!hasGlob(head)) {
    const next = join(dir, head);
    if (tail.length === 0) {
      if (entries(dir).some((e) => e.name === head && e.isFile())) out.push(next);
    } else walk(next, tail, out);
    return;
  }
  const re = segmentRegex(head);
  for (const e of entries(dir)) {
    if (!re.test(e.name)) continue;
    if (tail.length === 0) {
      if (e.isFile()) out.push(join(dir, e.name));
    } else if (e.isDirectory()) walk(join(dir, e.name), tail, out);
  }
}
