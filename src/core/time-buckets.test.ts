import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDays,
  bucketRange,
  bucketStart,
  dayKey,
  isDateKey,
  isoWeekLabel,
  isTimeZone,
  MAX_BUCKETS,
  weekKey,
  weekOfDay,
} from './time-buckets.js';

const HOUR = 3_600_000;
const at = (iso: string) => Date.parse(iso);
const hoursIn = (key: string, tz: string) => (bucketStart(addDays(key, 1), tz) - bucketStart(key, tz)) / HOUR;

describe('dayKey', () => {
  it.each([
    ['2024-01-01T22:59:59Z', 'Europe/Berlin', '2024-01-01'],
    ['2024-01-01T23:00:00Z', 'Europe/Berlin', '2024-01-02'],
    ['2024-07-01T21:59:59Z', 'Europe/Berlin', '2024-07-01'],
    ['2024-07-01T22:00:00Z', 'Europe/Berlin', '2024-07-02'],
    ['2024-01-02T04:59:59Z', 'America/New_York', '2024-01-01'],
    ['2024-01-02T05:00:00Z', 'America/New_York', '2024-01-02'],
    ['2024-01-01T18:14:59Z', 'Asia/Kathmandu', '2024-01-01'],
    ['2024-01-01T18:15:00Z', 'Asia/Kathmandu', '2024-01-02'],
    ['2024-01-14T10:14:59Z', 'Pacific/Chatham', '2024-01-14'],
    ['2024-01-14T10:15:00Z', 'Pacific/Chatham', '2024-01-15'],
    ['2024-07-14T11:14:59Z', 'Pacific/Chatham', '2024-07-14'],
    ['2024-07-14T11:15:00Z', 'Pacific/Chatham', '2024-07-15'],
    ['2024-02-29T23:59:59.999Z', 'UTC', '2024-02-29'],
    ['2024-03-01T00:00:00Z', 'UTC', '2024-03-01'],
    ['2024-03-01T00:00:00Z', 'utc', '2024-03-01'],
    ['1969-12-31T23:59:59.999Z', 'UTC', '1969-12-31'],
  ])('%s in %s -> %s', (iso, tz, key) => expect(dayKey(at(iso), tz)).toBe(key));

  it('throws on an unknown zone or an instant outside 0001..9999', () => {
    expect(() => dayKey(0, 'Mars/Olympus')).toThrow(RangeError);
    expect(() => dayKey(Number.NaN, 'UTC')).toThrow(RangeError);
    expect(() => dayKey(8.64e15, 'UTC')).toThrow(RangeError);
  });
});

