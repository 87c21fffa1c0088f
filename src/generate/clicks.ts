// The click stream of a generated data set: N clicks in time order, written in big batches. Shapes: a Zipf power law
// over creators with posting bursts, weekly seasonality and a daily curve in the workspace's zone, in-app browsers per
// platform, ~3 % bots, untracked clicks on the offer that ended, repeat visitors. Each row is what the redirect would
// have written (tracking/redirect.ts): click ids from core/click-id.ts, keyed IP hashes, bot verdicts from
// core/visitor.ts, and is_unique decided by core/unique-clicks.ts in time order.
import { newClickId } from '../core/click-id.js';
import { AliasTable, apportion, hourFactor, isWeekend, Rng, WEEKDAY_FACTOR } from '../core/synthetic.js';
import { addDays, bucketStart, dayKey } from '../core/time-buckets.js';
import { UNIQUE_WINDOW_MS } from '../core/unique-clicks.js';
import { classifyUserAgent, hashIp } from '../core/visitor.js';
import { CLICK_CELLS, type BulkWriter, type EncodedClicks } from '../db/bulk-insert.js';
import type { Platform, World } from './world.js';

const HOUR_MS = 3_600_000;
const BOT_SHARE = 0.03;
const REPEAT_SHARE = 0.2;
/** Share of all traffic on generic links (a brand's bio link, a newsletter link). */
const GENERIC_SHARE = 0.03;
/** Traffic an offer's links still get after it ended: old posts keep being clicked. */
const AFTER_END = 0.12;
/** Clicks per write: small enough that a batch's rows die young (garbage collection), see BulkWriter for commits. */
const BATCH = 10_000;
const CELLS = CLICK_CELLS.length;

/** A tracked, non-bot click that may turn into an order. */
export interface ClickCandidate {
  clickId: string;
  at: number;
  link: number;
}

export interface ClickStats {
  clicks: number;
  unique: number;
  bots: number;
  untracked: number;
}

// ---- visitors and their browsers ----

type Device = 'iphone' | 'android' | 'windows' | 'mac' | 'ipad';
type Context = Platform | 'browser';
const DEVICES: Device[] = ['iphone', 'android', 'windows', 'mac', 'ipad'];
const CONTEXTS: Context[] = ['instagram', 'tiktok', 'youtube', 'browser'];

const IOS = ['17_4', '17_3', '16_6'];
const ANDROID = [
  ['14', 'SM-S918B'],
  ['13', 'Pixel 7'],
  ['14', 'Pixel 8'],
  ['12', 'SM-A525F'],
];

function userAgentOf(device: Device, context: Context, variant: number): string {
  const ios = IOS[variant % IOS.length]!;
  const [av, model] = ANDROID[variant % ANDROID.length]!;
  switch (device) {
    case 'iphone': {
      const base = `Mozilla/5.0 (iPhone; CPU iPhone OS ${ios} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)`;
      if (context === 'instagram')
        return `${base} Mobile/15E148 Instagram 325.0.1.28.108 (iPhone15,3; iOS ${ios}; en_US; en; scale=3.00; 1290x2796; 587453184)`;
      if (context === 'tiktok')
        return `${base} Mobile/15E148 musical_ly_33.8.0 JsSdk/2.0 NetType/WIFI Channel/App Store ByteLocale/en Region/US WKWebView/1 BytedanceWebview/d8a21c6`;
      return `${base} Version/${ios.replace('_', '.')} Mobile/15E148 Safari/604.1`;
    }
    case 'android': {
      const base = `Mozilla/5.0 (Linux; Android ${av}; ${model}`;
      if (context === 'instagram')
        return `${base} Build/UP1A.231005.007; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/123.0.6312.99 Mobile Safari/537.36 Instagram 325.0.0.35.91 Android (34/${av}; 480dpi; 1080x2340; en_US; 588013470)`;
      if (context === 'tiktok')
        return `${base} Build/TQ3A.230901.001; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/122.0.6261.119 Mobile Safari/537.36 trill_330804 JsSdk/1.0 NetType/MOBILE Channel/googleplay AppName/trill app_version/33.8.4 BytedanceWebview/d8a21c6`;
      return `${base}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36`;
    }
    case 'ipad':
      return `Mozilla/5.0 (iPad; CPU OS ${ios} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${ios.replace('_', '.')} Mobile/15E148 Safari/604.1`;
    case 'windows':
      return variant % 2
        ? 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36'
        : 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0';
    case 'mac':
      return 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15';
  }
}

