import { describe, expect, it } from 'vitest';
import { QUIET_MS, cardStatus, nextAlertStep, sameCard, type AlertState, type CardAlert } from './leak-alerts.js';

const now = Date.parse('2024-06-15T12:00:00Z');
const recent = now - 5 * 60_000;
const state = (over: Partial<AlertState>): AlertState => ({
  status: 'open',
  referenceCount: null,
  lastFiredAt: recent,
  ...over,
});

describe('nextAlertStep', () => {
  it('raises the first alert of a code and rule, and refreshes it while it is open', () => {
    expect(nextAlertStep(null, { last24h: 60 }, now)).toBe('raise');
    expect(nextAlertStep(state({}), { last24h: 60 }, now)).toBe('refresh');
    expect(nextAlertStep(state({}), { last24h: 6_000 }, now)).toBe('refresh');
    // An open alert nobody has looked at stays, whether or not the code is still leaking.
    expect(nextAlertStep(state({ lastFiredAt: now - 3 * QUIET_MS }), null, now)).toBe('none');
    expect(nextAlertStep(null, null, now)).toBe('none');
  });

  it('keeps an acknowledged alert quiet for the same spike, and reopens it when the count doubles', () => {
    const acked = state({ status: 'acknowledged', referenceCount: 60 });
    expect(nextAlertStep(acked, { last24h: 60 }, now)).toBe('refresh');
    expect(nextAlertStep(acked, { last24h: 119 }, now)).toBe('refresh');
    expect(nextAlertStep(acked, { last24h: 120 }, now)).toBe('reopen');
  });

  it('resolves an acknowledged alert after a quiet day, so the next spike is a new one', () => {
    const acked = state({ status: 'acknowledged', referenceCount: 60 });
    expect(nextAlertStep(acked, null, now)).toBe('none');
    expect(nextAlertStep({ ...acked, lastFiredAt: now - QUIET_MS + 1 }, null, now)).toBe('none');
    expect(nextAlertStep({ ...acked, lastFiredAt: now - QUIET_MS }, null, now)).toBe('subside');
    expect(nextAlertStep({ ...acked, lastFiredAt: now - QUIET_MS }, { last24h: 61 }, now)).toBe('reopen');
  });

  it('does not raise again for a code already disabled or rotated in the same episode, unless the count doubles', () => {
    const resolved = state({ status: 'resolved', referenceCount: 60 });
    expect(nextAlertStep(resolved, { last24h: 90 }, now)).toBe('track');
    expect(nextAlertStep(resolved, { last24h: 120 }, now)).toBe('raise');
    expect(nextAlertStep({ ...resolved, lastFiredAt: now - QUIET_MS }, { last24h: 25 }, now)).toBe('raise');
    expect(nextAlertStep(resolved, null, now)).toBe('none');
  });
});

describe('one card per code', () => {
  const a = (over: Partial<CardAlert>): CardAlert => ({ codeId: 'cod_1', status: 'open', resolvedAt: null, ...over });

  it('puts the live alerts of a code on one card, whatever their rules and states', () => {
    expect(sameCard(a({}), a({ status: 'acknowledged' }))).toBe(true);
    expect(sameCard(a({}), a({ codeId: 'cod_2' }))).toBe(false);
    expect(cardStatus(['acknowledged', 'open'])).toBe('open');
    expect(cardStatus(['acknowledged', 'acknowledged'])).toBe('acknowledged');
  });

  it('keeps resolved alerts apart from live ones, together when one action settled them', () => {
    expect(sameCard(a({}), a({ status: 'resolved', resolvedAt: now }))).toBe(false);
    expect(sameCard(a({ status: 'resolved', resolvedAt: now }), a({ status: 'resolved', resolvedAt: now }))).toBe(true);
    expect(sameCard(a({ status: 'resolved', resolvedAt: now }), a({ status: 'resolved', resolvedAt: recent }))).toBe(
      false,
    );
    expect(cardStatus(['resolved', 'resolved'])).toBe('resolved');
  });
});