describe('bucketStart: local midnights, whatever the day length', () => {
  it.each([
    // Spring forward (23 h) and fall back (25 h) in Europe and North America.
    ['Europe/Berlin', '2024-03-31', '2024-03-30T23:00:00Z', 23],
    ['Europe/Berlin', '2024-10-27', '2024-10-26T22:00:00Z', 25],
    ['America/New_York', '2024-03-10', '2024-03-10T05:00:00Z', 23],
    ['America/New_York', '2024-11-03', '2024-11-03T04:00:00Z', 25],
    ['Europe/Berlin', '2024-06-15', '2024-06-14T22:00:00Z', 24],
    ['America/New_York', '2024-01-15', '2024-01-15T05:00:00Z', 24],
    // Quarter-hour offsets; Chatham also moves its clock at 02:45 / 03:45.
    ['Asia/Kathmandu', '2024-01-02', '2024-01-01T18:15:00Z', 24],
    ['Pacific/Chatham', '2024-01-15', '2024-01-14T10:15:00Z', 24],
    ['Pacific/Chatham', '2024-07-15', '2024-07-14T11:15:00Z', 24],
    ['Pacific/Chatham', '2024-04-07', '2024-04-06T10:15:00Z', 25],
    ['Pacific/Chatham', '2024-09-29', '2024-09-28T11:15:00Z', 23],
    ['UTC', '2024-02-29', '2024-02-29T00:00:00Z', 24],
    // Midnight skipped: the date begins at 01:00 -03, the instant the clock jumps to.
    ['America/Santiago', '2024-09-08', '2024-09-08T04:00:00Z', 23],
    // Midnight repeated (01:00 -> 00:00): the earlier 00:00.
    ['America/Havana', '2024-11-03', '2024-11-03T04:00:00Z', 25],
    // 00:00 -> 23:00 of the day before: the 28th gets the repeated hour, the 29th starts at the second 00:00.
    ['Asia/Beirut', '2023-10-28', '2023-10-27T21:00:00Z', 25],
    ['Asia/Beirut', '2023-10-29', '2023-10-28T22:00:00Z', 24],
  ])('%s %s starts at %s and lasts %i h', (tz, key, iso, hours) => {
    expect(new Date(bucketStart(key, tz)).toISOString()).toBe(new Date(at(iso)).toISOString());
    expect(hoursIn(key, tz)).toBe(hours);
  });

  it('gives a date the zone skipped (Samoa, 2011-12-30) zero length', () => {
    expect(hoursIn('2011-12-30', 'Pacific/Apia')).toBe(0);
    expect(bucketStart('2011-12-31', 'Pacific/Apia')).toBe(at('2011-12-30T10:00:00Z'));
    expect(dayKey(at('2011-12-30T09:59:59Z'), 'Pacific/Apia')).toBe('2011-12-29');
    expect(dayKey(at('2011-12-30T10:00:00Z'), 'Pacific/Apia')).toBe('2011-12-31');
  });

  it.each(['2023-02-29', '2024-13-01', '2024-1-01', '0000-01-01', '', '2024-01-01T00:00'])(
    'throws on key %j',
    (key) => {
      expect(() => bucketStart(key, 'UTC')).toThrow(RangeError);
    },
  );
});

describe('week keys', () => {
  it.each([
    ['2020-12-31', '2020-12-28', '2020-W53'],
    ['2021-01-03', '2020-12-28', '2020-W53'],
    ['2021-01-04', '2021-01-04', '2021-W01'],
    ['2024-12-29', '2024-12-23', '2024-W52'],
    ['2024-12-30', '2024-12-30', '2025-W01'],
    ['2025-01-01', '2024-12-30', '2025-W01'],
    ['2026-01-01', '2025-12-29', '2026-W01'],
    ['2026-12-31', '2026-12-28', '2026-W53'],
    ['2027-01-03', '2026-12-28', '2026-W53'],
    ['2015-12-31', '2015-12-28', '2015-W53'],
    ['2016-01-03', '2015-12-28', '2015-W53'],
    ['2024-02-29', '2024-02-26', '2024-W09'],
  ])('%s is in the week of Monday %s (%s)', (day, monday, label) => {
    expect(weekOfDay(day)).toBe(monday);
    expect(isoWeekLabel(day)).toBe(label);
  });

  it('takes the local date first: a Sunday evening in New York is already Monday in UTC', () => {
    const t = at('2024-01-08T02:00:00Z'); // Sunday 21:00 in New York
    expect(weekKey(t, 'America/New_York')).toBe('2024-01-01');
    expect(weekKey(t, 'UTC')).toBe('2024-01-08');
  });
});

