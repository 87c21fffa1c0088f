// The offer wizard's form state and its mapping to and from the API: what the three steps edit, the checks that
// run before "Next", which step a server error belongs to, and, when editing, the smallest set of API calls that
// turns the saved offer into the draft. Pure: no DOM, unit-tested on Node (test/web/offer-form.test.ts).
import type { Offer, PayoutOption } from '../../src/contract/index.js';
import { dayOf, endOfDay } from '../shared/zoned.js';

export { dayOf, endOfDay };

export interface TierDraft {
  fromConversion: string;
  value: string;
}

export interface PayoutDraft {
  /** React key; stable across edits. */
  key: string;
  /** Set for an option the offer already has. */
  id?: string;
  title: string;
  type: 'percent' | 'fixed';
  value: string;
  tiers: TierDraft[];
  default: boolean;
}

export interface UtmDraft {
  key: string;
  name: string;
  value: string;
}

export interface OfferDraft {
  name: string;
  description: string;
  imageUrl: string;
  destinationUrl: string;
  conversionType: Offer['conversionType'];
  /** Empty: the workspace's currency. */
  currency: string;
  trackByLink: boolean;
  trackByCode: boolean;
  attributionRule: Offer['attributionRule'];
  splitCodeShare: string;
  cookieWindowDays: string;
  holdDays: string;
  codeAppendMode: Offer['codeAppend']['mode'];
  codeAppendParam: string;
  /** Credit codes that only a browser reported, with no recorded click (SPEC §4: default off, held for review). */
  browserCodeCredit: boolean;
  /** Hold browser-reported orders above this amount in the offer's currency; empty: no limit. */
  browserAmountLimit: string;
  /** Commissions on a Stripe subscription's renewals: none, the first N months, or lifetime. */
  recurringMode: Offer['recurring']['mode'];
  recurringMonths: string;
  /** Empty: no cap on the paid invoices that pay. */
  recurringMaxInvoices: string;
  payouts: PayoutDraft[];
  /** Last day the offer tracks, YYYY-MM-DD in the workspace's zone (its end is that day's last instant); empty: no end. */
  endsOn: string;
  utm: UtmDraft[];
  allowCreatorDeepLinks: boolean;
  /** One host per line. */
  extraDomains: string;
  /** First-party tracking origin on the brand's site (https://shop.example.com/go); empty: links on Touchpoint's URL. */
  trackingOrigin: string;
}

export const STEPS = ['Details', 'Tracking and commission', 'Settings'] as const;

export const UTM_MACROS = [
  { macro: '{creator_name}', label: 'Creator name' },
  { macro: '{creator_ig_username}', label: 'Instagram handle' },
  { macro: '{creator_tiktok_username}', label: 'TikTok handle' },
  { macro: '{member_id}', label: 'Member id' },
  { macro: '{project_name}', label: 'Project' },
  { macro: '{link_offer_name}', label: 'Offer name' },
] as const;

let keys = 0;
export const newKey = (prefix: string) => `${prefix}${++keys}`;

export function newPayout(isDefault: boolean): PayoutDraft {
  return {
    key: newKey('p'),
    title: isDefault ? 'Standard' : '',
    type: 'percent',
    value: '',
    tiers: [],
    default: isDefault,
  };
}

/** A new offer's form; its hold is the workspace's default when known (30 days, the server's default, otherwise). */
export function emptyDraft(defaultHoldDays = 30): OfferDraft {
  return {
    name: '',
    description: '',
    imageUrl: '',
    destinationUrl: '',
    conversionType: 'sale',
    currency: '',
    trackByLink: true,
    trackByCode: true,
    attributionRule: 'code_first',
    splitCodeShare: '50',
    cookieWindowDays: '28',
    holdDays: String(defaultHoldDays),
    codeAppendMode: 'none',
    codeAppendParam: 'discount',
    browserCodeCredit: false,
    browserAmountLimit: '',
    recurringMode: 'none',
    recurringMonths: '12',
    recurringMaxInvoices: '',
    payouts: [newPayout(true)],
    endsOn: '',
    utm: [
      { key: newKey('u'), name: 'utm_source', value: 'touchpoint' },
      { key: newKey('u'), name: 'utm_medium', value: 'influencer' },
      { key: newKey('u'), name: 'utm_campaign', value: '{link_offer_name}' },
      { key: newKey('u'), name: 'utm_content', value: '{creator_name}' },
    ],
    allowCreatorDeepLinks: true,
    extraDomains: '',
    trackingOrigin: '',
  };
}

export function payoutDraft(p: PayoutOption): PayoutDraft {
  return {
    key: newKey('p'),
    id: p.id,
    title: p.title,
    type: p.type,
    value: p.value,
    tiers: p.tiers.map((t) => ({ fromConversion: String(t.fromConversion), value: t.value })),
    default: p.default,
  };
}

