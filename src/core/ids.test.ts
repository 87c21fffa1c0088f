import { describe, expect, it } from 'vitest';
import { hasKind, newId } from './ids.js';

describe('newId', () => {
  it('makes prefixed ids that sort in creation order, also within one millisecond and when the clock steps back', () => {
    const t = Date.UTC(2026, 10, 23);
    const ids = [
      newId('cnv', t),
      newId('cnv', t),
      newId('cnv', t),
      newId('cnv', t - 5),
      newId('cnv', t + 1),
      newId('cnv', t + 1),
    ];
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(hasKind(id, 'cnv')).toBe(true);
  });

  it('is unique over many ids', () => {
    const ids = new Set(Array.from({ length: 50_000 }, () => newId('evt')));
    expect(ids.size).toBe(50_000);
  });
});
