// Globally unique, time-sortable ids (ULID layout: 48-bit ms time + 80 random bits, Crockford base32),
// so rows written by different windows and processes never collide and sort newest-first by id.
import { createHash, randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TIME_CHARS = 10;
const RANDOM_CHARS = 16;
const ID_RE = /^[0-9A-HJKMNP-TV-Z]{26}$/;

let pool: Buffer = Buffer.alloc(0);
let poolAt = 0;

let lastTime = -1;
let lastTimeText = '';
/** The random part of the last id, as two 40-bit numbers (each < 2^40, so exact in a double). */
let randomHigh = 0;
let randomLow = 0;
const FORTY_BITS = 2 ** 40;

/** 40 random bits from a pool (one `randomBytes` call per 400 ids, not per id). */
function random40(): number {
  if (poolAt + 5 > pool.length) {
    pool = randomBytes(4000);
    poolAt = 0;
  }
  const n = pool[poolAt]! * 2 ** 32 + pool.readUInt32BE(poolAt + 1);
  poolAt += 5;
  return n;
}

/** The random part: fresh for a new ms, else the previous one plus 1, so ids made in one ms keep their order. */
function nextRandom(time: number): void {
  if (time === lastTime) {
    randomLow++;
    if (randomLow === FORTY_BITS) {
      randomLow = 0;
      randomHigh++;
    }
    return;
  }
  lastTime = time;
  lastTimeText = timePart(time);
  // Leave headroom (the top bit clear) so increments within one ms never wrap.
  randomHigh = random40() % 2 ** 39;
  randomLow = random40();
}

const clampTime = (time: number): number => Math.min(Math.max(0, Math.floor(time)), 2 ** 48 - 1);

/** `n` (< 2^(5·chars)) in `chars` base32 characters, most significant first. */
function base32(n: number, chars: number): string {
  let t = n;
  let out = '';
  for (let i = 0; i < chars; i++) {
    out = ALPHABET[t % 32] + out;
    t = Math.floor(t / 32);
  }
  return out;
}

/** The 10 characters that encode a time (ms), most significant first. */
function timePart(ms: number): string {
  return base32(ms, TIME_CHARS);
}

/**
 * A new 26-character id whose first 10 characters encode `time` (ms since the epoch). Ids made in this
 * process for the same ms sort in creation order.
 */
export function newId(time: number = Date.now()): string {
  nextRandom(clampTime(time));
  // 80 random bits → 16 base32 characters: 8 for each 40-bit half.
  return lastTimeText + base32(randomHigh, RANDOM_CHARS / 2) + base32(randomLow, RANDOM_CHARS / 2);
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
