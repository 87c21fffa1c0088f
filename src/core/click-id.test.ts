import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CLICK_EPOCH, CLICK_ID_LENGTH, isWorkspaceTag, newClickId, newWorkspaceTag, parseClickId } from './click-id.js';

const TAG = 'aZ09';
const LAST = CLICK_EPOCH + 62 ** 7 - 1; // the last millisecond the 7-character clock can hold (year 2131)

describe('click ids', () => {
  it('are 28 URL-safe base62 characters with the tag after the clock', () => {
    const id = newClickId(TAG, Date.UTC(2025, 5, 1));
    expect(id).toHaveLength(CLICK_ID_LENGTH);
    expect(id).toMatch(/^[0-9A-Za-z]{28}$/);
    expect(id.slice(7, 11)).toBe(TAG);
    expect(encodeURIComponent(id)).toBe(id);
  });

  it('do not repeat over 100k draws at the same millisecond', () => {
    const now = Date.now();
    const seen = new Set<string>();
    for (let i = 0; i < 100_000; i++) seen.add(newClickId(TAG, now));
    expect(seen.size).toBe(100_000);
  });

  it('spread the random part over the whole alphabet', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 2_000; i++) for (const c of newClickId(TAG).slice(11)) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(62);
    // 34,000 characters: about 548 each; a biased generator would leave some far below.
    expect(Math.min(...counts.values())).toBeGreaterThan(400);
  });

  it('round-trip the workspace tag and creation time (property)', () => {
    const tag = fc.stringMatching(/^[0-9A-Za-z]{4}$/);
    const time = fc.integer({ min: CLICK_EPOCH, max: LAST });
    fc.assert(
      fc.property(tag, time, (t, now) => {
        expect(parseClickId(newClickId(t, now))).toEqual({ workspaceTag: t, createdAt: now });
      }),
    );
  });

  it('sort by creation time as plain strings (property)', () => {
    const time = fc.integer({ min: CLICK_EPOCH, max: LAST });
    fc.assert(
      fc.property(time, time, (a, b) => {
        fc.pre(a !== b);
        const [x, y] = [newClickId('zzzz', a), newClickId('0000', b)];
        return a < b === x < y && a < b === Buffer.compare(Buffer.from(x), Buffer.from(y)) < 0;
      }),
    );
    const ids = [CLICK_EPOCH, CLICK_EPOCH + 61, CLICK_EPOCH + 62, Date.UTC(2024, 0, 1), LAST].map((t) =>
      newClickId(TAG, t),
    );
    expect([...ids].sort()).toEqual(ids);
  });

  it('encode the clock boundaries', () => {
    expect(newClickId(TAG, CLICK_EPOCH).slice(0, 7)).toBe('0000000');
    expect(newClickId(TAG, LAST).slice(0, 7)).toBe('zzzzzzz');
    expect(parseClickId(`0000000${TAG}${'A'.repeat(17)}`)).toEqual({ workspaceTag: TAG, createdAt: CLICK_EPOCH });
  });

  it('parse a time far in the future without judging it', () => {
    expect(parseClickId(`zzzzzzz${TAG}${'A'.repeat(17)}`)).toEqual({ workspaceTag: TAG, createdAt: LAST });
  });

  it.each([
    ['empty', ''],
    ['too short', newClickId(TAG).slice(0, 27)],
    ['too long', `${newClickId(TAG)}0`],
    ['dash', `${newClickId(TAG).slice(0, 27)}-`],
    ['underscore', `_${newClickId(TAG).slice(1)}`],
    ['space', ` ${newClickId(TAG).slice(1)}`],
    ['trailing newline', `${newClickId(TAG)}\n`],
    ['non-ASCII letter', `${newClickId(TAG).slice(0, 27)}é`],
    ['public id', 'off_01hqz3v3w2k8d0m5e6t7r8y9a0'],
  ])('reject a malformed id: %s', (_name, id) => expect(parseClickId(id)).toBeNull());

  it('reject a non-string at run time', () => {
    expect(parseClickId(undefined as unknown as string)).toBeNull();
    expect(parseClickId(12 as unknown as string)).toBeNull();
  });

  it('refuse a malformed tag or a clock out of range (bugs, not input)', () => {
    expect(() => newClickId('abc')).toThrow();
    expect(() => newClickId('ab-d')).toThrow();
    expect(() => newClickId(TAG, CLICK_EPOCH - 1)).toThrow(RangeError);
    expect(() => newClickId(TAG, LAST + 1)).toThrow(RangeError);
    expect(() => newClickId(TAG, Number.NaN)).toThrow(RangeError);
  });
});

describe('workspace tags', () => {
  it('are 4 base62 characters', () => {
    for (let i = 0; i < 1_000; i++) {
      const tag = newWorkspaceTag();
      expect(tag).toMatch(/^[0-9A-Za-z]{4}$/);
      expect(isWorkspaceTag(tag)).toBe(true);
    }
    expect(isWorkspaceTag('abc')).toBe(false);
    expect(isWorkspaceTag('ab_c')).toBe(false);
  });
});
