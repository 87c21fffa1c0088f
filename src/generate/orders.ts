// The orders of a generated data set, planned before anything is written: most come from a stored click within the
// cookie window (some with the same creator's code, a few with another creator's or the generic code), some by code
// alone, a few unattributed (no evidence, an unknown code, a click past its window), refunds and cancellations; then
// one leaked code whose redemptions jump in the last 24 h, mostly without its creator's clicks.
import { detectLeaks, LEAK_DEFAULTS } from '../core/leak-detection.js';
import { currencyExponent } from '../core/money.js';
import { AliasTable, apportion, Rng } from '../core/synthetic.js';
import { dayKey } from '../core/time-buckets.js';
import type { ConversionSource } from '../db/schema.js';
import type { ClickCandidate } from './clicks.js';
import { DAY_MS, type World } from './world.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

export interface PlannedOrder {
  occurredAt: number;
  createdAt: number;
  source: ConversionSource;
  /** The offer the order is for; the event names it except on Shopify (which knows no offers). */
  offer: number;
  reported: number | null;
  click: { id: string; at: number; link: number } | null;
  /** An index into world.codes, or a string no code of the workspace has. */
  code: number | string | null;
  amountMinor: number | null;
  refund: { at: number; kind: 'partial' | 'full' | 'cancel'; minor: number } | null;
  /** Coupon-site page the shopper came from (leaked-code orders). */
  referrer?: string;
}

export interface TimeSampler {
  sample(rng: Rng): number;
}

/** Draws instants with the traffic's own shape (weekday, hour of day, trend). */
export function timeSampler(slots: { start: number; end: number; weight: number }[]): TimeSampler {
  const table = new AliasTable(slots.map((s) => s.weight));
  return {
    sample(rng) {
      const s = slots[table.sample(rng)]!;
      return Math.floor(s.start + rng.next() * (s.end - s.start));
    },
  };
}

export const UNKNOWN_CODES = ['WELCOME10', 'FREESHIP', 'SAVE20', 'VIPACCESS', 'SUMMER25', 'FRIENDS15'];
const COUPON_SITES = ['www.retailmenot.com', 'www.couponfollow.com', 'www.honey.com'];

function sourceOf(rng: Rng): ConversionSource {
  const r = rng.next();
  return r < 0.35 ? 'postback' : r < 0.7 ? 'shopify' : r < 0.9 ? 'tag' : 'pixel';
}

/** How many orders the leaked code gets in its last 24 h; none when the data set is too small to show one. */
export function leakSize(conversions: number): number {
  if (conversions < 200) return 0;
  return Math.min(5_000, Math.max(2 * LEAK_DEFAULTS.floor + 5, Math.round(conversions * 0.004)));
}

export class OrderPlanner {
  private readonly rng: Rng;
  private readonly times: TimeSampler;
  private readonly saleOffers: number[];
  private readonly personalCodes: AliasTable | null;
  private readonly personalCodeIndex: number[];
  private readonly codesByOffer = new Map<number, { list: number[]; weights: number[]; table?: AliasTable }>();

  constructor(
    private readonly world: World,
    slots: { start: number; end: number; weight: number }[],
    private readonly range: { from: number; to: number },
    seed: number,
    private readonly unusedCodes: string[],
  ) {
    this.rng = new Rng(seed, 'orders');
    this.times = timeSampler(slots);
    this.saleOffers = world.offers.flatMap((o, i) => (o.medianAmount !== null ? [i] : []));
    this.personalCodeIndex = world.codes.flatMap((c, i) => (c.member >= 0 ? [i] : []));
    // A code is typed about as often as its creator's links are clicked, a little flatter.
    const weights = this.personalCodeIndex.map((i) => {
      const c = world.codes[i]!;
      return Math.pow(world.members[c.member]!.weight, 0.9) * world.offers[c.offer]!.trafficShare + 1e-6;
    });
    this.personalCodes = weights.length ? new AliasTable(weights) : null;
    for (const [k, i] of this.personalCodeIndex.entries()) {
      const offer = world.codes[i]!.offer;
      const entry = this.codesByOffer.get(offer) ?? { list: [], weights: [] };
      entry.list.push(i);
      entry.weights.push(weights[k]!);
      this.codesByOffer.set(offer, entry);
    }
    for (const e of this.codesByOffer.values()) e.table = new AliasTable(e.weights);
  }

  private amount(offer: number): number | null {
    const o = this.world.offers[offer]!;
    if (o.medianAmount === null) return null;
    const major = Math.max(5, this.rng.logNormal(o.medianAmount, 0.5));
    return Math.round(major * 10 ** currencyExponent(o.currency));
  }

