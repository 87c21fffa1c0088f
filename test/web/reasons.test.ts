// Every reason the attribution can give has marketer wording, so no screen ever shows a raw code.
import { describe, expect, it } from 'vitest';
import { ATTRIBUTION_REASONS } from '../../src/core/attribution.js';
import { FILTER_REASONS, REASON_WORDS, reasonWords } from '../../web/shared/reasons.js';

describe('reason wording', () => {
  it('words every attribution reason and every filter choice', () => {
    for (const r of [...ATTRIBUTION_REASONS, ...FILTER_REASONS]) expect(REASON_WORDS[r], r).toMatch(/^[A-Z]/);
  });
  it('uses the marketer words of the brief and falls back to spaced words for an unknown code', () => {
    expect(reasonWords('click_outside_window')).toBe('Click older than the cookie window');
    expect(reasonWords('code_disabled')).toBe('Code was disabled');
    expect(reasonWords('brand_new_reason')).toBe('brand new reason');
  });
});
