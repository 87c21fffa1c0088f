import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkCode, checkPattern, CODE_ALPHABET, CODE_MAX, generateCode, normalizeCode } from './codes.js';

const NONE = new Set<string>();

describe('normalizeCode and checkCode', () => {
  it('compares codes case-insensitively and ignores surrounding spaces', () => {
    expect(normalizeCode('  marie10 ')).toBe('MARIE10');
  });
  it.each([
    ['MARIE10', null],
    ['ab1', null],
    ['A-B_C', null],
    ['9LIVES', null],
    ['A'.repeat(CODE_MAX), null],
    ['AB', 'code_too_short'],
    ['  AB  ', 'code_too_short'],
    ['A'.repeat(CODE_MAX + 1), 'code_too_long'],
    ['-ABC', 'code_invalid_characters'],
    ['_ABC', 'code_invalid_characters'],
    ['MA RIE', 'code_invalid_characters'],
    ['MARIÉ', 'code_invalid_characters'],
    ['MARIE!', 'code_invalid_characters'],
  ])('%j -> %s', (code, problem) => expect(checkCode(code)).toBe(problem));
  it('a code read aloud cannot be mistyped: no look-alike characters in the random alphabet', () => {
    expect(CODE_ALPHABET).not.toMatch(/[01258OILSZB]/);
  });
});

describe('checkPattern', () => {
  it.each([
    '{NAME}{RAND4}',
    '{FIRSTNAME}{LASTNAME}',
    '{HANDLE}-10',
    'SUMMER_{RAND16}',
    'promo{NAME}',
    '{RAND8}{RAND8}',
    'X',
  ])('accepts %j', (p) => expect(checkPattern(p)).toBeNull());
  it.each([
    ['', 'pattern_empty'],
    ['  ', 'pattern_empty'],
    ['{NAMES}', 'pattern_unknown_token'],
    ['{name}', 'pattern_unknown_token'],
    ['{RAND}', 'pattern_unknown_token'],
    ['{RAND123}', 'pattern_unknown_token'],
    ['{RAND0}', 'pattern_unknown_token'],
    ['{NAME', 'pattern_unknown_token'],
    ['NAME}', 'pattern_unknown_token'],
    ['{EMAIL}{RAND4}', 'pattern_unknown_token'],
    ['{NAME} 10', 'pattern_invalid_characters'],
    ['{NAME}%', 'pattern_invalid_characters'],
    ['É{NAME}', 'pattern_invalid_characters'],
    ['{RAND9}{RAND8}', 'pattern_too_long'],
    ['A'.repeat(CODE_MAX + 1), 'pattern_too_long'],
  ])('%j -> %s', (p, problem) => expect(checkPattern(p)).toBe(problem));
});

describe('generateCode examples', () => {
  it('folds accents and keeps only the first word for {NAME}', () => {
    expect(generateCode('{NAME}', { name: 'Zoë Ann' }, NONE)).toBe('ZOE');
    expect(generateCode('{NAME}{RAND4}', { name: 'Zoë Ann' }, NONE)).toMatch(new RegExp(`^ZOE[${CODE_ALPHABET}]{4}$`));
    expect(generateCode('{FIRSTNAME}{LASTNAME}', { name: '  Zoë-Anne   Ñúñez ' }, NONE)).toBe('ZOEANNENUNEZ');
    expect(generateCode('{NAME}', { name: 'Johann Strauß' }, NONE)).toBe('JOHANN');
    expect(generateCode('{LASTNAME}10', { name: 'Johann Strauß' }, NONE)).toBe('STRAUSS10');
  });
  it('counts up on a collision when the pattern has no random part', () => {
    expect(generateCode('{NAME}', { name: 'Marie' }, new Set(['MARIE']))).toBe('MARIE2');
    expect(generateCode('{NAME}', { name: 'Marie' }, new Set(['MARIE', 'MARIE2']))).toBe('MARIE3');
    expect(generateCode('{NAME}10', { name: 'marie' }, new Set(['MARIE10']))).toBe('MARIE102');
  });
  it('uses the instagram handle, then tiktok, then the first name for {HANDLE}', () => {
    expect(generateCode('{HANDLE}', { name: 'Marie Curie', instagram: '@marie.c_', tiktok: 'mc' }, NONE)).toBe(
      'MARIEC',
    );
    expect(generateCode('{HANDLE}', { name: 'Marie Curie', instagram: null, tiktok: 'mc.tok' }, NONE)).toBe('MCTOK');
    expect(generateCode('{HANDLE}', { name: 'Marie Curie' }, NONE)).toBe('MARIE');
  });
  it('keeps a counter inside the length limit', () => {
    const long = 'A'.repeat(CODE_MAX);
    expect(generateCode(long, { name: 'x' }, new Set([long]))).toBe(`${'A'.repeat(CODE_MAX - 1)}2`);
  });
  it('gives up (null) when no valid free code can be made', () => {
    expect(generateCode('{NAME}', { name: '李小龙' }, NONE)).toBeNull();
    expect(generateCode('-{NAME}', { name: 'Marie' }, NONE)).toBeNull();
    const all = new Set(['MARIE', ...Array.from({ length: 60 }, (_, i) => `MARIE${i + 2}`)]);
    expect(generateCode('{NAME}', { name: 'Marie' }, all)).toBeNull();
  });
  it('redraws the random part around taken codes', () => {
    const alphabet = [...CODE_ALPHABET];
    const all = alphabet.flatMap((a) => alphabet.map((b) => `X${a}${b}`));
    const taken = new Set(all.filter((_, i) => i % 2 === 0)); // half the space: 50 redraws all failing is 2^-50
    for (let i = 0; i < 50; i++) {
      const code = generateCode('X{RAND2}', { name: 'x' }, taken);
      expect(code !== null && all.includes(code) && !taken.has(code)).toBe(true);
    }
  });
});

