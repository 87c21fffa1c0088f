// The fixed part of a generated data set: the workspace, its offers, members, links and codes, made through the app's
// own use cases (createOffer, importMembers, addMembersToOffer, generateCodes, createLink, createCode) so they are
// exactly what a brand setting the program up by hand would have. Only the traffic and the orders are bulk-written.
import type { OfferTracking } from '../core/attribution.js';
import type { Payout } from '../core/commission.js';
import { currencyExponent } from '../core/money.js';
import { Rng, zipfWeights } from '../core/synthetic.js';
import { listPayoutOptions } from '../db/offers.js';
import type { Workspace } from '../db/workspaces.js';
import { generateCodes, createCode } from '../app/codes.js';
import type { Actor, AppContext } from '../app/context.js';
import { loadOfferTracking } from '../app/conversion-facts.js';
import { createLink } from '../app/links.js';
import { importMembers } from '../app/members.js';
import { addMembersToOffer } from '../app/offer-members.js';
import { createOffer, type OfferCreateInput } from '../app/offers.js';

export const DAY_MS = 86_400_000;

export type Platform = 'instagram' | 'tiktok' | 'youtube';

export interface OfferInfo {
  id: string;
  name: string;
  /** null for sign-ups: no order value. Order values are log-normal around this median, in major units. */
  medianAmount: number | null;
  tracking: OfferTracking;
  currency: string;
  holdDays: number;
  payouts: Map<string, Payout>;
  defaultPayoutId: string;
  /** Share of a member's traffic that goes to this offer's links, when the member is on it. */
  trafficShare: number;
  /** Relative conversion rate of its clicks (sign-ups convert more readily than sales). */
  conversionFactor: number;
}

export interface MemberInfo {
  id: string;
  name: string;
  /** Power-law traffic weight; 0 for members who never posted. */
  weight: number;
  platform: Platform;
  /** Placement sub-ids this member tags links with (sub1), or null. */
  subs: string[] | null;
  /** How well the member's audience converts, around 1. */
  conversionFactor: number;
}

export interface LinkInfo {
  id: string;
  offer: number;
  /** -1 for a generic link. */
  member: number;
  /** Share of the member's traffic on this offer (a deep link takes part of it). */
  share: number;
}

export interface CodeInfo {
  id: string;
  code: string;
  offer: number;
  /** -1 for a generic code. */
  member: number;
}

export interface World {
  ws: Workspace;
  actor: Actor;
  /** Prefix of this run's order ids and member external ids: GEN, or GEN2, GEN3… when the workspace had a run. */
  tag: string;
  offers: OfferInfo[];
  members: MemberInfo[];
  links: LinkInfo[];
  codes: CodeInfo[];
  /** `${offer}:${member}` -> payout option id. */
  payoutOf: Map<string, string>;
  /** `${offer}:${member}` -> index in codes, for personalized codes. */
  codeOf: Map<string, number>;
  /** `${offer}:${member}` -> the member's main (not deep) link. */
  linkOf: Map<string, number>;
  genericLinks: number[];
  genericCodes: number[];
}

