// Calendar days in a named time zone (the workspace's, as reports use), computed with Intl alone.
// Without a zone, or with one Intl does not know, the browser's own zone is used. Pure; tested on Node.

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

function validZone(timeZone: string | undefined): string | undefined {
  if (!timeZone) return undefined;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return timeZone;
  } catch {
    return undefined;
  }
}

/** How far the zone's wall clock is ahead of UTC at an instant, in ms (whole seconds). */
export function zoneOffset(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(instant));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - Math.floor(instant / 1000) * 1000;
}

/** The instant (ms) a day starts on a zone's clock; the browser's zone without a valid one. Days past a month's end roll over. */
function startOf(y: number, mo: number, d: number, timeZone?: string): number {
  const zone = validZone(timeZone);
  if (!zone) return new Date(y, mo, d).getTime();
  // Midnight on the zone's clock; asked twice so a DST change that day is taken into account.
  const wall = Date.UTC(y, mo, d);
  const t = wall - zoneOffset(wall, zone);
  return wall - zoneOffset(t, zone);
}

function parts(day: string): [number, number, number] | null {
  const m = DAY.exec(day);
  return m ? [Number(m[1]), Number(m[2]) - 1, Number(m[3])] : null;
}

/** The last millisecond of a day ("2030-06-30") in a zone, as an ISO instant; null for a malformed day. */
export function endOfDay(day: string, timeZone?: string): string | null {
  const p = parts(day);
  return p ? new Date(startOf(p[0], p[1], p[2] + 1, timeZone) - 1).toISOString() : null;
}

/**
 * A day ("2030-06-30") in a zone as ISO instants: its first millisecond and the first of the next day (an
 * exclusive end, as list filters read `to`); null for a malformed day.
 */
export function dayBounds(day: string, timeZone?: string): { start: string; end: string } | null {
  const p = parts(day);
  if (!p) return null;
  return {
    start: new Date(startOf(p[0], p[1], p[2], timeZone)).toISOString(),
    end: new Date(startOf(p[0], p[1], p[2] + 1, timeZone)).toISOString(),
  };
}

/** The day ("2030-06-30") an instant falls on in a zone; '' for none. */
export function dayOf(iso: string | null, timeZone?: string): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  // en-CA writes dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: validZone(timeZone),
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(d);
}
