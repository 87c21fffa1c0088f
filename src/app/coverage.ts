// The attribution coverage report (issue #17): what share of a period's orders came with click evidence, code
// evidence, both or neither, by ingestion path, and how often each browser family's clicks came back as orders.
import { attributionCoverage, type Coverage } from '../core/attribution-coverage.js';
import { fail, ok, type Result } from '../core/result.js';
import { addDays, bucketStart } from '../core/time-buckets.js';
import { browserFamily } from '../core/visitor.js';
import { coverageClicks, coverageOrders } from '../db/coverage.js';
import { findOffer } from '../db/offers.js';
import type { Workspace } from '../db/workspaces.js';
import type { AppContext } from './context.js';
import { reportPeriod } from './reports.js';

export interface CoverageQuery {
  offerId?: string;
  from?: string;
  to?: string;
  tz?: string;
}

export type CoverageReport = Coverage & { offerId: string | null; from: string; to: string; timezone: string };

export async function runCoverage(
  ctx: AppContext,
  ws: Workspace,
  query: CoverageQuery,
): Promise<Result<CoverageReport>> {
  const period = reportPeriod(ws, query, ctx.clock());
  if (!period.ok) return period;
  const { from, to, zone } = period.value;
  if (query.offerId && !(await findOffer(ctx.store.db, ws.id, query.offerId)))
    return fail('not_found', `No offer ${query.offerId} in this workspace.`);
  const scope = {
    workspaceId: ws.id,
    start: bucketStart(from, zone),
    end: bucketStart(addDays(to, 1), zone),
    ...(query.offerId ? { offerId: query.offerId } : {}),
  };
  const [orders, clicks] = await Promise.all([
    coverageOrders(ctx.store.db, scope),
    coverageClicks(ctx.store.db, scope),
  ]);
  const families = new Map<string, ReturnType<typeof browserFamily>>();
  const familyOf = (ua: string) => {
    let f = families.get(ua);
    if (!f) families.set(ua, (f = browserFamily(ua)));
    return f;
  };
  const coverage = attributionCoverage(
    orders.map((o) => ({
      source: o.source ?? 'unknown',
      click: o.click_found !== null,
      code: o.code !== null,
      browser: o.click_found !== null && o.click_user_agent !== null ? familyOf(o.click_user_agent) : null,
    })),
    clicks.map((c) => ({ ...familyOf(c.user_agent), clicks: c.clicks })),
  );
  return ok({ offerId: query.offerId ?? null, from, to, timezone: zone, ...coverage });
}