const FIRST = [
  'Marie',
  'Jamal',
  'Sofia',
  'Liam',
  'Emma',
  'Noah',
  'Olivia',
  'Mateo',
  'Ava',
  'Lucas',
  'Mia',
  'Ethan',
  'Chloé',
  'Hugo',
  'Léa',
  'Aiden',
  'Zoë',
  'Diego',
  'Priya',
  'Arjun',
  'Yuki',
  'Hana',
  'Kofi',
  'Amara',
  'Nina',
  'Oscar',
  'Isla',
  'Felix',
  'Maya',
  'Leo',
  'Elena',
  'Tomás',
  'Sara',
  'Omar',
  'Layla',
  'Finn',
  'Ines',
  'Jonas',
  'Clara',
  'Malik',
  'Rosa',
  'Kai',
  'Nora',
  'Ravi',
  'Lina',
  'Theo',
  'Ana',
  'Sam',
  'Eva',
  'Max',
  'Alice',
  'Ben',
  'Julia',
  'Sven',
  'Aisha',
  'Marco',
  'Grace',
  'Ivan',
  'Mei',
  'José',
];
const LAST = [
  'Kim',
  'Reed',
  'Alvarez',
  'Nguyen',
  'Smith',
  'Garcia',
  'Müller',
  'Rossi',
  'Dubois',
  'Okafor',
  'Patel',
  'Tanaka',
  'Silva',
  'Johansson',
  'Novak',
  'Cohen',
  'Khan',
  'Martin',
  'Larsen',
  'Costa',
  'Brown',
  'Lopez',
  'Schmidt',
  'Moreau',
  'Sato',
  'Mensah',
  'Haddad',
  'Ivanova',
  'Fischer',
  'Bianchi',
  'Wright',
  'Chen',
  'Fernández',
  'Nilsson',
  'Walker',
  'Ortiz',
  'Yilmaz',
  'Park',
  'Hughes',
  'Rahman',
];
const NICHES = ['beauty', 'skincare', 'fitness', 'lifestyle', 'fashion', 'wellness', 'food', 'travel'];
const SUBS: Record<Platform, string[]> = {
  instagram: ['ig_story', 'ig_bio', 'ig_reel'],
  tiktok: ['tt_bio', 'tt_video'],
  youtube: ['yt_desc', 'yt_pinned', 'yt_short'],
};
const SHOP = 'https://shop.example.com';
const PRODUCTS = [
  '/products/glow-serum',
  '/products/night-cream',
  '/products/spf-50',
  '/collections/new',
  '/products/lip-oil',
];

