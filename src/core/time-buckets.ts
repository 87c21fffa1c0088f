// SPEC §5: report series by day or ISO week, in the workspace's time zone or a `tz` asked for.
// A local day is not always 24 hours long: DST days have 23 or 25, Chatham's DST moves the clock at 02:45, some zones
// have changed clocks at midnight itself (America/Santiago skips 00:00, Asia/Beirut repeats 23:00 of the day before)
// and Pacific/Apia skipped 2011-12-30 entirely. So every boundary is computed from the zone's offset at that local
// midnight, never by adding 86,400,000 ms to the previous one.

/** 'YYYY-MM-DD', a local calendar date. A week is keyed by its Monday's date. */
export type BucketUnit = 'day' | 'week';

export interface Bucket {
  key: string;
  /** The first instant (UTC ms) of the bucket's local date(s). */
  startMs: number;
  /** The first instant of the next bucket: end-exclusive, so adjacent buckets neither overlap nor leave gaps. */
  endMs: number;
}

/** A range longer than this (27 years of days) is a mistyped date, not a report worth building. */
export const MAX_BUCKETS = 10_000;

const MS_PER_DAY = 86_400_000;
// Keys stay 4-digit years; a day of margin keeps every zone's local date inside 0001..9999.
const MIN_INSTANT = utcMs(1, 1, 2);
const MAX_INSTANT = utcMs(9999, 12, 31);

const formats = new Map<string, Intl.DateTimeFormat>();
// `tz` comes from query strings, and "europe/berlin", "EUROPE/Berlin"… are all valid spellings: bound the cache.
const MAX_CACHED_ZONES = 500;

function wallFormat(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (!f) {
    // Gregorian calendar and Latin digits whatever the host locale; h23 so midnight reads 00, not 24.
    f = new Intl.DateTimeFormat('en-US-u-ca-gregory-nu-latn', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    if (formats.size >= MAX_CACHED_ZONES) formats.clear();
    formats.set(timeZone, f);
  }
  return f;
}

function utcMs(year: number, month: number, day: number, h = 0, m = 0, s = 0): number {
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0..99 as 1900..1999.
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(h, m, s, 0);
  return d.getTime();
}

/** The local wall-clock time of the instant written as if it were UTC, to the second (Intl drops milliseconds). */
function wallMs(ms: number, tz: string): number {
  const parts = wallFormat(tz).formatToParts(ms);
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)!.value);
  return utcMs(get('year'), get('month'), get('day'), get('hour'), get('minute'), get('second'));
}

/** The zone's UTC offset in ms at the instant. */
function offsetAt(ms: number, tz: string): number {
  return wallMs(ms, tz) - (ms - (((ms % 1000) + 1000) % 1000));
}

function assertInstant(ms: number): void {
  if (!Number.isFinite(ms) || ms < MIN_INSTANT || ms >= MAX_INSTANT)
    throw new RangeError(`instant out of range: ${ms}`);
}

function toKey(utcMidnight: number): string {
  return new Date(utcMidnight).toISOString().slice(0, 10);
}

/** The key's date at 00:00 UTC; throws on anything but a real 'YYYY-MM-DD' date (no 2023-02-29). */
function keyMs(key: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(key);
  const ms = m ? utcMs(Number(m[1]), Number(m[2]), Number(m[3])) : NaN;
  if (!m || m[1] === '0000' || toKey(ms) !== key) throw new RangeError(`not a date key: ${JSON.stringify(key)}`);
  return ms;
}

/** True for any zone name Intl knows, in any letter case ("utc", "Europe/berlin"), and its aliases. */
export function isTimeZone(tz: string): boolean {
  if (typeof tz !== 'string' || tz === '' || tz.length > 64) return false;
  try {
    wallFormat(tz);
    return true;
  } catch {
    return false;
  }
}

/** True when `key` is a real 'YYYY-MM-DD' date. */
export function isDateKey(key: string): boolean {
  try {
    keyMs(key);
    return true;
  } catch {
    return false;
  }
}

/** Calendar arithmetic on keys. Dates carry no zone, so here (and only here) a day is 86,400,000 ms. */
export function addDays(key: string, days: number): string {
  if (!Number.isSafeInteger(days)) throw new RangeError(`days must be an integer: ${days}`);
  return toKey(keyMs(key) + days * MS_PER_DAY);
}

