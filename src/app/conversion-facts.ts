// What attribution and commission need to know about offers and payout options, read inside the order's transaction.
import type { Kysely, Transaction } from 'kysely';
import type { OfferTracking } from '../core/attribution.js';
import type { Payout } from '../core/commission.js';
import type { Database } from '../db/schema.js';

type Db = Kysely<Database> | Transaction<Database>;

export interface OfferFacts {
  tracking: OfferTracking;
  currency: string;
  holdDays: number;
}

export async function loadOfferTracking(db: Db, workspaceId: string, offerIds: (string | null | undefined)[]): Promise<Record<string, OfferFacts>> {
  const ids = [...new Set(offerIds.filter((id): id is string => !!id))];
  if (!ids.length) return {};
  const rows = await db.selectFrom('offers').selectAll().where('workspace_id', '=', workspaceId).where('id', 'in', ids).execute();
  const out: Record<string, OfferFacts> = {};
  for (const o of rows) {
    const methods = JSON.parse(o.tracking_methods) as string[];
    out[o.id] = {
      tracking: {
        status: o.status, endsAt: o.ends_at, cookieWindowDays: o.cookie_window_days, attributionRule: o.attribution_rule,
        splitCodeShareBps: o.split_code_share_bps, tracksLinks: methods.includes('link'), tracksCodes: methods.includes('code'),
      },
      currency: o.currency,
      holdDays: o.hold_days,
    };
  }
  return out;
}

/** The member's payout option on the offer, or the offer's default when the member is no longer on it. */
export async function payoutFor(db: Db, workspaceId: string, offerId: string, memberId: string): Promise<{ id: string; payout: Payout }> {
  const assigned = await db
    .selectFrom('offer_members')
    .select('payout_option_id')
    .where('workspace_id', '=', workspaceId)
    .where('offer_id', '=', offerId)
    .where('member_id', '=', memberId)
    .executeTakeFirst();
  let q = db.selectFrom('payout_options').selectAll().where('workspace_id', '=', workspaceId).where('offer_id', '=', offerId);
  q = assigned ? q.where('id', '=', assigned.payout_option_id) : q.where('is_default', '=', 1).where('archived_at', 'is', null);
  const p = await q.executeTakeFirstOrThrow();
  return { id: p.id, payout: { type: p.type, value: p.value, tiers: JSON.parse(p.tiers) as Payout['tiers'] } };
}
