// "Add members to offer": one call assigns payout options and creates links and personalized codes.
import { fail, ok, type ProblemDetail, type Result } from '../core/result.js';
import { newId } from '../core/ids.js';
import { recordAudit } from '../db/audit.js';
import { uniqueViolation } from '../db/dialect/index.js';
import * as linksRepo from '../db/links.js';
import { findMembers } from '../db/members.js';
import * as offerMembers from '../db/offer-members.js';
import type { OfferMemberRow } from '../db/offer-members.js';
import { findOffer, listPayoutOptions } from '../db/offers.js';
import * as codesRepo from '../db/promo-codes.js';
import { codeView, generateCodesFor, patternProblem, type CodeView } from './codes.js';
import type {
  MemberOffer,
  OfferMemberListQuery,
  OfferMemberNumbers,
  OfferMemberPage,
  OfferMemberSort,
} from '../contract/offers.js';
import { findWorkspace } from '../db/workspaces.js';
import { encodeCursor, type Actor, type AppContext } from './context.js';
import { describePayout } from './portal.js';
import { runReport } from './reports.js';
import { checkDeepLink, insertLinkWithSlug, linkView, type LinkView } from './links.js';
import { linkBase } from '../core/tracking-origin.js';
import { memberView } from './members.js';

export interface AddMembersInput {
  members: { memberId: string; payoutOptionId?: string; deepLinkUrl?: string }[];
  generateLinks?: boolean;
  generateCodes?: boolean;
  codePattern?: string;
}

export const DEFAULT_CODE_PATTERN = '{NAME}{RAND4}';

/**
 * Adds members (or updates their payout option when already on the offer). A new link is made for a member with
 * no active link on the offer, or when a deep link is given; a code for a member with no active code on it.
 * Returns, per member, what this call created.
 */
export async function addMembersToOffer(
  ctx: AppContext,
  actor: Actor,
  offerId: string,
  input: AddMembersInput,
): Promise<
  Result<{
    added: number;
    updated: number;
    members: { memberId: string; payoutOptionId: string; links: LinkView[]; codes: CodeView[] }[];
  }>
> {
  const { db } = ctx.store;
  const offer = await findOffer(db, actor.workspaceId, offerId);
  if (!offer) return fail('not_found', 'Offer not found.');
  if (offer.status === 'archived')
    return fail('offer_archived', 'The offer is archived; resume it before adding members.');
  const pattern = input.codePattern ?? DEFAULT_CODE_PATTERN;
  if (input.generateCodes) {
    const bad = patternProblem(pattern);
    if (bad) return bad;
  }
  const ids = input.members.map((m) => m.memberId);
  const members = new Map((await findMembers(db, actor.workspaceId, ids)).map((m) => [m.id, m]));
  const payouts = await listPayoutOptions(db, actor.workspaceId, [offerId]);
  const defaultPayout = payouts.find((p) => p.is_default === 1)!;
  const problems: ProblemDetail[] = [];
  const deepLinks = new Map<string, string>();
  const seen = new Set<string>();
  input.members.forEach((m, i) => {
    if (!members.has(m.memberId))
      problems.push({ path: `members.${i}.memberId`, code: 'not_found', message: `No member ${m.memberId}.` });
    if (seen.has(m.memberId))
      problems.push({ path: `members.${i}.memberId`, code: 'duplicate', message: 'The member is listed twice.' });
    seen.add(m.memberId);
    if (m.payoutOptionId && !payouts.some((p) => p.id === m.payoutOptionId)) {
      problems.push({
        path: `members.${i}.payoutOptionId`,
        code: 'not_found',
        message: 'Not a payout option of this offer.',
      });
    }
    if (m.deepLinkUrl) {
      const checked = checkDeepLink(offer, m.deepLinkUrl);
      if (checked.ok) deepLinks.set(m.memberId, checked.value);
      else problems.push({ ...checked.problem.details![0]!, path: `members.${i}.deepLinkUrl` });
    }
  });
  if (problems.length) return fail('validation_failed', 'Some members could not be added.', problems);

  const existing = new Map(
    (await offerMembers.findOfferMembers(db, actor.workspaceId, offerId, ids)).map((r) => [r.member_id, r]),
  );
  const activeLinks = new Set(
    (await linksRepo.linksOfMembers(db, actor.workspaceId, offerId, ids))
      .filter((l) => l.status === 'active')
      .map((l) => l.member_id),
  );
  const activeCodes = new Set(
    (await codesRepo.codesOfMembers(db, actor.workspaceId, offerId, ids))
      .filter((c) => c.status === 'active')
      .map((c) => c.member_id),
  );
  const now = ctx.clock();

  for (let attempt = 0; ; attempt++) {
    const codeTargets = input.generateCodes
      ? input.members.filter((m) => !activeCodes.has(m.memberId)).map((m) => members.get(m.memberId)!)
      : [];
    const generated = await generateCodesFor(
      actor.workspaceId,
      offerId,
      codeTargets,
      pattern,
      await codesRepo.activeCodeSet(db, actor.workspaceId),
      now,
    );
    if (!generated.ok) return generated;
    try {
      const result = await db.transaction().execute(async (tx) => {
        const out: { memberId: string; payoutOptionId: string; links: LinkView[]; codes: CodeView[] }[] = [];
        for (const m of input.members) {
          const had = existing.get(m.memberId);
          const payoutOptionId = m.payoutOptionId ?? had?.payout_option_id ?? defaultPayout.id;
          await offerMembers.upsertOfferMember(
            tx,
            {
              workspace_id: actor.workspaceId,
              offer_id: offerId,
              member_id: m.memberId,
              payout_option_id: payoutOptionId,
              created_at: now,
            },
            had !== undefined,
          );
          const created: LinkView[] = [];
          const deepLink = deepLinks.get(m.memberId) ?? null;
          if (input.generateLinks && (deepLink || !activeLinks.has(m.memberId))) {
            const link = await insertLinkWithSlug(
              tx,
              {
                id: newId('lnk', now),
                workspace_id: actor.workspaceId,
                offer_id: offerId,
                member_id: m.memberId,
                deep_link_url: deepLink,
                status: 'active',
                created_at: now,
                disabled_at: null,
              },
              undefined,
            );
            if (link.ok) created.push(linkView(linkBase(ctx.baseUrl, offer.tracking_origin), link.value));
          }
          const codes = generated.value.filter((c) => c.member_id === m.memberId);
          await codesRepo.insertCodes(tx, codes);
          out.push({ memberId: m.memberId, payoutOptionId, links: created, codes: codes.map(codeView) });
        }
        await recordAudit(tx, {
          ...actor,
          entity: 'offer',
          entityId: offerId,
          action: 'members_added',
          detail: { members: input.members },
          now,
        });
        return out;
      });
      await ctx.trackingChanged({ kind: 'offer', id: offerId });
      return ok({
        added: input.members.filter((m) => !existing.has(m.memberId)).length,
        updated: existing.size,
        members: result,
      });
    } catch (e) {
      // A code string was taken by a concurrent request: draw the codes again against the fresh set.
      if (!uniqueViolation(e) || attempt >= 3) throw e;
    }
  }
}

