// A calendar day of a named zone as the instants list filters send (web/shared/zoned.ts): the day's first millisecond
// and the next day's, across DST changes and zones far from UTC; the browser's own zone without a known one.
import { describe, expect, it } from 'vitest';
import { dayBounds, dayOf, endOfDay } from '../../web/shared/zoned.js';

describe('dayBounds', () => {
  it('gives the start of the day and of the next day on the zone’s clock', () => {
    expect(dayBounds('2030-06-30', 'UTC')).toEqual({
      start: '2030-06-30T00:00:00.000Z',
      end: '2030-07-01T00:00:00.000Z',
    });
    expect(dayBounds('2030-06-30', 'America/New_York')).toEqual({
      start: '2030-06-30T04:00:00.000Z',
      end: '2030-07-01T04:00:00.000Z',
    });
    expect(dayBounds('2030-06-30', 'Pacific/Kiritimati')).toEqual({
      start: '2030-06-29T10:00:00.000Z',
      end: '2030-06-30T10:00:00.000Z',
    });
    expect(dayBounds('2030-12-31', 'Asia/Kolkata')).toEqual({
      start: '2030-12-30T18:30:00.000Z',
      end: '2030-12-31T18:30:00.000Z',
    });
  });

  it('keeps 23- and 25-hour days whole when summer time starts or ends', () => {
    expect(dayBounds('2030-03-31', 'Europe/Paris')).toEqual({
      start: '2030-03-30T23:00:00.000Z',
      end: '2030-03-31T22:00:00.000Z',
    });
    expect(dayBounds('2030-11-03', 'America/New_York')).toEqual({
      start: '2030-11-03T04:00:00.000Z',
      end: '2030-11-04T05:00:00.000Z',
    });
  });

  it('agrees with endOfDay and dayOf', () => {
    for (const zone of ['UTC', 'Europe/Paris', 'America/Los_Angeles', 'Pacific/Kiritimati', 'Etc/GMT+12']) {
      const b = dayBounds('2030-10-27', zone)!;
      expect(new Date(Date.parse(b.end) - 1).toISOString()).toBe(endOfDay('2030-10-27', zone));
      expect(dayOf(b.start, zone)).toBe('2030-10-27');
      expect(dayOf(new Date(Date.parse(b.start) - 1).toISOString(), zone)).toBe('2030-10-26');
      expect(dayOf(b.end, zone)).toBe('2030-10-28');
    }
  });

  it('falls back to the browser’s zone for an unknown zone, and refuses a malformed day', () => {
    const local = { start: new Date(2030, 5, 30).toISOString(), end: new Date(2030, 6, 1).toISOString() };
    expect(dayBounds('2030-06-30', 'Mars/Olympus')).toEqual(local);
    expect(dayBounds('2030-06-30')).toEqual(local);
    expect(dayBounds('30/06/2030', 'UTC')).toBeNull();
  });
});