  /** An order at `occurredAt` as the event reports it: pixels and tags now, postbacks and Shopify a little later. */
  private order(
    occurredAt: number,
    offer: number,
    rest: Pick<PlannedOrder, 'click' | 'code'> & { referrer?: string; source?: ConversionSource },
  ): PlannedOrder {
    const source = rest.source ?? sourceOf(this.rng);
    const lag = source === 'pixel' || source === 'tag' ? 0 : Math.floor(this.rng.between(1_000, 90_000));
    const createdAt = Math.min(this.range.to, occurredAt + lag);
    const amountMinor = this.amount(offer);
    return {
      occurredAt: Math.min(occurredAt, createdAt),
      createdAt,
      source,
      offer,
      reported: source === 'shopify' ? null : offer,
      click: rest.click,
      code: rest.code,
      amountMinor,
      refund: amountMinor === null || rest.referrer ? null : this.refund(occurredAt, amountMinor),
      ...(rest.referrer ? { referrer: rest.referrer } : {}),
    };
  }

  private refund(at: number, amount: number): PlannedOrder['refund'] {
    const r = this.rng.next();
    if (r >= 0.095) return null;
    const kind = r < 0.045 ? 'partial' : r < 0.075 ? 'full' : 'cancel';
    const when =
      at + (kind === 'cancel' ? this.rng.between(2 * HOUR_MS, 3 * DAY_MS) : DAY_MS + this.rng.exponential(9 * DAY_MS));
    if (when > this.range.to) return null;
    const minor = kind === 'partial' ? Math.max(1, Math.round(amount * this.rng.between(0.15, 0.6))) : amount;
    return { at: Math.floor(when), kind, minor };
  }

  private personalCode(): number | null {
    return this.personalCodes ? this.personalCodeIndex[this.personalCodes.sample(this.rng)]! : null;
  }

  /** An instant with traffic's shape at which the code's offer still tracks. */
  private timeFor(offer: number): number {
    const ends = this.world.offers[offer]!.tracking.endsAt;
    for (let i = 0; i < 20; i++) {
      const t = this.times.sample(this.rng);
      if (ends === null || t < ends) return t;
    }
    return Math.floor(
      this.range.from + this.rng.next() * (Math.min(ends ?? this.range.to, this.range.to) - this.range.from),
    );
  }

  /** Delay from click to order: most buy within the hour, some days later, a few near the end of the window. */
  private delay(windowDays: number): number {
    const r = this.rng.next();
    if (r < 0.55) return MINUTE_MS + this.rng.exponential(25 * MINUTE_MS);
    if (r < 0.9) return this.rng.between(HOUR_MS, 3 * DAY_MS);
    return this.rng.between(3 * DAY_MS, windowDays * DAY_MS);
  }

  /** The code (if any) an order from this click carried. */
  private codeWithClick(link: number): number | null {
    const { world, rng } = this;
    const l = world.links[link]!;
    const offer = world.offers[l.offer]!;
    if (!offer.tracking.tracksCodes) return null;
    const r = rng.next();
    if (l.member < 0) return r < 0.25 ? this.personalCodeOn(l.offer) : null;
    if (r < 0.2) return world.codeOf.get(`${l.offer}:${l.member}`) ?? null;
    if (r < 0.235) return this.personalCodeOn(l.offer, l.member);
    if (r < 0.255) return world.genericCodes.find((c) => world.codes[c]!.offer === l.offer) ?? null;
    return null;
  }

  /** Another creator's code on the offer, drawn by how much that creator's code is used. */
  private personalCodeOn(offer: number, notMember = -1): number | null {
    const codes = this.codesByOffer.get(offer);
    for (let i = 0; codes?.table && i < 10; i++) {
      const c = codes.list[codes.table.sample(this.rng)]!;
      if (this.world.codes[c]!.member !== notMember) return c;
    }
    return null;
  }

  /** The normal orders: `total` of them, from the click candidates and the traffic's shape. */
  plan(total: number, candidates: ClickCandidate[]): PlannedOrder[] {
    const { world, rng, range } = this;
    const [fromClick, codePersonal, codeGeneric, noEvidence, unknownCode, lateClick] = apportion(
      total,
      [0.74, 0.187, 0.033, 0.02, 0.012, 0.008],
    ) as [number, number, number, number, number, number];
    const orders: PlannedOrder[] = [];
    const pool = rng.shuffle([...candidates]);
    let next = 0;
    for (let made = 0; made < fromClick && next < pool.length; next++) {
      const c = pool[next]!;
      const link = world.links[c.link]!;
      const offer = world.offers[link.offer]!;
      const at = Math.floor(c.at + this.delay(offer.tracking.cookieWindowDays));
      if (at + 90_000 > range.to || (offer.tracking.endsAt !== null && at >= offer.tracking.endsAt)) continue;
      orders.push(
        this.order(at, link.offer, {
          click: { id: c.clickId, at: c.at, link: c.link },
          code: this.codeWithClick(c.link),
        }),
      );
      made++;
    }
    // Too few clicks for the orders asked for: the rest arrive by code.
    let personal = codePersonal + (fromClick - orders.length);
    let late = 0;
    for (; late < lateClick && next < pool.length; next++) {
      const c = pool[next]!;
      const link = world.links[c.link]!;
      const at = Math.floor(
        c.at + world.offers[link.offer]!.tracking.cookieWindowDays * DAY_MS + rng.between(HOUR_MS, 4 * DAY_MS),
      );
      if (at + 90_000 > range.to) continue;
      orders.push(this.order(at, link.offer, { click: { id: c.clickId, at: c.at, link: c.link }, code: null }));
      late++;
    }
    let none = noEvidence + (lateClick - late);
    const generic = world.genericCodes.length ? codeGeneric : 0;
    if (!this.personalCodes) none += personal + codeGeneric - generic;
    else personal += codeGeneric - generic;
    if (!this.personalCodes) personal = 0;
    for (let i = 0; i < personal; i++) {
      const code = this.personalCode()!;
      const offer = world.codes[code]!.offer;
      orders.push(this.order(this.timeFor(offer), offer, { click: null, code }));
    }
    for (let i = 0; i < generic; i++) {
      const code = world.genericCodes[rng.int(world.genericCodes.length)]!;
      const offer = world.codes[code]!.offer;
      orders.push(this.order(this.timeFor(offer), offer, { click: null, code }));
    }
    const anyOffer = () => (this.saleOffers.length ? rng.pick(this.saleOffers) : 0);
    for (let i = 0; i < none; i++) {
      const offer = anyOffer();
      orders.push(this.order(this.timeFor(offer), offer, { click: null, code: null }));
    }
    for (let i = 0; i < unknownCode; i++) {
      const offer = anyOffer();
      const code = this.unusedCodes.length ? rng.pick(this.unusedCodes) : null;
      orders.push(this.order(this.timeFor(offer), offer, { click: null, code }));
    }
    return orders;
  }

