// Offers and their payout options: create, edit (with history), pause, resume, archive. Never a hard delete.
import type { DeepLinkSettings } from '../core/destination.js';
import { newId } from '../core/ids.js';
import { formatAmount, formatPercent, parseAmount, parsePercent } from '../core/money.js';
import { fail, ok, type ProblemDetail, type Result } from '../core/result.js';
import type { CodeAppendSettings } from '../core/templating.js';
import { recordAudit } from '../db/audit.js';
import { clickCounts } from '../db/links.js';
import * as repo from '../db/offers.js';
import { checkTrackingOrigin } from '../core/tracking-origin.js';
import { findWorkspace } from '../db/workspaces.js';
import { decodeCursor, toPage, type Actor, type AppContext, type Page } from './context.js';
import type { Offer, PayoutOption } from '../contract/offers.js';
import {
  checkCodeAppend,
  checkCurrency,
  checkDeepLinks,
  checkDestinationUrl,
  checkUtm,
  DEFAULT_CODE_APPEND,
  DEFAULT_DEEP_LINKS,
  DEFAULT_UTM,
  formatPayoutValue,
  parsePayoutOption,
  type AttributionRule,
  type PayoutOptionInput,
  type TrackingMethod,
} from './offer-settings.js';

export interface OfferSettingsInput {
  name?: string;
  description?: string;
  imageUrl?: string | null;
  destinationUrl?: string;
  conversionType?: repo.OfferRow['conversion_type'];
  trackingMethods?: TrackingMethod[];
  attributionRule?: AttributionRule;
  splitCodeShare?: string;
  cookieWindowDays?: number;
  holdDays?: number;
  endsAt?: string | null;
  currency?: string;
  utm?: Record<string, string>;
  deepLinks?: DeepLinkSettings;
  codeAppend?: CodeAppendSettings;
  browserCodeCredit?: boolean;
  /** Decimal string in the offer's currency; null: no limit. */
  browserAmountLimit?: string | null;
  /** First-party tracking origin (`https://shop.example.com/go`); null: links on BASE_URL. */
  trackingOrigin?: string | null;
  recurring?: { mode: repo.OfferRow['recurring']; months: number | null; maxInvoices: number | null };
}

export interface OfferCreateInput extends OfferSettingsInput {
  name: string;
  destinationUrl: string;
  payoutOptions: PayoutOptionInput[];
}

/** A payout option as the API answers it (contract/offers.ts). */
export type PayoutOptionView = PayoutOption;

/** An offer as the API answers it (contract/offers.ts); clicks only in read views. */
export type OfferView = Offer;

export function payoutOptionView(p: repo.PayoutOptionRow, currency: string): PayoutOptionView {
  const tiers = JSON.parse(p.tiers) as { fromConversion: number; value: number }[];
  return {
    id: p.id,
    title: p.title,
    type: p.type,
    value: formatPayoutValue(p.type, p.value, currency),
    tiers: tiers.map((t) => ({
      fromConversion: t.fromConversion,
      value: formatPayoutValue(p.type, t.value, currency),
    })),
    default: p.is_default === 1,
  };
}

export function offerView(
  o: repo.OfferRow,
  payouts: repo.PayoutOptionRow[],
  counts?: { clicks: number; uniqueClicks: number },
): OfferView {
  return {
    id: o.id,
    name: o.name,
    description: o.description,
    imageUrl: o.image_url,
    status: o.status,
    destinationUrl: o.destination_url,
    conversionType: o.conversion_type,
    trackingMethods: JSON.parse(o.tracking_methods) as TrackingMethod[],
    attributionRule: o.attribution_rule,
    splitCodeShare: formatPercent(o.split_code_share_bps),
    cookieWindowDays: o.cookie_window_days,
    holdDays: o.hold_days,
    endsAt: o.ends_at === null ? null : new Date(o.ends_at).toISOString(),
    currency: o.currency,
    utm: JSON.parse(o.utm) as Record<string, string>,
    deepLinks: JSON.parse(o.deep_links) as DeepLinkSettings,
    codeAppend: JSON.parse(o.code_append) as CodeAppendSettings,
    browserCodeCredit: o.browser_code_credit === 1,
    browserAmountLimit:
      o.browser_amount_limit_minor === null ? null : formatAmount(Number(o.browser_amount_limit_minor), o.currency),
    trackingOrigin: o.tracking_origin,
    recurring: { mode: o.recurring, months: o.recurring_months, maxInvoices: o.recurring_max_invoices },
    payoutOptions: payouts.filter((p) => p.offer_id === o.id).map((p) => payoutOptionView(p, o.currency)),
    ...counts,
    createdAt: new Date(o.created_at).toISOString(),
    updatedAt: new Date(o.updated_at).toISOString(),
  };
}

