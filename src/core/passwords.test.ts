import { describe, expect, it } from 'vitest';
import {
  hashPassword,
  hashToken,
  needsRehash,
  newOneTimePassword,
  newToken,
  passwordProblem,
  sameSecret,
  SCRYPT,
  verifyPassword,
} from './passwords.js';

const WEAK = { N: 1024, r: 8, p: 1, keyLength: 32 } as const;

describe('passwords', () => {
  it('hashes with scrypt and a fresh salt, and verifies only the same password', async () => {
    const a = await hashPassword('correct horse battery staple');
    const b = await hashPassword('correct horse battery staple');
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('correct');
    expect(await verifyPassword('correct horse battery staple', a)).toBe(true);
    expect(await verifyPassword('correct horse battery stapl', a)).toBe(false);
    expect(await verifyPassword('', a)).toBe(false);
  });

  it('reads its parameters from the stored hash, so old hashes keep working and are flagged for an upgrade', async () => {
    const weak = await hashPassword('hunter2 hunter2', WEAK);
    expect(weak.startsWith('scrypt$1024$8$1$')).toBe(true);
    expect(await verifyPassword('hunter2 hunter2', weak)).toBe(true);
    expect(needsRehash(weak)).toBe(true);
    expect(needsRehash(await hashPassword('hunter2 hunter2'))).toBe(false);
    expect(SCRYPT.N).toBeGreaterThanOrEqual(2 ** 15);
  });

  it('treats unicode the same however it was composed', async () => {
    const h = await hashPassword('caf\u00e9 au lait!');
    expect(await verifyPassword('cafe\u0301 au lait!', h)).toBe(true);
  });

  it('never matches a malformed or tampered hash, nor one asking for absurd memory', async () => {
    const good = await hashPassword('a long enough password', WEAK);
    for (const bad of [
      '',
      'plain',
      'bcrypt$10$abc',
      good.replace('scrypt$1024', 'scrypt$1000'),
      good.replace('scrypt$1024', 'scrypt$2147483648'),
      good.split('$').slice(0, 5).join('$') + '$',
      good.replace('$8$1$', '$0$1$'),
    ]) {
      expect(await verifyPassword('a long enough password', bad), bad).toBe(false);
    }
  });

  it('asks for 10 to 200 characters, counted as people count them', () => {
    expect(passwordProblem('123456789')).toBe('password_too_short');
    expect(passwordProblem('1234567890')).toBeNull();
    expect(passwordProblem('😀'.repeat(10))).toBeNull();
    expect(passwordProblem('x'.repeat(201))).toBe('password_too_long');
  });

  it('makes tokens of 256 bits and one-time passwords without look-alike characters', () => {
    const tokens = new Set(Array.from({ length: 200 }, newToken));
    expect(tokens.size).toBe(200);
    for (const t of tokens) expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(hashToken('x')).toMatch(/^[0-9a-f]{64}$/);
    const otps = Array.from({ length: 200 }, newOneTimePassword);
    for (const p of otps) expect(p).toMatch(/^[a-km-zA-HJ-NP-Z2-9]{20}$/);
    expect(new Set(otps.join('')).size).toBeGreaterThan(40);
  });

  it('compares secrets of any length without throwing', () => {
    expect(sameSecret('abc', 'abc')).toBe(true);
    expect(sameSecret('abc', 'abd')).toBe(false);
    expect(sameSecret('abc', 'abcd')).toBe(false);
    expect(sameSecret('', '')).toBe(true);
  });
});
