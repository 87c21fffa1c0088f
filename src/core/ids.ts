// Public ids: a kind prefix and a time-ordered body (48-bit ms timestamp + 80 random bits, Crockford base32),
// so ids sort by creation time and B-tree inserts stay append-only; random UUIDv4 keys halved insert rates.
import { randomFillSync } from 'node:crypto';

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

export type IdKind =
  | 'ws'
  | 'key'
  | 'off'
  | 'pay'
  | 'mem'
  | 'lnk'
  | 'cod'
  | 'aud'
  | 'usr'
  | 'cnv'
  | 'evt'
  | 'com'
  | 'adj'
  | 'pob'
  | 'whk'
  | 'whm'
  | 'eml'
  | 'alr';

// Monotonic within a process (as ULID's monotonic mode): ids made in the same millisecond, or while the clock steps
// back, continue from the last one with its random part plus one, so creation order is id order.
let lastTime = -1;
let lastRandom: number[] = [];

function encodeTime(ms: number): string {
  let time = '';
  let t = ms;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  return time;
}

function freshRandom(): number[] {
  // 80 random bits as 16 base32 digits; the top digit keeps one bit clear, so increments never overflow in practice.
  const digits = Array.from({ length: 16 }, () => randomFrom(CROCKFORD, 1)).map((c) => CROCKFORD.indexOf(c));
  digits[0] = digits[0]! & 15;
  return digits;
}

export function newId(kind: IdKind, now: number = Date.now()): string {
  if (now > lastTime) {
    lastTime = now;
    lastRandom = freshRandom();
  } else {
    for (let i = lastRandom.length - 1; i >= 0; i--) {
      lastRandom[i] = (lastRandom[i]! + 1) % 32;
      if (lastRandom[i] !== 0) break;
    }
  }
  return `${kind}_${encodeTime(lastTime)}${lastRandom.map((d) => CROCKFORD[d]).join('')}`;
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