describe('bucketRange', () => {
  it('lists every day inclusive, with the DST days 23 and 25 hours long and no gaps', () => {
    const days = bucketRange('2024-03-30', '2024-04-01', 'Europe/Berlin', 'day');
    expect(days.map((b) => [b.key, (b.endMs - b.startMs) / HOUR])).toEqual([
      ['2024-03-30', 24],
      ['2024-03-31', 23],
      ['2024-04-01', 24],
    ]);
    days.slice(1).forEach((b, i) => expect(b.startMs).toBe(days[i]!.endMs));
  });

  it('extends weeks to whole ISO weeks and gives the fall-back week 169 hours', () => {
    const weeks = bucketRange('2024-10-23', '2024-10-29', 'Europe/Berlin', 'week');
    expect(weeks.map((b) => [b.key, (b.endMs - b.startMs) / HOUR])).toEqual([
      ['2024-10-21', 169],
      ['2024-10-28', 168],
    ]);
  });

  it('walks two years of days in awkward zones: each bucket is its own local date, lengths are the DST ones', () => {
    const allowed: Record<string, number[]> = {
      'Europe/Berlin': [23, 24, 25],
      'America/New_York': [23, 24, 25],
      'Pacific/Chatham': [23, 24, 25],
      'Australia/Lord_Howe': [23.5, 24, 24.5],
      'Asia/Kathmandu': [24],
      UTC: [24],
      'America/Santiago': [23, 24, 25],
    };
    for (const [tz, lengths] of Object.entries(allowed)) {
      for (const b of bucketRange('2023-01-01', '2024-12-31', tz, 'day')) {
        expect(lengths).toContain((b.endMs - b.startMs) / HOUR);
        expect(dayKey(b.startMs, tz)).toBe(b.key);
        expect(dayKey(b.endMs - 1, tz)).toBe(b.key);
      }
    }
  });

  it('refuses reversed and oversized ranges', () => {
    expect(() => bucketRange('2024-01-02', '2024-01-01', 'UTC', 'day')).toThrow(RangeError);
    expect(() => bucketRange('1990-01-01', '2024-01-01', 'UTC', 'day')).toThrow(String(MAX_BUCKETS));
    expect(bucketRange('1990-01-01', '2024-01-01', 'UTC', 'week').length).toBe(1775);
  });
});

describe('isTimeZone and keys', () => {
  it.each([
    ['UTC', true],
    ['utc', true],
    ['Europe/Berlin', true],
    ['europe/berlin', true],
    ['Asia/Kathmandu', true],
    ['Mars/Olympus', false],
    ['', false],
    ['Europe/Berlin ', false],
    ['x'.repeat(100), false],
  ])('%j -> %s', (tz, valid) => expect(isTimeZone(tz)).toBe(valid));

  it('validates and adds calendar days', () => {
    expect(isDateKey('2024-02-29')).toBe(true);
    expect(isDateKey('2023-02-29')).toBe(false);
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(addDays('2024-12-31', 1)).toBe('2025-01-01');
  });
});

const zones = [
  'UTC',
  'Europe/Berlin',
  'America/New_York',
  'Asia/Kathmandu',
  'Pacific/Chatham',
  'America/Santiago',
  'America/Havana',
  'Asia/Beirut',
  'Pacific/Apia',
  'Australia/Lord_Howe',
  'Europe/Dublin',
  'Africa/Casablanca',
  'America/St_Johns',
  'Asia/Tehran',
  'Antarctica/Troll',
  'Pacific/Kiritimati',
  'Pacific/Niue',
];

describe('properties', () => {
  const instant = fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(2040, 0, 1) });

  it("puts an instant after the clock fell back across midnight in the day that had begun (St. John's, 2006)", () => {
    // 2006-10-29 00:01 NDT: the clock went back to 2006-10-28 23:01 NST, after 2006-10-29 had begun (02:30 UTC).
    const t = Date.parse('2006-10-29T02:31:00Z');
    const key = dayKey(t, 'America/St_Johns');
    expect(key).toBe('2006-10-29');
    expect(bucketStart(key, 'America/St_Johns')).toBeLessThanOrEqual(t);
    expect(t).toBeLessThan(bucketStart(addDays(key, 1), 'America/St_Johns'));
  });

  it('every instant lies in its day: bucketStart(dayKey(t)) <= t < bucketStart(next day)', () => {
    fc.assert(
      fc.property(instant, fc.constantFrom(...zones), (t, tz) => {
        const key = dayKey(t, tz);
        return bucketStart(key, tz) <= t && t < bucketStart(addDays(key, 1), tz);
      }),
      { numRuns: 3000 },
    );
  });

  it('every instant lies in its week, which starts on the Monday its key names', () => {
    fc.assert(
      fc.property(instant, fc.constantFrom(...zones), (t, tz) => {
        const key = weekKey(t, tz);
        return (
          new Date(`${key}T00:00:00Z`).getUTCDay() === 1 &&
          bucketStart(key, tz) <= t &&
          t < bucketStart(addDays(key, 7), tz)
        );
      }),
      { numRuns: 1000 },
    );
  });
});