/** Validates settings (full on create, partial on update) into column values. */
function settingsToColumns(
  input: OfferSettingsInput,
  currentCurrency: string,
  problems: ProblemDetail[],
): Partial<repo.OfferRow> {
  const cols: Partial<repo.OfferRow> = {};
  if (input.name !== undefined) {
    if (!input.name.trim()) problems.push({ path: 'name', code: 'required', message: 'An offer needs a name.' });
    cols.name = input.name.trim();
  }
  if (input.description !== undefined) cols.description = input.description;
  if (input.imageUrl !== undefined) cols.image_url = input.imageUrl;
  if (input.destinationUrl !== undefined) {
    checkDestinationUrl(input.destinationUrl, 'destinationUrl', problems);
    cols.destination_url = input.destinationUrl.trim();
  }
  if (input.conversionType !== undefined) cols.conversion_type = input.conversionType;
  if (input.trackingMethods !== undefined) {
    if (!input.trackingMethods.length)
      problems.push({ path: 'trackingMethods', code: 'required', message: 'Track by link, by code, or both.' });
    cols.tracking_methods = JSON.stringify([...new Set(input.trackingMethods)]);
  }
  if (input.attributionRule !== undefined) cols.attribution_rule = input.attributionRule;
  if (input.splitCodeShare !== undefined) {
    const bps = parsePercent(input.splitCodeShare);
    if (bps === null)
      problems.push({
        path: 'splitCodeShare',
        code: 'percent_invalid',
        message: 'The code share is a percent from 0 to 100, e.g. "50".',
      });
    else cols.split_code_share_bps = bps;
  }
  if (input.cookieWindowDays !== undefined) cols.cookie_window_days = input.cookieWindowDays;
  if (input.holdDays !== undefined) cols.hold_days = input.holdDays;
  if (input.endsAt !== undefined) {
    const t = input.endsAt === null ? null : Date.parse(input.endsAt);
    if (t !== null && Number.isNaN(t))
      problems.push({ path: 'endsAt', code: 'date_invalid', message: 'The end date is an ISO 8601 date-time.' });
    else cols.ends_at = t;
  }
  if (input.currency !== undefined) {
    checkCurrency(input.currency, 'currency', problems);
    cols.currency = input.currency;
  }
  if (input.utm !== undefined) {
    checkUtm(input.utm, 'utm', problems);
    cols.utm = JSON.stringify(input.utm);
  }
  if (input.deepLinks !== undefined) {
    const deepLinks = {
      ...input.deepLinks,
      extraDomains: input.deepLinks.extraDomains.map((d) => d.trim().toLowerCase()),
    };
    checkDeepLinks(deepLinks, 'deepLinks', problems);
    cols.deep_links = JSON.stringify(deepLinks);
  }
  if (input.codeAppend !== undefined) {
    checkCodeAppend(input.codeAppend, 'codeAppend', problems);
    cols.code_append = JSON.stringify(input.codeAppend);
  }
  if (input.recurring !== undefined) {
    const { mode, months, maxInvoices } = input.recurring;
    if (mode === 'months' && months === null)
      problems.push({
        path: 'recurring.months',
        code: 'required',
        message: 'Say for how many months renewals pay, or choose lifetime.',
      });
    cols.recurring = mode;
    cols.recurring_months = mode === 'months' ? months : null;
    cols.recurring_max_invoices = mode === 'none' ? null : maxInvoices;
  }
  if (input.browserCodeCredit !== undefined) cols.browser_code_credit = input.browserCodeCredit ? 1 : 0;
  if (input.browserAmountLimit !== undefined) {
    if (input.browserAmountLimit === null) cols.browser_amount_limit_minor = null;
    else {
      const parsed = parseAmount(input.browserAmountLimit, input.currency ?? currentCurrency);
      if (!parsed.ok)
        problems.push({
          path: 'browserAmountLimit',
          code: parsed.error,
          message: 'The limit is an amount in the offer currency, e.g. "500.00".',
        });
      else cols.browser_amount_limit_minor = parsed.minor;
    }
  }
  if (input.trackingOrigin !== undefined) {
    cols.tracking_origin = input.trackingOrigin === null || !input.trackingOrigin.trim() ? null : input.trackingOrigin;
  }
  return cols;
}

