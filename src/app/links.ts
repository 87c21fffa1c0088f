// Tracking links: one per (offer, member[, deep link]) or a generic one per offer; random or vanity slugs.
import { resolveDeepLink, type DeepLinkSettings } from '../core/destination.js';
import { newId } from '../core/ids.js';
import { fail, ok, type Result } from '../core/result.js';
import { checkVanitySlug, randomSlug } from '../core/slugs.js';
import { recordAudit } from '../db/audit.js';
import { uniqueViolation } from '../db/dialect/index.js';
import * as links from '../db/links.js';
import { findMember } from '../db/members.js';
import { findOfferMembers } from '../db/offer-members.js';
import { findOffer, trackingOrigins, type OfferRow } from '../db/offers.js';
import { linkBase, linkUrl } from '../core/tracking-origin.js';
import type { Database } from '../db/schema.js';
import { sql, type Kysely, type Transaction } from 'kysely';
import { decodeCursor, toPage, type Actor, type AppContext, type Page } from './context.js';
import type { Link } from '../contract/links-codes.js';

/** A link as the API answers it (contract/links-codes.ts). */
export type LinkView = Link;

/** `base` is where the link's offer puts its links: linkBase(ctx.baseUrl, offer.tracking_origin). */
export function linkView(base: string, l: links.LinkRow, counts?: { clicks: number; uniqueClicks: number }): LinkView {
  return {
    id: l.id,
    offerId: l.offer_id,
    memberId: l.member_id,
    slug: l.slug,
    url: linkUrl(base, l.slug),
    deepLinkUrl: l.deep_link_url,
    status: l.status,
    createdAt: new Date(l.created_at).toISOString(),
    ...(counts ? counts : {}),
  };
}

/** A deep link must stay on the offer's domain or its allowed extra domains. */
export function checkDeepLink(offer: OfferRow, url: string): Result<string> {
  const settings = JSON.parse(offer.deep_links) as DeepLinkSettings;
  const resolved = resolveDeepLink(url, offer.destination_url.replace(/\{[a-z_]+\}/g, ''), settings.extraDomains);
  if (!resolved) {
    return fail(
      'deep_link_not_allowed',
      "A deep link must point to the offer's website or one of its allowed domains.",
      [{ path: 'deepLinkUrl', code: 'deep_link_not_allowed', message: `"${url}" is not on an allowed domain.` }],
    );
  }
  return ok(resolved);
}

type Db = Kysely<Database> | Transaction<Database>;

/** Inserts a link, drawing a new random slug on the (rare) collision; a taken vanity slug is the caller's conflict. */
export async function insertLinkWithSlug(
  db: Db,
  row: Omit<links.LinkRow, 'slug'>,
  vanity: string | undefined,
): Promise<Result<links.LinkRow>> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const link = { ...row, slug: vanity ?? randomSlug() };
    try {
      // A savepoint keeps a failed insert from aborting the surrounding PostgreSQL transaction.
      await (db.isTransaction
        ? savepoint(db as Transaction<Database>, () => links.insertLink(db, link))
        : links.insertLink(db, link));
      return ok(link);
    } catch (e) {
      if (!uniqueViolation(e)) throw e;
      if (vanity) return fail('slug_taken', `The link name "${vanity}" is already used.`);
    }
  }
  throw new Error('could not draw a free random slug in 5 attempts');
}

async function savepoint(tx: Transaction<Database>, work: () => Promise<void>): Promise<void> {
  await sql`savepoint link_slug`.execute(tx);
  try {
    await work();
    await sql`release savepoint link_slug`.execute(tx);
  } catch (e) {
    await sql`rollback to savepoint link_slug`.execute(tx);
    throw e;
  }
}

export interface CreateLinkInput {
  offerId: string;
  memberId?: string | null;
  deepLinkUrl?: string | null;
  slug?: string;
}

