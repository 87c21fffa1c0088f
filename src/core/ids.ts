// Public ids: a kind prefix and a time-ordered body (48-bit ms timestamp + 80 random bits, Crockford base32),
// so ids sort by creation time and B-tree inserts stay append-only; random UUIDv4 keys halved insert rates.
import { randomBytes, randomFillSync } from 'node:crypto';

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

export type IdKind =
  | 'ws' | 'key' | 'off' | 'pay' | 'mem' | 'lnk' | 'cod' | 'aud' | 'usr' | 'cnv' | 'evt' | 'com' | 'adj' | 'pob';

export function newId(kind: IdKind, now: number = Date.now()): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const bytes = randomBytes(10);
  let rand = '';
  // 80 bits -> 16 base32 chars, 5 bits at a time.
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      rand += CROCKFORD[(acc >> bits) & 31];
    }
    acc &= (1 << bits) - 1;
  }
  return `${kind}_${time}${rand}`;
}

export function hasKind(id: string, kind: IdKind): boolean {
  return id.startsWith(kind + '_') && /^[a-z]+_[0-9a-z]{26}$/.test(id);
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

// Random bytes are drawn from a pooled CSPRNG buffer: one call into the kernel per 4 KiB instead of per id,
// which matters on the redirect path (a click id per request).
const pool = Buffer.allocUnsafe(4096);
let poolOffset = pool.length;

function randomByte(): number {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  return pool[poolOffset++]!;
}

/** Uniform random string over an alphabet of at most 256 characters (rejection sampling, no modulo bias). */
export function randomFrom(alphabet: string, length: number): string {
  const limit = 256 - (256 % alphabet.length);
  let out = '';
  while (out.length < length) {
    const b = randomByte();
    if (b < limit) out += alphabet[b % alphabet.length];
  }
  return out;
}

/** Uniform random base62 string. */
export function randomBase62(length: number): string {
  return randomFrom(BASE62, length);
}