/**
 * The tracking origin, normalized, checked against the offer as it will be (a changed destination or extra domain
 * can leave a stored origin off the offer's site: the change is refused until the origin is changed too).
 */
function checkOrigin(
  cols: Partial<repo.OfferRow>,
  current: Pick<repo.OfferRow, 'destination_url' | 'deep_links' | 'tracking_origin'> | null,
  problems: ProblemDetail[],
): void {
  const origin = cols.tracking_origin !== undefined ? cols.tracking_origin : (current?.tracking_origin ?? null);
  if (origin === null) return;
  const destination = cols.destination_url ?? current?.destination_url ?? '';
  const deepLinks = JSON.parse(cols.deep_links ?? current?.deep_links ?? JSON.stringify(DEFAULT_DEEP_LINKS));
  const checked = checkTrackingOrigin(origin, destination, (deepLinks as DeepLinkSettings).extraDomains);
  if (checked.ok) {
    if (cols.tracking_origin !== undefined) cols.tracking_origin = checked.origin;
  } else problems.push({ path: 'trackingOrigin', code: 'tracking_origin_invalid', message: checked.message });
}

const NO_CLICKS = { clicks: 0, uniqueClicks: 0 };

const invalid = (details: ProblemDetail[]) => fail<never>('validation_failed', 'Some fields are not valid.', details);

export async function createOffer(ctx: AppContext, actor: Actor, input: OfferCreateInput): Promise<Result<OfferView>> {
  const { db } = ctx.store;
  const workspace = await findWorkspace(db, actor.workspaceId);
  if (!workspace) return fail('not_found', 'Workspace not found.');
  const problems: ProblemDetail[] = [];
  const currency = input.currency ?? workspace.currency;
  const cols = settingsToColumns({ ...input, currency }, currency, problems);
  checkOrigin(cols, null, problems);
  if (!input.payoutOptions.length)
    problems.push({ path: 'payoutOptions', code: 'required', message: 'An offer needs at least one payout option.' });
  const defaults = input.payoutOptions.filter((p) => p.default).length;
  if (defaults > 1)
    problems.push({
      path: 'payoutOptions',
      code: 'default_ambiguous',
      message: 'Only one payout option can be the default.',
    });
  const payouts = input.payoutOptions.map((p, i) => parsePayoutOption(p, currency, `payoutOptions.${i}`, problems));
  if (problems.length) return invalid(problems);

  const now = ctx.clock();
  const offer: repo.OfferRow = {
    id: newId('off', now),
    workspace_id: actor.workspaceId,
    name: cols.name!,
    description: cols.description ?? '',
    image_url: cols.image_url ?? null,
    status: 'active',
    destination_url: cols.destination_url!,
    conversion_type: cols.conversion_type ?? 'sale',
    tracking_methods: cols.tracking_methods ?? JSON.stringify(['link', 'code']),
    attribution_rule: cols.attribution_rule ?? 'code_first',
    split_code_share_bps: cols.split_code_share_bps ?? 5_000,
    cookie_window_days: cols.cookie_window_days ?? 28,
    hold_days: cols.hold_days ?? workspace.default_hold_days,
    ends_at: cols.ends_at ?? null,
    currency,
    utm: cols.utm ?? JSON.stringify(DEFAULT_UTM),
    deep_links: cols.deep_links ?? JSON.stringify(DEFAULT_DEEP_LINKS),
    code_append: cols.code_append ?? JSON.stringify(DEFAULT_CODE_APPEND),
    browser_code_credit: cols.browser_code_credit ?? 0,
    browser_amount_limit_minor: cols.browser_amount_limit_minor ?? null,
    tracking_origin: cols.tracking_origin ?? null,
    recurring: cols.recurring ?? 'none',
    recurring_months: cols.recurring_months ?? null,
    recurring_max_invoices: cols.recurring_max_invoices ?? null,
    created_at: now,
    updated_at: now,
  };
  const defaultIndex = Math.max(
    0,
    input.payoutOptions.findIndex((p) => p.default),
  );
  const payoutRows: repo.PayoutOptionRow[] = payouts.map((p, i) => ({
    id: newId('pay', now),
    workspace_id: actor.workspaceId,
    offer_id: offer.id,
    title: p!.title,
    type: p!.type,
    value: p!.value,
    tiers: JSON.stringify(p!.tiers),
    is_default: i === defaultIndex ? 1 : 0,
    position: i,
    created_at: now,
    archived_at: null,
  }));
  await db.transaction().execute(async (tx) => {
    await repo.insertOffer(tx, offer);
    await repo.insertPayoutOptions(tx, payoutRows);
    await recordAudit(tx, {
      ...actor,
      entity: 'offer',
      entityId: offer.id,
      action: 'created',
      detail: { after: offer },
      now,
    });
  });
  return ok(offerView(offer, payoutRows));
}