  /**
   * Picks the leaked code: a personalized code of the main offer whose creator is active but not a top seller, and
   * for which `size` orders in the last 24 h clearly trip the spike rule (with a margin over floor and k).
   */
  chooseLeak(orders: PlannedOrder[], size: number): { code: number; already: number } | null {
    const { world, range } = this;
    if (size === 0) return null;
    const tz = world.ws.timezone;
    const dayStart = range.to - DAY_MS;
    const stats = new Map<number, { days: Map<string, number>; last24h: number; total: number }>();
    for (const o of orders) {
      if (typeof o.code !== 'number') continue;
      let s = stats.get(o.code);
      if (!s) stats.set(o.code, (s = { days: new Map(), last24h: 0, total: 0 }));
      const day = dayKey(o.occurredAt, tz);
      s.days.set(day, (s.days.get(day) ?? 0) + 1);
      s.total++;
      if (o.occurredAt > dayStart) s.last24h++;
    }
    const candidates = [...world.codeOf.entries()]
      .filter(([key]) => key.startsWith('0:'))
      .map(([, code]) => ({ code, s: stats.get(code) ?? { days: new Map<string, number>(), last24h: 0, total: 0 } }))
      .filter(({ code }) => world.members[world.codes[code]!.member]!.weight > 0);
    const alerts = new Set(
      detectLeaks({
        now: range.to,
        tz,
        floor: LEAK_DEFAULTS.floor * 1.5,
        k: LEAK_DEFAULTS.k * 1.6,
        codes: candidates.map(({ code, s }) => ({
          codeId: String(code),
          memberId: world.members[world.codes[code]!.member]!.id,
          last24h: s.last24h + size,
          ordersLast24h: 0,
          ordersWithMemberClick: 0,
          dailyRedemptions: [...s.days].map(([day, count]) => ({ day, count })),
        })),
      })
        .filter((a) => a.rule === 'spike')
        .map((a) => Number(a.codeId)),
    );
    // The busiest code that still clearly spikes: "far above its own normal", not a code nobody used.
    const ok = candidates
      .filter(({ code }) => alerts.has(code))
      .sort((a, b) => b.s.total - a.s.total || a.code - b.code);
    // With margins nobody meets (a tiny data set), the quietest code: the floor alone then decides.
    const pick = ok[0] ?? [...candidates].sort((a, b) => a.s.total - b.s.total || a.code - b.code)[0];
    return pick ? { code: pick.code, already: pick.s.last24h } : null;
  }

  /**
   * The leaked code's orders in the last 24 h, busier towards the end (the coupon page spreads). Most carry no click;
   * `clicked.generic` come through the brand's generic link from the coupon site, `clicked.member` through the
   * creator's own link (the caller makes those clicks).
   */
  planLeak(code: number, size: number, clicked: { generic: number; member: number }) {
    const { world, rng, range } = this;
    const c = world.codes[code]!;
    const site = rng.pick(COUPON_SITES);
    const orders: PlannedOrder[] = [];
    for (let i = 0; i < size; i++) {
      const back = (DAY_MS - 5 * MINUTE_MS) * Math.pow(rng.next(), 2);
      const at = Math.floor(range.to - 2 * MINUTE_MS - back);
      orders.push(
        this.order(at, c.offer, {
          click: null,
          code,
          referrer: `https://${site}/coupons/shop.example.com`,
          source: rng.chance(0.6) ? 'shopify' : 'tag',
        }),
      );
    }
    const order = rng.shuffle(orders.map((_, i) => i));
    return {
      orders,
      site,
      withGenericClick: order.slice(0, clicked.generic),
      withMemberClick: order.slice(clicked.generic, clicked.generic + clicked.member),
    };
  }
}
