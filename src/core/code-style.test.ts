import { describe, expect, it } from 'vitest';
import { CODE_ALPHABET, checkCode, checkPattern, generateCode } from './codes.js';
import { rotationPattern } from './code-style.js';

const marie = { name: 'Marie Dupont', instagram: 'marie.beauty', tiktok: null };
const R = `[${CODE_ALPHABET}]`;

describe('rotationPattern', () => {
  it.each<[string, { name: string; instagram?: string | null; tiktok?: string | null }, string, RegExp]>([
    ['a name and a discount number', marie, 'MARIE10', new RegExp(`^MARIE${R}{4}10$`)],
    ['a name and a random part', marie, 'marie7k3q', new RegExp(`^MARIE${R}{4}$`)],
    ['a longer random part', marie, 'MARIE7K3QX9', new RegExp(`^MARIE${R}{6}$`)],
    ['a separator', marie, 'MARIE-15', new RegExp(`^MARIE-${R}{4}15$`)],
    ['the handle before the name', marie, 'MARIEBEAUTY', new RegExp(`^MARIEBEAUTY${R}{4}$`)],
    ['the last name', marie, 'DUPONT20', new RegExp(`^DUPONT${R}{4}20$`)],
    ['a chosen word after the name', marie, 'MARIE-SUMMER', new RegExp(`^MARIE-SUMMER${R}{4}$`)],
    ['a generic word and number', { name: 'Nobody' }, 'SUMMER20', new RegExp(`^SUMMER${R}{4}20$`)],
    ['a random code', { name: 'Nobody' }, 'K7QX3MNP', new RegExp(`^${R}{8}$`)],
    ['a short random code', { name: 'Nobody' }, 'K7Q', new RegExp(`^${R}{6}$`)],
    ['anything else', { name: 'Nobody' }, 'WINTER_SALE', new RegExp(`^WINTER_SALE${R}{4}$`)],
  ])('keeps the style of %s', (_, subject, old, expected) => {
    const pattern = rotationPattern(old, subject);
    expect(checkPattern(pattern)).toBeNull();
    const code = generateCode(pattern, subject, new Set([old.toUpperCase()]));
    expect(code).toMatch(expected);
    expect(checkCode(code!)).toBeNull();
    expect(code).not.toBe(old.toUpperCase());
  });

  it('stays within the longest code allowed', () => {
    const old = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ-ABC12';
    const code = generateCode(rotationPattern(old, { name: 'Nobody' }), { name: 'Nobody' }, new Set([old]));
    expect(checkCode(code!)).toBeNull();
    expect(code!.length).toBeLessThanOrEqual(32);
  });

  it('never gives back the old code, even when the random part could repeat it', () => {
    const taken = new Set(['MARIE']);
    for (let i = 0; i < 200; i++) expect(generateCode(rotationPattern('MARIE', marie), marie, taken)).not.toBe('MARIE');
  });
});