export async function createLink(ctx: AppContext, actor: Actor, input: CreateLinkInput): Promise<Result<LinkView>> {
  const { db } = ctx.store;
  const offer = await findOffer(db, actor.workspaceId, input.offerId);
  if (!offer) return fail('not_found', 'Offer not found.');
  if (offer.status === 'archived')
    return fail('offer_archived', 'The offer is archived; resume it before creating links.');
  if (input.memberId) {
    const member = await findMember(db, actor.workspaceId, input.memberId);
    if (!member) return fail('not_found', 'Member not found.');
    const [onOffer] = await findOfferMembers(db, actor.workspaceId, offer.id, [member.id]);
    if (!onOffer) return fail('member_not_on_offer', 'Add the member to the offer first.');
  }
  let deepLink: string | null = null;
  if (input.deepLinkUrl) {
    const checked = checkDeepLink(offer, input.deepLinkUrl);
    if (!checked.ok) return checked;
    deepLink = checked.value;
  }
  if (input.slug !== undefined) {
    const problem = checkVanitySlug(input.slug);
    if (problem) {
      return fail('validation_failed', 'The link name is not valid.', [
        { path: 'slug', code: problem, message: 'Use 3 to 64 letters, digits, "-" or "_", not a reserved word.' },
      ]);
    }
  }
  const now = ctx.clock();
  const row = {
    id: newId('lnk', now),
    workspace_id: actor.workspaceId,
    offer_id: offer.id,
    member_id: input.memberId ?? null,
    deep_link_url: deepLink,
    status: 'active' as const,
    created_at: now,
    disabled_at: null,
  };
  const inserted = await insertLinkWithSlug(db, row, input.slug);
  if (!inserted.ok) return inserted;
  await recordAudit(db, {
    ...actor,
    entity: 'link',
    entityId: row.id,
    action: 'created',
    detail: { after: inserted.value },
    now,
  });
  await ctx.trackingChanged({ kind: 'link', id: row.id });
  return ok(linkView(linkBase(ctx.baseUrl, offer.tracking_origin), inserted.value));
}

export async function getLink(ctx: AppContext, actor: Actor, id: string): Promise<Result<LinkView>> {
  const link = await links.findLink(ctx.store.db, actor.workspaceId, id);
  if (!link) return fail('not_found', 'Link not found.');
  const counts = await links.clickCounts(ctx.store.db, actor.workspaceId, 'link', [id]);
  const origins = await trackingOrigins(ctx.store.db, actor.workspaceId, [link.offer_id]);
  const base = linkBase(ctx.baseUrl, origins.get(link.offer_id) ?? null);
  return ok(linkView(base, link, counts.get(id) ?? { clicks: 0, uniqueClicks: 0 }));
}

export async function listLinks(
  ctx: AppContext,
  actor: Actor,
  q: { offerId?: string; memberId?: string; status?: links.LinkRow['status']; cursor?: string; limit: number },
): Promise<Page<LinkView>> {
  const rows = await links.listLinks(ctx.store.db, actor.workspaceId, { ...q, before: decodeCursor(q.cursor) });
  const counts = await links.clickCounts(
    ctx.store.db,
    actor.workspaceId,
    'link',
    rows.slice(0, q.limit).map((r) => r.id),
  );
  const origins = await trackingOrigins(
    ctx.store.db,
    actor.workspaceId,
    rows.slice(0, q.limit).map((r) => r.offer_id),
  );
  return toPage(rows, q.limit, (r) =>
    linkView(
      linkBase(ctx.baseUrl, origins.get(r.offer_id) ?? null),
      r,
      counts.get(r.id) ?? { clicks: 0, uniqueClicks: 0 },
    ),
  );
}

/** A disabled link still redirects (a creator's post must never break) but records no trackable click. */
export async function disableLink(ctx: AppContext, actor: Actor, id: string): Promise<Result<LinkView>> {
  const { db } = ctx.store;
  const link = await links.findLink(db, actor.workspaceId, id);
  if (!link) return fail('not_found', 'Link not found.');
  const now = ctx.clock();
  if (link.status === 'active') {
    await links.disableLinks(db, actor.workspaceId, { id }, now);
    await recordAudit(db, { ...actor, entity: 'link', entityId: id, action: 'disabled', now });
    await ctx.trackingChanged({ kind: 'link', id });
  }
  return getLink(ctx, actor, id);
}
