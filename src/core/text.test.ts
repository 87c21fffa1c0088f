import { describe, expect, it } from 'vitest';
import { hasControlCharacter, labelText, withoutControlCharacters } from './text.js';

describe('labelText', () => {
  it.each([
    ['story', 'story'],
    ['\u0000st\u0001ory\u001f', 'story'],
    ['tab\there\nnew\rline\u007f', 'tabherenewline'],
    ['a\uD800b', 'ab'],
    ['a\uDC00b', 'ab'],
    ['emoji 😀 and é stay', 'emoji 😀 and é stay'],
    ['\u0000\u007f', ''],
  ])('%j → %j', (input, stored) => {
    expect(labelText(input)).toBe(stored);
    expect(hasControlCharacter(labelText(input))).toBe(false);
  });
});

describe('withoutControlCharacters', () => {
  it('replaces NUL and unpaired surrogates with U+FFFD, and keeps pairs', () => {
    expect(withoutControlCharacters('a\u0000b\uD800c😀')).toBe('a\uFFFDb\uFFFDc😀');
  });
});