const BOT_AGENTS = [
  'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)',
  'Twitterbot/1.0',
  'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
  'WhatsApp/2.23.20.0',
  'TelegramBot (like TwitterBot)',
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
  'Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)',
  'curl/8.4.0',
  'python-requests/2.31.0',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36',
];
/** Bots are a small pool of addresses (crawlers and preview fetchers come back); people are numbered before them. */
export const BOT_VISITORS = 400;

const COUNTRIES: [string | null, number][] = [
  ['US', 42],
  ['GB', 12],
  ['CA', 8],
  ['DE', 6],
  ['FR', 5],
  ['AU', 5],
  ['ES', 3],
  ['IT', 3],
  ['BR', 3],
  ['IN', 3],
  ['NL', 2],
  ['MX', 2],
  ['SE', 1],
  ['IE', 1],
  [null, 4],
];

const COUNTRY_TOTAL = COUNTRIES.reduce((a, [, w]) => a + w, 0);

/** A visitor's country (null: the proxy sent no country header), the same on every click. */
function countryOf(v: number): string | null {
  let r = (mix(v, 3) / 4294967296) * COUNTRY_TOTAL;
  for (const [country, w] of COUNTRIES) {
    if (r < w) return country;
    r -= w;
  }
  return null;
}

/** A well-mixed 32-bit hash of (value, salt): visitor attributes are functions of the visitor, not of draw order. */
function mix(v: number, salt: number): number {
  let z = (Math.imul(v ^ salt, 0x9e3779b1) + salt) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

function referrer(context: Context | 'generic', rng: Rng): string | null {
  const r = rng.next();
  switch (context) {
    case 'instagram':
      return r < 0.45 ? 'l.instagram.com' : r < 0.55 ? 'linktr.ee' : r < 0.6 ? 'www.instagram.com' : null;
    case 'tiktok':
      return r < 0.35 ? 'www.tiktok.com' : r < 0.45 ? 'linktr.ee' : null;
    case 'youtube':
      return r < 0.7 ? 'www.youtube.com' : r < 0.8 ? 'm.youtube.com' : null;
    default:
      return r < 0.3
        ? 'www.google.com'
        : r < 0.4
          ? 'www.instagram.com'
          : r < 0.45
            ? 't.co'
            : r < 0.5
              ? 'www.pinterest.com'
              : null;
  }
}

/** A visitor and browser as one small integer (visitors < 2^22, agents < 2^7), so the maps below hash it cheaply. */
const AGENT_SPACE = 2 ** 7;
const VISITOR_LIMIT = 2 ** 22;

/**
 * core/unique-clicks.ts's rule — a click is unique when its visitor has no unique click on the link in the last 24 h —
 * with one map per link on small integer keys, pruned in bulk rather than per click: the generator replays millions
 * of clicks in time order, and the bounded per-request structure the redirect uses would spend most of its time evicting.
 */
export class UniqueWindow {
  private readonly byLink = new Map<number, Map<number, number>>();
  private size = 0;
  private limit = 200_000;

  first(link: number, visitor: number, at: number): boolean {
    let seen = this.byLink.get(link);
    if (!seen) this.byLink.set(link, (seen = new Map()));
    const last = seen.get(visitor);
    if (last !== undefined && at - last < UNIQUE_WINDOW_MS) return false;
    if (last === undefined) this.size++;
    seen.set(visitor, at);
    if (this.size > this.limit) this.prune(at);
    return true;
  }

  private prune(at: number): void {
    this.size = 0;
    for (const seen of this.byLink.values()) {
      for (const [k, t] of seen) if (at - t >= UNIQUE_WINDOW_MS) seen.delete(k);
      this.size += seen.size;
    }
    this.limit = Math.max(200_000, this.size * 2);
  }
}

/** Makes click rows: the visitor pool, their hashed IPs and browsers, the unique-click memory, the write batches. */
export class ClickFactory {
  private readonly ipHash: number[] = [];
  private readonly ipTruncated: number[] = [];
  private readonly agents: { ua: number; device: number; isBot: boolean; botReason: number }[] = [];
  private readonly agentIndex = new Map<string, number>();
  private readonly uniques = new UniqueWindow();
  /** (device, context, variant) -> agent index: the strings are built once, not per click. */
  private readonly agentOf: number[] = [];
  private readonly ipSalt: number;
  /** Every string of the click rows, once; rows refer to them by index (EncodedClicks). */
  private readonly dictionary = new Map<string, number>();
  private readonly small = new Map<string, number>();
  private fresh: string[] = [];
  private readonly linkCells: Int32Array;
  private readonly headRequest: { ua: number; device: number; isBot: boolean; botReason: number } | null = null;
  private ids: string[] = [];
  private at = new Float64Array(BATCH);
  private cells = new Int32Array(BATCH * CELLS);
  private rows = 0;
  private inFlight: Promise<void> = Promise.resolve();
  readonly stats: ClickStats = { clicks: 0, unique: 0, bots: 0, untracked: 0 };

  constructor(
    private readonly world: World,
    private readonly writer: BulkWriter,
    /** People in the main pool; bots and coupon-site visitors are numbered after them. */
    readonly visitors: number,
    seed: number,
    private readonly onWritten: (written: number) => void,
  ) {
    this.ipSalt = mix(seed, 0x1f2e3d4c);
    const ws = this.code(world.ws.id);
    this.linkCells = Int32Array.from(
      world.links.flatMap((l) => [
        ws,
        this.code(l.id),
        this.code(world.offers[l.offer]!.id),
        l.member >= 0 ? this.code(world.members[l.member]!.id) : -1,
      ]),
    );
    this.headRequest = { ua: -1, device: this.code('bot'), isBot: true, botReason: this.code('head_request') };
  }

  private code(s: string | null): number {
    if (s === null) return -1;
    let i = this.dictionary.get(s);
    if (i === undefined) {
      i = this.dictionary.size;
      this.dictionary.set(s, i);
      this.fresh.push(s);
    }
    return i;
  }

  /**
   * code() for the few strings repeated on every click (referrers, countries, sub-ids): a lookup in the dictionary,
   * which holds every hashed IP, misses the CPU cache each time; this map stays small.
   */
  private smallCode(s: string | null): number {
    if (s === null) return -1;
    let i = this.small.get(s);
    if (i === undefined) this.small.set(s, (i = this.code(s)));
    return i;
  }

  private agent(ua: string): number {
    let i = this.agentIndex.get(ua);
    if (i === undefined) {
      if (this.agents.length >= AGENT_SPACE) throw new Error('too many distinct user agents for the unique-click key');
      i = this.agents.length;
      // The same verdict the redirect would reach for this string.
      const cls = classifyUserAgent(ua);
      this.agents.push({
        ua: this.code(ua),
        device: this.code(cls.device),
        isBot: cls.isBot,
        botReason: this.code(cls.botReason),
      });
      this.agentIndex.set(ua, i);
    }
    return i;
  }

  private ip(v: number): void {
    if (this.ipHash[v] !== undefined) return;
    if (v >= VISITOR_LIMIT) throw new Error('too many visitors for the unique-click key');
    // Multiplying by an odd constant is a bijection on 32 bits: distinct visitors never share an address.
    const x = (Math.imul(v + 1, 0x2545f491) ^ this.ipSalt) >>> 0;
    const prefix = `${x >>> 24}.${(x >>> 16) & 255}.${(x >>> 8) & 255}.`;
    this.ipHash[v] = this.code(hashIp(`${prefix}${x & 255}`, this.world.ws.ip_hash_key));
    // truncateIp of an IPv4 address: its /24.
    this.ipTruncated[v] = this.code(`${prefix}0`);
  }

  private personAgent(v: number, context: Context): number {
    const h = mix(v, 0x5bd1e995);
    const d = h % 100;
    const device = d < 48 ? 0 : d < 80 ? 1 : d < 90 ? 2 : d < 96 ? 3 : 4;
    // Most people open a creator's link inside the app they saw it in; a few have "open in browser" set.
    const inApp = (h >>> 8) % 100 < (context === 'tiktok' ? 85 : 75);
    const phone = device <= 1;
    const shown: Context = phone && inApp ? context : 'browser';
    const variant = (h >>> 16) % 12;
    const key = (device * CONTEXTS.length + CONTEXTS.indexOf(shown)) * 12 + variant;
    let ua = this.agentOf[key];
    if (ua === undefined) this.agentOf[key] = ua = this.agent(userAgentOf(DEVICES[device]!, shown, variant));
    return ua;
  }

  /** Appends one click; returns its id. `visitor` >= visitors + BOT_VISITORS are extra people (coupon-site shoppers). */
  add(
    link: number,
    at: number,
    opts: { bot: boolean; visitor: number; referrer: string | null; sub1: string | null },
  ): { id: string; credited: boolean } {
    const offer = this.world.offers[this.world.links[link]!.offer]!;
    const member = this.world.links[link]!.member;
    const v = opts.visitor;
    this.ip(v);
    const ua = opts.bot
      ? this.agent(BOT_AGENTS[mix(v, 7) % BOT_AGENTS.length]!)
      : this.personAgent(v, member >= 0 ? this.world.members[member]!.platform : 'browser');
    const agent = this.agents[ua]!;
    const cls = opts.bot && mix(v, 11) % 20 === 0 ? this.headRequest! : agent;
    const ends = offer.tracking.endsAt;
    const tracked = ends === null || at < ends;
    const credited = tracked && !cls.isBot;
    // (link, hashed IP, user agent) is the redirect's visitor key; distinct visitors have distinct IPs (see ip()).
    const unique = credited && this.uniques.first(link, v * AGENT_SPACE + ua, at);
    const id = newClickId(this.world.ws.click_tag, at);
    const r = this.rows++;
    if (r === this.at.length) {
      // More than a batch between flushes (the caller decides when to flush): grow.
      const at = new Float64Array(r * 2);
      at.set(this.at);
      const cells = new Int32Array(r * 2 * CELLS);
      cells.set(this.cells);
      this.at = at;
      this.cells = cells;
    }
    this.ids.push(id);
    this.at[r] = at;
    // In CLICK_CELLS order: workspace, link, offer, member, tracked, ip hash, ip /24, agent, referrer, country, device,
    // bot, bot reason, unique, sub1…sub5.
    const c = this.cells;
    const k = r * CELLS;
    c[k] = this.linkCells[link * 4]!;
    c[k + 1] = this.linkCells[link * 4 + 1]!;
    c[k + 2] = this.linkCells[link * 4 + 2]!;
    c[k + 3] = this.linkCells[link * 4 + 3]!;
    c[k + 4] = tracked ? 1 : 0;
    c[k + 5] = this.ipHash[v]!;
    c[k + 6] = this.ipTruncated[v]!;
    c[k + 7] = agent.ua;
    c[k + 8] = this.smallCode(opts.referrer);
    c[k + 9] = cls.isBot ? -1 : this.smallCode(countryOf(v));
    c[k + 10] = cls.device;
    c[k + 11] = cls.isBot ? 1 : 0;
    c[k + 12] = cls.botReason;
    c[k + 13] = unique ? 1 : 0;
    c[k + 14] = this.smallCode(opts.sub1);
    c[k + 15] = -1;
    c[k + 16] = -1;
    c[k + 17] = -1;
    c[k + 18] = -1;
    this.stats.clicks++;
    if (unique) this.stats.unique++;
    if (cls.isBot) this.stats.bots++;
    if (!tracked) this.stats.untracked++;
    return { id, credited };
  }

  get pending(): number {
    return this.rows;
  }

  /** Hands the batch to the writer and returns while it is written; the previous batch must be written first. */
  async flush(): Promise<void> {
    if (!this.rows) return;
    const rows = this.rows;
    const batch: EncodedClicks = {
      rows,
      ids: this.ids.join(''),
      at: this.at.slice(0, rows),
      cells: this.cells.slice(0, rows * CELLS),
      strings: this.fresh,
    };
    this.ids = [];
    this.fresh = [];
    this.rows = 0;
    await this.inFlight;
    const written = this.stats.clicks;
    const writing = this.writer.writeClicks(batch).then(() => this.onWritten(written));
    // Awaited by the next flush or drain; until then a failure must not count as unhandled.
    writing.catch(() => {});
    this.inFlight = writing;
  }

  /** Flushes and waits until every click is written. */
  async drain(): Promise<void> {
    await this.flush();
    await this.inFlight;
  }
}

/** One hour of local time (clipped to the range) and how many clicks fall in it. */
interface Slot {
  start: number;
  end: number;
  day: number;
  weight: number;
}

/** Hour slots over [from, to) in the zone, weighted by weekday, hour of day, a slow growth trend and day-to-day noise. */
export function trafficSlots(
  from: number,
  to: number,
  timeZone: string,
  rng: Rng,
): { slots: Slot[]; days: { start: number; end: number; key: string }[] } {
  const slots: Slot[] = [];
  const days: { start: number; end: number; key: string }[] = [];
  const last = dayKey(to - 1, timeZone);
  const span = Math.max(1, to - from);
  for (let key = dayKey(from, timeZone); key <= last; key = addDays(key, 1)) {
    const start = bucketStart(key, timeZone);
    const end = bucketStart(addDays(key, 1), timeZone);
    const dow = new Date(`${key}T00:00:00Z`).getUTCDay();
    const trend = 0.85 + (0.3 * (Math.max(start, from) - from)) / span;
    const dayWeight = WEEKDAY_FACTOR[dow]! * trend * rng.logNormal(1, 0.06);
    const day = days.length;
    days.push({ start, end, key });
    for (let h = 0; start + h * HOUR_MS < end; h++) {
      const s = Math.max(from, start + h * HOUR_MS);
      const e = Math.min(to, end, start + (h + 1) * HOUR_MS);
      if (e <= s) continue;
      slots.push({
        start: s,
        end: e,
        day,
        weight: dayWeight * hourFactor(Math.min(h, 23), isWeekend(dow)) * rng.logNormal(1, 0.04) * ((e - s) / HOUR_MS),
      });
    }
  }
  return { slots, days };
}

/** Per-day weights of every link: the member's power-law weight and posting bursts, split over their offers. */
function linkWeightsByDay(world: World, days: { start: number }[], rng: Rng): AliasTable[] {
  const shareSum = new Float64Array(world.members.length);
  for (const key of world.linkOf.keys()) {
    const [o, m] = key.split(':').map(Number) as [number, number];
    shareSum[m]! += world.offers[o]!.trafficShare;
  }
  const posted = new Uint8Array(world.members.length);
  return days.map(() => {
    const burst = new Float64Array(world.members.length);
    for (let m = 0; m < world.members.length; m++) {
      const post = rng.chance(0.1) ? 1 : 0;
      burst[m] = 1 + 1.8 * post + 0.6 * posted[m]!;
      posted[m] = post;
    }
    const weights = new Float64Array(world.links.length);
    let memberTotal = 0;
    world.links.forEach((l, i) => {
      if (l.member < 0) return;
      const offer = world.offers[l.offer]!;
      const m = world.members[l.member]!;
      // An ended offer's reduced share is applied per click (pickLink), exactly from the minute it ended.
      weights[i] = (m.weight * burst[l.member]! * offer.trafficShare * l.share) / shareSum[l.member]!;
      memberTotal += weights[i]!;
    });
    // Generic links: a small fixed share of the day's traffic; the main offer's bio link gets most of it.
    const generic = world.genericLinks;
    generic.forEach((i, k) => {
      weights[i] = memberTotal * GENERIC_SHARE * (k === 0 ? 0.7 : 0.3 / Math.max(1, generic.length - 1)) || 1e-9;
    });
    if (memberTotal === 0 && generic.length === 0) weights.fill(1);
    return new AliasTable(weights);
  });
}

/** How likely a tracked click on each link is to be kept as an order's click, so about `wanted` are kept. */
function candidateRates(world: World, eligible: number, wanted: number): Float64Array {
  const factor = world.links.map(
    (l) => world.offers[l.offer]!.conversionFactor * (l.member >= 0 ? world.members[l.member]!.conversionFactor : 1),
  );
  const weight = world.links.map((l) => (l.member >= 0 ? world.members[l.member]!.weight * l.share : 0.01));
  const totalWeight = weight.reduce((a, b) => a + b, 0) || 1;
  const meanFactor = factor.reduce((a, f, i) => a + f * weight[i]!, 0) / totalWeight || 1;
  const base = eligible > 0 ? wanted / (eligible * meanFactor) : 0;
  return Float64Array.from(factor, (f) => Math.min(1, base * f));
}

export interface StreamResult {
  candidates: ClickCandidate[];
  slots: Slot[];
}

/**
 * Writes `total` clicks over [from, to) in time order, and keeps about `wantedCandidates` tracked people's clicks
 * (drawn at random, more from better-converting creators and offers) as the clicks orders will come from.
 */
export async function streamClicks(
  world: World,
  factory: ClickFactory,
  o: { from: number; to: number; total: number; wantedCandidates: number; seed: number },
): Promise<StreamResult> {
  const rng = new Rng(o.seed, 'clicks');
  const { slots, days } = trafficSlots(o.from, o.to, world.ws.timezone, new Rng(o.seed, 'slots'));
  const byDay = linkWeightsByDay(world, days, new Rng(o.seed, 'bursts'));
  const counts = apportion(
    o.total,
    slots.map((s) => s.weight),
  );
  const rates = candidateRates(world, o.total * (1 - BOT_SHARE), o.wantedCandidates * 1.35);
  const recent = new Int32Array(world.links.length * 4).fill(-1);
  const candidates: ClickCandidate[] = [];
  const pickLink = (table: AliasTable, at: number): number => {
    // After its end an offer keeps AFTER_END of its traffic: a draw on its links is kept with that probability.
    for (let tries = 1; ; tries++) {
      const link = table.sample(rng);
      const ends = world.offers[world.links[link]!.offer]!.tracking.endsAt;
      if (ends === null || at < ends || rng.chance(AFTER_END) || tries === 100) return link;
    }
  };
  for (const [s, slot] of slots.entries()) {
    const n = counts[s]!;
    if (!n) continue;
    const times = new Float64Array(n);
    for (let i = 0; i < n; i++) times[i] = Math.floor(slot.start + rng.next() * (slot.end - slot.start));
    times.sort();
    const table = byDay[slot.day]!;
    for (let i = 0; i < n; i++) {
      const at = times[i]!;
      const link = pickLink(table, at);
      const l = world.links[link]!;
      const bot = rng.chance(BOT_SHARE);
      let visitor: number;
      if (bot) visitor = factory.visitors + rng.int(BOT_VISITORS);
      else {
        const slotIndex = link * 4 + rng.int(4);
        const seen = recent[slotIndex]!;
        visitor = seen >= 0 && rng.chance(REPEAT_SHARE) ? seen : rng.int(factory.visitors);
        recent[link * 4 + rng.int(4)] = visitor;
      }
      const member = l.member >= 0 ? world.members[l.member]! : null;
      const ref = referrer(member?.platform ?? 'generic', rng);
      const sub1 = member?.subs && rng.chance(0.7) ? rng.pick(member.subs) : null;
      const click = factory.add(link, at, { bot, visitor, referrer: ref, sub1 });
      if (click.credited && rng.chance(rates[link]!)) candidates.push({ clickId: click.id, at, link });
      if (factory.pending === BATCH) await factory.flush();
    }
  }
  await factory.drain();
  return { candidates, slots };
}