// Reference reading of the pattern language, for the properties below.
const escape = (s: string) => s.replace(/[-_]/g, '\\$&');
const foldWord = (s: string) =>
  s
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '');

type Part = { literal: string } | { token: 'NAME' | 'FIRSTNAME' | 'LASTNAME' | 'HANDLE' } | { rand: number };
const part: fc.Arbitrary<Part> = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_-]{1,4}$/).map((literal) => ({ literal })),
  fc.constantFrom('NAME', 'FIRSTNAME', 'LASTNAME', 'HANDLE').map((token) => ({ token }) as Part),
  fc.integer({ min: 1, max: 4 }).map((rand) => ({ rand })),
);
const patternOf = (parts: Part[]) =>
  parts.map((p) => ('literal' in p ? p.literal : 'token' in p ? `{${p.token}}` : `{RAND${p.rand}}`)).join('');
const nameWord = fc
  .array(fc.constantFrom('a', 'Z', 'é', 'ë', 'Ñ', 'ß', 'ø', '7', '-', "'", '.', '李', '😀', 'İ'), {
    minLength: 1,
    maxLength: 8,
  })
  .map((a) => a.join(''));
const subject = fc.record({
  name: fc.array(nameWord, { minLength: 1, maxLength: 3 }).map((w) => w.join(' ')),
  instagram: fc.option(nameWord, { nil: null }),
  tiktok: fc.option(nameWord, { nil: null }),
});
const takenSet = fc.array(fc.stringMatching(/^[A-Z0-9]{3,6}$/), { maxLength: 30 }).map((a) => new Set(a));

describe('generateCode properties', () => {
  it('is valid, free, and made only of literals, folded name letters and the random alphabet', () => {
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 5 }), subject, takenSet, (parts, who, taken) => {
        const pattern = patternOf(parts);
        fc.pre(checkPattern(pattern) === null);
        const words = who.name.trim().split(/\s+/);
        const first = foldWord(words[0]!).slice(0, 12);
        const last = words.length > 1 ? foldWord(words[words.length - 1]!).slice(0, 12) : '';
        const handle = foldWord(who.instagram || who.tiktok || words[0]!).slice(0, 16);
        const expansions = parts.map((p) => {
          if ('literal' in p) return { re: escape(p.literal.toUpperCase()), length: p.literal.length };
          if ('rand' in p) return { re: `[${CODE_ALPHABET}]{${p.rand}}`, length: p.rand };
          const text = p.token === 'LASTNAME' ? last : p.token === 'HANDLE' ? handle : first;
          return { re: escape(text), length: text.length };
        });
        // Room for a two-digit counter, so nothing is cut at CODE_MAX (cutting has its own example above).
        fc.pre(expansions.reduce((n, e) => n + e.length, 0) <= CODE_MAX - 2);
        const code = generateCode(pattern, who, taken);
        if (code === null) return;
        expect(checkCode(code)).toBeNull();
        expect(normalizeCode(code)).toBe(code);
        expect(taken.has(code)).toBe(false);
        const counter = parts.some((p) => 'rand' in p) ? '' : '(?:[2-9]|[1-9]\\d)?';
        const body = expansions.map((e) => e.re).join('');
        const shape = new RegExp(`^${body}${counter}$`);
        expect(code).toMatch(shape);
        // The collision path: with this code taken too, the next one differs and keeps the same shape.
        const next = generateCode(pattern, who, new Set([...taken, code]));
        if (next !== null) expect(next === code || !shape.test(next)).toBe(false);
      }),
      { numRuns: 1_000 },
    );
  });

  it('gives a colliding name MARIE, MARIE2, MARIE3… in turn', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('Marie', 'Zoë Ann', 'jean-luc picard', 'Ødegaard'),
        fc.integer({ min: 1, max: 20 }),
        (name, n) => {
          const taken = new Set<string>();
          const codes: string[] = [];
          for (let i = 0; i < n; i++) {
            const code = generateCode('{NAME}', { name }, taken)!;
            taken.add(code);
            codes.push(code);
          }
          const base = foldWord(name.split(' ')[0]!);
          expect(codes).toEqual(codes.map((_, i) => (i === 0 ? base : `${base}${i + 1}`)));
        },
      ),
    );
  });

  it('never returns a taken code even when most of the space is taken', () => {
    const alphabet = [...CODE_ALPHABET];
    const all = alphabet.flatMap((a) => alphabet.map((b) => `Q${a}${b}`));
    fc.assert(
      fc.property(fc.subarray(all, { minLength: 500 }), (takenList) => {
        const taken = new Set(takenList);
        const code = generateCode('Q{RAND2}', { name: 'x' }, taken);
        return code === null || (!taken.has(code) && code.length === 3);
      }),
      { numRuns: 200 },
    );
  });
});