/** `timeZone`: the workspace's, in which the end date is a day. */
export function draftFromOffer(o: Offer, timeZone?: string): OfferDraft {
  return {
    name: o.name,
    description: o.description,
    imageUrl: o.imageUrl ?? '',
    destinationUrl: o.destinationUrl,
    conversionType: o.conversionType,
    currency: o.currency,
    trackByLink: o.trackingMethods.includes('link'),
    trackByCode: o.trackingMethods.includes('code'),
    attributionRule: o.attributionRule,
    splitCodeShare: o.splitCodeShare,
    cookieWindowDays: String(o.cookieWindowDays),
    holdDays: String(o.holdDays),
    codeAppendMode: o.codeAppend.mode,
    codeAppendParam: o.codeAppend.param,
    // A server from before the ledger sends neither: its behaviour was "off, no limit".
    browserCodeCredit: o.browserCodeCredit ?? false,
    browserAmountLimit: o.browserAmountLimit ?? '',
    // A server from before recurring commissions sends none: renewals did not pay.
    recurringMode: o.recurring?.mode ?? 'none',
    recurringMonths: String(o.recurring?.months ?? 12),
    recurringMaxInvoices: o.recurring?.maxInvoices ? String(o.recurring.maxInvoices) : '',
    payouts: o.payoutOptions.map(payoutDraft),
    endsOn: dayOf(o.endsAt, timeZone),
    utm: Object.entries(o.utm).map(([name, value]) => ({ key: newKey('u'), name, value })),
    allowCreatorDeepLinks: o.deepLinks.allowCreators,
    extraDomains: o.deepLinks.extraDomains.join('\n'),
    trackingOrigin: o.trackingOrigin ?? '',
  };
}

export interface PayoutInput {
  title: string;
  type: 'percent' | 'fixed';
  value: string;
  tiers: { fromConversion: number; value: string }[];
  default?: boolean;
}

export function payoutInput(p: PayoutDraft): PayoutInput {
  return {
    title: p.title.trim(),
    type: p.type,
    value: p.value.trim(),
    tiers: p.tiers.map((t) => ({ fromConversion: Number(t.fromConversion), value: t.value.trim() })),
    default: p.default,
  };
}

/** The offer's settings as the API takes them (everything but the payout options). */
export function settingsOf(d: OfferDraft, timeZone?: string) {
  const methods: ('link' | 'code')[] = [];
  if (d.trackByLink) methods.push('link');
  if (d.trackByCode) methods.push('code');
  return {
    name: d.name.trim(),
    description: d.description,
    imageUrl: d.imageUrl.trim() || null,
    destinationUrl: d.destinationUrl.trim(),
    conversionType: d.conversionType,
    ...(d.currency.trim() ? { currency: d.currency.trim().toUpperCase() } : {}),
    trackingMethods: methods,
    attributionRule: d.attributionRule,
    splitCodeShare: d.splitCodeShare.trim(),
    cookieWindowDays: Number(d.cookieWindowDays),
    holdDays: Number(d.holdDays),
    endsAt: d.endsOn ? endOfDay(d.endsOn, timeZone) : null,
    utm: Object.fromEntries(d.utm.filter((u) => u.name.trim()).map((u) => [u.name.trim(), u.value])),
    deepLinks: {
      allowCreators: d.allowCreatorDeepLinks,
      extraDomains: d.extraDomains
        .split(/[\s,]+/)
        .map((s) => s.trim())
        .filter(Boolean),
    },
    codeAppend: { mode: d.codeAppendMode, param: d.codeAppendParam.trim() || 'discount' },
    browserCodeCredit: d.browserCodeCredit,
    browserAmountLimit: d.browserAmountLimit.trim() || null,
    trackingOrigin: d.trackingOrigin.trim() || null,
    recurring: {
      mode: d.recurringMode,
      months: d.recurringMode === 'months' ? Number(d.recurringMonths) : null,
      maxInvoices: d.recurringMode !== 'none' && d.recurringMaxInvoices.trim() ? Number(d.recurringMaxInvoices) : null,
    },
  };
}

export type OfferSettings = ReturnType<typeof settingsOf>;

