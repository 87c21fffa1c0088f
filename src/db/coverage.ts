// Reads of the attribution coverage report (core/attribution-coverage.ts): the period's orders with what evidence
// they carried, and the period's clicks per user agent. Real orders only (no tracking checks, no refund placeholders).
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';

export interface CoverageScope {
  workspaceId: string;
  /** Epoch ms, start inclusive, end exclusive. */
  start: number;
  end: number;
  offerId?: string;
}

export interface CoverageOrderRow {
  source: string | null;
  code: string | null;
  /** The user agent of the click the order named, when the server recorded that click. */
  click_user_agent: string | null;
  click_found: string | null;
}

export async function coverageOrders(db: Kysely<Database>, s: CoverageScope): Promise<CoverageOrderRow[]> {
  let q = db
    .selectFrom('conversions as c')
    .leftJoin('clicks as k', (j) => j.onRef('k.id', '=', 'c.click_id').onRef('k.workspace_id', '=', 'c.workspace_id'))
    .select((eb) => [
      'c.code',
      'k.id as click_found',
      'k.user_agent as click_user_agent',
      eb
        .selectFrom('conversion_events as e')
        .select('e.source')
        .whereRef('e.conversion_id', '=', 'c.id')
        .orderBy('e.received_at')
        .limit(1)
        .as('source'),
    ])
    .where('c.workspace_id', '=', s.workspaceId)
    .where('c.is_test', '=', 0)
    .where('c.status', '!=', 'awaiting_order')
    .where('c.occurred_at', '>=', s.start)
    .where('c.occurred_at', '<', s.end);
  if (s.offerId) {
    const offerId = s.offerId;
    // An order belongs to an offer when it named it, when its click or its code is the offer's, or when the offer
    // paid a commission on it.
    q = q.where((eb) =>
      eb.or([
        eb('c.reported_offer_id', '=', offerId),
        eb('k.offer_id', '=', offerId),
        eb.exists(
          eb
            .selectFrom('commissions as m')
            .select(sql`1`.as('one'))
            .whereRef('m.conversion_id', '=', 'c.id')
            .where('m.offer_id', '=', offerId),
        ),
        eb.exists(
          eb
            .selectFrom('promo_codes as p')
            .select(sql`1`.as('one'))
            .whereRef('p.workspace_id', '=', 'c.workspace_id')
            .whereRef('p.code_normalized', '=', 'c.code')
            .where('p.offer_id', '=', offerId),
        ),
      ]),
    );
  }
  return q.execute();
}

/** People's clicks in the period per distinct user agent (bots never credit, so they are left out). */
export async function coverageClicks(
  db: Kysely<Database>,
  s: CoverageScope,
): Promise<{ user_agent: string; clicks: number }[]> {
  let q = db
    .selectFrom('clicks')
    .select(['user_agent', (eb) => eb.fn.countAll<number | string>().as('clicks')])
    .where('workspace_id', '=', s.workspaceId)
    .where('is_bot', '=', 0)
    .where('created_at', '>=', s.start)
    .where('created_at', '<', s.end);
  if (s.offerId) q = q.where('offer_id', '=', s.offerId);
  const rows = await q.groupBy('user_agent').execute();
  return rows.map((r) => ({ user_agent: r.user_agent, clicks: Number(r.clicks) }));
}
