// Globally unique, time-sortable ids (ULID layout: 48-bit ms time + 80 random bits, Crockford base32),
// so rows written by different windows and processes never collide and sort newest-first by id.
import { createHash, randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TIME_CHARS = 10;
const RANDOM_CHARS = 16;
const ID_RE = /^[0-9A-HJKMNP-TV-Z]{26}$/;

let pool: Buffer = Buffer.alloc(0);
let poolAt = 0;

/** 10 random bytes, from a pool (one `randomBytes` call per 400 ids, not per id). */
function randomPool(): Buffer {
  if (poolAt + 10 > pool.length) {
    pool = randomBytes(4000);
    poolAt = 0;
  }
  poolAt += 10;
  return Buffer.from(pool.subarray(poolAt - 10, poolAt));
}

let lastTime = -1;
let lastRandom: Buffer = Buffer.alloc(10);

/** The random part: fresh for a new ms, else the previous one plus 1, so ids made in one ms keep their order. */
function randomPart(time: number): Buffer {
  if (time === lastTime) {
    const next = Buffer.from(lastRandom);
    for (let i = next.length - 1; i >= 0; i--) {
      next[i] = (next[i]! + 1) & 0xff;
      if (next[i] !== 0) break;
    }
    lastRandom = next;
  } else {
    lastTime = time;
    lastRandom = randomPool();
    // Leave headroom so increments within one ms never wrap.
    lastRandom[0] = lastRandom[0]! & 0x7f;
  }
  return lastRandom;
}

const clampTime = (time: number): number => Math.min(Math.max(0, Math.floor(time)), 2 ** 48 - 1);

/** The 10 characters that encode a time (ms), most significant first. */
function timePart(ms: number): string {
  let t = ms;
  let out = '';
  for (let i = 0; i < TIME_CHARS; i++) {
    out = ALPHABET[t % 32] + out;
    t = Math.floor(t / 32);
  }
  return out;
}

/**
 * A new 26-character id whose first 10 characters encode `time` (ms since the epoch). Ids made in this
 * process for the same ms sort in creation order.
 */
export function newId(time: number = Date.now()): string {
  const ms = clampTime(time);
  let out = timePart(ms);
  const bytes = randomPart(ms);
  // 80 bits → 16 base32 characters, 5 bits at a time.
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(acc >> bits) & 31];
    }
    acc &= (1 << bits) - 1;
  }
  return out.length === TIME_CHARS + RANDOM_CHARS ? out : out.padEnd(TIME_CHARS + RANDOM_CHARS, '0');
}

/** Whether `s` has the layout of `newId()`. */
export function isId(s: unknown): s is string {
  return typeof s === 'string' && ID_RE.test(s);
}

/** The time encoded in an id made by `newId`, or null. */
export function idTime(id: string): number | null {
  if (!isId(id)) return null;
  let t = 0;
  for (let i = 0; i < TIME_CHARS; i++) t = t * 32 + ALPHABET.indexOf(id[i]!);
  return t;
}

/** A prompt version's id: the SHA-256 of its content, hex. */
export function promptVersionId(content: string): string {
  return createHash('sha256').update(content, 'utf8').digest('hex');
}

/**
 * An id with `newId`'s layout for `time`, its random part taken from a hash of `seed`: the same seed gives
 * the same id, so rows made from an imported report are the same rows when it is imported again.
 */
export function derivedId(time: number, seed: string): string {
  let out = timePart(clampTime(time));
  const hash = createHash('sha256').update(seed, 'utf8').digest();
  for (let i = 0; i < RANDOM_CHARS; i++) out += ALPHABET[hash[i]! & 31];
  return out;
}
