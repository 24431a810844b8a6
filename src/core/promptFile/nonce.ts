// Per-render nonces (role guards, image markers): digits only, so filters such as `upper`, `title` or
// `trim` leave them unchanged. Drawn from a pool of random bytes: one `randomBytes` call per 512 nonces
// rather than one per render, which cost more than the rest of a simple render.
import { randomBytes } from 'node:crypto';

const DIGITS = 8;
let pool: Buffer = Buffer.alloc(0);
let at = 0;

/** Eight random decimal digits. */
export function nonceDigits(): string {
  if (at + DIGITS > pool.length) {
    pool = randomBytes(DIGITS * 512);
    at = 0;
  }
  let n = '';
  for (let i = 0; i < DIGITS; i++) n += String(pool[at++]! % 10);
  return n;
}