/** Latin letters and digits, accents folded, lower-cased: what a handle and a promo code are made of. */
function fold(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

function csvCell(v: string | number | null): string {
  const s = v === null ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function must<T>(
  what: string,
  r: { ok: true; value: T } | { ok: false; problem: { message: string; details?: { message: string }[] } },
): T {
  if (!r.ok)
    throw new Error(
      `generate: ${what} failed: ${r.problem.message} ${r.problem.details?.map((d) => d.message).join('; ') ?? ''}`,
    );
  return r.value;
}

/** A fixed payout of `units` major units in the currency, as the API writes it ("2.00", or "2" for JPY). */
function fixedAmount(units: number, currency: string): string {
  const e = currencyExponent(currency);
  return e > 0 ? `${units}.${'0'.repeat(e)}` : String(units);
}

/** GEN for the first run in a workspace, GEN2, GEN3… after, so order ids and external ids never collide. */
async function runTag(ctx: AppContext, workspaceId: string): Promise<string> {
  const rows = await ctx.store.db
    .selectFrom('members')
    .select('external_id')
    .where('workspace_id', '=', workspaceId)
    .where('external_id', 'like', 'gen%-m%')
    .execute();
  let last = 0;
  for (const r of rows) {
    const m = /^gen(\d*)-m/.exec(r.external_id ?? '');
    if (m) last = Math.max(last, m[1] ? Number(m[1]) : 1);
  }
  return last === 0 ? 'GEN' : `GEN${last + 1}`;
}

interface OfferPlan {
  input: (currency: string) => OfferCreateInput;
  medianAmount: number | null;
  membership: number;
  trafficShare: number;
  conversionFactor: number;
  codePattern: string | null;
  genericLink: boolean;
  genericCode: string | null;
}

/**
 * Four offers, each exercising a different part of the rules: two payout options with a volume tier (code_first),
 * a split-attribution bundle with a generic code, a link-only sign-up bounty, and a flash sale that ended mid-range
 * (its links keep redirecting but record untracked clicks). The shop reports many orders through its t.js checkout with
 * the code typed, so the offers that take codes credit browser-reported codes (browserCodeCredit, SPEC §4).
 */
function offerPlans(endsAt: number): OfferPlan[] {
  return [
    {
      input: () => ({
        name: 'Spring collection',
        description: 'Always-on commission on the spring collection.',
        destinationUrl: `${SHOP}/collections/spring`,
        conversionType: 'sale',
        attributionRule: 'code_first',
        codeAppend: { mode: 'query', param: 'discount' },
        browserCodeCredit: true,
        payoutOptions: [
          {
            title: 'Standard 10%',
            type: 'percent',
            value: '10',
            default: true,
            tiers: [{ fromConversion: 50, value: '15' }],
          },
          { title: 'VIP 20%', type: 'percent', value: '20' },
        ],
      }),
      medianAmount: 58,
      membership: 0.85,
      trafficShare: 0.5,
      conversionFactor: 1,
      codePattern: '{HANDLE}10',
      genericLink: true,
      genericCode: null,
    },
    {
      input: () => ({
        name: 'Best-seller bundle',
        description: 'Bundle offer; link and code split the credit when they disagree.',
        destinationUrl: `${SHOP}/products/bundle`,
        conversionType: 'sale',
        attributionRule: 'split',
        splitCodeShare: '50',
        cookieWindowDays: 14,
        browserCodeCredit: true,
        payoutOptions: [{ title: 'Bundle 12%', type: 'percent', value: '12', default: true }],
      }),
      medianAmount: 42,
      membership: 0.4,
      trafficShare: 0.25,
      conversionFactor: 0.9,
      codePattern: '{HANDLE}',
      genericLink: false,
      genericCode: 'BUNDLE10',
    },
    {
      input: (currency) => ({
        name: 'Newsletter sign-ups',
        description: 'A fixed bounty per confirmed sign-up.',
        destinationUrl: `${SHOP}/newsletter`,
        conversionType: 'email_signup',
        trackingMethods: ['link'],
        holdDays: 14,
        payoutOptions: [{ title: 'Per sign-up', type: 'fixed', value: fixedAmount(2, currency), default: true }],
      }),
      medianAmount: null,
      membership: 0.25,
      trafficShare: 0.12,
      conversionFactor: 2.2,
      codePattern: null,
      genericLink: true,
      genericCode: null,
    },
    {
      input: () => ({
        name: 'Flash sale',
        description: 'Limited-time sale; ended during the period.',
        destinationUrl: `${SHOP}/collections/sale`,
        conversionType: 'sale',
        attributionRule: 'code_first',
        cookieWindowDays: 7,
        endsAt: new Date(endsAt).toISOString(),
        browserCodeCredit: true,
        payoutOptions: [{ title: 'Flash 15%', type: 'percent', value: '15', default: true }],
      }),
      medianAmount: 74,
      membership: 0.35,
      trafficShare: 0.13,
      conversionFactor: 1.3,
      codePattern: '{HANDLE}15',
      genericLink: false,
      genericCode: null,
    },
  ];
}

export interface WorldOptions {
  members: number;
  rangeStart: number;
  rangeEnd: number;
  seed: number;
}

/** Members in rank order: index 0 drives the most traffic (the Zipf rank is assigned by a shuffle, not by creation). */
export async function buildWorld(ctx: AppContext, ws: Workspace, actor: Actor, o: WorldOptions): Promise<World> {
  const rng = new Rng(o.seed, 'world');
  const tag = await runTag(ctx, ws.id);
  const suffix = tag === 'GEN' ? '' : tag.slice(3);
  const plans = offerPlans(o.rangeStart + Math.round(((o.rangeEnd - o.rangeStart) * 0.6) / 3_600_000) * 3_600_000);

  // Offers.
  const offerIds: string[] = [];
  for (const plan of plans)
    offerIds.push(must('createOffer', await createOffer(ctx, actor, plan.input(ws.currency))).id);
  const facts = await loadOfferTracking(ctx.store.db, ws.id, offerIds);
  const payoutRows = await listPayoutOptions(ctx.store.db, ws.id, offerIds);
  const offers: OfferInfo[] = plans.map((plan, i) => {
    const id = offerIds[i]!;
    const mine = payoutRows.filter((p) => p.offer_id === id);
    return {
      id,
      name: plan.input(ws.currency).name,
      medianAmount: plan.medianAmount,
      tracking: facts[id]!.tracking,
      currency: facts[id]!.currency,
      holdDays: facts[id]!.holdDays,
      trafficShare: plan.trafficShare,
      conversionFactor: plan.conversionFactor,
      payouts: new Map(
        mine.map((p) => [p.id, { type: p.type, value: p.value, tiers: JSON.parse(p.tiers) as Payout['tiers'] }]),
      ),
      defaultPayoutId: mine.find((p) => p.is_default === 1)!.id,
    };
  });

  // Members, imported as a brand would from a roster file.
  const weights = zipfWeights(o.members, 1.05);
  const handles = new Set<string>();
  const people: (MemberInfo & { row: (string | number | null)[] })[] = [];
  for (let rank = 0; rank < o.members; rank++) {
    const first = rng.pick(FIRST);
    const last = rng.pick(LAST);
    let handle = (fold(first) + fold(last)).slice(0, 12);
    for (let n = 2; handles.has(handle); n++) handle = (fold(first) + fold(last)).slice(0, 12) + n;
    handles.add(handle);
    const r = rng.next();
    const platform: Platform = r < 0.55 ? 'instagram' : r < 0.85 ? 'tiktok' : 'youtube';
    // About one creator in eight never posts: on the roster, links made, no traffic.
    const active = rank < o.members * 0.1 || rng.chance(0.87);
    const w = active ? weights[rank]! : 0;
    const reach = Math.round(1_500 + 600_000 * Math.pow(weights[rank]!, 0.8) * rng.logNormal(1, 0.45));
    const niche = rng.shuffle([...NICHES]).slice(0, 1 + rng.int(2));
    const project = rank < o.members * 0.04 ? 'Ambassadors' : rng.chance(0.5) ? 'Spring 2026' : 'Always-on';
    const email = `${fold(first)}.${fold(last)}.${suffix ? `${suffix}-` : ''}${rank + 1}@creators.example`;
    const row = [
      `${first} ${last}`,
      email,
      platform === 'tiktok' ? null : handle,
      platform === 'tiktok' ? handle : null,
      platform === 'youtube' ? handle : null,
      reach,
      project,
      niche.join(';'),
      `gen${suffix}-m${rank + 1}`,
    ];
    people.push({
      id: '',
      name: `${first} ${last}`,
      weight: w,
      platform,
      row,
      subs: rng.chance(0.35) ? SUBS[platform] : null,
      conversionFactor: rng.logNormal(1, 0.35),
    });
  }
  // The Zipf rank follows the roster order of a shuffled list, so the top creators are spread through the file.
  const order = rng.shuffle(people.map((_, i) => i));
  const csv = [
    'name,email,instagram,tiktok,youtube,reach,project,tags,external_id',
    ...order.map((i) => people[i]!.row.map(csvCell).join(',')),
  ].join('\n');
  must('importMembers', await importMembers(ctx, actor, Buffer.from(csv), 'csv'));
  const ids = new Map<string, string>();
  const externals = people.map((p) => p.row[8] as string);
  for (let i = 0; i < externals.length; i += 500) {
    const rows = await ctx.store.db
      .selectFrom('members')
      .select(['id', 'external_id'])
      .where('workspace_id', '=', ws.id)
      .where('external_id', 'in', externals.slice(i, i + 500))
      .execute();
    for (const r of rows) ids.set(r.external_id!, r.id);
  }
  const members: MemberInfo[] = people.map((p) => ({
    id: ids.get(p.row[8] as string)!,
    name: p.name,
    weight: p.weight,
    platform: p.platform,
    subs: p.subs,
    conversionFactor: p.conversionFactor,
  }));

  // Who is on which offer: the top tenth is on the main offer, everyone on at least one with codes.
  const onOffer: number[][] = plans.map(() => []);
  for (let m = 0; m < members.length; m++) {
    const chosen = plans.map((p, i) => (i === 0 && m < members.length * 0.1) || rng.chance(p.membership));
    // Everyone has a personalized code somewhere: on an offer that tracks codes.
    if (!chosen.some((c, i) => c && plans[i]!.codePattern)) chosen[0] = true;
    chosen.forEach((c, i) => c && onOffer[i]!.push(m));
  }
  const deepLinked = new Set<number>();
  for (const [i, plan] of plans.entries()) {
    const offer = offers[i]!;
    const vip = [...offer.payouts.keys()].find((id) => id !== offer.defaultPayoutId);
    const list = onOffer[i]!;
    for (let k = 0; k < list.length; k += 500) {
      const chunk = list.slice(k, k + 500);
      must(
        'addMembersToOffer',
        await addMembersToOffer(ctx, actor, offer.id, {
          members: chunk.map((m) => ({
            memberId: members[m]!.id,
            ...(vip && m < members.length * 0.04 ? { payoutOptionId: vip } : {}),
          })),
          generateLinks: true,
        }),
      );
    }
    if (i === 0) {
      // Some creators also link straight to a product page (a second link, a deep link, for the same offer).
      const deep = list.filter((m) => members[m]!.weight > 0 && rng.chance(0.12));
      for (let k = 0; k < deep.length; k += 500) {
        must(
          'addMembersToOffer (deep links)',
          await addMembersToOffer(ctx, actor, offer.id, {
            members: deep
              .slice(k, k + 500)
              .map((m) => ({ memberId: members[m]!.id, deepLinkUrl: `${SHOP}${rng.pick(PRODUCTS)}` })),
            generateLinks: true,
          }),
        );
      }
      deep.forEach((m) => deepLinked.add(m));
    }
    if (plan.codePattern)
      must('generateCodes', await generateCodes(ctx, actor, offer.id, { pattern: plan.codePattern }));
    if (plan.genericLink) must('createLink', await createLink(ctx, actor, { offerId: offer.id }));
    if (plan.genericCode) {
      let made = false;
      for (let n = 1; !made; n++) {
        const r = await createCode(ctx, actor, {
          offerId: offer.id,
          code: plan.genericCode + suffix + (n > 1 ? `X${n}` : ''),
        });
        if (r.ok) made = true;
        else if (r.problem.code !== 'code_taken' || n > 20) must('createCode', r);
      }
    }
  }

  // Read back what the use cases made.
  const memberIndex = new Map(members.map((m, i) => [m.id, i]));
  const offerIndex = new Map(offers.map((o, i) => [o.id, i]));
  const linkRows = await ctx.store.db
    .selectFrom('links')
    .select(['id', 'offer_id', 'member_id', 'deep_link_url'])
    .where('workspace_id', '=', ws.id)
    .where('offer_id', 'in', offerIds)
    .orderBy('id')
    .execute();
  const codeRows = await ctx.store.db
    .selectFrom('promo_codes')
    .select(['id', 'code_normalized', 'offer_id', 'member_id'])
    .where('workspace_id', '=', ws.id)
    .where('offer_id', 'in', offerIds)
    .where('status', '=', 'active')
    .orderBy('id')
    .execute();
  const omRows = await ctx.store.db
    .selectFrom('offer_members')
    .select(['offer_id', 'member_id', 'payout_option_id'])
    .where('workspace_id', '=', ws.id)
    .where('offer_id', 'in', offerIds)
    .execute();

  const world: World = {
    ws,
    actor,
    tag,
    offers,
    members,
    links: [],
    codes: [],
    payoutOf: new Map(),
    codeOf: new Map(),
    linkOf: new Map(),
    genericLinks: [],
    genericCodes: [],
  };
  for (const r of omRows)
    world.payoutOf.set(`${offerIndex.get(r.offer_id)}:${memberIndex.get(r.member_id)}`, r.payout_option_id);
  for (const r of linkRows) {
    const offer = offerIndex.get(r.offer_id)!;
    const member = r.member_id ? memberIndex.get(r.member_id)! : -1;
    const deep = r.deep_link_url !== null;
    const share = member < 0 ? 1 : deepLinked.has(member) && offer === 0 ? (deep ? 0.4 : 0.6) : 1;
    world.links.push({ id: r.id, offer, member, share });
    if (member < 0) world.genericLinks.push(world.links.length - 1);
    else if (!deep) world.linkOf.set(`${offer}:${member}`, world.links.length - 1);
  }
  for (const r of codeRows) {
    const offer = offerIndex.get(r.offer_id)!;
    const member = r.member_id ? memberIndex.get(r.member_id)! : -1;
    world.codes.push({ id: r.id, code: r.code_normalized, offer, member });
    if (member < 0) world.genericCodes.push(world.codes.length - 1);
    else world.codeOf.set(`${offer}:${member}`, world.codes.length - 1);
  }
  return world;
}
