import { describe, expect, it } from 'vitest';
import { checkVanitySlug, randomSlug, RANDOM_SLUG_LENGTH, RESERVED_SLUGS } from './slugs.js';

describe('randomSlug', () => {
  it('is 8 base62 characters, different each time, and never a valid-looking reserved path', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const s = randomSlug();
      expect(s).toMatch(/^[0-9A-Za-z]{8}$/);
      seen.add(s);
    }
    expect(RANDOM_SLUG_LENGTH).toBe(8);
    expect(seen.size).toBe(500);
  });
});

describe('checkVanitySlug', () => {
  it.each<[string, ReturnType<typeof checkVanitySlug>]>([
    ['anna', null],
    ['Anna-Lee_2025', null],
    ['abc', null],
    ['a'.repeat(64), null],
    ['9lives', null],
    ['ab', 'slug_too_short'],
    ['', 'slug_too_short'],
    ['a'.repeat(65), 'slug_too_long'],
    ['-anna', 'slug_invalid_characters'],
    ['_anna', 'slug_invalid_characters'],
    ['anna lee', 'slug_invalid_characters'],
    ['anna/lee', 'slug_invalid_characters'],
    ['anna.lee', 'slug_invalid_characters'],
    ['annà', 'slug_invalid_characters'],
    ['anna?x=1', 'slug_invalid_characters'],
    ['api', 'slug_reserved'],
    ['postback', 'slug_reserved'],
    ['well-known', 'slug_reserved'],
    ['aff_lsr', 'slug_reserved'],
  ])('%j → %s', (slug, problem) => expect(checkVanitySlug(slug)).toBe(problem));

  it('reserves every path the tracking host answers itself, whatever the case', () => {
    for (const reserved of RESERVED_SLUGS) {
      // Names shorter than 3 characters are refused as too short before they are looked up.
      const expected = reserved.length < 3 ? 'slug_too_short' : 'slug_reserved';
      expect(checkVanitySlug(reserved), reserved).toBe(expected);
      expect(checkVanitySlug(reserved.toUpperCase()), reserved).toBe(expected);
    }
    expect(checkVanitySlug('Healthz')).toBe('slug_reserved');
    // A reserved name inside a longer slug is the brand's to use.
    expect(checkVanitySlug('api-anna')).toBeNull();
  });

  it('checks the length before the characters: a long slug of bad characters is too long', () => {
    expect(checkVanitySlug('!'.repeat(65))).toBe('slug_too_long');
    expect(checkVanitySlug('!!')).toBe('slug_too_short');
  });
});
