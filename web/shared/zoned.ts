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
    timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
  }).formatToParts(new Date(instant));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - Math.floor(instant / 1000) * 1000;
}

/** The last millisecond of a day ("2030-06-30") in a zone, as an ISO instant; null for a malformed day. */
export function endOfDay(day: string, timeZone?: string): string | null {
  const m = DAY.exec(day);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]) - 1, Number(m[3])];
  const zone = validZone(timeZone);
  if (!zone) return new Date(new Date(y, mo, d + 1).getTime() - 1).toISOString();
  // Midnight starting the next day on the zone's clock; asked twice so a DST change that day is taken into account.
  const wall = Date.UTC(y, mo, d + 1);
  let t = wall - zoneOffset(wall, zone);
  t = wall - zoneOffset(t, zone);
  return new Date(t - 1).toISOString();
}

/** The day ("2030-06-30") an instant falls on in a zone; '' for none. */
export function dayOf(iso: string | null, timeZone?: string): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  // en-CA writes dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone: validZone(timeZone), year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
}
