import { describe, expect, it } from 'vitest';
import { UNIQUE_WINDOW_MS, UniqueClicks } from './unique-clicks.js';

describe('UniqueClicks', () => {
  it('counts the first click of a visitor on a link in 24 h as unique, and only that one', () => {
    const u = new UniqueClicks();
    const t = Date.UTC(2026, 0, 1);
    expect(u.firstInWindow('lnk_a', 'v1', t)).toBe(true);
    expect(u.firstInWindow('lnk_a', 'v1', t + 1000)).toBe(false);
    expect(u.firstInWindow('lnk_b', 'v1', t + 1000)).toBe(true);
    expect(u.firstInWindow('lnk_a', 'v2', t + 1000)).toBe(true);
    expect(u.firstInWindow('lnk_a', 'v1', t + UNIQUE_WINDOW_MS - 1)).toBe(false);
  });

  it('counts again once 24 h have passed since the unique click', () => {
    const u = new UniqueClicks();
    const t = Date.UTC(2026, 0, 1);
    expect(u.firstInWindow('l', 'v', t)).toBe(true);
    expect(u.firstInWindow('l', 'v', t + UNIQUE_WINDOW_MS)).toBe(true);
  });

  it('expires old entries and stays within its bound', () => {
    const u = new UniqueClicks(100);
    const t = Date.UTC(2026, 0, 1);
    for (let i = 0; i < 1000; i++) u.firstInWindow('l', `v${i}`, t + i);
    expect(u.size).toBeLessThanOrEqual(100);
    u.firstInWindow('l', 'late', t + 2 * UNIQUE_WINDOW_MS);
    expect(u.size).toBe(1);
  });
});