type NumberSort = Exclude<OfferMemberSort, 'name' | 'joined'>;
const numberOf: Record<NumberSort, (n: OfferMemberNumbers) => number> = {
  clicks: (n) => n.clicks,
  conversions: (n) => n.conversions,
  sales: (n) => n.netSalesMinor,
  commission: (n) => n.commissionMinor,
};
const NO_NUMBERS: OfferMemberNumbers = { clicks: 0, conversions: 0, netSalesMinor: 0, commissionMinor: 0 };

/** A cursor is the offset of the next page, so callers that follow nextCursor keep working under any sort. */
const encodeOffset = (offset: number) => encodeCursor(`offset_${offset}`);
function decodeOffset(cursor: string | undefined): number | null {
  const m = cursor ? /^offset_(\d{1,7})$/.exec(Buffer.from(cursor, 'base64url').toString()) : null;
  return m ? Number(m[1]) : null;
}

/**
 * One page of the offer's members, searched and sorted on the server with the total, so the page stays short with
 * thousands. Each row carries its last-30-days numbers from the same report the sort by a number reads.
 */
export async function listOfferMembers(
  ctx: AppContext,
  actor: Actor,
  offerId: string,
  query: OfferMemberListQuery,
): Promise<Result<OfferMemberPage>> {
  const { db } = ctx.store;
  const offer = await findOffer(db, actor.workspaceId, offerId);
  if (!offer) return fail('not_found', 'Offer not found.');
  const base = linkBase(ctx.baseUrl, offer.tracking_origin);
  if (query.cursor && decodeOffset(query.cursor) === null)
    return fail('validation_failed', 'The cursor is not one this list gave.', [
      { path: 'cursor', code: 'cursor_invalid', message: 'Pass nextCursor of the previous page unchanged.' },
    ]);
  const limit = query.limit ?? 50;
  const offset = decodeOffset(query.cursor) ?? query.offset ?? 0;
  const sort = query.sort ?? 'joined';
  const desc = (query.order ?? (sort === 'name' ? 'asc' : 'desc')) === 'desc';
  const search = { q: query.q };

  const ws = await findWorkspace(db, actor.workspaceId);
  if (!ws) return fail('not_found', 'Workspace not found.');
  const report = await runReport(ctx, ws, { groupBy: 'member', offerId });
  if (!report.ok) return report;
  const numbers = new Map(
    report.value.rows.map((r) => [
      r.key,
      {
        clicks: r.clicks ?? 0,
        conversions: r.conversions,
        netSalesMinor: r.netSalesMinor,
        commissionMinor: r.commissionMinor,
      },
    ]),
  );

  let rows: OfferMemberRow[];
  let total: number;
  if (sort === 'name' || sort === 'joined') {
    total = await offerMembers.countOfferMembers(db, actor.workspaceId, offerId, search);
    rows = await offerMembers.pageOfferMembers(db, actor.workspaceId, offerId, {
      ...search,
      sort,
      desc,
      offset,
      limit,
    });
  } else {
    // The numbers live in the report, not in a column: the matching keys (an id and a name each) are sorted here.
    const keys = await offerMembers.offerMemberKeys(db, actor.workspaceId, offerId, search);
    const value = numberOf[sort];
    const sign = desc ? -1 : 1;
    keys.sort(
      (a, b) =>
        sign * (value(numbers.get(a.member_id) ?? NO_NUMBERS) - value(numbers.get(b.member_id) ?? NO_NUMBERS)) ||
        a.name.toLowerCase().localeCompare(b.name.toLowerCase()) ||
        (a.member_id < b.member_id ? -1 : 1),
    );
    total = keys.length;
    const ids = keys.slice(offset, offset + limit).map((k) => k.member_id);
    const byId = new Map(
      (await offerMembers.findOfferMembers(db, actor.workspaceId, offerId, ids)).map((r) => [r.member_id, r]),
    );
    rows = ids.map((id) => byId.get(id)).filter((r): r is OfferMemberRow => !!r);
  }

  const ids = rows.map((r) => r.member_id);
  const members = new Map((await findMembers(db, actor.workspaceId, ids)).map((m) => [m.id, m]));
  const links = await linksRepo.linksOfMembers(db, actor.workspaceId, offerId, ids);
  const counts = await linksRepo.clickCounts(
    db,
    actor.workspaceId,
    'link',
    links.map((l) => l.id),
  );
  const codes = await codesRepo.codesOfMembers(db, actor.workspaceId, offerId, ids);
  const { from, to, timezone, currency } = report.value;
  return ok({
    data: rows.map((r) => ({
      member: memberView(members.get(r.member_id)!),
      payoutOptionId: r.payout_option_id,
      joinedAt: new Date(r.created_at).toISOString(),
      links: links
        .filter((l) => l.member_id === r.member_id)
        .map((l) => linkView(base, l, counts.get(l.id) ?? { clicks: 0, uniqueClicks: 0 })),
      codes: codes.filter((c) => c.member_id === r.member_id).map(codeView),
      numbers: numbers.get(r.member_id) ?? NO_NUMBERS,
    })),
    nextCursor: offset + rows.length < total && rows.length ? encodeOffset(offset + rows.length) : null,
    total,
    offset,
    period: { from, to, timezone, currency },
  });
}

