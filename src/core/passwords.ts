// Password hashing (scrypt) and the random secrets of accounts: session tokens, one-time links, one-time passwords.
// node:crypto only. The stored form names its parameters, so they can be raised later without breaking old hashes.
import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
  keyLength: number;
}

/** N = 2^15, r = 8, p = 1: OWASP's scrypt minimum; ~0.1 s and 32 MiB per hash on a small server. */
export const SCRYPT: Readonly<ScryptParams> = Object.freeze({ N: 32_768, r: 8, p: 1, keyLength: 32 });

const PREFIX = 'scrypt';

function derive(password: string, salt: Buffer, N: number, r: number, p: number, keyLength: number): Promise<Buffer> {
  // maxmem must exceed 128 * N * r (the default 32 MiB is exactly at the limit for N = 2^15, r = 8).
  const options: ScryptOptions = { N, r, p, maxmem: 256 * N * r };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, keyLength, options, (e, key) => (e ? reject(e) : resolve(key))),
  );
}

/** "scrypt$N$r$p$<salt base64url>$<hash base64url>"; the password itself is never kept. */
export async function hashPassword(password: string, params: Readonly<ScryptParams> = SCRYPT): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, params.N, params.r, params.p, params.keyLength);
  return [PREFIX, params.N, params.r, params.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

function parse(stored: string) {
  const [prefix, n, r, p, salt, hash] = stored.split('$');
  if (prefix !== PREFIX || !salt || !hash) return null;
  const [N, R, P] = [Number(n), Number(r), Number(p)];
  // Bounds keep a tampered row from asking for gigabytes of memory.
  if (
    ![N, R, P].every(Number.isSafeInteger) ||
    N < 2 ||
    N > 2 ** 20 ||
    (N & (N - 1)) !== 0 ||
    R < 1 ||
    R > 32 ||
    P < 1 ||
    P > 16
  )
    return null;
  const key = Buffer.from(hash, 'base64url');
  if (key.length < 16 || key.length > 64) return null;
  return { N, r: R, p: P, salt: Buffer.from(salt, 'base64url'), key };
}

/** Whether `password` matches `stored`; compares in constant time. A malformed hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const h = parse(stored);
  if (!h) return false;
  const key = await derive(password, h.salt, h.N, h.r, h.p, h.key.length);
  return timingSafeEqual(key, h.key);
}

/** True when a hash was made with weaker parameters than today's, so a successful login should re-hash. */
export function needsRehash(stored: string, params: Readonly<ScryptParams> = SCRYPT): boolean {
  const h = parse(stored);
  return !h || h.N < params.N || h.r < params.r || h.p < params.p || h.key.length < params.keyLength;
}

/**
 * A hash to verify against when the account does not exist, so an unknown email costs the same scrypt work as a
 * wrong password and the two cannot be told apart by timing. Made once per process, lazily.
 */
let dummy: Promise<string> | null = null;
export function dummyHash(): Promise<string> {
  dummy ??= hashPassword(randomBytes(16).toString('base64url'));
  return dummy;
}

export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 200;

/** Problem code for a password that may not be set, or null. Length is what matters (NIST SP 800-63B), not classes. */
export function passwordProblem(password: string): 'password_too_short' | 'password_too_long' | null {
  const length = [...password].length;
  if (length < PASSWORD_MIN) return 'password_too_short';
  if (length > PASSWORD_MAX) return 'password_too_long';
  return null;
}

/** An opaque bearer secret (session cookie, one-time link): 256 random bits, URL-safe. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What is stored of a token: its SHA-256. A token has 256 bits of entropy, so a fast hash is enough (unlike a password). */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Equality of two strings in time independent of where they differ. */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const READABLE = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** A one-time password a person copies from a terminal: 20 characters without look-alikes (~115 bits). */
export function newOneTimePassword(): string {
  let out = '';
  while (out.length < 20) {
    for (const b of randomBytes(32)) {
      // Rejection sampling: 256 is not a multiple of the alphabet's length.
      if (b < 256 - (256 % READABLE.length) && out.length < 20) out += READABLE[b % READABLE.length];
    }
  }
  return out;
}
