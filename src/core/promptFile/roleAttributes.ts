// Attributes on a role line (`system[name="seth"]:`, Prompty's syntax) that Assay reads: `cache` marks a
// prompt-cache breakpoint after the message (`user[cache]:`, `system[cache="1h"]:`).
import type { CacheBreakpoint } from '../types';

/** `key=value`, `key="value"` or a bare `key`, separated by commas or spaces. */
const ATTR = /(\w+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s,"']+)))?/g;

/** The attributes inside `[…]` (brackets included or not), by name; a bare key has the value `''`. */
export function roleAttributes(raw: string): Record<string, string> {
  const inner = raw.startsWith('[') && raw.endsWith(']') ? raw.slice(1, -1) : raw;
  const out: Record<string, string> = {};
  for (const m of inner.matchAll(ATTR)) out[m[1]!] = (m[2] ?? m[3] ?? m[4] ?? '').trim();
  return out;
}

/** The cache breakpoint a role line's attributes ask for, none, or what is wrong with it. */
export function cacheAttribute(attrs: Record<string, string>): CacheBreakpoint | undefined | { error: string } {
  if (!('cache' in attrs)) return undefined;
  const v = attrs['cache']!.toLowerCase();
  if (v === '' || v === 'true' || v === 'ephemeral') return {};
  if (v === '5m' || v === '1h') return { ttl: v };
  return { error: `cache="${attrs['cache']}" is not a cache lifetime: write [cache] (5 minutes) or [cache="1h"]` };
}