export async function getOffer(ctx: AppContext, actor: Actor, id: string): Promise<Result<OfferView>> {
  const offer = await repo.findOffer(ctx.store.db, actor.workspaceId, id);
  if (!offer) return fail('not_found', 'Offer not found.');
  const counts = await clickCounts(ctx.store.db, actor.workspaceId, 'offer', [id]);
  return ok(
    offerView(offer, await repo.listPayoutOptions(ctx.store.db, actor.workspaceId, [id]), counts.get(id) ?? NO_CLICKS),
  );
}

export async function listOffers(
  ctx: AppContext,
  actor: Actor,
  q: { status?: repo.OfferRow['status']; cursor?: string; limit: number },
): Promise<Page<OfferView>> {
  const rows = await repo.listOffers(ctx.store.db, actor.workspaceId, {
    status: q.status,
    before: decodeCursor(q.cursor),
    limit: q.limit,
  });
  const ids = rows.slice(0, q.limit).map((r) => r.id);
  const payouts = await repo.listPayoutOptions(ctx.store.db, actor.workspaceId, ids);
  const counts = await clickCounts(ctx.store.db, actor.workspaceId, 'offer', ids);
  return toPage(rows, q.limit, (r) => offerView(r, payouts, counts.get(r.id) ?? NO_CLICKS));
}

/** Edits keep their history in the audit log; commissions already computed keep the payout they were computed with. */
export async function updateOffer(
  ctx: AppContext,
  actor: Actor,
  id: string,
  input: OfferSettingsInput,
): Promise<Result<OfferView>> {
  const { db } = ctx.store;
  const offer = await repo.findOffer(db, actor.workspaceId, id);
  if (!offer) return fail('not_found', 'Offer not found.');
  const problems: ProblemDetail[] = [];
  const cols = settingsToColumns(input, offer.currency, problems);
  checkOrigin(cols, offer, problems);
  if (problems.length) return invalid(problems);
  const now = ctx.clock();
  const before: Partial<repo.OfferRow> = {};
  for (const key of Object.keys(cols) as (keyof repo.OfferRow)[]) (before as Record<string, unknown>)[key] = offer[key];
  await db.transaction().execute(async (tx) => {
    await repo.updateOfferRow(tx, actor.workspaceId, id, { ...cols, updated_at: now });
    await recordAudit(tx, {
      ...actor,
      entity: 'offer',
      entityId: id,
      action: 'updated',
      detail: { before, after: cols },
      now,
    });
  });
  await ctx.trackingChanged({ kind: 'offer', id });
  return getOffer(ctx, actor, id);
}

const TRANSITIONS: Record<
  'pause' | 'resume' | 'archive',
  { from: repo.OfferRow['status'][]; to: repo.OfferRow['status'] }
> = {
  pause: { from: ['active'], to: 'paused' },
  resume: { from: ['paused', 'archived'], to: 'active' },
  archive: { from: ['active', 'paused'], to: 'archived' },
};

export async function changeOfferStatus(
  ctx: AppContext,
  actor: Actor,
  id: string,
  action: keyof typeof TRANSITIONS,
): Promise<Result<OfferView>> {
  const { db } = ctx.store;
  const offer = await repo.findOffer(db, actor.workspaceId, id);
  if (!offer) return fail('not_found', 'Offer not found.');
  const t = TRANSITIONS[action];
  if (offer.status === t.to) return getOffer(ctx, actor, id);
  if (!t.from.includes(offer.status)) {
    return fail('offer_status_conflict', `An offer that is ${offer.status} cannot be asked to ${action}.`);
  }
  const now = ctx.clock();
  await db.transaction().execute(async (tx) => {
    await repo.updateOfferRow(tx, actor.workspaceId, id, { status: t.to, updated_at: now });
    await recordAudit(tx, {
      ...actor,
      entity: 'offer',
      entityId: id,
      action,
      detail: { before: offer.status, after: t.to },
      now,
    });
  });
  await ctx.trackingChanged({ kind: 'offer', id });
  return getOffer(ctx, actor, id);
}