export function createBody(d: OfferDraft, timeZone?: string) {
  const { browserCodeCredit, browserAmountLimit, trackingOrigin, recurring, ...rest } = settingsOf(d, timeZone);
  // The browser-evidence settings are sent only when they differ from the defaults (off, no limit), so a new offer
  // that keeps them asks nothing of them.
  return {
    ...rest,
    ...(browserCodeCredit ? { browserCodeCredit } : {}),
    ...(browserAmountLimit !== null ? { browserAmountLimit } : {}),
    ...(trackingOrigin !== null ? { trackingOrigin } : {}),
    ...(recurring.mode !== 'none' ? { recurring } : {}),
    payoutOptions: d.payouts.map(payoutInput),
  };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Two decimal strings naming the same amount ("500" and "500.00"), compared as text: no float. */
function sameAmount(a: string | null, b: string | null): boolean {
  const norm = (x: string | null) => {
    if (x === null || !AMOUNT.test(x)) return x;
    const [whole, frac = ''] = x.split('.');
    return `${whole!.replace(/^0+(?=\d)/, '')}.${frac.replace(/0+$/, '')}`;
  };
  return norm(a) === norm(b);
}

/** Only the settings that differ from the saved offer (PATCH refuses an empty body). */
export function settingsPatch(saved: Offer, d: OfferDraft, timeZone?: string): Partial<OfferSettings> {
  const next = settingsOf(d, timeZone);
  const before: Record<string, unknown> = {
    name: saved.name,
    description: saved.description,
    imageUrl: saved.imageUrl,
    destinationUrl: saved.destinationUrl,
    conversionType: saved.conversionType,
    currency: saved.currency,
    trackingMethods: saved.trackingMethods,
    attributionRule: saved.attributionRule,
    splitCodeShare: saved.splitCodeShare,
    cookieWindowDays: saved.cookieWindowDays,
    holdDays: saved.holdDays,
    endsAt: saved.endsAt,
    utm: saved.utm,
    deepLinks: saved.deepLinks,
    codeAppend: saved.codeAppend,
    browserCodeCredit: saved.browserCodeCredit ?? false,
    browserAmountLimit: saved.browserAmountLimit ?? null,
    trackingOrigin: saved.trackingOrigin ?? null,
    recurring: saved.recurring ?? { mode: 'none', months: null, maxInvoices: null },
  };
  const patch: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(next)) {
    // An unchanged end date round-trips through the day picker: compare days, not milliseconds.
    if (k === 'endsAt' && dayOf(v as string | null, timeZone) === dayOf(saved.endsAt, timeZone)) continue;
    // "500" typed over a saved "500.00" is the same limit.
    if (k === 'browserAmountLimit' && sameAmount(v as string | null, saved.browserAmountLimit ?? null)) continue;
    if (!same(v, before[k])) patch[k] = v;
  }
  return patch as Partial<OfferSettings>;
}

export interface PayoutPlan {
  add: { index: number; body: PayoutInput }[];
  update: { index: number; id: string; body: Partial<PayoutInput> }[];
  remove: string[];
}

/**
 * The calls that turn the saved payout options into the drafts: adds first, then edits (the new default among
 * them), then archives, so the offer always has a default and an option is never archived while it still is one.
 */
export function payoutPlan(saved: PayoutOption[], drafts: PayoutDraft[]): PayoutPlan {
  const plan: PayoutPlan = { add: [], update: [], remove: [] };
  drafts.forEach((d, index) => {
    const body = payoutInput(d);
    const before = d.id ? saved.find((p) => p.id === d.id) : undefined;
    if (!before) {
      plan.add.push({ index, body });
      return;
    }
    const patch: Partial<PayoutInput> = {};
    if (body.title !== before.title) patch.title = body.title;
    if (body.type !== before.type) patch.type = body.type;
    if (body.value !== before.value) patch.value = body.value;
    if (!same(body.tiers, before.tiers)) patch.tiers = body.tiers;
    // Only ever set to true: the API refuses to un-default and moves the default itself.
    if (body.default && !before.default) patch.default = true;
    if (Object.keys(patch).length) plan.update.push({ index, id: before.id, body: patch });
  });
  plan.update.sort((a, b) => Number(!!a.body.default) - Number(!!b.body.default));
  for (const p of saved) if (!drafts.some((d) => d.id === p.id)) plan.remove.push(p.id);
  return plan;
}

const FIELD_STEP: [RegExp, number][] = [
  [/^(name|description|imageUrl|destinationUrl|conversionType|currency)\b/, 0],
  [
    /^(trackingMethods|attributionRule|splitCodeShare|cookieWindowDays|holdDays|codeAppend|browserCodeCredit|browserAmountLimit|recurring|payoutOptions)\b/,
    1,
  ],
  [/^(endsAt|utm|deepLinks|trackingOrigin)\b/, 2],
];

/** Which step shows the field an error is about ("payoutOptions.1.value" -> 1); unknown paths: the last step. */
export function stepOfField(path: string): number {
  return FIELD_STEP.find(([re]) => re.test(path))?.[1] ?? STEPS.length - 1;
}

const PERCENT = /^\d{1,3}(\.\d{1,2})?$/;
const AMOUNT = /^\d+(\.\d+)?$/;