/** The offers a member is on, with their payout option in words, links and codes (the member profile). */
export async function listMemberOffers(
  ctx: AppContext,
  actor: Actor,
  memberId: string,
): Promise<Result<{ data: MemberOffer[] }>> {
  const { db } = ctx.store;
  if (!(await findMembers(db, actor.workspaceId, [memberId])).length) return fail('not_found', 'Member not found.');
  const memberships = await offerMembers.offersOfMember(db, actor.workspaceId, memberId);
  const data: MemberOffer[] = [];
  for (const m of memberships) {
    const offer = await findOffer(db, actor.workspaceId, m.offer_id);
    if (!offer) continue;
    const option = (await listPayoutOptions(db, actor.workspaceId, [offer.id])).find(
      (p) => p.id === m.payout_option_id,
    );
    const links = await linksRepo.linksOfMembers(db, actor.workspaceId, offer.id, [memberId]);
    const counts = await linksRepo.clickCounts(
      db,
      actor.workspaceId,
      'link',
      links.map((l) => l.id),
    );
    const codes = await codesRepo.codesOfMembers(db, actor.workspaceId, offer.id, [memberId]);
    data.push({
      offer: { id: offer.id, name: offer.name, status: offer.status, currency: offer.currency },
      payoutOption: {
        id: m.payout_option_id,
        title: option?.title ?? '',
        description: option ? describePayout(option, offer) : '',
      },
      joinedAt: new Date(m.created_at).toISOString(),
      links: links.map((l) =>
        linkView(linkBase(ctx.baseUrl, offer.tracking_origin), l, counts.get(l.id) ?? { clicks: 0, uniqueClicks: 0 }),
      ),
      codes: codes.map(codeView),
    });
  }
  return ok({ data });
}

/** Takes a member off an offer: their links keep redirecting but stop tracking, their codes stop crediting. */
export async function removeMemberFromOffer(
  ctx: AppContext,
  actor: Actor,
  offerId: string,
  memberId: string,
): Promise<Result<{ removed: true }>> {
  const { db } = ctx.store;
  if (!(await findOffer(db, actor.workspaceId, offerId))) return fail('not_found', 'Offer not found.');
  const now = ctx.clock();
  const removed = await db.transaction().execute(async (tx) => {
    const gone = await offerMembers.deleteOfferMember(tx, actor.workspaceId, offerId, memberId);
    if (!gone) return false;
    await linksRepo.disableLinks(tx, actor.workspaceId, { offerId, memberId }, now);
    await codesRepo.disableCodes(tx, actor.workspaceId, { offerId, memberId }, now);
    await recordAudit(tx, {
      ...actor,
      entity: 'offer',
      entityId: offerId,
      action: 'member_removed',
      detail: { memberId },
      now,
    });
    return true;
  });
  if (!removed) return fail('not_found', 'The member is not on this offer.');
  await ctx.trackingChanged({ kind: 'offer', id: offerId });
  return ok({ removed: true });
}