/** The local date of the instant in the zone. Throws RangeError on an unknown zone. */
export function dayKey(ms: number, tz: string): string {
  assertInstant(ms);
  const key = toKey(wallMs(ms, tz));
  if (key >= LAST_KEY) return key;
  // Where the clock went back across midnight (America/St_Johns fell back at 00:01 until 2011), an instant can read
  // the previous date after the next one has begun. A day is [its first midnight, the next day's first midnight), so
  // such an instant is the next day's: days then never overlap, and the rollups agree with a rebuild by range.
  const next = addDays(key, 1);
  return ms >= bucketStart(next, tz) ? next : key;
}
const LAST_KEY = '9999-12-31';

/** The Monday of the ISO week (Monday..Sunday) containing the date. */
export function weekOfDay(key: string): string {
  const ms = keyMs(key);
  const sinceMonday = (new Date(ms).getUTCDay() + 6) % 7;
  return toKey(ms - sinceMonday * MS_PER_DAY);
}

/** The Monday of the ISO week containing the instant's local date. */
export function weekKey(ms: number, tz: string): string {
  return weekOfDay(dayKey(ms, tz));
}

/** "2020-W53": the ISO week-year is the year of the week's Thursday, so 2021-01-01 belongs to 2020-W53. */
export function isoWeekLabel(key: string): string {
  const thursday = keyMs(weekOfDay(key)) + 3 * MS_PER_DAY;
  const year = new Date(thursday).getUTCFullYear();
  const week = Math.floor((thursday - utcMs(year, 1, 1)) / (7 * MS_PER_DAY)) + 1;
  return `${String(year).padStart(4, '0')}-W${String(week).padStart(2, '0')}`;
}

/**
 * The first instant of the local date `key` in the zone: usually its 00:00. When 00:00 happens twice (a fall-back
 * at 01:00, America/Havana) it is the earlier; when 00:00 is skipped (America/Santiago) it is the instant the clock
 * jumps to, since that is where the date begins; for a date the zone skipped entirely it equals the next date's start.
 * A week key (a Monday) gives the week's start.
 */
