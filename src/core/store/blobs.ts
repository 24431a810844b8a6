// Images in stored traces are kept once, by content hash. Before a trace is written, every image in its
// request and variables — a data URI (`data:image/png;base64,…`, OpenAI's shape and promptfoo's image
// variables) or Anthropic's `{ type: base64, media_type, data }` source — is replaced by a reference to a
// row of the `blobs` table: `data:image/png;assay-blob,<sha256>` or `assay-blob:<sha256>`. A bank of
// 1,000 cases that share an image stores its bytes once; the trace detail resolves references to show it.
import { createHash } from 'node:crypto';
import { parseDataUri } from '../providers/imageParts';

/** Shorter strings stay inline: a reference would not save anything. */
export const MIN_BLOB_CHARS = 1024;
/** A bare reference (Anthropic's base64 `data`). */
export const BLOB_REF_PREFIX = 'assay-blob:';
/** A data-URI reference: `data:<type>;assay-blob,<hash>`. */
const DATA_REF = /^data:([\w.+-]+\/[\w.+-]+);assay-blob,([0-9a-f]{64})$/;

/** One stored image. */
export interface BlobRow {
  hash: string;
  mediaType: string;
  bytes: Buffer;
}

/**
 * Remembers the hashes of the last few image strings, so a bank that sends one image a thousand times
 * decodes and hashes it once (a string compares equal cheaply; SHA-256 over megabytes does not).
 */
export class BlobHasher {
  private readonly memo = new Map<string, BlobRow>();

  constructor(private readonly capacity = 32) {}

  row(base64: string, mediaType: string): BlobRow {
    const key = `${mediaType};${base64}`;
    const hit = this.memo.get(key);
    if (hit) return hit;
    const bytes = Buffer.from(base64, 'base64');
    const row = { hash: createHash('sha256').update(bytes).digest('hex'), mediaType, bytes };
    if (this.memo.size >= this.capacity) this.memo.delete(this.memo.keys().next().value!);
    this.memo.set(key, row);
    return row;
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * `value` with its images replaced by references (copied where it changes, shared where it does not);
 * the images go into `found` by hash.
 */
export function externalizeImages(value: unknown, hasher: BlobHasher, found: Map<string, BlobRow>, depth = 0): unknown {
  if (typeof value === 'string') {
    if (value.length < MIN_BLOB_CHARS || !value.startsWith('data:')) return value;
    const uri = parseDataUri(value);
    if (!uri || !uri.mediaType.startsWith('image/')) return value;
    const row = hasher.row(uri.data, uri.mediaType);
    found.set(row.hash, row);
    return `data:${uri.mediaType};assay-blob,${row.hash}`;
  }
  if (depth > 64) return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    value.forEach((v, i) => {
      const e = externalizeImages(v, hasher, found, depth + 1);
      if (e !== v) (out ??= [...value])[i] = e;
    });
    return out ?? value;
  }
  if (!isPlainObject(value)) return value;
  if (value.type === 'base64' && typeof value.data === 'string' && typeof value.media_type === 'string' && value.data.length >= MIN_BLOB_CHARS) {
    const row = hasher.row(value.data, value.media_type);
    found.set(row.hash, row);
    return { ...value, data: `${BLOB_REF_PREFIX}${row.hash}` };
  }
  let out: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(value)) {
    const e = externalizeImages(v, hasher, found, depth + 1);
    if (e !== v) (out ??= { ...value })[k] = e;
  }
  return out ?? value;
}

/** The blob a stored string refers to (a data-URI reference or a bare one), or `null`. */
export function blobRefOf(s: string): { hash: string; mediaType?: string } | null {
  const m = DATA_REF.exec(s);
  if (m) return { hash: m[2]!, mediaType: m[1]! };
  if (s.startsWith(BLOB_REF_PREFIX) && /^[0-9a-f]{64}$/.test(s.slice(BLOB_REF_PREFIX.length))) return { hash: s.slice(BLOB_REF_PREFIX.length) };
  return null;
}

/** Every blob hash a stored value refers to, in order of first appearance. */
export function blobRefs(value: unknown, out: Set<string> = new Set(), depth = 0): Set<string> {
  if (typeof value === 'string') {
    const ref = value.length < 200 ? blobRefOf(value) : null;
    if (ref) out.add(ref.hash);
  } else if (depth <= 64 && value !== null && typeof value === 'object') {
    for (const v of Array.isArray(value) ? value : Object.values(value)) blobRefs(v, out, depth + 1);
  }
  return out;
}
