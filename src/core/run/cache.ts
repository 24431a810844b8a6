// The response cache: keyed by the exact provider payload and the endpoint it goes to. Only successful
// results are stored (the engine never offers it an error). The interface is async-capable so a persistent
// cache (e.g. in the history store) can stand in for the in-memory one.
import { createHash } from 'node:crypto';
import type { CallResult } from '../types';

/** Where cached results live. */
export interface ResponseCache {
  get(key: string): CallResult | undefined | Promise<CallResult | undefined>;
  set(key: string, result: CallResult): void | Promise<void>;
}

/** JSON with object keys sorted, so two payloads that differ only in key order share a key. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

/** Payload fields that change how the answer is delivered, not what it is. */
const DELIVERY_FIELDS = new Set(['stream', 'stream_options']);

/**
 * The cache key of a call: a SHA-256 of the endpoint identity and the canonical payload, minus the
 * streaming switches (a streamed and a non-streamed call get the same answer).
 */
export function cacheKey(endpointId: string, payload: Record<string, unknown>): string {
  const body: Record<string, unknown> = {};
  for (const k of Object.keys(payload)) if (!DELIVERY_FIELDS.has(k)) body[k] = payload[k];
  return createHash('sha256').update(endpointId).update('\n').update(canonicalJson(body)).digest('hex');
}

/** An in-memory LRU cache, bounded by entry count. */
export class MemoryResponseCache implements ResponseCache {
  private readonly entries = new Map<string, CallResult>();

  constructor(private readonly maxEntries = 5_000) {}

  get(key: string): CallResult | undefined {
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  set(key: string, result: CallResult): void {
    if (result.error) return;
    this.entries.delete(key);
    this.entries.set(key, result);
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}