function checkPayoutValue(type: 'percent' | 'fixed', value: string): string | null {
  const v = value.trim();
  if (!v) return 'Enter a value.';
  if (type === 'percent') return PERCENT.test(v) && Number(v) <= 100 ? null : 'A percent from 0 to 100, e.g. 12.5';
  return AMOUNT.test(v) ? null : 'An amount such as 5.00';
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s.replace(/\{[a-z_]+\}/g, 'x'));
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

/** The checks that can run before the server's: problems by field path, the server's path names. */
export function checkStep(step: number, d: OfferDraft): Record<string, string> {
  const e: Record<string, string> = {};
  if (step === 0) {
    if (!d.name.trim()) e.name = 'Give the offer a name.';
    if (!d.destinationUrl.trim()) e.destinationUrl = 'Where should the links send shoppers?';
    else if (!isHttpUrl(d.destinationUrl.trim()))
      e.destinationUrl = 'A full address such as https://shop.example.com/sale';
    if (d.imageUrl.trim() && !isHttpUrl(d.imageUrl.trim()))
      e.imageUrl = 'A full address such as https://cdn.example.com/offer.jpg';
    if (d.currency.trim() && !/^[A-Za-z]{3}$/.test(d.currency.trim()))
      e.currency = 'A three-letter currency code such as USD or EUR.';
  }
  if (step === 1) {
    if (!d.trackByLink && !d.trackByCode) e.trackingMethods = 'Track by link, by promo code, or both.';
    if (d.attributionRule === 'split' && !(PERCENT.test(d.splitCodeShare.trim()) && Number(d.splitCodeShare) <= 100)) {
      e.splitCodeShare = 'A percent from 0 to 100.';
    }
    const days = (v: string, min: number) => /^\d+$/.test(v.trim()) && Number(v) >= min && Number(v) <= 365;
    if (!days(d.cookieWindowDays, 1)) e.cookieWindowDays = 'From 1 to 365 days.';
    if (!days(d.holdDays, 0)) e.holdDays = 'From 0 to 365 days.';
    if (d.codeAppendMode === 'query' && !/^[A-Za-z0-9_.-]{1,64}$/.test(d.codeAppendParam.trim()))
      e['codeAppend.param'] = 'A parameter name such as discount.';
    if (d.browserAmountLimit.trim() && !/^\d{1,12}(\.\d{1,4})?$/.test(d.browserAmountLimit.trim()))
      e.browserAmountLimit = 'An amount such as 500.00, or empty for no limit.';
    const count = (v: string, max: number) => /^\d+$/.test(v.trim()) && Number(v) >= 1 && Number(v) <= max;
    if (d.recurringMode === 'months' && !count(d.recurringMonths, 120)) e['recurring.months'] = 'From 1 to 120 months.';
    if (d.recurringMode !== 'none' && d.recurringMaxInvoices.trim() && !count(d.recurringMaxInvoices, 1000))
      e['recurring.maxInvoices'] = 'From 1 to 1000 invoices, or empty for no cap.';
    if (!d.payouts.length) e.payoutOptions = 'Add at least one payout option.';
    d.payouts.forEach((p, i) => {
      if (!p.title.trim()) e[`payoutOptions.${i}.title`] = 'Give the option a title creators will see, e.g. Standard.';
      const bad = checkPayoutValue(p.type, p.value);
      if (bad) e[`payoutOptions.${i}.value`] = bad;
      let previous = 1;
      p.tiers.forEach((t, j) => {
        const from = Number(t.fromConversion);
        if (!/^\d+$/.test(t.fromConversion.trim()) || from <= previous) {
          e[`payoutOptions.${i}.tiers.${j}.fromConversion`] =
            previous === 1 ? 'From the 2nd conversion or later.' : 'After the tier before.';
        }
        previous = Math.max(previous, from || previous);
        const badTier = checkPayoutValue(p.type, t.value);
        if (badTier) e[`payoutOptions.${i}.tiers.${j}.value`] = badTier;
      });
    });
    if (d.payouts.filter((p) => p.default).length !== 1) e.payoutOptions = 'Pick one default payout option.';
  }
  if (step === 2) {
    d.utm.forEach((u, i) => {
      if (u.name.trim() && !/^[A-Za-z0-9_.\-[\]]{1,64}$/.test(u.name.trim()))
        e[`utm.${i}`] = 'A parameter name such as utm_source.';
      if (!u.name.trim() && u.value.trim()) e[`utm.${i}`] = 'Name the parameter.';
    });
    d.utm.forEach((u, i) => {
      const n = u.name.trim();
      if (n && d.utm.findIndex((o) => o.name.trim() === n) !== i) e[`utm.${i}`] = 'This parameter is already listed.';
    });
  }
  return e;
}