export function bucketStart(key: string, tz: string): number {
  const wall = keyMs(key);
  // A zone changes offset at most once around a given midnight, so the offsets a day either side bracket it.
  const candidates = [...new Set([-MS_PER_DAY, 0, MS_PER_DAY].map((d) => wall - offsetAt(wall + d, tz)))];
  const exact = candidates.filter((t) => wallMs(t, tz) === wall);
  if (exact.length > 0) return Math.min(...exact);
  // 00:00 does not exist: find the first second whose wall clock is at or past it (the transition).
  let lo = Math.min(...candidates);
  let hi = Math.max(...candidates);
  if (!(wallMs(lo, tz) < wall && wallMs(hi, tz) > wall)) throw new RangeError(`cannot place ${key} 00:00 in ${tz}`);
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (wallMs(mid, tz) >= wall) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * Every bucket from the one containing `from` to the one containing `to`, both inclusive, each with its UTC start and
 * end: the x axis of a series, with the empty days present. For weeks, `from` and `to` may be any day of their week.
 */
export function bucketRange(from: string, to: string, tz: string, unit: BucketUnit): Bucket[] {
  const first = unit === 'week' ? weekOfDay(from) : toKey(keyMs(from));
  const last = unit === 'week' ? weekOfDay(to) : toKey(keyMs(to));
  if (first > last) throw new RangeError(`from ${from} is after to ${to}`);
  const step = unit === 'week' ? 7 : 1;
  const count = Math.round((keyMs(last) - keyMs(first)) / (step * MS_PER_DAY)) + 1;
  if (count > MAX_BUCKETS) throw new RangeError(`${count} buckets exceed the limit of ${MAX_BUCKETS}`);
  const buckets: Bucket[] = [];
  let key = first;
  let startMs = bucketStart(key, tz);
  for (let i = 0; i < count; i++) {
    const next = addDays(key, step);
    const endMs = bucketStart(next, tz);
    buckets.push({ key, startMs, endMs });
    key = next;
    startMs = endMs;
  }
  return buckets;
}

/**
 * dayKey for streams of instants: the click writer and rollup rebuilds place millions of clicks, and Intl costs
 * microseconds a call. Instants arrive roughly in order, so remembering the last local day's [start, end) answers
 * almost every call with two comparisons; a miss costs the same as dayKey plus two bucketStart calls.
 */
export class LocalDays {
  private key = '';
  private startMs = 0;
  private endMs = 0;

  constructor(readonly timeZone: string) {
    if (!isTimeZone(timeZone)) throw new RangeError(`unknown time zone: ${timeZone}`);
  }

  keyOf(ms: number): string {
    if (ms >= this.startMs && ms < this.endMs) return this.key;
    const key = dayKey(ms, this.timeZone);
    this.key = key;
    this.startMs = bucketStart(key, this.timeZone);
    this.endMs = bucketStart(addDays(key, 1), this.timeZone);
    return key;
  }
}

/** The coarse rollup periods a local day belongs to: its ISO week ("W" + its Monday) and its month ("M" + YYYY-MM). */
export function periodsOfDay(day: string): [week: string, month: string] {
  return [`W${weekOfDay(day)}`, `M${day.slice(0, 7)}`];
}

/** A rollup key — a local day, or a period ("W" + Monday, "M" + YYYY-MM) — and how many times its sums count. */
export interface CoverTerm {
  key: string;
  weight: number;
}

/** The first and last local days that hold any rollup row: days outside hold nothing, whatever is asked. */
export interface DataSpan {
  first: string;
  last: string;
}

/**
 * Few rollup keys whose weighted sums equal the sums of the local days [from, to]: whole months, whole ISO weeks and
 * single days, added or subtracted. A partial month or week is read as its days, or as the whole period minus the
 * days it has outside the range, whichever takes fewer keys; days outside `span` hold nothing, so a period reaching
 * past the data counts as whole (a report ending today reads this month as one key). 90 days ending today read 5
 * keys per member where single days would read 90 (ADR 0006, "Weeks and months").
 */
export function coverRange(from: string, to: string, span: DataSpan | null = null): CoverTerm[] {
  const a = span && from < span.first ? span.first : from;
  const b = span && to > span.last ? span.last : to;
  if (a > b) return [];
  const holdsData = (d: string) => !span || (d >= span.first && d <= span.last);
  const daysWithData = (x: string, y: string) => {
    const out: string[] = [];
    for (let d = x; d <= y; d = addDays(d, 1)) if (holdsData(d)) out.push(d);
    return out;
  };
  const negated = (terms: CoverTerm[]) => terms.map((t) => ({ key: t.key, weight: -t.weight }));
  /** [x, y] by ISO weeks: each week whole, as its days, or whole minus its days outside [x, y]. */
  const byWeeks = (x: string, y: string): CoverTerm[] => {
    const out: CoverTerm[] = [];
    for (let w = weekOfDay(x); w <= y; w = addDays(w, 7)) {
      const sunday = addDays(w, 6);
      const inside = daysWithData(w < x ? x : w, sunday > y ? y : sunday);
      if (!inside.length) continue;
      const outside = [...daysWithData(w, addDays(x, -1)), ...daysWithData(addDays(y, 1), sunday)];
      if (!outside.length) out.push({ key: `W${w}`, weight: 1 });
      else if (1 + outside.length < inside.length)
        out.push({ key: `W${w}`, weight: 1 }, ...outside.map((d) => ({ key: d, weight: -1 })));
      else out.push(...inside.map((d) => ({ key: d, weight: 1 })));
    }
    return out;
  };
  const nextMonth = (d: string) => {
    const [y, m] = [Number(d.slice(0, 4)), Number(d.slice(5, 7))];
    return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
  };
  const terms: CoverTerm[] = [];
  for (let first = `${a.slice(0, 8)}01`; first <= b; first = nextMonth(first)) {
    const last = addDays(nextMonth(first), -1);
    const x = first < a ? a : first;
    const y = last > b ? b : last;
    if (!daysWithData(x, y).length) continue;
    const before = x > first ? byWeeks(first, addDays(x, -1)) : [];
    const after = y < last ? byWeeks(addDays(y, 1), last) : [];
    const partial = byWeeks(x, y);
    if (!before.length && !after.length) terms.push({ key: `M${first.slice(0, 7)}`, weight: 1 });
    else if (1 + before.length + after.length < partial.length)
      terms.push({ key: `M${first.slice(0, 7)}`, weight: 1 }, ...negated(before), ...negated(after));
    else terms.push(...partial);
  }
  // A week straddling two months may be used by both: add up each key's weights.
  const weights = new Map<string, number>();
  for (const t of terms) weights.set(t.key, (weights.get(t.key) ?? 0) + t.weight);
  return [...weights].filter(([, w]) => w !== 0).map(([key, weight]) => ({ key, weight }));
}
